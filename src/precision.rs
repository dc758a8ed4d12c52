//! Precision on demand (`run --target-se METRIC=VALUE`, docs/model.md §12.1): a run simulates
//! its paths in batches until the standard error of one metric's mean is at or below a target,
//! or until its path limit (`simulation.paths`), and the one function that says what a mean's
//! standard error is ([`mean_se`]), which `summary.json` reports too.
//!
//! The batches are fixed before anything runs: the first ends at the smallest `R · 2^k` of at
//! least [`FIRST_BATCH`] paths (`R` the randomisations under rqmc, 1 under plain sampling), each
//! next one doubles the paths so far, and the last ends at the limit. The stop test is made only
//! after a whole batch, on the paths `0..n` simulated so far. A path depends on (seed, index)
//! alone, so the run's outcome — at which batch it stops and every number it writes — depends
//! on the scenario and seed alone, not on the threads: a run that stopped at `n` paths is the
//! plain run of `n` paths, file for file, with a record of the target beside it.

use std::str::FromStr;
use std::sync::atomic::AtomicBool;

use serde_json::{Value, json};

use crate::error::{Arg, Error};
use crate::metrics::Scalar;
use crate::output::LeftBehind;
use crate::scenario::{Sampling, Scenario};
use crate::simulate::{Observer, Progress};

/// The least paths of the first batch: enough for a first estimate of the standard deviation
/// within about 5%, few enough to stop early on a loose target.
pub const FIRST_BATCH: u64 = 256;

/// The standard error of the mean of `column`, as `summary.json` reports it for `scenario`'s
/// sampling (docs/model.md §12): `column` holds one value per path, path `first_path + k` at
/// `k`, NaN where the metric is undefined, and the mean is over the defined values.
///
/// - plain: `sd / sqrt(n)` over the `n` defined values (`sd` with `n - 1`; the paths are
///   independent);
/// - rqmc: the sample standard deviation of the `R` randomisations' own means divided by
///   `sqrt(R)` ([`crate::rqmc::randomisation_se`]).
/// - tail: the weighted estimators' ([`crate::tail::estimate`]), of the paths' `weights` (which
///   only this sampling reads).
///
/// `None` where there is no estimate: fewer than two defined values (under rqmc, fewer than two
/// randomisations with one). Both the summary and the stop test of [`TargetSe`] call this, so
/// the standard error a run stops on is the one it reports; a new sampling extends this one
/// function, from the scenario's `simulation` section and the path indices.
pub fn mean_se(
    scenario: &Scenario,
    column: &[f64],
    weights: Option<&[f64]>,
    first_path: u64,
) -> Option<f64> {
    let sim = &scenario.spec().simulation;
    match sim.sampling {
        // The weighted summary's: the regression estimator's residuals, or the self-normalised
        // mean's where the metric is undefined on some paths (`crate::tail::estimate`).
        Sampling::Tail => {
            let weights = weights.expect("the paths' weights, under tail sampling");
            crate::tail::estimate::summary(column, weights).and_then(|s| s.se)
        }
        Sampling::Plain => {
            // Summed in ascending order, as `Summary` sums them: the same bits as the standard
            // errors of `Results::summary`, a study's and Python's `evaluate`.
            let mut defined: Vec<f64> = column.iter().copied().filter(|x| !x.is_nan()).collect();
            defined.sort_unstable_by(f64::total_cmp);
            let (_, sd) = crate::stats::mean_sd(&defined);
            sd.map(|sd| sd / (defined.len() as f64).sqrt())
        }
        Sampling::Rqmc => {
            crate::rqmc::randomisation_se(column, first_path, sim.rqmc_randomisations as u64)
        }
    }
}

