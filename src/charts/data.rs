//! The data files of a result folder (docs/model.md §7), read back so that charts and the report can
//! be drawn again without simulating: `summary.json`, `timeseries.csv`, `paths.csv` (optional)
//! and `scenario.toml`.
//!
//! Reading is tolerant of what it does not need (extra JSON keys, extra CSV columns, scenario
//! keys added or removed by later versions), so that an old result folder can still be redrawn,
//! and strict about what it needs: every problem names the file, and where it can the line or
//! key. Metric names are looked up in the registry (`crate::metrics`) here, once; a metric
//! this version does not know is passed over.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::metrics::{Scalar, Yearly};
use crate::output::{PATHS_CSV, SCENARIO_TOML, SUMMARY_JSON, TIMESERIES_CSV};

/// Something wrong with a data file.
#[derive(Debug, Clone, PartialEq)]
pub struct DataError {
    /// The file, as found in the folder.
    pub file: PathBuf,
    /// What is wrong with it.
    pub problem: String,
}

impl std::fmt::Display for DataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.problem)
    }
}

impl std::error::Error for DataError {}

fn problem(file: &Path, text: impl Into<String>) -> DataError {
    DataError {
        file: file.to_path_buf(),
        problem: text.into(),
    }
}

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
    /// `funding.guarantee_room`, euros.
    pub guarantee_room_eur: f64,
    /// Versions under `engine` in `summary.json` (`microfolio` first), as written there.
    pub engine: Vec<(String, String)>,
    /// `started_utc`, when recorded.
    pub started_utc: Option<String>,
    /// Scenario keys overridden on the command line.
    pub overrides: Vec<String>,
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

/// One report year of one metric in `timeseries.csv`; a statistic is `None` when its cell is
/// empty (the metric was defined on no path).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YearRow {
    /// Report year, 1-based.
    pub year: u32,
    /// Calendar label, `meta.start_year + year - 1`.
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
    /// Number of path rows in the file.
    pub rows: usize,
    columns: BTreeMap<Scalar, Vec<f64>>,
}

impl PathColumns {
    /// The defined values of a metric's column, sorted ascending; `None` if it was not read.
    pub fn sorted(&self, metric: Scalar) -> Option<&[f64]> {
        self.columns.get(&metric).map(|v| v.as_slice())
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
    /// `timeseries.csv` by metric, rows in year order.
    pub yearly: BTreeMap<Yearly, Vec<YearRow>>,
    /// `None` when the run did not write `paths.csv` (`--no-paths-csv`).
    pub paths: Option<PathColumns>,
    /// The text of `scenario.toml`, as written by the run.
    pub scenario_toml: String,
}

/// The `paths.csv` columns drawn as histograms.
pub const PATH_COLUMNS: [Scalar; 3] = [Scalar::FinalCapital, Scalar::NetLoss, Scalar::CostToState];

impl RunData {
    /// Read the data files of the result folder `folder`.
    pub fn load(folder: &Path) -> Result<RunData, DataError> {
        let scenario_path = folder.join(SCENARIO_TOML);
        let scenario_toml = read_text(&scenario_path)?;
        let scenario = ScenarioFacts::parse(&scenario_path, &scenario_toml)?;

        let summary_path = folder.join(SUMMARY_JSON);
        let summary: Value = serde_json::from_str(&read_text(&summary_path)?)
            .map_err(|e| problem(&summary_path, format!("not valid JSON: {e}")))?;
        let meta = run_meta(&summary_path, &summary, scenario)?;
        let metrics = metrics(&summary_path, &summary)?;
        let probabilities = probabilities(&summary_path, &summary)?;

        let ts_path = folder.join(TIMESERIES_CSV);
        let yearly = timeseries(&ts_path, &read_text(&ts_path)?, &meta)?;

        let paths_path = folder.join(PATHS_CSV);
        let paths = if paths_path.exists() {
            let columns = path_columns(&paths_path, &PATH_COLUMNS)?;
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
            Some(columns)
        } else {
            None
        };

        Ok(RunData {
            folder: folder.to_path_buf(),
            meta,
            metrics,
            probabilities,
            yearly,
            paths,
            scenario_toml,
        })
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

fn read_text(path: &Path) -> Result<String, DataError> {
    fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            problem(path, "missing: is this a microfolio result folder?")
        } else {
            problem(path, format!("cannot read: {e}"))
        }
    })
}

/// The four scenario values the charts and the report need.
struct ScenarioFacts {
    name: String,
    description: String,
    start_year: i64,
    guarantee_room_eur: f64,
}

