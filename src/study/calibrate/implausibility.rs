//! The implausibility of a point for a target (Craig, Goldstein, Seheult & Smith 1997; Vernon,
//! Goldstein & Bower 2010): how many standard deviations the observed value lies from what the
//! model gives at the point, allowing for every source of error at once,
//!
//! ```text
//! I = |observed − mean| / sqrt(obs² + discrepancy² + date² + var_paths + se²)
//! ```
//!
//! `mean` is the target's mean over the point's paths and `se` its Monte Carlo standard error
//! (`sqrt(var_paths / n)`, or under rqmc the randomisations' error, under tail the weighted
//! mean's, its mean and variance weighted too: docs/model.md §12).
//! `var_paths` is the target's variance over the paths: the record is one history, one path of
//! the world, and the credit cycle and the borrowers' luck spread the paths as widely as they
//! would have spread the record; without it a point would be ruled out for the cycle it did not
//! draw. `date` widens a target dated inside a year by the change its value makes over the
//! date's uncertainty ([`super::targets`]). With no emulator, the point's own simulation stands
//! in for the model at the point, so the Monte Carlo error of its mean counts too.
//!
//! A point is kept when its largest implausibility over the targets is at most the cut-off
//! (3 by default: Pukelsheim's three-sigma rule, at least 95% of any unimodal distribution lies
//! within three standard deviations), or, with [`Measure::SecondLargest`], its second largest:
//! one target may be missed, for a record with an observation that may be wrong.

use super::targets::{Target, When};
use crate::metrics::Yearly;
use crate::results::Results;
use crate::rqmc::SeMethod;

/// The default cut-off.
pub const DEFAULT_CUTOFF: f64 = 3.0;

/// Which implausibility of a point's targets decides whether it is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// The largest: every target must be matched.
    Largest,
    /// The second largest: all but one (the same as [`Measure::Largest`] with one target).
    SecondLargest,
}

impl Measure {
    /// `max`, `second`.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Largest => "max",
            Measure::SecondLargest => "second",
        }
    }

    /// The measure of a point from its targets' implausibilities (NaN counts as infinite:
    /// a target the point leaves undefined cannot be matched).
    pub fn of(self, implausibilities: &[f64]) -> f64 {
        let mut sorted: Vec<f64> = implausibilities
            .iter()
            .map(|&i| if i.is_nan() { f64::INFINITY } else { i })
            .collect();
        sorted.sort_by(|a, b| b.total_cmp(a));
        match (self, sorted.len()) {
            (_, 0) => 0.0,
            (Measure::SecondLargest, n) if n >= 2 => sorted[1],
            _ => sorted[0],
        }
    }
}

/// A target's statistics at one point, over the paths on which it is defined.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetStats {
    /// Paths on which the target is defined (a ratio is undefined where its denominator is 0).
    pub n: usize,
    pub mean: f64,
    /// Variance over the paths (`n − 1` in the denominator; 0 for one path).
    pub var_paths: f64,
    /// The date's widening, as a standard deviation.
    pub date_sd: f64,
    /// Under rqmc, the standard error of the mean from the randomisations (0 when fewer than
    /// two have a defined value, as one path's variance is 0; NaN when no path has); under
    /// tail, the weighted mean's ([`crate::tail::estimate::mean`], 0 for one path, NaN for
    /// none); `None` with plain sampling, whose error is `sqrt(var_paths / n)`.
    pub rqmc_se: Option<f64>,
}

