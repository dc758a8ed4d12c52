//! Charts of sensitivity studies (`crate::study`), in the look of the run charts (palette,
//! fonts, frame, 800 × 500 SVG and PNG):
//!
//! - a sweep line: a metric against one parameter, the mean with the 95% confidence band of
//!   the mean and the band of 90% of paths (p05–p95), and the median dashed;
//! - a heat map: the mean of a metric over the grid of two parameters, coloured with viridis
//!   (van der Walt & Smith 2015), which is colour-blind safe and monotone in lightness, so it
//!   also reads in grey;
//! - a forest plot of a comparison: per outcome, the change of each variant's mean relative to
//!   the reference, with its 95% confidence interval;
//! - a tornado: per parameter, the mean of a metric at its low and high value as bars from the
//!   baseline, with the 95% confidence interval of each change as whiskers, largest swing on
//!   top.

use plotters::chart::ChartBuilder;
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{Circle, PathElement, Polygon, Rectangle, Text, TriangleMarker};
use plotters::prelude::DrawingBackend;
use plotters::series::{DashedLineSeries, LineSeries};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor, WHITE};

use super::ChartError;
use super::frame::{self, DrawResult, Figure, Frame, draw_line, stroke, text};
use super::style::{
    BLACK, BLUE, DARK_GREY, Dash, GRID_GREY, LABEL_SIZE, LineLook, NOTE_SIZE, ORANGE,
    REDDISH_PURPLE, SKY_BLUE, Swatch, TICK_SIZE, TickAxis, Unit, VERMILLION, WIDTH, nice_ticks,
};
use crate::format::{count, eur};

/// One drawn study chart.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyChart {
    /// File stem in `charts/`, e.g. `sweep_net_loss`.
    pub file: String,
    /// The title drawn on the chart.
    pub title: String,
    /// What the chart shows, for the report.
    pub caption: String,
    pub svg: String,
    pub png: Vec<u8>,
}

/// How the numbers of an axis or a cell are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Euros: `€12.5m`.
    Money,
    /// A fraction in percent: `3.1%`.
    Percent,
    /// A number of things, or months: `12,300`.
    Count,
    /// A plain number such as a ratio or a multiplier: `1.03`.
    Number,
}

/// Outcomes that value the book at par at the horizon (MODEL.md §7).
pub fn at_par(metric: &str) -> bool {
    matches!(
        metric,
        "final_capital" | "guarantee_call" | "state_loan_loss" | "cost_to_state"
    )
}

/// Up to three significant figures, trailing zeros dropped: `1.5`, `1.03`, `250`.
fn plain(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    let a = x.abs();
    let decimals = if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else if a == 0.0 {
        0
    } else {
        // Three significant figures below 1: 0.992, 0.013, 0.000512.
        ((2.0 - a.log10().floor()) as usize).clamp(3, 8)
    };
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".to_string() } else { s }
}

