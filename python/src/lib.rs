//! `microfolio._native`: the Rust library seen from Python. The Python package (`microfolio/`
//! beside this crate) gives it its idiom: keyword arguments, paths, data frames, progress
//! bars and Ctrl-C. Everything here takes plain values (strings, numbers, lists) and returns
//! plain values or the library's own files' contents, so that the numbers are the library's.
//!
//! Every simulating function releases the GIL and takes a [`Control`]: the Python side reads
//! its progress and sets its stop flag (on `KeyboardInterrupt`) from another thread.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use microfolio::output;
use microfolio::precision::TargetSe;
use microfolio::scenario::lookup;
use microfolio::study::morris::{Morris, MorrisSettings};
use microfolio::study::nested::{DEFAULT_DRAWS, DEFAULT_PATHS_PER_DRAW, Nesting};
use microfolio::study::params::{SweepParam, VariantSpec};
use microfolio::study::sobol::{Sobol, SobolSettings};
use microfolio::study::voi::Outcome;
use microfolio::study::{KEY_METRICS, MetricStats, SizeWarning, parse_metrics};
use microfolio::{
    Arg, Compare, Error, ErrorKind, Model, Observer, Options, Override, Pool, Progress, RunOptions,
    Scalar, Scenario, ScenarioError, Sweep, Tornado, WorkUnit, metrics::Yearly, run_study,
};
use pyo3::exceptions::{PyKeyboardInterrupt, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Progress and cancellation shared between the simulating thread and Python.
#[pyclass(frozen, module = "microfolio._native")]
#[derive(Default)]
struct Control {
    stop: AtomicBool,
    done: AtomicU64,
    total: AtomicU64,
    /// What the work has to tell the user besides its result (an earlier result replaced but
    /// not removed), for Python to warn with once the work is done.
    notes: Mutex<Vec<String>>,
}

#[pymethods]
impl Control {
    #[new]
    fn new() -> Control {
        Control::default()
    }

    /// Ask the work to stop after the chunk of paths in flight.
    fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Paths finished so far.
    #[getter]
    fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Paths of the whole work (0 until it has started).
    #[getter]
    fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// What the work has said so far for the user, each once.
    fn take_notes(&self) -> Vec<String> {
        std::mem::take(&mut *self.notes.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The library's observer over a [`Control`], for work done in parts: `offset` paths were done
/// by earlier parts, `total` is the whole.
struct Watch<'a> {
    control: &'a Control,
    offset: u64,
    total: u64,
}

impl Observer for Watch<'_> {
    fn progress(&self, p: Progress) {
        self.control.total.store(self.total, Ordering::Relaxed);
        self.control
            .done
            .store(self.offset + p.paths_done, Ordering::Relaxed);
    }

    fn should_stop(&self) -> bool {
        self.control.stop.load(Ordering::Relaxed)
    }

    fn left_behind(&self, left: &output::LeftBehind) {
        let mut notes = self.control.notes.lock().unwrap_or_else(|e| e.into_inner());
        notes.push(left.to_string());
    }
}

impl<'a> Watch<'a> {
    fn whole(control: &'a Control, total: u64) -> Watch<'a> {
        control.total.store(total, Ordering::Relaxed);
        Watch {
            control,
            offset: 0,
            total,
        }
    }
}

/// A validated scenario.
#[pyclass(frozen, module = "microfolio._native", name = "NativeScenario")]
struct PyScenario {
    inner: Scenario,
}

#[pymethods]
impl PyScenario {
    /// The scenario as the `scenario.toml` of a result folder: every value, defaults included.
    fn to_toml(&self) -> String {
        output::scenario_toml(&self.inner)
    }

    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    #[getter]
    fn paths(&self) -> u64 {
        self.inner.spec().simulation.paths as u64
    }

    #[getter]
    fn seed(&self) -> i64 {
        self.inner.spec().simulation.seed
    }

    #[getter]
    fn file(&self) -> &str {
        self.inner.file()
    }

    /// Keys set by overrides, in order.
    #[getter]
    fn overridden(&self) -> Vec<String> {
        self.inner.overridden_keys().to_vec()
    }

    /// This scenario with `key=value` overrides (TOML values) applied and validated again.
    fn with_overrides(&self, py: Python<'_>, set: Vec<String>) -> PyResult<PyScenario> {
        let overrides = parse_overrides(py, &set)?;
        let inner = self
            .inner
            .with_overrides(&overrides)
            .map_err(|e| scenario_error(py, &e))?;
        Ok(PyScenario { inner })
    }

    /// This scenario with numbers set by key, written as whole numbers where the key holds one.
    fn with_numbers(&self, py: Python<'_>, values: Vec<(String, f64)>) -> PyResult<PyScenario> {
        let inner = self
            .inner
            .with_overrides(&numbers(&values))
            .map_err(|e| scenario_error(py, &e))?;
        Ok(PyScenario { inner })
    }

    /// A copy with the number of paths and the seed replaced.
    #[pyo3(signature = (paths=None, seed=None))]
    fn with_run_size(
        &self,
        py: Python<'_>,
        paths: Option<u64>,
        seed: Option<u64>,
    ) -> PyResult<PyScenario> {
        let inner = self
            .inner
            .with_run_size(paths, seed)
            .map_err(|e| scenario_error(py, &e))?;
        Ok(PyScenario { inner })
    }
}

/// Overrides of numbers, whole where the key is whole.
fn numbers(values: &[(String, f64)]) -> Vec<Override> {
    values
        .iter()
        .map(|(key, v)| {
            let whole = lookup(key)
                .ok()
                .and_then(|k| k.number())
                .is_some_and(|n| n.whole);
            Override::number(key, *v, whole)
        })
        .collect()
}

fn parse_overrides(py: Python<'_>, set: &[String]) -> PyResult<Vec<Override>> {
    set.iter()
        .map(|s| s.parse::<Override>().map_err(|e| scenario_error(py, &e)))
        .collect()
}

/// An exception of `microfolio.errors` by class name.
fn raise(py: Python<'_>, class: &str, message: String, fields: &[(&str, &str)]) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let cls = py.import("microfolio.errors")?.getattr(class)?;
        let kwargs = PyDict::new(py);
        for (k, v) in fields {
            kwargs.set_item(*k, *v)?;
        }
        let value = cls.call((message,), Some(&kwargs))?;
        Ok(PyErr::from_value(value))
    })();
    made.unwrap_or_else(|e| e)
}

fn scenario_error(py: Python<'_>, e: &ScenarioError) -> PyErr {
    let message = e.to_string();
    match e {
        ScenarioError::Value {
            file,
            key,
            value,
            allowed,
            ..
        } => raise(
            py,
            "ScenarioError",
            message,
            &[
                ("file", file),
                ("key", key),
                ("value", value),
                ("allowed", allowed),
            ],
        ),
        ScenarioError::Parse {
            file, key: Some(k), ..
        } => raise(py, "ScenarioError", message, &[("file", file), ("key", k)]),
        ScenarioError::Parse { file, .. } | ScenarioError::Io { file, .. } => {
            raise(py, "ScenarioError", message, &[("file", file)])
        }
        // An override, and any kind of error the library may add: the message says it all.
        _ => raise(py, "ScenarioError", message, &[]),
    }
}

fn error(py: Python<'_>, e: Error) -> PyErr {
    match e {
        Error::Scenario(s) => scenario_error(py, &s),
        Error::Interrupted { .. } | Error::Stopped(_) => {
            PyKeyboardInterrupt::new_err(e.to_string())
        }
        e if e.kind() == ErrorKind::BadInput => raise(py, "InputError", e.to_string(), &[]),
        e => raise(py, "MicrofolioError", e.to_string(), &[]),
    }
}

fn metric_list(metrics: Option<Vec<String>>) -> Result<Vec<Scalar>, Error> {
    match metrics {
        None => Ok(KEY_METRICS.to_vec()),
        Some(names) => parse_metrics(&names.join(",")),
    }
}

/// Read, override and validate a scenario file. With overrides it is a variant of its own:
/// named and described after them (`baseline-referral_share-0.8`), as `microfolio validate
/// --set` names it, so that its results never take the place of the file's own.
#[pyfunction]
#[pyo3(signature = (path, set=Vec::new()))]
fn load(py: Python<'_>, path: PathBuf, set: Vec<String>) -> PyResult<PyScenario> {
    let overrides = parse_overrides(py, &set)?;
    let loaded = Scenario::load(&path, &overrides).map_err(|e| scenario_error(py, &e))?;
    let inner = if overrides.is_empty() {
        loaded
    } else {
        loaded
            .as_variant(&overrides, None)
            .map_err(|e| scenario_error(py, &e))?
    };
    Ok(PyScenario { inner })
}

/// Parse, override and validate scenario text (messages name it `inline`).
#[pyfunction]
#[pyo3(signature = (text, set=Vec::new()))]
fn loads(py: Python<'_>, text: &str, set: Vec<String>) -> PyResult<PyScenario> {
    let overrides = parse_overrides(py, &set)?;
    let origin = microfolio::Origin::new("inline");
    let inner = Scenario::parse(text, &origin, &overrides).map_err(|e| scenario_error(py, &e))?;
    Ok(PyScenario { inner })
}

/// The target standard error `METRIC=VALUE` of `run --target-se`, if given.
fn target_se(py: Python<'_>, text: Option<&str>) -> PyResult<Option<TargetSe>> {
    text.map(|t| t.parse::<TargetSe>().map_err(|e| error(py, e)))
        .transpose()
}

/// Simulate every path of `scenario` as `microfolio run` does, without a result folder:
/// `paths.csv` is streamed to `paths_csv` if given; returns the texts of `summary.json` and
/// `timeseries.csv`. With `target_se` (`METRIC=VALUE`), the paths in batches until the standard
/// error of that mean is at or below VALUE, as `run --target-se` does.
#[pyfunction]
#[pyo3(signature = (scenario, control, paths_csv=None, threads=None, uncertain=false, target_se=None))]
fn simulate(
    py: Python<'_>,
    scenario: &PyScenario,
    control: Py<Control>,
    paths_csv: Option<PathBuf>,
    threads: Option<usize>,
    uncertain: bool,
    target_se: Option<&str>,
) -> PyResult<(String, String)> {
    let scenario = scenario.inner.clone();
    let target = self::target_se(py, target_se)?;
    if let Some(t) = &target {
        t.check(uncertain, false).map_err(|e| error(py, e))?;
    }
    py.detach(|| {
        let pool = Pool::new(&Options {
            threads,
            memory_budget: None,
        })?;
        let paths = scenario.spec().simulation.paths as u64;
        // With parameter uncertainty the paired point-value run doubles the paths counted.
        let total = paths * microfolio::shard::run_unit_count(uncertain);
        let watch = Watch::whole(control.get(), total);
        let csv = paths_csv
            .as_deref()
            .map(|p| (p, microfolio::output::PathsFormat::Csv));
        let done = match target {
            Some(t) => microfolio::simulate_to_target(&scenario, &pool, &watch, csv, t)?,
            None => microfolio::simulate_run_with(&scenario, &pool, &watch, csv, uncertain)?,
        };
        // A run that stopped at its target is the plain run of the paths it simulated.
        let ran = match &done.target {
            Some(t) => microfolio::precision::scenario_run(&scenario, t)?,
            None => None,
        };
        let scenario = ran.as_ref().unwrap_or(&scenario);
        let (results, info) = (&done.results, &done.info);
        let mut summary = output::summary_json(scenario, results, info);
        if let Some(t) = &done.target {
            summary["target_se"] = t.json();
        }
        if uncertain {
            summary["uncertain"] = output::uncertain_json(scenario);
        }
        if let Some(point) = &done.point {
            summary["point_values"] = output::point_values_json(scenario, point)?;
        }
        let summary = serde_json::to_string_pretty(&summary).expect("JSON values always serialise");
        Ok((summary, output::timeseries_csv(scenario, results)))
    })
    .map_err(|e| error(py, e))
}

/// `microfolio run` into `folder`: the result folder with its charts and report, its file of
/// paths in `paths_format` (`csv` or `parquet`). Returns where the folder now is.
#[pyfunction]
#[pyo3(signature = (scenario, folder, control, threads=None, paths_csv=true, paths_format="csv", uncertain=false, target_se=None))]
#[allow(clippy::too_many_arguments)]
fn write_run(
    py: Python<'_>,
    scenario: &PyScenario,
    folder: PathBuf,
    control: Py<Control>,
    threads: Option<usize>,
    paths_csv: bool,
    paths_format: &str,
    uncertain: bool,
    target_se: Option<&str>,
) -> PyResult<PathBuf> {
    let scenario = scenario.inner.clone();
    let target_se = self::target_se(py, target_se)?;
    let paths_format = microfolio::output::PathsFormat::parse(paths_format)
        .map_err(|why| PyValueError::new_err(format!("paths_format={paths_format:?}: {why}")))?;
    let options = RunOptions {
        threads,
        paths_csv,
        paths_format,
        memory_budget: None,
        uncertain,
        target_se,
    };
    py.detach(|| {
        let paths = scenario.spec().simulation.paths as u64;
        let total = paths * microfolio::shard::run_unit_count(uncertain);
        microfolio::run(
            &scenario,
            &folder,
            &options,
            &Watch::whole(control.get(), total),
        )
        .map(|done| done.folder)
    })
    .map_err(|e| error(py, e))
}

/// Design points simulated at once: their models are held together.
const EVALUATE_BATCH: usize = 64;

/// Paths `0..paths` of the scenario under each design point (a list of `(key, number)`), on
/// common random numbers: for each point, each metric's `(mean, standard error)`, the error
/// made as the scenario's sampling makes it (under rqmc the randomisations'), and that
/// sampling as `summary.json`'s `sampling` entry (JSON text).
#[pyfunction]
#[pyo3(signature = (scenario, points, paths, control, metrics=None, threads=None))]
#[allow(clippy::type_complexity)]
fn evaluate(
    py: Python<'_>,
    scenario: &PyScenario,
    points: Vec<Vec<(String, f64)>>,
    paths: u64,
    control: Py<Control>,
    metrics: Option<Vec<String>>,
    threads: Option<usize>,
) -> PyResult<(Vec<String>, Vec<Vec<(Option<f64>, Option<f64>)>>, String)> {
    let metrics = metric_list(metrics).map_err(|e| error(py, e))?;
    // A sampling whose standard errors evaluate knows how to make (plain or rqmc), or refused.
    let method =
        microfolio::study::sampling(&scenario.inner, "evaluate").map_err(|e| error(py, e))?;
    let base = scenario
        .inner
        .with_run_size(Some(paths), None)
        .map_err(|e| scenario_error(py, &e))?;
    let mut scenarios = Vec::with_capacity(points.len());
    for (row, point) in points.iter().enumerate() {
        let s = base.with_overrides(&numbers(point)).map_err(|e| {
            let err = scenario_error(py, &e);
            let message = format!("design point {row}: {}", err.value(py));
            let _ = err.value(py).setattr("args", (message,));
            err
        })?;
        scenarios.push(s);
    }
    let rows = py
        .detach(|| {
            let pool = Pool::new(&Options {
                threads,
                memory_budget: None,
            })?;
            let control = control.get();
            let total = paths * scenarios.len() as u64;
            control.total.store(total, Ordering::Relaxed);
            let mut rows = Vec::with_capacity(scenarios.len());
            for (b, batch) in scenarios.chunks(EVALUATE_BATCH).enumerate() {
                let models: Vec<Model> = batch.iter().map(Model::new).collect();
                let units: Vec<WorkUnit> =
                    models.iter().map(|m| WorkUnit::new(m, 0..paths)).collect();
                let watch = Watch {
                    control,
                    offset: (b * EVALUATE_BATCH) as u64 * paths,
                    total,
                };
                pool.simulate(
                    &units,
                    &watch,
                    |_, _| Ok(()),
                    |_, r| {
                        let row = metrics
                            .iter()
                            .map(|m| match MetricStats::sampled(&r, *m, method) {
                                Some(s) => (Some(s.mean), s.se),
                                None => (None, None),
                            })
                            .collect();
                        rows.push(row);
                        Ok(())
                    },
                )?;
            }
            Ok(rows)
        })
        .map_err(|e| error(py, e))?;
    let names = metrics.iter().map(|m| m.name().to_string()).collect();
    let sampling = microfolio::output::sampling_json(method.randomisations()).to_string();
    Ok((names, rows, sampling))
}

fn study_options(threads: Option<usize>) -> Options {
    Options {
        threads,
        memory_budget: None,
    }
}

/// `microfolio sweep` into `folder`; `params` as on the command line (`KEY=v1,v2` or
/// `KEY=lo:hi:n`). Returns where the folder now is.
#[pyfunction]
#[pyo3(signature = (scenario, params, folder, control, metrics=None, threads=None, uncertain=false, draws=None, paths_per_draw=None))]
#[allow(clippy::too_many_arguments)]
fn sweep(
    py: Python<'_>,
    scenario: &PyScenario,
    params: Vec<String>,
    folder: PathBuf,
    control: Py<Control>,
    metrics: Option<Vec<String>>,
    threads: Option<usize>,
    uncertain: bool,
    draws: Option<u64>,
    paths_per_draw: Option<u64>,
) -> PyResult<StudyDone> {
    let scenario = scenario.inner.clone();
    py.detach(|| {
        let params = params
            .iter()
            .map(|p| p.parse::<SweepParam>())
            .collect::<Result<Vec<_>, _>>()?;
        let metrics = match metrics {
            None => Vec::new(),
            some => metric_list(some)?,
        };
        let mut study = Sweep::new(&scenario, params, metrics)?;
        if let Some(n) = nesting(uncertain, draws, paths_per_draw)? {
            study = study.with_uncertainty(n)?;
        }
        run_study_watched(&study, &folder, threads, control.get())
    })
    .map_err(|e| error(py, e))
}

/// `microfolio compare` into `folder`: scenarios and variants (`NAME: key=value,...`).
#[pyfunction]
#[pyo3(signature = (scenarios, variants, folder, control, paths=None, seed=None, metrics=None, threads=None, uncertain=false, draws=None, paths_per_draw=None, voi=None))]
#[allow(clippy::too_many_arguments)]
fn compare(
    py: Python<'_>,
    scenarios: Vec<PyRef<'_, PyScenario>>,
    variants: Vec<String>,
    folder: PathBuf,
    control: Py<Control>,
    paths: Option<u64>,
    seed: Option<u64>,
    metrics: Option<Vec<String>>,
    threads: Option<usize>,
    uncertain: bool,
    draws: Option<u64>,
    paths_per_draw: Option<u64>,
    voi: Option<String>,
) -> PyResult<StudyDone> {
    let scenarios: Vec<Scenario> = scenarios.iter().map(|s| s.inner.clone()).collect();
    py.detach(|| {
        let specs = variants
            .iter()
            .map(|v| v.parse::<VariantSpec>())
            .collect::<Result<Vec<_>, _>>()?;
        let metrics = match metrics {
            None => Vec::new(),
            some => metric_list(some)?,
        };
        let mut study = Compare::new(&scenarios, &specs, paths, seed, metrics)?;
        if let Some(n) = nesting(uncertain, draws, paths_per_draw)? {
            study = study.with_uncertainty(n)?;
        }
        if let Some(outcome) = voi {
            study = study.with_voi(outcome.parse::<Outcome>()?)?;
        }
        run_study_watched(&study, &folder, threads, control.get())
    })
    .map_err(|e| error(py, e))
}

/// The nesting of paths in draws of `uncertain=True` (`draws`, `paths_per_draw`, each by
/// default as on the command line); `None` without it. The Python side refuses the numbers
/// without `uncertain`, and `paths` with it.
fn nesting(
    uncertain: bool,
    draws: Option<u64>,
    paths_per_draw: Option<u64>,
) -> Result<Option<Nesting>, Error> {
    if !uncertain {
        return Ok(None);
    }
    Nesting::new(
        draws.unwrap_or(DEFAULT_DRAWS),
        paths_per_draw.unwrap_or(DEFAULT_PATHS_PER_DRAW),
    )
    .map(Some)
}

/// `microfolio tornado` into `folder`.
#[pyfunction]
#[pyo3(signature = (scenario, folder, control, metrics=None, spread=None, threads=None))]
fn tornado(
    py: Python<'_>,
    scenario: &PyScenario,
    folder: PathBuf,
    control: Py<Control>,
    metrics: Option<Vec<String>>,
    spread: Option<f64>,
    threads: Option<usize>,
) -> PyResult<StudyDone> {
    let scenario = scenario.inner.clone();
    py.detach(|| {
        let metrics = match metrics {
            None => Vec::new(),
            some => metric_list(some)?,
        };
        let study = Tornado::new(&scenario, metrics, spread)?;
        run_study_watched(&study, &folder, threads, control.get())
    })
    .map_err(|e| error(py, e))
}

/// A study's folder, and its warnings (a size too small to mean much) in Python's words.
type StudyDone = (PathBuf, Vec<String>);

fn run_study_watched<S: microfolio::Study>(
    study: &S,
    folder: &std::path::Path,
    threads: Option<usize>,
    control: &Control,
) -> Result<StudyDone, Error> {
    let warnings = study.warnings().iter().map(warning).collect();
    let done = run_study(
        study,
        folder,
        &study_options(threads),
        &Watch::whole(control, study.paths_total()),
    )?;
    Ok((done.folder, warnings))
}

/// A size warning as Python says it, by the keyword argument: `samples=2: …; 256 or more would
/// do`.
fn warning(w: &SizeWarning) -> String {
    let keyword = match w.arg {
        Arg::Paths => "paths",
        Arg::Samples => "samples",
        Arg::PathsPerPoint => "paths_per_point",
        Arg::Trajectories => "trajectories",
        Arg::Draws => "draws",
        Arg::PathsPerDraw => "paths_per_draw",
        other => other.noun(),
    };
    format!(
        "{keyword}={}: {}; {} or more would do (the study ran as asked)",
        w.given, w.why, w.enough
    )
}

/// A study's metrics: none given, the study's own defaults.
fn study_metrics(metrics: Option<Vec<String>>) -> Result<Vec<Scalar>, Error> {
    match metrics {
        None => Ok(Vec::new()),
        some => metric_list(some),
    }
}

/// `microfolio sobol` into `folder`: Sobol' indices of the scenario's uncertain parameters.
#[pyfunction]
#[pyo3(signature = (scenario, folder, control, metrics=None, samples=None, paths_per_point=None,
    second_order=false, bootstrap=None, confidence=None, threads=None))]
