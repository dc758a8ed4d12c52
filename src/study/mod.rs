//! Sensitivity studies on common random numbers: sweeps of one or two parameters
//! ([`sweep`]), comparisons of policies ([`compare`]) and tornado charts ([`tornado`]).
//!
//! A study runs several *variants* of one scenario, each differing in a few parameters named
//! by the dotted paths of scenario keys (docs/model.md §8). Every variant runs the same paths `0..N` with
//! the same seed. Because a path's random streams depend on (seed, path index) only, and every
//! loan request draws its whole fate whether or not it is granted (README, choice 8), path `i`
//! of two variants meets the same borrowers with the same luck: the difference between the
//! variants on that path comes from the parameters, not from the draws. These are *common
//! random numbers* (see Glasserman, *Monte Carlo Methods in Financial Engineering*, 2004): the
//! paired differences `B_i − A_i` have a far smaller variance than differences of independent
//! runs, so that small policy effects are not drowned in simulation noise ([`paired`]).
//! Under `tail` sampling (docs/studies.md, "Sampling: tail") every variant also samples with
//! the one fit chosen for the study's base ([`study_fit`]), so path `i` carries the same
//! likelihood ratio in every variant with the base's cycle years, and every statistic is
//! weighted by it ([`SeMethod::Weighted`]).
//!
//! Each variant is a work unit of the one driver ([`crate::simulate`]): the variants run one
//! after another as one stream of paths cut into chunks, and each variant's outcomes are handed,
//! complete, to the study, which keeps only what it needs (summaries, or the per-path values of
//! the reference variant) before the outcomes are dropped. Results are bit-identical for any
//! thread count, and a variant's results equal a plain run of its scenario (under `tail`, a run
//! of it at the base's fit).
//!
//! Every study implements [`Study`]: it computes its results, writes its own files, draws its
//! charts, makes its report page and summarises itself as a plain-text table; [`run_study`] is
//! the one path that runs any study into its result folder. Each study's page is built in its
//! own module (`sweep/page.rs`, ...) from the HTML kit in `report.rs`, which knows no study:
//! the study modules depend on the kit and on this module, never the other way.
//!
//! A study also runs as shards ([`mod@crate::shard`]): it gives the recipe it was made from
//! ([`Study::recipe`], [`Study::from_recipe`]) and computes its results from the variants'
//! results wherever they come from ([`Study::compute_from`], [`ResultSource`]), so that a
//! merge of its shards goes through the same code as a run on one machine. A study whose work
//! is a design of points (`sobol`, `morris`, a calibration's next wave) also gives its
//! [`Design`]: its shards then cut the stream of points, each point whole, and keep per point
//! the few values the study keeps ([`problem::PointOutcomes`]), never per path.

pub mod calibrate;
pub mod compare;
pub mod morris;
pub mod nested;
pub mod paired;
pub mod params;
pub mod problem;
mod report;
pub mod sobol;
pub mod sweep;
pub mod tornado;
pub mod voi;

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::charts::ChartError;
use crate::charts::study::StudyChart;
use crate::error::{Arg, Error, Work};
use crate::metrics::Scalar;
use crate::output::{self, OutputDir, OutputError, RunInfo, Stopwatch};
use crate::resources;
use crate::results::Results;
use crate::rqmc::SeMethod;
use crate::scenario::{Sampling, Scenario};
use crate::simulate::{self, CHUNK_PATHS, Observer, Options, Pool};

/// Most variants a study may run (a sweep's grid, a tornado's settings).
pub const MAX_VARIANTS: usize = 10_000;

/// Folder of the chart files in a study's result folder.
pub const CHARTS_DIR: &str = "charts";

/// One scenario of a study.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Its name in tables and files: `followup.referral_share=0.8`, `refer_more`, ...
    pub name: String,
    /// What makes it differ from the study's base scenario, as (dotted key, value) pairs; empty
    /// for the base itself and for a scenario given as its own file.
    pub settings: Vec<(String, String)>,
    /// The validated scenario; every variant of a study has the same seed and paths.
    pub scenario: Scenario,
}

/// A sensitivity study: its variants, how it computes its results from them, and how it
/// shows them (files, charts, report, a table for a terminal). [`run_study`] runs any study into
/// its result folder; adding a study means one type implementing this trait.
pub trait Study {
    /// What the study produced.
    type Results: StudyResults;

    /// `sweep`, `compare`, `tornado`: names the default folder (`output/<name>-<kind>`) and the
    /// study in `summary.json`.
    const KIND: &'static str;

