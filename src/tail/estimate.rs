//! The statistics of weighted paths (`simulation.sampling = "tail"`, docs/model.md §12): every
//! path carries its likelihood ratio `w` (the density of its innovations under plain sampling
//! over their density under the shifted one), `E[w] = 1`, and `E[w · f(path)]` under the
//! sampling is the plain expectation of `f`.
//!
//! Which estimator for which statistic is the usual choice of importance sampling for tails:
//!
//! - a **mean** (a probability is the mean of an indicator) of an outcome defined on every path is
//!   the regression estimator with the weights as control variate (Owen 2013, §9.9):
//!   `(1/n) Σ w x - b ((1/n) Σ w - 1)`, `b` the least-squares slope of `w x` on `w`, and its
//!   standard error the residuals' `sd(w x - b w) / sqrt(n)`. `E[w] = 1` exactly, so the
//!   correction takes out of `(1/n) Σ w x` (exactly unbiased) the part of its noise that is the
//!   noise of the weights' own mean: for an outcome far from 0 on every path, such as capital,
//!   that part would swamp it; for a tail probability the sampling aimed at, `b` is near 0 and
//!   the estimate that of `(1/n) Σ w 1{A}`. Estimating `b` costs a bias of order `1/n`, far below
//!   the standard error; with equal weights it is the plain mean. Of an outcome undefined on
//!   some paths the mean is the self-normalised `Σ w x / Σ w` over the defined ones (the
//!   conditional mean), with the delta method's `sqrt(Σ w² (x - mean)²) / Σ w`;
//! - a **quantile** at level `p` is read from the nearer tail's mass: for `p >= 0.5` the least
//!   value `q` with `(1/n) Σ_{x > q} w <= 1 - p`, for `p < 0.5` the greatest with
//!   `(1/n) Σ_{x < q} w <= p`, each tail mass an unbiased estimate of a tail probability (over
//!   the paths where the outcome is defined, divided by their weighted share when some are not);
//! - the **expected shortfall** beyond a quantile is the weighted mean of the paths at or beyond
//!   it;
//! - the **effective sample size** is Kish's `(Σ w)² / Σ w²`: `n` for equal weights, less as the
//!   weights spread.
//!
//! With every weight 1 these are the plain statistics, except that the quantiles are points of
//! the sample rather than type-7 interpolations between them.

use crate::stats::{SUMMARY_QUANTILES, Summary};

/// A value and its path's weight.
#[derive(Debug, Clone, Copy)]
struct Weighted {
    x: f64,
    w: f64,
}

/// Summary of `values` (NaN where undefined) weighted by `weights` (one per value): `None`
/// where no value is defined. `n` counts the defined values; `sd` is the weighted standard
/// deviation (with Bessel's factor `n / (n - 1)`); `mean` and `se` follow the module's rule
/// (the regression estimator where the metric is defined on every path, else self-normalised).
pub fn summary(values: &[f64], weights: &[f64]) -> Option<Summary> {
    let (defined, _) = sorted_defined(values, weights)?;
    summary_of(&defined, values.len())
}

/// [`summary`] of the defined values of a metric sorted ascending, `weights` theirs, of a run
/// of `paths` paths (the others undefined): what the charts recompute from a file of paths.
pub fn summary_sorted(sorted: &[f64], weights: &[f64], paths: usize) -> Option<Summary> {
    assert_eq!(sorted.len(), weights.len(), "a weight per value");
    let defined: Vec<Weighted> = sorted
        .iter()
        .zip(weights)
        .map(|(&x, &w)| Weighted { x, w })
        .collect();
    if defined.is_empty() {
        return None;
    }
    summary_of(&defined, paths)
}

