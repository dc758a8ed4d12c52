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
//! range of the parameter (the range of its distribution's quantiles from 0 to 1).

mod page;

use std::fmt::Write as _;
use std::ops::Range;

use serde_json::{Value, json};

use super::problem::{DUMMY, PointOutcomes, Problem, csv_number, point_outcomes, simulate_points};
use super::sobol::{DESIGN_CSV, POINTS_CSV, PROBLEM_JSON, check_common, points_csv};
use super::{Design, ResultSource, Study, StudyResults, Variant, text_cell};
use crate::charts::ChartError;
use crate::charts::study::{self as draw, Scatter, ScatterPoint, StudyChart, Texts};
use crate::error::{Arg, Error};
use crate::gsa::{self, MorrisDesign, MorrisEffects, MorrisOptions};
use crate::metrics::Scalar;
use crate::output::RunInfo;
use crate::scenario::Scenario;
use crate::shard::recipe;
use crate::simulate::{Observer, Options};

/// File name of the study's table.
pub const MORRIS_CSV: &str = "morris.csv";

pub const DEFAULT_TRAJECTORIES: usize = 20;
pub const DEFAULT_LEVELS: usize = 4;

/// Most points of a design.
pub const MAX_POINTS: usize = super::sobol::MAX_POINTS;

/// The study's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
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

/// A Morris screening, checked and ready to run.
#[derive(Debug, Clone)]
pub struct Morris {
    problem: Problem,
    design: MorrisDesign,
    settings: MorrisSettings,
    metrics: Vec<Scalar>,
    /// What the screening was made from, for its shards ([`Study::recipe`]): the base scenario,
    /// the metrics and the settings, from which the design is made again.
    recipe: Value,
}

/// One metric's result.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricEffects {
    pub metric: Scalar,
    pub effects: MorrisEffects,
    /// Per group: whether its μ* stands out from the dummy's.
    pub above_dummy: Vec<bool>,
}

/// What a Morris screening produced.
#[derive(Debug, Clone)]
pub struct MorrisResults {
    pub outcomes: Vec<PointOutcomes>,
    pub effects: Vec<MetricEffects>,
    pub run: RunInfo,
}

impl StudyResults for MorrisResults {
    fn run(&self) -> &RunInfo {
        &self.run
    }
}

impl Morris {
    /// The screening of `base`'s uncertain parameters; `metrics` empty: the defaults of a
    /// Sobol' study. Every parameter must be bounded (points lie on both ends of each range).
    pub fn new(
        base: &Scenario,
        metrics: Vec<Scalar>,
        settings: MorrisSettings,
    ) -> Result<Morris, Error> {
        check_common(
            settings.paths_per_point,
            settings.bootstrap,
            settings.confidence,
        )?;
        let problem = Problem::new(base, "Morris")?;
        problem.require_bounded("Morris")?;
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
        let design = MorrisDesign::new(
            groups,
            settings.trajectories,
            settings.levels,
            base.spec().simulation.seed as u64,
        )
        .map_err(|e| Error::Input(format!("{}: {e}", base.file())))?;
        let metrics = if metrics.is_empty() {
            super::sobol::DEFAULT_METRICS.to_vec()
        } else {
            metrics
        };
        let recipe = json!({
            "base": recipe::scenario(base),
            "metrics": recipe::metrics(&metrics),
            "trajectories": settings.trajectories,
            "levels": settings.levels,
            "paths_per_point": settings.paths_per_point,
            "bootstrap": settings.bootstrap,
            "confidence": settings.confidence,
        });
        let study = Morris {
            problem,
            design,
            settings,
            metrics,
            recipe,
        };
        for p in 0..points {
            study.scenario(p)?;
        }
        Ok(study)
    }

    /// The screening made again from its [`Study::recipe`].
    pub fn from_recipe(r: &Value) -> Result<Morris, Error> {
        let settings = MorrisSettings {
            trajectories: recipe::u64_at(r, "trajectories")? as usize,
            levels: recipe::u64_at(r, "levels")? as usize,
            paths_per_point: recipe::u64_at(r, "paths_per_point")?,
            bootstrap: recipe::u64_at(r, "bootstrap")? as usize,
            confidence: recipe::f64_at(r, "confidence")?,
        };
        Morris::new(
            &recipe::scenario_at(r, "base")?,
            recipe::metrics_at(r, "metrics")?,
            settings,
        )
    }

    /// Which paths point `p` runs: `Some(trajectory)` for the dummy's other paths, when its
    /// dummy coordinate is in the upper half of the grid.
    fn other_paths(&self, p: usize) -> Option<u64> {
        (self.design.point(p)[self.design.params() - 1] >= 0.5)
            .then(|| self.design.trajectory(p) as u64)
    }

    fn scenario(&self, p: usize) -> Result<Scenario, Error> {
        self.problem
            .scenario(
                self.design.point(p),
                self.settings.paths_per_point,
                self.other_paths(p),
            )
            .map_err(|e| Error::Input(format!("design point {p}: {e}")))
    }

