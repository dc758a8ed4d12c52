//! Charts of a run, drawn with plotters from the data files of its result folder (docs/model.md §7):
//! fan charts of capital, book, external debt against the guarantee room, the yearly default
//! rate, yearly net loss, active loans and the state's BMKB exposure over the horizon; the
//! state's whole account by channel in present value (mean and 90% of paths); histograms of
//! final capital, net loss and cost to the state over paths with their tail risk marked. Each chart comes as an
//! SVG document and a PNG image of 800 x 500 pixels.
//!
//! Charts are drawn from [`RunData`], never from a run in memory, so that a run and a later
//! redraw of its folder (`microfolio report`) produce the same files. Text in PNGs is drawn
//! from the embedded DejaVu Sans with the pure-Rust `ab_glyph` rasteriser (`raster`): no
//! system fonts or fontconfig needed.

mod axes;
mod budget;
pub mod data;
mod fan;
pub mod fit;
mod forest;
mod frame;
mod heatmap;
mod histogram;
mod pairs;
mod raster;
mod scatter;
pub mod study;
pub mod style;
mod sweep_line;
mod tornado;

pub use data::{DataError, RunData};
pub use histogram::{Tail, TailStats};

use crate::format::count;
use crate::metrics::{Scalar, Yearly};
use crate::scenario::Settlement;
use crate::uncertainty::rank::OutcomeRanks;
use crate::units::{Column, Unit};
use data::YearRow;
use fan::{Fan, Limit};
use histogram::Histogram;

/// Footnote wherever capital at the horizon, or under a settlement at par the cost to the
/// state, is shown (docs/model.md §7, §11.2).
pub const PAR_NOTE: &str =
    "Book valued at par: losses still embedded in the book at the horizon are not included.";

/// The par note for those of `metrics` that value the book at par under `settlement`, naming
/// them: `Final capital, Cost to the state: Book valued at par: …`; `None` if none does.
pub fn par_note_for(metrics: &[Scalar], settlement: Settlement) -> Option<String> {
    let labels: Vec<&str> = metrics
        .iter()
        .filter(|m| m.at_par(settlement))
        .map(|m| m.label())
        .collect();
    (!labels.is_empty()).then(|| format!("{}: {PAR_NOTE}", labels.join(", ")))
}

/// One drawn chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// File stem in `charts/`, e.g. `fan_capital`.
    pub name: String,
    /// The title drawn on the chart.
    pub title: String,
    /// What the chart shows, in a sentence (for the report).
    pub caption: String,
    /// The SVG document.
    pub svg: String,
    /// The PNG file's bytes.
    pub png: Vec<u8>,
    /// The box of every text on the chart ([`fit`]).
    pub text_boxes: Vec<fit::TextBox>,
}

/// A chart that could not be drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartError {
    /// File stem of the chart.
    pub chart: String,
    pub message: String,
}

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "charts/{}: cannot draw: {}", self.chart, self.message)
    }
}

impl std::error::Error for ChartError {}

/// File stems of every chart this module can draw, in report order.
pub const ALL_CHARTS: [&str; 13] = [
    "fan_capital",
    "fan_book",
    "fan_external_debt",
    "fan_default_rate",
    "fan_net_loss",
    "fan_active_loans",
    "fan_bmkb_exposure",
    "state_account",
    "state_budget",
    "who_bears_loss",
    "hist_final_capital",
    "hist_net_loss",
    "hist_cost_to_state",
];

/// The file stem of the chart of the rank correlations with `metric` that a run with
/// parameter uncertainty draws: `rank_cost_to_state`.
pub fn rank_chart(metric: Scalar) -> String {
    format!("rank_{}", metric.name())
}

/// File stems of the charts only a run with parameter uncertainty draws, and of the one chart
/// of all outcomes that an earlier version drew (`rank_correlations`), so that a redraw leaves
/// no chart of another render behind.
pub fn uncertain_charts() -> Vec<String> {
    let mut names: Vec<String> = data::RANKED.iter().map(|m| rank_chart(*m)).collect();
    names.push("rank_correlations".to_string());
    names
}