/// Decimals needed to write multiples of `step` exactly.
fn step_decimals(step: f64) -> usize {
    (0..6)
        .find(|d| {
            let scaled = step * 10f64.powi(*d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(6)
}

impl Scale {
    /// How a scalar outcome is written (as in the run's report).
    pub fn of_metric(metric: &str) -> Scale {
        match crate::report::metric_unit(metric) {
            Some(Unit::Money) => Scale::Money,
            Some(Unit::Percent) => Scale::Percent,
            Some(Unit::Count) => Scale::Count,
            None => Scale::Number,
        }
    }

    /// How a scenario parameter (a dotted key) is written; `whole` for counts and months.
    pub fn of_parameter(key: &str, whole: bool) -> Scale {
        use crate::units::Unit as KeyUnit;
        match crate::scenario::key_unit(key) {
            KeyUnit::Money => Scale::Money,
            KeyUnit::Percent => Scale::Percent,
            KeyUnit::Count | KeyUnit::Months => Scale::Count,
            KeyUnit::Ratio if whole => Scale::Count,
            KeyUnit::Ratio => Scale::Number,
        }
    }

    /// A value in a label or cell.
    pub fn value(self, x: f64) -> String {
        match self {
            Scale::Money => Unit::Money.value(x),
            Scale::Percent => Unit::Percent.value(x),
            Scale::Count if x.abs() >= 100.0 || x.fract() == 0.0 => count(x),
            Scale::Count | Scale::Number => plain(x),
        }
    }

    /// A difference with its sign: `+€1.20m`, `−2.5%`, `+0`.
    pub fn signed(self, x: f64) -> String {
        if !x.is_finite() {
            return "–".to_string();
        }
        let body = self.value(x.abs());
        if x > 0.0 {
            format!("+{body}")
        } else if x < 0.0 {
            format!("−{body}")
        } else {
            body
        }
    }

    /// A tick label; the ticks of an axis share a magnitude suffix.
    pub fn tick(self, x: f64, step: f64, max_abs: f64) -> String {
        match self {
            Scale::Money => Unit::Money.tick(x, step, max_abs),
            Scale::Percent => Unit::Percent.tick(x, step, max_abs),
            Scale::Count => Unit::Count.tick(x, step, max_abs),
            Scale::Number => {
                let x = if x.abs() < step * 1e-6 { 0.0 } else { x };
                format!("{x:.*}", step_decimals(step))
            }
        }
    }

    /// `name (€)`, `name (%)`, or the name alone for counts and plain numbers.
    pub fn describe(self, name: &str) -> String {
        match self {
            Scale::Money => format!("{name} (€)"),
            Scale::Percent => format!("{name} (%)"),
            Scale::Count | Scale::Number => name.to_string(),
        }
    }

    /// Money in full when a tick would round it away (`€130m` vs `€130.5m`).
    fn exact(self, x: f64) -> String {
        match self {
            Scale::Money => eur(x),
            _ => self.value(x),
        }
    }
}

/// Ticks for `lo..hi` that lie inside it (the axis spans the data with a little air).
fn ticks_within(lo: f64, hi: f64, target: usize) -> (Vec<f64>, f64) {
    let (mut ticks, step) = nice_ticks(lo, hi, target);
    ticks.retain(|t| *t >= lo - step * 1e-9 && *t <= hi + step * 1e-9);
    (ticks, step)
}

/// The line of facts cut before a ` · ` so that it fits the chart's width (the caption in the
/// report says everything).
fn fit_facts<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    facts: &str,
) -> DrawResult<String, DB> {
    let width = WIDTH as i32 - 32;
    let style = text(LABEL_SIZE, &BLACK);
    let mut line = String::new();
    for part in facts.split(" · ") {
        let candidate = if line.is_empty() {
            part.to_string()
        } else {
            format!("{line} · {part}")
        };
        if !line.is_empty() && root.estimate_text_size(&candidate, &style)?.0 as i32 > width {
            break;
        }
        line = candidate;
    }
    Ok(line)
}

/// The largest absolute tick, for a shared magnitude suffix.
fn max_abs(ticks: &[f64]) -> f64 {
    ticks.iter().fold(0.0f64, |m, t| m.max(t.abs()))
}

/// The line of a sweep's mean.
const MEAN: LineLook = LineLook {
    color: BLUE,
    width: 3,
    dash: Dash::Solid,
};
/// The line of a sweep's median.
const MEDIAN: LineLook = LineLook {
    color: VERMILLION,
    width: 2,
    dash: Dash::Dashed { on: 7, off: 5 },
};
/// Opacities of the p05–p95 and the confidence bands.
const PATHS_ALPHA: f64 = 0.18;
const CI_ALPHA: f64 = 0.5;

/// One value of a swept parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinePoint {
    pub x: f64,
    pub mean: f64,
    /// 95% confidence interval of the mean.
    pub ci: Option<(f64, f64)>,
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
}

/// A metric against one swept parameter.
pub struct SweepLine<'a> {
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    pub x_scale: Scale,
    pub y_scale: Scale,
    /// In ascending `x`; not empty.
    pub points: &'a [LinePoint],
    pub facts: String,
    pub footnote: Option<String>,
}

