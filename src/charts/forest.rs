//! A forest plot of a comparison: per outcome, the change of each variant's mean relative to
//! the reference, with its 95% confidence interval; a marker shape and colour per variant. The
//! same drawing shows a run's outcomes side by side: per row, a mean and the range of 90% of
//! paths (the state's account by channel).

use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{Circle, PathElement, Polygon, Rectangle, Text, TriangleMarker};
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor};

use super::axes::{row_centre, rows_plot, rows_shown, widest};
use super::frame::{DrawResult, Figure, Texts, draw_line, ellipsize, text};
use super::study::Interval;
use super::style::{
    BLACK, BLUE, DARK_GREY, GRID_GREY, LABEL_SIZE, LineLook, NOTE_SIZE, ORANGE, REDDISH_PURPLE,
    SKY_BLUE, Swatch, VERMILLION,
};
use crate::units::Unit;

/// One outcome of a comparison: an interval per compared variant (`None`: not defined).
#[derive(Debug, Clone, PartialEq)]
pub struct ForestRow {
    pub label: String,
    pub entries: Vec<Option<Interval>>,
}

/// The widest a note right of a row may be, in pixels; a longer one is cut with `…`.
const MAX_NOTE_PX: i32 = 240;

/// Colours of the compared variants, in order.
const SERIES: [RGBColor; 6] = [BLUE, VERMILLION, REDDISH_PURPLE, ORANGE, SKY_BLUE, BLACK];

/// Relative differences of a comparison with their intervals, one row per outcome.
pub struct Forest<'a> {
    /// Title, facts and footnote.
    pub texts: Texts,
    pub x_desc: String,
    /// The compared variants, e.g. `refer_more − baseline`.
    pub series: &'a [String],
    pub rows: &'a [ForestRow],
    /// Text right of each row (e.g. the difference in the outcome's unit); may be empty.
    pub annotations: &'a [String],
    /// Unit of the axis: relative changes are in percent, a run's outcomes in euros, a
    /// correlation a ratio.
    pub unit: Unit,
    /// Whether intervals far wider than the estimates' spread are cut (with an arrow) so that
    /// they do not squeeze the other rows: for confidence intervals, not for ranges over paths.
    pub clip: bool,
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

impl super::study::StudyFigure for Forest<'_> {
    fn texts(&self) -> &Texts {
        &self.texts
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
                    Swatch::Line(LineLook::solid(SERIES[k % SERIES.len()], 3)),
                    s.clone(),
                )
            })
            .collect();
        let area = self.texts.frame(&legend).draw(root)?;
        if self.rows.is_empty() {
            let (w, h) = area.dim_in_pixel();
            area.draw(&Text::new(
                "No outcome to draw: the reference's mean is 0 for every one chosen (see the table).",
                (w as i32 / 2, h as i32 / 2),
                text(LABEL_SIZE, &DARK_GREY).pos(Pos::new(HPos::Center, VPos::Center)),
            ))?;
            return Ok(());
        }
        let (rows, labels) = rows_shown(&area, self.rows, |r| r.label.clone());
        let shown = rows.len();
        let n = labels.len();
        let note_style = text(NOTE_SIZE, &DARK_GREY);
        let annotations = self
            .annotations
            .iter()
            .take(shown)
            .map(|a| ellipsize(root, a, &note_style, MAX_NOTE_PX))
            .collect::<Result<Vec<String>, _>>()?;
        let note_w = widest(root, annotations.iter(), NOTE_SIZE)?;

        // The axis spans the estimates and zero, and the intervals as far as half that span
        // beyond: a very uncertain outcome must not squeeze every other row to a dot. An
        // interval cut at the edge ends in an arrow.
        let (mut v_lo, mut v_hi) = (0.0f64, 0.0f64);
        for e in rows.iter().flat_map(|r| r.entries.iter().flatten()) {
            v_lo = v_lo.min(e.value);
            v_hi = v_hi.max(e.value);
        }
        let v_span = (v_hi - v_lo).max(1e-6);
        let (limit_lo, limit_hi) = if self.clip {
            (v_lo - 0.5 * v_span, v_hi + 0.5 * v_span)
        } else {
            (f64::NEG_INFINITY, f64::INFINITY)
        };
        let (mut lo, mut hi) = (v_lo, v_hi);
        for e in rows.iter().flat_map(|r| r.entries.iter().flatten()) {
            lo = lo.min(e.lo.max(limit_lo));
            hi = hi.max(e.hi.min(limit_hi));
        }
        let span = (hi - lo).max(1e-6);
        let (lo, hi) = (lo - span * 0.05, hi + span * 0.05);
        let right = if note_w > 0 { note_w as u32 + 20 } else { 24 };
        let mut chart = rows_plot(root, &area, &labels, lo..hi, &self.x_desc, self.unit, right)?;
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
        draw_line(root, &LineLook::solid(BLACK, 1), top, bottom)?;
        let k_total = self.series.len().max(1);
        let gap = (0.6 / k_total as f64).min(0.25);
        let (plot_x, _) = chart.plotting_area().get_pixel_range();
        for (r, row) in rows.iter().enumerate() {
            let centre = row_centre(n, r);
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
            if let Some(note) = annotations.get(r).filter(|s| !s.is_empty()) {
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
