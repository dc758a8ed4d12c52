//! Morris screening: elementary effects of the scenario's uncertain parameters at low cost,
//! with the design and statistics of [`crate::gsa::morris`].
//!
//! `r` trajectories through a grid of `p` levels of the parameters and a dummy
//! ([`super::problem`]), each moving one group at a time: `r (g + 1)` points, `g` the groups
//! with the dummy. Each point runs the same `M` paths with the same seed (common random
//! numbers) but for the dummy: a point whose dummy coordinate is in the upper half of the grid
//! (every move of the dummy crosses the middle) runs its paths under another seed, so the
//! dummy's effects are the Monte Carlo noise of `M` paths. Per metric and group: μ, μ* (the
//! mean absolute effect, with a bootstrap interval) and σ, in the outcome's units per whole
//! range of the parameter (the range of its distribution's quantiles from 0 to 1). Level `l` of
//! `p` is evaluated at probability `(l + 1/2)/p`, the middle of its band, never at 0 or 1: a
//! Beta or a zero-weight discrete value is evaluated only where it can be drawn.

mod page;

use serde::Serialize;
use serde_json::{Value, json};

use super::SizeWarning;
use super::problem::{
    DUMMY, DesignSettings, DesignStudy, PointOutcomes, PointResults, PointStudy, Problem,
    ranked_groups,
};
use crate::charts::ChartError;
use crate::charts::study::{self as draw, Scatter, ScatterPoint, StudyChart, Texts};
use crate::error::{Arg, Error};
use crate::gsa::{self, MorrisDesign, MorrisEffects, MorrisOptions};
use crate::metrics::Scalar;
use crate::output::csv::{CsvWriter, number};
use crate::shard::recipe;
use crate::units::Column;

/// File name of the study's table.
pub const MORRIS_CSV: &str = "morris.csv";

pub const DEFAULT_TRAJECTORIES: usize = 20;
pub const DEFAULT_LEVELS: usize = 4;

/// The probability at which a parameter is evaluated for the design's grid coordinate `x`
/// (`l/(p−1)` for level `l` of `p`): the middle `(l + 1/2)/p` of the level's band. The grid's
/// ends 0 and 1 would be a distribution's bounds, which a Beta (whose density is zero there)
/// never draws and a truncated distribution draws with probability zero; the middles are in the
/// open interval, and a move of `p/2` levels is half the probability range, so an effect is
/// `Δf / (1/2)`: per whole range of the parameter's quantiles, as before.
pub fn level_probability(x: f64, levels: usize) -> f64 {
    let level = (x * (levels - 1) as f64).round();
    (level + 0.5) / levels as f64
}

/// By how much the design's effects (per grid unit, `Δf / Δ` with SALib's `Δ = p/(2(p−1))`)
/// are multiplied to be per whole range of the probabilities: the levels' middles are
/// `p/(p−1)` times closer together than the grid's points.
fn per_whole_range(levels: usize) -> f64 {
    levels as f64 / (levels - 1) as f64
}

/// Effects per grid unit scaled by `k`: every statistic is linear in the effects.
fn scaled(mut e: MorrisEffects, k: f64) -> MorrisEffects {
    for m in &mut e.mu {
        *m *= k;
    }
    for s in &mut e.sigma {
        *s *= k;
    }
    for m in &mut e.mu_star {
        m.value *= k;
        m.low *= k;
        m.high *= k;
        m.half_width *= k;
    }
    for row in &mut e.effects {
        for x in row {
            *x *= k;
        }
    }
    e
}

/// Most points of a design.
pub const MAX_POINTS: usize = super::sobol::MAX_POINTS;

/// The study's settings, recorded in its recipe field by field.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MorrisSettings {
    pub trajectories: usize,
    pub levels: usize,
    pub paths_per_point: u64,
    pub bootstrap: usize,
    pub confidence: f64,
}

impl Default for MorrisSettings {
    fn default() -> Self {
        MorrisSettings {
            trajectories: DEFAULT_TRAJECTORIES,
            levels: DEFAULT_LEVELS,
            paths_per_point: super::sobol::DEFAULT_PATHS_PER_POINT,
            bootstrap: super::sobol::DEFAULT_BOOTSTRAP,
            confidence: super::sobol::DEFAULT_CONFIDENCE,
        }
    }
}

