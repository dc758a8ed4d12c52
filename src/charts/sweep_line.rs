//! A sweep line: a metric against one swept parameter — the mean with the 95% confidence band
//! of the mean and the band of 90% of paths (p05–p95), the median dashed, a dot at each value
//! that was run.

use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{Circle, Polygon};
use plotters::prelude::DrawingBackend;
use plotters::series::{DashedLineSeries, LineSeries};
use plotters::style::Color;

use super::axes::{Axes, Grid, Ticks};
use super::frame::{DrawResult, Figure, Texts, stroke};
use super::style::{BLUE, DARK_GREY, LineLook, MAIN_LINE, SECOND_LINE, Swatch};
use crate::units::Unit;

/// The line of a sweep's mean.
const MEAN: LineLook = MAIN_LINE;
/// The line of a sweep's median.
const MEDIAN: LineLook = SECOND_LINE;
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
    /// Title, facts and footnote.
    pub texts: Texts,
    pub x_desc: String,
    pub y_desc: String,
    pub x_unit: Unit,
    pub y_unit: Unit,
    /// In ascending `x`; not empty.
    pub points: &'a [LinePoint],
}

impl super::study::StudyFigure for SweepLine<'_> {
    fn texts(&self) -> &Texts {
        &self.texts
    }
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
        // The value axis spans what shows the effect of the parameter: the means with their
        // confidence intervals. The spread over paths (the 90% band, the median) is drawn as
        // far as the axis goes, and the chart says where it runs beyond it, and where the
        // axis does not start at 0.
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for p in self.points {
            let (a, b) = p.ci.unwrap_or((p.mean, p.mean));
            lo = lo.min(a.min(p.mean));
            hi = hi.max(b.max(p.mean));
        }
        let pad = if hi > lo {
            (hi - lo) * 0.12
        } else {
            hi.abs().max(1e-9) * 0.05
        };
        // Padding never takes an axis of values of one sign across 0.
        let bottom = if lo >= 0.0 {
            (lo - pad).max(0.0)
        } else {
            lo - pad
        };
        let top = if hi <= 0.0 {
            (hi + pad).min(0.0)
        } else {
            hi + pad
        };
        let y_ticks = Ticks::covering(bottom, top, 6);
        let span = y_ticks.span();
        let beyond = self
            .points
            .iter()
            .any(|p| p.p05 < span.start || p.p95 > span.end || !span.contains(&p.p50));
        let mut texts = self.texts.clone();
        if beyond {
            texts
                .facts
                .push_str(" · the 90% band and the median run beyond the axis");
        }
        if span.start > 0.0 || span.end < 0.0 {
            texts
                .facts
                .push_str(" · the value axis does not start at 0");
        }
        let area = texts.frame(&legend).draw(root)?;

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
        let x_ticks = Ticks::within(x_range.start, x_range.end, 7);

        let (x, y) = (x_ticks.axis(x_range.clone()), y_ticks.axis(span.clone()));
        let mut chart = Axes::titled(x, y, &self.x_desc, &self.y_desc, Grid::Both).draw(
            &area,
            &|v| x_ticks.label(self.x_unit, *v),
            &|v| y_ticks.label(self.y_unit, *v),
        )?;

        if span.contains(&0.0) && span.start < 0.0 {
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
        let inside = |v: f64| v.clamp(span.start, span.end);
        chart.draw_series(std::iter::once(Polygon::new(
            band(&|p| inside(p.p95), &|p| inside(p.p05)),
            BLUE.mix(PATHS_ALPHA).filled(),
        )))?;
        chart.draw_series(std::iter::once(Polygon::new(
            band(&|p| p.ci.map_or(p.mean, |c| c.1), &|p| {
                p.ci.map_or(p.mean, |c| c.0)
            }),
            BLUE.mix(CI_ALPHA).filled(),
        )))?;
        // The median where it lies on the axis: a run of values at a time.
        let (on, off) = MEDIAN.dash.pattern();
        for run in self.points.split(|p| !span.contains(&p.p50)) {
            chart.draw_series(DashedLineSeries::new(
                run.iter().map(|p| (p.x, p.p50)),
                on,
                off,
                stroke(&MEDIAN),
            ))?;
        }
        let mean: Vec<(f64, f64)> = self.points.iter().map(|p| (p.x, p.mean)).collect();
        chart.draw_series(LineSeries::new(mean.clone(), stroke(&MEAN)))?;
        // Dots mark the values that were run; the lines between them are only a guide.
        if mean.len() <= 60 {
            chart.draw_series(mean.iter().map(|p| Circle::new(*p, 3, BLUE.filled())))?;
        }
        Ok(())
    }
}
