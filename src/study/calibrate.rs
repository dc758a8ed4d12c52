//! History matching of a scenario's estimates against the public record (`microfolio
//! calibrate`; docs/calibration.md, "History matching"): which sets of the `[[uncertain]]`
//! parameters give a history the record does not rule out?
//!
//! The record is a file of targets ([`targets`]); the implausibility of a point for a target
//! weighs the gap between the record and the point's mean against every error there is
//! ([`implausibility`]); waves of scrambled Sobol' designs close in on the region not ruled out
//! ([`waves`]). Every point runs the same paths `0..M` with the scenario's seed (common random
//! numbers), in every wave, so two points differ by their parameters only, and the kept set is
//! the same on any thread count. A point's results are reduced to its targets' statistics as
//! soon as its paths are done: memory grows with points × targets, never with paths.
//!
//! The kept sets of the last wave, drawn jointly (each path takes one whole set), are the
//! calibrated uncertainty: `calibrated.toml` is the scenario with `uncertain_sets = "kept.csv"`
//! ([`crate::scenario::Scenario::uncertain_draw`]), which `run --uncertain` takes.

mod charts;
mod files;
pub mod implausibility;
mod page;
pub mod targets;
pub mod waves;

use std::fmt::Write as _;
use std::sync::atomic::AtomicBool;

use serde_json::Value;

use super::problem::Problem;
use super::{ResultSource, SizeWarning, Study, StudyResults};
use crate::charts::ChartError;
use crate::charts::study::StudyChart;
use crate::error::{Arg, Error, Work};
use crate::output::RunInfo;
use crate::scenario::Scenario;
use crate::simulate::{Observer, Options, Pool, Progress};
use implausibility::{DEFAULT_CUTOFF, Measure, TargetStats};
use targets::Targets;
use waves::{History, WAVE_COLUMNS, WaveSettings};

pub use files::{CALIBRATED_TOML, KEPT_CSV, POINTS_CSV, TARGETS_CSV, WAVES_CSV};

/// Defaults of the flags.
pub const DEFAULT_POINTS: usize = 512;
pub const DEFAULT_PATHS_PER_POINT: u64 = 32;
pub const DEFAULT_WAVES: usize = 4;

/// Most points per wave, and most waves.
pub const MAX_POINTS: usize = 1_000_000;
pub const MAX_WAVES: usize = 20;

/// How a calibration runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationSettings {
    /// Points per wave.
    pub points: usize,
    /// Paths per point `M`, at least 2 (the paths' variance needs two).
    pub paths_per_point: u64,
    /// Waves at most.
    pub waves: usize,
    /// The largest implausibility a kept point may have.
    pub cutoff: f64,
    /// Which implausibility of a point the cut-off applies to.
    pub measure: Measure,
}

impl Default for CalibrationSettings {
    fn default() -> Self {
        CalibrationSettings {
            points: DEFAULT_POINTS,
            paths_per_point: DEFAULT_PATHS_PER_POINT,
            waves: DEFAULT_WAVES,
            cutoff: DEFAULT_CUTOFF,
            measure: Measure::Largest,
        }
    }
}

/// A calibration, checked and ready to run.
#[derive(Debug, Clone)]
pub struct Calibration {
    problem: Problem,
    targets: Targets,
    settings: CalibrationSettings,
}

/// What a calibration produced.
#[derive(Debug, Clone)]
pub struct Calibrated {
    pub history: History,
    pub run: RunInfo,
}

impl StudyResults for Calibrated {
    fn run(&self) -> &RunInfo {
        &self.run
    }
}

/// The progress of one wave's points as the progress of the whole calibration.
struct Offset<'a> {
    inner: &'a dyn Observer,
    paths_before: u64,
    units_before: usize,
    paths_total: u64,
    units_total: usize,
}

impl Observer for Offset<'_> {
    fn progress(&self, p: Progress) {
        self.inner.progress(Progress {
            paths_done: self.paths_before + p.paths_done,
            paths_total: self.paths_total.max(self.paths_before + p.paths_total),
            units_done: self.units_before + p.units_done,
            units_total: self.units_total.max(self.units_before + p.units_total),
        });
    }
    fn should_stop(&self) -> bool {
        self.inner.should_stop()
    }
    fn stop_flag(&self) -> Option<&AtomicBool> {
        self.inner.stop_flag()
    }
}

