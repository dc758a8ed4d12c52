//! Global sensitivity analysis on the unit hypercube: designs that say where to evaluate a
//! model, and estimators that turn the outcomes at those points into sensitivity indices. The
//! module knows nothing of scenarios: a caller maps each coordinate `u` in `(0, 1)` through a
//! parameter's quantile function, evaluates one outcome per point and hands the outcomes back
//! in design order (docs/studies.md, "Global sensitivity: the estimators").
//!
//! - [`Sobol`]: the scrambled Sobol' sequence ([`sequence`]), on Joe and Kuo's direction
//!   numbers ([`directions`]).
//! - [`SaltelliDesign`] and [`sobol_indices`]: first-order (Saltelli et al. 2010), total
//!   (Jansen 1999) and second-order (Saltelli 2002) indices as SALib's `sobol.analyze` computes
//!   them, with bootstrap intervals ([`saltelli`], [`indices`]).
//! - [`MorrisDesign`] and [`morris_effects`]: elementary effects (Morris 1991) with μ, μ*
//!   (Campolongo et al. 2007) and σ ([`morris`]).
//! - [`distinguishable`]: whether an index stands out from a dummy parameter's ([`noise`]).
//!
//! Parameters may be grouped ([`Groups`], SALib's `groups`): a group moves as one and gets one
//! index. Everything is deterministic from its seed; memory is O(base samples × parameters)
//! for a Saltelli design (points are assembled on demand) and O(points) per metric for an
//! analysis.
//!
//! ```
//! use microfolio::gsa::{Groups, SaltelliDesign, SobolOptions, sobol_indices};
//!
//! // y = u1 + u2 / 10: u1 explains 100/101 of the variance, u3 nothing.
//! let design = SaltelliDesign::new(Groups::singletons(3), 1024, false, 7).unwrap();
//! let y: Vec<f64> = design.points().map(|u| u[0] + 0.1 * u[1]).collect();
//! let s = sobol_indices(&design, &y, &SobolOptions::default()).unwrap();
//! assert!((s.first[0].value - 100.0 / 101.0).abs() < 0.01);
//! assert_eq!(s.total[2].value, 0.0);
//! ```

pub mod directions;
pub mod indices;
pub mod morris;
pub mod noise;
pub mod saltelli;
pub mod sequence;

use std::fmt;

use rand_xoshiro::Xoshiro256PlusPlus;

pub use indices::{SobolIndices, SobolOptions, sobol_indices};
pub use morris::{MorrisDesign, MorrisEffects, MorrisOptions, morris_effects};
pub use noise::{distinguishable, flag_against_dummy};
pub use saltelli::{Role, SaltelliDesign};
pub use sequence::Sobol;

/// Why a design or an analysis cannot be made; the message names the value and what is
/// allowed.
#[derive(Debug, Clone, PartialEq)]
pub enum GsaError {
    /// A Sobol' sequence in more dimensions than the direction numbers cover.
    Dimensions { given: usize, max: usize },
    /// A design without parameters, or with more than the sequence supports.
    Parameters { given: usize, max: usize },
    /// Saltelli base samples that are not a power of two of at least 2.
    BaseSamples { given: usize },
    /// Group labels that do not match the parameters.
    Groups(String),
    /// Morris levels that are not an even number of at least 2.
    Levels { given: usize },
    /// Morris trajectories fewer than 2 (σ and the bootstrap need two).
    Trajectories { given: usize },
    /// Outcomes of a different count than the design has points.
    Outcomes { expected: usize, given: usize },
    /// An outcome that is NaN or infinite.
    NotFinite { point: usize, value: f64 },
    /// A confidence level outside (0, 1).
    Confidence { given: f64 },
    /// Fewer than 2 bootstrap resamples.
    Bootstrap { given: usize },
}

