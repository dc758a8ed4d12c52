//! The set-up every plot shares: round ticks for a value axis and their labels in the axis's
//! unit (`crate::units::Unit::tick`), the plot area with its label areas, the grid and the
//! axis titles in the house style, and the plot of rows for charts with one row per item
//! (forest, tornado). Each chart file says only what is particular to it.

use std::ops::Range;

use plotters::chart::{ChartBuilder, ChartContext};
use plotters::coord::Shift;
use plotters::coord::cartesian::Cartesian2d;
use plotters::drawing::DrawingArea;
use plotters::prelude::DrawingBackend;
use plotters::style::Color;

use super::frame::{DrawResult, ellipsize, text};
use super::style::{BLACK, DARK_GREY, GRID_GREY, LABEL_SIZE, TICK_SIZE, TickAxis, nice_ticks};
use crate::units::Unit;

/// Round ticks of a value axis: the values, their step and the largest magnitude (which sets
/// the shared suffix of money labels).
#[derive(Debug, Clone, PartialEq)]
pub struct Ticks {
    pub values: Vec<f64>,
    pub step: f64,
    pub max_abs: f64,
}

/// The largest magnitude among `values` (0 for none): what sets the suffix of money labels.
pub fn max_abs(values: &[f64]) -> f64 {
    values.iter().fold(0.0f64, |m, t| m.max(t.abs()))
}

impl Ticks {
    fn new((values, step): (Vec<f64>, f64)) -> Ticks {
        Ticks {
            max_abs: max_abs(&values),
            values,
            step,
        }
    }

    /// About `target` intervals whose first and last tick enclose `lo..=hi`: the axis spans
    /// the ticks.
    pub fn covering(lo: f64, hi: f64, target: usize) -> Ticks {
        Ticks::new(nice_ticks(lo, hi, target))
    }

    /// The round ticks that lie inside `lo..hi`: the axis spans the data with a little air.
    pub fn within(lo: f64, hi: f64, target: usize) -> Ticks {
        let (mut values, step) = nice_ticks(lo, hi, target);
        values.retain(|t| *t >= lo - step * 1e-9 && *t <= hi + step * 1e-9);
        Ticks::new((values, step))
    }

    /// From the first to the last tick.
    pub fn span(&self) -> Range<f64> {
        match (self.values.first(), self.values.last()) {
            (Some(a), Some(b)) => *a..*b,
            _ => 0.0..1.0,
        }
    }

    /// The label of tick `v` in `unit`.
    pub fn label(&self, unit: Unit, v: f64) -> String {
        unit.tick(v, self.step, self.max_abs)
    }

    /// An axis over `range` with grid lines at these ticks.
    pub fn axis(&self, range: Range<f64>) -> TickAxis {
        TickAxis::new(range, self.values.clone())
    }
}

/// Which grid lines a plot draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grid {
    /// Lines at the ticks of both axes.
    Both,
    /// Horizontal lines only, at the y ticks (fans, histograms).
    Horizontal,
    /// Vertical lines only, at the x ticks (charts of rows).
    Vertical,
    /// None (heat maps).
    Off,
}

/// The plot of a chart on two tick axes.
pub type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<TickAxis, TickAxis>>;

/// What a plot looks like around its data.
pub struct Axes<'a> {
    pub x: TickAxis,
    pub y: TickAxis,
    pub x_desc: &'a str,
    /// The y axis's title; rows of labels need none.
    pub y_desc: Option<&'a str>,
    /// Room for the y tick labels, in pixels.
    pub y_label_width: u32,
    /// Room right of the plot, in pixels.
    pub margin_right: u32,
    pub grid: Grid,
}

impl<'a> Axes<'a> {
    /// A plot with a title on each axis, room left of it for the widest y tick label and the
    /// y title, and `grid`.
    pub fn titled(
        x: TickAxis,
        y: TickAxis,
        x_desc: &'a str,
        y_desc: &'a str,
        grid: Grid,
    ) -> Axes<'a> {
        Axes {
            x,
            y,
            x_desc,
            y_desc: Some(y_desc),
            y_label_width: 0,
            margin_right: 28,
            grid,
        }
    }
}

impl Axes<'_> {
    /// Build the plot on `area` and draw its grid, axes, tick labels and titles.
    pub fn draw<'b, DB: DrawingBackend>(
        self,
        area: &'b DrawingArea<DB, Shift>,
        x_label: &dyn Fn(&f64) -> String,
        y_label: &dyn Fn(&f64) -> String,
    ) -> DrawResult<Plot<'b, DB>, DB> {
        // Room for the widest y tick label, and the axis title beside it.
        let mut label_width = self.y_label_width;
        if self.y_desc.is_some() {
            let widest = self
                .y
                .ticks()
                .iter()
                .map(|t| {
                    area.estimate_text_size(&y_label(t), &text(TICK_SIZE, &DARK_GREY))
                        .map(|s| s.0)
                })
                .try_fold(0u32, |w, s| s.map(|s| w.max(s)))?;
            label_width = label_width.max(widest + 14 + LABEL_SIZE as u32 + 12);
        }
        let mut chart = ChartBuilder::on(area)
            .margin_right(self.margin_right)
            .margin_left(8)
            .x_label_area_size(X_LABEL_AREA as u32)
            .y_label_area_size(label_width)
            .build_cartesian_2d(self.x, self.y)?;
        let mut mesh = chart.configure_mesh();
        match self.grid {
            Grid::Both => {}
            Grid::Horizontal => {
                mesh.disable_x_mesh();
            }
            Grid::Vertical => {
                mesh.disable_y_mesh();
            }
            Grid::Off => {
                mesh.disable_mesh();
            }
        }
        if let Some(y_desc) = self.y_desc {
            mesh.y_desc(y_desc);
        }
        mesh.bold_line_style(GRID_GREY.stroke_width(1))
            .axis_style(DARK_GREY.stroke_width(1))
            .x_desc(self.x_desc)
            .axis_desc_style(text(LABEL_SIZE, &BLACK))
            .label_style(text(TICK_SIZE, &DARK_GREY))
            .x_label_formatter(x_label)
            .y_label_formatter(y_label)
            .draw()?;
        Ok(chart)
    }
}

