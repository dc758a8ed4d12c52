//! Sensitivity studies on common random numbers: sweeps of one or two parameters
//! ([`sweep`]), comparisons of policies ([`compare`]) and tornado charts ([`tornado`]).
//!
//! A study runs several *variants* of one scenario, each differing in a few parameters named
//! by the dotted paths of `--set` (MODEL.md §8). Every variant runs the same paths `0..N` with
//! the same seed. Because a path's random streams depend on (seed, path index) only, and every
//! loan request draws its whole fate whether or not it is granted (README, choice 8), path `i`
//! of two variants meets the same borrowers with the same luck: the difference between the
//! variants on that path comes from the parameters, not from the draws. These are *common
//! random numbers* (see Glasserman, *Monte Carlo Methods in Financial Engineering*, 2004): the
//! paired differences `B_i − A_i` have a far smaller variance than differences of independent
//! runs, so that small policy effects are not drowned in simulation noise ([`paired`]).
//!
//! The variants run one after another as one stream of paths cut into chunks: a chunk may hold
//! the last paths of one variant and the first of the next, and rayon spreads its blocks over
//! the threads. Each variant's outcomes are collected in path order and handed, complete, to
//! the study, which keeps only what it needs (summaries, or the per-path values of the
//! reference variant) before the outcomes are dropped. Results are bit-identical for any
//! thread count, and a variant's results equal a plain run of its scenario.

pub mod compare;
pub mod paired;
pub mod params;
mod report;
pub mod sweep;
pub mod tornado;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use rayon::prelude::*;
use serde_json::{Value, json};

use crate::charts::ChartError;
use crate::charts::study::StudyChart;
use crate::engine::{PathOutcome, Workspace};
use crate::metrics::Scalar;
use crate::model::Model;
use crate::output::{self, OutputDir, OutputError};
use crate::resources;
use crate::run::{BLOCK_PATHS, CHUNK_PATHS, Results};
use crate::scenario::{Scenario, ScenarioError};

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

/// How far a study has come, reported between chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Paths finished, over all variants.
    pub paths_done: u64,
    /// Paths of the whole study: variants × paths.
    pub paths_total: u64,
    /// Variants whose every path is finished.
    pub variants_done: usize,
    pub variants_total: usize,
}

/// Hooks for a front end, called from the driving thread between chunks of paths.
pub trait StudyObserver {
    fn progress(&self, _progress: Progress) {}
    /// Return true to stop after the current chunk (e.g. on Ctrl-C).
    fn should_stop(&self) -> bool {
        false
    }
}

/// An observer that does nothing.
pub struct Quiet;
impl StudyObserver for Quiet {}

/// How to run a study.
#[derive(Debug, Clone, Default)]
pub struct StudyOptions {
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Refuse a study whose estimated memory exceeds this many bytes; `None` uses the memory
    /// the system reports available (no check where it cannot tell).
    pub memory_budget: Option<u64>,
}

/// Why a study could not be made or did not complete.
#[derive(Debug)]
pub enum StudyError {
    /// A parameter, variant, metric or option that cannot be used; the message names it.
    Input(String),
    /// A scenario that cannot be used.
    Scenario(ScenarioError),
    /// The output folder cannot be used or written.
    Output(OutputError),
    /// The observer asked to stop; nothing was written.
    Interrupted { paths_done: u64, paths_total: u64 },
    /// The thread pool could not be built.
    Threads(String),
    /// The study would need more memory than the machine has; nothing was started.
    TooLarge {
        variants: usize,
        paths: u64,
        needed: u64,
        available: u64,
    },
    /// A chart could not be drawn; nothing was written.
    Chart(ChartError),
}

impl StudyError {
    /// Whether the error is the user's input (exit code 2) rather than a failure while running.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            StudyError::Input(_)
                | StudyError::Scenario(_)
                | StudyError::Output(OutputError::Refused { .. })
                | StudyError::TooLarge { .. }
        )
    }
}