/// The confidence of the rank correlations' intervals.
pub const RANK_CONFIDENCE: f64 = 0.95;

/// The charts of a run, and notes on those that could not be drawn from its data (e.g. the
/// histograms when the run wrote no `paths.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct Charts {
    pub charts: Vec<Chart>,
    pub notes: Vec<String>,
    /// A run with parameter uncertainty: the rank correlation of each parameter with each
    /// outcome of [`data::RANKED`] (at [`RANK_CONFIDENCE`]) that the charts show. Empty
    /// otherwise.
    pub ranks: Vec<OutcomeRanks>,
}

/// What a yearly fan chart shows; the unit is the metric's.
struct FanSpec {
    name: &'static str,
    metric: Yearly,
    title: &'static str,
    /// The y axis's title, without the unit.
    y_desc: &'static str,
    /// Stocks are read at year end, flows over the year.
    stock: bool,
    caption: &'static str,
}

const FANS: [FanSpec; 7] = [
    FanSpec {
        name: "fan_capital",
        metric: Yearly::Capital,
        title: "Capital at year end",
        y_desc: "Capital",
        stock: true,
        caption: "Capital (cash + book − external debt) at each year end.",
    },
    FanSpec {
        name: "fan_book",
        metric: Yearly::Book,
        title: "Loan book at year end",
        y_desc: "Outstanding principal",
        stock: true,
        caption: "Outstanding principal of all loans on the book at each year end.",
    },
    FanSpec {
        name: "fan_external_debt",
        metric: Yearly::ExternalDebt,
        title: "External debt and guarantee room",
        y_desc: "External debt",
        stock: true,
        caption: "Debt drawn from banks and funds under the state guarantee, against the \
                  guarantee room (the most that can be drawn).",
    },
    FanSpec {
        name: "fan_default_rate",
        metric: Yearly::DefaultRate,
        title: "Yearly default rate",
        y_desc: "Defaults / loans live at year start",
        stock: false,
        caption: "Defaults in each year over the loans live at its start.",
    },
    FanSpec {
        name: "fan_net_loss",
        metric: Yearly::NetLoss,
        title: "Yearly net loss",
        y_desc: "Write-offs − recoveries",
        stock: false,
        caption: "Principal written off in each year minus the recoveries received in it.",
    },
    FanSpec {
        name: "fan_active_loans",
        metric: Yearly::ActiveLoans,
        title: "Active loans at year end",
        y_desc: "Loans on the book (number)",
        stock: true,
        caption: "Number of loans on the book at each year end.",
    },
    FanSpec {
        name: "fan_bmkb_exposure",
        metric: Yearly::BmkbExposure,
        title: "The state's BMKB exposure at year end",
        y_desc: "Coverage × guaranteed share × balance",
        stock: true,
        caption: "What the state would pay if every BMKB-backed credit still covered (the \
                  lender's own and graduates' bank loans) defaulted with nothing recovered: 90% \
                  of the guaranteed part of each balance.",
    },
];

/// The rows of the state-account chart: the channels in present value, each with the sign it
/// has in the total (docs/model.md §11.5), and their sum.
const STATE_ACCOUNT: [(Scalar, f64, &str); 5] = [
    (Scalar::CostToStatePv, 1.0, "State loan and guarantee call"),
    (Scalar::BmkbNetCostPv, 1.0, "BMKB claims − premiums"),
    (Scalar::StateLoanSubsidyPv, 1.0, "Interest subsidy"),
    (Scalar::GuaranteeFeesPv, -1.0, "Guarantee fees received"),
    (Scalar::StateCostTotalPv, 1.0, "Total"),
];