impl Figure for SweepLine<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let legend = vec![
            (
                Swatch::Fill(BLUE, PATHS_ALPHA),
                "90% of paths (p05–p95)".to_string(),
            ),
            (
                Swatch::Fill(BLUE, CI_ALPHA),
                "95% confidence interval of the mean".to_string(),
            ),
            (Swatch::Line(MEAN), "mean".to_string()),
            (Swatch::Line(MEDIAN), "median".to_string()),
        ];
        let frame = Frame {
            title: &self.title,
            legend: &legend,
            facts: Some(&fit_facts(root, &self.facts)?),
            footnote: self.footnote.as_deref(),
        };
        let area = frame.draw(root)?;

        let xs = self.points.iter().map(|p| p.x);
        let (x_min, x_max) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
        let pad = if x_max > x_min {
            (x_max - x_min) * 0.04
        } else {
            x_min.abs().max(1.0) * 0.1
        };
        let x_range = (x_min - pad)..(x_max + pad);
        let (x_ticks, x_step) = ticks_within(x_range.start, x_range.end, 7);

        // Levels and changes are read at their true size from zero, as in the fan charts;
        // plain ratios (such as OSS around 1) are not.
        let (mut lo, mut hi) = if self.y_scale == Scale::Number {
            (f64::INFINITY, f64::NEG_INFINITY)
        } else {
            (0.0f64, 0.0f64)
        };
        for p in self.points {
            for v in [p.p05, p.p95, p.mean] {
                lo = lo.min(v);
                hi = hi.max(v);
            }
            if let Some((a, b)) = p.ci {
                lo = lo.min(a);
                hi = hi.max(b);
            }
        }
        let (y_ticks, y_step) = nice_ticks(lo, hi + (hi - lo) * 0.03, 6);
        let y_range = y_ticks[0]..y_ticks[y_ticks.len() - 1];
        let y_abs = max_abs(&y_ticks);
        let x_abs = max_abs(&x_ticks);

        let mut chart = ChartBuilder::on(&area)
            .margin_right(28)
            .margin_left(8)
            .x_label_area_size(52)
            .y_label_area_size(86)
            .build_cartesian_2d(
                TickAxis::new(x_range.clone(), x_ticks),
                TickAxis::new(y_range, y_ticks),
            )?;
        let x_label = |v: &f64| self.x_scale.tick(*v, x_step, x_abs);
        let y_label = |v: &f64| self.y_scale.tick(*v, y_step, y_abs);
        chart
            .configure_mesh()
            .bold_line_style(GRID_GREY.stroke_width(1))
            .axis_style(DARK_GREY.stroke_width(1))
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .axis_desc_style(text(LABEL_SIZE, &BLACK))
            .label_style(text(TICK_SIZE, &DARK_GREY))
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .draw()?;

        if lo < 0.0 {
            chart.draw_series(LineSeries::new(
                [(x_range.start, 0.0), (x_range.end, 0.0)],
                DARK_GREY.stroke_width(1),
            ))?;
        }
        let band = |upper: &dyn Fn(&LinePoint) -> f64, lower: &dyn Fn(&LinePoint) -> f64| {
            let mut poly: Vec<(f64, f64)> = self.points.iter().map(|p| (p.x, upper(p))).collect();
            poly.extend(self.points.iter().rev().map(|p| (p.x, lower(p))));
            poly
        };
        chart.draw_series(std::iter::once(Polygon::new(
            band(&|p| p.p95, &|p| p.p05),
            BLUE.mix(PATHS_ALPHA).filled(),
        )))?;
        chart.draw_series(std::iter::once(Polygon::new(
            band(&|p| p.ci.map_or(p.mean, |c| c.1), &|p| {
                p.ci.map_or(p.mean, |c| c.0)
            }),
            BLUE.mix(CI_ALPHA).filled(),
        )))?;
        let (on, off) = match MEDIAN.dash {
            Dash::Dashed { on, off } => (on, off),
            Dash::Solid => (1, 0),
        };
        chart.draw_series(DashedLineSeries::new(
            self.points.iter().map(|p| (p.x, p.p50)),
            on,
            off,
            stroke(&MEDIAN),
        ))?;
        let mean: Vec<(f64, f64)> = self.points.iter().map(|p| (p.x, p.mean)).collect();
        chart.draw_series(LineSeries::new(mean.clone(), stroke(&MEAN)))?;
        // Dots mark the values that were run; the lines between them are only a guide.
        if mean.len() <= 60 {
            chart.draw_series(mean.iter().map(|p| Circle::new(*p, 3, BLUE.filled())))?;
        }
        Ok(())
    }
}

/// Viridis at 10 evenly spaced points (matplotlib's `viridis`).
const VIRIDIS: [(u8, u8, u8); 10] = [
    (68, 1, 84),
    (72, 40, 120),
    (62, 74, 137),
    (49, 104, 142),
    (38, 130, 142),
    (31, 158, 137),
    (53, 183, 121),
    (109, 205, 89),
    (180, 222, 44),
    (253, 231, 37),
];

/// The viridis colour at `t` in 0..=1.
fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let x = t * (VIRIDIS.len() - 1) as f64;
    let i = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Whether text on `c` should be dark (relative luminance, ITU-R BT.709).
fn light(c: RGBColor) -> bool {
    0.2126 * f64::from(c.0) + 0.7152 * f64::from(c.1) + 0.0722 * f64::from(c.2) > 140.0
}

/// The largest step of 1, 2, 2.5 or 5 times a power of ten of which every value is a multiple
/// (`None` for fewer than two distinct values, or none down to a billionth of the gap).
fn dividing_step(values: &[f64]) -> Option<f64> {
    let gap = values
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .filter(|g| *g > 0.0)
        .fold(f64::INFINITY, f64::min);
    if !gap.is_finite() {
        return None;
    }
    let top = 10f64.powf(gap.log10().floor());
    (0..10)
        .flat_map(|k| {
            let m = top / 10f64.powi(k);
            [5.0 * m, 2.5 * m, 2.0 * m, m]
        })
        .filter(|step| *step <= gap * (1.0 + 1e-9))
        .find(|step| {
            values.iter().all(|v| {
                let q = v / step;
                (q - q.round()).abs() < 1e-6
            })
        })
}