impl fmt::Display for GsaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GsaError::Dimensions { given, max } => write!(
                f,
                "a Sobol' sequence in {given} dimensions: it needs 1 to {max} dimensions"
            ),
            GsaError::Parameters { given, max } => write!(
                f,
                "a design of {given} parameters: it needs 1 to {max} parameters"
            ),
            GsaError::BaseSamples { given } => write!(
                f,
                "{given} base samples: Saltelli's design needs a power of two, at least 2 \
                 (e.g. 256, 512, 1024)"
            ),
            GsaError::Groups(message) => write!(f, "groups: {message}"),
            GsaError::Levels { given } => write!(
                f,
                "{given} Morris levels: the levels must be an even number, at least 2 (e.g. 4)"
            ),
            GsaError::Trajectories { given } => write!(
                f,
                "{given} Morris trajectories: at least 2 are needed (10 to 50 is usual)"
            ),
            GsaError::Outcomes { expected, given } => write!(
                f,
                "{given} outcomes for a design of {expected} points: one outcome per point, \
                 in design order"
            ),
            GsaError::NotFinite { point, value } => write!(
                f,
                "the outcome of design point {point} is {value}: every outcome must be a \
                 finite number"
            ),
            GsaError::Confidence { given } => write!(
                f,
                "confidence level {given}: it must lie strictly between 0 and 1 (e.g. 0.95)"
            ),
            GsaError::Bootstrap { given } => write!(
                f,
                "{given} bootstrap resamples: at least 2 are needed (1000 is usual)"
            ),
        }
    }
}

impl std::error::Error for GsaError {}

/// Which parameters move together: each parameter's group, groups numbered `0..count` in the
/// order their first member appears (SALib's `groups`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Groups {
    of_param: Vec<usize>,
    names: Vec<String>,
}

impl Groups {
    /// Every parameter its own group, named `x1 .. xk` (names are only for messages).
    pub fn singletons(params: usize) -> Groups {
        Groups {
            of_param: (0..params).collect(),
            names: (1..=params).map(|i| format!("x{i}")).collect(),
        }
    }

    /// Groups from one label per parameter: parameters with the same label form one group,
    /// the groups in the order their labels first appear.
    pub fn from_labels<S: AsRef<str>>(labels: &[S]) -> Result<Groups, GsaError> {
        let mut names: Vec<String> = Vec::new();
        let mut of_param = Vec::with_capacity(labels.len());
        for (i, label) in labels.iter().enumerate() {
            let label = label.as_ref();
            if label.trim().is_empty() {
                return Err(GsaError::Groups(format!(
                    "parameter {} has an empty group label",
                    i + 1
                )));
            }
            let g = match names.iter().position(|n| n == label) {
                Some(g) => g,
                None => {
                    names.push(label.to_string());
                    names.len() - 1
                }
            };
            of_param.push(g);
        }
        Ok(Groups { of_param, names })
    }

    /// Number of parameters.
    pub fn params(&self) -> usize {
        self.of_param.len()
    }

    /// Number of groups.
    pub fn count(&self) -> usize {
        self.names.len()
    }

    /// The group of parameter `param`.
    pub fn of(&self, param: usize) -> usize {
        self.of_param[param]
    }

    /// The groups' names, in group order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether every group holds exactly one parameter.
    pub fn all_single(&self) -> bool {
        self.count() == self.params()
    }
}

/// A point estimate with its bootstrap interval: the normal bootstrap interval, the estimate
/// ± `z · sd` of the resampled estimates (SALib's `*_conf` as the half-width). It always
/// contains its estimate, and is the interval SALib users read (`S1 ± S1_conf`); a percentile
/// interval need not contain it, and at a small base sample often does not, the resampled
/// estimates of a ratio of sums lying all on one side of the estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The estimate on all the data.
    pub value: f64,
    /// Lower end of the interval: `value − half_width`.
    pub low: f64,
    /// Upper end of the interval: `value + half_width`.
    pub high: f64,
    /// `z_(1+c)/2` times the standard deviation (`n - 1`) of the resampled estimates: SALib's
    /// `S1_conf`, `ST_conf`, `S2_conf`, `mu_star_conf`.
    pub half_width: f64,
}

