//! The density `tail` sampling draws a path's yearly innovations from (docs/model.md §12.2): on
//! every cycle year the innovation's mean `m` fitted by the cross-entropy pilot; on the years
//! that decide the tail aimed at (the *active* years) their covariance `C` fitted too, on the
//! others a variance of 1 as in plain sampling; and, with probability [`DEFENSIVE_SHARE`],
//! plain `N(0, I)` on every year (Hesterberg's defensive mixture). A path's weight is the plain
//! density over the mixture's at its innovations.
//!
//! Why a covariance and not only a shift of the mean: the capital is depleted along more than
//! one kind of bad decade (one terrible year, or several poor ones in a row), so the innovations
//! of the paths in that tail spread more than `N(mu, I)` allows along some directions and less
//! along others; a shift alone leaves the paths that reach the tail another way with large
//! weights. Why the covariance of the active years only: the years that do not move the
//! outcome (the run-off's, for the capital within the horizon) would have it fitted to noise,
//! and a covariance fitted to noise multiplies the estimator's second moment far more than a
//! mean fitted to noise does (a mean's noise of variance `1/n` costs a factor `exp(1/n)` a
//! year), while a year that matters but is left with a plain mean costs much more: so every
//! year's mean is fitted, and a year's covariance when the pilot's tail moved its mean by more
//! than [`SIGNIFICANCE`] standard errors. The fitted covariance is shrunk towards the identity by
//! [`SHRINKAGE`] (it is estimated from a few hundred paths).

use crate::engine::DEFENSIVE_SHARE;

/// How many standard errors the weighted mean of a year's innovation in the pilot's tail must be
/// from 0 for the year to be active.
pub const SIGNIFICANCE: f64 = 2.0;

/// The weight of the identity in the fitted covariance, `(1 - s) C + s I`.
pub const SHRINKAGE: f64 = 0.5;

/// A Gaussian on the cycle years, its covariance fitted on some, in the defensive mixture.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// The mean of every cycle year's innovation (none: plain sampling).
    mean: Vec<f64>,
    /// The active years, ascending (indices into the model's cycle years).
    years: Vec<usize>,
    /// The lower-triangular Cholesky factor `L` of the covariance `C = L Lᵀ`, row-major,
    /// `k × k` for `k` active years.
    chol: Vec<f64>,
}

impl Proposal {
    /// Plain sampling: no active year, every weight 1 (the pilot's first stage).
    pub fn plain() -> Proposal {
        Proposal {
            years: Vec::new(),
            mean: Vec::new(),
            chol: Vec::new(),
        }
    }

    /// The cross-entropy fit to the innovations `eps` of the tail's paths weighted by
    /// `weights`: every year's weighted mean, the active years ([`SIGNIFICANCE`]) and their
    /// weighted covariance shrunk by [`SHRINKAGE`]. With no weight at all, [`Proposal::plain`].
    pub fn fit(eps: &[Vec<f64>], weights: &[f64]) -> Proposal {
        let total: f64 = weights.iter().sum();
        let Some(first) = eps.first() else {
            return Proposal::plain();
        };
        if total <= 0.0 {
            return Proposal::plain();
        }
        let dims = first.len();
        let mut mean = vec![0.0; dims];
        for (e, &w) in eps.iter().zip(weights) {
            for (m, x) in mean.iter_mut().zip(e) {
                *m += w * x / total;
            }
        }
        // The delta method's standard error of a ratio estimator's mean.
        let years: Vec<usize> = (0..dims)
            .filter(|&d| {
                let spread: f64 = eps
                    .iter()
                    .zip(weights)
                    .map(|(e, &w)| (w * (e[d] - mean[d])).powi(2))
                    .sum();
                mean[d].abs() > SIGNIFICANCE * spread.sqrt() / total
            })
            .collect();
        let k = years.len();
        let mut cov = vec![0.0; k * k];
        for (e, &w) in eps.iter().zip(weights) {
            for (i, &a) in years.iter().enumerate() {
                for (j, &b) in years.iter().enumerate().take(i + 1) {
                    cov[i * k + j] += w * (e[a] - mean[a]) * (e[b] - mean[b]) / total;
                }
            }
        }
        for i in 0..k {
            for j in 0..=i {
                let identity = if i == j { 1.0 } else { 0.0 };
                cov[i * k + j] = (1.0 - SHRINKAGE) * cov[i * k + j] + SHRINKAGE * identity;
            }
        }
        Proposal {
            mean,
            chol: cholesky(&cov, k),
            years,
        }
    }

    /// The active years.
    pub fn years(&self) -> &[usize] {
        &self.years
    }

    /// The mean of every one of `years` cycle years' innovations (0 where none is fitted).
    pub fn shift(&self, years: usize) -> Vec<f64> {
        (0..years)
            .map(|y| self.mean.get(y).copied().unwrap_or(0.0))
            .collect()
    }

    /// The covariance of the active years' innovations, row by row.
    pub fn covariance(&self) -> Vec<Vec<f64>> {
        let k = self.years.len();
        (0..k)
            .map(|i| {
                (0..k)
                    .map(|j| {
                        (0..=i.min(j))
                            .map(|l| self.chol[i * k + l] * self.chol[j * k + l])
                            .sum()
                    })
                    .collect()
            })
            .collect()
    }

