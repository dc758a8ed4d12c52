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

fn finish(
    kind: &'static str,
    file: String,
    title: String,
    caption: String,
    figure: &impl Figure,
) -> Result<StudyChart, ChartError> {
    let drawn = frame::render(figure).map_err(|message| ChartError {
        chart: kind.to_string(),
        message: format!("{file}: {message}"),
    })?;
    Ok(StudyChart {
        file,
        title,
        caption,
        svg: drawn.svg,
        png: drawn.png,
        text_boxes: drawn.text_boxes,
    })
}

/// Draw a sweep line as `charts/<file>.svg|png`.
pub fn sweep_line(file: String, caption: String, f: &SweepLine) -> Result<StudyChart, ChartError> {
    finish("sweep", file, f.texts.title.clone(), caption, f)
}

/// Draw a heat map.
pub fn heatmap(file: String, caption: String, f: &Heatmap) -> Result<StudyChart, ChartError> {
    finish("heatmap", file, f.texts.title.clone(), caption, f)
}

/// Draw the differences of a comparison.
pub fn forest(file: String, caption: String, f: &Forest) -> Result<StudyChart, ChartError> {
    finish("compare", file, f.texts.title.clone(), caption, f)
}

/// Draw a tornado.
pub fn tornado(file: String, caption: String, f: &TornadoChart) -> Result<StudyChart, ChartError> {
    finish("tornado", file, f.texts.title.clone(), caption, f)
}

/// Draw a Morris μ*–σ chart.
pub fn scatter(file: String, caption: String, f: &Scatter) -> Result<StudyChart, ChartError> {
    finish("morris", file, f.texts.title.clone(), caption, f)
}

/// Draw a calibration's pairs plot.
pub fn pairs(file: String, caption: String, f: &Pairs) -> Result<StudyChart, ChartError> {
    finish("pairs", file, f.texts.title.clone(), caption, f)
}