/// [`summary`] of the defined values sorted with their weights, of `paths` paths in all.
fn summary_of(defined: &[Weighted], paths: usize) -> Option<Summary> {
    let all = paths as f64;
    let n = defined.len();
    let total: f64 = defined.iter().map(|v| v.w).sum();
    let (mean, se) = if n == paths {
        let (x, w): (Vec<f64>, Vec<f64>) = defined.iter().map(|v| (v.x, v.w)).unzip();
        regression_mean(&x, &w)
    } else {
        let mean = defined.iter().map(|v| v.w * v.x).sum::<f64>() / total;
        let squares: f64 = defined.iter().map(|v| (v.w * (v.x - mean)).powi(2)).sum();
        // With Bessel's factor, so that equal weights give the plain `sd / sqrt(n)`.
        let bessel = (n as f64 / (n as f64 - 1.0)).sqrt();
        (mean, (n > 1).then(|| squares.sqrt() / total * bessel))
    };
    let spread: f64 = defined.iter().map(|v| v.w * (v.x - mean).powi(2)).sum();
    let sd = (n > 1).then(|| (spread / total * n as f64 / (n - 1) as f64).sqrt());
    // The tails' masses are shares of all paths; of the paths where the outcome is defined
    // when it is not defined on all.
    let scale = if n == paths { all } else { total };
    let mut quantiles = SUMMARY_QUANTILES.map(|(_, p)| quantile_of(defined, scale, p));
    monotone(&mut quantiles);
    Some(Summary {
        n,
        mean,
        sd,
        se,
        min: defined[0].x,
        max: defined[n - 1].x,
        quantiles,
    })
}

/// Quantile at level `p` of `values` (NaN undefined) weighted by `weights`, read from the
/// nearer tail (the module's rule); `None` where no value is defined.
pub fn quantile(values: &[f64], weights: &[f64], p: f64) -> Option<f64> {
    let (defined, scale) = sorted_defined(values, weights)?;
    Some(quantile_of(&defined, scale, p))
}

/// The quantiles at `levels` (ascending) of `values` weighted by `weights`, made
/// non-decreasing ([`monotone`]); `None` where no value is defined.
pub fn quantiles<const K: usize>(
    values: &[f64],
    weights: &[f64],
    levels: [f64; K],
) -> Option<[f64; K]> {
    let (defined, scale) = sorted_defined(values, weights)?;
    let mut q = levels.map(|p| quantile_of(&defined, scale, p));
    monotone(&mut q);
    Some(q)
}

/// Quantiles at ascending levels made non-decreasing, each the greatest of itself and those
/// below. The two tails' masses are estimated separately and do not quite add up to 1 (the
/// weights' mean is 1 only in expectation), so near the median a quantile read from below can
/// exceed one read from above; the running maximum keeps every band of the charts ordered and
/// leaves the tails' quantiles as they are.
pub fn monotone(q: &mut [f64]) {
    for k in 1..q.len() {
        q[k] = q[k].max(q[k - 1]);
    }
}

/// The weighted quantile at level `alpha` (the value at risk) and the expected shortfall
/// beyond it: the weighted mean of the values at or above it (at or below it for `alpha`
/// below one half: the lower tail). `None` where no value is defined.
pub fn var_es(values: &[f64], weights: &[f64], alpha: f64) -> Option<(f64, f64)> {
    let (defined, scale) = sorted_defined(values, weights)?;
    let var = quantile_of(&defined, scale, alpha);
    let beyond = |x: f64| if alpha >= 0.5 { x >= var } else { x <= var };
    let (sum, mass) = defined
        .iter()
        .filter(|v| beyond(v.x))
        .fold((0.0, 0.0), |(s, m), v| (s + v.w * v.x, m + v.w));
    Some((var, sum / mass))
}

/// The paths at or beyond the weighted quantile at `alpha` of `values` (NaN never among them):
/// the tail set of an expected shortfall, as indices into `values`.
pub fn tail_set(values: &[f64], weights: &[f64], alpha: f64) -> Vec<usize> {
    let Some(var) = quantile(values, weights, alpha) else {
        return Vec::new();
    };
    (0..values.len()).filter(|&k| values[k] >= var).collect()
}

/// The defined values sorted with their weights, and the mass the tails are shares of.
fn sorted_defined(values: &[f64], weights: &[f64]) -> Option<(Vec<Weighted>, f64)> {
    assert_eq!(values.len(), weights.len(), "a weight per value");
    let mut defined: Vec<Weighted> = values
        .iter()
        .zip(weights)
        .filter(|(x, _)| !x.is_nan())
        .map(|(&x, &w)| Weighted { x, w })
        .collect();
    if defined.is_empty() {
        return None;
    }
    defined.sort_unstable_by(|a, b| a.x.total_cmp(&b.x));
    let scale = if defined.len() == values.len() {
        values.len() as f64
    } else {
        defined.iter().map(|v| v.w).sum()
    };
    Some((defined, scale))
}