/// Ticks at the centres of `n` cells, at most about ten labelled.
fn cell_ticks(n: usize) -> Vec<f64> {
    let every = n.div_ceil(10).max(1);
    (0..n)
        .filter(|i| i % every == 0)
        .map(|i| i as f64 + 0.5)
        .collect()
}

/// The mean of a metric over a grid of two parameters.
pub struct Heatmap<'a> {
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    /// Values of the first parameter (across), ascending.
    pub x_values: &'a [f64],
    /// Values of the second parameter (up), ascending.
    pub y_values: &'a [f64],
    pub x_scale: Scale,
    pub y_scale: Scale,
    pub value_scale: Scale,
    /// `cells[i * y_values.len() + j]`: the value at `x_values[i]`, `y_values[j]`.
    pub cells: &'a [Option<f64>],
    pub facts: String,
    pub footnote: Option<String>,
}

impl Figure for Heatmap<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let frame = Frame {
            title: &self.title,
            legend: &[],
            facts: Some(&fit_facts(root, &self.facts)?),
            footnote: self.footnote.as_deref(),
        };
        let area = frame.draw(root)?;
        let (plot_area, bar_area) = area.split_horizontally(WIDTH as i32 - 118);
        let (nx, ny) = (self.x_values.len(), self.y_values.len());
        let defined = self.cells.iter().flatten().copied();
        let (lo, hi) = defined.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        let t = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };

        let x_ticks = cell_ticks(nx);
        let y_ticks = cell_ticks(ny);
        let mut chart = ChartBuilder::on(&plot_area)
            .margin_right(12)
            .margin_left(8)
            .x_label_area_size(52)
            .y_label_area_size(86)
            .build_cartesian_2d(
                TickAxis::new(0.0..nx as f64, x_ticks),
                TickAxis::new(0.0..ny as f64, y_ticks),
            )?;
        // Values as ticks, with a step that divides them all, so that every label is exact and
        // all share their decimals: 4.0%, 5.0%, 6.5%.
        let (x_step, y_step) = (dividing_step(self.x_values), dividing_step(self.y_values));
        let (x_abs, y_abs) = (max_abs(self.x_values), max_abs(self.y_values));
        let label = |scale: Scale, x: f64, step: Option<f64>, abs: f64| match step {
            Some(step) => scale.tick(x, step, abs),
            None => scale.value(x),
        };
        let x_label = |v: &f64| {
            let i = (v.floor() as usize).min(nx - 1);
            label(self.x_scale, self.x_values[i], x_step, x_abs)
        };
        let y_label = |v: &f64| {
            let j = (v.floor() as usize).min(ny - 1);
            label(self.y_scale, self.y_values[j], y_step, y_abs)
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .axis_style(DARK_GREY.stroke_width(1))
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .axis_desc_style(text(LABEL_SIZE, &BLACK))
            .label_style(text(TICK_SIZE, &DARK_GREY))
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .draw()?;
        for i in 0..nx {
            for j in 0..ny {
                let rect = [(i as f64, j as f64), (i as f64 + 1.0, j as f64 + 1.0)];
                let colour = match self.cells.get(i * ny + j).copied().flatten() {
                    Some(v) => viridis(t(v)),
                    None => GRID_GREY,
                };
                chart.draw_series(std::iter::once(Rectangle::new(rect, colour.filled())))?;
            }
        }
        // The value in each cell, when the cells are large enough to hold it.
        let (a, b) = (
            chart.backend_coord(&(0.0, 0.0)),
            chart.backend_coord(&(1.0, 1.0)),
        );
        let (cell_w, cell_h) = ((b.0 - a.0).abs(), (b.1 - a.1).abs());
        if cell_w >= 52 && cell_h >= 20 {
            for i in 0..nx {
                for j in 0..ny {
                    let (label, colour) = match self.cells.get(i * ny + j).copied().flatten() {
                        Some(v) => {
                            let c = viridis(t(v));
                            (
                                self.value_scale.value(v),
                                if light(c) { BLACK } else { WHITE },
                            )
                        }
                        None => ("–".to_string(), DARK_GREY),
                    };
                    let centre = chart.backend_coord(&(i as f64 + 0.5, j as f64 + 0.5));
                    root.draw(&Text::new(
                        label,
                        centre,
                        text(NOTE_SIZE, &colour).pos(Pos::new(HPos::Center, VPos::Center)),
                    ))?;
                }
            }
        }

        // The colour bar, as tall as the plot.
        let (_, plot_y) = chart.plotting_area().get_pixel_range();
        let (bar_x, _) = bar_area.get_base_pixel();
        let (x0, x1) = (bar_x + 8, bar_x + 28);
        let steps = 100;
        let height = (plot_y.end - plot_y.start).max(1);
        for k in 0..steps {
            let y_top = plot_y.start + height * k / steps;
            let y_bottom = plot_y.start + height * (k + 1) / steps;
            let colour = viridis(1.0 - (k as f64 + 0.5) / steps as f64);
            root.draw(&Rectangle::new(
                [(x0, y_top), (x1, y_bottom.max(y_top + 1))],
                colour.filled(),
            ))?;
        }
        root.draw(&Rectangle::new(
            [(x0, plot_y.start), (x1, plot_y.end)],
            DARK_GREY.stroke_width(1),
        ))?;
        if hi > lo {
            let (ticks, step) = ticks_within(lo, hi, 5);
            let abs = max_abs(&ticks);
            for v in ticks {
                let y = plot_y.end - ((v - lo) / (hi - lo) * height as f64).round() as i32;
                root.draw(&PathElement::new(
                    vec![(x1, y), (x1 + 4, y)],
                    DARK_GREY.stroke_width(1),
                ))?;
                root.draw(&Text::new(
                    self.value_scale.tick(v, step, abs),
                    (x1 + 7, y),
                    text(NOTE_SIZE, &DARK_GREY).pos(Pos::new(HPos::Left, VPos::Center)),
                ))?;
            }
        } else if lo.is_finite() {
            root.draw(&Text::new(
                self.value_scale.exact(lo),
                (x1 + 7, (plot_y.start + plot_y.end) / 2),
                text(NOTE_SIZE, &DARK_GREY).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        Ok(())
    }
}

/// A value with its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
}

/// One outcome of a comparison: an interval per compared variant (`None`: not defined).
#[derive(Debug, Clone, PartialEq)]
pub struct ForestRow {
    pub label: String,
    pub entries: Vec<Option<Interval>>,
}

/// Colours of the compared variants, in order.
const SERIES: [RGBColor; 6] = [BLUE, VERMILLION, REDDISH_PURPLE, ORANGE, SKY_BLUE, BLACK];

/// Relative differences of a comparison with their intervals, one row per outcome.
pub struct Forest<'a> {
    pub title: String,
    pub x_desc: String,
    /// The compared variants, e.g. `refer_more − baseline`.
    pub series: &'a [String],
    pub rows: &'a [ForestRow],
    /// Text right of each row (e.g. the difference in the outcome's unit); may be empty.
    pub annotations: &'a [String],
    pub facts: String,
    pub footnote: Option<String>,
}