impl ScenarioFacts {
    /// Read with `toml` rather than [`crate::scenario::Scenario::parse`]: an old result folder
    /// must stay drawable after the scenario format gains or loses keys. Defaults are those of
    /// docs/model.md §8, though a run always writes every key.
    fn parse(path: &Path, text: &str) -> Result<ScenarioFacts, DataError> {
        let doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| problem(path, format!("not valid TOML: {e}")))?;
        let get = |section: &str, key: &str| doc.get(section).and_then(|s| s.get(key));
        let wrong = |key: &str, want: &str| problem(path, format!("{key}: expected {want}"));
        let name = match get("meta", "name") {
            Some(v) => v.as_str().ok_or_else(|| wrong("meta.name", "a string"))?,
            None => return Err(problem(path, "meta.name: missing")),
        };
        let description = match get("meta", "description") {
            Some(v) => v
                .as_str()
                .ok_or_else(|| wrong("meta.description", "a string"))?,
            None => "",
        };
        let start_year = match get("meta", "start_year") {
            Some(v) => v
                .as_integer()
                .ok_or_else(|| wrong("meta.start_year", "a whole number"))?,
            None => 2026,
        };
        let guarantee_room_eur = match get("funding", "guarantee_room") {
            Some(v) => v
                .as_float()
                .or_else(|| v.as_integer().map(|i| i as f64))
                .filter(|x| x.is_finite())
                .ok_or_else(|| wrong("funding.guarantee_room", "a finite number"))?,
            None => 130e6,
        };
        Ok(ScenarioFacts {
            name: name.to_string(),
            description: description.to_string(),
            start_year,
            guarantee_room_eur,
        })
    }
}

