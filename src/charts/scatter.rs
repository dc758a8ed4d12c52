//! The μ*–σ chart of a Morris screening: one labelled dot per parameter at its mean absolute
//! elementary effect μ* (x, with its bootstrap interval) and the standard deviation σ of its
//! effects (y). Far right means influential; high means its effect depends on the other
//! parameters (interactions or a non-linear effect). The dummy parameter, drawn grey, marks
//! the noise floor.

use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{Circle, PathElement, Text};
use plotters::prelude::DrawingBackend;
use plotters::series::LineSeries;
use plotters::style::Color;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{Axes, Grid, Ticks};
use super::frame::{DrawResult, Figure, Texts, text};
use super::style::{BLUE, DARK_GREY, GRID_GREY, NOTE_SIZE, Swatch, VERMILLION};
use crate::units::Unit;

/// One parameter of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterPoint {
    pub label: String,
    /// μ* and its interval.
    pub x: f64,
    pub x_lo: f64,
    pub x_hi: f64,
    /// σ.
    pub y: f64,
    /// Drawn grey: the noise floor, not a parameter.
    pub floor: bool,
}

/// μ* against σ, one dot per parameter.
pub struct Scatter<'a> {
    pub texts: Texts,
    pub x_desc: String,
    pub y_desc: String,
    /// The unit of both axes (an effect is in the outcome's unit).
    pub unit: Unit,
    pub points: &'a [ScatterPoint],
}

impl Figure for Scatter<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let legend = vec![
            (
                Swatch::Fill(BLUE, 1.0),
                "parameter (μ* with its interval)".to_string(),
            ),
            (
                Swatch::Fill(DARK_GREY, 1.0),
                "dummy: the noise floor".to_string(),
            ),
        ];
        let area = self.texts.frame(&legend).draw(root)?;
        let x_hi = self
            .points
            .iter()
            .map(|p| p.x_hi.max(p.x))
            .fold(0.0f64, f64::max);
        let y_hi = self.points.iter().map(|p| p.y).fold(0.0f64, f64::max);
        // Both axes from zero, with room for the labels right of the dots.
        let x_max = if x_hi > 0.0 { x_hi * 1.18 } else { 1.0 };
        let y_max = if y_hi > 0.0 { y_hi * 1.1 } else { 1.0 };
        let x_ticks = Ticks::covering(0.0, x_max, 6);
        let y_ticks = Ticks::covering(0.0, y_max, 6);
        let mut chart = Axes {
            x: x_ticks.axis(x_ticks.span()),
            y: y_ticks.axis(y_ticks.span()),
            x_desc: &self.x_desc,
            y_desc: Some(&self.y_desc),
            y_label_width: 86,
            margin_right: 28,
            grid: Grid::Both,
        }
        .draw(&area, &|v| x_ticks.label(self.unit, *v), &|v| {
            y_ticks.label(self.unit, *v)
        })?;
        // σ = μ* guides the eye: above it, a parameter's effect varies more than its size.
        let top = x_ticks.span().end.min(y_ticks.span().end);
        chart.draw_series(LineSeries::new(
            [(0.0, 0.0), (top, top)],
            GRID_GREY.stroke_width(2),
        ))?;
        for p in self.points {
            let colour = if p.floor { DARK_GREY } else { BLUE };
            let a = chart.backend_coord(&(p.x_lo, p.y));
            let b = chart.backend_coord(&(p.x_hi, p.y));
            root.draw(&PathElement::new(
                vec![a, b],
                colour.mix(0.6).stroke_width(2),
            ))?;
            let at = chart.backend_coord(&(p.x, p.y));
            root.draw(&Circle::new(at, 5, colour.filled()))?;
            root.draw(&Text::new(
                p.label.as_str(),
                (at.0 + 8, at.1 - 4),
                text(NOTE_SIZE, if p.floor { &DARK_GREY } else { &VERMILLION })
                    .pos(Pos::new(HPos::Left, VPos::Bottom)),
            ))?;
        }
        Ok(())
    }
}
