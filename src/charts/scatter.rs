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

impl super::study::StudyFigure for Scatter<'_> {
    fn texts(&self) -> &Texts {
        &self.texts
    }
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
        let (x, y) = (x_ticks.axis(x_ticks.span()), y_ticks.axis(y_ticks.span()));
        let mut chart = Axes::titled(x, y, &self.x_desc, &self.y_desc, Grid::Both).draw(
            &area,
            &|v| x_ticks.label(self.unit, *v),
            &|v| y_ticks.label(self.unit, *v),
        )?;
        // σ = μ* guides the eye: above it, a parameter's effect varies more than its size.
        let top = x_ticks.span().end.min(y_ticks.span().end);
        chart.draw_series(LineSeries::new(
            [(0.0, 0.0), (top, top)],
            GRID_GREY.stroke_width(2),
        ))?;
        let mut dots = Vec::with_capacity(self.points.len());
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
            dots.push(at);
        }
        // Labels, the most influential first (the dummy last): each at the first place around
        // its dot, ring by ring, that lies inside the plot and clear of the labels placed
        // before it; one set off from its dot is joined to it by a thin line.
        let (px, py) = chart.plotting_area().get_pixel_range();
        let mut order: Vec<usize> = (0..self.points.len()).collect();
        order.sort_by(|&a, &b| {
            let p = &self.points;
            p[a].floor.cmp(&p[b].floor).then(p[b].x.total_cmp(&p[a].x))
        });
        let mut placed: Vec<Place> = Vec::new();
        for i in order {
            let p = &self.points[i];
            let style = text(NOTE_SIZE, if p.floor { &DARK_GREY } else { &VERMILLION });
            let (w, h) = root.estimate_text_size(&p.label, &style)?;
            let (w, h) = (w as i32, h as i32);
            let (top, bottom) = super::raster::ink_rows(NOTE_SIZE, h);
            let dot = dots[i];
            let fits = |x: i32, y: i32| {
                let ink = Place {
                    x0: x - 1,
                    y0: y + top - 1,
                    x1: x + w + 1,
                    y1: y + bottom + 1,
                };
                let inside = ink.x0 >= px.start
                    && ink.x1 <= px.end
                    && ink.y0 >= py.start
                    && ink.y1 <= py.end;
                (inside && placed.iter().all(|q| !q.overlaps(&ink))).then_some(ink)
            };
            let spot = candidates(dot, w, h)
                .find_map(|(x, y, far)| fits(x, y).map(|ink| (x, y, far, ink)));
            let (x, y, far) = match spot {
                Some((x, y, far, ink)) => {
                    placed.push(ink);
                    (x, y, far)
                }
                // Nowhere free: beside the dot, as before there was a choice.
                None => (dot.0 + 8, dot.1 - 4 - h, false),
            };
            if far {
                let end = (
                    x.clamp(dot.0.min(x + w), dot.0.max(x)),
                    (y + h / 2).clamp(dot.1.min(y + h), dot.1.max(y)),
                );
                root.draw(&PathElement::new(
                    vec![dot, end],
                    GRID_GREY.mix(0.9).stroke_width(1),
                ))?;
            }
            root.draw(&Text::new(
                p.label.as_str(),
                (x, y),
                style.pos(Pos::new(HPos::Left, VPos::Top)),
            ))?;
        }
        Ok(())
    }
}

/// The ink of a placed label, in pixels.
struct Place {
    x0: i32,
    y0: i32,
    x1: i32,
    y1: i32,
}

impl Place {
    fn overlaps(&self, other: &Place) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }
}

/// Where the top left of a label `w` × `h` pixels may go around a dot at `dot`: beside it to
/// the upper right first, then the other sides, then ring by ring further out (those are
/// `far`, joined to the dot by a line).
fn candidates(dot: (i32, i32), w: i32, h: i32) -> impl Iterator<Item = (i32, i32, bool)> {
    (0..10).flat_map(move |ring| {
        let d = 8 + 16 * ring;
        let (x, y) = dot;
        [
            (x + d, y - d / 2 - h),
            (x + d, y + d / 2),
            (x - d - w, y - d / 2 - h),
            (x - d - w, y + d / 2),
            (x + d, y - h / 2),
            (x - d - w, y - h / 2),
            (x - w / 2, y - d - h),
            (x - w / 2, y + d),
        ]
        .map(|(cx, cy)| (cx, cy, ring > 0))
    })
}
