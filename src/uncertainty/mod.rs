//! Parameter uncertainty (docs/scenarios.md, "Uncertain parameters"; docs/studies.md): the
//! distributions an uncertain parameter may follow ([`Distribution`]), the per-path draw of
//! the parameters' values from their own random stream ([`draw`]), and the rank correlation
//! of a parameter with an outcome ([`rank`]) that a run's report shows.
//!
//! The scenario's `[[uncertain]]` section itself is read and checked with the scenario
//! ([`crate::scenario::Uncertain`]); values reach a scenario only through
//! [`crate::Scenario::at_values`].

mod distribution;
pub mod rank;

pub use distribution::{Distribution, Support};

use rand::Rng;

use crate::random::{PARAMETERS, stream};

/// A uniform in the open interval (0, 1) from 53 random bits: `(k + 1/2) / 2^53`, never 0 or 1,
/// so that the quantile of an unbounded distribution stays finite.
pub fn open_unit(rng: &mut impl Rng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// The values of the parameters whose `distributions` are given (the scenario's
/// `[[uncertain]]` section, in order) on path `path` of a run with seed `seed`: one uniform
/// each, in order, from the path's own parameter stream, through its distribution's quantile.
/// They depend on (seed, path) and the distributions alone, so that `paths.csv` and the report
/// can show them and a path with parameter uncertainty keeps every other draw of the same path
/// without it.
pub fn draw<'a>(
    distributions: impl IntoIterator<Item = &'a Distribution>,
    seed: u64,
    path: u64,
) -> Vec<f64> {
    let mut rng = stream(seed, path, PARAMETERS);
    distributions
        .into_iter()
        .map(|d| d.quantile(open_unit(&mut rng)))
        .collect()
}
