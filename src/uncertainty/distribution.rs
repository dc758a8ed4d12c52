//! The distributions an uncertain parameter may follow (docs/scenarios.md, "Uncertain
//! parameters"), each by its distribution function, its inverse and its support.
//!
//! Values are drawn by inversion: a uniform `u` in (0, 1) goes through [`Distribution::quantile`].
//! That is how a run draws a path's parameters from one uniform each, and how a global
//! sensitivity design maps the points of the unit hypercube into parameter space, so the two
//! see the same distribution. Truncation rescales the distribution function to the bounds:
//! `F_T(x) = (F(x) − F(a)) / (F(b) − F(a))`, inverted as `F⁻¹(F(a) + u (F(b) − F(a)))`, in the
//! upper tail through the survival function so that a bound far above the mean keeps its
//! precision. The Beta distribution needs the regularised incomplete beta function and its
//! inverse: a continued fraction (Lentz's method) and a Newton iteration kept inside a
//! bisection bracket, both below.

use crate::math::{norm_cdf, norm_inv};

/// One parameter's distribution, its parameters already checked (there is no constructor that
/// checks them: the scenario's validation builds them, `uncertain.rs`).
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// Uniform on `[low, high]`, `low < high`.
    Uniform { low: f64, high: f64 },
    /// Triangular on `[low, high]` with its peak at `mode`, `low <= mode <= high`, `low < high`.
    Triangular { low: f64, mode: f64, high: f64 },
    /// Normal with `mean` and `sd > 0`, truncated to `[low, high]` (either may be infinite).
    Normal {
        mean: f64,
        sd: f64,
        low: f64,
        high: f64,
    },
    /// Log-normal whose own mean and sd (not those of its logarithm) are `mean > 0` and
    /// `sd > 0`, truncated to `[low, high]`, `0 <= low < high <= ∞`.
    LogNormal {
        mean: f64,
        sd: f64,
        low: f64,
        high: f64,
    },
    /// Beta on (0, 1) with `mean` in (0, 1) and `sd > 0`, `sd² < mean (1 − mean)`.
    Beta { mean: f64, sd: f64 },
    /// Each of `values` (ascending, distinct) with the probability of its weight; `cumulative`
    /// holds the running sums of the normalised weights, the last exactly 1.
    Discrete {
        values: Vec<f64>,
        cumulative: Vec<f64>,
    },
}

/// Where a distribution's values lie: from `low` to `high`, each end included unless open.
/// An infinite end is always open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Support {
    pub low: f64,
    pub high: f64,
    pub low_open: bool,
    pub high_open: bool,
}

impl Support {
    fn closed(low: f64, high: f64) -> Support {
        Support {
            low,
            high,
            low_open: low.is_infinite(),
            high_open: high.is_infinite(),
        }
    }

    /// Whether `x` lies in the support.
    pub fn contains(&self, x: f64) -> bool {
        let above = if self.low_open {
            x > self.low
        } else {
            x >= self.low
        };
        let below = if self.high_open {
            x < self.high
        } else {
            x <= self.high
        };
        !x.is_nan() && above && below
    }
}

impl std::fmt::Display for Support {
    /// `[0.5, 1.5]`, `(0, inf)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let open = if self.low_open { '(' } else { '[' };
        let close = if self.high_open { ')' } else { ']' };
        write!(f, "{open}{}, {}{close}", self.low, self.high)
    }
}

