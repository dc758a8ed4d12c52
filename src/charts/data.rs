//! The data files of a result folder (docs/model.md §7), read back so that charts and the report can
//! be drawn again without simulating: `summary.json`, `timeseries.csv`, `paths.csv` (optional)
//! and `scenario.toml`.
//!
//! Reading trusts nothing: a folder may have been edited, truncated or mixed from two runs.
//! Every CSV header must be exactly the one this version writes, every cell a finite number
//! (empty only for an outcome that may be undefined on a path), every path index whole and
//! increasing, every field of `summary.json` of its kind, and `scenario.toml` a valid scenario
//! that agrees with the data (horizon, seed, paths, start year, name). Every problem names the
//! file and, where there is one, the line and column (`paths.csv:12:40`) or the key. Metric
//! names are looked up in the registry (`crate::metrics`) here, once.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::metrics::{HEADLINE, Scalar, Yearly};
use crate::output::{PATHS_CSV, PATHS_PARQUET, SCENARIO_TOML, SUMMARY_JSON, TIMESERIES_CSV};
use crate::scenario::{Origin, Scenario, ScenarioError, shorten};
use crate::uncertainty::rank::{self, OutcomeRanks};

/// Something wrong with a data file (or with the result folder itself).
#[derive(Debug, Clone, PartialEq)]
pub struct DataError {
    /// The file, as found in the folder.
    pub file: PathBuf,
    /// 1-based line and column in the file, where the problem is at one place.
    pub position: Option<(usize, usize)>,
    /// What is wrong with it.
    pub problem: String,
}

impl std::fmt::Display for DataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        write!(f, ": {}", self.problem)
    }
}

impl std::error::Error for DataError {}

fn problem(file: &Path, text: impl Into<String>) -> DataError {
    DataError {
        file: file.to_path_buf(),
        position: None,
        problem: text.into(),
    }
}

/// A problem at line `line`, column `col` (1-based) of `file`.
fn problem_at(file: &Path, line: usize, col: usize, text: impl Into<String>) -> DataError {
    DataError {
        file: file.to_path_buf(),
        position: Some((line, col)),
        problem: text.into(),
    }
}

/// A cell as a message quotes it: at most a few dozen characters.
fn quoted(text: &str) -> String {
    format!("`{}`", crate::scenario::shorten(text))
}

/// The scalar outcomes that may be undefined on a path (a ratio whose denominator is 0:
/// nothing granted, no loan on the book, no costs; see `engine/totals.rs`): only these may
/// have an empty cell in `paths.csv`, or `null` in `summary.json` when undefined on every path.
pub(crate) const MAY_BE_UNDEFINED: [Scalar; 5] = [
    Scalar::MeanLoanSize,
    Scalar::DefaultRate,
    Scalar::LossRate,
    Scalar::Oss,
    Scalar::ResolutionMonth,
];

/// Facts about the run and its scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct RunMeta {
    /// `meta.name` of the resolved scenario.
    pub name: String,
    /// `meta.description`, possibly empty.
    pub description: String,
    pub paths: u64,
    pub seed: u64,
    pub horizon_years: u32,
    /// `meta.start_year`: the label of report year 1.
    pub start_year: i64,
    /// The guarantee room: the largest yearly sum of the facilities' limits over the
    /// horizon (`funding.guarantee_room` without facilities), euros.
    pub guarantee_room_eur: f64,
    /// `state.settlement`: whether the state settles at par (what the notes on par say).
    pub settlement: crate::scenario::Settlement,
    /// `simulation.sampling`, and its randomisations under rqmc (what the report says made
    /// the numbers).
    pub sampling: crate::scenario::Sampling,
    pub randomisations: u64,
    /// Under `tail` sampling, what `summary.json`'s `sampling` entry says of it (absent from a
    /// summary written by hand: `None`).
    pub tail: Option<TailMeta>,
    /// After `run --target-se`: the target and where the run stopped (summary.json's
    /// `target_se`).
    pub target_se: Option<crate::precision::Status>,
    /// The yearly rows of every path: the horizon's years and the ledger's after them.
    pub shape: crate::results::Shape,
    /// After `run --uncertain`: the scenario keys its paths drew (summary.json's `uncertain`
    /// list); empty otherwise.
    pub drawn_keys: Vec<String>,
    /// Versions under `engine` in `summary.json` (`microfolio` first), as written there.
    pub engine: Vec<(String, String)>,
    /// `started_utc`, when recorded.
    pub started_utc: Option<String>,
    /// Scenario keys overridden on the command line.
    pub overrides: Vec<String>,
    /// What the scenario file extends and which keys it sets, if it extends another.
    pub extends: Option<crate::scenario::Lineage>,
}

impl RunMeta {
    /// The version of microfolio that ran, or `?`.
    pub fn microfolio_version(&self) -> &str {
        self.engine
            .iter()
            .find(|(k, _)| k == "microfolio")
            .map(|(_, v)| v.as_str())
            .unwrap_or("?")
    }
}

/// A scalar metric's summary over paths, as in `summary.json`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricSummary {
    /// Paths on which the metric is defined.
    pub n: u64,
    pub mean: f64,
    pub p01: f64,
    pub p05: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
    pub p99: f64,
}

/// What the report says of a run's `tail` sampling.
#[derive(Debug, Clone, PartialEq)]
pub struct TailMeta {
    pub metric: String,
    pub probability: f64,
    /// `|m|`, the fitted mean's length over the cycle years, and how many; and how many of
    /// them are active (their covariance fitted too).
    pub shift_norm: f64,
    pub years: usize,
    pub active_years: usize,
    pub pilot_stages: u64,
    pub pilot_paths: u64,
    pub reached: bool,
    pub effective_sample_size: f64,
}

/// [`TailMeta`] of `summary.json`'s `sampling` entry, where it has one.
fn tail_meta(s: &Value) -> Option<TailMeta> {
    let sampling = s.get("sampling")?;
    let tail = sampling.get("tail")?;
    let shift: Vec<f64> = tail
        .get("shift")?
        .as_array()?
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    Some(TailMeta {
        metric: tail.get("metric")?.as_str()?.to_string(),
        probability: tail.get("probability")?.as_f64()?,
        shift_norm: shift.iter().map(|m| m * m).sum::<f64>().sqrt(),
        years: shift.len(),
        active_years: tail.get("active_years")?.as_array()?.len(),
        pilot_stages: tail.get("pilot_stages")?.as_u64()?,
        pilot_paths: tail.get("pilot_paths")?.as_u64()?,
        reached: tail.get("reached")?.as_bool()?,
        effective_sample_size: sampling.get("effective_sample_size")?.as_f64()?,
    })
}