/// The paths after each batch of a run of `scenario` to a target standard error: increasing,
/// the last the scenario's `simulation.paths` (the limit). Under rqmc every batch but a last cut
/// at the limit holds the same power of two of points of every randomisation, where each
/// randomisation's points are best stratified. A limit below the first batch is one batch.
pub fn batch_ends(scenario: &Scenario) -> Vec<u64> {
    let sim = &scenario.spec().simulation;
    let limit = sim.paths.max(0) as u64;
    let step = match sim.sampling {
        Sampling::Plain => 1,
        Sampling::Rqmc => sim.rqmc_randomisations.max(1) as u64,
        Sampling::Tail => 1,
    };
    let mut n = step;
    while n < FIRST_BATCH {
        n *= 2;
    }
    let mut ends = Vec::new();
    // `n < limit < 2^63`, so doubling never overflows.
    while n < limit {
        ends.push(n);
        n *= 2;
    }
    ends.push(limit);
    ends
}

/// The scenario a run to a target ran, stopped as `status` says: `scenario` with
/// `simulation.paths` the paths simulated, what its `scenario.toml` and `summary.json` record,
/// so that the folder is that of a plain run of those paths (and `microfolio run scenario.toml`
/// reproduces it). `None` where the run went to its limit: `scenario` itself.
pub fn scenario_run(scenario: &Scenario, status: &Status) -> Result<Option<Scenario>, Error> {
    if status.paths == scenario.spec().simulation.paths as u64 {
        return Ok(None);
    }
    Ok(Some(scenario.with_run_size(Some(status.paths), None)?))
}

/// What `run --target-se METRIC=VALUE` asks: the standard error of the mean of `metric` at or
/// below `target`, in the metric's own unit (euros, a fraction for a percentage, a count).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetSe {
    pub metric: Scalar,
    pub target: f64,
}

impl FromStr for TargetSe {
    type Err = Error;

    /// `cost_to_state=50e3`: a scalar metric of `summary.json` and a positive number, written as
    /// in a scenario file (`50e3`, `50_000`).
    fn from_str(text: &str) -> Result<TargetSe, Error> {
        let refuse = |why: String| Error::argument(Arg::TargetSe, text, why);
        let Some((name, value)) = text.split_once('=') else {
            return Err(refuse(
                "expected METRIC=VALUE, such as cost_to_state=50e3 (the standard error of the \
                 mean of cost_to_state at or below €50,000)"
                    .to_string(),
            ));
        };
        let name = name.trim();
        let metric = Scalar::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Scalar::ALL.iter().map(|m| m.name()).collect();
            refuse(format!(
                "unknown metric `{}` (allowed: a metric of summary.json's `metrics`: {})",
                crate::scenario::shorten(name),
                names.join(", ")
            ))
        })?;
        let target = number(value).filter(|x| x.is_finite() && *x > 0.0);
        let Some(target) = target else {
            return Err(refuse(format!(
                "the value `{}` is not a positive number (allowed: a standard error in {}'s \
                 unit, above 0, such as 50e3 or 0.002)",
                crate::scenario::shorten(value.trim()),
                metric.name()
            )));
        };
        Ok(TargetSe { metric, target })
    }
}

/// A number as a scenario file writes it (`50e3`, `50_000`, `0.5`); `None` otherwise.
fn number(text: &str) -> Option<f64> {
    let mut table: toml::Table = toml::from_str(&format!("v = {}", text.trim())).ok()?;
    match table.remove("v")? {
        toml::Value::Integer(i) => Some(i as f64),
        toml::Value::Float(x) => Some(x),
        _ => None,
    }
}

impl std::fmt::Display for TargetSe {
    /// As the flag takes it: `cost_to_state=50000`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.metric.name(), self.target)
    }
}

