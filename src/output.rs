//! The files of a run's output folder (docs/model.md §7); how the folder is written and
//! replaced safely is [`folder`]'s concern.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

pub mod csv;
pub mod folder;
use self::csv::CsvWriter;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod segments;
pub use folder::{
    LeftBehind, MANIFEST, OutputDir, OutputError, RUN, is_result_folder, note_written,
};
pub use segments::SEGMENTS_CSV;

use crate::engine::PathOutcome;
use crate::metrics::{Scalar, Yearly};
use crate::results::{OutcomeColumns, Results};
use crate::scenario::{Lineage, Sampling, Scenario, Settlement};
use crate::stats::{SUMMARY_QUANTILES, Summary};

/// File names in a result folder.
pub const SUMMARY_JSON: &str = "summary.json";
pub const TIMESERIES_CSV: &str = "timeseries.csv";
pub const PATHS_CSV: &str = "paths.csv";
pub const PATHS_PARQUET: &str = "paths.parquet";
pub const SCENARIO_TOML: &str = "scenario.toml";

/// The text field `key` at the top of the `summary.json` in `folder`: which study wrote it,
/// which scenario file. `None` where there is no such file, it cannot be read (or is larger than
/// any summary microfolio writes), or the field is not a string.
pub fn summary_text_field(folder: &Path, key: &str) -> Option<String> {
    let text = folder::read_bounded(
        &folder.join(SUMMARY_JSON),
        crate::charts::data::MAX_DATA_TEXT,
    )
    .ok()?;
    let summary: Value = serde_json::from_str(&text).ok()?;
    summary.get(key)?.as_str().map(str::to_string)
}

/// Versions of the code that produced a result.
pub fn engine_versions() -> Value {
    json!({
        "microfolio": env!("CARGO_PKG_VERSION"),
        "rand": env!("MICROFOLIO_VERSION_RAND"),
        "rand_distr": env!("MICROFOLIO_VERSION_RAND_DISTR"),
        "rand_xoshiro": env!("MICROFOLIO_VERSION_RAND_XOSHIRO"),
    })
}

/// Facts about how a run or a study went, recorded in `summary.json` and the report.
#[derive(Debug, Clone)]
pub struct RunInfo {
    pub threads: usize,
    pub wall_seconds: f64,
    /// When the work started.
    pub started: SystemTime,
    /// Initial-book loans plus loans granted, over all paths (of every variant of a study).
    pub loans_simulated: u64,
}

impl RunInfo {
    /// Loans simulated per second of wall time.
    pub fn loans_per_second(&self) -> f64 {
        self.loans_simulated as f64 / self.wall_seconds.max(1e-9)
    }
}

/// The clock of a run or a study, started when its work starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stopwatch {
    started: SystemTime,
    clock: Instant,
}

impl Stopwatch {
    pub(crate) fn start() -> Stopwatch {
        Stopwatch {
            started: SystemTime::now(),
            clock: Instant::now(),
        }
    }

    /// How the work went, now that it is done.
    pub(crate) fn stop(self, threads: usize, loans_simulated: u64) -> RunInfo {
        RunInfo {
            threads,
            wall_seconds: self.clock.elapsed().as_secs_f64(),
            started: self.started,
            loans_simulated,
        }
    }
}

/// A metric's summary as JSON: `null` when it is defined on no path.
fn summary_value(s: Option<Summary>) -> Value {
    match s {
        None => Value::Null,
        Some(s) => {
            let mut m = Map::new();
            m.insert("n".into(), json!(s.n));
            m.insert("mean".into(), json!(s.mean));
            m.insert("sd".into(), json!(s.sd));
            m.insert("se".into(), json!(s.se));
            m.insert("min".into(), json!(s.min));
            m.insert("max".into(), json!(s.max));
            for ((name, _), q) in SUMMARY_QUANTILES.iter().zip(s.quantiles) {
                m.insert((*name).into(), json!(q));
            }
            Value::Object(m)
        }
    }
}

/// The `[[uncertain]]` section as `summary.json` records it for a run with parameter
/// uncertainty: each parameter as written (its keys, how, distribution and group), in order.
pub fn uncertain_json(scenario: &Scenario) -> Value {
    serde_json::to_value(&scenario.spec().uncertain).expect("the section always serialises")
}