impl Estimate {
    /// The estimate `value` with the interval of its resampled values at `confidence`.
    pub(crate) fn from_resamples(value: f64, resamples: &[f64], confidence: f64) -> Estimate {
        let sd = crate::stats::mean_sd(resamples).1.unwrap_or(0.0);
        let z = crate::math::norm_inv(0.5 + confidence / 2.0);
        let half_width = z * sd;
        Estimate {
            value,
            low: value - half_width,
            high: value + half_width,
            half_width,
        }
    }

    /// The same estimate with its interval cut at `floor` below (a mean absolute effect is
    /// never negative); it still contains the estimate.
    pub(crate) fn at_least(self, floor: f64) -> Estimate {
        Estimate {
            low: self.low.max(floor.min(self.value)),
            ..self
        }
    }
}

/// Checks shared by the analyses: a usable confidence level and resample count.
fn check_bootstrap(resamples: usize, confidence: f64) -> Result<(), GsaError> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(GsaError::Confidence { given: confidence });
    }
    if resamples < 2 {
        return Err(GsaError::Bootstrap { given: resamples });
    }
    Ok(())
}

/// Checks outcomes against a design's size and for finiteness.
fn check_outcomes(outcomes: &[f64], points: usize) -> Result<(), GsaError> {
    if outcomes.len() != points {
        return Err(GsaError::Outcomes {
            expected: points,
            given: outcomes.len(),
        });
    }
    match outcomes.iter().position(|y| !y.is_finite()) {
        Some(point) => Err(GsaError::NotFinite {
            point,
            value: outcomes[point],
        }),
        None => Ok(()),
    }
}

/// The generator of bootstrap resample (or trajectory) `index` under `seed`: the one stream
/// function of `crate::random`, seeded by index so that resamples can be drawn in any order, on any thread,
/// with the same result, under purposes of its own so that no draw here repeats a path's.
fn stream(seed: u64, purpose: u64, index: u64) -> Xoshiro256PlusPlus {
    crate::random::stream(seed, index, purpose)
}

/// Stream purposes, apart from the engine's (1 to 4) and from each other.
const SALTELLI_BOOTSTRAP: u64 = 0x6753_6101;
const MORRIS_DESIGN: u64 = 0x6753_6102;
const MORRIS_BOOTSTRAP: u64 = 0x6753_6103;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_follow_first_appearance() {
        let g = Groups::from_labels(&["pd", "cost", "pd", "rec"]).unwrap();
        assert_eq!(g.count(), 3);
        assert_eq!(
            (0..4).map(|i| g.of(i)).collect::<Vec<_>>(),
            vec![0, 1, 0, 2]
        );
        assert_eq!(g.names(), &["pd", "cost", "rec"]);
        assert!(!g.all_single());
        assert!(Groups::singletons(3).all_single());
        assert!(Groups::from_labels(&["a", " "]).is_err());
    }

    #[test]
    fn estimate_summarises_resamples() {
        let r: Vec<f64> = (0..=100).map(f64::from).collect();
        let e = Estimate::from_resamples(50.0, &r, 0.9);
        let sd = (r.iter().map(|x| (x - 50.0).powi(2)).sum::<f64>() / 100.0).sqrt();
        assert!((e.half_width - 1.644_853_626_951_472_2 * sd).abs() < 1e-9);
        assert_eq!((e.low, e.high), (50.0 - e.half_width, 50.0 + e.half_width));
        // Resamples all on one side of the estimate (a tiny design): the interval still
        // contains it.
        let e = Estimate::from_resamples(-0.5, &[1.0, 2.0, 3.0], 0.95);
        assert!(e.low <= -0.5 && -0.5 <= e.high, "{e:?}");
        assert_eq!(e.at_least(0.0).low, -0.5);
        assert_eq!(
            Estimate::from_resamples(2.0, &[1.0, 3.0], 0.95)
                .at_least(0.0)
                .low,
            0.0
        );
    }
}