impl TargetSe {
    /// Refuse the target for work it cannot steer: a run with parameter uncertainty (`uncertain`:
    /// its paired point-value run follows the drawn paths, and the standard error would mix
    /// parameter and path noise) and a shard (`shard`: a fixed range of paths, for a merge of
    /// all of them).
    pub fn check(&self, uncertain: bool, shard: bool) -> Result<(), Error> {
        let refuse = |why: &str| Error::argument(Arg::TargetSe, self, why);
        if uncertain {
            return Err(refuse(
                "not with parameter uncertainty (--uncertain): its standard error mixes the \
                 parameters' spread with the paths' and its paired point-value run follows the \
                 same paths; give --paths instead",
            ));
        }
        if shard {
            return Err(refuse(
                "not with --shard: a shard computes a fixed range of paths for the merge of all \
                 of them; give --paths instead",
            ));
        }
        Ok(())
    }
}

/// Where a run to a target standard error stands after a batch, and at its end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Status {
    pub target: TargetSe,
    /// The standard error of the mean over the paths so far ([`mean_se`]); `None` where the
    /// metric is defined on too few paths for one.
    pub se: Option<f64>,
    /// Paths simulated so far (`0..paths`).
    pub paths: u64,
    /// The path limit: the scenario's `simulation.paths`.
    pub limit: u64,
    /// Batches simulated so far.
    pub batches: usize,
}

impl Status {
    /// Whether the standard error is at or below the target.
    pub fn reached(&self) -> bool {
        self.se.is_some_and(|se| se <= self.target.target)
    }

    /// The `target_se` entry of `summary.json`.
    pub fn json(&self) -> Value {
        json!({
            "metric": self.target.metric.name(),
            "target": self.target.target,
            "reached": self.reached(),
            "se": self.se,
            "paths": self.paths,
            "limit": self.limit,
            "batches": self.batches,
        })
    }

    /// A `target_se` entry of `summary.json` read back ([`Status::json`]); `None` if it is not
    /// one.
    pub fn from_json(v: &Value) -> Option<Status> {
        let metric = Scalar::from_name(v.get("metric")?.as_str()?)?;
        let target = v.get("target")?.as_f64().filter(|x| *x > 0.0)?;
        let se = match v.get("se")? {
            Value::Null => None,
            x => Some(x.as_f64().filter(|x| *x >= 0.0)?),
        };
        let count = |key: &str| v.get(key)?.as_u64();
        let status = Status {
            target: TargetSe { metric, target },
            se,
            paths: count("paths")?,
            limit: count("limit")?,
            batches: usize::try_from(count("batches")?).ok()?,
        };
        // The record says whether it was reached; a file that disagrees with its numbers is
        // not one microfolio wrote.
        (v.get("reached")?.as_bool()? == status.reached()).then_some(status)
    }

    /// The outcome in one sentence, for the terminal and the report: `the standard error of
    /// the mean of cost_to_state reached its target €50.0k at 1,024 paths (se €48.2k, 3
    /// batches)`, or that it did not at the limit.
    pub fn sentence(&self) -> String {
        let m = self.target.metric;
        let unit = m.unit();
        let se = self.se.map_or("undefined".to_string(), |s| unit.error(s));
        let batches = format!(
            "{} batch{}",
            self.batches,
            if self.batches == 1 { "" } else { "es" }
        );
        let paths = crate::format::count(self.paths as f64);
        if self.reached() {
            format!(
                "the standard error of the mean of {} reached its target {} at {paths} paths \
                 (se {se}, {batches})",
                m.name(),
                unit.error(self.target.target)
            )
        } else {
            format!(
                "the standard error of the mean of {} did not reach its target {}: se {se} at \
                 the limit of {paths} paths ({batches}; simulation.paths or --paths raises the \
                 limit)",
                m.name(),
                unit.error(self.target.target)
            )
        }
    }
}

/// The observer of one batch, as the front end sees the whole run: the paths of the batches
/// before it counted as done, the limit as the total, and a stop counted over the whole run.
pub(crate) struct InBatch<'a> {
    pub inner: &'a dyn Observer,
    /// Paths of the batches before this one.
    pub before: u64,
    pub limit: u64,
}