/// The probabilities `summary.json` holds, in its order: each the share of paths on which its
/// outcome is positive (docs/model.md §7).
pub const PROBABILITIES: [(&str, Scalar); 6] = [
    ("capital_depleted", Scalar::CapitalDepleted),
    ("guarantee_called", Scalar::GuaranteeCall),
    ("state_loan_not_repaid_in_full", Scalar::StateLoanLoss),
    ("resolved", Scalar::Resolved),
    ("lending_closed", Scalar::MonthsLendingClosed),
    ("liquidity_shortfall", Scalar::MonthsLiquidityShortfall),
];

/// What the outcomes that depend on the settlement include and leave out, in a sentence
/// (docs/model.md §7, §11.2): `summary.json`'s `note`, the terminal's and the report's.
pub fn settlement_note(settlement: Settlement) -> &'static str {
    match settlement {
        Settlement::Par => {
            "final_capital and cost_to_state value the remaining book at par and leave out \
             recoveries still to come: losses still embedded in the book at the horizon are not \
             included."
        }
        Settlement::RunOff => {
            "final_capital values the book at par at the horizon; the state settles after the \
             book has run off (cost_to_state and the state's totals include the run-off's \
             losses, interest and costs, and the state loan repaid as the run-off's cash \
             allowed)."
        }
    }
}

/// What a scenario file extends, as `summary.json` and a shard's recipe record it: the file, its
/// scenario's name and the keys this one sets with their values; `null` for none.
pub fn lineage_json(l: Option<&Lineage>) -> Value {
    match l {
        None => Value::Null,
        Some(l) => json!({
            "file": l.parent,
            "name": l.parent_name,
            "changed": l.changed.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
        }),
    }
}

/// What a scenario file extends, read back from [`lineage_json`]'s JSON (`null` or absent:
/// nothing); a damaged entry is named by its key (`extends.changed`).
pub fn lineage_from_json(v: &Value) -> Result<Option<Lineage>, String> {
    if v.is_null() {
        return Ok(None);
    }
    let text = |x: &Value, key: &str| {
        x[key]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("extends.{key}"))
    };
    let changed = v["changed"]
        .as_array()
        .ok_or_else(|| "extends.changed".to_string())?
        .iter()
        .map(|c| Ok((text(c, "key")?, text(c, "value")?)))
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Some(Lineage {
        parent: text(v, "file")?,
        parent_name: text(v, "name")?,
        changed,
    }))
}

/// The contents of `summary.json`.
pub fn summary_json(scenario: &Scenario, results: &Results, info: &RunInfo) -> Value {
    summary_json_of(scenario, results, info).expect("outcomes in memory are always read")
}

/// The share of paths on which `m` is defined and positive (e.g. the probability of
/// depletion), of a column with NaN where undefined.
fn share_positive(column: &[f64], paths: u64) -> f64 {
    if paths == 0 {
        return 0.0;
    }
    column.iter().filter(|x| **x > 0.0).count() as f64 / paths as f64
}

/// [`summary_json`] of outcomes read one column at a time.
pub fn summary_json_of(
    scenario: &Scenario,
    results: &dyn OutcomeColumns,
    info: &RunInfo,
) -> Result<Value, crate::Error> {
    let spec = scenario.spec();
    let loans_per_second = info.loans_per_second();
    let paths = results.paths();
    let method = Method::of(scenario)?;
    let (metrics, probabilities) = metrics_json(scenario, results, &method)?;
    Ok(json!({
        "scenario": scenario.name(),
        "file": scenario.file(),
        "extends": lineage_json(scenario.lineage()),
        "description": spec.meta.description,
        "paths": paths,
        "first_path": results.first_path(),
        "seed": spec.simulation.seed,
        "horizon_years": spec.simulation.horizon_years,
        "start_year": spec.meta.start_year,
        "overrides": scenario.overridden_keys(),
        "engine": engine_versions(),
        "threads": info.threads,
        "started_utc": iso_utc(info.started),
        "wall_time_seconds": info.wall_seconds,
        "loans_simulated": info.loans_simulated,
        "loans_per_second": loans_per_second,
        "loans_per_second_per_core": loans_per_second / info.threads.max(1) as f64,
        "settlement": spec.state.settlement.name(),
        "note": settlement_note(spec.state.settlement),
        "sampling": method.json(results)?,
        "metrics": metrics,
        "probabilities": probabilities,
    }))
}

