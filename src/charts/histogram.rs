//! Histograms of a scalar outcome over paths (`paths.csv`, docs/model.md §7) with the tail risk
//! marked: the mean, the 95% and 99% quantiles on the adverse side (the 99% one is the value
//! at risk, VaR) and the expected shortfall beyond the 99% quantile (ES, the mean of the paths
//! at or beyond it; Acerbi & Tasche 2002).
//!
//! For losses and costs the adverse side is the upper tail (p95, p99). For capital it is the
//! lower tail, so there the marks are p05, p01 and the mean below p01: a 99% quantile of capital
//! would mark the upside, which is no risk measure.

use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{PathElement, Rectangle, Text};
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, WHITE};

use super::axes::{Axes, Grid, Ticks};
use super::frame::{DrawResult, Figure, Frame, draw_line, text};
use super::style::{
    BLACK, BLUE, LineLook, REDDISH_PURPLE, SKY_BLUE, Swatch, TICK_SIZE, VERMILLION,
};
use crate::stats::{mean_sd, quantile_sorted};
use crate::units::Unit;

/// Which end of the distribution is the bad one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tail {
    /// High values are bad (losses, costs).
    Upper,
    /// Low values are bad (capital).
    Lower,
}

/// The marked statistics of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TailStats {
    pub mean: f64,
    /// p95 (upper tail) or p05 (lower tail).
    pub q95: f64,
    /// p99 or p01: the 99% value at risk.
    pub var99: f64,
    /// Mean of the values at or beyond `var99`.
    pub es99: f64,
}

impl TailStats {
    /// Statistics of `sorted` (ascending, not empty) of a run of `paths` paths, with `weights`
    /// theirs where the paths are weighted (`tail` sampling): as in `summary.json`, quantiles
    /// by type 7, or weighted ([`crate::tail::estimate`]).
    pub fn of_weighted(
        sorted: &[f64],
        weights: Option<&[f64]>,
        paths: usize,
        tail: Tail,
    ) -> TailStats {
        let Some(w) = weights else {
            return TailStats::of(sorted, tail);
        };
        let (p95, p99) = match tail {
            Tail::Upper => (0.95, 0.99),
            Tail::Lower => (0.05, 0.01),
        };
        let summary = crate::tail::estimate::summary_sorted(sorted, w, paths)
            .expect("values, as the caller guarantees");
        let (var99, es99) =
            crate::tail::estimate::var_es(sorted, w, p99).expect("values, as above");
        TailStats {
            mean: summary.mean,
            q95: crate::tail::estimate::quantile(sorted, w, p95).expect("values"),
            var99,
            es99,
        }
    }

    /// Statistics of `sorted` (ascending, not empty), quantiles by type 7 as in `summary.json`.
    pub fn of(sorted: &[f64], tail: Tail) -> TailStats {
        let (mean, _) = mean_sd(sorted);
        let (p95, p99) = match tail {
            Tail::Upper => (0.95, 0.99),
            Tail::Lower => (0.05, 0.01),
        };
        let var99 = quantile_sorted(sorted, p99);
        let beyond: Vec<f64> = match tail {
            Tail::Upper => sorted.iter().copied().filter(|x| *x >= var99).collect(),
            Tail::Lower => sorted.iter().copied().filter(|x| *x <= var99).collect(),
        };
        TailStats {
            mean,
            q95: quantile_sorted(sorted, p95),
            var99,
            // Never empty: the extreme value is always at or beyond the quantile.
            es99: mean_sd(&beyond).0,
        }
    }
}

const MEAN: LineLook = LineLook::solid(BLACK, 2);
const Q95: LineLook = LineLook::dashed(BLUE, 2, 8, 4);
const VAR: LineLook = LineLook::dashed(VERMILLION, 3, 14, 5);
const ES: LineLook = LineLook::dashed(REDDISH_PURPLE, 3, 3, 3);

