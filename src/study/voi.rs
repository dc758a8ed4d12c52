//! The value of information of a comparison under parameter uncertainty (`compare --uncertain
//! --voi OUTCOME`): how much a decision between the variants could gain if the uncertain
//! parameters were known before it is made (the EVPI), and if one parameter, or one group, were
//! (its EVPPI) — which estimate is worth measuring first.
//!
//! The decision picks the variant with the highest expected net benefit over the draws, the
//! reference among them. Per draw `k` and variant `v` the net benefit `NB_v(k)` comes from the
//! draw's means of the outcome's metrics ([`Outcome::net_benefit`], the means of `draws.csv`).
//! With `INB_v = NB_v − NB_0` (so that `INB_0 ≡ 0`) and `ĝ_v` its regression on the parameters
//! of a set `S`, Strong, Oakley & Brennan (2014, *Medical Decision Making* 34:311) estimate
//! `EVPPI(S) = mean_k max_v ĝ_v(θ_k) − max_v mean_k ĝ_v(θ_k)`: knowing `S` lets the decision
//! follow `E[INB | θ_S]` draw by draw instead of its mean. A single parameter is regressed on a
//! cubic B-spline with knots at its quantiles, or on the means of its values if it has few
//! ([`fit`]); a group and the EVPI (every parameter) on an additive model of its members. The
//! direct estimate of the EVPI from the draws, `mean_k max_v NB_v(k) − max_v mean_k NB_v(k)`,
//! is reported beside it: it takes the noise of `M` paths per draw for information, and is
//! biased upward by it, where the regression averages most of it out.
//!
//! Both are biased upward still, by the max of noisy fitted values and by finitely many draws;
//! the percentile intervals of a bootstrap over the draws (resampled with replacement from a
//! stream of the scenario's seed, so the same on any thread count) say how much the estimates
//! move with the draws, not how far the bias reaches.

pub mod fit;
pub mod outcome;

use rand::RngExt as _;
use rayon::prelude::*;
use serde_json::{Value, json};

use super::nested::DrawResults;
use crate::error::{Arg, Error};
use crate::format::pct;
use crate::output::csv::{CsvWriter, number};
use crate::random::stream;
use crate::scenario::Scenario;
use crate::units::Unit;
pub use outcome::Outcome;

/// File name of the table of EVPPIs.
pub const VOI_CSV: &str = "voi.csv";
/// Bootstrap resamples of the draws.
pub const BOOTSTRAP: usize = 200;
/// Fewest draws a value of information is computed from: a regression on one parameter needs
/// ten draws per coefficient ([`fit::columns`]), and with fewer than 20 draws not even a line
/// is fitted.
pub const MIN_DRAWS: u64 = 20;
/// The purpose of the bootstrap's stream, apart from every other purpose of `crate::random`
/// (the engine's are 1 to 8, the GSA bootstraps' `0x6753_61..`).
const VOI_BOOTSTRAP: u64 = 0x766f_6901;

/// The bias of the method, said in `summary.json` and the report.
pub const BIAS: &str = "Every estimate is biased upward: the maximum over variants of fitted \
    values that carry some noise exceeds the maximum of the true conditional means on average, \
    and finitely many draws add to it; the direct EVPI takes the whole Monte Carlo noise of each \
    draw's mean for information and is biased upward most. The bootstrap interval shows how much \
    the estimate moves with the draws; it does not remove the bias. More paths per draw shrink \
    the noise, more draws the regressions' error.";

/// An estimate with its percentile bootstrap interval (2.5% to 97.5%).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Estimate {
    fn json(&self) -> Value {
        json!({"value": self.value, "low": self.low, "high": self.high})
    }
}

/// One row of `voi.csv`: a parameter, or a group of two or more.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The parameter's or the group's name.
    pub name: String,
    /// The parameters it holds (one for a parameter).
    pub members: Vec<String>,
    /// `None` when the draws are too few for its regression (ten per coefficient).
    pub evppi: Option<Estimate>,
}

/// A decision problem from the draws: the parameters' values and every variant's net benefit.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The uncertain parameters' names.
    pub parameters: Vec<String>,
    /// The groups of two or more parameters: name and members (indices of `parameters`).
    pub groups: Vec<(String, Vec<usize>)>,
    /// `[parameter][draw]`: the drawn values.
    pub values: Vec<Vec<f64>>,
    /// `[variant][draw]`: the net benefit, the reference (the status quo of `INB`) first.
    pub net_benefit: Vec<Vec<f64>>,
}