/// What `summary.json`'s `se` of a metric is under each sampling (docs/model.md §12).
pub const PLAIN_SE_NOTE: &str = "sd / sqrt(n): the paths are independent";
pub const RQMC_SE_NOTE: &str = "the sample standard deviation of the randomisations' own means \
    (randomisation r holds the paths of index i with i mod R = r) divided by sqrt(R): the \
    randomisations are independent, their points are not";

pub const TAIL_SE_NOTE: &str = "every path weighted by its likelihood ratio w (the `weight` \
    column of paths.csv): a mean (a probability is the mean of an indicator) is the regression \
    estimator (1/n) sum(w x) - b ((1/n) sum(w) - 1) with b the slope of w x on w, its se the \
    residuals' sd / sqrt(n); a mean of an outcome undefined on some paths is sum(w x) / sum(w) \
    over the defined ones; quantiles are read from the nearer tail's weighted mass";

/// How the paths of a run were sampled, as its statistics need to know (docs/model.md §12).
pub enum Method {
    /// Independent paths.
    Plain,
    /// Randomised quasi-Monte Carlo with this many randomisations.
    Rqmc(u64),
    /// Importance sampling of the tail with this fit: weighted paths.
    Tail(std::sync::Arc<crate::tail::TailChoice>),
}

impl Method {
    /// The method of `scenario`'s sampling. A `tail` scenario's fit is the one its run was
    /// simulated with: found once per process ([`crate::tail::choose`]), found again (the same,
    /// a function of the scenario) where another process ran the paths, as a merge of shards.
    pub fn of(scenario: &Scenario) -> Result<Method, crate::Error> {
        let sim = &scenario.spec().simulation;
        Ok(match sim.sampling {
            Sampling::Plain => Method::Plain,
            Sampling::Rqmc => Method::Rqmc(sim.rqmc_randomisations as u64),
            Sampling::Tail => {
                let pool = crate::simulate::Pool::new(&crate::simulate::Options::default())?;
                Method::Tail(crate::tail::choose(
                    scenario,
                    &pool,
                    &crate::simulate::Silent,
                )?)
            }
        })
    }

    /// The paths' weights: `None` unless the method weights them.
    pub fn weights(&self, results: &dyn OutcomeColumns) -> Result<Option<Vec<f64>>, crate::Error> {
        match self {
            Method::Tail(_) => Ok(Some(results.weight_column()?)),
            _ => Ok(None),
        }
    }

    /// The `sampling` entry of `summary.json`: the method, how its standard errors are made,
    /// and with `tail` the fit, its pilot and the effective sample size of `results`.
    pub fn json(&self, results: &dyn OutcomeColumns) -> Result<Value, crate::Error> {
        Ok(match self {
            Method::Plain => json!({ "method": "plain", "se": PLAIN_SE_NOTE }),
            Method::Rqmc(r) => json!({ "method": "rqmc", "randomisations": r, "se": RQMC_SE_NOTE }),
            Method::Tail(choice) => {
                let weights = results.weight_column()?;
                json!({
                    "method": "tail",
                    "se": TAIL_SE_NOTE,
                    "effective_sample_size": crate::tail::estimate::effective_sample_size(&weights),
                    "tail": choice.json(),
                })
            }
        })
    }
}

/// The `sampling` entry of a study's `summary.json` under `plain` or `rqmc`: the method, and how
/// its standard errors are made (a study under `tail` writes the run's entry, with its shift:
/// `study::write_folder`).
pub fn sampling_json(rqmc: Option<u64>) -> Value {
    match rqmc {
        None => json!({ "method": "plain", "se": PLAIN_SE_NOTE }),
        Some(r) => json!({ "method": "rqmc", "randomisations": r, "se": RQMC_SE_NOTE }),
    }
}