/// Height of the area under a plot for its tick labels and axis title, in pixels.
pub const X_LABEL_AREA: i32 = 52;

/// The least height of a row of a plot of rows: a tick label's and a pixel or two of air.
pub const MIN_ROW_PX: i32 = TICK_SIZE as i32 + 2;

/// The widest a row's label may be, in pixels; a longer one is cut with `…`.
pub const MAX_ROW_LABEL_PX: i32 = 340;

/// How many rows of a plot of rows fit on `area` (the plot area with its label area).
pub fn rows_that_fit<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> usize {
    let (_, h) = area.dim_in_pixel();
    ((h as i32 - X_LABEL_AREA - 4) / MIN_ROW_PX).max(1) as usize
}

/// The first of `rows` that fit on `area` with their labels; where some are left out for want
/// of room, the last label says how many more the table has.
pub fn rows_shown<'r, DB: DrawingBackend, T>(
    area: &DrawingArea<DB, Shift>,
    rows: &'r [T],
    label: impl Fn(&T) -> String,
) -> (&'r [T], Vec<String>) {
    let fit = rows_that_fit(area);
    let shown = if rows.len() > fit {
        fit - 1
    } else {
        rows.len()
    };
    let mut labels: Vec<String> = rows[..shown].iter().map(label).collect();
    if shown < rows.len() {
        labels.push(format!("+ {} more (see the table)", rows.len() - shown));
    }
    (&rows[..shown], labels)
}

/// A y axis of `n` rows, the first on top, labelled at their centres.
pub fn rows_axis(n: usize) -> TickAxis {
    let centres: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();
    TickAxis::new(0.0..n as f64, centres)
}

/// A plot of rows, one per label with the first on top, against a value axis over `x` in
/// `unit`, with vertical grid lines; the label area is as wide as the widest label.
pub fn rows_plot<'b, DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &'b DrawingArea<DB, Shift>,
    labels: &[String],
    x: Range<f64>,
    x_desc: &str,
    unit: Unit,
    margin_right: u32,
) -> DrawResult<Plot<'b, DB>, DB> {
    let style = text(TICK_SIZE, &BLACK);
    let labels = labels
        .iter()
        .map(|l| ellipsize(root, l, &style, MAX_ROW_LABEL_PX))
        .collect::<Result<Vec<String>, _>>()?;
    let label_w = widest(root, labels.iter(), TICK_SIZE)?;
    let x_ticks = Ticks::within(x.start, x.end, 6);
    Axes {
        x: x_ticks.axis(x),
        y: rows_axis(labels.len().max(1)),
        x_desc,
        y_desc: None,
        y_label_width: (label_w + 14) as u32,
        margin_right,
        grid: Grid::Vertical,
    }
    .draw(area, &|v| x_ticks.label(unit, *v), &|v| {
        row_label(&labels, *v)
    })
}

/// The label of the row whose centre is at `v` on a [`rows_axis`].
pub fn row_label(labels: &[String], v: f64) -> String {
    let r = labels.len().saturating_sub(1 + v.floor() as usize);
    labels.get(r).cloned().unwrap_or_default()
}

/// The y coordinate of the centre of row `r` (0 on top) of `n` rows.
pub fn row_centre(n: usize, r: usize) -> f64 {
    (n - r) as f64 - 0.5
}

/// The width of the widest of `labels` in `size` pixels.
pub fn widest<'a, DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: impl Iterator<Item = &'a String>,
    size: f64,
) -> DrawResult<i32, DB> {
    let mut w = 0;
    for l in labels {
        w = w.max(root.estimate_text_size(l, &text(size, &BLACK))?.0 as i32);
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::coord::ranged1d::Ranged;

    #[test]
    fn ticks_cover_or_stay_within() {
        let t = Ticks::covering(0.0, 137e6, 6);
        assert_eq!((t.step, t.span()), (25e6, 0.0..150e6));
        assert_eq!(t.max_abs, 150e6);
        assert_eq!(t.label(Unit::Money, 75e6), "€75m");
        let t = Ticks::within(-0.3, 13.2, 6);
        assert_eq!(t.values.first(), Some(&0.0));
        assert!(*t.values.last().unwrap() <= 13.2);
    }

    #[test]
    fn rows_are_labelled_from_the_top() {
        let labels = ["a".to_string(), "b".to_string(), "c".to_string()];
        assert_eq!(row_label(&labels, row_centre(3, 0)), "a");
        assert_eq!(row_label(&labels, row_centre(3, 2)), "c");
        assert_eq!(rows_axis(3).range(), 0.0..3.0);
    }
}