/// One report year of one metric in `timeseries.csv`; a statistic is `None` when its cell is
/// empty (the metric was defined on no path).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YearRow {
    /// Report year, 1-based; after the horizon the row's number in `timeseries.csv`
    /// (`horizon_years + 1` for the row `after`).
    pub year: u32,
    /// Calendar label, `meta.start_year + year - 1` (for the row `after`, the year after the
    /// horizon's last: it holds everything from then on).
    pub label: i64,
    pub mean: Option<f64>,
    pub p05: Option<f64>,
    pub p25: Option<f64>,
    pub p50: Option<f64>,
    pub p75: Option<f64>,
    pub p95: Option<f64>,
}

/// Columns of `paths.csv` that the charts use, defined values only, sorted ascending.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PathColumns {
    /// The file they were read from: `paths.csv` or `paths.parquet`.
    pub file: &'static str,
    /// Number of path rows in the file.
    pub rows: usize,
    columns: BTreeMap<Scalar, Vec<f64>>,
    /// Under `tail` sampling, the weight of each value of `columns`, in the same order
    /// (docs/model.md §12); empty otherwise.
    weights: BTreeMap<Scalar, Vec<f64>>,
    /// A run with parameter uncertainty: each parameter's drawn values (`uncertain.<name>`
    /// columns), in path order, and the outcomes of [`RANKED`] in path order alongside them
    /// (NaN where undefined: half the memory of an `Option`), for rank correlations. Empty
    /// otherwise.
    pub parameters: Vec<(String, Vec<f64>)>,
    pub outcomes: Vec<(Scalar, Vec<f64>)>,
}

impl PathColumns {
    /// The columns read from `file`: the defined values of each `wanted` metric (read in path
    /// order, NaN where undefined; sorted here with their weights where `weighted`, the first
    /// of `parameters` then being the `weight` column), each uncertain parameter's drawn
    /// values and each ranked outcome's, in path order.
    fn assemble(
        file: &'static str,
        rows: usize,
        (wanted, values): (&[Scalar], Vec<Vec<f64>>),
        (uncertain, mut parameters): (&[String], Vec<Vec<f64>>),
        (ranked, outcomes): (&[Scalar], Vec<Vec<f64>>),
        weighted: bool,
    ) -> PathColumns {
        let path_weights = weighted.then(|| parameters.remove(0));
        let mut columns = BTreeMap::new();
        let mut weights = BTreeMap::new();
        for (metric, v) in wanted.iter().zip(values) {
            match &path_weights {
                Some(w) => {
                    let mut pairs: Vec<(f64, f64)> = v
                        .into_iter()
                        .zip(w.iter().copied())
                        .filter(|(x, _)| !x.is_nan())
                        .collect();
                    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
                    let (x, w): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
                    columns.insert(*metric, x);
                    weights.insert(*metric, w);
                }
                None => {
                    let mut v: Vec<f64> = v.into_iter().filter(|x| !x.is_nan()).collect();
                    v.sort_unstable_by(f64::total_cmp);
                    columns.insert(*metric, v);
                }
            }
        }
        PathColumns {
            file,
            rows,
            columns,
            weights,
            parameters: uncertain.iter().cloned().zip(parameters).collect(),
            outcomes: ranked.iter().copied().zip(outcomes).collect(),
        }
    }

    /// The defined values of a metric's column, sorted ascending; `None` if it was not read.
    pub fn sorted(&self, metric: Scalar) -> Option<&[f64]> {
        self.columns.get(&metric).map(|v| v.as_slice())
    }

    /// The weights of [`PathColumns::sorted`]'s values, in its order: `None` unless the paths
    /// are weighted (`tail` sampling).
    pub fn weights(&self, metric: Scalar) -> Option<&[f64]> {
        self.weights.get(&metric).map(|v| v.as_slice())
    }

    /// The share of all paths whose value of `metric` satisfies `pred`: weighted as
    /// `summary.json`'s probabilities are under `tail` sampling; `None` if it was not read.
    pub fn share(&self, metric: Scalar, pred: impl Fn(f64) -> bool) -> Option<f64> {
        let sorted = self.sorted(metric)?;
        Some(match self.weights(metric) {
            Some(w) if sorted.len() == self.rows => {
                let hit: Vec<f64> = sorted
                    .iter()
                    .map(|x| f64::from(u8::from(pred(*x))))
                    .collect();
                crate::tail::estimate::regression_mean(&hit, w).0
            }
            Some(w) => {
                let total: f64 = w.iter().sum();
                sorted
                    .iter()
                    .zip(w)
                    .filter(|(x, _)| pred(**x))
                    .map(|(_, w)| w)
                    .sum::<f64>()
                    / total
            }
            None if sorted.is_empty() => 0.0,
            None => sorted.iter().filter(|x| pred(**x)).count() as f64 / sorted.len() as f64,
        })
    }

    /// The names of the uncertain parameters, in the scenario's order.
    pub fn parameter_names(&self) -> Vec<String> {
        self.parameters.iter().map(|(n, _)| n.clone()).collect()
    }

    /// The rank correlation of every uncertain parameter with every outcome of [`RANKED`],
    /// with intervals at `confidence`; empty for a run without parameter uncertainty.
    pub fn rank_correlations(&self, confidence: f64) -> Vec<OutcomeRanks> {
        if self.parameters.is_empty() {
            return Vec::new();
        }
        let parameters: Vec<&[f64]> = self.parameters.iter().map(|(_, x)| x.as_slice()).collect();
        let outcomes: Vec<(Scalar, &[f64])> = self
            .outcomes
            .iter()
            .map(|(m, y)| (*m, y.as_slice()))
            .collect();
        rank::table(&parameters, &outcomes, confidence)
    }
}