    /// The scenario the variants are made from (its name, description and `scenario.toml`).
    fn base(&self) -> &Scenario;

    /// Every variant, in the order they run. A study over a design of points lists none (a
    /// design has thousands of points; its `design.csv` has them).
    fn variants(&self) -> &[Variant] {
        &[]
    }

    /// Paths per variant, or per point of a design.
    fn paths(&self) -> u64 {
        match self.design() {
            Some(d) => d.paths_per_point(),
            None => self.base().spec().simulation.paths as u64,
        }
    }

    /// Paths of the whole study, for the progress bar and a stop's count: every variant's
    /// paths, or every point's.
    fn paths_total(&self) -> u64 {
        let units = self.design().map_or(self.variants().len(), |d| d.points());
        units as u64 * self.paths()
    }

    /// The units the study ran, variants or points: those of [`Study::paths_total`], unless
    /// the study decides as it runs how many (a calibration's waves stop when they settle).
    fn units_run(&self, _results: &Self::Results) -> u64 {
        self.paths_total() / self.paths().max(1)
    }

    /// What one unit of the study's work is called in the progress bar: `variant`, `point`.
    fn unit_name(&self) -> &'static str {
        if self.design().is_some() {
            "point"
        } else {
            "variant"
        }
    }

    /// One line saying what the study is: `small: sweep of followup.referral_share`.
    fn title(&self) -> String;

    /// What the user should know before the study runs (e.g. a file's own seed replaced).
    fn notes(&self) -> &[String] {
        &[]
    }

    /// The sizes of the study too small to mean much, with the reason and the size that would
    /// do: warnings, not refusals (a tiny study is a fine test).
    fn warnings(&self) -> Vec<SizeWarning> {
        SizeWarning::paths(self.paths()).into_iter().collect()
    }

    /// Simulate every variant (or point) and compute the results.
    fn compute(&self, options: &Options, observer: &dyn Observer) -> Result<Self::Results, Error> {
        self.compute_from(ResultSource::simulate(options, observer))
    }

    /// Compute the results from the variants' (or points') results wherever they come from:
    /// simulated now ([`Study::compute`]) or read from the shards of the study
    /// ([`mod@crate::shard`]).
    fn compute_from(&self, source: ResultSource<'_>) -> Result<Self::Results, Error>;

    /// The study as a design of points, if its work is one (`sobol`, `morris`): its shards then
    /// cut the stream of points ([`Design`]) instead of the variants' paths.
    fn design(&self) -> Option<&dyn Design> {
        None
    }

    /// With parameter uncertainty, the study's work as variants at draws ([`nested`]): its
    /// shards then cut the stream of those units' paths (unit `d·V + v`, variant `v` at draw
    /// `d`), and its merge hands their values to [`Study::compute_from`] as
    /// [`ResultSource::Drawn`].
    fn drawn(&self) -> Option<nested::DrawnWork<'_>> {
        None
    }

    /// What the study was made from (its scenarios and arguments, [`crate::shard::recipe`]),
    /// from which [`Study::from_recipe`] makes the same study again: a shard records it, and a
    /// merge rebuilds the study from it. `None`: the study cannot be run in shards.
    fn recipe(&self) -> Option<&Value> {
        None
    }

    /// The study made again from its [`Study::recipe`].
    fn from_recipe(recipe: &Value) -> Result<Self, Error>
    where
        Self: Sized,
    {
        let _ = recipe;
        Err(Error::Input(format!(
            "a `{}` study cannot be rebuilt from its shards by this microfolio",
            Self::KIND
        )))
    }

    /// Whether the study takes `tail` sampling (docs/studies.md): its statistics weighted,
    /// every variant at the base's one fit ([`study_sampling`] refuses it otherwise).
    fn takes_tail(&self) -> bool {
        false
    }

    /// Where a study that runs in steps stands after its results (a calibration run in
    /// shards, one wave at a time, continues from its result folder): `None` for a study that
    /// is done when it has run.
    fn standing(&self, _results: &Self::Results) -> Option<Standing> {
        None
    }

    /// The study's own entries of `summary.json`, beside those every study has.
    fn summary(&self, results: &Self::Results) -> Value;

    /// The study's own files (its table, ...) by their names in the result folder, where
    /// `variants/a.toml` is in a sub-folder.
    fn files(&self, results: &Self::Results) -> Vec<(String, Vec<u8>)>;

    /// The charts.
    fn draw(&self, results: &Self::Results) -> Result<Vec<StudyChart>, ChartError>;

    /// `report.html`, with the charts inline.
    fn page(&self, results: &Self::Results, charts: &[StudyChart]) -> String;

    /// The results as a plain-text table for a terminal (several lines, each ending in `\n`).
    fn summarise(&self, results: &Self::Results) -> String;
}