impl Calibration {
    /// The calibration of `base`'s `[[uncertain]]` parameters against `targets` (read against
    /// `base`). `base` carries the seed of the paths and of the designs' scrambling.
    pub fn new(
        base: &Scenario,
        targets: Targets,
        settings: CalibrationSettings,
    ) -> Result<Calibration, Error> {
        if !(2..=super::sobol::MAX_PATHS_PER_POINT).contains(&settings.paths_per_point) {
            return Err(Error::argument(
                Arg::PathsPerPoint,
                settings.paths_per_point,
                format!(
                    "allowed: a whole number from 2 to {} (the variance over a point's paths needs \
                     two; 32 is a good start)",
                    super::sobol::MAX_PATHS_PER_POINT
                ),
            ));
        }
        if !(1..=MAX_POINTS).contains(&settings.points) {
            return Err(Error::argument(
                Arg::Points,
                settings.points,
                format!("allowed: a whole number of points per wave from 1 to {MAX_POINTS}"),
            ));
        }
        if !(1..=MAX_WAVES).contains(&settings.waves) {
            return Err(Error::argument(
                Arg::Waves,
                settings.waves,
                format!("allowed: a whole number of waves from 1 to {MAX_WAVES}"),
            ));
        }
        if !(settings.cutoff.is_finite() && settings.cutoff > 0.0) {
            return Err(Error::argument(
                Arg::Cutoff,
                settings.cutoff,
                "allowed: a number above 0 (3 is Pukelsheim's three-sigma rule)",
            ));
        }
        if base.has_uncertain_sets() {
            return Err(Error::Input(format!(
                "{}: the scenario draws its uncertain parameters from the kept sets of a \
                 calibration (uncertain_sets); calibrate the scenario it was made from, whose \
                 [[uncertain]] section is the prior",
                base.file()
            )));
        }
        let problem = Problem::new(base, "calibration")?;
        Ok(Calibration {
            problem,
            targets,
            settings,
        })
    }

    /// The settings.
    pub fn settings(&self) -> &CalibrationSettings {
        &self.settings
    }

    /// The targets.
    pub fn targets(&self) -> &Targets {
        &self.targets
    }

    /// The problem: the scenario and its uncertain parameters.
    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    fn wave_settings(&self) -> WaveSettings {
        WaveSettings {
            points: self.settings.points,
            waves: self.settings.waves,
            cutoff: self.settings.cutoff,
            measure: self.settings.measure,
            seed: self.problem.seed(),
        }
    }

    /// The scenario of a point of the unit cube (the parameters only, no dummy).
    fn scenario_at(&self, unit: &[f64]) -> Result<Scenario, Error> {
        self.problem
            .scenario(unit, self.settings.paths_per_point, None)
            .map_err(|e| Error::Input(format!("the point {}: {e}", self.problem.describe(unit))))
    }

    /// Every target's statistics at `unit`, from `paths` paths: what a wave's point gives
    /// (exposed for tests that check a point, such as the synthetic truth, by itself).
    pub fn evaluate(
        &self,
        units: &[Vec<f64>],
        options: &Options,
        observer: &dyn Observer,
    ) -> Result<(Vec<Vec<TargetStats>>, u64), Error> {
        let pool = Pool::new(options)?;
        self.simulate_points(&pool, units, observer)
    }

    fn simulate_points(
        &self,
        pool: &Pool,
        units: &[Vec<f64>],
        observer: &dyn Observer,
    ) -> Result<(Vec<Vec<TargetStats>>, u64), Error> {
        // Check every point before any work: a combination of values can break a rule between
        // keys that no parameter breaks alone.
        let scenarios: Vec<Scenario> = units
            .iter()
            .map(|u| self.scenario_at(u))
            .collect::<Result<_, _>>()?;
        let Some(first) = scenarios.first() else {
            return Ok((Vec::new(), 0));
        };
        let kept = (units.len() * (self.targets.targets.len() * 4 + 32) * 8) as u64;
        pool.check_memory(
            Work::Study {
                variants: units.len(),
                paths: self.settings.paths_per_point,
            },
            crate::resources::estimated_memory(first, pool.threads()).saturating_add(kept),
        )?;
        let start_year = self.problem.base().spec().meta.start_year;
        let mut stats = Vec::with_capacity(units.len());
        let mut loans = 0;
        pool.simulate_models(
            units.len(),
            0..self.settings.paths_per_point,
            |i| crate::model::Model::new(&scenarios[i]),
            observer,
            |_, results| {
                loans += results.loans_simulated();
                stats.push(
                    self.targets
                        .targets
                        .iter()
                        .map(|t| implausibility::evaluate(t, &results, start_year))
                        .collect(),
                );
                Ok(())
            },
        )?;
        Ok((stats, loans))
    }
}

impl Study for Calibration {
    type Results = Calibrated;
    const KIND: &'static str = "calibrate";