/// Everything read back from a result folder.
#[derive(Debug, Clone, PartialEq)]
pub struct RunData {
    pub folder: PathBuf,
    pub meta: RunMeta,
    /// Scalar metrics in `summary.json` order; `None` where the metric is defined on no path.
    pub metrics: Vec<(Scalar, Option<MetricSummary>)>,
    /// `probabilities` in `summary.json` order.
    pub probabilities: Vec<(String, f64)>,
    /// `timeseries.csv` by metric, the horizon's rows in year order.
    pub yearly: BTreeMap<Yearly, Vec<YearRow>>,
    /// The state's ledger after the horizon (docs/model.md §11.4): by metric, its rows after
    /// the horizon (the one row `after`, or the run-off's years), for the metrics that have
    /// them.
    pub after: BTreeMap<Yearly, Vec<YearRow>>,
    /// `None` when the run did not write `paths.csv` (`--no-paths-csv`).
    pub paths: Option<PathColumns>,
    /// The text of `scenario.toml`, as written by the run.
    pub scenario_toml: String,
    /// Who bears the loss (`summary.json`'s `segments`, docs/model.md §7): each segment's share
    /// of the mean net loss and of its expected shortfall; empty in a folder of an older
    /// version.
    pub segments: Vec<SegmentShare>,
    /// A run with parameter uncertainty: its paired run at the point values (`summary.json`'s
    /// `point_values`), the report's column beside the headline; `None` for any other run.
    pub point: Option<PointValues>,
}

/// The paired point-value run of a run with parameter uncertainty: the same paths at the
/// scenario's own values.
#[derive(Debug, Clone, PartialEq)]
pub struct PointValues {
    pub metrics: Vec<(Scalar, Option<MetricSummary>)>,
    pub probabilities: Vec<(String, f64)>,
}

impl PointValues {
    /// The summary of a scalar metric, if present and defined.
    pub fn metric(&self, metric: Scalar) -> Option<&MetricSummary> {
        self.metrics
            .iter()
            .find(|(m, _)| *m == metric)
            .and_then(|(_, s)| s.as_ref())
    }
}

/// `point_values` of `summary.json`, checked as the run's own `metrics` and `probabilities`
/// are; `None` where there is none.
fn point_values(path: &Path, s: &Value, paths: u64) -> Result<Option<PointValues>, DataError> {
    let Some(block) = s.get("point_values") else {
        return Ok(None);
    };
    let within = |e: DataError| DataError {
        problem: format!("point_values.{}", e.problem),
        ..e
    };
    if block.get("paths").and_then(Value::as_u64) != Some(paths) {
        return Err(problem(
            path,
            format!(
                "point_values.paths: not the run's {paths} paths (the paired run is of the same paths)"
            ),
        ));
    }
    Ok(Some(PointValues {
        metrics: metrics(path, block, paths).map_err(within)?,
        probabilities: probabilities(path, block).map_err(within)?,
    }))
}

/// One segment's shares of the lender's net loss.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentShare {
    pub name: String,
    /// Of the mean net loss and of its expected shortfall; `None` where the total is 0.
    pub of_mean: Option<f64>,
    pub of_es: Option<f64>,
}

/// The segments' shares in `summary.json`'s `segments` block (none where it has none).
fn segment_shares(path: &Path, s: &Value) -> Result<Vec<SegmentShare>, DataError> {
    let Some(block) = s.get("segments") else {
        return Ok(Vec::new());
    };
    let Some(rows) = block["net_loss"]["by_segment"].as_array() else {
        return Err(problem(
            path,
            "segments.net_loss.by_segment: missing or not a list",
        ));
    };
    let share = |v: &Value, what: &str| -> Result<Option<f64>, DataError> {
        match v {
            Value::Null => Ok(None),
            v => v
                .as_f64()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or_else(|| problem(path, format!("segments: {what} is not a number"))),
        }
    };
    rows.iter()
        .map(|r| {
            Ok(SegmentShare {
                name: r["name"]
                    .as_str()
                    .ok_or_else(|| problem(path, "segments: a segment without a name"))?
                    .to_string(),
                of_mean: share(&r["share_of_mean"], "share_of_mean")?,
                of_es: share(&r["share_of_es"], "share_of_es")?,
            })
        })
        .collect()
}

/// The `paths.csv` columns drawn as histograms.
pub const PATH_COLUMNS: [Scalar; 3] = [Scalar::FinalCapital, Scalar::NetLoss, Scalar::CostToState];

/// The outcomes of a run with parameter uncertainty whose rank correlation with each parameter
/// the report shows: the headline outcomes ([`HEADLINE`]), then `capital_depleted` (0 or 1 on
/// each path: ties that the mean ranks handle).
pub const RANKED: [Scalar; HEADLINE.len() + 1] = {
    let mut out = [Scalar::CapitalDepleted; HEADLINE.len() + 1];
    let mut i = 0;
    while i < HEADLINE.len() {
        out[i] = HEADLINE[i];
        i += 1;
    }
    out
};

impl RunData {
    /// Read the data files of the result folder `folder`, checking every value.
    pub fn load(folder: &Path) -> Result<RunData, DataError> {
        match fs::metadata(folder) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(problem(folder, "is a file, not a result folder")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(problem(folder, "no such folder"));
            }
            Err(e) => return Err(problem(folder, format!("cannot read: {e}"))),
        }
        let scenario_path = folder.join(SCENARIO_TOML);
        let scenario_toml = read_text(&scenario_path)?;
        let scenario = resolved_scenario(&scenario_path, &scenario_toml)?;

        let summary_path = folder.join(SUMMARY_JSON);
        let summary: Value = serde_json::from_str(&read_text(&summary_path)?).map_err(|e| {
            problem_at(
                &summary_path,
                e.line(),
                e.column(),
                format!("not valid JSON: {e}"),
            )
        })?;
        let meta = run_meta(&summary_path, &summary, &scenario, &scenario_path)?;
        let metrics = metrics(&summary_path, &summary, meta.paths)?;
        let probabilities = probabilities(&summary_path, &summary)?;
        let segments = segment_shares(&summary_path, &summary)?;
        let point = point_values(&summary_path, &summary, meta.paths)?;

        let ts_path = folder.join(TIMESERIES_CSV);
        let (yearly, after) = timeseries(&ts_path, &read_text(&ts_path)?, &meta)?;