/// Where a study that runs in steps stands ([`Study::standing`]), in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Its work is done.
    Done(String),
    /// Its work goes on from its result folder (`--continue`).
    GoesOn(String),
}

/// The work of a study that is a design of points (Sobol', Morris), as its shards see it:
/// `points` points, each running the same paths `0..paths_per_point` and kept as a few pairs of
/// values (a mean and standard error per metric; a calibration's targets' statistics). A shard simulates a contiguous range of whole points (a point's
/// mean is summed over its paths in path order, so a point is never cut); the merge hands the
/// points' outcomes, in point order, to [`Study::compute_from`] as [`ResultSource::Points`].
pub trait Design {
    /// Points of the design.
    fn points(&self) -> usize;

    /// Paths each point runs.
    fn paths_per_point(&self) -> u64;

    /// The layout of a point's record, part of the work's fingerprint: its `metrics` name the
    /// record's pairs of values in the order of the outcomes (a Sobol' or Morris study's
    /// metrics, each a mean and standard error; [`crate::shard::format::pairs_layout`]).
    fn layout(&self) -> Value;

    /// Pairs of values in a point's record: the outcomes [`Design::simulate`] gives.
    fn pairs(&self) -> usize;

    /// Simulate points `points` (a range of `0..points()`): per pair of the record, their
    /// outcomes in point order, and how the work went.
    fn simulate(
        &self,
        points: Range<usize>,
        options: &Options,
        observer: &dyn Observer,
    ) -> Result<(Vec<problem::PointOutcomes>, RunInfo), Error>;

    /// Point `p`'s values and seed, as its row of `design.csv` has them: what a study rebuilt
    /// from its recipe must give again, point by point, for its shards to be merged.
    fn row(&self, p: usize) -> Vec<String>;
}

/// A size of a study too small to mean much: the argument, the size given, a size that would
/// do, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeWarning {
    pub arg: Arg,
    pub given: u64,
    pub enough: u64,
    pub why: String,
}

impl SizeWarning {
    /// Paths per variant below which a study of variants warns.
    pub const FEW_PATHS: u64 = 500;
    /// Paths per point of a design below which a Sobol' or Morris study warns.
    pub const FEW_PATHS_PER_POINT: u64 = 16;

    /// `given` below `least`: a warning that `enough` would do, because `why`.
    pub fn below(arg: Arg, given: u64, least: u64, enough: u64, why: &str) -> Option<SizeWarning> {
        (given < least).then(|| SizeWarning {
            arg,
            given,
            enough,
            why: why.to_string(),
        })
    }

    /// The paths per variant of a sweep, comparison or tornado.
    pub fn paths(paths: u64) -> Option<SizeWarning> {
        SizeWarning::below(
            Arg::Paths,
            paths,
            SizeWarning::FEW_PATHS,
            2000,
            "with so few paths per variant the means and quantiles rest on a handful of futures \
             and a small effect is within noise (the paired intervals in the report say how \
             precise each change is)",
        )
    }

    /// The paths per point of a design.
    pub fn paths_per_point(paths: u64) -> Option<SizeWarning> {
        SizeWarning::below(
            Arg::PathsPerPoint,
            paths,
            SizeWarning::FEW_PATHS_PER_POINT,
            64,
            "with so few paths per point much of the variance over the design is Monte Carlo \
             noise (the dummy's index measures how much)",
        )
    }
}

impl std::fmt::Display for SizeWarning {
    /// In the library's words: `2 base samples: … (256 or more would do)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}; {} or more would do",
            crate::format::count(self.given as f64),
            self.arg.noun(),
            self.why,
            crate::format::count(self.enough as f64)
        )
    }
}

/// How the standard errors of a scenario's means are made, by its `simulation.sampling`, for
/// `what` (`a calibration`, ...), which takes `plain` or `rqmc` (issue 24) but not yet `tail`:
/// that is taken only by the studies that weight every statistic ([`Study::takes_tail`],
/// through [`study_sampling`]).
pub fn sampling(scenario: &Scenario, what: &str) -> Result<SeMethod, Error> {
    match method_of(scenario) {
        SeMethod::Weighted => Err(Error::Input(format!(
            "{}: simulation.sampling = \"tail\": {what} does not take it yet (its statistics \
             would not be weighted); allowed here: \"plain\", \"rqmc\" (tail sampling is \
             taken by {TAIL_STUDIES})",
            scenario.file(),
        ))),
        method => Ok(method),
    }
}

