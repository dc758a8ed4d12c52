//! Sobol' indices from the outcomes of a [`SaltelliDesign`], computed as SALib 1.6's
//! `analyze.sobol.analyze` computes them, so that SALib given the same points and outcomes
//! reproduces the point estimates:
//!
//! - the outcomes are first standardised over all points, `y ← (y − mean) / sd` (`sd` with
//!   `n`, numpy's default); the indices are ratios, so only the centring matters, but it does
//!   matter for the first- and second-order estimators;
//! - `V = var([f(A); f(B)])`, over the `2N` points of `A` and `B`, again with `n`;
//! - first order (Saltelli et al. 2010): `S1_i = mean(f(B) (f(AB_i) − f(A))) / V`;
//! - total (Jansen 1999): `ST_i = ½ mean((f(A) − f(AB_i))²) / V`;
//! - second order (Saltelli 2002): `S2_ij = mean(f(BA_i) f(AB_j) − f(A) f(B)) / V − S1_i − S1_j`;
//! - where `[f(A); f(B)]` is constant (range ≤ machine epsilon) every index is 0, as in SALib.
//!
//! The bootstrap resamples the `N` base rows with replacement (one draw of rows serves every
//! index of a resample) and recomputes the estimators on the standardised outcomes; each
//! resample draws its rows from its own stream (seed, resample index), so resamples run in
//! parallel and give the same numbers on any thread count. Each index gets the normal bootstrap
//! interval at the confidence level, the estimate ± SALib's half-width ([`Estimate`]). Cost: O(B N g) for first and
//! total order, O(B N g²) with second order; memory O(B g²).

use rand::RngExt;
use rayon::prelude::*;

use super::saltelli::SaltelliDesign;
use super::{Estimate, GsaError, SALTELLI_BOOTSTRAP, check_bootstrap, check_outcomes, stream};

/// How to summarise the bootstrap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolOptions {
    /// Bootstrap resamples, at least 2. By default 1,000.
    pub resamples: usize,
    /// Confidence level of the intervals, in (0, 1). By default 0.95.
    pub confidence: f64,
    /// Seed of the resamples. By default 0.
    pub seed: u64,
}

impl Default for SobolOptions {
    fn default() -> Self {
        SobolOptions {
            resamples: 1000,
            confidence: 0.95,
            seed: 0,
        }
    }
}

/// A second-order index of groups `i < j`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SecondOrder {
    pub i: usize,
    pub j: usize,
    pub estimate: Estimate,
}

/// Sobol' indices of one outcome, one per group.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolIndices {
    /// First-order indices `S1`, in group order.
    pub first: Vec<Estimate>,
    /// Total indices `ST`, in group order.
    pub total: Vec<Estimate>,
    /// Second-order indices `S2` of every pair `i < j` in the order (0,1), (0,2), ..., (1,2),
    /// ...; empty for a design without second order.
    pub second: Vec<SecondOrder>,
    /// The variance of the outcome over the `2N` points of `A` and `B` (with `n`), in the
    /// outcome's own units.
    pub variance: f64,
    /// Whether the outcome was the same at every point (all indices are then 0).
    pub constant: bool,
}

impl SobolIndices {
    /// The second-order index of groups `i` and `j` (either order), if computed.
    pub fn second_order(&self, i: usize, j: usize) -> Option<&Estimate> {
        let (i, j) = (i.min(j), i.max(j));
        self.second
            .iter()
            .find(|s| s.i == i && s.j == j)
            .map(|s| &s.estimate)
    }
}

/// The outcomes at one base row's points, standardised.
struct Rows<'a> {
    y: &'a [f64],
    per_row: usize,
    groups: usize,
}

impl Rows<'_> {
    fn a(&self, n: usize) -> f64 {
        self.y[n * self.per_row]
    }
    fn b(&self, n: usize) -> f64 {
        self.y[n * self.per_row + self.per_row - 1]
    }
    fn ab(&self, n: usize, i: usize) -> f64 {
        self.y[n * self.per_row + 1 + i]
    }
    fn ba(&self, n: usize, i: usize) -> f64 {
        self.y[n * self.per_row + 1 + self.groups + i]
    }
}

