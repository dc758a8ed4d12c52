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
//!
//! A calibration runs in shards one wave at a time: its [`Design`] is the next wave's points,
//! whose shards keep each point's targets' statistics; the merge adds the wave to the history
//! its recipe carries, and the next wave's shards continue from the merged folder
//! ([`resume`]). Every point still runs paths `0..M` with the seed, so the history is the one
//! a single process makes.

mod charts;
mod files;
pub mod implausibility;
mod page;
pub mod resume;
pub mod targets;
pub mod waves;

use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use serde_json::{Value, json};

use super::problem::{PointOutcomes, Problem};
use super::{Design, ResultSource, SizeWarning, Standing, Study, StudyResults};
use crate::charts::ChartError;
use crate::charts::study::StudyChart;
use crate::error::{Arg, Error, Work};
use crate::output::RunInfo;
use crate::rqmc::SeMethod;
use crate::scenario::Scenario;
use crate::shard::recipe;
use crate::simulate::{Observer, Options, Pool, Progress};
use implausibility::{DEFAULT_CUTOFF, Measure, TargetStats};
use resume::Previous;
use targets::Targets;
use waves::{History, Planned, WAVE_COLUMNS, WaveSettings};

pub use files::{CALIBRATED_TOML, KEPT_CSV, POINTS_CSV, TARGETS_CSV, WAVES_CSV};
pub use resume::{CALIBRATION_JSON, HISTORY_CSV};

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