/// The studies that take `tail` sampling, in the words of a refusal.
pub const TAIL_STUDIES: &str =
    "compare, sweep and tornado without --uncertain, sobol, morris and calibrate";

/// How the standard errors of `scenario`'s means are made, whatever its sampling.
pub(crate) fn method_of(scenario: &Scenario) -> SeMethod {
    let sim = &scenario.spec().simulation;
    match sim.sampling {
        Sampling::Plain => SeMethod::Paths,
        Sampling::Rqmc => SeMethod::Randomisations(sim.rqmc_randomisations as u64),
        Sampling::Tail => SeMethod::Weighted,
    }
}

/// The sampling of a study's paths and how its standard errors are made ([`sampling`]),
/// refused unless every variant shares it: the same method and, under rqmc, the same
/// randomisations, so that path `i` of every variant takes the same Sobol' point (common
/// random numbers; the seed and paths are checked as the variants run). Under `tail` (for a
/// study that takes it, [`Study::takes_tail`]) every variant samples with the base's one fit
/// ([`study_fit`]), so they must also share what the fit is aimed at
/// (`simulation.tail_metric`, `tail_probability`, `tail_pilot_paths`): a variant that set
/// them would not get what it asked for. Checked by every way a study is run: in one process,
/// in shards, from Python, and by the studies' own computations.
pub fn study_sampling<S: Study>(study: &S) -> Result<SeMethod, Error> {
    let base = study.base();
    let method = match method_of(base) {
        SeMethod::Weighted if !study.takes_tail() => {
            let uncertain = if study.drawn().is_some() {
                " with --uncertain"
            } else {
                ""
            };
            return Err(Error::Input(format!(
                "{}: simulation.sampling = \"tail\": a {} study{uncertain} does not take it yet \
                 (its statistics would not be weighted); allowed here: \"plain\", \"rqmc\" \
                 (tail sampling is taken by {TAIL_STUDIES})",
                base.file(),
                S::KIND
            )));
        }
        method => method,
    };
    let sampled = |s: &Scenario| {
        let sim = &s.spec().simulation;
        match method_of(s) {
            SeMethod::Randomisations(r) => {
                format!("\"{}\" with {r} randomisations", sim.sampling.name())
            }
            _ => format!("\"{}\"", sim.sampling.name()),
        }
    };
    let aim = |s: &Scenario| {
        let sim = &s.spec().simulation;
        (
            sim.tail_metric.clone(),
            sim.tail_probability,
            sim.tail_pilot_paths,
        )
    };
    for v in study.variants() {
        let theirs = method_of(&v.scenario);
        if theirs != method {
            return Err(Error::Input(format!(
                "{}: variant {} samples the credit cycle by {}, but {} by {}: every variant of \
                 a study must share simulation.sampling and simulation.rqmc_randomisations \
                 (common random numbers); set them for the whole study",
                v.scenario.file(),
                v.name,
                sampled(&v.scenario),
                base.file(),
                sampled(base)
            )));
        }
        if method == SeMethod::Weighted && aim(&v.scenario) != aim(base) {
            let (metric, probability, pilot) = aim(&v.scenario);
            let (base_metric, base_probability, base_pilot) = aim(base);
            return Err(Error::Input(format!(
                "{}: variant {} aims its tail sampling at the worst {probability} of {metric} \
                 with a pilot of {pilot} paths, but {} at the worst {base_probability} of \
                 {base_metric} with {base_pilot}: every variant of a study samples with the one \
                 density fitted for the base, so they must share simulation.tail_metric, \
                 simulation.tail_probability and simulation.tail_pilot_paths; set them for the \
                 whole study",
                v.scenario.file(),
                v.name,
                base.file()
            )));
        }
    }
    Ok(method)
}

/// The one fit every variant of a `tail` study samples with: the base's ([`crate::tail::choose`],
/// memoised per process by the scenario's content, so that every shard and the merge find the
/// same), never one per variant — path `i` then draws the same innovations and the same
/// "plain or fitted" in every variant, and carries the same weight in every variant with the
/// base's cycle years (common random numbers). `None` unless the base samples by `tail`.
pub fn study_fit(
    base: &Scenario,
    pool: &Pool,
    observer: &dyn Observer,
) -> Result<Option<std::sync::Arc<crate::tail::TailChoice>>, Error> {
    crate::tail::choice_if_tail(base, pool, observer)
}