/// One histogram.
pub struct Histogram<'a> {
    pub title: String,
    pub x_desc: String,
    pub unit: Unit,
    /// Defined values over paths, ascending; not empty.
    pub sorted: &'a [f64],
    /// Their weights, where the paths are weighted (`tail` sampling); the bars are then the
    /// weighted shares.
    pub weights: Option<&'a [f64]>,
    /// Paths of the run.
    pub paths: usize,
    pub tail: Tail,
    /// A line of facts printed on the chart (e.g. the probability of a cost).
    pub facts: String,
    pub footnote: Option<String>,
}

/// Counts in `bins` equal bins over `lo..=hi`.
fn bin_counts(sorted: &[f64], lo: f64, hi: f64, bins: usize) -> Vec<usize> {
    let mut counts = vec![0; bins];
    let width = (hi - lo) / bins as f64;
    for &x in sorted {
        let k = if width > 0.0 {
            (((x - lo) / width) as usize).min(bins - 1)
        } else {
            0
        };
        counts[k] += 1;
    }
    counts
}

/// Where each tag goes: its left edge and its row (0 = top). A tag sits beside its line, right
/// if it can, and moves down a row rather than cover another tag or cross another mark's line;
/// only when the lines are too close for that anywhere does it settle for not covering tags.
fn place_tags(line_x: &[i32], widths: &[i32], left: i32, right: i32) -> Vec<(i32, usize)> {
    const GAP: i32 = 4;
    const ROWS: usize = 6;
    let mut order: Vec<usize> = (0..line_x.len()).collect();
    order.sort_by_key(|i| line_x[*i]);
    let mut spots = vec![(0, 0); line_x.len()];
    let mut placed: Vec<(i32, i32, usize)> = Vec::new();
    for i in order {
        let (lx, w) = (line_x[i], widths[i]);
        let candidates = [lx + GAP, lx - GAP - w];
        let fits = |x: i32, row: usize, strict: bool| {
            let inside = x >= left && x + w <= right;
            let free = !placed
                .iter()
                .any(|(px, pw, pr)| *pr == row && x < px + pw + GAP && *px < x + w + GAP);
            let clear = !strict
                || line_x
                    .iter()
                    .enumerate()
                    .all(|(j, ox)| j == i || *ox < x - 6 || *ox > x + w + 6);
            inside && free && clear
        };
        let spot = [true, false]
            .into_iter()
            .flat_map(|strict| (0..ROWS).map(move |row| (strict, row)))
            .find_map(|(strict, row)| {
                candidates
                    .iter()
                    .find(|x| fits(**x, row, strict))
                    .map(|x| (*x, row))
            })
            .unwrap_or((candidates[0].min(right - w), 0));
        placed.push((spot.0, w, spot.1));
        spots[i] = spot;
    }
    spots
}

impl Histogram<'_> {
    fn marks(&self, s: &TailStats) -> [(LineLook, &'static str, String, f64); 4] {
        let u = self.unit;
        let (q95, var, es) = match self.tail {
            Tail::Upper => ("p95", "p99 = VaR 99%", "ES beyond p99"),
            Tail::Lower => ("p05", "p01 = VaR 99%", "ES below p01"),
        };
        [
            (MEAN, "mean", format!("mean {}", u.value(s.mean)), s.mean),
            (Q95, q95, format!("{q95} {}", u.value(s.q95)), s.q95),
            (VAR, "VaR", format!("{var} {}", u.value(s.var99)), s.var99),
            (ES, "ES", format!("{es} {}", u.value(s.es99)), s.es99),
        ]
    }
}