impl TargetStats {
    /// The statistics of values over paths (NaN for an undefined path), with the date's
    /// widening `date_sd`.
    pub fn of(values: &[f64], date_sd: f64) -> TargetStats {
        let defined: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        let n = defined.len();
        if n == 0 {
            return TargetStats {
                n,
                mean: f64::NAN,
                var_paths: f64::NAN,
                date_sd,
                rqmc_se: None,
            };
        }
        // Two passes, in path order: the same bits on any thread count.
        let mean = defined.iter().sum::<f64>() / n as f64;
        let var_paths = if n > 1 {
            defined.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        TargetStats {
            n,
            mean,
            var_paths,
            date_sd,
            rqmc_se: None,
        }
    }

    /// [`TargetStats::of`] of values over paths `first_path..` sampled as `method` says: under
    /// rqmc with the randomisations' standard error of the mean; under tail every statistic
    /// weighted by the paths' `weights` (the mean, the variance over the paths — the spread of
    /// one history under plain sampling — and the mean's standard error).
    pub fn sampled(
        values: &[f64],
        date_sd: f64,
        method: SeMethod,
        (first_path, weights): (u64, &[f64]),
    ) -> TargetStats {
        if method == SeMethod::Weighted {
            let Some(s) = crate::tail::estimate::summary(values, weights) else {
                return TargetStats {
                    rqmc_se: Some(f64::NAN),
                    ..TargetStats::of(values, date_sd)
                };
            };
            return TargetStats {
                n: s.n,
                mean: s.mean,
                var_paths: s.sd.map_or(0.0, |sd| sd * sd),
                date_sd,
                rqmc_se: Some(s.se.unwrap_or(0.0)),
            };
        }
        let mut s = TargetStats::of(values, date_sd);
        if let SeMethod::Randomisations(_) = method {
            s.rqmc_se = Some(if s.n == 0 {
                f64::NAN
            } else {
                method.se(values, first_path).map_or(0.0, |(se, _)| se)
            });
        }
        s
    }

    /// The Monte Carlo standard error of the mean.
    pub fn se(&self) -> f64 {
        if let Some(se) = self.rqmc_se {
            se
        } else if self.n == 0 {
            f64::NAN
        } else {
            (self.var_paths / self.n as f64).sqrt()
        }
    }
}

/// The implausibility of a point for `target` given its statistics there; NaN where the target
/// is undefined on every path.
pub fn implausibility(target: &Target, s: &TargetStats) -> f64 {
    let variance = target.obs_sd().powi(2)
        + target.discrepancy_sd().powi(2)
        + s.date_sd.powi(2)
        + s.var_paths
        + s.se().powi(2);
    (target.observed - s.mean).abs() / variance.sqrt()
}

/// The target's value on each path of `results` (NaN where undefined), and the date's
/// widening as a standard deviation. `start_year` is the scenario's first year.
pub fn evaluate(target: &Target, results: &Results, start_year: i64) -> TargetStats {
    evaluate_sampled(target, results, start_year, SeMethod::Paths)
}

/// [`evaluate`] of paths sampled as `method` says ([`TargetStats::sampled`]).
pub fn evaluate_sampled(
    target: &Target,
    results: &Results,
    start_year: i64,
    method: SeMethod,
) -> TargetStats {
    let at = |f: f64| values_at(target, results, start_year, Some(f));
    let values = values_at(target, results, start_year, None);
    let weights = results.weights();
    let date_sd = if target.date_months > 0.0 {
        // The change the value makes over the date's year, per month, times the months the date
        // is uncertain by: the mean path's value at the year's start and end (under tail the
        // weighted mean).
        let mean = |v: &[f64]| {
            if method == SeMethod::Weighted {
                let finite: Vec<f64> = v
                    .iter()
                    .map(|x| if x.is_finite() { *x } else { f64::NAN })
                    .collect();
                return crate::tail::estimate::mean(&finite, weights).map_or(0.0, |(m, _)| m);
            }
            let d: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
            if d.is_empty() {
                0.0
            } else {
                d.iter().sum::<f64>() / d.len() as f64
            }
        };
        // (A value at the end of the first year has no year-end before it: it reads the same
        // at 0 and 1, so a date-uncertainty there adds nothing; validation refuses a date
        // inside the first year.)
        (mean(&at(1.0)) - mean(&at(0.0))).abs() * target.date_months / 12.0
    } else {
        0.0
    };
    TargetStats::sampled(&values, date_sd, method, (results.first_path(), weights))
}

/// The target on each path, its last year counted for `fraction` of its months (`None`: the
/// target's own date).
fn values_at(
    target: &Target,
    results: &Results,
    start_year: i64,
    fraction: Option<f64>,
) -> Vec<f64> {
    let num = metric_values(target.metric, target.when, results, start_year, fraction);
    match target.over {
        None => num,
        Some(over) => {
            let den = metric_values(over, target.when, results, start_year, fraction);
            num.iter()
                .zip(&den)
                .map(|(&a, &b)| if b == 0.0 { f64::NAN } else { a / b })
                .collect()
        }
    }
}

/// One metric read as the target reads it, on each path.
fn metric_values(
    m: Yearly,
    when: When,
    results: &Results,
    start_year: i64,
    fraction: Option<f64>,
) -> Vec<f64> {
    let paths = results.paths() as usize;
    let row = |year: i64| (year - start_year) as usize;
    match when {
        When::At(d) => {
            let f = fraction.unwrap_or(d.fraction());
            let end = results.yearly(row(d.year), m);
            if f >= 1.0 || d.year == start_year {
                // Checked: a date inside the first year is refused for a value at a date.
                return end.to_vec();
            }
            let before = results.yearly(row(d.year - 1), m);
            (0..paths)
                .map(|p| before[p] + f * (end[p] - before[p]))
                .collect()
        }
        When::Sum { from, to } => {
            let f = fraction.unwrap_or(to.fraction());
            let mut sum = vec![0.0; paths];
            for year in from..to.year {
                for (s, v) in sum.iter_mut().zip(results.yearly(row(year), m)) {
                    *s += v;
                }
            }
            for (s, v) in sum.iter_mut().zip(results.yearly(row(to.year), m)) {
                *s += f * v;
            }
            sum
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::calibrate::targets::{Date, Spread};

    fn target(observed: f64, obs: f64, disc: f64) -> Target {
        Target {
            name: "t".into(),
            metric: Yearly::NewLoans,
            over: None,
            when: When::At(Date {
                year: 2020,
                month: 12,
            }),
            observed,
            error: Spread::Absolute(obs),
            discrepancy: Spread::Absolute(disc),
            date_months: 0.0,
            source: "test".into(),
            note: String::new(),
        }
    }

    #[test]
    fn every_error_adds_in_quadrature() {
        // obs 3, discrepancy 4, paths' sd 12 over 16 paths: se² = 144 / 16 = 9.
        // variance 9 + 16 + 144 + 9 = 178.
        let t = target(100.0, 3.0, 4.0);
        let s = TargetStats {
            n: 16,
            mean: 80.0,
            var_paths: 144.0,
            date_sd: 0.0,
            rqmc_se: None,
        };
        assert!((implausibility(&t, &s) - 20.0 / 178f64.sqrt()).abs() < 1e-12);
        let s = TargetStats { date_sd: 5.0, ..s };
        assert!((implausibility(&t, &s) - 20.0 / 203f64.sqrt()).abs() < 1e-12);
        // Under rqmc the randomisations' error takes the place of sqrt(var_paths / n).
        let s = TargetStats {
            rqmc_se: Some(1.0),
            ..s
        };
        assert!((implausibility(&t, &s) - 20.0 / 195f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn the_measure_takes_the_largest_or_the_second() {
        let i = [1.0, 5.0, 2.0];
        assert_eq!(Measure::Largest.of(&i), 5.0);
        assert_eq!(Measure::SecondLargest.of(&i), 2.0);
        assert_eq!(Measure::SecondLargest.of(&[4.0]), 4.0);
        assert_eq!(Measure::Largest.of(&[1.0, f64::NAN]), f64::INFINITY);
    }

    #[test]
    fn statistics_leave_out_undefined_paths() {
        let s = TargetStats::of(&[1.0, f64::NAN, 3.0], 0.0);
        assert_eq!((s.n, s.mean, s.var_paths), (2, 2.0, 2.0));
        assert_eq!(s.se(), 1.0);
        assert!(TargetStats::of(&[f64::NAN], 0.0).mean.is_nan());
        // Under rqmc, paths 0.. of R = 2: means 1 (r = 0, path 0; path 2 undefined) and 3.
        let rqmc = SeMethod::Randomisations(2);
        let ones = [1.0; 3];
        let s = TargetStats::sampled(&[1.0, 3.0, f64::NAN], 0.0, rqmc, (0, &ones));
        assert_eq!(
            s.se(),
            crate::rqmc::randomisation_se(&[1.0, 3.0], 0, 2).unwrap()
        );
        assert_eq!(
            TargetStats::sampled(&[1.0, f64::NAN], 0.0, rqmc, (0, &ones[..2])).se(),
            0.0
        );
        assert!(
            TargetStats::sampled(&[f64::NAN], 0.0, rqmc, (0, &ones[..1]))
                .se()
                .is_nan()
        );
    }
}