        // The file of paths: paths.csv, or paths.parquet (`--paths-format parquet`), or none.
        let csv_path = folder.join(PATHS_CSV);
        let parquet_path = folder.join(PATHS_PARQUET);
        let present = |p: &Path| !matches!(fs::symlink_metadata(p), Err(e) if e.kind() == std::io::ErrorKind::NotFound);
        let paths_path = if present(&csv_path) || !present(&parquet_path) {
            csv_path
        } else {
            parquet_path
        };
        let paths = match fs::symlink_metadata(&paths_path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            _ => {
                let names = uncertain_names(&summary_path, &summary)?;
                let weighted = meta.sampling == crate::scenario::Sampling::Tail;
                let columns = paths_columns(&paths_path, &PATH_COLUMNS, &RANKED, &names, weighted)?;
                if columns.rows as u64 != meta.paths {
                    return Err(problem(
                        &paths_path,
                        format!(
                            "has {} path rows but {SUMMARY_JSON} says the run had {} paths \
                             (truncated, or from another run?)",
                            columns.rows, meta.paths
                        ),
                    ));
                }
                agrees_with_paths(&summary_path, &metrics, &columns)?;
                Some(columns)
            }
        };

        Ok(RunData {
            folder: folder.to_path_buf(),
            meta,
            metrics,
            probabilities,
            yearly,
            after,
            paths,
            scenario_toml,
            segments,
            point,
        })
    }

    /// The rows after the horizon of a ledger metric (empty for any other).
    pub fn after(&self, metric: Yearly) -> &[YearRow] {
        self.after.get(&metric).map_or(&[], |v| v.as_slice())
    }

    /// The summary of a scalar metric, if present and defined.
    pub fn metric(&self, metric: Scalar) -> Option<&MetricSummary> {
        self.metrics
            .iter()
            .find(|(m, _)| *m == metric)
            .and_then(|(_, s)| s.as_ref())
    }

    /// A probability from `summary.json`.
    pub fn probability(&self, name: &str) -> Option<f64> {
        self.probabilities
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| *p)
    }

    /// The rows of a yearly metric.
    pub fn yearly(&self, metric: Yearly) -> Option<&[YearRow]> {
        self.yearly.get(&metric).map(|v| v.as_slice())
    }
}

/// Largest text data file read whole (`summary.json`, `timeseries.csv`, `scenario.toml`): far
/// more than fifty years of every metric, so a larger one is damage, refused before it is read.
pub const MAX_DATA_TEXT: u64 = 64 << 20;

/// The text of a data file: a regular file (not a FIFO, which would block, nor a link) of at
/// most [`MAX_DATA_TEXT`] bytes, read whole.
fn read_text(path: &Path) -> Result<String, DataError> {
    if let Err(e) = fs::symlink_metadata(path) {
        if e.kind() == std::io::ErrorKind::NotFound {
            return Err(problem(path, missing_hint(path)));
        }
    }
    crate::output::folder::read_bounded(path, MAX_DATA_TEXT).map_err(|why| problem(path, why))
}

/// Why a data file is missing, in words that say what to do: a shard folder is merged first.
fn missing_hint(path: &Path) -> String {
    let folder = path.parent().unwrap_or(Path::new("."));
    if folder.join(crate::shard::format::SHARD_JSON).exists() {
        format!(
            "missing: {} is a shard folder (`--shard`), which holds no report; merge the shards \
             first with `microfolio merge`, then draw the merged folder",
            folder.display()
        )
    } else {
        "missing: is this a microfolio result folder?".to_string()
    }
}

/// `scenario.toml`, parsed and validated as any scenario is: a result is drawn only from a
/// scenario this version could run. It is resolved, so it extends no other file.
fn resolved_scenario(path: &Path, text: &str) -> Result<Scenario, DataError> {
    if let Ok(doc) = text.parse::<toml::Table>() {
        if doc.contains_key("extends") {
            return Err(problem(
                path,
                "extends: a result's scenario.toml is resolved and extends no other file",
            ));
        }
    }
    Scenario::parse(text, &Origin::of_path(path), &[]).map_err(|e| match e {
        ScenarioError::Parse {
            key,
            message,
            position,
            ..
        } => DataError {
            file: path.to_path_buf(),
            position,
            problem: match key {
                Some(key) => format!("{key}: {message}"),
                None => message,
            },
        },
        other => problem(path, format!("not a valid scenario: {}", other.describe())),
    })
}

/// `summary.json`'s facts about the run, which must agree with its scenario.
fn run_meta(
    path: &Path,
    s: &Value,
    scenario: &Scenario,
    scenario_path: &Path,
) -> Result<RunMeta, DataError> {
    let int = |key: &str| {
        s.get(key)
            .and_then(Value::as_u64)
            .ok_or_else(|| problem(path, format!("{key}: missing or not a whole number >= 0")))
    };
    let engine = match s.get("engine") {
        None => Vec::new(),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|v| (k.clone(), v.to_string()))
                    .ok_or_else(|| problem(path, format!("engine.{k}: not a version string")))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(problem(path, "engine: not an object of versions")),
    };
    let overrides = match s.get("overrides") {
        None => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(String::from)
                    .ok_or_else(|| problem(path, "overrides: not a list of keys"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(problem(path, "overrides: not a list of keys")),
    };
    let extends = crate::output::lineage_from_json(s.get("extends").unwrap_or(&Value::Null))
        .map_err(|key| problem(path, format!("{key}: missing or not text")))?;
    let started_utc = match s.get("started_utc") {
        None => None,
        Some(Value::String(t)) => Some(t.clone()),
        Some(_) => return Err(problem(path, "started_utc: not a date and time")),
    };
    let target_se = match s.get("target_se") {
        None => None,
        Some(v) => Some(crate::precision::Status::from_json(v).ok_or_else(|| {
            problem(
                path,
                "target_se: not a record of a target standard error (metric, target, se, \
                 paths, limit, batches)",
            )
        })?),
    };
    let spec = scenario.spec();
    let paths = int("paths")?;
    let seed = int("seed")?;
    let horizon = int("horizon_years")?;
    let disagree = |key: &str, here: String, there: String| {
        problem(
            path,
            format!(
                "{key} = {here}, but {} says {there} (files from different runs?)",
                scenario_path.display()
            ),
        )
    };
    let agree = |key: &str, here: u64, there: i64| {
        if i64::try_from(here) == Ok(there) {
            Ok(())
        } else {
            Err(disagree(key, here.to_string(), there.to_string()))
        }
    };
    agree("horizon_years", horizon, spec.simulation.horizon_years)?;
    agree("seed", seed, spec.simulation.seed)?;
    agree("paths", paths, spec.simulation.paths)?;
    if let Some(v) = s.get("start_year") {
        if v.as_i64() != Some(spec.meta.start_year) {
            return Err(disagree(
                "start_year",
                v.to_string(),
                spec.meta.start_year.to_string(),
            ));
        }
    }
    if let Some(v) = s.get("scenario") {
        if v.as_str() != Some(scenario.name()) {
            return Err(disagree(
                "scenario",
                crate::scenario::shorten(&v.to_string()),
                format!("{:?}", crate::scenario::shorten(scenario.name())),
            ));
        }
    }
    Ok(RunMeta {
        name: scenario.name().to_string(),
        description: spec.meta.description.clone(),
        paths,
        seed,
        horizon_years: spec.simulation.horizon_years as u32,
        start_year: spec.meta.start_year,
        guarantee_room_eur: spec.largest_room(),
        settlement: spec.state.settlement,
        sampling: spec.simulation.sampling,
        randomisations: spec.simulation.rqmc_randomisations as u64,
        tail: tail_meta(s),
        target_se,
        shape: crate::model::shape(spec),
        drawn_keys: s
            .get("uncertain")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("keys")?.as_array())
            .flatten()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect(),
        engine,
        started_utc,
        overrides,
        extends,
    })
}

