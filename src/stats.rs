//! Statistics over paths (docs/model.md §7): mean, standard deviation with `n - 1`, standard error,
//! extremes, and quantiles by linear interpolation between order statistics (Hyndman & Fan's
//! type 7, the default of R and numpy). Undefined values are skipped; a statistic of no values
//! is `None`, never NaN.

use serde::Serialize;

/// The quantile levels reported in `summary.json`, with their names.
pub const SUMMARY_QUANTILES: [(&str, f64); 7] = [
    ("p01", 0.01),
    ("p05", 0.05),
    ("p25", 0.25),
    ("p50", 0.50),
    ("p75", 0.75),
    ("p95", 0.95),
    ("p99", 0.99),
];

/// Summary of one metric over the paths where it is defined.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Paths on which the metric is defined.
    pub n: usize,
    pub mean: f64,
    /// Sample standard deviation (`n - 1`); `None` for a single value.
    pub sd: Option<f64>,
    /// Standard error of the mean, `sd / sqrt(n)`.
    pub se: Option<f64>,
    pub min: f64,
    pub max: f64,
    /// Values at [`SUMMARY_QUANTILES`], in that order.
    #[serde(skip)]
    pub quantiles: [f64; 7],
}

impl Summary {
    /// Summarise `values`, skipping `None`; `None` if no value is defined.
    pub fn of(values: impl IntoIterator<Item = Option<f64>>) -> Option<Summary> {
        let mut sorted: Vec<f64> = values.into_iter().flatten().collect();
        Summary::of_values(&mut sorted)
    }

    /// Summarise defined values in place (they are sorted).
    pub fn of_values(values: &mut [f64]) -> Option<Summary> {
        if values.is_empty() {
            return None;
        }
        values.sort_unstable_by(f64::total_cmp);
        let n = values.len();
        let (mean, sd) = mean_sd(values);
        let quantiles = SUMMARY_QUANTILES.map(|(_, p)| quantile_sorted(values, p));
        Some(Summary {
            n,
            mean,
            sd,
            se: sd.map(|s| s / (n as f64).sqrt()),
            min: values[0],
            max: values[n - 1],
            quantiles,
        })
    }

    /// The quantile named `p05` etc.
    pub fn quantile(&self, name: &str) -> Option<f64> {
        SUMMARY_QUANTILES
            .iter()
            .position(|(q, _)| *q == name)
            .map(|i| self.quantiles[i])
    }
}

/// Mean and sample standard deviation (Welford's update, stable for large means such as
/// capital in euros); the deviation is `None` for fewer than two values.
pub fn mean_sd(values: &[f64]) -> (f64, Option<f64>) {
    let mut mean = 0.0;
    let mut m2 = 0.0;
    for (k, &x) in values.iter().enumerate() {
        let d = x - mean;
        mean += d / (k + 1) as f64;
        m2 += d * (x - mean);
    }
    let n = values.len();
    (mean, (n > 1).then(|| (m2 / (n - 1) as f64).max(0.0).sqrt()))
}

/// Type-7 quantile at level `p` (0 to 1) of values sorted in ascending order; `None` for no
/// values, a level outside 0..1, or values that are not sorted numbers.
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    let usable = !sorted.is_empty()
        && (0.0..=1.0).contains(&p)
        && sorted.iter().all(|x| !x.is_nan())
        && sorted.windows(2).all(|w| w[0] <= w[1]);
    usable.then(|| quantile_sorted(sorted, p))
}

/// Type-7 quantile of sorted values: `x[h]` interpolated at `h = (n - 1) p`. The caller
/// guarantees at least one value ([`quantile`] checks its input).
pub(crate) fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    assert!(n > 0, "quantile of nothing");
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let frac = h - lo as f64;
    // Written so that equal neighbours give exactly their value.
    if frac == 0.0 || sorted[lo] == sorted[hi] {
        sorted[lo]
    } else {
        sorted[lo] + frac * (sorted[hi] - sorted[lo])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_7_quantiles_match_r() {
        // R: quantile(c(1, 2, 4, 8, 16), c(.01, .05, .25, .5, .75, .95, .99))
        //   1.04 1.20 2.00 4.00 8.00 14.40 15.68
        let s = Summary::of([1.0, 16.0, 4.0, 2.0, 8.0].map(Some)).unwrap();
        let expected = [1.04, 1.2, 2.0, 4.0, 8.0, 14.4, 15.68];
        for (q, e) in s.quantiles.iter().zip(expected) {
            assert!((q - e).abs() < 1e-12, "{q} vs {e}");
        }
        assert_eq!(s.mean, 6.2);
        // R: sd(c(1, 2, 4, 8, 16)) = 6.099180
        assert!((s.sd.unwrap() - 6.099_180_272_790_763).abs() < 1e-12);
        assert!((s.se.unwrap() - 6.099_180_272_790_763 / 5f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn quantiles_of_bad_input_are_none() {
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[1.0, 2.0], 1.5), None);
        assert_eq!(quantile(&[2.0, 1.0], 0.5), None);
        assert_eq!(quantile(&[1.0, f64::NAN], 0.5), None);
        assert_eq!(quantile(&[1.0, 2.0], 0.5), Some(1.5));
    }

    #[test]
    fn undefined_values_are_skipped_and_nothing_is_none() {
        assert_eq!(Summary::of([None, None]), None);
        let s = Summary::of([None, Some(3.0)]).unwrap();
        assert_eq!((s.n, s.mean, s.sd, s.min, s.max), (1, 3.0, None, 3.0, 3.0));
        assert_eq!(s.quantile("p95"), Some(3.0));
    }

    #[test]
    fn quantiles_are_monotone_and_within_range() {
        let mut x: Vec<f64> = (0..1000)
            .map(|i| ((i * 7919) % 1009) as f64 * 0.37 - 50.0)
            .collect();
        let s = Summary::of_values(&mut x).unwrap();
        assert!(s.quantiles.windows(2).all(|w| w[0] <= w[1]));
        assert!(s.min <= s.quantiles[0] && s.quantiles[6] <= s.max);
    }

    #[test]
    fn constant_values_have_zero_spread_and_exact_quantiles() {
        let s = Summary::of(std::iter::repeat_n(Some(44.7e6 + 0.1), 1000)).unwrap();
        assert_eq!(s.sd, Some(0.0));
        assert!(s.quantiles.iter().all(|&q| q == 44.7e6 + 0.1));
        assert_eq!(s.mean, 44.7e6 + 0.1);
    }
}
