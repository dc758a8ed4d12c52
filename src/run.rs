//! A whole run into its result folder: simulate every path of a scenario as one work unit
//! ([`crate::simulate`]), stream `paths.csv`, write the other files, and move the folder into
//! place, with the charts and the report drawn from those files. Front ends pass an
//! [`Observer`] for progress and cancellation.

use std::path::{Path, PathBuf};

use crate::error::{Error, Work};
use crate::model::Model;
use crate::output::{self, OutputDir, OutputError, PathsFormat, PathsWriter, RunInfo, Stopwatch};
use crate::precision::{self, InBatch, Status, TargetSe};
use crate::report;
use crate::resources;
use crate::results::{OutcomeColumns, Results};
use crate::scenario::{Scenario, ScenarioError, Uncertain};
use crate::simulate::{self, Observer, Options, Pool, WorkUnit};

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Worker threads (at least 1); `None` uses every core.
    pub threads: Option<usize>,
    /// Write the file of paths (one row per path: `paths.csv`, or the file of `paths_format`).
    /// Off for huge runs.
    pub paths_csv: bool,
    /// Which file of paths: `paths.csv` (the default) or `paths.parquet` (with the `parquet`
    /// feature).
    pub paths_format: PathsFormat,
    /// Refuse a run whose estimated memory exceeds this many bytes; `None` uses the memory the
    /// system reports available (no check where it cannot tell).
    pub memory_budget: Option<u64>,
    /// Draw the `[[uncertain]]` parameters anew for every path (`run --uncertain`). Off: the
    /// section is ignored and the results are those of the scenario's own values.
    pub uncertain: bool,
    /// Simulate in batches until the standard error of a metric's mean is at or below a target,
    /// `simulation.paths` the limit (`run --target-se`, [`crate::precision`]); `None` runs
    /// every path.
    pub target_se: Option<TargetSe>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            threads: None,
            paths_csv: true,
            paths_format: PathsFormat::Csv,
            memory_budget: None,
            uncertain: false,
            target_se: None,
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
    /// With parameter uncertainty: its paired run at the point values ([`Simulated::point`]).
    pub point: Option<Results>,
    pub info: RunInfo,
    /// Where the result folder now is.
    pub folder: PathBuf,
    /// What the report wants the user to know (e.g. charts skipped without `paths.csv`).
    pub notes: Vec<String>,
    /// With a target standard error: whether it was reached, at how many paths.
    pub target: Option<Status>,
}

/// The default result folder of a run of a scenario: `output/<meta.name>`, and
/// `output/<meta.name>-uncertain` for a run with parameter uncertainty, so that neither takes
/// the other's place.
pub fn default_folder(scenario: &Scenario, uncertain: bool) -> PathBuf {
    let suffix = if uncertain { "-uncertain" } else { "" };
    Path::new("output").join(format!("{}{suffix}", scenario.name()))
}

/// The scenario file that wrote the result in `folder`, as its `summary.json` records it;
/// `None` for no result there, or one that does not say (written before it was recorded).
pub fn written_by(folder: &Path) -> Option<String> {
    output::summary_text_field(folder, "file")
}

/// Whether `a` and `b` name the same scenario file: the same file on disk, or, where either
/// cannot be found, the same text.
pub fn same_file(a: &str, b: &str) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
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
    let done = simulate_run_with(
        scenario,
        pool,
        observer,
        paths_csv.map(|p| (p, PathsFormat::Csv)),
        false,
    )?;
    Ok((done.results, done.info))
}

/// What a run simulated: its results, and with parameter uncertainty those of its paired run
/// at the point values.
#[derive(Debug)]
pub struct Simulated {
    pub results: Results,
    /// With parameter uncertainty: the same paths at the scenario's own values, no parameter
    /// drawn (the report's point-value column; `summary.json`'s `point_values`).
    pub point: Option<Results>,
    /// Of all the work, the paired run's included.
    pub info: RunInfo,
    /// With a target standard error ([`simulate_to_target`]): where the run stopped; the
    /// results then hold paths `0..target.paths`.
    pub target: Option<Status>,
}