/// What the decision and its value of information came to.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Per variant: the mean net benefit over the draws.
    pub expected: Vec<f64>,
    /// Per variant: the share of draws on which it has the highest net benefit (ties shared).
    pub p_best: Vec<f64>,
    /// The variant the decision picks: the highest expected net benefit (the first of equals).
    pub chosen: usize,
    /// The EVPI by the regression on every parameter (additive); `None` with fewer than ten
    /// draws per coefficient of a line in each parameter.
    pub evpi: Option<Estimate>,
    /// The EVPI straight from the draws' net benefits (biased upward by their noise).
    pub evpi_direct: Estimate,
    /// The EVPPI of every parameter, then of every group of two or more.
    pub rows: Vec<Row>,
    /// The rows whose EVPPI, or the regression's EVPI, is above the direct EVPI's interval:
    /// the direct EVPI is biased upward, so an EVPPI above it is a regression overshooting
    /// (too few draws for the shape of the net benefit).
    pub overshoot: Vec<String>,
    /// Draws and bootstrap resamples used.
    pub draws: usize,
    pub resamples: usize,
}

/// `mean_k max(0, max_v g_v(k)) − max(0, max_v mean_k g_v(k))` for incremental values `g`
/// (the reference's, 0, left out): the expected gain of choosing per draw over choosing once.
/// Both terms sum over the draws in the same order, so that a variant best on every draw gives
/// exactly 0.
pub fn gain(g: &[Vec<f64>]) -> f64 {
    let k = g.first().map_or(0, Vec::len);
    if k == 0 {
        return 0.0;
    }
    let per_draw: f64 = (0..k)
        .map(|i| g.iter().map(|v| v[i]).fold(0.0, f64::max))
        .sum::<f64>()
        / k as f64;
    let once = g
        .iter()
        .map(|v| v.iter().sum::<f64>() / k as f64)
        .fold(0.0, f64::max);
    (per_draw - once).max(0.0)
}

impl Problem {
    /// The member sets of every row, then of the EVPI (every parameter).
    fn sets(&self) -> Vec<Vec<usize>> {
        let mut sets: Vec<Vec<usize>> = (0..self.parameters.len()).map(|i| vec![i]).collect();
        sets.extend(self.groups.iter().map(|(_, m)| m.clone()));
        sets.push((0..self.parameters.len()).collect());
        sets
    }

    /// The estimates on the draws `rows` (a resample, or all): the EVPPI of every set of
    /// [`Problem::sets`] (`None` for a set too large for the draws), then the direct EVPI.
    fn estimates(&self, sets: &[Vec<usize>], rows: &[usize]) -> Vec<Option<f64>> {
        let pick = |x: &[f64]| rows.iter().map(|&k| x[k]).collect::<Vec<f64>>();
        let values: Vec<Vec<f64>> = self.values.iter().map(|x| pick(x)).collect();
        let base = pick(&self.net_benefit[0]);
        let inb: Vec<Vec<f64>> = self.net_benefit[1..]
            .iter()
            .map(|nb| pick(nb).iter().zip(&base).map(|(b, a)| b - a).collect())
            .collect();
        let mut out: Vec<Option<f64>> = sets
            .iter()
            .map(|set| {
                let x: Vec<&[f64]> = set.iter().map(|&i| values[i].as_slice()).collect();
                fit::additive(&x, &inb).map(|g| gain(&g))
            })
            .collect();
        out.push(Some(gain(&inb)));
        out
    }

