//! Charts of a run, drawn with plotters from the data files of its result folder (MODEL.md §7):
//! fan charts of capital, book, external debt against the guarantee room, the yearly default
//! rate, yearly net loss and active loans over the horizon; histograms of final capital, net
//! loss and cost to the state over paths with their tail risk marked. Each chart comes as an
//! SVG document and a PNG image of 800 x 500 pixels.
//!
//! Charts are drawn from [`RunData`], never from a run in memory, so that a run and a later
//! redraw of its folder (`microfolio report`) produce the same files. Text in PNGs is drawn
//! from the embedded DejaVu Sans with the pure-Rust `ab_glyph` rasteriser (`raster`): no
//! system fonts or fontconfig needed.

pub mod data;
mod fan;
mod frame;
mod histogram;
mod raster;
pub mod study;
pub mod style;

pub use data::{DataError, RunData};
pub use histogram::{Tail, TailStats};

use crate::format::count;
use fan::{Fan, Limit};
use histogram::Histogram;
use style::Unit;

/// Footnote wherever capital at the horizon or the cost to the state is shown (MODEL.md §7).
pub const PAR_NOTE: &str =
    "Book valued at par: losses still embedded in the book at the horizon are not included.";

/// One drawn chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// File stem in `charts/`, e.g. `fan_capital`.
    pub name: &'static str,
    /// The title drawn on the chart.
    pub title: String,
    /// What the chart shows, in a sentence (for the report).
    pub caption: String,
    /// The SVG document.
    pub svg: String,
    /// The PNG file's bytes.
    pub png: Vec<u8>,
}

/// A chart that could not be drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartError {
    /// File stem of the chart.
    pub chart: &'static str,
    pub message: String,
}

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "charts/{}: cannot draw: {}", self.chart, self.message)
    }
}

impl std::error::Error for ChartError {}

/// File stems of every chart this module can draw, in report order.
pub const ALL_CHARTS: [&str; 9] = [
    "fan_capital",
    "fan_book",
    "fan_external_debt",
    "fan_default_rate",
    "fan_net_loss",
    "fan_active_loans",
    "hist_final_capital",
    "hist_net_loss",
    "hist_cost_to_state",
];

/// The charts of a run, and notes on those that could not be drawn from its data (e.g. the
/// histograms when the run wrote no `paths.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct Charts {
    pub charts: Vec<Chart>,
    pub notes: Vec<String>,
}

/// What a yearly fan chart shows.
struct FanSpec {
    name: &'static str,
    metric: &'static str,
    title: &'static str,
    y_desc: &'static str,
    /// Stocks are read at year end, flows over the year.
    stock: bool,
    unit: Unit,
    caption: &'static str,
}

const FANS: [FanSpec; 6] = [
    FanSpec {
        name: "fan_capital",
        metric: "capital",
        title: "Capital at year end",
        y_desc: "Capital (€)",
        stock: true,
        unit: Unit::Money,
        caption: "Capital (cash + book − external debt) at each year end.",
    },
    FanSpec {
        name: "fan_book",
        metric: "book",
        title: "Loan book at year end",
        y_desc: "Outstanding principal (€)",
        stock: true,
        unit: Unit::Money,
        caption: "Outstanding principal of all loans on the book at each year end.",
    },
    FanSpec {
        name: "fan_external_debt",
        metric: "external_debt",
        title: "External debt and guarantee room",
        y_desc: "External debt (€)",
        stock: true,
        unit: Unit::Money,
        caption: "Debt drawn from banks and funds under the state guarantee, against the \
                  guarantee room (the most that can be drawn).",
    },
    FanSpec {
        name: "fan_default_rate",
        metric: "default_rate",
        title: "Yearly default rate",
        y_desc: "Defaults / loans live at year start (%)",
        stock: false,
        unit: Unit::Percent,
        caption: "Defaults in each year over the loans live at its start.",
    },
    FanSpec {
        name: "fan_net_loss",
        metric: "net_loss",
        title: "Yearly net loss",
        y_desc: "Write-offs − recoveries (€)",
        stock: false,
        unit: Unit::Money,
        caption: "Principal written off in each year minus the recoveries received in it.",
    },
    FanSpec {
        name: "fan_active_loans",
        metric: "active_loans",
        title: "Active loans at year end",
        y_desc: "Loans on the book (number)",
        stock: true,
        unit: Unit::Count,
        caption: "Number of loans on the book at each year end.",
    },
];

/// `Title — scenario, 500 paths`: every chart says what run it comes from.
fn title(what: &str, data: &RunData) -> String {
    let paths = data.meta.paths;
    let unit = if paths == 1 { "path" } else { "paths" };
    format!(
        "{what} — {}, {} {unit}",
        data.meta.name,
        count(paths as f64)
    )
}