impl std::fmt::Display for StudyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StudyError::Input(m) => write!(f, "{m}"),
            StudyError::Scenario(e) => write!(f, "{e}"),
            StudyError::Output(e) => write!(f, "{e}"),
            StudyError::Interrupted {
                paths_done,
                paths_total,
            } => write!(
                f,
                "interrupted after {paths_done} of {paths_total} paths; no result was written"
            ),
            StudyError::Threads(e) => write!(f, "cannot start worker threads: {e}"),
            StudyError::TooLarge {
                variants,
                paths,
                needed,
                available,
            } => write!(
                f,
                "{variants} variants × {paths} paths: the study would need about {} of memory, more \
                 than the {} available; run fewer paths (--paths)",
                resources::bytes(*needed),
                resources::bytes(*available)
            ),
            StudyError::Chart(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StudyError {}

impl From<OutputError> for StudyError {
    fn from(e: OutputError) -> Self {
        StudyError::Output(e)
    }
}

impl From<ScenarioError> for StudyError {
    fn from(e: ScenarioError) -> Self {
        StudyError::Scenario(e)
    }
}

impl From<ChartError> for StudyError {
    fn from(e: ChartError) -> Self {
        StudyError::Chart(e)
    }
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
pub fn parse_metrics(list: &str, flag: &str) -> Result<Vec<Scalar>, StudyError> {
    if list.trim() == "all" {
        return Ok(Scalar::ALL.to_vec());
    }
    let mut out = Vec::new();
    for name in list.split(',').map(str::trim) {
        if name.is_empty() {
            return Err(StudyError::Input(format!(
                "{flag} {list}: a metric name is empty; give names such as net_loss,cost_to_state or `all`"
            )));
        }
        let m = Scalar::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Scalar::ALL.iter().map(|m| m.name()).collect();
            StudyError::Input(format!(
                "{flag} {list}: unknown metric `{name}` (metrics: {}, or all)",
                names.join(", ")
            ))
        })?;
        if !out.contains(&m) {
            out.push(m);
        }
    }
    Ok(out)
}

/// Facts about how a study ran, recorded in `summary.json` and the report.
#[derive(Debug, Clone)]
pub struct StudyRun {
    pub threads: usize,
    pub wall_seconds: f64,
    pub started: SystemTime,
    /// Initial-book loans plus loans granted, over all variants and paths.
    pub loans_simulated: u64,
}

/// The thread pool of a study.
fn pool(options: &StudyOptions) -> Result<rayon::ThreadPool, StudyError> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = options.threads {
        builder = builder.num_threads(n);
    }
    builder
        .build()
        .map_err(|e| StudyError::Threads(e.to_string()))
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
    let years = variants
        .iter()
        .map(|v| v.scenario.spec().simulation.horizon_years as usize)
        .max()
        .unwrap_or(1);
    run.saturating_add(CHUNK_PATHS * resources::bytes_per_path(years))
        .saturating_add(kept_bytes)
}