/// The width of the widest of `labels` in `size` pixels.
fn widest<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: impl Iterator<Item = String>,
    size: f64,
) -> DrawResult<i32, DB> {
    let mut w = 0;
    for l in labels {
        w = w.max(root.estimate_text_size(&l, &text(size, &BLACK))?.0 as i32);
    }
    Ok(w)
}

/// Draw a marker of shape `k` (circle, square, triangle, diamond) at pixel `at`.
fn marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    k: usize,
    at: (i32, i32),
    colour: RGBColor,
) -> DrawResult<(), DB> {
    let (x, y) = at;
    match k % 4 {
        0 => root.draw(&Circle::new(at, 5, colour.filled())),
        1 => root.draw(&Rectangle::new(
            [(x - 5, y - 5), (x + 5, y + 5)],
            colour.filled(),
        )),
        2 => root.draw(&TriangleMarker::new(at, 7, colour.filled())),
        _ => root.draw(&Polygon::new(
            vec![(x, y - 6), (x + 6, y), (x, y + 6), (x - 6, y)],
            colour.filled(),
        )),
    }
}

impl Figure for Forest<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let legend: Vec<(Swatch, String)> = self
            .series
            .iter()
            .enumerate()
            .map(|(k, s)| {
                (
                    Swatch::Line(LineLook {
                        color: SERIES[k % SERIES.len()],
                        width: 3,
                        dash: Dash::Solid,
                    }),
                    s.clone(),
                )
            })
            .collect();
        let frame = Frame {
            title: &self.title,
            legend: &legend,
            facts: Some(&fit_facts(root, &self.facts)?),
            footnote: self.footnote.as_deref(),
        };
        let area = frame.draw(root)?;
        if self.rows.is_empty() {
            let (w, h) = area.dim_in_pixel();
            area.draw(&Text::new(
                "No outcome to draw: the reference's mean is 0 for every one chosen (see the table).",
                (w as i32 / 2, h as i32 / 2),
                text(LABEL_SIZE, &DARK_GREY).pos(Pos::new(HPos::Center, VPos::Center)),
            ))?;
            return Ok(());
        }
        let n = self.rows.len();
        let label_w = widest(root, self.rows.iter().map(|r| r.label.clone()), TICK_SIZE)?;
        let note_w = widest(root, self.annotations.iter().cloned(), NOTE_SIZE)?;

        // The axis spans the estimates and zero, and the intervals as far as half that span
        // beyond: a very uncertain outcome must not squeeze every other row to a dot. An
        // interval cut at the edge ends in an arrow.
        let (mut v_lo, mut v_hi) = (0.0f64, 0.0f64);
        for e in self.rows.iter().flat_map(|r| r.entries.iter().flatten()) {
            v_lo = v_lo.min(e.value);
            v_hi = v_hi.max(e.value);
        }
        let v_span = (v_hi - v_lo).max(1e-6);
        let (limit_lo, limit_hi) = (v_lo - 0.5 * v_span, v_hi + 0.5 * v_span);
        let (mut lo, mut hi) = (v_lo, v_hi);
        for e in self.rows.iter().flat_map(|r| r.entries.iter().flatten()) {
            lo = lo.min(e.lo.max(limit_lo));
            hi = hi.max(e.hi.min(limit_hi));
        }
        let span = (hi - lo).max(1e-6);
        let (lo, hi) = (lo - span * 0.05, hi + span * 0.05);
        let (x_ticks, x_step) = ticks_within(lo, hi, 6);
        let x_abs = max_abs(&x_ticks);
        let centres: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();
        let mut chart = ChartBuilder::on(&area)
            .margin_right(if note_w > 0 { note_w + 20 } else { 24 })
            .margin_left(8)
            .x_label_area_size(52)
            .y_label_area_size((label_w + 14).min(340))
            .build_cartesian_2d(
                TickAxis::new(lo..hi, x_ticks),
                TickAxis::new(0.0..n as f64, centres),
            )?;
        let rows = self.rows;
        let x_label = |v: &f64| Unit::Percent.tick(*v, x_step, x_abs);
        let y_label = |v: &f64| {
            let r = n.saturating_sub(1 + v.floor() as usize);
            rows.get(r).map_or(String::new(), |r| r.label.clone())
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(GRID_GREY.stroke_width(1))
            .axis_style(DARK_GREY.stroke_width(1))
            .x_desc(self.x_desc.as_str())
            .axis_desc_style(text(LABEL_SIZE, &BLACK))
            .label_style(text(TICK_SIZE, &DARK_GREY))
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .draw()?;
        // Faint bands on every other row guide the eye from label to marker.
        for r in (0..n).filter(|r| r % 2 == 1) {
            let y = (n - r - 1) as f64;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(lo, y), (hi, y + 1.0)],
                GRID_GREY.mix(0.35).filled(),
            )))?;
        }
        let top = chart.backend_coord(&(0.0, n as f64));
        let bottom = chart.backend_coord(&(0.0, 0.0));
        draw_line(
            root,
            &LineLook {
                color: BLACK,
                width: 1,
                dash: Dash::Solid,
            },
            top,
            bottom,
        )?;
        let k_total = self.series.len().max(1);
        let gap = (0.6 / k_total as f64).min(0.25);
        let (plot_x, _) = chart.plotting_area().get_pixel_range();
        for (r, row) in self.rows.iter().enumerate() {
            let centre = (n - r) as f64 - 0.5;
            for (k, e) in row.entries.iter().enumerate() {
                let Some(e) = e else { continue };
                let y = centre + ((k_total - 1) as f64 / 2.0 - k as f64) * gap;
                let colour = SERIES[k % SERIES.len()];
                let a = chart.backend_coord(&(e.lo.max(lo), y));
                let b = chart.backend_coord(&(e.hi.min(hi), y));
                root.draw(&PathElement::new(vec![a, b], colour.stroke_width(2)))?;
                for (end, cut, dir) in [(a, e.lo < lo, -1), (b, e.hi > hi, 1)] {
                    if cut {
                        root.draw(&Polygon::new(
                            vec![
                                (end.0 + 4 * dir, end.1),
                                (end.0 - 5 * dir, end.1 - 5),
                                (end.0 - 5 * dir, end.1 + 5),
                            ],
                            colour.filled(),
                        ))?;
                    } else {
                        root.draw(&PathElement::new(
                            vec![(end.0, end.1 - 5), (end.0, end.1 + 5)],
                            colour.stroke_width(2),
                        ))?;
                    }
                }
                marker(root, k, chart.backend_coord(&(e.value, y)), colour)?;
            }
            if let Some(note) = self.annotations.get(r).filter(|s| !s.is_empty()) {
                let (_, y) = chart.backend_coord(&(0.0, centre));
                root.draw(&Text::new(
                    note.as_str(),
                    (plot_x.end + 10, y),
                    text(NOTE_SIZE, &DARK_GREY).pos(Pos::new(HPos::Left, VPos::Center)),
                ))?;
            }
        }
        Ok(())
    }
}