/// docs/model.md §10: what the state pays by channel, in present value, as a mean and the range
/// of 90% of paths (from `summary.json`, so it is drawn without `paths.csv` too); `None` when a
/// channel is defined on no path.
fn state_account_chart(data: &RunData) -> Result<Option<Chart>, ChartError> {
    let mut rows = Vec::new();
    let mut means = Vec::new();
    for (metric, sign, label) in STATE_ACCOUNT {
        let Some(m) = data.metric(metric) else {
            return Ok(None);
        };
        // Fees are the state's income: drawn as what they take off its cost.
        let (lo, hi) = if sign < 0.0 {
            (-m.p95, -m.p05)
        } else {
            (m.p05, m.p95)
        };
        rows.push(forest::ForestRow {
            label: label.to_string(),
            entries: vec![Some(study::Interval {
                value: sign * m.mean,
                lo,
                hi,
            })],
        });
        means.push(sign * m.mean);
    }
    let column = Column::of(Unit::Money, &means);
    let annotations: Vec<String> = means
        .iter()
        .map(|m| format!("mean {}", column.value(*m)))
        .collect();
    let drawn = data
        .meta
        .drawn_keys
        .iter()
        .any(|k| k == "state.discount_rate");
    let rate = toml::from_str::<toml::Table>(&data.scenario_toml)
        .ok()
        .and_then(|t| t.get("state")?.get("discount_rate")?.as_float())
        .map_or(String::new(), |r| {
            if drawn {
                " at the discount rate each path drew".to_string()
            } else {
                format!(" at {} a year", Unit::Percent.value(r))
            }
        });
    let series = ["Mean; bar: 5% to 95% of paths".to_string()];
    let chart = forest::Forest {
        texts: frame::Texts {
            title: title("The state's account by channel, present value", data),
            facts: format!("Every flow discounted to the start{rate}"),
            footnote: (data.meta.settlement == Settlement::Par).then(|| PAR_NOTE.to_string()),
        },
        x_desc: "What the state pays, present value (negative: it gains)".to_string(),
        series: &series,
        rows: &rows,
        annotations: &annotations,
        unit: Unit::Money,
        clip: false,
    };
    let when = match data.meta.settlement {
        Settlement::Par => "at the horizon, the book valued at par",
        Settlement::RunOff => "when the book has run off after the horizon",
    };
    let caption = format!(
        "What the state pays through each channel, discounted: the state loan lost and the \
         guarantee called at settlement ({when}); BMKB claims less the premiums received; the \
         interest it forgoes by lending the state loan below its own cost of funds; less the \
         guarantee fees it receives on the facilities' debt. Dot: mean; bar: 90% of paths. The \
         channels' ranges do not add up: only their means do."
    );
    finish("state_account", chart.texts.title.clone(), caption, &chart).map(Some)
}

/// docs/model.md §7, "Per segment": each segment's share of the mean net loss beside its
/// share of the net loss's expected shortfall (its Euler contribution), so that a reader sees
/// which segment bears more of the bad years than of the average; `None` where `summary.json`
/// has no `segments` block or the net loss is 0 on every path.
fn who_bears_chart(data: &RunData) -> Result<Option<Chart>, ChartError> {
    if data.segments.is_empty() || data.segments.iter().all(|s| s.of_mean.is_none()) {
        return Ok(None);
    }
    let dot = |v: Option<f64>| {
        v.map(|x| study::Interval {
            value: x,
            lo: x,
            hi: x,
        })
    };
    let rows: Vec<forest::ForestRow> = data
        .segments
        .iter()
        .map(|s| forest::ForestRow {
            label: s.name.clone(),
            entries: vec![dot(s.of_mean), dot(s.of_es)],
        })
        .collect();
    let annotations: Vec<String> = data
        .segments
        .iter()
        .map(|s| match (s.of_mean, s.of_es) {
            (Some(m), Some(e)) => {
                format!("{} → {}", Unit::Percent.value(m), Unit::Percent.value(e))
            }
            _ => String::new(),
        })
        .collect();
    let series = [
        "Share of the mean net loss".to_string(),
        "Share of the expected shortfall (worst 1% of paths)".to_string(),
    ];
    let chart = forest::Forest {
        texts: frame::Texts {
            title: title("Who bears the loss, by segment", data),
            facts: "Euler allocation of the net loss's expected shortfall at 99%".to_string(),
            footnote: None,
        },
        x_desc: "Share of the lender's net loss".to_string(),
        series: &series,
        rows: &rows,
        annotations: &annotations,
        unit: Unit::Percent,
        clip: false,
    };
    let caption = "Each segment's share of the lender's mean net loss over paths, and its \
                   share of the expected shortfall: its mean net loss over the 1% of paths with \
                   the largest net loss (the Euler allocation; the shares sum to 100%). A \
                   segment whose second share is the larger bears more of the bad years than \
                   of the average. Numbers in segments.csv."
        .to_string();
    finish("who_bears_loss", chart.texts.title.clone(), caption, &chart).map(Some)
}