/// What every study's results carry: how the study ran.
pub trait StudyResults {
    fn run(&self) -> &RunInfo;

    /// Under `tail` sampling, Kish's effective sample size of the base's paths' weights
    /// ([`crate::tail::estimate::effective_sample_size`]; every variant with the base's
    /// cycle years has the same weights); `None` under any other sampling.
    fn effective_sample_size(&self) -> Option<f64> {
        None
    }
}

/// Simulate `study` and write its result folder at `destination`: the study's own files, its
/// charts, `report.html`, `summary.json` and the base `scenario.toml`. The folder is checked
/// before any work, written aside and moved into place when complete.
pub fn run_study<S: Study>(
    study: &S,
    destination: &Path,
    options: &Options,
    observer: &dyn Observer,
) -> Result<Done<S::Results>, Error> {
    options.check()?;
    study_sampling(study)?;
    let folder = OutputDir::create(destination, S::KIND)?;
    let results = study.compute(options, observer)?;
    write_folder(study, folder, results, observer)
}

/// Write a study's result folder from its results and move it into place: the end of
/// [`run_study`], and of a merge of the study's shards, which so writes the same files.
pub(crate) fn write_folder<S: Study>(
    study: &S,
    folder: OutputDir,
    results: S::Results,
    observer: &dyn Observer,
) -> Result<Done<S::Results>, Error> {
    let charts = study.draw(&results)?;
    let method = study_sampling(study)?;
    // Under tail: the fit, found again where the paths were simulated elsewhere (a merge of
    // shards: the same, a function of the base), and the paths' effective sample size.
    let tail = match output::Method::of(study.base())? {
        output::Method::Tail(choice) => Some((choice, results.effective_sample_size())),
        _ => None,
    };
    let summary = summary_json(
        S::KIND,
        study.base(),
        study.variants(),
        results.run(),
        (method, study.drawn().is_some(), tail),
        study.summary(&results),
    );
    for (name, contents) in study.files(&results) {
        write_file(&folder, &name, &contents)?;
    }
    let html = study.page(&results, &charts);
    write_common(&folder, &summary, study.base(), &charts, &html)?;
    // A stop asked for while the files were written keeps the earlier result too.
    let folder = simulate::commit_unless_stopped(folder, observer, study.paths_total())?;
    Ok(Done { folder, results })
}

/// The scalar outcomes a study shows when none are asked for: outreach, follow-up financing,
/// credit losses, capital and what the state pays.
pub const KEY_METRICS: [Scalar; 10] = [
    Scalar::EntrepreneursFinanced,
    Scalar::FollowupLoans,
    Scalar::Graduations,
    Scalar::LoansRationed,
    Scalar::Defaults,
    Scalar::NetLoss,
    Scalar::FinalCapital,
    Scalar::CostToState,
    Scalar::Oss,
    Scalar::JobsSupported,
];

/// Metrics named in a comma-separated list (`net_loss,cost_to_state`), or `all`.
pub fn parse_metrics(list: &str) -> Result<Vec<Scalar>, Error> {
    if list.trim() == "all" {
        return Ok(Scalar::ALL.to_vec());
    }
    let mut out = Vec::new();
    for name in list.split(',').map(str::trim) {
        if name.is_empty() {
            return Err(Error::argument(
                Arg::Metrics,
                list,
                "a metric name is empty; give names such as net_loss,cost_to_state or `all`",
            ));
        }
        let m = Scalar::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Scalar::ALL.iter().map(|m| m.name()).collect();
            Error::argument(
                Arg::Metrics,
                list,
                format!(
                    "unknown metric `{name}` (metrics: {}, or all)",
                    names.join(", ")
                ),
            )
        })?;
        if !out.contains(&m) {
            out.push(m);
        }
    }
    Ok(out)
}

/// The statistics of one metric in one variant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricStats {
    /// Paths on which the metric is defined.
    pub n: usize,
    pub mean: f64,
    /// Standard error of the mean; `None` for a single path.
    pub se: Option<f64>,
    pub p05: f64,
    pub p50: f64,
    pub p95: f64,
}

impl MetricStats {
    /// The statistics of `m` over the paths of `results` where it is defined.
    pub fn of(results: &Results, m: Scalar) -> Option<MetricStats> {
        results.summary(m).map(MetricStats::from)
    }