/// `metrics`: every scalar outcome of this version, each once, and nothing else; each `null`
/// (only where it may be undefined on every path) or its summary, finite and defined on at
/// most `paths` paths.
fn metrics(
    path: &Path,
    s: &Value,
    paths: u64,
) -> Result<Vec<(Scalar, Option<MetricSummary>)>, DataError> {
    let Some(Value::Object(map)) = s.get("metrics") else {
        return Err(problem(path, "metrics: missing or not an object"));
    };
    if let Some(missing) = Scalar::ALL.iter().find(|m| !map.contains_key(m.name())) {
        return Err(problem(
            path,
            format!("metrics.{}: missing", missing.name()),
        ));
    }
    map.iter()
        .map(|(name, v)| {
            let metric = Scalar::from_name(name).ok_or_else(|| {
                problem(
                    path,
                    format!(
                        "metrics.{}: not an outcome microfolio writes",
                        shorten(name)
                    ),
                )
            })?;
            if v.is_null() {
                if !MAY_BE_UNDEFINED.contains(&metric) {
                    return Err(problem(
                        path,
                        format!("metrics.{name}: null, but {name} is defined on every path"),
                    ));
                }
                return Ok((metric, None));
            }
            let field = |key: &str| {
                v.get(key).and_then(Value::as_f64).ok_or_else(|| {
                    problem(
                        path,
                        format!("metrics.{name}.{key}: missing or not a number"),
                    )
                })
            };
            let n = v
                .get("n")
                .and_then(Value::as_u64)
                .filter(|n| (1..=paths).contains(n))
                .ok_or_else(|| {
                    problem(
                        path,
                        format!(
                            "metrics.{name}.n: missing or not a count of paths from 1 to {paths}"
                        ),
                    )
                })?;
            let summary = MetricSummary {
                n,
                mean: field("mean")?,
                p01: field("p01")?,
                p05: field("p05")?,
                p25: field("p25")?,
                p50: field("p50")?,
                p75: field("p75")?,
                p95: field("p95")?,
                p99: field("p99")?,
            };
            let q = [
                summary.p01,
                summary.p05,
                summary.p25,
                summary.p50,
                summary.p75,
                summary.p95,
                summary.p99,
            ];
            if q.windows(2).any(|w| w[0] > w[1]) {
                return Err(problem(
                    path,
                    format!("metrics.{name}: quantiles p01..p99 are not in increasing order"),
                ));
            }
            Ok((metric, Some(summary)))
        })
        .collect()
}

/// `summary.json`'s statistics of every metric whose column of paths was read, recomputed
/// from those paths as the run computed them (over the sorted defined values): the count
/// exactly, the mean and quantiles to 1e-12 relative. A headline that differs from the paths
/// the histograms draw (a flipped bit, an edit, files of two runs) is refused, naming the key.
fn agrees_with_paths(
    path: &Path,
    metrics: &[(Scalar, Option<MetricSummary>)],
    columns: &PathColumns,
) -> Result<(), DataError> {
    // The histograms' columns (sorted already), then, after `run --uncertain`, the ranked
    // outcomes held in path order (sorted here, one at a time).
    let held = columns
        .columns
        .iter()
        .map(|(m, v)| (*m, std::borrow::Cow::Borrowed(v.as_slice())));
    let ranked = columns
        .outcomes
        .iter()
        .filter(|(m, _)| !columns.columns.contains_key(m))
        .map(|(m, v)| {
            let mut sorted: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
            sorted.sort_unstable_by(f64::total_cmp);
            (*m, std::borrow::Cow::Owned(sorted))
        });
    for (metric, sorted) in held.chain(ranked) {
        let sorted: &[f64] = &sorted;
        let name = metric.name();
        let Some((_, written)) = metrics.iter().find(|(m, _)| *m == metric) else {
            continue;
        };
        let fail = |key: &str, written: String, computed: String| {
            problem(
                path,
                format!(
                    "metrics.{name}.{key}: {written}, but the {} paths in {} give {computed}; \
                     the files do not agree (edited or damaged, or from two runs?): run the \
                     scenario again",
                    columns.rows, columns.file
                ),
            )
        };
        let Some(w) = written else {
            if sorted.is_empty() {
                continue;
            }
            return Err(fail("n", "null".into(), sorted.len().to_string()));
        };
        if w.n != sorted.len() as u64 {
            return Err(fail("n", w.n.to_string(), sorted.len().to_string()));
        }
        // Weighted paths (`tail` sampling): the weighted statistics, as the run computed them.
        let (mean, quantiles) = match columns.weights(metric) {
            Some(w) => {
                let Some(s) = crate::tail::estimate::summary_sorted(sorted, w, columns.rows) else {
                    continue;
                };
                let mut q = crate::stats::SUMMARY_QUANTILES.map(|(key, _)| (key, 0.0));
                for (slot, v) in q.iter_mut().zip(s.quantiles) {
                    slot.1 = v;
                }
                (s.mean, q)
            }
            None => (
                crate::stats::mean_sd(sorted).0,
                crate::stats::SUMMARY_QUANTILES
                    .map(|(key, p)| (key, crate::stats::quantile_sorted(sorted, p))),
            ),
        };
        let written_q = [w.p01, w.p05, w.p25, w.p50, w.p75, w.p95, w.p99];
        let pairs = std::iter::once(("mean", w.mean, mean)).chain(
            quantiles
                .iter()
                .zip(written_q)
                .map(|((k, c), w)| (*k, w, *c)),
        );
        for (key, written, computed) in pairs {
            let scale = written.abs().max(computed.abs());
            if (written - computed).abs() > 1e-12 * scale {
                return Err(fail(key, written.to_string(), computed.to_string()));
            }
        }
    }
    Ok(())
}