/// One parameter of a tornado.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoRow {
    /// The parameter, e.g. `micro_starter.annual_pd`.
    pub label: String,
    /// Its low and high settings as written at the bars' ends.
    pub low_label: Option<String>,
    pub high_label: Option<String>,
    /// The metric at the low and high setting, with the interval of the change.
    pub at_low: Option<Interval>,
    pub at_high: Option<Interval>,
}

/// Bars of the low and high settings.
const LOW_COLOUR: RGBColor = BLUE;
const HIGH_COLOUR: RGBColor = ORANGE;

/// Swings of a metric around its baseline, largest on top.
pub struct TornadoChart<'a> {
    pub title: String,
    pub x_desc: String,
    pub scale: Scale,
    pub baseline: f64,
    pub rows: &'a [TornadoRow],
    pub facts: String,
    pub footnote: Option<String>,
}

impl Figure for TornadoChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let whisker = LineLook {
            color: BLACK,
            width: 1,
            dash: Dash::Solid,
        };
        let legend = vec![
            (
                Swatch::Fill(LOW_COLOUR, 0.85),
                "parameter at its low value".to_string(),
            ),
            (
                Swatch::Fill(HIGH_COLOUR, 0.9),
                "at its high value".to_string(),
            ),
            (Swatch::Line(whisker), "95% CI of the change".to_string()),
        ];
        let frame = Frame {
            title: &self.title,
            legend: &legend,
            facts: Some(&fit_facts(root, &self.facts)?),
            footnote: self.footnote.as_deref(),
        };
        let area = frame.draw(root)?;
        let n = self.rows.len().max(1);
        let label_w = widest(root, self.rows.iter().map(|r| r.label.clone()), TICK_SIZE)?;

        let (mut lo, mut hi) = (self.baseline, self.baseline);
        for r in self.rows {
            for e in [r.at_low, r.at_high].into_iter().flatten() {
                lo = lo.min(e.lo).min(e.value);
                hi = hi.max(e.hi).max(e.value);
            }
        }
        // Room beyond the bars for the settings written at their ends.
        let span = if hi > lo {
            hi - lo
        } else {
            self.baseline.abs().max(1.0) * 0.02
        };
        let (lo, hi) = (lo - span * 0.22, hi + span * 0.22);
        let (x_ticks, x_step) = ticks_within(lo, hi, 6);
        let x_abs = max_abs(&x_ticks);
        let centres: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();
        let mut chart = ChartBuilder::on(&area)
            .margin_right(24)
            .margin_left(8)
            .x_label_area_size(52)
            .y_label_area_size((label_w + 14).min(340))
            .build_cartesian_2d(
                TickAxis::new(lo..hi, x_ticks),
                TickAxis::new(0.0..n as f64, centres),
            )?;
        let rows = self.rows;
        let x_label = |v: &f64| self.scale.tick(*v, x_step, x_abs);
        let y_label = |v: &f64| {
            let r = n.saturating_sub(1 + v.floor() as usize);
            rows.get(r).map_or(String::new(), |r| r.label.clone())
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(GRID_GREY.stroke_width(1))
            .axis_style(DARK_GREY.stroke_width(1))
            .x_desc(self.x_desc.as_str())
            .axis_desc_style(text(LABEL_SIZE, &BLACK))
            .label_style(text(TICK_SIZE, &DARK_GREY))
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .draw()?;

        let setting_style = text(NOTE_SIZE, &DARK_GREY);
        for (r, row) in self.rows.iter().enumerate() {
            let centre = (n - r) as f64 - 0.5;
            let sides = [
                (row.at_low, &row.low_label, LOW_COLOUR, 0.85, centre + 0.21),
                (
                    row.at_high,
                    &row.high_label,
                    HIGH_COLOUR,
                    0.9,
                    centre - 0.21,
                ),
            ];
            for (at, label, colour, alpha, y) in sides {
                let Some(e) = at else { continue };
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(self.baseline, y - 0.17), (e.value, y + 0.17)],
                    colour.mix(alpha).filled(),
                )))?;
                // An outline keeps the two bars of a row apart in grey print.
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(self.baseline, y - 0.17), (e.value, y + 0.17)],
                    DARK_GREY.mix(0.7).stroke_width(1),
                )))?;
                let a = chart.backend_coord(&(e.lo, y));
                let b = chart.backend_coord(&(e.hi, y));
                draw_line(root, &whisker, a, b)?;
                for end in [a, b] {
                    draw_line(root, &whisker, (end.0, end.1 - 4), (end.0, end.1 + 4))?;
                }
                if let Some(label) = label {
                    let right = e.value >= self.baseline;
                    let outer = if right {
                        e.value.max(e.hi)
                    } else {
                        e.value.min(e.lo)
                    };
                    let (x, y_px) = chart.backend_coord(&(outer, y));
                    let (x, h) = if right {
                        (x + 5, HPos::Left)
                    } else {
                        (x - 5, HPos::Right)
                    };
                    root.draw(&Text::new(
                        label.as_str(),
                        (x, y_px),
                        setting_style.pos(Pos::new(h, VPos::Center)),
                    ))?;
                }
            }
        }
        let top = chart.backend_coord(&(self.baseline, n as f64));
        let bottom = chart.backend_coord(&(self.baseline, 0.0));
        draw_line(
            root,
            &LineLook {
                color: BLACK,
                width: 2,
                dash: Dash::Solid,
            },
            top,
            bottom,
        )?;
        Ok(())
    }
}