/// The quantile at `p` of sorted weighted values, from the nearer tail: the tails' masses are
/// `Σ w / scale` over the values beyond.
fn quantile_of(sorted: &[Weighted], scale: f64, p: f64) -> f64 {
    let n = sorted.len();
    if p >= 0.5 {
        // From the top: the least value whose mass strictly above it is at most 1 - p.
        let mut above = 0.0;
        for k in (0..n).rev() {
            let next = above + sorted[k].w / scale;
            if k == 0 || next > 1.0 - p {
                return sorted[k].x;
            }
            above = next;
        }
        sorted[0].x
    } else {
        let mut below = 0.0;
        for (k, v) in sorted.iter().enumerate() {
            let next = below + v.w / scale;
            if k == n - 1 || next > p {
                return v.x;
            }
            below = next;
        }
        sorted[n - 1].x
    }
}

/// The regression estimator of the mean of `values` (defined on every path) weighted by
/// `weights`, and its standard error (the module's rule); the plain mean and `sd / sqrt(n)`
/// when the weights are all equal.
pub fn regression_mean(values: &[f64], weights: &[f64]) -> (f64, Option<f64>) {
    let n = values.len() as f64;
    let products: Vec<f64> = values.iter().zip(weights).map(|(x, w)| w * x).collect();
    let (w_mean, _) = crate::stats::mean_sd(weights);
    let (p_mean, _) = crate::stats::mean_sd(&products);
    let (mut cov, mut var) = (0.0, 0.0);
    for (w, p) in weights.iter().zip(&products) {
        cov += (w - w_mean) * (p - p_mean);
        var += (w - w_mean) * (w - w_mean);
    }
    let b = if var > 0.0 { cov / var } else { 0.0 };
    let mean = p_mean - b * (w_mean - 1.0);
    let residuals: Vec<f64> = weights
        .iter()
        .zip(&products)
        .map(|(w, p)| p - b * w)
        .collect();
    let (_, sd) = crate::stats::mean_sd(&residuals);
    (mean, sd.map(|s| s / n.sqrt()))
}

/// The mean of `values` (NaN where undefined) weighted by `weights` and its standard error, by
/// the module's rule without the sorting a [`summary`] needs: the regression estimator where the
/// outcome is defined on every path, else the self-normalised mean over the defined ones with
/// the delta method's error (Bessel's factor as in [`summary`]). `None` where no value is
/// defined. What a study's means, and its paired differences (one more column of per-path
/// values), are made of.
pub fn mean(values: &[f64], weights: &[f64]) -> Option<(f64, Option<f64>)> {
    assert_eq!(values.len(), weights.len(), "a weight per value");
    let defined: Vec<(f64, f64)> = values
        .iter()
        .zip(weights)
        .filter(|(x, _)| !x.is_nan())
        .map(|(&x, &w)| (x, w))
        .collect();
    let n = defined.len();
    if n == 0 {
        return None;
    }
    if n == values.len() {
        return Some(regression_mean(values, weights));
    }
    let total: f64 = defined.iter().map(|(_, w)| w).sum();
    let mean = defined.iter().map(|(x, w)| w * x).sum::<f64>() / total;
    let squares: f64 = defined.iter().map(|(x, w)| (w * (x - mean)).powi(2)).sum();
    let bessel = (n as f64 / (n as f64 - 1.0)).sqrt();
    Some((mean, (n > 1).then(|| squares.sqrt() / total * bessel)))
}

/// `P(x > 0)` over all paths (undefined counting as not positive) weighted by `weights`, and
/// its standard error: the regression estimator of the indicator's mean.
pub fn probability_positive(values: &[f64], weights: &[f64]) -> (f64, Option<f64>) {
    let indicator: Vec<f64> = values
        .iter()
        .map(|x| if *x > 0.0 { 1.0 } else { 0.0 })
        .collect();
    regression_mean(&indicator, weights)
}