#[allow(clippy::too_many_arguments)]
fn sobol(
    py: Python<'_>,
    scenario: &PyScenario,
    folder: PathBuf,
    control: Py<Control>,
    metrics: Option<Vec<String>>,
    samples: Option<usize>,
    paths_per_point: Option<u64>,
    second_order: bool,
    bootstrap: Option<usize>,
    confidence: Option<f64>,
    threads: Option<usize>,
) -> PyResult<StudyDone> {
    let scenario = scenario.inner.clone();
    py.detach(|| {
        let d = SobolSettings::default();
        let settings = SobolSettings {
            samples: samples.unwrap_or(d.samples),
            paths_per_point: paths_per_point.unwrap_or(d.paths_per_point),
            second_order,
            bootstrap: bootstrap.unwrap_or(d.bootstrap),
            confidence: confidence.unwrap_or(d.confidence),
        };
        let study = Sobol::new(&scenario, study_metrics(metrics)?, settings)?;
        run_study_watched(&study, &folder, threads, control.get())
    })
    .map_err(|e| error(py, e))
}

/// `microfolio morris` into `folder`: Morris screening of the scenario's uncertain parameters.
#[pyfunction]
#[pyo3(signature = (scenario, folder, control, metrics=None, trajectories=None, levels=None,
    paths_per_point=None, bootstrap=None, confidence=None, threads=None))]
