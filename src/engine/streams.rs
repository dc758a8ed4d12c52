//! The random streams of one path, each seeded from (seed, path index, purpose) alone.
//!
//! A stream per purpose rather than one per path keeps the draws of one purpose aligned across
//! scenarios that differ elsewhere: a scenario that grants fewer loans draws fewer follow-up
//! fates, and with one shared stream that would shift every later new-demand draw. Seeding by
//! index, never by thread, makes a path's outcome independent of which thread ran it and of
//! what the thread ran before.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::draws::mix;

/// The credit cycle's yearly innovations.
pub(super) const CYCLE: u64 = 1;
/// The initial book: segments, sizes, ages and fates.
pub(super) const BOOK: u64 = 2;
/// New demand: how many apply each month, their segments, sizes and fates.
pub(super) const DEMAND: u64 = 3;
/// The fates of follow-up loans.
pub(super) const FOLLOWUP: u64 = 4;
// Purposes 5–7 were the BMKB's streams; its draws are now in each loan's key (`draws.rs`).
/// The values of the scenario's uncertain parameters in a run with parameter uncertainty
/// (`crate::uncertainty::draw`): a stream of its own, so that every other draw of the path
/// is the same as without it (common random numbers).
pub const PARAMETERS: u64 = 8;

/// The generator of one purpose's stream of one path: depends on (seed, path, purpose) only.
pub fn stream(seed: u64, path: u64, purpose: u64) -> Xoshiro256PlusPlus {
    const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;
    let key = mix(
        mix(mix(seed.wrapping_add(GOLDEN)) ^ path.wrapping_mul(GOLDEN).wrapping_add(1)) ^ purpose,
    );
    Xoshiro256PlusPlus::seed_from_u64(key)
}

/// The streams drawn from month by month; the cycle and initial-book streams are used up
/// before the first month.
pub(super) struct MonthStreams {
    pub demand: Xoshiro256PlusPlus,
    pub followup: Xoshiro256PlusPlus,
}

impl MonthStreams {
    pub fn new(seed: u64, path: u64) -> MonthStreams {
        MonthStreams {
            demand: stream(seed, path, DEMAND),
            followup: stream(seed, path, FOLLOWUP),
        }
    }
}