    /// The decision, the EVPI (by regression and direct) and every row's EVPPI, with percentile
    /// intervals of `resamples` bootstrap resamples of the draws drawn from `seed`.
    pub fn analyse(&self, resamples: usize, seed: u64) -> Analysis {
        let k = self.net_benefit[0].len();
        let variants = self.net_benefit.len();
        let expected: Vec<f64> = self
            .net_benefit
            .iter()
            .map(|nb| nb.iter().sum::<f64>() / k as f64)
            .collect();
        let chosen = (0..variants).fold(0, |best, v| {
            if expected[v] > expected[best] {
                v
            } else {
                best
            }
        });
        let mut p_best = vec![0.0; variants];
        for d in 0..k {
            let top = self
                .net_benefit
                .iter()
                .map(|nb| nb[d])
                .fold(f64::NEG_INFINITY, f64::max);
            let winners: Vec<usize> = (0..variants)
                .filter(|&v| self.net_benefit[v][d] == top)
                .collect();
            for v in &winners {
                p_best[*v] += 1.0 / winners.len() as f64;
            }
        }
        // Counted first and divided once, so that a variant best on every draw has exactly 1.
        for p in &mut p_best {
            *p /= k as f64;
        }
        let sets = self.sets();
        let all: Vec<usize> = (0..k).collect();
        let point = self.estimates(&sets, &all);
        let resampled: Vec<Vec<Option<f64>>> = (0..resamples)
            .into_par_iter()
            .map(|b| {
                let mut rng = stream(seed, VOI_BOOTSTRAP, b as u64);
                let rows: Vec<usize> = (0..k).map(|_| rng.random_range(0..k)).collect();
                self.estimates(&sets, &rows)
            })
            .collect();
        // A set is fitted or not by its size and the number of draws alone, the same on every
        // resample.
        let estimate = |i: usize| {
            let value = point[i]?;
            let mut column: Vec<f64> = resampled.iter().filter_map(|r| r[i]).collect();
            column.sort_by(f64::total_cmp);
            let q = |p| crate::stats::quantile(&column, p).unwrap_or(value);
            Some(Estimate {
                value,
                low: q(0.025),
                high: q(0.975),
            })
        };
        let singles = self.parameters.iter().enumerate().map(|(i, p)| Row {
            name: p.clone(),
            members: vec![p.clone()],
            evppi: estimate(i),
        });
        let groups = self
            .groups
            .iter()
            .enumerate()
            .map(|(j, (name, members))| Row {
                name: name.clone(),
                members: members
                    .iter()
                    .map(|&i| self.parameters[i].clone())
                    .collect(),
                evppi: estimate(self.parameters.len() + j),
            });
        let rows: Vec<Row> = singles.chain(groups).collect();
        let evpi = estimate(sets.len() - 1);
        let evpi_direct = estimate(sets.len()).expect("the direct EVPI is always estimated");
        let above = |e: &Option<Estimate>| e.is_some_and(|e| e.value > evpi_direct.high);
        let mut overshoot: Vec<String> = rows
            .iter()
            .filter(|r| above(&r.evppi))
            .map(|r| r.name.clone())
            .collect();
        if above(&evpi) {
            overshoot.push("EVPI".to_string());
        }
        Analysis {
            expected,
            p_best,
            chosen,
            evpi,
            evpi_direct,
            rows,
            overshoot,
            draws: k,
            resamples,
        }
    }
}

/// The value of information of a comparison: its outcome, the variants' names, the analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Voi {
    pub outcome: Outcome,
    pub variants: Vec<String>,
    pub analysis: Analysis,
}