#[allow(clippy::too_many_arguments)]
fn morris(
    py: Python<'_>,
    scenario: &PyScenario,
    folder: PathBuf,
    control: Py<Control>,
    metrics: Option<Vec<String>>,
    trajectories: Option<usize>,
    levels: Option<usize>,
    paths_per_point: Option<u64>,
    bootstrap: Option<usize>,
    confidence: Option<f64>,
    threads: Option<usize>,
) -> PyResult<StudyDone> {
    let scenario = scenario.inner.clone();
    py.detach(|| {
        let d = MorrisSettings::default();
        let settings = MorrisSettings {
            trajectories: trajectories.unwrap_or(d.trajectories),
            levels: levels.unwrap_or(d.levels),
            paths_per_point: paths_per_point.unwrap_or(d.paths_per_point),
            bootstrap: bootstrap.unwrap_or(d.bootstrap),
            confidence: confidence.unwrap_or(d.confidence),
        };
        let study = Morris::new(&scenario, study_metrics(metrics)?, settings)?;
        run_study_watched(&study, &folder, threads, control.get())
    })
    .map_err(|e| error(py, e))
}

/// `(name, label, unit)` rows of a metric registry, the unit in lower case (`money`, `percent`).
fn registry_rows(
    metrics: impl Iterator<Item = (&'static str, &'static str, microfolio::units::Unit)>,
) -> Vec<(&'static str, &'static str, String)> {
    metrics
        .map(|(name, label, unit)| (name, label, format!("{unit:?}").to_lowercase()))
        .collect()
}

/// Every scalar metric: `(name, label, unit)`, in the order of `summary.json`.
#[pyfunction]
fn scalar_metrics() -> Vec<(&'static str, &'static str, String)> {
    registry_rows(Scalar::ALL.iter().map(|m| (m.name(), m.label(), m.unit())))
}

/// Every yearly metric: `(name, label, unit)`, in the order of `timeseries.csv`.
#[pyfunction]
fn yearly_metrics() -> Vec<(&'static str, &'static str, String)> {
    registry_rows(Yearly::ALL.iter().map(|m| (m.name(), m.label(), m.unit())))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Control>()?;
    m.add_class::<PyScenario>()?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(loads, m)?)?;
    m.add_function(wrap_pyfunction!(simulate, m)?)?;
    m.add_function(wrap_pyfunction!(write_run, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(tornado, m)?)?;
    m.add_function(wrap_pyfunction!(sobol, m)?)?;
    m.add_function(wrap_pyfunction!(morris, m)?)?;
    m.add_function(wrap_pyfunction!(scalar_metrics, m)?)?;
    m.add_function(wrap_pyfunction!(yearly_metrics, m)?)?;
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