/// Draw every chart the data allow.
pub fn draw_all(data: &RunData) -> Result<Charts, ChartError> {
    let mut charts = Vec::new();
    let mut notes = Vec::new();
    for spec in &FANS {
        let Some(rows) = data.yearly(spec.metric) else {
            notes.push(format!(
                "{}: timeseries.csv has no `{}` rows; chart not drawn.",
                spec.name, spec.metric
            ));
            continue;
        };
        let limit = (spec.metric == "external_debt").then(|| Limit {
            label: format!(
                "guarantee room {}",
                Unit::Money.value(data.meta.guarantee_room_eur)
            ),
            value: data.meta.guarantee_room_eur,
        });
        let fan = Fan {
            title: title(spec.title, data),
            x_desc: if spec.stock {
                "Year (value at year end)".to_string()
            } else {
                "Year".to_string()
            },
            y_desc: spec.y_desc.to_string(),
            unit: spec.unit,
            rows,
            limit,
            footnote: (spec.metric == "capital").then(|| PAR_NOTE.to_string()),
        };
        let caption = format!(
            "{} Bands: 90% and 50% of paths; solid line: median; dashed: mean.",
            spec.caption
        );
        charts.push(finish(spec.name, fan.title.clone(), caption, &fan)?);
    }

    let Some(paths) = &data.paths else {
        notes.push(
            "paths.csv is absent (the run was made with --no-paths-csv): the distributions \
             over paths are not drawn."
                .to_string(),
        );
        return Ok(Charts { charts, notes });
    };
    let horizon = match data.meta.horizon_years {
        1 => "1 year".to_string(),
        n => format!("{n} years"),
    };
    let hists = [
        (
            "hist_final_capital",
            "final_capital",
            format!("Final capital after {horizon}"),
            "Capital at the horizon (€)",
            Tail::Lower,
        ),
        (
            "hist_net_loss",
            "net_loss",
            format!("Net loss over {horizon}"),
            "Net loss: write-offs − recoveries (€)",
            Tail::Upper,
        ),
        (
            "hist_cost_to_state",
            "cost_to_state",
            format!("Cost to the state after {horizon}"),
            "Guarantee call + state-loan loss (€)",
            Tail::Upper,
        ),
    ];
    for (name, metric, what, x_desc, tail) in hists {
        let sorted = match paths.sorted(metric) {
            Some(v) if !v.is_empty() => v,
            _ => {
                notes.push(format!(
                    "{name}: `{metric}` is defined on no path; chart not drawn."
                ));
                continue;
            }
        };
        let share = |pred: fn(f64) -> bool| {
            Unit::Percent
                .value(sorted.iter().filter(|x| pred(**x)).count() as f64 / sorted.len() as f64)
        };
        let facts = match metric {
            "cost_to_state" => format!("P(cost to the state > 0) = {}", share(|x| x > 0.0)),
            "final_capital" => format!("P(final capital < 0) = {}", share(|x| x < 0.0)),
            _ => match data.metric("loss_rate") {
                Some(rate) => format!(
                    "Loss rate (net loss / initial book + volume granted): mean {}",
                    Unit::Percent.value(rate.mean)
                ),
                None => format!("{} paths", count(sorted.len() as f64)),
            },
        };
        let hist = Histogram {
            title: title(&what, data),
            x_desc: x_desc.to_string(),
            unit: Unit::Money,
            sorted,
            tail,
            facts,
            footnote: (metric != "net_loss").then(|| PAR_NOTE.to_string()),
        };
        let caption = match tail {
            Tail::Upper => {
                "Distribution over paths. Marked: mean, p95, p99 (the 99% value at \
                            risk) and the expected shortfall (mean of the paths at or above p99)."
            }
            Tail::Lower => {
                "Distribution over paths. The adverse tail of capital is the lower \
                            one, so marked are: mean, p05, p01 (the 99% value at risk) and the \
                            expected shortfall (mean of the paths at or below p01)."
            }
        };
        charts.push(finish(
            name,
            hist.title.clone(),
            caption.to_string(),
            &hist,
        )?);
    }
    Ok(Charts { charts, notes })
}

fn finish(
    name: &'static str,
    title: String,
    caption: String,
    figure: &impl frame::Figure,
) -> Result<Chart, ChartError> {
    let (svg, png) = frame::render(figure).map_err(|message| ChartError {
        chart: name,
        message,
    })?;
    Ok(Chart {
        name,
        title,
        caption,
        svg,
        png,
    })
}