/// The probabilities `summary.json` holds, in the order it writes them.
const PROBABILITY_NAMES: [&str; crate::output::PROBABILITIES.len()] = {
    let mut out = [""; crate::output::PROBABILITIES.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = crate::output::PROBABILITIES[i].0;
        i += 1;
    }
    out
};

fn probabilities(path: &Path, s: &Value) -> Result<Vec<(String, f64)>, DataError> {
    let Some(Value::Object(map)) = s.get("probabilities") else {
        return Err(problem(path, "probabilities: missing or not an object"));
    };
    if let Some(missing) = PROBABILITY_NAMES.iter().find(|p| !map.contains_key(**p)) {
        return Err(problem(path, format!("probabilities.{missing}: missing")));
    }
    map.iter()
        .map(|(name, v)| {
            if !PROBABILITY_NAMES.contains(&name.as_str()) {
                return Err(problem(
                    path,
                    format!(
                        "probabilities.{}: not a probability microfolio writes",
                        shorten(name)
                    ),
                ));
            }
            v.as_f64()
                .filter(|p| (0.0..=1.0).contains(p))
                .map(|p| (name.clone(), p))
                .ok_or_else(|| {
                    problem(
                        path,
                        format!("probabilities.{name}: not a number from 0 to 1"),
                    )
                })
        })
        .collect()
}

/// The rows of a CSV file read through the `csv` crate (`crate::output::csv`): the header
/// first, then each row with its line; a blank line, a file that cannot be read or one that is
/// not UTF-8 text is named with its line.
fn csv_rows<R: io::Read>(
    path: &Path,
    input: R,
) -> impl Iterator<Item = Result<(u64, ::csv::StringRecord), DataError>> {
    let mut rows = crate::output::csv::CsvRows::new(input);
    std::iter::from_fn(move || rows.next_row())
        .map(move |row| row.map_err(|e| problem_at(path, e.line as usize, 1, e.problem)))
}

/// One row of a CSV file, its cells each with its 1-based column.
struct Row {
    n: usize,
    record: ::csv::StringRecord,
    columns: Vec<usize>,
}

impl Row {
    /// A data row, which must have exactly `width` cells (as the header has).
    fn new(
        path: &Path,
        (line, record): (u64, ::csv::StringRecord),
        width: usize,
    ) -> Result<Row, DataError> {
        let n = line as usize;
        if record.len() != width {
            return Err(problem_at(
                path,
                n,
                1,
                format!(
                    "{} cells, the header has {width} (truncated file?)",
                    record.len()
                ),
            ));
        }
        let columns = crate::output::csv::columns(&record);
        Ok(Row { n, record, columns })
    }

    /// The text of cell `k`.
    fn cell(&self, k: usize) -> &str {
        &self.record[k]
    }

    /// A problem with cell `k`, at its line and column, naming its column.
    fn fail(&self, path: &Path, k: usize, header: &str, text: impl fmt::Display) -> DataError {
        problem_at(path, self.n, self.columns[k], format!("{header}: {text}"))
    }

    /// Cell `k` as a finite number; empty is `None` if `may_be_empty`.
    fn number(
        &self,
        path: &Path,
        k: usize,
        header: &str,
        may_be_empty: bool,
    ) -> Result<Option<f64>, DataError> {
        let text = self.cell(k);
        if text.is_empty() {
            return if may_be_empty {
                Ok(None)
            } else {
                Err(self.fail(path, k, header, "empty, but this outcome is always defined"))
            };
        }
        // Rust's own float syntax, and only a finite number: no `inf`, `NaN`, `infinity`.
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(self.fail(
                path,
                k,
                header,
                format!("{} is not a finite number", quoted(text)),
            )),
        }
    }

    /// Cell `k` as a whole number >= 0 (digits only).
    fn whole(&self, path: &Path, k: usize, header: &str) -> Result<u64, DataError> {
        let text = self.cell(k);
        text.parse::<u64>()
            .ok()
            .filter(|_| text.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                self.fail(
                    path,
                    k,
                    header,
                    format!("{} is not a whole number", quoted(text)),
                )
            })
    }
}

/// The header row must be exactly the columns `expected`.
fn check_header(
    path: &Path,
    header: Option<Result<(u64, ::csv::StringRecord), DataError>>,
    expected: &[&str],
) -> Result<(), DataError> {
    let Some(header) = header else {
        return Err(problem(path, "empty file"));
    };
    let (_, header) = header?;
    let got: Vec<&str> = header.iter().collect();
    if got == expected {
        return Ok(());
    }
    // Point at the first column that differs.
    let want = expected;
    let k = got.iter().zip(want).take_while(|(a, b)| a == b).count();
    let col = 1 + got[..k]
        .iter()
        .map(|c| c.chars().count() + 1)
        .sum::<usize>();
    let found = got
        .get(k)
        .map_or("the end of the line".to_string(), |c| quoted(c));
    let wanted = want
        .get(k)
        .map_or("the end of the line".to_string(), |c| format!("`{c}`"));
    Err(problem_at(
        path,
        1,
        col,
        format!(
            "the header must be exactly the columns microfolio writes: {wanted} expected, {found} found"
        ),
    ))
}

/// The horizon's rows and the rows after it of `timeseries.csv`, by metric.
type Timeseries = (
    BTreeMap<Yearly, Vec<YearRow>>,
    BTreeMap<Yearly, Vec<YearRow>>,
);

