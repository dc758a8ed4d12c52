//! Fan charts of a yearly outcome over the horizon (`timeseries.csv`, docs/model.md §7): the
//! p05–p95 and p25–p75 bands over paths as filled polygons, the median as a solid line and the
//! mean dashed, against calendar years; optionally a horizontal limit such as the guarantee
//! room.

use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{Circle, Polygon, Text};
use plotters::prelude::DrawingBackend;
use plotters::series::{DashedLineSeries, LineSeries};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, ShapeStyle, WHITE};

use super::axes::{Axes, Grid, Ticks};
use super::data::YearRow;
use super::frame::{DrawResult, Figure, Frame, draw_line, stroke, text};
use super::style::{
    BLACK, BLUE, DARK_GREY, LineLook, MAIN_LINE, SECOND_LINE, Swatch, TICK_SIZE, TickAxis,
};
use crate::units::Unit;

/// Opacities of the outer and inner band. Chosen so that in grey print the inner band is
/// clearly darker than the outer, and both lighter than the median line.
const OUTER_ALPHA: f64 = 0.20;
const INNER_ALPHA: f64 = 0.45;

const MEDIAN: LineLook = MAIN_LINE;
const MEAN: LineLook = SECOND_LINE;
const LIMIT: LineLook = LineLook::dashed(BLACK, 2, 16, 6);

/// A horizontal reference line with its name, e.g. the guarantee room.
#[derive(Debug, Clone)]
pub struct Limit {
    pub label: String,
    pub value: f64,
}

/// One fan chart.
pub struct Fan<'a> {
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    pub unit: Unit,
    pub rows: &'a [YearRow],
    pub limit: Option<Limit>,
    pub footnote: Option<String>,
}

/// Points of one statistic; a year whose cell is empty leaves a gap in the polygon, not a zero.
fn points(rows: &[YearRow], stat: impl Fn(&YearRow) -> Option<f64>) -> Vec<(f64, f64)> {
    let pts: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| stat(r).map(|v| (r.label as f64, v)))
        .collect();
    // A one-year horizon would give zero-width bands: draw the year as a short block instead.
    if let [(x, v)] = pts.as_slice() {
        return vec![(x - 0.25, *v), (x + 0.25, *v)];
    }
    pts
}

/// The polygon of a band: along the upper edge, back along the lower edge.
fn band(
    rows: &[YearRow],
    lo: fn(&YearRow) -> Option<f64>,
    hi: fn(&YearRow) -> Option<f64>,
) -> Vec<(f64, f64)> {
    let both: Vec<YearRow> = rows
        .iter()
        .filter(|r| lo(r).is_some() && hi(r).is_some())
        .copied()
        .collect();
    let mut poly = points(&both, hi);
    poly.extend(points(&both, lo).into_iter().rev());
    poly
}

impl Figure for Fan<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let mut legend = vec![
            (
                Swatch::Fill(BLUE, OUTER_ALPHA),
                "90% of paths (p05–p95)".to_string(),
            ),
            (
                Swatch::Fill(BLUE, INNER_ALPHA),
                "50% of paths (p25–p75)".to_string(),
            ),
            (Swatch::Line(MEDIAN), "median".to_string()),
            (Swatch::Line(MEAN), "mean".to_string()),
        ];
        if let Some(limit) = &self.limit {
            legend.push((Swatch::Line(LIMIT), limit.label.clone()));
        }
        let frame = Frame {
            title: &self.title,
            legend: &legend,
            facts: None,
            footnote: self.footnote.as_deref(),
        };
        let area = frame.draw(root)?;

        // The y axis always includes zero, so that levels and changes are read at their true
        // size, not against an axis that starts wherever the data happen to.
        let mut lo: f64 = 0.0;
        let mut hi: f64 = 0.0;
        for r in self.rows {
            for v in [r.p05, r.p95, r.mean, r.p50].into_iter().flatten() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        if let Some(l) = &self.limit {
            lo = lo.min(l.value);
            hi = hi.max(l.value * 1.08);
        }
        // A little air above the highest value, so that it never sits on the frame.
        let y_ticks = Ticks::covering(lo, hi + (hi - lo) * 0.03, 6);

        let first = self.rows.first().map_or(0, |r| r.label);
        let last = self.rows.last().map_or(0, |r| r.label);
        // Label every year while they fit, else every 2nd, 5th or 10th.
        let span = (last - first).max(0) + 1;
        let every = [1, 2, 5, 10]
            .into_iter()
            .find(|k| span / k <= 12)
            .unwrap_or(10);
        let x_ticks: Vec<f64> = (first..=last)
            .filter(|y| (y - first) % every == 0)
            .map(|y| y as f64)
            .collect();
        let x_range = (first as f64 - 0.4)..(last as f64 + 0.4);

        let (x, y) = (
            TickAxis::new(x_range, x_ticks),
            y_ticks.axis(y_ticks.span()),
        );
        let mut chart = Axes::titled(x, y, &self.x_desc, &self.y_desc, Grid::Horizontal).draw(
            &area,
            &|v| format!("{v:.0}"),
            &|v| y_ticks.label(self.unit, *v),
        )?;

        if lo < 0.0 {
            let zero = LineLook::solid(DARK_GREY, 1);
            chart.draw_series(LineSeries::new(
                [(first as f64 - 0.4, 0.0), (last as f64 + 0.4, 0.0)],
                stroke(&zero),
            ))?;
        }
        chart.draw_series(std::iter::once(Polygon::new(
            band(self.rows, |r| r.p05, |r| r.p95),
            BLUE.mix(OUTER_ALPHA).filled(),
        )))?;
        chart.draw_series(std::iter::once(Polygon::new(
            band(self.rows, |r| r.p25, |r| r.p75),
            BLUE.mix(INNER_ALPHA).filled(),
        )))?;
        let median = points(self.rows, |r| r.p50);
        // A white halo keeps the median apart from the inner band, also in grey print.
        chart.draw_series(LineSeries::new(
            median.clone(),
            WHITE.stroke_width(MEDIAN.width + 3),
        ))?;
        chart.draw_series(LineSeries::new(median.clone(), stroke(&MEDIAN)))?;
        if self.rows.len() > 1 {
            // Dots mark the years that were measured; the lines between them are only a guide.
            chart.draw_series(median.iter().map(|p| Circle::new(*p, 3, BLUE.filled())))?;
        }
        let (on, off) = MEAN.dash.pattern();
        chart.draw_series(DashedLineSeries::new(
            points(self.rows, |r| r.mean),
            on,
            off,
            stroke(&MEAN),
        ))?;

        if let Some(limit) = &self.limit {
            let left = chart.backend_coord(&(first as f64 - 0.4, limit.value));
            let right = chart.backend_coord(&(last as f64 + 0.4, limit.value));
            draw_line(root, &LIMIT, left, right)?;
            // Name the line where it is, so that it reads without the legend (and in grey).
            let style = text(TICK_SIZE, &BLACK).pos(Pos::new(HPos::Right, VPos::Bottom));
            let (w, h) = root.estimate_text_size(&limit.label, &style)?;
            // Clear of the line's width and of the label's descenders.
            let (x, y) = (right.0 - 4, right.1 - 8);
            root.draw(&plotters::element::Rectangle::new(
                [(x - w as i32 - 2, y - h as i32 - 2), (x + 2, y + 1)],
                ShapeStyle::from(&WHITE.mix(0.85)).filled(),
            ))?;
            root.draw(&Text::new(limit.label.as_str(), (x, y), style))?;
        }
        Ok(())
    }
}