    /// [`MetricStats::of`] with the standard error of the mean made by `method`: under rqmc
    /// the randomisations' ([`crate::rqmc::randomisation_se`]), the quantiles over every path;
    /// under tail every statistic weighted by the paths' weights ([`crate::tail::estimate`]).
    pub fn sampled(results: &Results, m: Scalar, method: SeMethod) -> Option<MetricStats> {
        if method == SeMethod::Weighted {
            let column: Vec<f64> = results.scalar(m).map(|v| v.unwrap_or(f64::NAN)).collect();
            return crate::tail::estimate::summary(&column, results.weights())
                .map(MetricStats::from);
        }
        let mut stats = MetricStats::of(results, m)?;
        if let SeMethod::Randomisations(_) = method {
            let column: Vec<f64> = results.scalar(m).map(|v| v.unwrap_or(f64::NAN)).collect();
            stats.se = method.se(&column, results.first_path()).map(|(se, _)| se);
        }
        Some(stats)
    }

    /// The 95% confidence interval of the mean (normal; a sweep runs hundreds of paths).
    pub fn ci95(&self) -> Option<(f64, f64)> {
        self.se
            .map(|se| (self.mean - 1.96 * se, self.mean + 1.96 * se))
    }
}

impl From<crate::stats::Summary> for MetricStats {
    fn from(s: crate::stats::Summary) -> MetricStats {
        MetricStats {
            n: s.n,
            mean: s.mean,
            se: s.se,
            p05: s.quantile("p05").unwrap_or(s.mean),
            p50: s.quantile("p50").unwrap_or(s.mean),
            p95: s.quantile("p95").unwrap_or(s.mean),
        }
    }
}

/// The memory a study needs at most: the largest single run of a variant (its kept outcomes,
/// workspaces and chunk in flight), a chunk of the next variant's outcomes in flight beside it,
/// and what the study keeps (`kept_bytes`).
pub fn estimated_memory(variants: &[Variant], threads: usize, kept_bytes: u64) -> u64 {
    let run = variants
        .iter()
        .map(|v| resources::estimated_memory(&v.scenario, threads))
        .max()
        .unwrap_or(0);
    let per_path = variants
        .iter()
        .map(|v| {
            let shape = crate::model::shape(v.scenario.spec());
            resources::bytes_per_path(shape.rows, shape.segments)
        })
        .max()
        .unwrap_or(0);
    run.saturating_add(CHUNK_PATHS * per_path)
        .saturating_add(kept_bytes)
}

/// Where the results of a study's variants come from.
pub enum ResultSource<'a> {
    /// Simulated now, on a pool of these options.
    Simulate {
        options: &'a Options,
        observer: &'a dyn Observer,
    },
    /// Given complete, variant by variant in variant order (read from the shards of the study),
    /// with how the work went.
    Given {
        results: &'a mut dyn FnMut(usize) -> Result<Results, Error>,
        run: RunInfo,
    },
    /// The outcomes of every point of a [`Design`], per metric in point order (read from the
    /// shards of the study), with how the work went.
    Points {
        outcomes: Vec<problem::PointOutcomes>,
        run: RunInfo,
    },
    /// Every variant's values at every draw of a study with parameter uncertainty
    /// ([`Study::drawn`], read from the shards of the study), with how the work went.
    Drawn { draws: nested::Draws, run: RunInfo },
}

impl<'a> ResultSource<'a> {
    /// Simulate now.
    pub fn simulate(options: &'a Options, observer: &'a dyn Observer) -> ResultSource<'a> {
        ResultSource::Simulate { options, observer }
    }
}

/// Simulate every variant on the same paths and hand each one's complete outcomes to `keep`,
/// in variant order; return what `keep` made of them. `kept_bytes` is what the caller keeps
/// across variants, for the memory check. Under `tail` sampling every variant samples with the
/// first variant's fit.
pub fn run_variants<T>(
    variants: &[Variant],
    options: &Options,
    kept_bytes: u64,
    observer: &dyn Observer,
    keep: impl FnMut(usize, &Results) -> T,
) -> Result<(Vec<T>, RunInfo), Error> {
    let Some(first) = variants.first() else {
        return Err(Error::Input("a study needs at least one variant".into()));
    };
    run_variants_from(
        variants,
        &first.scenario,
        ResultSource::simulate(options, observer),
        kept_bytes,
        keep,
    )
}