/// `timeseries.csv`: one row for each report year and yearly outcome, and for the ledger's
/// outcomes the rows after the horizon (docs/model.md §11.4: `after`, or the run-off's
/// calendar years, as many for each), every statistic a finite number (a yearly outcome is
/// defined on every path).
fn timeseries(path: &Path, text: &str, meta: &RunMeta) -> Result<Timeseries, DataError> {
    const COLUMNS: [&str; 9] = [
        "year", "label", "metric", "mean", "p05", "p25", "p50", "p75", "p95",
    ];
    let mut rows = csv_rows(path, text.as_bytes());
    check_header(path, rows.next(), &COLUMNS)?;
    let mut out: BTreeMap<Yearly, Vec<YearRow>> = BTreeMap::new();
    let mut after: BTreeMap<Yearly, Vec<YearRow>> = BTreeMap::new();
    for record in rows {
        let row = Row::new(path, record?, COLUMNS.len())?;
        let year = row.whole(path, 0, COLUMNS[0])?;
        let rows = meta.shape.rows as u32;
        let year = u32::try_from(year)
            .ok()
            .filter(|y| (1..=rows).contains(y))
            .ok_or_else(|| {
                let after = if rows > meta.horizon_years {
                    format!(", or a row after it up to {rows}")
                } else {
                    String::new()
                };
                row.fail(
                    path,
                    0,
                    COLUMNS[0],
                    format!(
                        "{year} is not a report year 1..{}{after}",
                        meta.horizon_years
                    ),
                )
            })?;
        let label = meta.start_year + i64::from(year) - 1;
        let expected = meta.shape.label(year as usize - 1, meta.start_year);
        if row.cell(1) != expected {
            return Err(row.fail(
                path,
                1,
                COLUMNS[1],
                format!(
                    "{} is not row {year}'s label {expected} (counted from meta.start_year {} \
                     in {SCENARIO_TOML}; files from different runs?)",
                    quoted(row.cell(1)),
                    meta.start_year
                ),
            ));
        }
        let metric = Yearly::from_name(row.cell(2)).ok_or_else(|| {
            row.fail(
                path,
                2,
                COLUMNS[2],
                format!(
                    "{} is not a yearly outcome microfolio writes",
                    quoted(row.cell(2))
                ),
            )
        })?;
        let stat = |k: usize| row.number(path, k, COLUMNS[k], false);
        let year_row = YearRow {
            year,
            label,
            mean: stat(3)?,
            p05: stat(4)?,
            p25: stat(5)?,
            p50: stat(6)?,
            p75: stat(7)?,
            p95: stat(8)?,
        };
        // A fan chart draws the bands between these: quantiles out of order (a p50 above the
        // p95) are damage, not a chart.
        let q = [
            year_row.p05,
            year_row.p25,
            year_row.p50,
            year_row.p75,
            year_row.p95,
        ];
        let defined: Vec<(usize, f64)> = q
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i + 4, v)))
            .collect();
        if let Some(w) = defined.windows(2).find(|w| w[0].1 > w[1].1) {
            let (k, v) = w[1];
            return Err(row.fail(
                path,
                k,
                COLUMNS[k],
                format!(
                    "{v} is below {} {} in the same row; the quantiles p05 <= p25 <= p50 <= p75 \
                     <= p95 must be in order (the file was edited or damaged)",
                    COLUMNS[w[0].0], w[0].1
                ),
            ));
        }
        if year > meta.horizon_years && !metric.beyond_horizon() {
            return Err(row.fail(
                path,
                0,
                COLUMNS[0],
                format!(
                    "`{}` has no rows after the horizon (year {}); only the state's ledger has",
                    metric.name(),
                    meta.horizon_years
                ),
            ));
        }
        let rows = if year > meta.horizon_years {
            after.entry(metric).or_default()
        } else {
            out.entry(metric).or_default()
        };
        if rows.iter().any(|r| r.year == year) {
            return Err(row.fail(
                path,
                2,
                COLUMNS[2],
                format!("a second row for `{}` in year {year}", metric.name()),
            ));
        }
        rows.push(year_row);
    }
    let mut after_years: Option<Vec<u32>> = None;
    for metric in Yearly::ALL {
        let rows = out.entry(*metric).or_default();
        rows.sort_by_key(|r| r.year);
        // Every metric has one row per report year: fewer means a truncated file.
        let years: Vec<u32> = rows.iter().map(|r| r.year).collect();
        if years != (1..=meta.horizon_years).collect::<Vec<u32>>() {
            return Err(problem(
                path,
                format!(
                    "`{}` has rows for years {years:?}, expected 1..={} \
                     (horizon_years in {SUMMARY_JSON}); truncated file?",
                    metric.name(),
                    meta.horizon_years
                ),
            ));
        }
        if metric.beyond_horizon() {
            // The ledger's metrics all have the same rows after the horizon, at least one.
            let rows = after.entry(*metric).or_default();
            rows.sort_by_key(|r| r.year);
            let years: Vec<u32> = rows.iter().map(|r| r.year).collect();
            let expected = after_years.get_or_insert_with(|| years.clone());
            let first = meta.horizon_years + 1;
            if years.is_empty() || years != *expected || years[0] != first {
                return Err(problem(
                    path,
                    format!(
                        "`{}` has rows after the horizon for years {years:?}, expected {first}.. \
                         as every ledger outcome has; truncated file?",
                        metric.name(),
                    ),
                ));
            }
        }
    }
    Ok((out, after))
}

/// The names of the uncertain parameters of a run with parameter uncertainty: `summary.json`'s
/// `uncertain` list (absent for any other run), each with a `name`.
fn uncertain_names(path: &Path, summary: &Value) -> Result<Vec<String>, DataError> {
    let Some(list) = summary.get("uncertain") else {
        return Ok(Vec::new());
    };
    let bad = || problem(path, "uncertain: not a list of parameters each with a name");
    list.as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|p| {
            p.get("name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(bad)
        })
        .collect()
}

/// The columns kept of a file of paths: the `wanted` metrics sorted; after the metrics come
/// the `uncertain.<name>` columns of the parameters `uncertain`, each cell a number, and with
/// parameters the `ranked` columns are kept too, in path order; only these columns are kept.
struct Wanted<'a> {
    metrics: &'a [Scalar],
    /// Empty without parameters.
    ranked: &'a [Scalar],
    uncertain: &'a [String],
    /// The columns after the metrics: `weight` where the paths are weighted, then the
    /// parameters' column names, `uncertain.<name>`.
    headers: Vec<String>,
    weighted: bool,
}