    /// Draw a path's innovations: `eps` holds its standard normals, one per cycle year, and
    /// `shifted` whether the path is of the fitted component (else the plain one). Turns the
    /// normals `n` into the fitted component's innovations when shifted (`m + n` on a year that
    /// is not active, `m + L n` on the active years, `L` the Cholesky factor of `C`), and returns
    /// the path's weight. A model with fewer cycle years than the fit (a study's variant) keeps
    /// the years it has: the active ones it has are the first ones, and the leading block of `L`
    /// is the Cholesky factor of their covariance, so the draw is the fit's marginal on them.
    pub fn draw(&self, eps: &mut [f64], shifted: bool) -> f64 {
        let n = self.years.len();
        let k = self.years.iter().take_while(|&&y| y < eps.len()).count();
        // The log of the fitted density over the plain one: m e - m²/2 on a year that is not
        // active; -|u|²/2 - log det L + |e|²/2 over the active ones, u = L⁻¹ (e - m).
        let mut log_ratio = 0.0;
        let mut u = vec![0.0; k];
        let mut active = self.years[..k].iter().copied().enumerate().peekable();
        for (y, (e, &m)) in eps.iter_mut().zip(&self.mean).enumerate() {
            let Some((i, _)) = active.next_if(|&(_, a)| a == y) else {
                if shifted {
                    *e += m;
                }
                log_ratio += m * *e - 0.5 * m * m;
                continue;
            };
            let row = &self.chol[i * n..i * n + i + 1];
            if shifted {
                u[i] = *e;
                *e = m + (0..=i).map(|l| row[l] * u[l]).sum::<f64>();
            } else {
                let partial: f64 = (0..i).map(|l| row[l] * u[l]).sum();
                u[i] = (*e - m - partial) / row[i];
            }
            log_ratio += 0.5 * (*e * *e - u[i] * u[i]) - row[i].ln();
        }
        1.0 / (DEFENSIVE_SHARE + (1.0 - DEFENSIVE_SHARE) * log_ratio.exp())
    }
}

/// The lower Cholesky factor of the symmetric positive definite `k × k` matrix whose lower
/// triangle `a` holds (row-major).
fn cholesky(a: &[f64], k: usize) -> Vec<f64> {
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|m| l[i * k + m] * l[j * k + m]).sum();
            if i == j {
                // Shrinkage towards the identity keeps the diagonal at least `SHRINKAGE`.
                l[i * k + i] = (a[i * k + i] - dot).max(f64::MIN_POSITIVE).sqrt();
            } else {
                l[i * k + j] = (a[i * k + j] - dot) / l[j * k + j];
            }
        }
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_factors_a_matrix() {
        let a = [4.0, 0.0, 2.0, 5.0];
        let l = cholesky(&a, 2);
        assert_eq!(l, vec![2.0, 0.0, 1.0, 2.0]);
    }

    #[test]
    fn the_fit_finds_the_mean_the_active_years_and_their_covariance() {
        // Year 0: mean -1, variance 1; year 1: mean -0.5, variance 0.25, uncorrelated with
        // year 0; year 2: mean exactly 0 (not active, though it varies).
        let eps: Vec<Vec<f64>> = (0..400)
            .map(|i| {
                let a = if i % 2 == 0 { 1.0 } else { -1.0 };
                let b = if (i / 2) % 2 == 0 { 1.0 } else { -1.0 };
                vec![-1.0 + a, -0.5 + 0.5 * b, 0.3 * a * b]
            })
            .collect();
        let p = Proposal::fit(&eps, &[1.0; 400]);
        assert_eq!(p.years(), &[0, 1]);
        for (m, expected) in p.shift(4).into_iter().zip([-1.0, -0.5, 0.0, 0.0]) {
            assert!((m - expected).abs() < 1e-12, "{m} against {expected}");
        }
        // Shrunk half-way to the identity: diag(1, 0.25) becomes diag(1, 0.625).
        let c = p.covariance();
        for (i, row) in c.iter().enumerate() {
            for (j, &x) in row.iter().enumerate() {
                let expected = [[1.0, 0.0], [0.0, 0.625]][i][j];
                assert!((x - expected).abs() < 1e-12, "C[{i}][{j}] = {x}");
            }
        }
        // No tail path at all: plain sampling, weight 1.
        let plain = Proposal::fit(&[], &[]);
        assert_eq!(plain.draw(&mut [0.3, -2.0], true), 1.0);
    }

    #[test]
    fn a_shifted_draw_and_its_inverse_agree() {
        // The weight of a shifted draw, computed from the normals, equals the weight of the same
        // innovations computed as an unshifted path would (by solving for the normals).
        let p = Proposal {
            years: vec![0, 2],
            mean: vec![-1.0, 0.25, -0.5],
            chol: vec![0.9, 0.0, 0.3, 1.2],
        };
        let mut eps = [0.4, 0.7, -0.2];
        let w = p.draw(&mut eps, true);
        assert_eq!(eps[1], 0.7 + 0.25);
        assert!((eps[0] - (-1.0 + 0.9 * 0.4)).abs() < 1e-15);
        assert!((eps[2] - (-0.5 + 0.3 * 0.4 + 1.2 * -0.2)).abs() < 1e-15);
        let mut again = eps;
        let w2 = p.draw(&mut again, false);
        assert_eq!(again, eps);
        assert!((w - w2).abs() < 1e-14 * w, "{w} {w2}");
        assert!(w < 1.0 / DEFENSIVE_SHARE);
    }
}
