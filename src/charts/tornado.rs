//! A tornado: per parameter, the mean of a metric at its low and high value as bars from the
//! baseline, with the 95% confidence interval of each change as whiskers, largest swing on
//! top, and each setting written at the end of its bar.

use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{Rectangle, Text};
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor};

use super::axes::{row_centre, rows_plot, rows_shown};
use super::frame::{DrawResult, Figure, Texts, draw_line, text};
use super::study::Interval;
use super::style::{BLACK, BLUE, DARK_GREY, LineLook, NOTE_SIZE, ORANGE, Swatch};
use crate::units::Unit;

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
    /// Title, facts and footnote.
    pub texts: Texts,
    pub x_desc: String,
    /// The unit of the metric.
    pub unit: Unit,
    pub baseline: f64,
    pub rows: &'a [TornadoRow],
}

impl super::study::StudyFigure for TornadoChart<'_> {
    fn texts(&self) -> &Texts {
        &self.texts
    }
}

impl Figure for TornadoChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let whisker = LineLook::solid(BLACK, 1);
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
        let area = self.texts.frame(&legend).draw(root)?;
        // The largest swings, as many as fit.
        let (rows, labels) = rows_shown(&area, self.rows, |r| r.label.clone());
        let n = labels.len().max(1);

        let (mut lo, mut hi) = (self.baseline, self.baseline);
        for r in rows {
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
        let mut chart = rows_plot(root, &area, &labels, lo..hi, &self.x_desc, self.unit, 24)?;

        let setting_style = text(NOTE_SIZE, &DARK_GREY);
        for (r, row) in rows.iter().enumerate() {
            let centre = row_centre(n, r);
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
        draw_line(root, &LineLook::solid(BLACK, 2), top, bottom)?;
        Ok(())
    }
}