impl DesignSettings for MorrisSettings {
    fn common(&self) -> (u64, usize, f64) {
        (self.paths_per_point, self.bootstrap, self.confidence)
    }
}

/// A Morris screening, checked and ready to run ([`DesignStudy::new`]).
pub type Morris = DesignStudy<MorrisDesign, MorrisSettings>;

/// One metric's result.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricEffects {
    pub metric: Scalar,
    pub effects: MorrisEffects,
    /// Per group: whether its μ* stands out from the dummy's.
    pub above_dummy: Vec<bool>,
}

/// What a Morris screening produced.
pub type MorrisResults = PointResults<MetricEffects>;

/// The precision of one metric's effects: μ*, its interval, μ and σ of every group, in one
/// column, as many digits as tell them apart.
fn column(me: &MetricEffects) -> Column {
    let e = &me.effects;
    let values: Vec<f64> = e
        .mu_star
        .iter()
        .flat_map(|m| [m.value, m.low, m.high])
        .chain(e.mu.iter().copied())
        .chain(e.sigma.iter().copied())
        .collect();
    let largest = values
        .iter()
        .filter(|x| x.is_finite())
        .fold(0.0f64, |m, x| m.max(x.abs()));
    let mut stars: Vec<f64> = e.mu_star.iter().map(|m| m.value).collect();
    stars.sort_by(|a, b| b.total_cmp(a));
    Column::new(me.metric.unit(), [&stars[..], &[largest][..]])
}