/// The `metrics` and `probabilities` entries of `summary.json` of `results` of `scenario`
/// (sampled by `method`): each scalar metric's statistics over the paths where it is defined,
/// and the share of paths of each probability. A mean's standard error is
/// [`crate::precision::mean_se`]'s, that of the scenario's sampling (and the one `run
/// --target-se` stops on); under tail every statistic is weighted (`crate::tail::estimate`,
/// whose summary's `se` is `mean_se`'s).
fn metrics_json(
    scenario: &Scenario,
    results: &dyn OutcomeColumns,
    method: &Method,
) -> Result<(Value, Value), crate::Error> {
    let paths = results.paths();
    let weights = method.weights(results)?;
    let mut shares = Map::new();
    let mut metrics = Map::new();
    for m in Scalar::ALL {
        let mut column = results.scalar_column(*m)?;
        for (name, _) in PROBABILITIES.iter().filter(|(_, p)| p == m) {
            let share = match &weights {
                Some(w) => crate::tail::estimate::probability_positive(&column, w).0,
                None => share_positive(&column, paths),
            };
            shares.insert((*name).into(), json!(share));
        }
        if let Some(w) = &weights {
            let summary = crate::tail::estimate::summary(&column, w);
            metrics.insert(m.name().into(), summary_value(summary));
            continue;
        }
        // Read in path order, before the column is sorted.
        let se = crate::precision::mean_se(scenario, &column, None, results.first_path());
        // The defined values, sorted in place: one column of all paths at a time.
        column.retain(|x| !x.is_nan());
        let mut summary = Summary::of_values(&mut column);
        if let Some(s) = &mut summary {
            s.se = se;
        }
        metrics.insert(m.name().into(), summary_value(summary));
    }
    let probabilities: Map<String, Value> = PROBABILITIES
        .iter()
        .map(|(name, _)| ((*name).to_string(), shares[*name].clone()))
        .collect();
    Ok((Value::Object(metrics), Value::Object(probabilities)))
}

/// What the `point_values` entry of a run with parameter uncertainty says it is.
pub const POINT_VALUES_NOTE: &str = "the paired run at the scenario's own values: the same \
    paths (seed and path indices, so the same loans' draws) with no parameter drawn, what `run` \
    without --uncertain gives; simulated beside the draws, it costs about what that run costs";

/// The `point_values` entry of the `summary.json` of a run with parameter uncertainty: the
/// statistics of its paired point-value run `point`, as `metrics` and `probabilities`.
pub fn point_values_json(
    scenario: &Scenario,
    point: &dyn OutcomeColumns,
) -> Result<Value, crate::Error> {
    let (metrics, probabilities) = metrics_json(scenario, point, &Method::of(scenario)?)?;
    Ok(json!({
        "what": POINT_VALUES_NOTE,
        "paths": point.paths(),
        "loans_simulated": point.loans_simulated(),
        "metrics": metrics,
        "probabilities": probabilities,
    }))
}

/// Quantile levels of `timeseries.csv`.
const TIMESERIES_QUANTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// The contents of `timeseries.csv`: one row per (report year, metric).
pub fn timeseries_csv(scenario: &Scenario, results: &Results) -> String {
    timeseries_csv_of(scenario, results).expect("outcomes in memory are always read")
}