/// [`simulate_run`], the file of paths streamed to `paths` (a path and a format) if given,
/// with parameter uncertainty when `uncertain`: each path draws the values of the
/// `[[uncertain]]` parameters from its own stream ([`Scenario::uncertain_draw`]), simulates
/// the scenario at those values ([`Scenario::at_values`]) and the file of paths gains one column
/// per parameter with the value drawn. Every other draw of a path is the same as without
/// uncertainty (common random numbers). Beside the draws it then runs the same paths at the
/// scenario's own values, the paired point-value run ([`Simulated::point`]), so that a reader
/// sees both answers side by side. A scenario without the section is refused.
pub fn simulate_run_with(
    scenario: &Scenario,
    pool: &Pool,
    observer: &dyn Observer,
    paths: Option<(&Path, PathsFormat)>,
    uncertain: bool,
) -> Result<Simulated, Error> {
    simulate_in(scenario, pool, observer, paths, uncertain, None)
}

/// [`simulate_run`] to a target standard error (`run --target-se`): the paths in the batches
/// of [`precision::batch_ends`], until the standard error of the mean of `target.metric`
/// ([`precision::mean_se`]) is at or below `target.target` after a batch, or the scenario's
/// `simulation.paths` are done. The observer hears the standard error after each batch
/// ([`Observer::precision`]); [`Simulated::target`] says where the run stopped. The results and
/// the file of paths are those of a plain run of that many paths.
pub fn simulate_to_target(
    scenario: &Scenario,
    pool: &Pool,
    observer: &dyn Observer,
    paths: Option<(&Path, PathsFormat)>,
    target: TargetSe,
) -> Result<Simulated, Error> {
    simulate_in(scenario, pool, observer, paths, false, Some(target))
}

/// [`simulate_run_with`], to `target` if given (refused with `uncertain`).
fn simulate_in(
    scenario: &Scenario,
    pool: &Pool,
    observer: &dyn Observer,
    paths: Option<(&Path, PathsFormat)>,
    uncertain: bool,
    target: Option<TargetSe>,
) -> Result<Simulated, Error> {
    if let Some(t) = &target {
        t.check(uncertain, false)?;
    }
    let paths_csv = paths.map(|(p, _)| p);
    can_draw(scenario, uncertain)?;
    let parameters = if uncertain { scenario.uncertain() } else { &[] };
    let (model, _) = crate::tail::model(scenario, pool, observer)?;
    let path_model = |i: u64| path_model(scenario, i);
    let columns = extra_columns(scenario, parameters);
    let count = scenario.spec().simulation.paths as u64;
    let stopwatch = Stopwatch::start();
    let io_error = |path: &Path, error| {
        Error::Output(OutputError::Io {
            path: path.to_path_buf(),
            error,
        })
    };
    let mut csv = match paths {
        Some((p, format)) => {
            Some(PathsWriter::create(format, p, &columns).map_err(|e| io_error(p, e))?)
        }
        None => None,
    };
    let (mut kept, mut point): (Option<Results>, Option<Results>) = (None, None);
    let mut status = None;
    // Unit 0 is the run the file of paths holds; unit 1 the paired point-value run.
    let mut on_outcomes =
        |unit, chunk: &[crate::engine::PathOutcome]| match (csv.as_mut(), paths_csv) {
            // The values are a function of (seed, path): drawn again rather than carried along.
            (Some(w), Some(p)) if unit == 0 => w
                .write_with(chunk, |o| extra_cells(scenario, parameters, o))
                .map_err(|e| io_error(p, e)),
            _ => Ok(()),
        };
    if parameters.is_empty() {
        // One batch of every path, or the batches of a target, each appended to the last.
        let ends = match target {
            Some(_) => precision::batch_ends(scenario),
            None => vec![count],
        };
        let mut before = 0;
        for (k, &end) in ends.iter().enumerate() {
            let batch = InBatch {
                inner: observer,
                before,
                limit: count,
            };
            let mut done = None;
            pool.simulate(
                &[WorkUnit::new(&model, before..end)],
                &batch,
                &mut on_outcomes,
                |_, r| {
                    done = Some(r);
                    Ok(())
                },
            )
            .map_err(|e| batch.whole(e))?;
            let done = done.unwrap_or_else(|| Results::empty(before, model.shape));
            // Never refused: the batches are consecutive ranges of one model's paths.
            match &mut kept {
                None => kept = Some(done),
                Some(all) => all.append(done).map_err(|e| Error::Input(e.to_string()))?,
            }
            before = end;
            let (Some(t), Some(all)) = (target, &kept) else {
                continue;
            };
            let now = Status {
                target: t,
                se: precision::mean_se(
                    scenario,
                    &all.scalar_column(t.metric)?,
                    Some(all.weights()),
                    0,
                ),
                paths: end,
                limit: count,
                batches: k + 1,
            };
            observer.precision(&now);
            status = Some(now);
            if now.reached() {
                break;
            }
        }
    } else {
        let on_unit = |unit, r| {
            match unit {
                0 => kept = Some(r),
                _ => point = Some(r),
            }
            Ok(())
        };
        pool.simulate_per_path_and_point(
            0..count,
            &path_model,
            &model,
            observer,
            on_outcomes,
            on_unit,
        )?;
    }
    let results = kept.unwrap_or_else(|| Results::empty(0, model.shape));
    if let (Some(w), Some(p)) = (csv, paths_csv) {
        w.finish().map_err(|e| io_error(p, e))?;
    }
    let loans = results.loans_simulated() + point.as_ref().map_or(0, |p| p.loans_simulated());
    let info = stopwatch.stop(pool.threads(), loans);
    Ok(Simulated {
        results,
        point,
        info,
        target: status,
    })
}

