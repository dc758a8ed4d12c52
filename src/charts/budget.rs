//! "The state's budget year by year" (docs/model.md §11.4): what the state receives from and
//! pays for the lender each budget year, and after the horizon, with what it still guarantees
//! at each year's end beside it — drawn so that a budget officer reads it without the docs.
//!
//! Two panels share the years. Above, the state's net cash per year: a bar to the mean (blue
//! where the state receives, vermillion where it pays) and a whisker over 90% of paths. Below,
//! the state's outstanding guarantees at each year's end: the facilities' (solid, with the
//! range of 90% of paths) and the BMKB's (dashed), as means. The column after the horizon holds
//! everything from then to the end of the state's account (or, with the run-off's years, each
//! of those years).

use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{Circle, Polygon, Rectangle};
use plotters::prelude::DrawingBackend;
use plotters::series::{DashedLineSeries, LineSeries};
use plotters::style::{Color, WHITE};

use super::axes::{Axes, Grid, Ticks};
use super::data::YearRow;
use super::frame::{DrawResult, Figure, Frame, stroke};
use super::style::{BLUE, DARK_GREY, LineLook, ORANGE, Swatch, TickAxis, VERMILLION};
use crate::units::Unit;

const RECEIVED: plotters::style::RGBColor = BLUE;
const PAID: plotters::style::RGBColor = VERMILLION;
const WHISKER: LineLook = LineLook::solid(DARK_GREY, 2);
const FACILITIES: LineLook = LineLook::solid(BLUE, 3);
const BMKB: LineLook = LineLook::dashed(ORANGE, 3, 8, 5);
const BAND_ALPHA: f64 = 0.18;

/// One column of the chart: a budget year, or the state's account after the horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The tick label: `2031`, or `after` (with the horizon's last year, `after 2035`).
    pub label: String,
    pub net_cash: YearRow,
    pub guarantee: YearRow,
    pub bmkb: YearRow,
}

/// The chart.
pub struct Budget<'a> {
    pub title: String,
    pub facts: String,
    pub columns: &'a [Column],
    pub footnote: Option<String>,
}

impl Budget<'_> {
    fn x_axis(&self) -> (TickAxis, Vec<f64>) {
        let n = self.columns.len();
        let ticks: Vec<f64> = (0..n).map(|i| i as f64).collect();
        (TickAxis::new(-0.6..n as f64 - 0.4, ticks.clone()), ticks)
    }

    /// The tick label of column `v`; every second where they would crowd.
    fn label(&self, v: f64) -> String {
        let i = v.round() as usize;
        let every = if self.columns.len() > 14 { 2 } else { 1 };
        let last = self.columns.len().saturating_sub(1);
        match self.columns.get(i) {
            Some(c) if i % every == 0 || i == last => c.label.clone(),
            _ => String::new(),
        }
    }
}

impl Figure for Budget<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let legend = vec![
            (
                Swatch::Fill(RECEIVED, 0.85),
                "state receives (mean)".to_string(),
            ),
            (Swatch::Fill(PAID, 0.85), "state pays (mean)".to_string()),
            (Swatch::Line(WHISKER), "90% of paths".to_string()),
            (
                Swatch::Line(FACILITIES),
                "facility guarantees outstanding".to_string(),
            ),
            (
                Swatch::Line(BMKB),
                "BMKB guarantees outstanding".to_string(),
            ),
        ];
        let frame = Frame {
            title: &self.title,
            legend: &legend,
            facts: Some(&self.facts),
            footnote: self.footnote.as_deref(),
        };
        let area = frame.draw(root)?;
        let (upper, lower) = area.split_vertically(area.dim_in_pixel().1 * 58 / 100);
        let (x, _) = self.x_axis();

        // Above: net cash, with 0 on the axis so that receipts and payments read at their size.
        let mut lo: f64 = 0.0;
        let mut hi: f64 = 0.0;
        for c in self.columns {
            for v in [c.net_cash.p05, c.net_cash.p95, c.net_cash.mean]
                .into_iter()
                .flatten()
            {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        let pad = (hi - lo).max(1.0) * 0.04;
        let y = Ticks::covering(lo - pad, hi + pad, 5);
        let mut chart = Axes {
            x: x.clone(),
            y: y.axis(y.span()),
            x_desc: "",
            y_desc: Some("Net cash to the state"),
            y_label_width: 86,
            margin_right: 24,
            grid: Grid::Horizontal,
        }
        .draw(&upper, &|v| self.label(*v), &|v| y.label(Unit::Money, *v))?;
        chart.draw_series(LineSeries::new(
            [(-0.6, 0.0), (self.columns.len() as f64 - 0.4, 0.0)],
            stroke(&LineLook::solid(DARK_GREY, 1)),
        ))?;
        for (i, c) in self.columns.iter().enumerate() {
            let x = i as f64;
            if let Some(mean) = c.net_cash.mean {
                let colour = if mean >= 0.0 { RECEIVED } else { PAID };
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.32, 0.0), (x + 0.32, mean)],
                    colour.mix(0.85).filled(),
                )))?;
            }
            if let (Some(p05), Some(p95)) = (c.net_cash.p05, c.net_cash.p95) {
                chart.draw_series(LineSeries::new([(x, p05), (x, p95)], stroke(&WHISKER)))?;
                for end in [p05, p95] {
                    chart.draw_series(LineSeries::new(
                        [(x - 0.12, end), (x + 0.12, end)],
                        stroke(&WHISKER),
                    ))?;
                }
            }
        }

        // Below: the guarantees outstanding at each year's end.
        let mut top: f64 = 0.0;
        for c in self.columns {
            for v in [c.guarantee.p95, c.guarantee.mean, c.bmkb.mean]
                .into_iter()
                .flatten()
            {
                top = top.max(v);
            }
        }
        let y = Ticks::covering(0.0, top.max(1.0) * 1.05, 3);
        let mut chart = Axes {
            x,
            y: y.axis(y.span()),
            x_desc: "Budget year (guarantees: at year end)",
            y_desc: Some("Outstanding"),
            y_label_width: 86,
            margin_right: 24,
            grid: Grid::Horizontal,
        }
        .draw(&lower, &|v| self.label(*v), &|v| y.label(Unit::Money, *v))?;
        let at = |f: fn(&Column) -> Option<f64>| -> Vec<(f64, f64)> {
            self.columns
                .iter()
                .enumerate()
                .filter_map(|(i, c)| f(c).map(|v| (i as f64, v)))
                .collect()
        };
        let mut band = at(|c| c.guarantee.p95);
        band.extend(at(|c| c.guarantee.p05).into_iter().rev());
        chart.draw_series(std::iter::once(Polygon::new(
            band,
            BLUE.mix(BAND_ALPHA).filled(),
        )))?;
        let facilities = at(|c| c.guarantee.mean);
        chart.draw_series(LineSeries::new(
            facilities.clone(),
            WHITE.stroke_width(FACILITIES.width + 3),
        ))?;
        chart.draw_series(LineSeries::new(facilities.clone(), stroke(&FACILITIES)))?;
        chart.draw_series(facilities.iter().map(|p| Circle::new(*p, 3, BLUE.filled())))?;
        let (on, off) = BMKB.dash.pattern();
        chart.draw_series(DashedLineSeries::new(
            at(|c| c.bmkb.mean),
            on,
            off,
            stroke(&BMKB),
        ))?;
        Ok(())
    }
}