    /// `pd=0.071, recovery=0.28` for messages.
    fn describe_point(&self, p: usize) -> String {
        self.problem.describe(self.design.point(p))
    }

    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    pub fn design(&self) -> &MorrisDesign {
        &self.design
    }

    pub fn settings(&self) -> &MorrisSettings {
        &self.settings
    }

    pub fn metrics(&self) -> &[Scalar] {
        &self.metrics
    }

    /// Simulate every point, then compute the effects.
    pub fn compute(
        &self,
        options: &Options,
        observer: &dyn Observer,
    ) -> Result<MorrisResults, Error> {
        self.compute_from(ResultSource::simulate(options, observer))
    }

    /// The effects from the points' outcomes wherever they come from: simulated now, or read
    /// from the screening's shards (the bootstrap runs here, seeded as always).
    pub fn compute_from(&self, source: ResultSource<'_>) -> Result<MorrisResults, Error> {
        let (outcomes, run) = point_outcomes(
            source,
            "a Morris screening",
            self.design.len(),
            &self.metrics,
            |points, options, observer| self.simulate_range(points, options, observer),
        )?;
        let dummy = self.design.groups().count() - 1;
        let options = MorrisOptions {
            resamples: self.settings.bootstrap,
            confidence: self.settings.confidence,
            seed: self.problem.seed(),
        };
        let mut effects = Vec::new();
        for (k, metric) in self.metrics.iter().enumerate() {
            let e = gsa::morris_effects(&self.design, &outcomes[k].mean, &options)
                .map_err(|e| Error::Input(format!("{}: {e}", metric.name())))?;
            effects.push(MetricEffects {
                metric: *metric,
                above_dummy: gsa::flag_against_dummy(&e.mu_star, dummy),
                effects: e,
            });
        }
        Ok(MorrisResults {
            outcomes,
            effects,
            run,
        })
    }

    /// Simulate points `points` of the design.
    fn simulate_range(
        &self,
        points: Range<usize>,
        options: &Options,
        observer: &dyn Observer,
    ) -> Result<(Vec<PointOutcomes>, RunInfo), Error> {
        let all = self.design.len() as u64;
        let kept = all * (self.design.params() as u64 * 8 + self.metrics.len() as u64 * 16);
        simulate_points(
            "Morris",
            points,
            self.settings.paths_per_point,
            |p| self.scenario(p),
            |p| self.describe_point(p),
            &self.metrics,
            kept,
            options,
            observer,
        )
    }

    /// `morris.csv`: per metric and group, μ, μ* with its interval and SALib's half-width,
    /// σ, and whether μ* stands out from the dummy's.
    pub fn morris_csv(&self, r: &MorrisResults) -> String {
        let names = self.problem.group_names();
        let mut out = String::from(
            "metric,parameter,mu,mu_star,mu_star_low,mu_star_high,mu_star_conf,sigma,above_dummy\n",
        );
        for me in &r.effects {
            let e = &me.effects;
            for (g, name) in names.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{}",
                    me.metric.name(),
                    text_cell(name),
                    csv_number(e.mu[g]),
                    csv_number(e.mu_star[g].value),
                    csv_number(e.mu_star[g].low),
                    csv_number(e.mu_star[g].high),
                    csv_number(e.mu_star[g].half_width),
                    csv_number(e.sigma[g]),
                    me.above_dummy[g]
                );
            }
        }
        out
    }

    /// `design.csv`: one row per point — index, trajectory, the group moved into it (empty for
    /// a trajectory's start), each parameter's value and unit coordinate, and the seed.
    pub fn design_csv(&self) -> String {
        let params = self.problem.params();
        let names = self.problem.group_names();
        let mut out = String::from("point,trajectory,moved");
        for p in params {
            let _ = write!(out, ",{}", text_cell(&p.name));
        }
        for p in params {
            let _ = write!(out, ",{}", text_cell(&format!("u_{}", p.name)));
        }
        out.push_str(",u_dummy,seed\n");
        for p in 0..self.design.len() {
            self.design_row(p, &names, &mut out);
        }
        out
    }

    /// The row of point `p` in `design.csv`; `names` are the groups'.
    fn design_row(&self, p: usize, names: &[String], out: &mut String) {
        let unit = self.design.point(p);
        let moved = self.design.moved(p).map_or(String::new(), |(g, up)| {
            format!("{}{}", text_cell(&names[g]), if up { "+" } else { "-" })
        });
        let _ = write!(out, "{p},{},{moved}", self.design.trajectory(p));
        for v in self.problem.values(unit) {
            let _ = write!(out, ",{}", csv_number(v));
        }
        for u in unit {
            let _ = write!(out, ",{}", csv_number(*u));
        }
        let _ = writeln!(out, ",{}", self.problem.point_seed(self.other_paths(p)));
    }
}

impl Study for Morris {
    type Results = MorrisResults;
    const KIND: &'static str = "morris";

    fn base(&self) -> &Scenario {
        self.problem.base()
    }

    fn variants(&self) -> &[Variant] {
        &[]
    }

    fn paths(&self) -> u64 {
        self.settings.paths_per_point
    }