/// [`timeseries_csv`] of outcomes read one column at a time.
pub fn timeseries_csv_of(
    scenario: &Scenario,
    results: &dyn OutcomeColumns,
) -> Result<String, crate::Error> {
    let start_year = scenario.spec().meta.start_year;
    let mut out = CsvWriter::text_file([
        "year", "label", "metric", "mean", "p05", "p25", "p50", "p75", "p95",
    ]);
    let shape = results.shape();
    let weights = Method::of(scenario)?.weights(results)?;
    // With the run-off's years, the rows up to the last with any flow or exposure on any path
    // (at least one after the horizon); the one row `after` always.
    let rows = if shape.run_off_years {
        let mut used = None;
        'rows: for y in (shape.years..shape.rows).rev() {
            for m in Yearly::ALL.iter().filter(|m| m.beyond_horizon()) {
                if results.yearly_column(y, *m)?.iter().any(|v| *v != 0.0) {
                    used = Some(y);
                    break 'rows;
                }
            }
        }
        used.map_or(shape.years + 1, |y| y + 1).min(shape.rows)
    } else {
        shape.rows
    };
    for y in 0..rows {
        // After the horizon only the ledger's rows (docs/model.md §11.4).
        for m in Yearly::ALL
            .iter()
            .filter(|m| y < shape.years || m.beyond_horizon())
        {
            let mut values = results.yearly_column(y, *m)?;
            let stats: [Option<f64>; 6] = match &weights {
                // Weighted paths: the weighted mean and the quantiles from the nearer tail.
                Some(w) => match crate::tail::estimate::summary(&values, w) {
                    None => [None; 6],
                    Some(s) => {
                        let q = crate::tail::estimate::quantiles(&values, w, TIMESERIES_QUANTILES)
                            .expect("defined values, as the summary found");
                        [s.mean, q[0], q[1], q[2], q[3], q[4]].map(Some)
                    }
                },
                None => match Summary::of_values(&mut values) {
                    None => [None; 6],
                    Some(s) => {
                        let q =
                            TIMESERIES_QUANTILES.map(|p| crate::stats::quantile_sorted(&values, p));
                        [s.mean, q[0], q[1], q[2], q[3], q[4]].map(Some)
                    }
                },
            };
            let head = [
                (y + 1).to_string(),
                shape.label(y, start_year).to_string(),
                m.name().to_string(),
            ];
            out.push(head.into_iter().chain(stats.map(csv::number)));
        }
    }
    Ok(out.into_string())
}

/// The file of per-path outcomes a run writes: `paths.csv` (text, the default) or
/// `paths.parquet` (columnar and compressed, with the `parquet` feature: docs/cluster.md,
/// "Which file of paths").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PathsFormat {
    #[default]
    Csv,
    Parquet,
}

impl PathsFormat {
    /// Its file name in a result folder.
    pub fn file(self) -> &'static str {
        match self {
            PathsFormat::Csv => PATHS_CSV,
            PathsFormat::Parquet => PATHS_PARQUET,
        }
    }

    /// Its name, as `--paths-format` takes it and a shard's recipe records it.
    pub fn name(self) -> &'static str {
        match self {
            PathsFormat::Csv => "csv",
            PathsFormat::Parquet => "parquet",
        }
    }

    /// The format named `name`; the reason when there is none, or this build cannot write it.
    pub fn parse(name: &str) -> Result<PathsFormat, String> {
        match name.trim() {
            "csv" => Ok(PathsFormat::Csv),
            "parquet" if cfg!(feature = "parquet") => Ok(PathsFormat::Parquet),
            "parquet" => Err(NO_PARQUET.to_string()),
            other => Err(format!("`{other}`: allowed: csv or parquet")),
        }
    }
}

/// Why this build neither writes nor reads `paths.parquet`.
pub const NO_PARQUET: &str = "this microfolio was built without Parquet support (without its \
                              default features); build it with its default features: `cargo \
                              build --release` (docs/cluster.md)";

/// The file of per-path outcomes being written, row by row as the paths come in: `paths.csv`
/// or `paths.parquet`.
pub enum PathsWriter {
    Csv(Box<PathsCsv>),
    #[cfg(feature = "parquet")]
    Parquet(Box<parquet::PathsParquet>),
}

impl PathsWriter {
    /// Create the file of `format` at `path`, with a column after the metrics for each of
    /// `extra` (the drawn values of a run with parameter uncertainty, `uncertain.<name>`).
    pub fn create(format: PathsFormat, path: &Path, extra: &[String]) -> io::Result<PathsWriter> {
        match format {
            PathsFormat::Csv => Ok(PathsWriter::Csv(Box::new(PathsCsv::create_with(
                path, extra,
            )?))),
            #[cfg(feature = "parquet")]
            PathsFormat::Parquet => Ok(PathsWriter::Parquet(Box::new(
                parquet::PathsParquet::create(path, extra)?,
            ))),
            #[cfg(not(feature = "parquet"))]
            PathsFormat::Parquet => Err(io::Error::other(NO_PARQUET)),
        }
    }

    /// Append one row per path, ending with the values `extra(path)`: the one loop over the
    /// paths for either format, each of which writes a row its own way.
    pub fn write_with(
        &mut self,
        outcomes: &[PathOutcome],
        extra: impl Fn(&PathOutcome) -> Vec<f64>,
    ) -> io::Result<()> {
        for o in outcomes {
            let drawn = extra(o);
            match self {
                PathsWriter::Csv(w) => w.row(o, drawn)?,
                #[cfg(feature = "parquet")]
                PathsWriter::Parquet(w) => w.row(o, drawn)?,
            }
        }
        Ok(())
    }