fn run_meta(path: &Path, s: &Value, scenario: ScenarioFacts) -> Result<RunMeta, DataError> {
    let int = |key: &str| {
        s.get(key)
            .and_then(Value::as_u64)
            .ok_or_else(|| problem(path, format!("{key}: missing or not a whole number >= 0")))
    };
    let engine = match s.get("engine") {
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str().map_or_else(|| v.to_string(), String::from),
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    let overrides = s
        .get("overrides")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let horizon = int("horizon_years")?;
    Ok(RunMeta {
        name: scenario.name,
        description: scenario.description,
        paths: int("paths")?,
        seed: int("seed")?,
        horizon_years: u32::try_from(horizon)
            .map_err(|_| problem(path, "horizon_years: too large"))?,
        start_year: scenario.start_year,
        guarantee_room_eur: scenario.guarantee_room_eur,
        engine,
        started_utc: s
            .get("started_utc")
            .and_then(Value::as_str)
            .map(String::from),
        overrides,
    })
}

fn metrics(path: &Path, s: &Value) -> Result<Vec<(Scalar, Option<MetricSummary>)>, DataError> {
    let Some(Value::Object(map)) = s.get("metrics") else {
        return Err(problem(path, "metrics: missing or not an object"));
    };
    map.iter()
        .filter_map(|(name, v)| Scalar::from_name(name).map(|m| (m, name, v)))
        .map(|(metric, name, v)| {
            if v.is_null() {
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
            let summary = MetricSummary {
                n: v.get("n").and_then(Value::as_u64).ok_or_else(|| {
                    problem(path, format!("metrics.{name}.n: missing or not a count"))
                })?,
                mean: field("mean")?,
                p01: field("p01")?,
                p05: field("p05")?,
                p25: field("p25")?,
                p50: field("p50")?,
                p75: field("p75")?,
                p95: field("p95")?,
                p99: field("p99")?,
            };
            Ok((metric, Some(summary)))
        })
        .collect()
}

fn probabilities(path: &Path, s: &Value) -> Result<Vec<(String, f64)>, DataError> {
    let Some(Value::Object(map)) = s.get("probabilities") else {
        return Err(problem(path, "probabilities: missing or not an object"));
    };
    map.iter()
        .map(|(name, v)| {
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

/// A CSV cell as a number: empty is `None`, anything else must parse.
fn cell(path: &Path, line: usize, column: &str, text: &str) -> Result<Option<f64>, DataError> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .map(Some)
        .ok_or_else(|| {
            problem(
                path,
                format!("line {line}: {column}: `{text}` is not a number"),
            )
        })
}

/// The cells of line `n` of a CSV file, which must have as many as the header (`width`);
/// `None` for a blank line. `hint` ends the message when they are not as many.
fn row_cells<'l>(
    path: &Path,
    n: usize,
    line: &'l str,
    width: usize,
    hint: &str,
) -> Result<Option<Vec<&'l str>>, DataError> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let cells: Vec<&str> = line.trim_end_matches('\r').split(',').collect();
    if cells.len() != width {
        return Err(problem(
            path,
            format!(
                "line {n}: {} cells, the header has {width}{hint}",
                cells.len()
            ),
        ));
    }
    Ok(Some(cells))
}

/// Where each needed column is in a CSV header.
fn column_positions(path: &Path, header: &str, needed: &[&str]) -> Result<Vec<usize>, DataError> {
    let names: Vec<&str> = header.trim_end_matches('\r').split(',').collect();
    needed
        .iter()
        .map(|want| {
            names
                .iter()
                .position(|n| n == want)
                .ok_or_else(|| problem(path, format!("line 1: no `{want}` column in the header")))
        })
        .collect()
}

fn timeseries(
    path: &Path,
    text: &str,
    meta: &RunMeta,
) -> Result<BTreeMap<Yearly, Vec<YearRow>>, DataError> {
    const COLUMNS: [&str; 9] = [
        "year", "label", "metric", "mean", "p05", "p25", "p50", "p75", "p95",
    ];
    let mut lines = text.lines();
    let header = lines.next().ok_or_else(|| problem(path, "empty file"))?;
    let pos = column_positions(path, header, &COLUMNS)?;
    let width = header.split(',').count();
    let mut out: BTreeMap<Yearly, Vec<YearRow>> = BTreeMap::new();
    for (i, line) in lines.enumerate() {
        let n = i + 2;
        let Some(cells) = row_cells(path, n, line, width, "")? else {
            continue;
        };
        let year: u32 = cells[pos[0]]
            .parse()
            .ok()
            .filter(|y| (1..=meta.horizon_years).contains(y))
            .ok_or_else(|| {
                problem(
                    path,
                    format!(
                        "line {n}: year `{}` is not a report year 1..{}",
                        cells[pos[0]], meta.horizon_years
                    ),
                )
            })?;
        let label = meta.start_year + i64::from(year) - 1;
        if cells[pos[1]] != label.to_string() {
            return Err(problem(
                path,
                format!(
                    "line {n}: label `{}` is not year {year} counted from meta.start_year {} \
                     in {SCENARIO_TOML} (files from different runs?)",
                    cells[pos[1]], meta.start_year
                ),
            ));
        }
        let stat = |k: usize| cell(path, n, COLUMNS[k], cells[pos[k]]);
        let row = YearRow {
            year,
            label,
            mean: stat(3)?,
            p05: stat(4)?,
            p25: stat(5)?,
            p50: stat(6)?,
            p75: stat(7)?,
            p95: stat(8)?,
        };
        if let Some(metric) = Yearly::from_name(cells[pos[2]]) {
            out.entry(metric).or_default().push(row);
        }
    }
    if out.is_empty() {
        return Err(problem(path, "no data rows"));
    }
    for (metric, rows) in out.iter_mut() {
        let metric = metric.name();
        rows.sort_by_key(|r| r.year);
        // Every metric has one row per report year: fewer means a truncated file.
        let years: Vec<u32> = rows.iter().map(|r| r.year).collect();
        if years != (1..=meta.horizon_years).collect::<Vec<u32>>() {
            return Err(problem(
                path,
                format!(
                    "`{metric}` has rows for years {years:?}, expected 1..={} \
                     (horizon_years in {SUMMARY_JSON}); truncated file?",
                    meta.horizon_years
                ),
            ));
        }
    }
    Ok(out)
}

/// Read the `wanted` columns of `paths.csv` line by line (a big run's file can be hundreds of
/// megabytes; only three of its columns are needed).
fn path_columns(path: &Path, wanted: &[Scalar]) -> Result<PathColumns, DataError> {
    let file = fs::File::open(path).map_err(|e| problem(path, format!("cannot read: {e}")))?;
    let mut lines = BufReader::with_capacity(1 << 20, file).lines();
    let header = match lines.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(problem(path, format!("cannot read: {e}"))),
        None => return Err(problem(path, "empty file")),
    };
    let names: Vec<&str> = wanted.iter().map(|m| m.name()).collect();
    let pos = column_positions(path, &header, &names)?;
    let width = header.split(',').count();
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); wanted.len()];
    let mut rows = 0;
    for (i, line) in lines.enumerate() {
        let n = i + 2;
        let line = line.map_err(|e| problem(path, format!("line {n}: cannot read: {e}")))?;
        let Some(cells) = row_cells(path, n, &line, width, " (truncated file?)")? else {
            continue;
        };
        for (k, &p) in pos.iter().enumerate() {
            if let Some(x) = cell(path, n, names[k], cells[p])? {
                values[k].push(x);
            }
        }
        rows += 1;
    }
    let columns = wanted
        .iter()
        .zip(values)
        .map(|(metric, mut v)| {
            v.sort_unstable_by(f64::total_cmp);
            (*metric, v)
        })
        .collect();
    Ok(PathColumns { rows, columns })
}
