//! A whole run into its result folder: simulate every path of a scenario as one work unit
//! ([`crate::simulate`]), stream `paths.csv`, write the other files, and move the folder into
//! place, with the charts and the report drawn from those files. Front ends pass an
//! [`Observer`] for progress and cancellation.

use std::path::{Path, PathBuf};

use crate::error::{Error, Work};
use crate::model::Model;
use crate::output::{self, OutputDir, OutputError, PathsCsv, RunInfo, Stopwatch};
use crate::report;
use crate::resources;
use crate::results::Results;
use crate::scenario::Scenario;
use crate::simulate::{Observer, Options, Pool, WorkUnit};

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Worker threads (at least 1); `None` uses every core.
    pub threads: Option<usize>,
    /// Write `paths.csv` (one row per path). Off for huge runs.
    pub paths_csv: bool,
    /// Refuse a run whose estimated memory exceeds this many bytes; `None` uses the memory the
    /// system reports available (no check where it cannot tell).
    pub memory_budget: Option<u64>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            threads: None,
            paths_csv: true,
            memory_budget: None,
        }
    }
}

impl RunOptions {
    /// The threads and memory budget, as the driver takes them.
    pub fn options(&self) -> Options {
        Options {
            threads: self.threads,
            memory_budget: self.memory_budget,
        }
    }
}

/// A finished run.
#[derive(Debug)]
pub struct Completed {
    pub results: Results,
    pub info: RunInfo,
    /// Where the result folder now is.
    pub folder: PathBuf,
    /// What the report wants the user to know (e.g. charts skipped without `paths.csv`).
    pub notes: Vec<String>,
}

/// The default result folder of a scenario: `output/<meta.name>`.
pub fn default_folder(scenario: &Scenario) -> PathBuf {
    Path::new("output").join(scenario.name())
}

/// Simulate every path of `scenario` on `pool` as one work unit, streaming `paths.csv` to
/// `paths_csv` when given: a run without its result folder (what `run` writes the folder from,
/// and what a notebook keeps in memory). The memory check is the caller's.
pub fn simulate_run(
    scenario: &Scenario,
    pool: &Pool,
    observer: &dyn Observer,
    paths_csv: Option<&Path>,
) -> Result<(Results, RunInfo), Error> {
    let model = Model::new(scenario);
    let paths = scenario.spec().simulation.paths as u64;
    let stopwatch = Stopwatch::start();
    let io_error = |path: &Path, error| {
        Error::Output(OutputError::Io {
            path: path.to_path_buf(),
            error,
        })
    };
    let mut csv = match paths_csv {
        Some(p) => Some(PathsCsv::create(p).map_err(|e| io_error(p, e))?),
        None => None,
    };
    let mut kept: Option<Results> = None;
    pool.simulate(
        &[WorkUnit::new(&model, 0..paths)],
        observer,
        |_, chunk| match (csv.as_mut(), paths_csv) {
            (Some(w), Some(p)) => w.write(chunk).map_err(|e| io_error(p, e)),
            _ => Ok(()),
        },
        |_, r| {
            kept = Some(r);
            Ok(())
        },
    )?;
    let results = kept.unwrap_or_else(|| Results::empty(0, model.years));
    if let (Some(w), Some(p)) = (csv, paths_csv) {
        w.finish().map_err(|e| io_error(p, e))?;
    }
    let info = stopwatch.stop(pool.threads(), results.loans_simulated());
    Ok((results, info))
}

/// Simulate `scenario` and write its result folder at `destination`.
pub fn run(
    scenario: &Scenario,
    destination: &Path,
    options: &RunOptions,
    observer: &dyn Observer,
) -> Result<Completed, Error> {
    let pool = Pool::new(&options.options())?;
    let threads = pool.threads();
    let paths = scenario.spec().simulation.paths as u64;
    pool.check_memory(
        Work::Run { paths },
        resources::estimated_memory(scenario, threads),
    )?;
    let folder = OutputDir::create(destination, output::RUN)?;
    let csv_path = folder.file(output::PATHS_CSV);
    let (results, info) = simulate_run(
        scenario,
        &pool,
        observer,
        options.paths_csv.then_some(csv_path.as_path()),
    )?;
    write_folder(folder, scenario, results, info, observer)
}

/// Write the files of a run's result folder beside its `paths.csv` (already in `folder`, or
/// left out), draw its charts and report, and move it into place: the end of [`run`], and of a
/// merge of shards, which so writes the same files.
pub(crate) fn write_folder(
    folder: OutputDir,
    scenario: &Scenario,
    results: Results,
    info: RunInfo,
    observer: &dyn Observer,
) -> Result<Completed, Error> {
    let summary = output::summary_json(scenario, &results, &info);
    let summary = serde_json::to_string_pretty(&summary).expect("JSON values always serialise");
    folder.write(output::SUMMARY_JSON, summary.as_bytes())?;
    folder.write(
        output::TIMESERIES_CSV,
        output::timeseries_csv(scenario, &results).as_bytes(),
    )?;
    folder.write(
        output::SCENARIO_TOML,
        output::scenario_toml(scenario).as_bytes(),
    )?;
    // The same code path as `microfolio report`: charts are drawn from the files just written.
    let rendered = report::render(folder.staging())?;
    // A stop asked for while the files were written keeps the earlier result too.
    if observer.should_stop() {
        let paths = results.paths();
        return Err(Error::Interrupted {
            paths_done: paths,
            paths_total: paths,
        });
    }
    let folder = folder.commit()?;
    Ok(Completed {
        results,
        info,
        folder,
        notes: rendered.notes,
    })
}