impl Figure for Histogram<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let stats = TailStats::of_weighted(self.sorted, self.weights, self.paths, self.tail);
        let marks = self.marks(&stats);
        let mut legend = vec![(Swatch::Fill(SKY_BLUE, 1.0), "share of paths".to_string())];
        legend.extend(
            marks
                .iter()
                .map(|(look, _, label, _)| (Swatch::Line(*look), label.clone())),
        );

        let n = self.sorted.len();
        let (min, max) = (self.sorted[0], self.sorted[n - 1]);
        // The axis spans the data with a little air; round ticks fall inside it. (Extending the
        // axis to round values could waste a third of the width.)
        let pad = if max > min {
            (max - min) * 0.03
        } else {
            // One value on every path (say a cost of €0): a window of at least €1k, the
            // smallest that `eur` writes with a suffix.
            (min.abs() * 0.1).max(1e3)
        };
        let x_range = (min - pad)..(max + pad);
        let x_ticks = Ticks::within(x_range.start, x_range.end, 6);
        // Square-root rule, bounded so that bars stay visible at 800 px and a few hundred
        // paths do not look like a comb.
        let bins = if max > min {
            ((n as f64).sqrt().ceil() as usize).clamp(10, 60)
        } else {
            1
        };
        let (lo, hi) = if max > min {
            (min, max)
        } else {
            // Every path has the same value: one bar of a fifth of the axis.
            (min - pad * 0.2, max + pad * 0.2)
        };
        let shares: Vec<f64> = match self.weights {
            None => bin_counts(self.sorted, lo, hi, bins)
                .iter()
                .map(|c| *c as f64 / n as f64)
                .collect(),
            Some(w) => {
                let total: f64 = w.iter().sum();
                let mut mass = vec![0.0; bins];
                let width = (hi - lo) / bins as f64;
                for (x, w) in self.sorted.iter().zip(w) {
                    let k = if width > 0.0 {
                        (((x - lo) / width) as usize).min(bins - 1)
                    } else {
                        0
                    };
                    mass[k] += w / total;
                }
                mass
            }
        };

        // A point mass (say most paths cost the state nothing) would flatten every other bar:
        // cut the tallest bar and say so in the facts line.
        let mut sorted_shares = shares.clone();
        sorted_shares.sort_by(|a, b| b.total_cmp(a));
        let (top, second) = (
            sorted_shares[0],
            sorted_shares.get(1).copied().unwrap_or(0.0),
        );
        let cut = (second > 0.0 && top > 4.0 * second).then_some(second * 1.6);
        let shown_max = cut.unwrap_or(top);
        let mut facts = self.facts.clone();
        if cut.is_some() {
            let k = shares.iter().position(|s| *s == top).unwrap_or(0);
            let w = (hi - lo) / bins as f64;
            facts.push_str(&format!(
                "  ·  bar cut: {} of paths in {}–{}",
                Unit::Percent.value(top),
                self.unit.value(lo + k as f64 * w),
                self.unit.value(lo + (k + 1) as f64 * w)
            ));
        }

        let frame = Frame {
            title: &self.title,
            legend: &legend,
            facts: Some(&facts),
            footnote: self.footnote.as_deref(),
        };
        let area = frame.draw(root)?;

        // Headroom above the bars for the marks' tags.
        // No share above 100% on the axis: with every path in one bar its tags may cover it.
        let y_ticks = Ticks::covering(0.0, (shown_max / 0.72).min(shown_max.max(1.0)), 5);
        let y_top = y_ticks.span().end;
        let (x, y) = (x_ticks.axis(x_range), y_ticks.axis(y_ticks.span()));
        let y_desc = "Share of paths (%)";
        let mut chart = Axes::titled(x, y, &self.x_desc, y_desc, Grid::Horizontal).draw(
            &area,
            &|v| x_ticks.label(self.unit, *v),
            &|v| y_ticks.label(Unit::Percent, *v),
        )?;

        let w = (hi - lo) / bins as f64;
        let cap = cut.unwrap_or(f64::INFINITY);
        // The bars filled, then their thin outlines, which keep neighbours apart in grey print.
        for look in [SKY_BLUE.filled(), BLUE.mix(0.6).stroke_width(1)] {
            chart.draw_series(shares.iter().enumerate().filter(|(_, s)| **s > 0.0).map(
                |(k, s)| {
                    let x0 = lo + k as f64 * w;
                    Rectangle::new([(x0, 0.0), (x0 + w, s.min(cap))], look)
                },
            ))?;
        }
        if let Some(c) = cut {
            // Two white strokes across the cut bar: the usual broken-axis sign.
            let k = shares.iter().position(|s| *s == top).unwrap_or(0);
            let x0 = lo + k as f64 * w;
            for dy in [0.0, 0.06] {
                let y = c * (0.84 + dy);
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x0 - w * 0.2, y), (x0 + w * 1.2, y + c * 0.03)],
                    WHITE.stroke_width(3),
                )))?;
            }
        }

        // Marks first, then their short tags at the top, placed clear of each other and of
        // the other marks' lines.
        let (plot_x, plot_y) = chart.plotting_area().get_pixel_range();
        let tag_style = text(TICK_SIZE, &BLACK);
        let mut line_x = Vec::new();
        let mut sizes = Vec::new();
        for (look, tag, _, value) in &marks {
            let top = chart.backend_coord(&(*value, y_top));
            let bottom = chart.backend_coord(&(*value, 0.0));
            draw_line(root, look, (top.0, plot_y.start + 4), bottom)?;
            line_x.push(top.0);
            let (w, h) = root.estimate_text_size(tag, &tag_style)?;
            sizes.push((w as i32, h as i32));
        }
        let widths: Vec<i32> = sizes.iter().map(|s| s.0).collect();
        let spots = place_tags(&line_x, &widths, plot_x.start, plot_x.end);
        for ((x, level), ((_, tag, _, _), (tw, th))) in
            spots.into_iter().zip(marks.iter().zip(sizes))
        {
            let y = plot_y.start + 6 + level as i32 * (th + 4);
            root.draw(&Rectangle::new(
                [(x - 1, y - 1), (x + tw + 1, y + th + 1)],
                WHITE.mix(0.85).filled(),
            ))?;
            root.draw(&Text::new(
                *tag,
                (x, y),
                tag_style.pos(Pos::new(HPos::Left, VPos::Top)),
            ))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_statistics_match_their_definitions() {
        let v: Vec<f64> = (1..=1000).map(f64::from).collect();
        let up = TailStats::of(&v, Tail::Upper);
        assert_eq!(up.mean, 500.5);
        assert!((up.var99 - 990.01).abs() < 1e-9);
        // Values 991..=1000 are at or above 990.01.
        assert!((up.es99 - 995.5).abs() < 1e-9);
        let down = TailStats::of(&v, Tail::Lower);
        assert!((down.var99 - 10.99).abs() < 1e-9);
        assert!((down.es99 - 5.5).abs() < 1e-9);
        assert!(down.q95 < down.mean && up.q95 > up.mean);
    }

    #[test]
    fn tags_avoid_each_other_and_other_lines() {
        // Far apart: all on the top row, right of their lines.
        assert_eq!(
            place_tags(&[100, 300, 500], &[30, 30, 30], 0, 800),
            vec![(104, 0), (304, 0), (504, 0)]
        );
        // Two lines 20 px apart: the first tag goes left of its line.
        let spots = place_tags(&[200, 220], &[30, 30], 0, 800);
        assert_eq!(spots, vec![(166, 0), (224, 0)]);
        // At the right edge the tag goes left.
        assert_eq!(place_tags(&[790], &[30], 0, 800), vec![(756, 0)]);
        // Lines on top of each other: tags stack in rows.
        let spots = place_tags(&[400, 400, 400], &[30, 30, 30], 0, 800);
        let mut rows: Vec<usize> = spots.iter().map(|s| s.1).collect();
        rows.sort();
        rows.dedup();
        assert!(rows.len() >= 2, "{spots:?}");
    }

    #[test]
    fn bins_hold_every_value() {
        let v = [0.0, 0.0, 0.5, 1.0];
        assert_eq!(bin_counts(&v, 0.0, 1.0, 2), vec![2, 2]);
        assert_eq!(bin_counts(&[3.0], 2.9, 3.1, 4).iter().sum::<usize>(), 1);
    }
}