impl Voi {
    /// From a comparison's draws: the net benefit of every variant (`names`, the reference
    /// first) on every draw, the parameters and groups of `reference`'s `[[uncertain]]`
    /// section. Refused when a needed mean is undefined on a draw (the metric was undefined on
    /// every path of the draw): a decision cannot be valued on a draw without its outcome.
    pub fn of_draws(
        outcome: Outcome,
        reference: &Scenario,
        names: &[&str],
        draws: &DrawResults,
    ) -> Result<Voi, Error> {
        let metrics = outcome.metrics();
        let mut columns = Vec::new();
        for m in &metrics {
            let j = draws.metrics.iter().position(|x| x == m).ok_or_else(|| {
                Error::Input(format!(
                    "--voi {outcome}: the study kept no draw means of {}",
                    m.name()
                ))
            })?;
            columns.push(j);
        }
        let k = draws.values.len();
        let mut net_benefit = Vec::with_capacity(names.len());
        for (v, name) in names.iter().enumerate() {
            let mut nb = Vec::with_capacity(k);
            for d in 0..k {
                let mut means = Vec::with_capacity(metrics.len());
                for (m, &j) in metrics.iter().zip(&columns) {
                    let Some(x) = draws.means[v][j][d] else {
                        return Err(Error::Input(format!(
                            "--voi {outcome}: {} is undefined on every path of draw {d} of \
                             variant {name} (draws.csv), so the decision's outcome is unknown \
                             there; choose an outcome defined on every draw, or more paths \
                             per draw",
                            m.name()
                        )));
                    };
                    means.push(x);
                }
                nb.push(outcome.net_benefit(&means));
            }
            net_benefit.push(nb);
        }
        let uncertain = reference.uncertain();
        let parameters: Vec<String> = uncertain.iter().map(|p| p.name.clone()).collect();
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, p) in uncertain.iter().enumerate() {
            match groups.iter_mut().find(|(g, _)| g == p.group_name()) {
                Some((_, members)) => members.push(i),
                None => groups.push((p.group_name().to_string(), vec![i])),
            }
        }
        groups.retain(|(_, m)| m.len() >= 2);
        let values = (0..parameters.len())
            .map(|i| draws.values.iter().map(|x| x[i]).collect())
            .collect();
        let problem = Problem {
            parameters,
            groups,
            values,
            net_benefit,
        };
        let seed = reference.spec().simulation.seed as u64;
        Ok(Voi {
            outcome,
            variants: names.iter().map(|n| n.to_string()).collect(),
            analysis: problem.analyse(BOOTSTRAP, seed),
        })
    }

    /// Refuse a value of information with fewer than [`MIN_DRAWS`] draws.
    pub fn check_draws(outcome: &Outcome, draws: u64) -> Result<(), Error> {
        if draws < MIN_DRAWS {
            return Err(Error::argument(
                Arg::Draws,
                draws,
                format!(
                    "the value of information on {outcome} regresses each variant's net \
                     benefit on the draws and needs at least {MIN_DRAWS} of them (100 or more \
                     would do)"
                ),
            ));
        }
        Ok(())
    }

    /// `voi.csv`: `parameter,evppi,low,high`, a row per parameter, then per group of two or
    /// more.
    pub fn csv(&self) -> String {
        let mut out = CsvWriter::text_file(["parameter", "evppi", "low", "high"]);
        for r in &self.analysis.rows {
            out.push([
                r.name.clone(),
                number(r.evppi.map(|e| e.value)),
                number(r.evppi.map(|e| e.low)),
                number(r.evppi.map(|e| e.high)),
            ]);
        }
        out.into_string()
    }

    /// An amount in the outcome's unit: `€1.2m`, `3.5 entrepreneurs_financed`.
    pub fn amount(&self, x: f64) -> String {
        match self.outcome.unit() {
            Unit::Money => crate::format::eur(x),
            unit => {
                let name = match self.outcome {
                    Outcome::Metric(m) => m.name(),
                    Outcome::Net { cost, .. } => cost.name(),
                };
                format!("{} (in units of {name})", unit.value(x))
            }
        }
    }

    /// The single parameter worth measuring first: the largest EVPPI (the first of equals),
    /// `None` if every EVPPI is 0 or unknown.
    pub fn first(&self) -> Option<&Row> {
        largest(self.analysis.rows.iter().filter(|r| r.members.len() == 1))
    }

    /// An estimate with its interval, in words.
    fn interval(&self, e: &Estimate) -> String {
        format!(
            "{} (95% bootstrap interval {} to {})",
            self.amount(e.value),
            self.amount(e.low),
            self.amount(e.high)
        )
    }

    /// What the decision is and which estimate is worth measuring first, in words.
    pub fn verdict(&self) -> String {
        let a = &self.analysis;
        let chosen = &self.variants[a.chosen];
        let mut out = format!(
            "On {}, the decision on expected value today is {chosen}, the best variant on {} of \
             the {} draws.",
            self.outcome.words(),
            pct(a.p_best[a.chosen], 0),
            a.draws
        );
        let evpi = match a.evpi {
            Some(e) => format!("{} (the EVPI)", self.interval(&e)),
            None => format!(
                "{} by the draws' means alone (the direct EVPI, biased upward by their noise; \
                 the regression on every parameter needs {} draws or more)",
                self.interval(&a.evpi_direct),
                fit::DRAWS_PER_COEFFICIENT
                    * (a.rows.iter().filter(|r| r.members.len() == 1).count() + 1)
            ),
        };
        let nothing = a.evpi_direct.value == 0.0 && a.evpi.is_none_or(|e| e.value == 0.0);
        if nothing {
            out.push_str(&format!(
                " No uncertain parameter can change it: {chosen} is ahead on every draw, so the \
                 expected value of perfect information (EVPI) is 0 and measuring an estimate \
                 better gains this decision nothing."
            ));
            return out;
        }
        match self.first() {
            None => out.push_str(&format!(
                " Knowing every uncertain parameter would be worth {evpi} per decision, but no \
                 single one is worth anything alone by the regressions."
            )),
            Some(first) => {
                let e = first.evppi.expect("first has an estimate");
                out.push_str(&format!(
                    " The estimate worth measuring first is {}: knowing it before deciding \
                     would {} by {} per decision (its EVPPI).",
                    first.name,
                    self.outcome.gain_words(),
                    self.interval(&e),
                ));
                if e.low == 0.0 {
                    out.push_str(
                        " Its interval reaches 0, though: on these draws no single estimate \
                         stands out from the noise.",
                    );
                }
                out.push_str(&format!(
                    " Knowing every uncertain parameter would be worth {evpi}."
                ));
                let group = largest(
                    a.rows
                        .iter()
                        .filter(|r| r.members.len() > 1 && value(r) > e.value),
                );
                if let Some(g) = group {
                    out.push_str(&format!(
                        " Measured together, the group {} ({}) would be worth {}.",
                        g.name,
                        g.members.join(", "),
                        self.interval(&g.evppi.expect("a group of the largest value"))
                    ));
                }
            }
        }
        if !a.overshoot.is_empty() {
            out.push_str(&format!(
                " Caution: the regression puts {} above the interval of the direct EVPI, which \
                 is biased upward and so bounds every EVPPI on average: there the fit overshoots \
                 (too few draws for the shape of the net benefit), and more draws would tell.",
                a.overshoot.join(", ")
            ));
        }
        out
    }

    /// One line for the terminal.
    pub fn line(&self) -> String {
        let a = &self.analysis;
        let first =
            self.first()
                .and_then(|r| r.evppi.map(|e| (r, e)))
                .map_or(String::new(), |(r, e)| {
                    format!(
                        "; measure {} first (EVPPI {}, {} to {})",
                        r.name,
                        self.amount(e.value),
                        self.amount(e.low),
                        self.amount(e.high)
                    )
                });
        let evpi = a.evpi.map_or("EVPI by regression –".to_string(), |e| {
            format!(
                "EVPI {} ({} to {})",
                self.amount(e.value),
                self.amount(e.low),
                self.amount(e.high)
            )
        });
        format!(
            "value of information on {}: decide for {}; {evpi}; direct from the draws' means {} \
             (biased up by their noise){first} (voi.csv)",
            self.outcome,
            self.variants[a.chosen],
            self.amount(a.evpi_direct.value),
        )
    }

    /// The `voi` entry of the study's `summary.json`.
    pub fn summary(&self) -> Value {
        let a = &self.analysis;
        let estimate = |e: &Option<Estimate>| e.map_or(Value::Null, |e| e.json());
        json!({
            "outcome": self.outcome.to_string(),
            "net_benefit": format!("per draw and variant: {}", self.outcome.describe()),
            "unit": format!("{:?}", self.outcome.unit()).to_lowercase(),
            "decision": "the variant with the highest expected net benefit over the draws, the reference among the variants",
            "chosen": self.variants[a.chosen],
            "expected_net_benefit": self.variants.iter().zip(&a.expected).map(|(v, x)| json!({"variant": v, "value": x})).collect::<Vec<_>>(),
            "p_best_draws": self.variants.iter().zip(&a.p_best).map(|(v, x)| json!({"variant": v, "value": x})).collect::<Vec<_>>(),
            "evpi": estimate(&a.evpi),
            "evpi_direct": a.evpi_direct.json(),
            "evpi_meaning": "per decision, in the outcome's unit: evpi by the regression of each variant's incremental net benefit on every uncertain parameter (additive; null with fewer than 10 draws per coefficient of a line in each parameter), evpi_direct as the mean over draws of the best net benefit less the best mean net benefit, straight from the draws' means",
            "method": format!("regression method of Strong, Oakley & Brennan (2014): EVPPI = mean_k max_v g_v(theta_k) - max_v mean_k g_v(theta_k), g_v the least-squares fit of NB_v - NB_reference on the parameter(s); a single parameter on a cubic B-spline with floor(K^(1/3)) - 1 interior knots (at most 8) at its quantiles, or on the means of its values when it has few; a group and the EVPI on an additive model of its members' splines fitted jointly; at least {} draws per coefficient (fewer knots, then a quadratic or a line per member; null when not even a line each fits); K = {} draws", fit::DRAWS_PER_COEFFICIENT, a.draws),
            "bias": BIAS,
            "overshoot": a.overshoot,
            "intervals": format!("percentile bootstrap, 2.5% to 97.5%, of {} resamples of the draws with replacement (seeded by the scenario's seed), refitted on each", a.resamples),
            "rows": a.rows.iter().map(|r| json!({
                "parameter": r.name,
                "members": r.members,
                "evppi": r.evppi.map(|e| e.value),
                "low": r.evppi.map(|e| e.low),
                "high": r.evppi.map(|e| e.high),
            })).collect::<Vec<_>>(),
        })
    }
}

/// A row's EVPPI, −∞ when unknown (for choosing the largest).
fn value(r: &Row) -> f64 {
    r.evppi.map_or(f64::NEG_INFINITY, |e| e.value)
}

/// The row of the largest EVPPI above 0 (the first of equals).
fn largest<'a>(rows: impl Iterator<Item = &'a Row>) -> Option<&'a Row> {
    rows.filter(|r| value(r) > 0.0)
        .fold(None, |best: Option<&Row>, r| match best {
            Some(b) if value(b) >= value(r) => Some(b),
            _ => Some(r),
        })
}
