//! Paired statistics of two variants run on common random numbers: the difference `d_i = B_i −
//! A_i` on each path, its mean, standard error and 95% confidence interval, the standard error
//! the same comparison would have with independent draws, and the share of paths on which B is
//! worse (or better) than A, for outcomes with a direction.
//!
//! With `n` paths, `se = sd(d) / sqrt(n)` (sd with `n − 1`), and the interval is `mean ± t se`
//! with Student's t quantile at 97.5% and `n − 1` degrees of freedom. With independent draws
//! the standard error would be `sqrt(var(A)/n + var(B)/n)`; since `var(d) = var(A) + var(B) −
//! 2 cov(A, B)`, common random numbers gain exactly as much as the paths of A and B are
//! positively correlated. The ratio of the two standard errors is reported: its square is how
//! many times more paths independent runs would need for the same precision.
//!
//! Under rqmc (docs/model.md §12) the paths of one randomisation are not independent, the
//! randomisations are: `d` is one more column of per-path values, and its standard error is
//! made as a mean's is, from the randomisations' own means of `d` ([`SeMethod`]), the interval
//! with `R' − 1` degrees of freedom, and the independent-draws error from the randomisations'
//! errors of A and of B. Both variants' paths take the same Sobol' points (the points depend
//! on the seed, the randomisations and the path index alone), so the pairing is the same.
//!
//! Under tail sampling (docs/model.md §12.2) every path carries its likelihood ratio `w`, the
//! same in both variants (they sample with the study's one fit, and path `i`'s innovations
//! and its "plain or fitted" draw come from its own cycle stream). `d` is then one more column
//! of weighted values: its mean and standard error are the regression estimator's with the
//! common weights ([`crate::tail::estimate::mean`]; self-normalised over the paths where both
//! are defined when some are not), the interval normal, the independent-draws error
//! `sqrt(se(A)² + se(B)²)` of the weighted errors, and the shares of paths worse and better
//! weighted probabilities.

use crate::math::norm_inv;
use crate::metrics::Scalar;
use crate::rqmc::SeMethod;
use crate::stats::mean_sd;

pub use crate::metrics::Direction;

/// The direction of a scalar outcome, from the registry ([`Scalar::direction`]).
pub fn direction(m: Scalar) -> Option<Direction> {
    m.direction()
}

/// The paired comparison of a variant B with a reference A on one outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    /// Paths on which the outcome is defined in both.
    pub n: usize,
    /// Mean of `B_i − A_i`.
    pub diff: f64,
    /// Its standard error, `sd(d) / sqrt(n)` (under rqmc the randomisations'); `None` for
    /// fewer than two paths (randomisations).
    pub se: Option<f64>,
    /// 95% confidence interval of the mean difference (Student's t).
    pub ci: Option<(f64, f64)>,
    /// The standard error with independent draws: `sqrt(var(A)/n + var(B)/n)` (under rqmc
    /// `sqrt(se(A)² + se(B)²)`, each the randomisations').
    pub se_independent: Option<f64>,
    /// Share of the paths on which B is worse than A (`None` without a direction).
    pub p_worse: Option<f64>,
    /// Share of the paths on which B is better than A; the rest are ties.
    pub p_better: Option<f64>,
}

impl Paired {
    /// Compare `variant` with `reference`, path by path (the same length; NaN marks a path on
    /// which the outcome is undefined), the paths independent. `None` if no path has both
    /// defined.
    pub fn of(reference: &[f64], variant: &[f64], direction: Option<Direction>) -> Option<Paired> {
        let ones = vec![1.0; reference.len()];
        Paired::sampled(
            reference,
            variant,
            direction,
            SeMethod::Paths,
            0,
            [&ones, &ones],
        )
    }