/// A calibration, checked and ready to run: from its first wave, or continuing the waves of a
/// result folder ([`Calibration::continuing`]).
#[derive(Debug, Clone)]
pub struct Calibration {
    problem: Problem,
    targets: Targets,
    settings: CalibrationSettings,
    /// The waves run so far, when it continues a result folder.
    previous: Option<Previous>,
    /// The next wave, designed: the points its shards cut ([`Design`]).
    next: Planned,
    /// What it was made from ([`Study::recipe`]): its [`Calibration::identity`] and the
    /// history it continues, if any.
    recipe: Value,
    /// How a target's standard error of the mean is made: by its scenario's sampling.
    method: SeMethod,
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

/// How the waves of a calibration of `settings` run, their designs scrambled from `seed`.
fn wave_settings(settings: &CalibrationSettings, seed: u64) -> WaveSettings {
    WaveSettings {
        points: settings.points,
        waves: settings.waves,
        cutoff: settings.cutoff,
        measure: settings.measure,
        seed,
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
        let method = super::method_of(base);
        let problem = Problem::new(base, "calibration")?;
        let dims = problem.params().len();
        let first = waves::next(
            dims,
            &wave_settings(&settings, problem.seed()),
            &History::default(),
        )?;
        let next =
            first.map_err(|stop| Error::Input(format!("no first wave: {}", stop.describe())))?;
        let mut c = Calibration {
            problem,
            targets,
            settings,
            previous: None,
            next,
            recipe: Value::Null,
            method,
        };
        c.recipe = c.recipe_with(None);
        Ok(c)
    }

    /// The calibration continuing the waves of the result folder `folder`, a calibration of
    /// the same scenario, targets and settings (its `history.csv`, [`resume`]): its next wave
    /// is the one after the folder's. Refused, naming `--continue`, when the folder is not
    /// such a calibration's or its waves have stopped.
    pub fn continuing(self, folder: &Path) -> Result<Calibration, Error> {
        let (previous, next) = resume::read_folder(&self, folder)?;
        Ok(self.with_previous(previous, next))
    }

    /// The history of the waves in the result folder `folder` of this calibration, read back
    /// and replayed, stopped or not: the very history the process or merge that wrote the
    /// folder had in memory. Refused as [`Calibration::continuing`] refuses but for a stop.
    pub fn history_in(&self, folder: &Path) -> Result<History, Error> {
        Ok(resume::read_history(self, folder)?.0.history)
    }

    fn with_previous(mut self, previous: Previous, next: Planned) -> Calibration {
        self.recipe = self.recipe_with(Some(&previous));
        self.previous = Some(previous);
        self.next = next;
        self
    }

    /// What the calibration is, whatever waves it has run: its scenario, its targets file (name
    /// and text) and its settings, as its recipe records them. A folder continued must be of
    /// the same (by content: [`crate::shard::format::content`]).
    pub fn identity(&self) -> Value {
        let s = &self.settings;
        json!({
            "base": recipe::scenario(self.problem.base()),
            "targets": recipe::file(&self.targets.file, &self.targets.text),
            "points": s.points,
            "paths_per_point": s.paths_per_point,
            "waves": s.waves,
            "cutoff": s.cutoff,
            "measure": s.measure.name(),
        })
    }

    /// The recipe: the identity, and the history of the waves before (its `history.csv`
    /// text, in the fingerprint of every shard: shards of another wave, or continuing another
    /// history, are other work).
    fn recipe_with(&self, previous: Option<&Previous>) -> Value {
        let mut r = self.identity();
        r["previous"] = previous.map_or(Value::Null, |p| {
            json!({
                "waves": p.history.waves.len(),
                "points": p.history.points.len(),
                "history": p.text,
            })
        });
        r
    }

    /// The wave its shards compute: the next one.
    pub fn next_wave(&self) -> usize {
        self.next.wave
    }

    /// Whether its shards can carry the history it continues (each `shard.json` records it);
    /// refused, naming `--continue`, with what to do instead.
    pub fn shardable(&self, folder: &Path) -> Result<(), Error> {
        match &self.previous {
            Some(p) if p.text.len() > resume::MAX_SHARDED_HISTORY => Err(Error::argument(
                Arg::Continue,
                folder.display(),
                format!(
                    "its {HISTORY_CSV} has {} bytes, more than the {} a calibration's shards \
                     can carry; run the remaining waves in one process (--continue without \
                     --shard)",
                    p.text.len(),
                    resume::MAX_SHARDED_HISTORY
                ),
            )),
            _ => Ok(()),
        }
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

    /// The points of the waves still to run, as if every wave ran.
    fn units_total(&self) -> usize {
        let done = self.previous.as_ref().map_or(0, |p| p.history.waves.len());
        self.settings.points * self.settings.waves.saturating_sub(done).max(1)
    }

    fn wave_settings(&self) -> WaveSettings {
        wave_settings(&self.settings, self.problem.seed())
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
        // Under tail every point samples with the base's one fit (its weights those of its
        // paths).
        let fit = super::study_fit(self.problem.base(), pool, observer)?;
        pool.simulate_models(
            units.len(),
            0..self.settings.paths_per_point,
            |i| match fit.as_deref() {
                Some(choice) => choice.model(&scenarios[i]),
                None => crate::model::Model::new(&scenarios[i]),
            },
            observer,
            |_, results| {
                loans += results.loans_simulated();
                stats.push(
                    self.targets
                        .targets
                        .iter()
                        .map(|t| {
                            implausibility::evaluate_sampled(t, &results, start_year, self.method)
                        })
                        .collect(),
                );
                Ok(())
            },
        )?;
        Ok((stats, loans))
    }
}

/// A point's record in the shards of a wave: per target, two pairs of values; under rqmc a
/// third, the randomisations' standard error of the mean (under tail the weighted mean's).
const PAIRS_PER_TARGET: usize = 2;

impl Calibration {
    /// Pairs of values per target in a point's record.
    fn pairs_per_target(&self) -> usize {
        match self.method {
            SeMethod::Paths => PAIRS_PER_TARGET,
            SeMethod::Randomisations(_) | SeMethod::Weighted => PAIRS_PER_TARGET + 1,
        }
    }

    /// How the standard errors of a target's mean are made.
    pub fn se_method(&self) -> SeMethod {
        self.method
    }

    /// The statistics of the next wave's points from their records ([`Design`]).
    fn stats_of(&self, outcomes: &[PointOutcomes]) -> Result<Vec<Vec<TargetStats>>, Error> {
        let n = self.next.points.len();
        if outcomes.len() != self.pairs() || outcomes.iter().any(|o| o.mean.len() != n) {
            return Err(Error::Input(format!(
                "the shards hold {} values of {} points, but their recipe makes wave {} of {n} \
                 points of {} values",
                outcomes.len(),
                outcomes.first().map_or(0, |o| o.mean.len()),
                self.next.wave,
                self.pairs()
            )));
        }
        let stats = (0..n)
            .map(|i| {
                outcomes
                    .chunks(self.pairs_per_target())
                    .map(|o| TargetStats {
                        n: o[1].mean[i] as usize,
                        mean: o[0].mean[i],
                        var_paths: o[0].se[i].unwrap_or(f64::NAN),
                        date_sd: o[1].se[i].unwrap_or(f64::NAN),
                        rqmc_se: o.get(2).map(|o| o.mean[i]),
                    })
                    .collect()
            })
            .collect();
        Ok(stats)
    }
}

/// The next wave as a design whose shards cut its points: each point simulated whole and kept
/// as its targets' statistics, two pairs of values per target — (mean, variance over the
/// paths) and (paths on which it is defined, the date's widening) — exactly what a single
/// process keeps of the point, bit for bit.
impl Design for Calibration {
    fn points(&self) -> usize {
        self.next.points.len()
    }

    fn paths_per_point(&self) -> u64 {
        self.settings.paths_per_point
    }

    fn layout(&self) -> Value {
        let pairs = self
            .targets
            .targets
            .iter()
            .flat_map(|t| {
                let name = match self.method {
                    SeMethod::Weighted => "tail_se",
                    _ => "rqmc_se",
                };
                let rqmc = (self.pairs_per_target() > PAIRS_PER_TARGET)
                    .then(|| format!("{}:{name},none", t.name));
                [
                    format!("{}:mean,var_paths", t.name),
                    format!("{}:n,date_sd", t.name),
                ]
                .into_iter()
                .chain(rqmc)
            })
            .collect();
        let what = match self.method {
            SeMethod::Weighted => {
                "defined bits, per target three pairs of f64: its weighted mean and variance \
                 over the point's paths, then the paths on which it is defined and the date's \
                 widening, then the weighted mean's standard error (tail) and none"
            }
            SeMethod::Paths => {
                "defined bits, per target two pairs of f64: its mean and its variance over the \
                 point's paths, then the paths on which it is defined and the date's widening"
            }
            SeMethod::Randomisations(_) => {
                "defined bits, per target three pairs of f64: its mean and its variance over \
                 the point's paths, then the paths on which it is defined and the date's \
                 widening, then the randomisations' standard error of the mean (rqmc) and none"
            }
        };
        crate::shard::format::pairs_layout(what, pairs)
    }

    fn pairs(&self) -> usize {
        self.pairs_per_target() * self.targets.targets.len()
    }

    fn simulate(
        &self,
        points: Range<usize>,
        options: &Options,
        observer: &dyn Observer,
    ) -> Result<(Vec<PointOutcomes>, RunInfo), Error> {
        let pool = Pool::new(options)?;
        let stopwatch = crate::output::Stopwatch::start();
        let (stats, loans) = self.simulate_points(&pool, &self.next.points[points], observer)?;
        let mut outcomes = vec![PointOutcomes::default(); self.pairs()];
        for point in &stats {
            for (pair, s) in outcomes.chunks_mut(self.pairs_per_target()).zip(point) {
                pair[0].mean.push(s.mean);
                pair[0].se.push(Some(s.var_paths));
                pair[1].mean.push(s.n as f64);
                pair[1].se.push(Some(s.date_sd));
                if let (Some(p), Some(se)) = (pair.get_mut(2), s.rqmc_se) {
                    p.mean.push(se);
                    p.se.push(None);
                }
            }
        }
        Ok((outcomes, stopwatch.stop(pool.threads(), loans)))
    }

    /// Its wave and its unit coordinates, shortest-round-trip.
    fn row(&self, p: usize) -> Vec<String> {
        std::iter::once(self.next.wave.to_string())
            .chain(self.next.points[p].iter().map(|u| format!("{u}")))
            .collect()
    }
}

impl Study for Calibration {
    type Results = Calibrated;
    const KIND: &'static str = "calibrate";

    fn base(&self) -> &Scenario {
        self.problem.base()
    }

    /// A target's mean, variance over the paths and standard error are its weighted ones.
    fn takes_tail(&self) -> bool {
        true
    }

    fn paths(&self) -> u64 {
        self.settings.paths_per_point
    }

    /// Every wave's paths still to run, as if every wave ran: the waves may stop earlier.
    fn paths_total(&self) -> u64 {
        self.units_total() as u64 * self.settings.paths_per_point
    }

    /// The points this process ran: not those of the folder it continues.
    fn units_run(&self, results: &Calibrated) -> u64 {
        let before = self.previous.as_ref().map_or(0, |p| p.history.points.len());
        results.history.points.len().saturating_sub(before) as u64
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

    /// The waves from the first, or from those of the folder it continues, until they stop;
    /// or, given the next wave's points' statistics by the merge of its shards, the history
    /// with that wave added, stopped or not.
    fn compute_from(&self, source: ResultSource<'_>) -> Result<Calibrated, Error> {
        super::study_sampling(self)?;
        let before = self
            .previous
            .as_ref()
            .map_or_else(History::default, |p| p.history.clone());
        let (options, observer) = match source {
            ResultSource::Simulate { options, observer } => (options, observer),
            ResultSource::Points { outcomes, run } => {
                let stats = self.stats_of(&outcomes)?;
                let mut history = before;
                let settings = self.wave_settings();
                waves::record(
                    &mut history,
                    &self.targets.targets,
                    &settings,
                    self.next.clone(),
                    stats,
                );
                let dims = self.problem.params().len();
                history.stop = waves::next(dims, &settings, &history)?.err();
                return Ok(Calibrated { history, run });
            }
            ResultSource::Given { .. } | ResultSource::Drawn { .. } => {
                return Err(Error::Input(
                    "a calibration was given the results of variants; its shards are of other \
                     work"
                        .into(),
                ));
            }
        };
        let pool = Pool::new(options)?;
        let stopwatch = crate::output::Stopwatch::start();
        let settings = self.wave_settings();
        let mut loans = 0;
        let (mut paths_before, mut units_before) = (0, 0);
        let history = waves::run_from(
            before,
            self.problem.params().len(),
            &self.targets.targets,
            &settings,
            |_, units| {
                let offset = Offset {
                    inner: observer,
                    paths_before,
                    units_before,
                    paths_total: self.paths_total(),
                    units_total: self.units_total(),
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

    fn design(&self) -> Option<&dyn Design> {
        Some(self)
    }

    fn recipe(&self) -> Option<&Value> {
        Some(&self.recipe)
    }

    fn from_recipe(r: &Value) -> Result<Self, Error> {
        let base = recipe::scenario_at(r, "base")?;
        let t = &r["targets"];
        let targets = Targets::parse(
            recipe::str_at(t, "file")?,
            recipe::str_at(t, "text")?,
            &base,
        )
        .map_err(|e| Error::Input(format!("the targets the shards record: {e}")))?;
        let measure = match recipe::str_at(r, "measure")? {
            "max" => Measure::Largest,
            "second" => Measure::SecondLargest,
            _ => return Err(recipe::damaged("measure")),
        };
        let settings = CalibrationSettings {
            points: recipe::u64_at(r, "points")? as usize,
            paths_per_point: recipe::u64_at(r, "paths_per_point")?,
            waves: recipe::u64_at(r, "waves")? as usize,
            cutoff: recipe::f64_at(r, "cutoff")?,
            measure,
        };
        let c = Calibration::new(&base, targets, settings)?;
        let previous = &r["previous"];
        if previous.is_null() {
            return Ok(c);
        }
        let text = recipe::str_at(previous, "history")?.to_string();
        let why =
            |why: String| Error::Input(format!("the shards' history of the waves before: {why}"));
        let (history, next) = resume::replay(&c, &text).map_err(why)?;
        match next {
            Ok(next) => Ok(c.with_previous(Previous { history, text }, next)),
            Err(stop) => Err(why(format!("the waves stopped ({})", stop.describe()))),
        }
    }

    fn standing(&self, results: &Calibrated) -> Option<Standing> {
        let h = &results.history;
        Some(match h.stop {
            Some(stop) => Standing::Done(format!(
                "the waves have stopped after wave {}: {}",
                h.waves.len(),
                stop.describe()
            )),
            None => Standing::GoesOn(format!(
                "the waves go on: wave {} of at most {} is next",
                h.waves.len() + 1,
                self.settings.waves
            )),
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
        let _ = writeln!(out, "{}", h.stop_text());
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
