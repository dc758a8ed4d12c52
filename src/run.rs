//! A whole run as the command line does it: simulate every path of a scenario on a thread pool
//! of the requested size, stream `paths.csv`, write the other files, and move the folder into
//! place, with the charts and the report drawn from those files. Front ends pass an [`Observer`] for progress and cancellation.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use crate::model::Model;
use crate::output::{self, OutputDir, OutputError, PathsCsv, RunInfo};
use crate::report::{self, ReportError};
use crate::resources;
use crate::run::{Observer, Results, simulate};
use crate::scenario::Scenario;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Worker threads; `None` uses every core.
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

/// Why a run did not complete.
#[derive(Debug)]
pub enum RunError {
    Output(OutputError),
    /// The observer asked to stop; nothing was written.
    Interrupted {
        paths_done: u64,
    },
    /// The thread pool could not be built.
    Threads(String),
    /// The charts or the report could not be made; no result was written.
    Report(ReportError),
    /// The run would need more memory than the machine has; nothing was started.
    TooLarge {
        paths: u64,
        needed: u64,
        available: u64,
    },
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Output(e) => write!(f, "{e}"),
            RunError::Interrupted { paths_done } => {
                write!(
                    f,
                    "interrupted after {paths_done} paths; no result was written"
                )
            }
            RunError::Threads(e) => write!(f, "cannot start worker threads: {e}"),
            RunError::Report(e) => write!(f, "{e}"),
            RunError::TooLarge {
                paths,
                needed,
                available,
            } => write!(
                f,
                "simulation.paths = {paths}: the run would need about {} of memory, more than the {} available; \
                 run fewer paths (results of runs over path ranges can be appended with the library)",
                resources::bytes(*needed),
                resources::bytes(*available)
            ),
        }
    }
}

impl std::error::Error for RunError {}

impl From<OutputError> for RunError {
    fn from(e: OutputError) -> Self {
        RunError::Output(e)
    }
}

/// The default result folder of a scenario: `output/<meta.name>`.
pub fn default_folder(scenario: &Scenario) -> PathBuf {
    Path::new("output").join(scenario.name())
}

/// Simulate `scenario` and write its result folder at `destination`.
pub fn run(
    scenario: &Scenario,
    destination: &Path,
    options: &RunOptions,
    observer: &(dyn Observer + Sync),
) -> Result<Completed, RunError> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = options.threads {
        pool = pool.num_threads(n);
    }
    let pool = pool.build().map_err(|e| RunError::Threads(e.to_string()))?;
    let threads = pool.current_num_threads();
    let paths = scenario.spec().simulation.paths as u64;
    let needed = resources::estimated_memory(scenario, threads);
    if let Some(available) = options.memory_budget.or_else(resources::available_memory)
        && needed > available
    {
        return Err(RunError::TooLarge {
            paths,
            needed,
            available,
        });
    }
    let folder = OutputDir::create(destination)?;
    let model = Model::new(scenario);
    let started = SystemTime::now();
    let clock = Instant::now();

    let mut csv = if options.paths_csv {
        let path = folder.file(output::PATHS_CSV);
        Some(PathsCsv::create(&path).map_err(|error| OutputError::Io { path, error })?)
    } else {
        None
    };
    let csv_path = folder.file(output::PATHS_CSV);
    let outcome = pool.install(|| {
        simulate(&model, 0..paths, observer, |chunk| match csv.as_mut() {
            Some(w) => w.write(chunk),
            None => Ok(()),
        })
    });
    let results = match outcome {
        Err(error) => {
            return Err(OutputError::Io {
                path: csv_path,
                error,
            }
            .into());
        }
        Ok(Err(stopped)) => {
            return Err(RunError::Interrupted {
                paths_done: stopped.paths_done,
            });
        }
        Ok(Ok(results)) => results,
    };
    if let Some(w) = csv {
        w.finish().map_err(|error| OutputError::Io {
            path: csv_path.clone(),
            error,
        })?;
    }
    let info = RunInfo {
        threads,
        wall_seconds: clock.elapsed().as_secs_f64(),
        started,
    };
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
    let rendered = report::render(folder.staging()).map_err(RunError::Report)?;
    let folder = folder.commit()?;
    Ok(Completed {
        results,
        info,
        folder,
        notes: rendered.notes,
    })
}
