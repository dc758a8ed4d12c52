//! Charts of sensitivity studies (`crate::study`), in the look of the run charts (palette,
//! fonts, frame, 800 × 500 SVG and PNG): a sweep line ([`SweepLine`]), a heat map
//! ([`Heatmap`]), a forest plot of a comparison ([`Forest`]) and a tornado
//! ([`TornadoChart`]), each in its own file; here what they share: the drawn chart, the
//! texts around the plot and the interval of an estimate.

pub use super::forest::{Forest, ForestRow};
pub use super::frame::Texts;
pub use super::heatmap::Heatmap;
pub use super::pairs::Pairs;
pub use super::scatter::{Scatter, ScatterPoint};
pub use super::sweep_line::{LinePoint, SweepLine};
pub use super::tornado::{TornadoChart, TornadoRow};

use super::ChartError;
use super::frame::{self, Figure};

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
    /// The box of every text on the chart ([`super::fit`]).
    pub text_boxes: Vec<super::fit::TextBox>,
}

/// A value with its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
}

/// A study chart: a figure with a title and the texts around its plot.
pub trait StudyFigure: Figure {
    fn texts(&self) -> &Texts;
}

/// Draw a study chart (a sweep line, heat map, forest plot, tornado, Morris μ*–σ chart or a
/// calibration's pairs plot) as `charts/<file>.svg|png`.
pub fn chart(
    file: String,
    caption: String,
    figure: &impl StudyFigure,
) -> Result<StudyChart, ChartError> {
    let drawn = frame::render(figure).map_err(|message| ChartError {
        chart: file.clone(),
        message,
    })?;
    Ok(StudyChart {
        file,
        title: figure.texts().title.clone(),
        caption,
        svg: drawn.svg,
        png: drawn.png,
        text_boxes: drawn.text_boxes,
    })
}