fn finish(
    kind: &'static str,
    file: String,
    title: String,
    caption: String,
    figure: &impl Figure,
) -> Result<StudyChart, ChartError> {
    let (svg, png) = frame::render(figure).map_err(|message| ChartError {
        chart: kind,
        message: format!("{file}: {message}"),
    })?;
    Ok(StudyChart {
        file,
        title,
        caption,
        svg,
        png,
    })
}

/// Draw a sweep line as `charts/<file>.svg|png`.
pub fn sweep_line(file: String, caption: String, f: &SweepLine) -> Result<StudyChart, ChartError> {
    finish("sweep", file, f.title.clone(), caption, f)
}

/// Draw a heat map.
pub fn heatmap(file: String, caption: String, f: &Heatmap) -> Result<StudyChart, ChartError> {
    finish("heatmap", file, f.title.clone(), caption, f)
}

/// Draw the differences of a comparison.
pub fn forest(file: String, caption: String, f: &Forest) -> Result<StudyChart, ChartError> {
    finish("compare", file, f.title.clone(), caption, f)
}

/// Draw a tornado.
pub fn tornado(file: String, caption: String, f: &TornadoChart) -> Result<StudyChart, ChartError> {
    finish("tornado", file, f.title.clone(), caption, f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_by_scale() {
        assert_eq!(
            Scale::of_parameter("segment.a.annual_pd", false),
            Scale::Percent
        );
        assert_eq!(
            Scale::of_parameter("funding.guarantee_room", false),
            Scale::Money
        );
        assert_eq!(
            Scale::of_parameter("segment.a.term_months", true),
            Scale::Count
        );
        assert_eq!(
            Scale::of_parameter("followup.size_multiplier", false),
            Scale::Number
        );
        assert_eq!(Scale::of_metric("oss"), Scale::Number);
        assert_eq!(Scale::of_metric("cost_to_state"), Scale::Money);
        assert_eq!(Scale::Number.value(1.5), "1.5");
        assert_eq!(Scale::Number.value(1.0312), "1.03");
        assert_eq!(Scale::Count.value(60.0), "60");
        assert_eq!(Scale::Number.value(0.000512), "0.000512");
        assert_eq!(Scale::Number.value(0.0131), "0.0131");
        assert_eq!(Scale::Money.signed(-1.2e6), "−€1.20m");
        assert_eq!(Scale::Percent.signed(0.012), "+1.20%");
        assert_eq!(Scale::Number.tick(1.05, 0.05, 1.1), "1.05");
    }

    #[test]
    fn viridis_runs_from_dark_to_light() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert!(!light(viridis(0.1)) && light(viridis(0.95)));
        assert_eq!(cell_ticks(3), vec![0.5, 1.5, 2.5]);
        assert_eq!(cell_ticks(25).len(), 9);
        assert_eq!(dividing_step(&[0.04, 0.05, 0.065, 0.09]), Some(0.005));
        assert_eq!(dividing_step(&[0.0, 0.2, 0.4]), Some(0.2));
        assert_eq!(dividing_step(&[130e6, 150e6]), Some(10e6));
        assert_eq!(dividing_step(&[1.0]), None);
    }
}