    fn base(&self) -> &Scenario {
        self.problem.base()
    }

    fn paths(&self) -> u64 {
        self.settings.paths_per_point
    }

    /// Every wave's paths, as if every wave ran: the waves may stop earlier.
    fn paths_total(&self) -> u64 {
        (self.settings.points * self.settings.waves) as u64 * self.settings.paths_per_point
    }

    fn units_run(&self, results: &Calibrated) -> u64 {
        results.history.points.len() as u64
    }

    fn unit_name(&self) -> &'static str {
        "point"
    }

    fn title(&self) -> String {
        format!(
            "{}: history matching of {} uncertain parameters to {} targets",
            self.base().name(),
            self.problem.params().len(),
            self.targets.targets.len()
        )
    }

    fn warnings(&self) -> Vec<SizeWarning> {
        SizeWarning::below(
            Arg::PathsPerPoint,
            self.settings.paths_per_point,
            16,
            32,
            "with so few paths per point a target's variance over the paths is itself noisy, \
             and a point may be kept or ruled out by chance",
        )
        .into_iter()
        .collect()
    }

    fn compute_from(&self, source: ResultSource<'_>) -> Result<Calibrated, Error> {
        let ResultSource::Simulate { options, observer } = source else {
            return Err(Error::Input(
                "a calibration is computed from its own waves, not from a merge of shards".into(),
            ));
        };
        let pool = Pool::new(options)?;
        let stopwatch = crate::output::Stopwatch::start();
        let settings = self.wave_settings();
        let mut loans = 0;
        let (mut paths_before, mut units_before) = (0, 0);
        let history = waves::run(
            self.problem.params().len(),
            &self.targets.targets,
            &settings,
            |_, units| {
                let offset = Offset {
                    inner: observer,
                    paths_before,
                    units_before,
                    paths_total: self.paths_total(),
                    units_total: self.settings.points * self.settings.waves,
                };
                let (stats, l) = self.simulate_points(&pool, units, &offset)?;
                loans += l;
                paths_before += units.len() as u64 * self.settings.paths_per_point;
                units_before += units.len();
                Ok(stats)
            },
        )?;
        Ok(Calibrated {
            history,
            run: stopwatch.stop(pool.threads(), loans),
        })
    }

    fn summary(&self, results: &Calibrated) -> Value {
        files::summary(self, results)
    }

    fn files(&self, results: &Calibrated) -> Vec<(String, Vec<u8>)> {
        files::all(self, results)
    }

    fn draw(&self, results: &Calibrated) -> Result<Vec<StudyChart>, ChartError> {
        charts::draw(self, results)
    }

    fn page(&self, results: &Calibrated, charts: &[StudyChart]) -> String {
        page::html(self, results, charts)
    }

    fn summarise(&self, results: &Calibrated) -> String {
        let h = &results.history;
        let mut out = String::new();
        // Each column as wide as its header or its widest cell, right-aligned.
        let rows: Vec<[String; 8]> = h.waves.iter().map(|w| w.cells()).collect();
        let widths: Vec<usize> = (0..WAVE_COLUMNS.len())
            .map(|j| {
                rows.iter()
                    .map(|r| r[j].len())
                    .chain([WAVE_COLUMNS[j].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &mut dyn Iterator<Item = String>| {
            let padded: Vec<String> = cells
                .zip(&widths)
                .map(|(c, w)| format!("{c:>w$}"))
                .collect();
            padded.join("  ")
        };
        let _ = writeln!(
            out,
            "\n{}",
            line(&mut WAVE_COLUMNS.iter().map(|c| c.to_string()))
        );
        for r in rows {
            let _ = writeln!(out, "{}", line(&mut r.into_iter()));
        }
        let _ = writeln!(out, "stopped: {}", waves::describe_stop(h.stop));
        let kept: Vec<_> = h.kept().collect();
        let _ = writeln!(
            out,
            "\nparameter                  prior p05 .. p95         kept p05 .. p95 ({} sets)",
            kept.len()
        );
        let ranges = files::param_ranges(self, h);
        for (p, r) in self.problem.params().iter().zip(ranges) {
            let prior = (p.distribution.quantile(0.05), p.distribution.quantile(0.95));
            let _ = writeln!(
                out,
                "{:<24} {:>10} .. {:<10}   {}",
                p.name,
                crate::format::plain(prior.0),
                crate::format::plain(prior.1),
                match r.kept {
                    Some((lo, hi)) => format!(
                        "{:>10} .. {}",
                        crate::format::plain(lo),
                        crate::format::plain(hi)
                    ),
                    None => "(none kept)".to_string(),
                }
            );
        }
        out
    }
}