/// The model of path `i` of a run of `scenario` with parameter uncertainty: the scenario at the
/// values path `i` draws from its own stream. A function of (seed, path index) alone, so a
/// shard of the run builds the same models as the whole run.
pub(crate) fn path_model(scenario: &Scenario, i: u64) -> Result<Model, Error> {
    let parameters = scenario.uncertain();
    let values = scenario.uncertain_draw(i);
    match scenario.at_values(&values) {
        Ok(point) => Ok(Model::new(&point)),
        Err(e) => Err(Error::Scenario(drawn_on(
            e,
            parameters,
            &values,
            &format!("path {i}"),
        ))),
    }
}

/// The columns of the file of paths after the metrics: `weight` under `tail` sampling (the
/// path's likelihood ratio, docs/model.md §12), then the values drawn of `parameters`.
pub(crate) fn extra_columns(scenario: &Scenario, parameters: &[Uncertain]) -> Vec<String> {
    let weighted = scenario.spec().simulation.sampling == crate::scenario::Sampling::Tail;
    weighted
        .then(|| "weight".to_string())
        .into_iter()
        .chain(parameters.iter().map(|p| p.column()))
        .collect()
}

/// The cells of [`extra_columns`] on path `o`.
pub(crate) fn extra_cells(
    scenario: &Scenario,
    parameters: &[Uncertain],
    o: &crate::engine::PathOutcome,
) -> Vec<f64> {
    let weighted = scenario.spec().simulation.sampling == crate::scenario::Sampling::Tail;
    weighted
        .then_some(o.weight)
        .into_iter()
        .chain(draws(scenario, parameters, o.index))
        .collect()
}

/// The cells `paths.csv` gains on path `i`: the values drawn, if `parameters` are drawn.
pub(crate) fn draws(scenario: &Scenario, parameters: &[Uncertain], i: u64) -> Vec<f64> {
    if parameters.is_empty() {
        Vec::new()
    } else {
        scenario.uncertain_draw(i)
    }
}

/// A run with parameter uncertainty needs parameters to draw.
pub(crate) fn can_draw(scenario: &Scenario, uncertain: bool) -> Result<(), Error> {
    if uncertain && scenario.spec().simulation.sampling == crate::scenario::Sampling::Tail {
        return Err(Error::Input(format!(
            "{}: simulation.sampling = \"tail\" with parameter uncertainty: the shift is \
             chosen for the scenario's own values, not for every path's draw; allowed with \
             --uncertain: \"plain\" or \"rqmc\"",
            scenario.file()
        )));
    }
    if uncertain && scenario.uncertain().is_empty() {
        return Err(Error::Input(format!(
            "{}: no [[uncertain]] parameter to draw (a run with parameter uncertainty needs \
             the section; see docs/scenarios.md)",
            scenario.file()
        )));
    }
    Ok(())
}