/// Kish's effective sample size `(Σ w)² / Σ w²`.
pub fn effective_sample_size(weights: &[f64]) -> f64 {
    let sum: f64 = weights.iter().sum();
    let squares: f64 = weights.iter().map(|w| w * w).sum();
    if squares > 0.0 {
        sum * sum / squares
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_weights_give_the_plain_statistics() {
        let values = [3.0, 1.0, f64::NAN, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let weights = [1.0; 9];
        let s = summary(&values, &weights).unwrap();
        let plain = Summary::of(values.iter().map(|x| (!x.is_nan()).then_some(*x))).unwrap();
        assert_eq!(s.n, plain.n);
        assert!((s.mean - plain.mean).abs() < 1e-12);
        assert!((s.sd.unwrap() - plain.sd.unwrap()).abs() < 1e-12);
        assert!((s.se.unwrap() - plain.se.unwrap()).abs() < 1e-12);
        assert_eq!((s.min, s.max), (1.0, 9.0));
        assert_eq!(effective_sample_size(&weights), 9.0);
        assert_eq!(
            probability_positive(&[1.0, 0.0, -1.0, 2.0], &[1.0; 4]).0,
            0.5
        );
    }

    #[test]
    fn the_mean_is_the_summarys() {
        // Defined on every path (the regression estimator) and on some (self-normalised).
        let weights = [0.5, 1.5, 0.2, 0.9, 1.65, 0.3];
        for values in [
            [3.0, 1.0, 4.0, 1.0, 5.0, 9.0],
            [3.0, f64::NAN, 4.0, 1.0, f64::NAN, 9.0],
        ] {
            let s = summary(&values, &weights).unwrap();
            let (mean, se) = mean(&values, &weights).unwrap();
            assert!((mean - s.mean).abs() < 1e-12, "{mean} {}", s.mean);
            assert!((se.unwrap() - s.se.unwrap()).abs() < 1e-12);
        }
        assert_eq!(mean(&[f64::NAN], &[1.0]), None);
    }

    #[test]
    fn a_weight_counts_in_the_quantiles_like_copies_of_its_path() {
        // Weight 3 on a value is three copies of it at weight 1.
        let p50 = quantile(&[1.0, 2.0, 10.0], &[1.0, 3.0, 1.0], 0.5).unwrap();
        assert_eq!(p50, 2.0);
        // The top 20% of a weighted mass of 5 is the one path of weight 1 at 10 (masses are
        // shares of the 3 paths: 1/3 above 2).
        let (var, es) = var_es(&[1.0, 2.0, 10.0], &[1.0, 1.0, 1.0], 0.7).unwrap();
        assert_eq!((var, es), (10.0, 10.0));
    }

    #[test]
    fn the_regression_mean_takes_out_the_noise_of_the_weights() {
        // A constant outcome: (1/n) Σ w x would be c times the weights' mean (0.95 here); the
        // regression estimator gives c, with no error.
        let weights = [0.5, 1.5, 0.2, 0.9, 1.65];
        let (mean, se) = regression_mean(&[7.0; 5], &weights);
        assert!(
            (mean - 7.0).abs() < 1e-12 && se.unwrap() < 1e-12,
            "{mean} {se:?}"
        );
        // Equal weights: the plain mean and standard error.
        let (mean, se) = regression_mean(&[1.0, 2.0, 6.0], &[1.0; 3]);
        let (plain, sd) = crate::stats::mean_sd(&[1.0, 2.0, 6.0]);
        assert_eq!(mean, plain);
        assert!((se.unwrap() - sd.unwrap() / 3f64.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn tail_quantiles_read_the_tail_mass_of_all_paths() {
        // 128 paths: 118 of weight 1 at 0..118, and 10 in the tail of weight 1/2 at 200..210,
        // each a tail mass of 2^-8 (exact in binary). The quantile at 63/64 is the least value
        // with a mass of at most 4 * 2^-8 above it: 205, above which lie 206..209.
        let mut values: Vec<f64> = (0..118).map(f64::from).collect();
        let mut weights = vec![1.0; 118];
        values.extend((200..210).map(f64::from));
        weights.extend([0.5; 10]);
        assert_eq!(quantile(&values, &weights, 63.0 / 64.0), Some(205.0));
        // The expected shortfall beyond it: the mean of 205..209 (equal weights there).
        let (var, es) = var_es(&values, &weights, 63.0 / 64.0).unwrap();
        assert_eq!((var, es), (205.0, 207.0));
        // The lower tail reads the lower mass: 1/128 below the quantile at 1/128 + ε.
        assert_eq!(quantile(&values, &weights, 1.5 / 128.0), Some(1.0));
    }
}