impl InBatch<'_> {
    /// An interruption of the batch as one of the whole run.
    pub fn whole(&self, e: Error) -> Error {
        match e {
            Error::Interrupted { paths_done, .. } => Error::Interrupted {
                paths_done: self.before + paths_done,
                paths_total: self.limit,
            },
            other => other,
        }
    }
}

impl Observer for InBatch<'_> {
    fn progress(&self, p: Progress) {
        let paths_done = self.before + p.paths_done;
        self.inner.progress(Progress {
            paths_done,
            paths_total: self.limit,
            units_done: usize::from(paths_done >= self.limit),
            units_total: 1,
        });
    }
    fn should_stop(&self) -> bool {
        self.inner.should_stop()
    }
    fn precision(&self, status: &Status) {
        self.inner.precision(status);
    }
    fn stop_flag(&self) -> Option<&AtomicBool> {
        self.inner.stop_flag()
    }
    fn left_behind(&self, left: &LeftBehind) {
        self.inner.left_behind(left);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(sets: &str) -> Scenario {
        Scenario::from_toml_str(&format!(
            "[simulation]\n{sets}\n[initial_book]\nloans = 5\n[[segment]]\nname = \"a\"\n"
        ))
        .unwrap()
    }

    #[test]
    fn batches_double_from_the_first_and_end_at_the_limit() {
        assert_eq!(
            batch_ends(&scenario("paths = 3000")),
            [256, 512, 1024, 2048, 3000]
        );
        assert_eq!(batch_ends(&scenario("paths = 1024")), [256, 512, 1024]);
        assert_eq!(batch_ends(&scenario("paths = 100")), [100]);
        // R = 10: 10 · 2^5 = 320 paths, 32 points of each randomisation.
        let rqmc = scenario("paths = 2000\nsampling = \"rqmc\"\nrqmc_randomisations = 10");
        assert_eq!(batch_ends(&rqmc), [320, 640, 1280, 2000]);
        let many = scenario("paths = 2000\nsampling = \"rqmc\"\nrqmc_randomisations = 300");
        assert_eq!(batch_ends(&many), [300, 600, 1200, 2000]);
    }

    #[test]
    fn the_plain_standard_error_is_sd_over_root_n_of_the_defined_values() {
        let s = scenario("paths = 10");
        // 1, 2, 3: sd 1, se 1/√3.
        let se = mean_se(&s, &[1.0, f64::NAN, 2.0, 3.0], None, 7).unwrap();
        assert!((se - 1.0 / 3f64.sqrt()).abs() < 1e-15, "{se}");
        assert_eq!(mean_se(&s, &[1.0, f64::NAN], None, 0), None);
        // Under rqmc: the randomisations' (crate::rqmc's own known answer).
        let r = scenario("paths = 10\nsampling = \"rqmc\"\nrqmc_randomisations = 2");
        let se = mean_se(&r, &[3.0, 1.0, 5.0, 3.0, f64::NAN], None, 3).unwrap();
        assert!((se - 1.0).abs() < 1e-15, "{se}");
    }

    #[test]
    fn targets_parse_or_say_what_is_allowed() {
        let t: TargetSe = "cost_to_state=50e3".parse().unwrap();
        assert_eq!((t.metric, t.target), (Scalar::CostToState, 50_000.0));
        let t: TargetSe = " capital_depleted = 0.002 ".parse().unwrap();
        assert_eq!((t.metric, t.target), (Scalar::CapitalDepleted, 0.002));
        for (text, says) in [
            ("cost_to_state", "expected METRIC=VALUE"),
            ("cost=5", "unknown metric `cost`"),
            ("cost_to_state=0", "not a positive number"),
            ("cost_to_state=-1", "not a positive number"),
            ("cost_to_state=inf", "not a positive number"),
            ("cost_to_state=nan", "not a positive number"),
            ("cost_to_state=lots", "not a positive number"),
        ] {
            let e = text.parse::<TargetSe>().unwrap_err().to_string();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
