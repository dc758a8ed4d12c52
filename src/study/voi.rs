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
mod report;

use rand::RngExt as _;
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::random::stream;
pub use outcome::Outcome;
pub use report::Voi;

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
/// The stream of the noise floor's dummy parameters.
const VOI_FLOOR: u64 = 0x766f_6902;
/// Dummy parameters the noise floor is made of.
pub const FLOOR_DUMMIES: usize = 40;

/// The noise floor: the EVPPI that parameters unrelated to the outcome get on these draws
/// (dummies drawn uniform and independent of everything, fitted as a single parameter is).
/// Their true EVPPI is 0, so what they get is the method's upward bias here — the fit taking
/// the draws' noise for a signal — and a parameter's EVPPI within it is not told from none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Floor {
    /// The median and the 90th percentile of the dummies' EVPPIs.
    pub median: f64,
    pub p90: f64,
    pub dummies: usize,
}

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
    /// What a parameter unrelated to the outcome gets ([`Floor`]); `None` with too few draws
    /// for a single parameter's fit.
    pub floor: Option<Floor>,
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

    /// The noise floor of these draws ([`Floor`]): the EVPPI of [`FLOOR_DUMMIES`] dummy
    /// parameters, each a uniform per draw from its own stream of `seed`.
    fn floor(&self, seed: u64) -> Option<Floor> {
        let k = self.net_benefit[0].len();
        let base = &self.net_benefit[0];
        let inb: Vec<Vec<f64>> = self.net_benefit[1..]
            .iter()
            .map(|nb| nb.iter().zip(base).map(|(b, a)| b - a).collect())
            .collect();
        let gains: Option<Vec<f64>> = (0..FLOOR_DUMMIES)
            .into_par_iter()
            .map(|j| {
                let mut rng = stream(seed, VOI_FLOOR, j as u64);
                let x: Vec<f64> = (0..k).map(|_| rng.random::<f64>()).collect();
                fit::additive(&[x.as_slice()], &inb).map(|g| gain(&g))
            })
            .collect();
        let mut gains = gains?;
        gains.sort_by(f64::total_cmp);
        let q = |p| crate::stats::quantile(&gains, p).unwrap_or(0.0);
        Some(Floor {
            median: q(0.5),
            p90: q(0.9),
            dummies: FLOOR_DUMMIES,
        })
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
        let floor = self.floor(seed);
        Analysis {
            expected,
            p_best,
            chosen,
            evpi,
            evpi_direct,
            rows,
            overshoot,
            floor,
            draws: k,
            resamples,
        }
    }
}