impl PointStudy for Morris {
    const NAME: &'static str = "Morris";
    const KIND: &'static str = "morris";
    const GIVES: &'static str = "Morris screening";
    const TABLE: &'static str = MORRIS_CSV;
    const ROLE_COLUMNS: [&'static str; 2] = ["trajectory", "moved"];
    type Design = MorrisDesign;
    type Settings = MorrisSettings;
    type PerMetric = MetricEffects;

    /// Morris's trajectories on an even number of levels; every parameter must be bounded
    /// (points lie on both ends of each range).
    fn design_for(
        problem: &Problem,
        settings: &MorrisSettings,
    ) -> Result<(MorrisDesign, usize), Error> {
        problem.require_bounded(Self::NAME)?;
        if settings.levels < 2 || settings.levels % 2 != 0 || settings.levels > 1 << 16 {
            return Err(Error::argument(
                Arg::Levels,
                settings.levels,
                "allowed: an even number of grid levels from 2 to 65,536 (4 is usual)",
            ));
        }
        if settings.trajectories < 2 {
            return Err(Error::argument(
                Arg::Trajectories,
                settings.trajectories,
                "allowed: at least 2 trajectories (σ needs two; 10 to 50 are usual)",
            ));
        }
        let groups = problem.groups();
        let points = MorrisDesign::points_for(groups.count(), settings.trajectories)
            .filter(|p| *p <= MAX_POINTS)
            .ok_or_else(|| {
                Error::argument(
                    Arg::Trajectories,
                    settings.trajectories,
                    format!(
                        "{} trajectories × ({} groups + 1) points is more than the {} points a \
                         study may have",
                        settings.trajectories,
                        groups.count(),
                        crate::format::count(MAX_POINTS as f64)
                    ),
                )
            })?;
        let (trajectories, levels) = (settings.trajectories, settings.levels);
        let design = MorrisDesign::new(groups, trajectories, levels, problem.seed())
            .map_err(|e| Error::Input(format!("{}: {e}", problem.base().file())))?;
        Ok((design, points))
    }

    fn settings_from(r: &Value) -> Result<MorrisSettings, Error> {
        Ok(MorrisSettings {
            trajectories: recipe::u64_at(r, "trajectories")? as usize,
            levels: recipe::u64_at(r, "levels")? as usize,
            paths_per_point: recipe::u64_at(r, "paths_per_point")?,
            bootstrap: recipe::u64_at(r, "bootstrap")? as usize,
            confidence: recipe::f64_at(r, "confidence")?,
        })
    }

    fn point_count(&self) -> usize {
        self.design.len()
    }

    /// The point's probabilities: each grid level `l` of the design (SALib's grid `l/(p−1)`)
    /// is the middle of its band of probability, `(l + 1/2)/p`, never 0 or 1. A distribution
    /// whose ends have probability zero (a Beta's 0 and 1, a discrete value of weight zero) is
    /// thus evaluated only at values it can draw; see [`level_probability`].
    fn unit_point(&self, p: usize) -> Vec<f64> {
        let levels = self.settings.levels;
        self.design
            .point(p)
            .iter()
            .map(|&x| level_probability(x, levels))
            .collect()
    }

    /// `Some(trajectory)` for the dummy's other paths, when its dummy coordinate is in the
    /// upper half of the grid.
    fn other_paths(&self, p: usize) -> Option<u64> {
        (self.design.point(p)[self.design.params() - 1] >= 0.5)
            .then(|| self.design.trajectory(p) as u64)
    }

    /// The trajectory, and the group moved into the point with its direction (empty for a
    /// trajectory's start).
    fn role_cells(&self, p: usize) -> [String; 2] {
        let names = self.core.problem.group_names();
        let moved = self.design.moved(p).map_or(String::new(), |(g, up)| {
            format!("{}{}", names[g], if up { "+" } else { "-" })
        });
        [self.design.trajectory(p).to_string(), moved]
    }

    fn kept_bytes(&self) -> u64 {
        let all = self.design.len() as u64;
        all * (self.design.params() as u64 * 8 + self.core.metrics.len() as u64 * 16)
    }

    /// The effects of every group per whole range of its parameters, and whether μ* stands
    /// out from the dummy's.
    fn analyse(&self, metric: Scalar, outcomes: &PointOutcomes) -> Result<MetricEffects, Error> {
        let dummy = self.design.groups().count() - 1;
        let options = MorrisOptions {
            resamples: self.settings.bootstrap,
            confidence: self.settings.confidence,
            seed: self.core.problem.seed(),
        };
        let e = gsa::morris_effects(&self.design, &outcomes.mean, &options)
            .map_err(|e| Error::Input(format!("{}: {e}", metric.name())))?;
        let e = scaled(e, per_whole_range(self.settings.levels));
        Ok(MetricEffects {
            metric,
            above_dummy: gsa::flag_against_dummy(&e.mu_star, dummy),
            effects: e,
        })
    }

    /// `morris.csv`: per metric and group, μ, μ* with its interval and SALib's half-width,
    /// σ, and whether μ* stands out from the dummy's.
    fn table(&self, r: &MorrisResults) -> String {
        let names = self.core.problem.group_names();
        let mut out = CsvWriter::text_file([
            "metric",
            "parameter",
            "mu",
            "mu_star",
            "mu_star_low",
            "mu_star_high",
            "mu_star_conf",
            "sigma",
            "above_dummy",
        ]);
        let x = |v: f64| number(Some(v));
        for me in &r.per_metric {
            let e = &me.effects;
            for (g, name) in names.iter().enumerate() {
                out.push([
                    me.metric.name().to_string(),
                    name.clone(),
                    x(e.mu[g]),
                    x(e.mu_star[g].value),
                    x(e.mu_star[g].low),
                    x(e.mu_star[g].high),
                    x(e.mu_star[g].half_width),
                    x(e.sigma[g]),
                    me.above_dummy[g].to_string(),
                ]);
            }
        }
        out.into_string()
    }

    fn size_warning(&self) -> Option<SizeWarning> {
        SizeWarning::below(
            Arg::Trajectories,
            self.settings.trajectories as u64,
            10,
            DEFAULT_TRAJECTORIES as u64,
            "with so few trajectories μ* and σ rest on a handful of effects each, and the \
             ranking of the parameters is unstable",
        )
    }

    fn summary(&self) -> Value {
        json!({
            "design": {
                "method": "Morris (1991) trajectories; mu* after Campolongo et al. (2007)",
                "trajectories": self.settings.trajectories,
                "levels": self.settings.levels,
                "delta": 0.5,
                "levels_at": "the middle of each level's band of probability, (l + 1/2)/p for level l of p: never a distribution's ends",
                "points": self.design.len(),
                "paths_per_point": self.settings.paths_per_point,
                "groups": self.core.problem.group_names(),
                "dummy": format!("`{DUMMY}`: drives no key; points with its coordinate in the upper half of the grid run their paths under a fresh seed per trajectory (design.csv, column seed) instead of {}", self.core.problem.seed()),
                "effects_scaled": "per whole range of each parameter (its quantiles from 0 to 1)",
                "intervals": format!("normal bootstrap over trajectories: mu* ± z × the sd of {} resamples (SALib's mu_star_conf), cut at 0, confidence {}", self.settings.bootstrap, self.settings.confidence),
            },
        })
    }

    /// μ* against σ of every group, with μ*'s interval.
    fn chart(&self, me: &MetricEffects, names: &[String]) -> Result<StudyChart, ChartError> {
        let e = &me.effects;
        let points: Vec<ScatterPoint> = names
            .iter()
            .enumerate()
            .map(|(g, name)| ScatterPoint {
                label: name.clone(),
                x: e.mu_star[g].value,
                x_lo: e.mu_star[g].low,
                x_hi: e.mu_star[g].high,
                y: e.sigma[g],
                floor: g == names.len() - 1,
            })
            .collect();
        let texts = Texts {
            title: format!("Morris screening of {}", me.metric.label()),
            facts: format!(
                "{} trajectories × {} points, {} levels · {} paths per point",
                self.settings.trajectories,
                names.len() + 1,
                self.settings.levels,
                crate::format::count(self.settings.paths_per_point as f64)
            ),
            footnote: Some(
                "Effects per whole range of each parameter. Right: influential; above the diagonal: the effect varies with the other parameters.".to_string(),
            ),
        };
        let figure = Scatter {
            texts,
            x_desc: "μ*: mean absolute elementary effect".to_string(),
            y_desc: "σ of the effects".to_string(),
            unit: me.metric.unit(),
            points: &points,
        };
        draw::chart(
            format!("morris_{}", me.metric.name()),
            format!(
                "μ* against σ of the elementary effects on {}, with {:.0}% bootstrap intervals on μ*; the dummy (grey) is the noise floor.",
                me.metric.label(),
                self.settings.confidence * 100.0
            ),
            &figure,
        )
    }

    fn page(&self, results: &MorrisResults, charts: &[StudyChart]) -> String {
        page::html(self, results, charts)
    }

    /// The groups by μ*, with its interval, μ and σ.
    fn summarise(&self, out: &mut String, me: &MetricEffects, names: &[String]) {
        let e = &me.effects;
        let unit = column(me);
        let heading = format!(
            "{}: elementary effects per whole range (μ* largest first)",
            me.metric.name()
        );
        let line = |g: usize| {
            format!(
                "μ* {:>12} [{}, {}]   μ {:>12}   σ {:>12}",
                unit.value(e.mu_star[g].value),
                unit.value(e.mu_star[g].low),
                unit.value(e.mu_star[g].high),
                unit.value(e.mu[g]),
                unit.value(e.sigma[g]),
            )
        };
        let size = |g: usize| e.mu_star[g].value;
        ranked_groups(out, &heading, names, &me.above_dummy, size, line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gsa::{Groups, morris_effects};

    /// The levels' middles and the scaling keep the known answer: for `f = c × value`, the
    /// value uniform from `low` to `high`, every effect is exactly `c × (high − low)` (μ* its
    /// size, σ 0), and no point is at a distribution's ends.
    #[test]
    fn a_linear_outcome_has_effects_of_its_coefficient_times_the_range() {
        let coef = [2.0, -3.0, 0.5];
        let ranges = [(0.0, 1.0), (10.0, 30.0), (-1.0, 1.0)];
        for levels in [2, 4, 6, 10] {
            let design = MorrisDesign::new(Groups::singletons(3), 12, levels, 3).unwrap();
            let y: Vec<f64> = design
                .points()
                .map(|x| {
                    x.iter()
                        .zip(coef.iter().zip(&ranges))
                        .map(|(&x, (&c, &(lo, hi)))| {
                            let u = level_probability(x, levels);
                            assert!(u > 0.0 && u < 1.0, "p={levels}: u = {u}");
                            c * (lo + (hi - lo) * u)
                        })
                        .sum()
                })
                .collect();
            let e = morris_effects(&design, &y, &MorrisOptions::default()).unwrap();
            let e = scaled(e, per_whole_range(levels));
            for i in 0..3 {
                let want = coef[i] * (ranges[i].1 - ranges[i].0);
                let tol = 1e-9 * (1.0 + want.abs());
                assert!(
                    (e.mu[i] - want).abs() < tol,
                    "p={levels} mu_{i}: {}",
                    e.mu[i]
                );
                assert!((e.mu_star[i].value - want.abs()).abs() < tol);
                assert!(e.sigma[i] < tol);
            }
        }
    }
}