impl Distribution {
    /// The name as a scenario writes it (`dist = "uniform"`).
    pub fn name(&self) -> &'static str {
        match self {
            Distribution::Uniform { .. } => "uniform",
            Distribution::Triangular { .. } => "triangular",
            Distribution::Normal { .. } => "normal",
            Distribution::LogNormal { .. } => "lognormal",
            Distribution::Beta { .. } => "beta",
            Distribution::Discrete { .. } => "discrete",
        }
    }

    /// The distribution with its parameters, as a message names it: `uniform(0.5, 1.5)`,
    /// `normal(mean 1, sd 0.1) truncated to [0.8, inf)`.
    pub fn describe(&self) -> String {
        let truncated = |low: f64, high: f64, floor: f64| {
            if low <= floor && high == f64::INFINITY {
                String::new()
            } else {
                format!(" truncated to {}", Support::closed(low, high))
            }
        };
        match self {
            Distribution::Uniform { low, high } => format!("uniform({low}, {high})"),
            Distribution::Triangular { low, mode, high } => {
                format!("triangular({low}, {mode}, {high})")
            }
            Distribution::Normal {
                mean,
                sd,
                low,
                high,
            } => format!(
                "normal(mean {mean}, sd {sd}){}",
                truncated(*low, *high, f64::NEG_INFINITY)
            ),
            Distribution::LogNormal {
                mean,
                sd,
                low,
                high,
            } => format!(
                "lognormal(mean {mean}, sd {sd}){}",
                truncated(*low, *high, 0.0)
            ),
            Distribution::Beta { mean, sd } => format!("beta(mean {mean}, sd {sd})"),
            Distribution::Discrete { values, .. } => format!(
                "discrete({})",
                values
                    .iter()
                    .map(f64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Where the values lie. A truncation bound is included; an unbounded normal's and the
    /// log-normal's 0 and the Beta's 0 and 1 are not reached.
    pub fn support(&self) -> Support {
        match self {
            Distribution::Uniform { low, high } | Distribution::Triangular { low, high, .. } => {
                Support::closed(*low, *high)
            }
            Distribution::Normal { low, high, .. } => Support::closed(*low, *high),
            Distribution::LogNormal { low, high, .. } => Support {
                low_open: *low <= 0.0,
                ..Support::closed(low.max(0.0), *high)
            },
            Distribution::Beta { .. } => Support {
                low: 0.0,
                high: 1.0,
                low_open: true,
                high_open: true,
            },
            Distribution::Discrete { values, .. } => {
                Support::closed(values[0], values[values.len() - 1])
            }
        }
    }

    /// A truncated normal or log-normal as the standard normal it is made from; `None` for
    /// every other distribution.
    fn gaussian(&self) -> Option<Gaussian> {
        let (Distribution::Normal {
            mean,
            sd,
            low,
            high,
        }
        | Distribution::LogNormal {
            mean,
            sd,
            low,
            high,
        }) = *self
        else {
            return None;
        };
        let log = matches!(self, Distribution::LogNormal { .. });
        let (location, scale) = if log {
            log_parameters(mean, sd)
        } else {
            (mean, sd)
        };
        Some(Gaussian {
            location,
            scale,
            log,
            low,
            high,
        })
    }

    /// `P(X <= x)`.
    pub fn cdf(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        let p = match self {
            Distribution::Uniform { low, high } => (x - low) / (high - low),
            Distribution::Triangular { low, mode, high } => {
                let (a, c, b) = (*low, *mode, *high);
                if x <= a {
                    0.0
                } else if x <= c {
                    (x - a) * (x - a) / ((b - a) * (c - a))
                } else if x < b {
                    1.0 - (b - x) * (b - x) / ((b - a) * (b - c))
                } else {
                    1.0
                }
            }
            Distribution::Normal { .. } | Distribution::LogNormal { .. } => {
                let g = self.gaussian().expect("a normal or log-normal");
                if g.log && x <= 0.0 {
                    0.0
                } else {
                    truncated_cdf(|v| g.standard(v), x, g.low, g.high)
                }
            }
            Distribution::Beta { mean, sd } => {
                let (a, b) = beta_shapes(*mean, *sd);
                beta_inc(a, b, x.clamp(0.0, 1.0))
            }
            Distribution::Discrete { values, cumulative } => {
                match values.iter().rposition(|&v| v <= x) {
                    Some(i) => cumulative[i],
                    None => 0.0,
                }
            }
        };
        p.clamp(0.0, 1.0)
    }

    /// The inverse distribution function: the smallest `x` with `P(X <= x) >= u`, for `u` in
    /// [0, 1] (NaN outside). At 0 and 1 it is the support's end (infinite for an unbounded
    /// normal); a value is always within [`Distribution::support`]'s closure.
    pub fn quantile(&self, u: f64) -> f64 {
        if !(0.0..=1.0).contains(&u) {
            return f64::NAN;
        }
        let x = match self {
            Distribution::Uniform { low, high } => low + u * (high - low),
            Distribution::Triangular { low, mode, high } => {
                let (a, c, b) = (*low, *mode, *high);
                let peak = (c - a) / (b - a);
                if u < peak {
                    a + (u * (b - a) * (c - a)).sqrt()
                } else {
                    b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
                }
            }
            Distribution::Normal { .. } | Distribution::LogNormal { .. } => {
                let g = self.gaussian().expect("a normal or log-normal");
                let (za, zb) = g.bounds();
                g.value(truncated_standard_quantile(u, za, zb))
            }
            Distribution::Beta { mean, sd } => {
                let (a, b) = beta_shapes(*mean, *sd);
                beta_inc_inv(a, b, u)
            }
            Distribution::Discrete { values, cumulative } => {
                let i = cumulative.partition_point(|&c| c < u);
                values[i.min(values.len() - 1)]
            }
        };
        // Rounding may step a hair outside a truncation bound.
        let s = self.support();
        x.clamp(s.low, s.high)
    }

    /// The probability a truncated normal or log-normal keeps of its untruncated
    /// distribution between its bounds (1 for every other distribution).
    pub fn kept_mass(&self) -> f64 {
        let Some(g) = self.gaussian() else {
            return 1.0;
        };
        let (za, zb) = g.bounds();
        if za > 0.0 {
            norm_cdf(-za) - norm_cdf(-zb)
        } else {
            norm_cdf(zb) - norm_cdf(za)
        }
    }

    /// The mean of the distribution (before truncation for a truncated normal or log-normal:
    /// the `mean` written in the scenario), for messages and the report.
    pub fn nominal_mean(&self) -> f64 {
        match self {
            Distribution::Uniform { low, high } => (low + high) / 2.0,
            Distribution::Triangular { low, mode, high } => (low + mode + high) / 3.0,
            Distribution::Normal { mean, .. }
            | Distribution::LogNormal { mean, .. }
            | Distribution::Beta { mean, .. } => *mean,
            Distribution::Discrete { values, cumulative } => {
                let mut previous = 0.0;
                values
                    .iter()
                    .zip(cumulative)
                    .map(|(v, c)| {
                        let w = c - previous;
                        previous = *c;
                        v * w
                    })
                    .sum()
            }
        }
    }
}

/// `mu` and `sigma` of the logarithm of a log-normal variable with mean `m` and sd `sd`.
fn log_parameters(m: f64, sd: f64) -> (f64, f64) {
    let sigma2 = (1.0 + (sd / m).powi(2)).ln();
    (m.ln() - sigma2 / 2.0, sigma2.sqrt())
}

/// A truncated normal or log-normal seen through the standard normal it is made from: a value
/// `v` stands at `z = (v − location) / scale`, of `ln v` for a log-normal (whose `location`
/// and `scale` are then [`log_parameters`]), and the distribution is cut to `[low, high]`. The
/// distribution function, its inverse and the mass kept between the bounds are the standard
/// normal's at the standardised values.
struct Gaussian {
    location: f64,
    scale: f64,
    log: bool,
    low: f64,
    high: f64,
}

impl Gaussian {
    /// The standardised value of `v` (−∞ for a log-normal's `v ≤ 0`, below its support).
    fn standard(&self, v: f64) -> f64 {
        if !self.log {
            (v - self.location) / self.scale
        } else if v <= 0.0 {
            f64::NEG_INFINITY
        } else {
            (v.ln() - self.location) / self.scale
        }
    }

    /// The value whose standardised value is `z`.
    fn value(&self, z: f64) -> f64 {
        let v = self.location + self.scale * z;
        if self.log { v.exp() } else { v }
    }

    /// The bounds' standardised values.
    fn bounds(&self) -> (f64, f64) {
        (self.standard(self.low), self.standard(self.high))
    }
}

/// The shapes `(a, b)` of the Beta distribution with mean `m` and sd `sd`.
pub(crate) fn beta_shapes(m: f64, sd: f64) -> (f64, f64) {
    let kappa = m * (1.0 - m) / (sd * sd) - 1.0;
    (m * kappa, (1.0 - m) * kappa)
}

/// The distribution function of a variable whose standardised value `standard(x)` is
/// standard normal, truncated to `[low, high]`.
fn truncated_cdf(standard: impl Fn(f64) -> f64, x: f64, low: f64, high: f64) -> f64 {
    if x < low {
        return 0.0;
    }
    if x >= high {
        return 1.0;
    }
    let (za, zb, z) = (standard(low), standard(high), standard(x));
    if za > 0.0 {
        // Upper tail: through survival functions, which keep their precision there.
        let (sa, sb) = (norm_cdf(-za), norm_cdf(-zb));
        (sa - norm_cdf(-z)) / (sa - sb)
    } else {
        let (fa, fb) = (norm_cdf(za), norm_cdf(zb));
        (norm_cdf(z) - fa) / (fb - fa)
    }
}

/// The `u` quantile of a standard normal truncated to `[za, zb]` (either may be infinite).
fn truncated_standard_quantile(u: f64, za: f64, zb: f64) -> f64 {
    let z = if za > 0.0 {
        let (sa, sb) = (norm_cdf(-za), norm_cdf(-zb));
        -norm_inv(sa - u * (sa - sb))
    } else {
        let (fa, fb) = (norm_cdf(za), norm_cdf(zb));
        norm_inv(fa + u * (fb - fa))
    };
    z.clamp(za, zb)
}

/// `ln B(a, b)`.
fn ln_beta(a: f64, b: f64) -> f64 {
    libm::lgamma(a) + libm::lgamma(b) - libm::lgamma(a + b)
}

/// The continued fraction of the incomplete beta function (Numerical Recipes' `betacf`, by
/// the modified Lentz method), which converges fast for `x < (a + 1) / (a + b + 2)`.
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-16;
    let away_from_zero = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / away_from_zero(1.0 - qab * x / qap);
    let mut h = d;
    // One step of the method with the fraction's coefficient `aa`: the factor `h` takes.
    let mut lentz = |aa: f64| {
        d = 1.0 / away_from_zero(1.0 + aa * d);
        c = away_from_zero(1.0 + aa / c);
        d * c
    };
    // Of the order of sqrt(max(a, b)) terms are needed; the bound only guards against a loop.
    for m in 1..=100_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        h *= lentz(m * (b - m) * x / ((qam + m2) * (a + m2)));
        let step = lentz(-(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)));
        h *= step;
        if (step - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// The regularised incomplete beta function `I_x(a, b)`, the Beta(a, b) distribution function.
pub(crate) fn beta_inc(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (a * x.ln() + b * (1.0 - x).ln() - ln_beta(a, b)).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

/// The inverse of [`beta_inc`] in `x`: Newton steps on `I_x(a, b) = u`, each kept inside a
/// bracket that bisection narrows whenever a step would leave it or gain too little, so that it
/// converges for every shape (a density that is infinite at an end included).
pub(crate) fn beta_inc_inv(a: f64, b: f64, u: f64) -> f64 {
    if u <= 0.0 {
        return 0.0;
    }
    if u >= 1.0 {
        return 1.0;
    }
    let ln_b = ln_beta(a, b);
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    // Start from the mean: inside the bracket, and close for the shapes of real estimates.
    let mut x = a / (a + b);
    for _ in 0..200 {
        let f = beta_inc(a, b, x) - u;
        if f == 0.0 {
            return x;
        }
        if f < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let density = ((a - 1.0) * x.ln() + (b - 1.0) * (1.0 - x).ln() - ln_b).exp();
        let newton = x - f / density;
        let next = if newton.is_finite() && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if (next - x).abs() <= 1e-15 * x.max(1e-300) || hi - lo <= 1e-15 * hi {
            return next;
        }
        x = next;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normal(mean: f64, sd: f64, low: f64, high: f64) -> Distribution {
        Distribution::Normal {
            mean,
            sd,
            low,
            high,
        }
    }

    fn all() -> Vec<Distribution> {
        vec![
            Distribution::Uniform {
                low: 0.5,
                high: 1.5,
            },
            Distribution::Triangular {
                low: 0.02,
                mode: 0.05,
                high: 0.12,
            },
            Distribution::Triangular {
                low: 1.0,
                mode: 1.0,
                high: 2.0,
            },
            normal(0.3, 0.1, f64::NEG_INFINITY, f64::INFINITY),
            normal(0.3, 0.1, 0.0, 1.0),
            // Far in the upper tail: the survival branch.
            normal(0.0, 1.0, 6.0, 9.0),
            Distribution::LogNormal {
                mean: 1.0,
                sd: 0.25,
                low: 0.0,
                high: f64::INFINITY,
            },
            Distribution::LogNormal {
                mean: 1.0,
                sd: 0.25,
                low: 0.7,
                high: 1.6,
            },
            Distribution::Beta {
                mean: 0.3,
                sd: 0.15,
            },
            Distribution::Beta {
                mean: 0.03,
                sd: 0.003,
            },
            // Shapes below 1: a density infinite at both ends.
            Distribution::Beta { mean: 0.5, sd: 0.4 },
        ]
    }

    #[test]
    fn the_quantile_inverts_the_distribution_function() {
        for d in all() {
            for i in 1..200 {
                let u = i as f64 / 200.0;
                let x = d.quantile(u);
                assert!(d.support().contains(x), "{} {u}: {x}", d.describe());
                let back = d.cdf(x);
                assert!(
                    (back - u).abs() < 1e-9,
                    "{} u {u}: x {x}, cdf {back}",
                    d.describe()
                );
                let again = d.quantile(back);
                assert!(
                    (again - x).abs() <= 1e-9 * x.abs().max(1e-3),
                    "{}: quantile(cdf({x})) = {again}",
                    d.describe()
                );
            }
        }
    }

    #[test]
    fn the_incomplete_beta_function_matches_closed_forms() {
        // I_x(2, 3) = 6x²(1-x)² + 4x³(1-x) + x⁴; I_x(1, b) = 1 - (1-x)^b; I_x(a, 1) = x^a.
        for x in [0.01_f64, 0.2, 0.5, 0.77, 0.99] {
            let exact =
                6.0 * x * x * (1.0 - x) * (1.0 - x) + 4.0 * x * x * x * (1.0 - x) + x.powi(4);
            assert!((beta_inc(2.0, 3.0, x) - exact).abs() < 1e-14, "{x}");
            let exact = 1.0 - (1.0 - x).powf(7.5);
            assert!((beta_inc(1.0, 7.5, x) - exact).abs() < 1e-14, "{x}");
            let exact = x.powf(0.3);
            assert!((beta_inc(0.3, 1.0, x) - exact).abs() < 1e-14, "{x}");
        }
        // Symmetry I_x(a, b) = 1 - I_{1-x}(b, a), on large shapes.
        let (a, b) = (97.0, 3135.0);
        for x in [0.02, 0.03, 0.04] {
            assert!((beta_inc(a, b, x) + beta_inc(b, a, 1.0 - x) - 1.0).abs() < 1e-12);
        }
        assert!((beta_inc_inv(2.0, 3.0, 0.6875) - 0.5).abs() < 1e-14);
    }

    #[test]
    fn quantiles_match_known_values() {
        // The truncated normal's median: Φ⁻¹((Φ(-3) + Φ(3)) / 2) = 0 for a symmetric cut.
        let d = normal(0.3, 0.1, 0.0, 0.6);
        assert!((d.quantile(0.5) - 0.3).abs() < 1e-15);
        // The untruncated normal's 97.5% point: mean + 1.959964 sd.
        let d = normal(1.0, 0.5, f64::NEG_INFINITY, f64::INFINITY);
        assert!((d.quantile(0.975) - (1.0 + 0.5 * 1.959_963_984_540_054)).abs() < 1e-12);
        // A log-normal's median is exp(mu): mean / sqrt(1 + cv²).
        let d = Distribution::LogNormal {
            mean: 2.0,
            sd: 1.0,
            low: 0.0,
            high: f64::INFINITY,
        };
        assert!((d.quantile(0.5) - 2.0 / 1.25_f64.sqrt()).abs() < 1e-12);
        // The triangle's mode splits it at (mode - low) / (high - low).
        let d = Distribution::Triangular {
            low: 0.0,
            mode: 1.0,
            high: 4.0,
        };
        assert!((d.quantile(0.25) - 1.0).abs() < 1e-15);
        let d = Distribution::Discrete {
            values: vec![1.0, 2.0, 5.0],
            cumulative: vec![0.25, 0.5, 1.0],
        };
        assert_eq!(
            [0.0, 0.2, 0.25, 0.3, 0.5, 0.51, 1.0].map(|u| d.quantile(u)),
            [1.0, 1.0, 1.0, 2.0, 2.0, 5.0, 5.0]
        );
        assert_eq!(d.cdf(2.0), 0.5);
        assert_eq!(d.cdf(0.9), 0.0);
        assert!((d.nominal_mean() - 3.25).abs() < 1e-15);
        assert!(d.quantile(1.5).is_nan());
    }
}