    /// Complete the file, reporting any error.
    pub fn finish(self) -> io::Result<()> {
        match self {
            PathsWriter::Csv(w) => (*w).finish(),
            #[cfg(feature = "parquet")]
            PathsWriter::Parquet(w) => (*w).finish(),
        }
    }
}

/// `paths.csv`, written row by row as the paths come in.
pub struct PathsCsv {
    out: CsvWriter<BufWriter<File>>,
}

impl PathsCsv {
    /// Create the file and write its header.
    pub fn create(path: &Path) -> io::Result<PathsCsv> {
        PathsCsv::create_with(path, &[])
    }

    /// Create the file and write its header, with a column after the metrics for each of
    /// `extra` (the drawn values of a run with parameter uncertainty, `uncertain.<name>`).
    pub fn create_with(path: &Path, extra: &[String]) -> io::Result<PathsCsv> {
        let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
        let header = std::iter::once("path")
            .chain(Scalar::ALL.iter().map(|m| m.name()))
            .chain(extra.iter().map(String::as_str));
        Ok(PathsCsv {
            out: CsvWriter::new(file, header)?,
        })
    }

    /// Append one row per path; an undefined value is an empty cell.
    pub fn write(&mut self, outcomes: &[PathOutcome]) -> io::Result<()> {
        outcomes.iter().try_for_each(|o| self.row(o, Vec::new()))
    }

    /// Append path `o`'s row, ending with the cells `drawn` (as many as the extra columns of
    /// [`PathsCsv::create_with`]); an undefined value is an empty cell.
    pub fn row(&mut self, o: &PathOutcome, drawn: Vec<f64>) -> io::Result<()> {
        self.out.text(&o.index.to_string())?;
        for v in o.scalars {
            self.out.number(v)?;
        }
        for x in drawn {
            self.out.number(Some(x))?;
        }
        self.out.end_row()
    }

    /// Flush and close, reporting any error.
    pub fn finish(self) -> io::Result<()> {
        let mut file = self.out.finish()?;
        file.flush()?;
        file.into_inner().map_err(|e| e.into_error())?.sync_all()
    }
}

/// The resolved scenario, with a header saying where it came from.
pub fn scenario_toml(scenario: &Scenario) -> String {
    let mut text = format!(
        "# Resolved scenario as run by microfolio {} (every key written out; defaults and overrides applied).\n\
         # `microfolio run scenario.toml` reproduces this run.\n",
        env!("CARGO_PKG_VERSION")
    );
    if !scenario.overridden_keys().is_empty() {
        text.push_str(&format!(
            "# Overridden on the command line: {}\n",
            scenario.overridden_keys().join(", ")
        ));
    }
    text.push('\n');
    text.push_str(&scenario.spec().to_toml());
    text
}

/// `2026-11-27T18:33:14Z` for a time (UTC), without a date-time dependency.
pub fn iso_utc(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil-from-days algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + (month <= 2) as i64;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_full_disk_is_an_error_not_a_silent_loss() {
        // /dev/full accepts the open and fails every write with ENOSPC.
        let full = Path::new("/dev/full");
        if !full.exists() {
            return;
        }
        let mut csv = PathsCsv::create(full).unwrap();
        let outcome = PathOutcome {
            index: 0,
            scalars: [Some(1.0); Scalar::COUNT],
            yearly: vec![],
            segments: vec![],
            loans_simulated: 1,
            weight: 1.0,
        };
        let wrote = (0..20_000).try_for_each(|_| csv.write(std::slice::from_ref(&outcome)));
        let result = wrote.and_then(|()| csv.finish());
        let e = result.expect_err("writing to a full disk must fail");
        assert!(e.to_string().contains("No space left"), "{e}");
    }

    #[test]
    fn iso_dates() {
        assert_eq!(iso_utc(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            iso_utc(UNIX_EPOCH + Duration::from_secs(1_795_804_394)),
            "2026-11-27T18:33:14Z"
        );
        assert_eq!(
            iso_utc(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
    }
}