/// Simulate every variant on the same paths and hand each one's complete outcomes to `keep`,
/// in variant order; return what `keep` made of them. `kept_bytes` is what the caller keeps
/// across variants, for the memory check.
pub fn run_variants<T>(
    variants: &[Variant],
    options: &StudyOptions,
    kept_bytes: u64,
    observer: &dyn StudyObserver,
    keep: impl FnMut(usize, &Results) -> T,
) -> Result<(Vec<T>, StudyRun), StudyError> {
    let Some(first) = variants.first() else {
        return Err(StudyError::Input(
            "a study needs at least one variant".into(),
        ));
    };
    let sim = &first.scenario.spec().simulation;
    if let Some(v) = variants.iter().find(|v| {
        let s = &v.scenario.spec().simulation;
        s.seed != sim.seed || s.paths != sim.paths
    }) {
        return Err(StudyError::Input(format!(
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
    let pool = pool(options)?;
    let threads = pool.current_num_threads();
    let needed = estimated_memory(variants, threads, kept_bytes);
    if let Some(available) = options.memory_budget.or_else(resources::available_memory)
        && needed > available
    {
        return Err(StudyError::TooLarge {
            variants: variants.len(),
            paths: sim.paths as u64,
            needed,
            available,
        });
    }
    let started = SystemTime::now();
    let clock = Instant::now();
    let (kept, loans_simulated) = drive(&pool, variants, observer, keep)?;
    Ok((
        kept,
        StudyRun {
            threads,
            wall_seconds: clock.elapsed().as_secs_f64(),
            started,
            loans_simulated,
        },
    ))
}

/// A variant whose paths are being simulated.
struct InFlight {
    index: usize,
    model: Model,
    results: Results,
}

/// The stream of (variant, path) cut into chunks of [`CHUNK_PATHS`] paths, each chunk's blocks
/// of at most [`BLOCK_PATHS`] consecutive paths of one variant run on the current pool.
fn drive<T>(
    pool: &rayon::ThreadPool,
    variants: &[Variant],
    observer: &dyn StudyObserver,
    mut keep: impl FnMut(usize, &Results) -> T,
) -> Result<(Vec<T>, u64), StudyError> {
    let paths = variants[0].scenario.spec().simulation.paths as u64;
    let total = paths * variants.len() as u64;
    let mut flight: VecDeque<InFlight> = VecDeque::new();
    let mut kept = Vec::with_capacity(variants.len());
    let (mut next_variant, mut next_path) = (0usize, 0u64);
    let (mut done, mut loans) = (0u64, 0u64);
    while kept.len() < variants.len() {
        if observer.should_stop() {
            return Err(StudyError::Interrupted {
                paths_done: done,
                paths_total: total,
            });
        }
        // The next chunk: (slot in `flight`, first path, end).
        let mut blocks: Vec<(usize, u64, u64)> = Vec::new();
        let mut budget = CHUNK_PATHS;
        while budget > 0 && next_variant < variants.len() {
            if flight.back().is_none_or(|f| f.index != next_variant) {
                let model = Model::new(&variants[next_variant].scenario);
                flight.push_back(InFlight {
                    index: next_variant,
                    results: Results::empty(0, model.years),
                    model,
                });
            }
            let slot = flight.len() - 1;
            let end = (next_path + budget).min(paths);
            let mut start = next_path;
            while start < end {
                let stop = (start + BLOCK_PATHS).min(end);
                blocks.push((slot, start, stop));
                start = stop;
            }
            budget -= end - next_path;
            next_path = end;
            if next_path == paths {
                next_variant += 1;
                next_path = 0;
            }
        }
        let in_flight = &flight;
        let outcomes: Vec<Vec<PathOutcome>> = pool.install(|| {
            blocks
                .par_iter()
                .map(|&(slot, start, stop)| {
                    // One workspace per block, used by one thread from start to end, as in
                    // `run::simulate`.
                    let mut ws = Workspace::new(&in_flight[slot].model);
                    (start..stop).map(|i| ws.simulate(i)).collect()
                })
                .collect()
        });
        for (&(slot, start, stop), chunk) in blocks.iter().zip(&outcomes) {
            flight[slot].results.push(chunk);
            done += stop - start;
        }
        while flight.front().is_some_and(|f| f.results.paths() == paths) {
            if let Some(f) = flight.pop_front() {
                loans += f.results.loans_simulated();
                kept.push(keep(f.index, &f.results));
            }
        }
        observer.progress(Progress {
            paths_done: done,
            paths_total: total,
            variants_done: kept.len(),
            variants_total: variants.len(),
        });
    }
    Ok((kept, loans))
}

/// What is common to every study's `summary.json`: the study, its base scenario, the run.
fn summary_json(
    kind: &str,
    base: &Scenario,
    variants: &[Variant],
    run: &StudyRun,
    extra: Value,
) -> Value {
    let spec = base.spec();
    let loans_per_second = run.loans_simulated as f64 / run.wall_seconds.max(1e-9);
    let mut v = json!({
        "study": kind,
        "scenario": base.name(),
        "description": spec.meta.description,
        "paths": spec.simulation.paths,
        "seed": spec.simulation.seed,
        "horizon_years": spec.simulation.horizon_years,
        "start_year": spec.meta.start_year,
        "overrides": base.overridden_keys(),
        "common_random_numbers": "every variant runs paths 0..paths with the same seed",
        "engine": output::engine_versions(),
        "threads": run.threads,
        "started_utc": output::iso_utc(run.started),
        "wall_time_seconds": run.wall_seconds,
        "loans_simulated": run.loans_simulated,
        "loans_per_second": loans_per_second,
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
) -> Result<(), StudyError> {
    let text = serde_json::to_string_pretty(summary).expect("JSON values always serialise");
    folder.write(output::SUMMARY_JSON, text.as_bytes())?;
    folder.write(
        output::SCENARIO_TOML,
        output::scenario_toml(base).as_bytes(),
    )?;
    let dir = folder.file(CHARTS_DIR);
    std::fs::create_dir_all(&dir).map_err(|error| OutputError::Io {
        path: dir.clone(),
        error,
    })?;
    for c in charts {
        folder.write(&format!("{CHARTS_DIR}/{}.svg", c.file), c.svg.as_bytes())?;
        folder.write(&format!("{CHARTS_DIR}/{}.png", c.file), &c.png)?;
    }
    folder.write(crate::report::REPORT_HTML, html.as_bytes())?;
    Ok(())
}

/// The default result folder of a study of `scenario`: `output/<meta.name>-<kind>`.
pub fn default_folder(scenario: &Scenario, kind: &str) -> PathBuf {
    Path::new("output").join(format!("{}-{kind}", scenario.name()))
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

/// A number as written in CSV files: full precision, empty when undefined.
fn cell(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => String::new(),
    }
}

/// A text cell of a CSV file, quoted when it must be.
fn text_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_lists_are_parsed() {
        let m = parse_metrics("net_loss, cost_to_state,net_loss", "--metrics").unwrap();
        assert_eq!(m, vec![Scalar::NetLoss, Scalar::CostToState]);
        assert_eq!(
            parse_metrics("all", "--metrics").unwrap().len(),
            Scalar::COUNT
        );
        let e = parse_metrics("net_los", "--metrics")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown metric `net_los`"), "{e}");
        assert!(parse_metrics("a,,b", "--metrics").is_err());
    }

    #[test]
    fn csv_cells() {
        assert_eq!(cell(Some(0.5)), "0.5");
        assert_eq!(cell(None), "");
        assert_eq!(cell(Some(f64::NAN)), "");
        assert_eq!(text_cell("a, b"), "\"a, b\"");
        assert_eq!(text_cell("plain"), "plain");
    }
}