/// Read the `wanted` columns of the file of paths at `path`, `paths.csv` or `paths.parquet`
/// (as its name says), which must be a regular file ([`Wanted`]).
fn paths_columns(
    path: &Path,
    wanted: &[Scalar],
    ranked: &[Scalar],
    uncertain: &[String],
    weighted: bool,
) -> Result<PathColumns, DataError> {
    let meta = fs::metadata(path).map_err(|e| problem(path, format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(problem(path, "is not a regular file"));
    }
    let want = Wanted {
        metrics: wanted,
        ranked: if uncertain.is_empty() { &[] } else { ranked },
        uncertain,
        headers: weighted
            .then(|| "weight".to_string())
            .into_iter()
            .chain(uncertain.iter().map(|n| format!("uncertain.{n}")))
            .collect(),
        weighted,
    };
    if path.ends_with(PATHS_PARQUET) {
        parquet_columns(path, &want)
    } else {
        csv_columns(path, &want)
    }
}

/// Read `paths.csv` line by line (a big run's file can be hundreds of megabytes), checking
/// every cell.
fn csv_columns(path: &Path, want: &Wanted) -> Result<PathColumns, DataError> {
    let (wanted, ranked, headers) = (want.metrics, want.ranked, &want.headers);
    let file = fs::File::open(path).map_err(|e| problem(path, format!("cannot read: {e}")))?;
    let mut records = csv_rows(path, io::BufReader::with_capacity(1 << 20, file));
    let expected: Vec<&str> = std::iter::once("path")
        .chain(Scalar::ALL.iter().map(|m| m.name()))
        .chain(headers.iter().map(String::as_str))
        .collect();
    check_header(path, records.next(), &expected)?;
    let mut parameters: Vec<Vec<f64>> = vec![Vec::new(); headers.len()];
    let mut outcomes: Vec<Vec<f64>> = vec![Vec::new(); ranked.len()];
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); wanted.len()];
    let mut rows = 0;
    let mut last: Option<u64> = None;
    for record in records {
        let row = Row::new(path, record?, expected.len())?;
        let index = row.whole(path, 0, "path")?;
        if last.is_some_and(|l| index <= l) {
            return Err(row.fail(
                path,
                0,
                "path",
                format!("{index} does not come after path {}", last.unwrap_or(0)),
            ));
        }
        last = Some(index);
        for m in Scalar::ALL {
            let k = 1 + m.index();
            let x = row.number(path, k, m.name(), MAY_BE_UNDEFINED.contains(m))?;
            if let Some(slot) = wanted.iter().position(|w| w == m) {
                values[slot].push(x.unwrap_or(f64::NAN));
            }
            if let Some(slot) = ranked.iter().position(|r| r == m) {
                outcomes[slot].push(x.unwrap_or(f64::NAN));
            }
        }
        for (j, h) in headers.iter().enumerate() {
            let x = row.number(path, 1 + Scalar::COUNT + j, h, false)?;
            parameters[j].push(x.expect("an always-defined cell has a value"));
        }
        rows += 1;
    }
    Ok(PathColumns::assemble(
        PATHS_CSV,
        rows,
        (wanted, values),
        (want.uncertain, parameters),
        (ranked, outcomes),
        want.weighted,
    ))
}

/// [`csv_columns`] of `paths.parquet`, row group by row group, with the same checks: its
/// columns those of this microfolio (names, types, nullability), paths in increasing order,
/// every value finite, and a metric undefined only where it may be.
#[cfg(feature = "parquet")]
fn parquet_columns(path: &Path, want: &Wanted) -> Result<PathColumns, DataError> {
    let (wanted, ranked, headers) = (want.metrics, want.ranked, &want.headers);
    // The parquet crate reads what it is given; a file it cannot make sense of must be a
    // message, not a crash.
    let read = || -> Result<PathColumns, String> {
        let file = crate::output::parquet::ParquetPaths::open(path, headers)?;
        let mut values: Vec<Vec<f64>> = vec![Vec::new(); wanted.len()];
        let mut outcomes: Vec<Vec<f64>> = vec![Vec::new(); ranked.len()];
        let mut parameters: Vec<Vec<f64>> = vec![Vec::new(); headers.len()];
        let mut last: Option<i64> = None;
        let mut rows = 0usize;
        for g in 0..file.groups() {
            let index = file.paths(g)?;
            for (i, p) in index.iter().enumerate() {
                if *p < 0 || last.is_some_and(|l| *p <= l) {
                    return Err(format!(
                        "row {}: path {p} does not come after path {}",
                        rows + i + 1,
                        last.unwrap_or(-1)
                    ));
                }
                last = Some(*p);
            }
            for m in Scalar::ALL {
                let keep = wanted.iter().position(|w| w == m);
                let rank = ranked.iter().position(|r| r == m);
                let column = file.doubles(g, 1 + m.index())?;
                for (i, x) in column.iter().enumerate() {
                    match x {
                        Some(x) if !x.is_finite() => {
                            return Err(format!(
                                "row {}, {}: {x} is not a finite number",
                                rows + i + 1,
                                m.name()
                            ));
                        }
                        None if !MAY_BE_UNDEFINED.contains(m) => {
                            return Err(format!(
                                "row {}, {}: null, but this outcome is always defined",
                                rows + i + 1,
                                m.name()
                            ));
                        }
                        _ => {}
                    }
                }
                if let Some(slot) = keep {
                    values[slot].extend(column.iter().map(|x| x.unwrap_or(f64::NAN)));
                }
                if let Some(slot) = rank {
                    outcomes[slot].extend(column.iter().map(|x| x.unwrap_or(f64::NAN)));
                }
            }
            for (j, h) in headers.iter().enumerate() {
                let column = file.doubles(g, 1 + Scalar::COUNT + j)?;
                for (i, x) in column.iter().enumerate() {
                    match x {
                        Some(x) if x.is_finite() => parameters[j].push(*x),
                        _ => {
                            return Err(format!(
                                "row {}, {h}: {} is not a finite number",
                                rows + i + 1,
                                x.map_or("null".to_string(), |x| x.to_string())
                            ));
                        }
                    }
                }
            }
            rows += index.len();
        }
        if rows as u64 != file.rows() {
            return Err(format!(
                "its row groups hold {rows} rows, its footer says {}",
                file.rows()
            ));
        }
        Ok(PathColumns::assemble(
            PATHS_PARQUET,
            rows,
            (wanted, values),
            (want.uncertain, parameters),
            (ranked, outcomes),
            want.weighted,
        ))
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)) {
        Ok(Ok(columns)) => Ok(columns),
        Ok(Err(why)) => Err(problem(path, why)),
        Err(_) => Err(problem(path, "not a readable Parquet file of paths")),
    }
}

/// Without the `parquet` feature a folder with `paths.parquet` cannot be redrawn.
#[cfg(not(feature = "parquet"))]
fn parquet_columns(path: &Path, _want: &Wanted) -> Result<PathColumns, DataError> {
    Err(problem(path, crate::output::NO_PARQUET))
}