/// docs/model.md §11.4: the state's budget year by year, from `timeseries.csv`'s ledger rows;
/// `None` where the file has none (a folder of an older version).
fn budget_chart(data: &RunData) -> Result<Option<Chart>, ChartError> {
    let rows = |m: Yearly| -> Vec<YearRow> {
        let mut out = data.yearly(m).map(<[YearRow]>::to_vec).unwrap_or_default();
        out.extend_from_slice(data.after(m));
        out
    };
    let (cash, guarantee, bmkb) = (
        rows(Yearly::StateNetCash),
        rows(Yearly::GuaranteeExposure),
        rows(Yearly::BmkbExposure),
    );
    if cash.is_empty() || cash.len() != guarantee.len() || cash.len() != bmkb.len() {
        return Ok(None);
    }
    let years = data.meta.horizon_years as usize;
    let last_year = data.meta.start_year + years as i64 - 1;
    let columns: Vec<budget::Column> = (0..cash.len())
        .map(|i| budget::Column {
            label: if i >= years && !data.meta.shape.run_off_years {
                format!("after {last_year}")
            } else {
                cash[i].label.to_string()
            },
            net_cash: cash[i],
            guarantee: guarantee[i],
            bmkb: bmkb[i],
        })
        .collect();
    let total: f64 = cash.iter().filter_map(|r| r.mean).sum();
    let state_loan = toml::from_str::<toml::Table>(&data.scenario_toml)
        .ok()
        .and_then(|t| t.get("funding")?.get("state_loan")?.as_float());
    let lent = state_loan.map_or(String::new(), |l| {
        format!(
            " · state loan of {} lent before the first year",
            Unit::Money.value(l)
        )
    });
    let after = if data.meta.shape.run_off_years {
        "the years after the horizon are the run-off's"
    } else {
        "the last column is everything after the horizon"
    };
    let chart = budget::Budget {
        title: title("The state's budget year by year", data),
        facts: format!(
            "Mean net cash over all years {}{lent} · {after}",
            Unit::Money.value(total)
        ),
        columns: &columns,
        footnote: Some("Nominal euros. + received by the state, − paid by it.".to_string()),
    };
    let caption = format!(
        "Above: what the state receives from and pays for the lender and through the BMKB in \
         each budget year — interest on the state loan, guarantee fees, BMKB premiums, the state \
         loan repaid (in a run-off as cash allows, the rest at settlement) less BMKB claims, \
         capital injected in a resolution and guarantees called at settlement — as the mean \
         (bar) and the range of 90% of paths (whisker); {after}. Below: what the state still \
         guarantees at each year's end, for the facilities' debt (the range of 90% of paths \
         shaded) and under the BMKB. Left out: the state loan lent before the first year, the \
         BMKB's running costs and the wider effects of the firms financed."
    );
    finish("state_budget", chart.title.clone(), caption, &chart).map(Some)
}

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
                spec.name,
                spec.metric.name()
            ));
            continue;
        };
        // With the BMKB off (or backing nothing) there is no exposure to draw, and nothing to
        // note either: the scenario says so.
        if spec.metric == Yearly::BmkbExposure && rows.iter().all(|r| r.p95 == Some(0.0)) {
            continue;
        }
        let unit = spec.metric.unit();
        let limit = (spec.metric == Yearly::ExternalDebt).then(|| Limit {
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
            y_desc: unit.label(spec.y_desc),
            unit,
            rows,
            limit,
            footnote: spec.metric.at_par().then(|| PAR_NOTE.to_string()),
        };
        let caption = format!(
            "{} Bands: 90% and 50% of paths; solid line: median; dashed: mean.",
            spec.caption
        );
        charts.push(finish(spec.name, fan.title.clone(), caption, &fan)?);
    }
    match state_account_chart(data)? {
        Some(chart) => charts.push(chart),
        None => notes.push(
            "state_account: summary.json lacks the state's account by channel; chart not drawn."
                .to_string(),
        ),
    }
    match budget_chart(data)? {
        Some(chart) => charts.push(chart),
        None => notes.push(
            "state_budget: timeseries.csv lacks the state's ledger; chart not drawn.".to_string(),
        ),
    }
    // Drawn from summary.json's `segments` block; a folder of an older version has none.
    if let Some(chart) = who_bears_chart(data)? {
        charts.push(chart);
    }

    let Some(paths) = &data.paths else {
        notes.push(
            "paths.csv is absent (the run was asked not to write it): the distributions \
             over paths are not drawn."
                .to_string(),
        );
        return Ok(Charts {
            charts,
            notes,
            ranks: Vec::new(),
        });
    };
    let horizon = match data.meta.horizon_years {
        1 => "1 year".to_string(),
        n => format!("{n} years"),
    };
    let hists = [
        (
            "hist_final_capital",
            Scalar::FinalCapital,
            format!("Final capital after {horizon}"),
            "Capital at the horizon",
            Tail::Lower,
        ),
        (
            "hist_net_loss",
            Scalar::NetLoss,
            format!("Net loss over {horizon}"),
            "Net loss: write-offs − recoveries",
            Tail::Upper,
        ),
        (
            "hist_cost_to_state",
            Scalar::CostToState,
            match data.meta.settlement {
                Settlement::Par => format!("Cost to the state after {horizon}"),
                Settlement::RunOff => "Cost to the state, settled after the run-off".to_string(),
            },
            "Guarantee call + state-loan loss",
            Tail::Upper,
        ),
    ];
    for (name, metric, what, x_desc, tail) in hists {
        let sorted = match paths.sorted(metric) {
            Some(v) if !v.is_empty() => v,
            _ => {
                notes.push(format!(
                    "{name}: `{}` is defined on no path; chart not drawn.",
                    metric.name()
                ));
                continue;
            }
        };
        let share =
            |pred: fn(f64) -> bool| Unit::Percent.value(paths.share(metric, pred).unwrap_or(0.0));
        let facts = match metric {
            Scalar::CostToState => format!("P(cost to the state > 0) = {}", share(|x| x > 0.0)),
            Scalar::FinalCapital => format!("P(final capital < 0) = {}", share(|x| x < 0.0)),
            _ => match data.metric(Scalar::LossRate) {
                Some(rate) => format!(
                    "Loss rate (net loss / initial book + volume granted): mean {}",
                    Unit::Percent.value(rate.mean)
                ),
                None => format!("{} paths", count(sorted.len() as f64)),
            },
        };
        let hist = Histogram {
            title: title(&what, data),
            x_desc: metric.unit().label(x_desc),
            unit: metric.unit(),
            sorted,
            weights: paths.weights(metric),
            paths: paths.rows,
            tail,
            facts,
            footnote: metric
                .at_par(data.meta.settlement)
                .then(|| PAR_NOTE.to_string()),
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
    let ranks = paths.rank_correlations(RANK_CONFIDENCE);
    for outcome in &ranks {
        match rank_correlations(data, paths, outcome)? {
            Some(chart) => charts.push(chart),
            None => notes.push(format!(
                "{}: {} is the same on every path (or defined on fewer than 4), so it has \
                 no rank correlation with the parameters; chart not drawn.",
                rank_chart(outcome.metric),
                outcome.metric.label()
            )),
        }
    }
    Ok(Charts {
        charts,
        notes,
        ranks,
    })
}

/// The rank correlation of each uncertain parameter with one outcome, with its interval, as
/// a tornado: the parameter that drives the outcome's spread most on top (a run with
/// parameter uncertainty). `None` when no parameter has a correlation with it.
fn rank_correlations(
    data: &RunData,
    paths: &data::PathColumns,
    outcome: &OutcomeRanks,
) -> Result<Option<Chart>, ChartError> {
    if outcome.by_parameter.iter().all(Option::is_none) {
        return Ok(None);
    }
    let metric = outcome.metric;
    // Tornado order: strongest |ρ| first; parameters without a correlation last, each group
    // in the scenario's order (a stable sort).
    let mut order: Vec<usize> = (0..paths.parameters.len()).collect();
    let strength = |j: &usize| outcome.by_parameter[*j].map_or(-1.0, |r| r.rho.abs());
    order.sort_by(|a, b| strength(b).total_cmp(&strength(a)));
    let rows: Vec<forest::ForestRow> = order
        .iter()
        .map(|&j| forest::ForestRow {
            label: paths.parameters[j].0.clone(),
            entries: vec![outcome.by_parameter[j].map(|r| study::Interval {
                value: r.rho,
                lo: r.low,
                hi: r.high,
            })],
        })
        .collect();
    // One precision for every ρ, as many digits as tell neighbours apart.
    let rhos: Vec<f64> = order
        .iter()
        .filter_map(|&j| outcome.by_parameter[j].map(|r| r.rho))
        .collect();
    let column = Column::of(Unit::Ratio, &rhos);
    let annotations: Vec<String> = order
        .iter()
        .map(|&j| {
            outcome.by_parameter[j].map_or("no ordering".to_string(), |r| {
                format!("ρ = {}", column.value(r.rho))
            })
        })
        .collect();
    let series = ["Spearman's ρ; bar: 95% interval".to_string()];
    let chart = forest::Forest {
        texts: frame::Texts {
            title: title(&format!("What drives it: {}", metric.label()), data),
            facts: format!(
                "{} paths where it is defined, each with its own draw of {} parameters",
                count(outcome.n as f64),
                paths.parameters.len()
            ),
            footnote: metric
                .at_par(data.meta.settlement)
                .then(|| PAR_NOTE.to_string()),
        },
        x_desc: format!(
            "Spearman rank correlation with {} (95% interval, Fisher z)",
            metric.label()
        ),
        series: &series,
        rows: &rows,
        annotations: &annotations,
        unit: Unit::Ratio,
        clip: false,
    };
    let caption = format!(
        "For each uncertain parameter, Spearman's rank correlation over the paths between the \
         value it drew and {} ({}), with a 95% interval (Fisher's z with the variance \
         1.06/(n − 3) of Fieller, Hartley and Pearson). The parameters are ordered by the \
         strength of their correlation: the top ones drive the spread of the outcome most. \
         Other randomness of the paths (defaults, demand, the credit cycle) dilutes every \
         correlation. The numbers are in rank_correlations.csv.",
        metric.label(),
        metric.name()
    );
    finish(
        &rank_chart(metric),
        chart.texts.title.clone(),
        caption,
        &chart,
    )
    .map(Some)
}

fn finish(
    name: &str,
    title: String,
    caption: String,
    figure: &impl frame::Figure,
) -> Result<Chart, ChartError> {
    let drawn = frame::render(figure).map_err(|message| ChartError {
        chart: name.to_string(),
        message,
    })?;
    Ok(Chart {
        name: name.to_string(),
        title,
        caption,
        svg: drawn.svg,
        png: drawn.png,
        text_boxes: drawn.text_boxes,
    })
}