    fn paths_total(&self) -> u64 {
        self.design.len() as u64 * self.settings.paths_per_point
    }

    fn unit_name(&self) -> &'static str {
        "point"
    }

    fn title(&self) -> String {
        format!(
            "{}: Morris screening of {} uncertain parameters",
            self.problem.base().name(),
            self.problem.params().len()
        )
    }

    fn compute(&self, options: &Options, observer: &dyn Observer) -> Result<MorrisResults, Error> {
        Morris::compute(self, options, observer)
    }

    fn compute_from(&self, source: ResultSource<'_>) -> Result<MorrisResults, Error> {
        Morris::compute_from(self, source)
    }

    fn recipe(&self) -> Option<&Value> {
        Some(&self.recipe)
    }

    fn from_recipe(recipe: &Value) -> Result<Morris, Error> {
        Morris::from_recipe(recipe)
    }

    fn design(&self) -> Option<&dyn Design> {
        Some(self)
    }

    fn summary(&self, _results: &MorrisResults) -> Value {
        json!({
            "design": {
                "method": "Morris (1991) trajectories; mu* after Campolongo et al. (2007)",
                "trajectories": self.settings.trajectories,
                "levels": self.settings.levels,
                "delta": self.design.delta(),
                "points": self.design.len(),
                "paths_per_point": self.settings.paths_per_point,
                "groups": self.problem.group_names(),
                "dummy": format!("`{DUMMY}`: drives no key; points with its coordinate in the upper half of the grid run their paths under a fresh seed per trajectory (design.csv, column seed) instead of {}", self.problem.seed()),
                "effects_scaled": "per whole range of each parameter (its quantiles from 0 to 1)",
                "intervals": format!("bootstrap percentile over trajectories, {} resamples, confidence {}", self.settings.bootstrap, self.settings.confidence),
            },
            "metrics": self.metrics.iter().map(|m| m.name()).collect::<Vec<_>>(),
            "problem": self.problem.salib_json(),
        })
    }

    fn files(&self, results: &MorrisResults) -> Vec<(String, Vec<u8>)> {
        let problem = serde_json::to_string_pretty(&self.problem.salib_json())
            .expect("JSON values always serialise");
        vec![
            (
                MORRIS_CSV.to_string(),
                self.morris_csv(results).into_bytes(),
            ),
            (DESIGN_CSV.to_string(), self.design_csv().into_bytes()),
            (
                POINTS_CSV.to_string(),
                points_csv(&self.metrics, &results.outcomes).into_bytes(),
            ),
            (PROBLEM_JSON.to_string(), problem.into_bytes()),
        ]
    }

    fn draw(&self, results: &MorrisResults) -> Result<Vec<StudyChart>, ChartError> {
        let names = self.problem.group_names();
        let mut charts = Vec::new();
        for me in &results.effects {
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
            charts.push(draw::scatter(
                format!("morris_{}", me.metric.name()),
                format!(
                    "μ* against σ of the elementary effects on {}, with {:.0}% bootstrap intervals on μ*; the dummy (grey) is the noise floor.",
                    me.metric.label(),
                    self.settings.confidence * 100.0
                ),
                &figure,
            )?);
        }
        Ok(charts)
    }

    fn page(&self, results: &MorrisResults, charts: &[StudyChart]) -> String {
        page::html(self, results, charts)
    }

    fn summarise(&self, results: &MorrisResults) -> String {
        let names = self.problem.group_names();
        let mut out = String::new();
        for me in &results.effects {
            let e = &me.effects;
            let unit = me.metric.unit();
            let _ = writeln!(
                out,
                "\n{}: elementary effects per whole range (μ* largest first)",
                me.metric.name()
            );
            let mut order: Vec<usize> = (0..names.len()).collect();
            order.sort_by(|&a, &b| e.mu_star[b].value.total_cmp(&e.mu_star[a].value));
            for g in order {
                let flag = if g == names.len() - 1 {
                    "  (noise floor)"
                } else if !me.above_dummy[g] {
                    "  ≈ noise"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "  {:<32} μ* {:>12} [{}, {}]   μ {:>12}   σ {:>12}{flag}",
                    names[g],
                    unit.value(e.mu_star[g].value),
                    unit.value(e.mu_star[g].low),
                    unit.value(e.mu_star[g].high),
                    unit.value(e.mu[g]),
                    unit.value(e.sigma[g]),
                );
            }
        }
        out
    }
}

impl Design for Morris {
    fn points(&self) -> usize {
        self.design.len()
    }

    fn paths_per_point(&self) -> u64 {
        self.settings.paths_per_point
    }

    fn metrics(&self) -> &[Scalar] {
        &self.metrics
    }

    fn simulate(
        &self,
        points: Range<usize>,
        options: &Options,
        observer: &dyn Observer,
    ) -> Result<(Vec<PointOutcomes>, RunInfo), Error> {
        self.simulate_range(points, options, observer)
    }

    fn row(&self, p: usize) -> String {
        let mut out = String::new();
        self.design_row(p, &self.problem.group_names(), &mut out);
        out
    }
}