/// A scenario error met on path `path` with the uncertain values `values`: the message says
/// which values were drawn, since no single key of the file is wrong.
pub(crate) fn drawn_on(
    e: ScenarioError,
    parameters: &[Uncertain],
    values: &[f64],
    whose: &str,
) -> ScenarioError {
    let drawn: Vec<String> = parameters
        .iter()
        .zip(values)
        .map(|(p, v)| format!("{} = {v}", p.name))
        .collect();
    e.with_allowed(|allowed| {
        format!(
            "{allowed} (with the values {whose} drew: {}; the [[uncertain]] distributions \
             must keep every combination valid)",
            drawn.join(", ")
        )
    })
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
        resources::run_memory(scenario, threads, options.uncertain),
    )?;
    can_draw(scenario, options.uncertain)?;
    if let Some(t) = &options.target_se {
        t.check(options.uncertain, false)?;
    }
    let folder = OutputDir::create(destination, output::RUN)?;
    let csv_path = folder.file(options.paths_format.file());
    let done = simulate_in(
        scenario,
        &pool,
        observer,
        options
            .paths_csv
            .then_some((csv_path.as_path(), options.paths_format)),
        options.uncertain,
        options.target_se,
    )?;
    write_folder(folder, scenario, done, options.uncertain, observer)
}

/// Write the files of a run's result folder beside its `paths.csv` (already in `folder`, or
/// left out), draw its charts and report, and move it into place: the end of [`run`]. `uncertain`:
/// the run drew its parameters per path (`summary.json` records the section).
pub(crate) fn write_folder(
    folder: OutputDir,
    scenario: &Scenario,
    done: Simulated,
    uncertain: bool,
    observer: &dyn Observer,
) -> Result<Completed, Error> {
    let point = done.point.as_ref().map(|p| p as &dyn OutcomeColumns);
    // A run to a target that stopped early is the plain run of the paths it simulated.
    let ran = match &done.target {
        Some(t) => precision::scenario_run(scenario, t)?,
        None => None,
    };
    let (folder, notes) = write_files(
        folder,
        ran.as_ref().unwrap_or(scenario),
        &done.results,
        point,
        &done.info,
        uncertain,
        done.target.as_ref(),
        observer,
    )?;
    Ok(Completed {
        results: done.results,
        point: done.point,
        info: done.info,
        folder,
        notes,
        target: done.target,
    })
}

/// [`write_folder`] from outcomes read one column at a time: what a merge of shards writes, the
/// same files through the same code. `point`: the paired point-value run of a run with
/// parameter uncertainty; `target`: where a run to a target standard error stopped
/// (`summary.json`'s `target_se`). Where the folder now is, and what the report wants the user
/// to know.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_files(
    folder: OutputDir,
    scenario: &Scenario,
    results: &dyn OutcomeColumns,
    point: Option<&dyn OutcomeColumns>,
    info: &RunInfo,
    uncertain: bool,
    target: Option<&Status>,
    observer: &dyn Observer,
) -> Result<(PathBuf, Vec<String>), Error> {
    let mut summary = output::summary_json_of(scenario, results, info)?;
    if uncertain {
        summary["uncertain"] = output::uncertain_json(scenario);
    }
    if let Some(t) = target {
        summary["target_se"] = t.json();
    }
    if let Some(point) = point {
        summary["point_values"] = output::point_values_json(scenario, point)?;
    }
    let who = output::segments::who_bears(scenario, results)?;
    if let Some(who) = &who {
        summary["segments"] = who.json();
    }
    let summary = serde_json::to_string_pretty(&summary).expect("JSON values always serialise");
    folder.write(output::SUMMARY_JSON, summary.as_bytes())?;
    folder.write(
        output::TIMESERIES_CSV,
        output::timeseries_csv_of(scenario, results)?.as_bytes(),
    )?;
    if let Some(who) = &who {
        folder.write(output::SEGMENTS_CSV, who.csv().as_bytes())?;
    }
    folder.write(
        output::SCENARIO_TOML,
        output::scenario_toml(scenario).as_bytes(),
    )?;
    // The same code path as `microfolio report`: charts are drawn from the files just written.
    let rendered = report::render(folder.staging())?;
    // A stop asked for while the files were written keeps the earlier result too.
    let folder = simulate::commit_unless_stopped(folder, observer, results.paths())?;
    Ok((folder, rendered.notes))
}