/// [`run_variants`] from any [`ResultSource`]: given results are handed to `keep` as they
/// come, exactly as simulated ones would be. Simulated under `tail` sampling, every variant
/// samples with the fit of the study's `base` ([`study_fit`]).
pub fn run_variants_from<T>(
    variants: &[Variant],
    base: &Scenario,
    source: ResultSource<'_>,
    kept_bytes: u64,
    mut keep: impl FnMut(usize, &Results) -> T,
) -> Result<(Vec<T>, RunInfo), Error> {
    let (options, observer) = match source {
        ResultSource::Simulate { options, observer } => (options, observer),
        ResultSource::Given { results, mut run } => {
            let mut kept = Vec::with_capacity(variants.len());
            run.loans_simulated = 0;
            for i in 0..variants.len() {
                let r = results(i)?;
                run.loans_simulated += r.loans_simulated();
                kept.push(keep(i, &r));
            }
            return Ok((kept, run));
        }
        ResultSource::Points { .. } | ResultSource::Drawn { .. } => {
            return Err(Error::Input(
                "a study of variants was given a design's point outcomes or the values of \
                 draws; its shards are of other work"
                    .into(),
            ));
        }
    };
    let Some(first) = variants.first() else {
        return Err(Error::Input("a study needs at least one variant".into()));
    };
    let sim = &first.scenario.spec().simulation;
    if let Some(v) = variants.iter().find(|v| {
        let s = &v.scenario.spec().simulation;
        s.seed != sim.seed || s.paths != sim.paths
    }) {
        return Err(Error::Input(format!(
            "variant {} has seed {} and {} paths, but {} has seed {} and {} paths: every variant must \
             run the same paths (common random numbers)",
            v.name,
            v.scenario.spec().simulation.seed,
            v.scenario.spec().simulation.paths,
            first.name,
            sim.seed,
            sim.paths
        )));
    }
    let paths = sim.paths as u64;
    let pool = Pool::new(options)?;
    let threads = pool.threads();
    pool.check_memory(
        Work::Study {
            variants: variants.len(),
            paths,
        },
        estimated_memory(variants, threads, kept_bytes),
    )?;
    let stopwatch = Stopwatch::start();
    let fit = study_fit(base, &pool, observer)?;
    let scenarios: Vec<&Scenario> = variants.iter().map(|v| &v.scenario).collect();
    let mut kept = Vec::with_capacity(variants.len());
    let mut loans_simulated = 0;
    let fit = fit.as_deref();
    pool.simulate_scenarios(&scenarios, fit, 0..paths, observer, |i, results| {
        loans_simulated += results.loans_simulated();
        kept.push(keep(i, &results));
        Ok(())
    })?;
    Ok((kept, stopwatch.stop(threads, loans_simulated)))
}

/// A `tail` study's fit and the effective sample size of its base's paths, for `summary.json`.
type TailEntry = (std::sync::Arc<crate::tail::TailChoice>, Option<f64>);

