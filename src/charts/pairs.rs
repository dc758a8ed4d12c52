//! A pairs plot of a calibration (`microfolio calibrate`): for each pair of the parameters the
//! record constrains most, the first wave's points it ruled out (grey) and the sets it kept
//! (blue), on the unit square of the two priors' quantiles. A cloud of kept sets along a
//! diagonal is a trade-off the record cannot separate (a higher cost level with a higher fee,
//! say); one in a corner is what the record pins down.

use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::Circle;
use plotters::prelude::DrawingBackend;
use plotters::style::Color;

use super::axes::{Axes, Grid, Ticks};
use super::frame::{DrawResult, Figure, Texts};
use super::style::{BLUE, DARK_GREY, Swatch};
use crate::units::Unit;

/// The points of a pairs plot: each a coordinate per parameter, on the prior's quantile scale.
pub struct Pairs<'a> {
    pub texts: Texts,
    /// The parameters, two or three: one panel per pair.
    pub names: &'a [String],
    /// Points ruled out, drawn grey under the kept ones.
    pub ruled_out: &'a [Vec<f64>],
    pub kept: &'a [Vec<f64>],
}

impl Pairs<'_> {
    /// The pairs drawn, as indices into `names`.
    fn pairs(&self) -> Vec<(usize, usize)> {
        let n = self.names.len();
        (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .collect()
    }
}

impl super::study::StudyFigure for Pairs<'_> {
    fn texts(&self) -> &Texts {
        &self.texts
    }
}

impl Figure for Pairs<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let legend = vec![
            (
                Swatch::Fill(DARK_GREY, 0.35),
                "ruled out in wave 1".to_string(),
            ),
            (Swatch::Fill(BLUE, 1.0), "kept sets".to_string()),
        ];
        let area = self.texts.frame(&legend).draw(root)?;
        let pairs = self.pairs();
        let panels = area.split_evenly((1, pairs.len().max(1)));
        let ticks = Ticks::covering(0.0, 1.0, 2);
        let label = |v: &f64| ticks.label(Unit::Ratio, *v);
        for ((i, j), panel) in pairs.into_iter().zip(&panels) {
            let chart = Axes::titled(
                ticks.axis(ticks.span()),
                ticks.axis(ticks.span()),
                &self.names[i],
                &self.names[j],
                Grid::Both,
            )
            .draw(panel, &label, &label)?;
            for (points, style, r) in [
                (self.ruled_out, DARK_GREY.mix(0.35).filled(), 2),
                (self.kept, BLUE.mix(0.8).filled(), 2),
            ] {
                for p in points {
                    let at = chart.backend_coord(&(p[i], p[j]));
                    root.draw(&Circle::new(at, r, style))?;
                }
            }
        }
        Ok(())
    }
}