    /// [`Paired::of`] of paths made by a sampling whose standard errors are made by `method`,
    /// the columns' first value path `first_path`, the paths' weights `weights` (the
    /// reference's and the variant's, one per path; all 1 but under tail): under rqmc the standard errors and the interval are the
    /// randomisations', the mean and the shares the same as with independent paths; under tail
    /// every statistic is weighted ([`Paired::weighted`]).
    pub fn sampled(
        reference: &[f64],
        variant: &[f64],
        direction: Option<Direction>,
        method: SeMethod,
        first_path: u64,
        weights: [&[f64]; 2],
    ) -> Option<Paired> {
        let mut paired = Paired::independent(reference, variant, direction)?;
        if method == SeMethod::Weighted {
            return Paired::weighted([reference, variant], direction, weights, paired.n);
        }
        if let SeMethod::Randomisations(_) = method {
            // The columns over the paths where both are defined, in path order.
            let both = |x: f64, y: f64| !x.is_nan() && !y.is_nan();
            let column = |f: &dyn Fn(f64, f64) -> f64| -> Vec<f64> {
                reference
                    .iter()
                    .zip(variant)
                    .map(|(&x, &y)| if both(x, y) { f(x, y) } else { f64::NAN })
                    .collect()
            };
            let se = |c: Vec<f64>| method.se(&c, first_path);
            let d = se(column(&|x, y| y - x));
            paired.se = d.map(|(s, _)| s);
            paired.ci = d.map(|(s, df)| {
                let t = t_quantile(0.975, df);
                (paired.diff - t * s, paired.diff + t * s)
            });
            paired.se_independent = match (se(column(&|x, _| x)), se(column(&|_, y| y))) {
                (Some((a, _)), Some((b, _))) => Some((a * a + b * b).sqrt()),
                _ => None,
            };
        }
        Some(paired)
    }

    /// The paired statistics of weighted paths (the module's doc), `n` of them defined in both.
    /// A variant whose paths' weights are not the reference's (it has fewer cycle years than
    /// the study's fit covers, so its ratio leaves out years the reference's counts) has no
    /// common weight to pair with: its difference is that of the two weighted means, and its
    /// error the independent one (which ignores the pairing's covariance: wider where the
    /// variants' paths are positively correlated, as they are on common random numbers).
    fn weighted(
        [reference, variant]: [&[f64]; 2],
        direction: Option<Direction>,
        [weights, theirs]: [&[f64]; 2],
        n: usize,
    ) -> Option<Paired> {
        use crate::tail::estimate::mean;
        assert_eq!(reference.len(), weights.len(), "a weight per path");
        let common = weights == theirs;
        // Each column over the paths where both are defined, NaN elsewhere, so that every
        // statistic is over the same paths.
        let column = |f: &dyn Fn(f64, f64) -> f64| -> Vec<f64> {
            reference
                .iter()
                .zip(variant)
                .map(|(&x, &y)| {
                    if x.is_nan() || y.is_nan() {
                        f64::NAN
                    } else {
                        f(x, y)
                    }
                })
                .collect()
        };
        let z = t_quantile(0.975, f64::INFINITY);
        let of = |c: Vec<f64>, w: &[f64]| mean(&c, w);
        let (a, b) = (
            of(column(&|x, _| x), weights)?,
            of(column(&|_, y| y), theirs)?,
        );
        let se_independent = match (a.1, b.1) {
            (Some(a), Some(b)) => Some((a * a + b * b).sqrt()),
            _ => None,
        };
        let (diff, se) = if common {
            of(column(&|x, y| y - x), weights)?
        } else {
            (b.0 - a.0, se_independent)
        };
        let share = |higher: bool| {
            let hit = column(&|x, y| f64::from(u8::from(if higher { y > x } else { y < x })));
            // Without common weights there is no weighted share of paired paths.
            common
                .then(|| mean(&hit, weights).map(|(p, _)| p))
                .flatten()
        };
        let (p_worse, p_better) = match direction {
            Some(Direction::HigherWorse) => (share(true), share(false)),
            Some(Direction::HigherBetter) => (share(false), share(true)),
            None => (None, None),
        };
        Some(Paired {
            n,
            diff,
            se,
            ci: se.map(|s| (diff - z * s, diff + z * s)),
            se_independent,
            p_worse,
            p_better,
        })
    }

    /// The paired statistics of independent paths.
    fn independent(
        reference: &[f64],
        variant: &[f64],
        direction: Option<Direction>,
    ) -> Option<Paired> {
        let (mut a, mut b, mut d) = (Vec::new(), Vec::new(), Vec::new());
        for (&x, &y) in reference.iter().zip(variant) {
            if !x.is_nan() && !y.is_nan() {
                a.push(x);
                b.push(y);
                d.push(y - x);
            }
        }
        let n = d.len();
        if n == 0 {
            return None;
        }
        let root_n = (n as f64).sqrt();
        let (diff, sd) = mean_sd(&d);
        let se = sd.map(|s| s / root_n);
        let ci = se.map(|s| {
            let t = t_quantile(0.975, (n - 1) as f64);
            (diff - t * s, diff + t * s)
        });
        let se_independent = match (mean_sd(&a).1, mean_sd(&b).1) {
            (Some(sa), Some(sb)) => Some((sa * sa + sb * sb).sqrt() / root_n),
            _ => None,
        };
        let share = |worse_when_higher: bool| {
            d.iter()
                .filter(|x| {
                    if worse_when_higher {
                        **x > 0.0
                    } else {
                        **x < 0.0
                    }
                })
                .count() as f64
                / n as f64
        };
        let (p_worse, p_better) = match direction {
            Some(Direction::HigherWorse) => (Some(share(true)), Some(share(false))),
            Some(Direction::HigherBetter) => (Some(share(false)), Some(share(true))),
            None => (None, None),
        };
        Some(Paired {
            n,
            diff,
            se,
            ci,
            se_independent,
            p_worse,
            p_better,
        })
    }