/// Every estimate (first order, total, then second order if asked) on the base rows `rows`
/// (all of them, or a bootstrap resample).
fn estimates(y: &Rows<'_>, rows: &[usize], second: bool) -> Vec<f64> {
    let g = y.groups;
    let n = rows.len() as f64;
    let pairs = if second { g * (g - 1) / 2 } else { 0 };
    let mut out = vec![0.0; 2 * g + pairs];
    // The variance of [f(A); f(B)] with 2N in the denominator, and its range.
    let (mut lo, mut hi, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
    for &r in rows {
        for v in [y.a(r), y.b(r)] {
            lo = lo.min(v);
            hi = hi.max(v);
            sum += v;
        }
    }
    let mean = sum / (2.0 * n);
    let var = rows
        .iter()
        .map(|&r| (y.a(r) - mean).powi(2) + (y.b(r) - mean).powi(2))
        .sum::<f64>()
        / (2.0 * n);
    if hi - lo <= f64::EPSILON || var <= f64::EPSILON {
        return out;
    }
    let (first, rest) = out.split_at_mut(g);
    let (total, second_out) = rest.split_at_mut(g);
    for i in 0..g {
        let (mut s1, mut st) = (0.0, 0.0);
        for &r in rows {
            let (a, b, ab) = (y.a(r), y.b(r), y.ab(r, i));
            s1 += b * (ab - a);
            st += (a - ab) * (a - ab);
        }
        first[i] = s1 / n / var;
        total[i] = 0.5 * st / n / var;
    }
    let mut k = 0;
    for i in 0..if second { g } else { 0 } {
        for j in (i + 1)..g {
            let mut v = 0.0;
            for &r in rows {
                v += y.ba(r, i) * y.ab(r, j) - y.a(r) * y.b(r);
            }
            second_out[k] = v / n / var - first[i] - first[j];
            k += 1;
        }
    }
    out
}

/// Sobol' indices of one outcome from its values at every point of `design`, in design order.
pub fn sobol_indices(
    design: &SaltelliDesign,
    outcomes: &[f64],
    options: &SobolOptions,
) -> Result<SobolIndices, GsaError> {
    check_outcomes(outcomes, design.len())?;
    check_bootstrap(options.resamples, options.confidence)?;
    let g = design.groups().count();
    let base = design.base_samples();
    let second = design.second_order();

    // SALib standardises over all points first (numpy's std, with n).
    let count = outcomes.len() as f64;
    let mean = outcomes.iter().sum::<f64>() / count;
    let sd = (outcomes.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / count).sqrt();
    let standard: Vec<f64> = if sd > 0.0 {
        outcomes.iter().map(|y| (y - mean) / sd).collect()
    } else {
        vec![0.0; outcomes.len()]
    };
    let y = Rows {
        y: &standard,
        per_row: design.per_row(),
        groups: g,
    };
    let all: Vec<usize> = (0..base).collect();
    let point = estimates(&y, &all, second);

    let resampled: Vec<Vec<f64>> = (0..options.resamples)
        .into_par_iter()
        .map(|b| {
            let mut rng = stream(options.seed, SALTELLI_BOOTSTRAP, b as u64);
            let rows: Vec<usize> = (0..base).map(|_| rng.random_range(0..base)).collect();
            estimates(&y, &rows, second)
        })
        .collect();
    let mut column = vec![0.0; options.resamples];
    let mut summarise = |index: usize| {
        for (c, r) in column.iter_mut().zip(&resampled) {
            *c = r[index];
        }
        Estimate::from_resamples(point[index], &column, options.confidence)
    };
    let first = (0..g).map(&mut summarise).collect();
    let total = (g..2 * g).map(&mut summarise).collect();
    let mut pairs = Vec::new();
    if second {
        let mut k = 2 * g;
        for i in 0..g {
            for j in (i + 1)..g {
                pairs.push(SecondOrder {
                    i,
                    j,
                    estimate: summarise(k),
                });
                k += 1;
            }
        }
    }
    // The variance in the outcome's units: that of the standardised values times sd².
    let ab: Vec<f64> = (0..base).flat_map(|r| [y.a(r), y.b(r)]).collect();
    let ab_mean = ab.iter().sum::<f64>() / ab.len() as f64;
    let variance =
        ab.iter().map(|v| (v - ab_mean).powi(2)).sum::<f64>() / ab.len() as f64 * sd * sd;
    Ok(SobolIndices {
        first,
        total,
        second: pairs,
        variance,
        constant: sd == 0.0,
    })
}
