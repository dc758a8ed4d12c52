//! A heat map: the mean of a metric over the grid of two swept parameters, coloured with
//! viridis (van der Walt & Smith 2015), which is colour-blind safe and monotone in lightness,
//! so it also reads in grey; the value in each cell when the cells are large enough, and a
//! colour bar with the scale.

use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{PathElement, Rectangle, Text};
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor, WHITE};

use super::axes::{Axes, Grid, Ticks, max_abs, widest};
use super::frame::{DrawResult, Figure, Texts, text, text_width};
use super::style::{BLACK, DARK_GREY, GRID_GREY, NOTE_SIZE, TickAxis, WIDTH};
use crate::units::{Column, Unit};

/// The smallest size the values in the cells shrink to before they are left out.
const MIN_CELL_SIZE: f64 = 11.0;

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
    /// Title, facts and footnote.
    pub texts: Texts,
    pub x_desc: String,
    pub y_desc: String,
    /// Values of the first parameter (across), ascending.
    pub x_values: &'a [f64],
    /// Values of the second parameter (up), ascending.
    pub y_values: &'a [f64],
    pub x_unit: Unit,
    pub y_unit: Unit,
    pub value_unit: Unit,
    /// `cells[i * y_values.len() + j]`: the value at `x_values[i]`, `y_values[j]`.
    pub cells: &'a [Option<f64>],
}

impl super::study::StudyFigure for Heatmap<'_> {
    fn texts(&self) -> &Texts {
        &self.texts
    }
}

impl Figure for Heatmap<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let area = self.texts.frame(&[]).draw(root)?;
        let (plot_area, bar_area) = area.split_horizontally(WIDTH as i32 - 118);
        let (nx, ny) = (self.x_values.len(), self.y_values.len());
        let defined = self.cells.iter().flatten().copied();
        let (lo, hi) = defined.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        let t = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };

        // Values as ticks, with a step that divides them all, so that every label is exact and
        // all share their decimals: 4.0%, 5.0%, 6.5%.
        let label = |unit: Unit, values: &[f64], v: f64| {
            let x = values[(v.floor() as usize).min(values.len() - 1)];
            match dividing_step(values) {
                Some(step) => unit.tick(x, step, max_abs(values)),
                None => unit.value(x),
            }
        };
        let x = TickAxis::new(0.0..nx as f64, cell_ticks(nx));
        let y = TickAxis::new(0.0..ny as f64, cell_ticks(ny));
        let mut chart = Axes {
            margin_right: 12,
            ..Axes::titled(x, y, &self.x_desc, &self.y_desc, Grid::Off)
        }
        .draw(
            &plot_area,
            &|v| label(self.x_unit, self.x_values, *v),
            &|v| label(self.y_unit, self.y_values, *v),
        )?;
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
        // The value in each cell, with as many digits as tell neighbouring cells apart, across
        // and up, when the cells are large enough to hold it (smaller down to a size that
        // still reads; the table has every value).
        let cell = |i: usize, j: usize| self.cells.get(i * ny + j).copied().flatten();
        let across: Vec<Vec<f64>> = (0..ny)
            .map(|j| (0..nx).filter_map(|i| cell(i, j)).collect())
            .collect();
        let up: Vec<Vec<f64>> = (0..nx)
            .map(|i| (0..ny).filter_map(|j| cell(i, j)).collect())
            .collect();
        let column = Column::new(self.value_unit, across.iter().chain(&up).map(Vec::as_slice));
        let (a, b) = (
            chart.backend_coord(&(0.0, 0.0)),
            chart.backend_coord(&(1.0, 1.0)),
        );
        let (cell_w, cell_h) = ((b.0 - a.0).abs(), (b.1 - a.1).abs());
        let labels: Vec<String> = self
            .cells
            .iter()
            .map(|c| c.map_or("–".to_string(), |v| column.value(v)))
            .collect();
        let mut size = NOTE_SIZE;
        let fits = |size: f64| -> DrawResult<bool, DB> {
            let style = text(size, &BLACK);
            Ok(widest(root, labels.iter(), size)? + 6 <= cell_w
                && (size as i32) + 4 <= cell_h
                && text_width(root, "–", &style)? < cell_w)
        };
        while size > MIN_CELL_SIZE && !fits(size)? {
            size -= 1.0;
        }
        if fits(size)? {
            for i in 0..nx {
                for j in 0..ny {
                    let colour = match cell(i, j) {
                        Some(v) if light(viridis(t(v))) => BLACK,
                        Some(_) => WHITE,
                        None => DARK_GREY,
                    };
                    let centre = chart.backend_coord(&(i as f64 + 0.5, j as f64 + 0.5));
                    root.draw(&Text::new(
                        labels[i * ny + j].as_str(),
                        centre,
                        text(size, &colour).pos(Pos::new(HPos::Center, VPos::Center)),
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
            let ticks = Ticks::within(lo, hi, 5);
            for &v in &ticks.values {
                let y = plot_y.end - ((v - lo) / (hi - lo) * height as f64).round() as i32;
                root.draw(&PathElement::new(
                    vec![(x1, y), (x1 + 4, y)],
                    DARK_GREY.stroke_width(1),
                ))?;
                root.draw(&Text::new(
                    ticks.label(self.value_unit, v),
                    (x1 + 7, y),
                    text(NOTE_SIZE, &DARK_GREY).pos(Pos::new(HPos::Left, VPos::Center)),
                ))?;
            }
        } else if lo.is_finite() {
            root.draw(&Text::new(
                self.value_unit.value(lo),
                (x1 + 7, (plot_y.start + plot_y.end) / 2),
                text(NOTE_SIZE, &DARK_GREY).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
