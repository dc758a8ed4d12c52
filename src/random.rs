//! Where every random number of microfolio comes from: a named generator (Xoshiro256++) seeded
//! from (seed, index, purpose) alone, never from a thread or the clock.
//!
//! A stream per purpose rather than one per path keeps the draws of one purpose aligned across
//! scenarios that differ elsewhere (common random numbers, docs/model.md §1), and seeding by
//! index makes a path's draws independent of which thread ran it. The engine's purposes (the
//! credit cycle, the initial book, demand, follow-up loans) are the engine's own
//! (`engine/streams.rs`); those here serve the modules beside it: the per-path draw of the
//! uncertain parameters ([`PARAMETERS`], `crate::uncertainty`) and the designs and bootstraps of
//! `crate::gsa`, which take purposes of their own. This module sits beneath all of them, so that
//! none imports another for its random numbers.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// SplitMix64's increment (the golden ratio in 64 bits).
pub const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function: a bijective 64-bit mix with full avalanche.
#[inline]
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The purpose of the stream that draws the values of the scenario's uncertain parameters in a
/// run with parameter uncertainty (`crate::uncertainty::draw`): a stream of its own, so that
/// every other draw of the path is the same as without it (common random numbers). The engine's
/// purposes are 1 to 4 (5 to 7 were the BMKB's, retired).
pub const PARAMETERS: u64 = 8;

/// The purpose of the stream that scrambles randomisation `r` of the Sobol' points of
/// `simulation.sampling = "rqmc"` (`crate::rqmc`), indexed by `r` in place of a path.
pub const RQMC: u64 = 9;

/// The purpose of the stream that seeds stage `s` of the pilot of `simulation.sampling =
/// "tail"` (`crate::tail`), indexed by `s` in place of a path: the pilot's paths are not the
/// run's.
pub const TAIL_PILOT: u64 = 10;

/// The generator of one purpose's stream of one path (or index): depends on (seed, path,
/// purpose) only.
pub fn stream(seed: u64, path: u64, purpose: u64) -> Xoshiro256PlusPlus {
    let key = mix(
        mix(mix(seed.wrapping_add(GOLDEN)) ^ path.wrapping_mul(GOLDEN).wrapping_add(1)) ^ purpose,
    );
    Xoshiro256PlusPlus::seed_from_u64(key)
}