/// What is common to every study's `summary.json`: the study, its base scenario, the run.
fn summary_json(
    kind: &str,
    base: &Scenario,
    variants: &[Variant],
    run: &RunInfo,
    (method, drawn, tail): (SeMethod, bool, Option<TailEntry>),
    extra: Value,
) -> Value {
    let spec = base.spec();
    let (crn, paired_se) = match method {
        SeMethod::Paths => (
            "every variant runs paths 0..paths with the same seed",
            "sd / sqrt(n) of the per-path differences B - A",
        ),
        SeMethod::Randomisations(_) => (
            "every variant runs paths 0..paths with the same seed and the same Sobol' points \
             (path i takes point floor(i / R) of randomisation i mod R)",
            "the randomisations' own means of the per-path differences B - A: their sample \
             standard deviation divided by sqrt(R), the interval with Student's t at R - 1 \
             degrees of freedom",
        ),
        SeMethod::Weighted => (
            "every variant runs paths 0..paths with the same seed and the one sampling density \
             of the credit cycle fitted for the base scenario (tail sampling), so that path i \
             draws the same innovations in every variant and carries the same weight in every \
             variant with the base's cycle years",
            "the regression estimator of the per-path differences B - A with the paths' common \
             weights as control variate, its se the residuals' sd / sqrt(n), the interval \
             normal (a variant whose weights differ from the reference's, with fewer cycle \
             years: the difference of the two weighted means, its se sqrt(se(A)^2 + se(B)^2))",
        ),
    };
    let mut sampling = match tail {
        Some((choice, ess)) => json!({
            "method": "tail",
            "se": output::TAIL_SE_NOTE,
            "effective_sample_size": ess,
            "tail": choice.json(),
        }),
        None => output::sampling_json(method.randomisations()),
    };
    sampling["paired_se"] = json!(paired_se);
    if drawn {
        // Nested in draws of the uncertain parameters: the draws are the independent units.
        let over_draws = "over the draws: the sample standard deviation of the K draws' own \
            means divided by sqrt(K), the draws being the independent units (docs/studies.md)";
        sampling["se"] = json!(over_draws);
        sampling["paired_se"] = json!(over_draws);
    }
    let mut v = json!({
        "study": kind,
        "scenario": base.name(),
        "file": base.file(),
        "extends": output::lineage_json(base.lineage()),
        "description": spec.meta.description,
        "paths": spec.simulation.paths,
        "seed": spec.simulation.seed,
        "horizon_years": spec.simulation.horizon_years,
        "start_year": spec.meta.start_year,
        "overrides": base.overridden_keys(),
        "common_random_numbers": crn,
        "sampling": sampling,
        "engine": output::engine_versions(),
        "threads": run.threads,
        "started_utc": output::iso_utc(run.started),
        "wall_time_seconds": run.wall_seconds,
        "loans_simulated": run.loans_simulated,
        "loans_per_second": run.loans_per_second(),
        // As a run's summary has it, so that a study's throughput compares with a run's.
        "loans_per_second_per_core": run.loans_per_second() / run.threads.max(1) as f64,
        "variants": variants.iter().map(|v| json!({
            "name": v.name,
            "settings": v.settings.iter().map(|(k, x)| json!({"key": k, "value": x})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    if let (Some(map), Value::Object(more)) = (v.as_object_mut(), extra) {
        map.extend(more);
    }
    v
}

/// Write the files every study folder has: `summary.json`, the base `scenario.toml` (which
/// also lets a later study replace this folder), the charts and `report.html`.
fn write_common(
    folder: &OutputDir,
    summary: &Value,
    base: &Scenario,
    charts: &[StudyChart],
    html: &str,
) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(summary).expect("JSON values always serialise");
    folder.write(output::SUMMARY_JSON, text.as_bytes())?;
    folder.write(
        output::SCENARIO_TOML,
        output::scenario_toml(base).as_bytes(),
    )?;
    for c in charts {
        write_file(
            folder,
            &format!("{CHARTS_DIR}/{}.svg", c.file),
            c.svg.as_bytes(),
        )?;
        write_file(folder, &format!("{CHARTS_DIR}/{}.png", c.file), &c.png)?;
    }
    folder.write(crate::report::REPORT_HTML, html.as_bytes())?;
    Ok(())
}

/// Write a file of the folder, making its sub-folder first (`charts/a.svg`).
fn write_file(folder: &OutputDir, name: &str, contents: &[u8]) -> Result<(), Error> {
    if let Some((dir, _)) = name.rsplit_once('/') {
        let dir = folder.file(dir);
        std::fs::create_dir_all(&dir).map_err(|error| OutputError::Io {
            path: dir.clone(),
            error,
        })?;
    }
    Ok(folder.write(name, contents)?)
}

/// The default result folder of a study of `scenario`: `output/<meta.name>-<kind>`.
pub fn default_folder(scenario: &Scenario, kind: &str) -> PathBuf {
    Path::new("output").join(format!("{}-{kind}", scenario.name()))
}

/// The kind of study (`sweep`, `compare`, ...) whose result folder `folder` is, as its
/// `summary.json` says; `None` for the folder of a run, or one whose summary cannot be read.
pub fn kind_of_folder(folder: &Path) -> Option<String> {
    output::summary_text_field(folder, "study")
}

/// A finished study: where its result folder now is, and its results.
#[derive(Debug)]
pub struct Done<R> {
    pub folder: PathBuf,
    pub results: R,
}

/// `1 path`, `2,000 paths`.
pub fn paths_text(n: u64) -> String {
    if n == 1 {
        "1 path".to_string()
    } else {
        format!("{} paths", crate::format::count(n as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_lists_are_parsed() {
        let m = parse_metrics("net_loss, cost_to_state,net_loss").unwrap();
        assert_eq!(m, vec![Scalar::NetLoss, Scalar::CostToState]);
        assert_eq!(parse_metrics("all").unwrap().len(), Scalar::COUNT);
        let e = parse_metrics("net_los").unwrap_err().to_string();
        assert!(e.contains("unknown metric `net_los`"), "{e}");
        assert!(parse_metrics("a,,b").is_err());
    }
}