    /// How many times smaller the paired standard error is than the independent one; `None`
    /// when either is undefined or the paired one is 0 (B − A is the same on every path).
    pub fn se_ratio(&self) -> Option<f64> {
        match (self.se, self.se_independent) {
            (Some(p), Some(i)) if p > 0.0 => Some(i / p),
            _ => None,
        }
    }
}

/// Student's t quantile at probability `p` with `df` degrees of freedom: exact for 1 and 2,
/// else the Cornish–Fisher expansion of Abramowitz & Stegun 26.7.5 in powers of 1/df (at the
/// 97.5% point its error is 0.004 at df = 3, 3e-4 at df = 5 and below 1e-5 from df = 10: far
/// below the noise of any interval it serves), and the normal quantile for infinite df.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if df < 1.0 {
        return f64::NAN;
    }
    if df == 1.0 {
        return (std::f64::consts::PI * (p - 0.5)).tan();
    }
    if df == 2.0 {
        let a = 4.0 * p * (1.0 - p);
        return (2.0 * p - 1.0) * (2.0 / a).sqrt();
    }
    let z = norm_inv(p);
    if df.is_infinite() {
        return z;
    }
    let z2 = z * z;
    let g1 = (z2 + 1.0) * z / 4.0;
    let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
    let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
    let g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
    z + g1 / df + g2 / df.powi(2) + g3 / df.powi(3) + g4 / df.powi(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        // R: qt(0.975, c(1, 2, 3, 5, 10, 30, 100))
        let expected = [
            (1.0, 12.706_204_736),
            (2.0, 4.302_652_730),
            (3.0, 3.182_446_305),
            (5.0, 2.570_581_836),
            (10.0, 2.228_138_852),
            (30.0, 2.042_272_456),
            (100.0, 1.983_971_519),
        ];
        for (df, t) in expected {
            let got = t_quantile(0.975, df);
            let tol = if df < 4.0 {
                5e-3
            } else if df < 6.0 {
                5e-4
            } else {
                5e-5
            };
            assert!((got - t).abs() < tol, "df {df}: {got} vs {t}");
        }
        assert!((t_quantile(0.975, f64::INFINITY) - 1.959_963_985).abs() < 1e-6);
    }

    #[test]
    fn paired_statistics_follow_their_definitions() {
        let a = [1.0, 2.0, 3.0, 4.0, f64::NAN];
        let b = [1.5, 2.5, 3.0, 5.0, 9.0];
        let p = Paired::of(&a, &b, Some(Direction::HigherWorse)).unwrap();
        assert_eq!(p.n, 4);
        // d = 0.5, 0.5, 0, 1: mean 0.5, sd sqrt(1/6).
        assert!((p.diff - 0.5).abs() < 1e-12);
        let se = (1.0f64 / 6.0).sqrt() / 2.0;
        assert!((p.se.unwrap() - se).abs() < 1e-12);
        let (lo, hi) = p.ci.unwrap();
        assert!((hi - lo - 2.0 * 3.182_446_305 * se).abs() < 0.02 * se);
        assert_eq!((p.p_worse, p.p_better), (Some(0.75), Some(0.0)));
        // Independent, over the 4 paired paths: var(a) = 5/3, var(b) = 6.5/3.
        let ind = ((5.0 / 3.0 + 6.5 / 3.0) / 4.0f64).sqrt();
        assert!((p.se_independent.unwrap() - ind).abs() < 1e-12);
        assert!(p.se_ratio().unwrap() > 1.0);

        let better = Paired::of(&a, &b, Some(Direction::HigherBetter)).unwrap();
        assert_eq!((better.p_worse, better.p_better), (Some(0.0), Some(0.75)));
        assert_eq!(Paired::of(&a, &b, None).unwrap().p_worse, None);
        // A constant shift: the paired error is 0 and the ratio undefined.
        let same = Paired::of(&a[..4], &[2.0, 3.0, 4.0, 5.0], None).unwrap();
        assert_eq!((same.se, same.se_ratio()), (Some(0.0), None));
        assert_eq!(Paired::of(&[f64::NAN], &[1.0], None), None);
    }

    #[test]
    fn under_rqmc_paired_errors_are_the_randomisations() {
        // Paths 1..7 of R = 2; path 4 undefined in B, so left out of d, of A and of B.
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let b = [1.5, 2.0, 4.0, f64::NAN, 5.5, 7.0];
        let rqmc = SeMethod::Randomisations(2);
        let p = Paired::sampled(&a, &b, None, rqmc, 1, [&[1.0; 6], &[1.0; 6]]).unwrap();
        let d = [0.5, 0.0, 1.0, f64::NAN, 0.5, 1.0];
        let se = crate::rqmc::randomisation_se(&d, 1, 2).unwrap();
        assert_eq!(p.se, Some(se));
        assert_eq!(p.diff, Paired::of(&a, &b, None).unwrap().diff);
        // Two randomisations: Student's t with 1 degree of freedom.
        let (lo, hi) = p.ci.unwrap();
        assert!((hi - lo - 2.0 * 12.706_204_736 * se).abs() < 1e-9 * se.max(1.0));
        let a_defined = [1.0, 2.0, 3.0, f64::NAN, 5.0, 6.0];
        let ind = [&a_defined[..], &b[..]]
            .map(|c| crate::rqmc::randomisation_se(c, 1, 2).unwrap().powi(2));
        assert_eq!(p.se_independent, Some((ind[0] + ind[1]).sqrt()));
        // The same outcome twice: no difference, no error.
        let same = Paired::sampled(&a, &a, None, rqmc, 0, [&[1.0; 6], &[1.0; 6]]).unwrap();
        assert_eq!((same.diff, same.se), (0.0, Some(0.0)));
    }

    #[test]
    fn under_tail_paired_statistics_are_weighted() {
        // Defined on every path: the regression estimator of d with the common weights, a
        // normal interval; the shares are weighted probabilities.
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        let b = [1.5, 2.0, 4.0, 3.0, 5.5];
        let w = [0.5, 1.5, 0.2, 0.9, 1.65];
        let tail = SeMethod::Weighted;
        let p = Paired::sampled(&a, &b, Some(Direction::HigherWorse), tail, 0, [&w, &w]).unwrap();
        let d = [0.5, 0.0, 1.0, -1.0, 0.5];
        let (mean, se) = crate::tail::estimate::regression_mean(&d, &w);
        assert_eq!((p.n, p.diff, p.se), (5, mean, se));
        let (lo, hi) = p.ci.unwrap();
        assert!((hi - lo - 2.0 * 1.959_963_985 * se.unwrap()).abs() < 1e-8);
        let worse = crate::tail::estimate::regression_mean(&[1.0, 0.0, 1.0, 0.0, 1.0], &w).0;
        assert_eq!(p.p_worse, Some(worse));
        // A path undefined in B leaves the other four, self-normalised.
        let b = [1.5, 2.0, 4.0, f64::NAN, 5.5];
        let p = Paired::sampled(&a, &b, None, tail, 0, [&w, &w]).unwrap();
        let kept = (0.5 * 0.5 + 0.2 * 1.0 + 1.65 * 0.5) / (0.5 + 1.5 + 0.2 + 1.65);
        assert_eq!(p.n, 4);
        assert!((p.diff - kept).abs() < 1e-12, "{} {kept}", p.diff);
        // The same outcome twice: no difference, no error.
        let same = Paired::sampled(&a, &a, None, tail, 0, [&w, &w]).unwrap();
        assert_eq!((same.diff, same.se), (0.0, Some(0.0)));
        // Weights that differ: the difference of the weighted means, the independent error.
        let other = [1.0, 1.0, 0.5, 1.5, 1.0];
        let p = Paired::sampled(&a, &a, None, tail, 0, [&w, &other]).unwrap();
        let means = [&w, &other].map(|w| crate::tail::estimate::regression_mean(&a, w).0);
        assert!((p.diff - (means[1] - means[0])).abs() < 1e-12);
        assert_eq!(p.se, p.se_independent);
    }

    #[test]
    fn every_outcome_has_a_considered_direction() {
        let worse: Vec<&str> = Scalar::ALL
            .iter()
            .filter(|m| direction(**m) == Some(Direction::HigherWorse))
            .map(|m| m.name())
            .collect();
        assert!(worse.contains(&"cost_to_state") && worse.contains(&"net_loss"));
        assert_eq!(
            direction(Scalar::FinalCapital),
            Some(Direction::HigherBetter)
        );
        assert_eq!(direction(Scalar::Graduations), None);
    }
}
