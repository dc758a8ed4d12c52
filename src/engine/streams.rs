//! The random streams of one path, each seeded from (seed, path index, purpose) alone.
//!
//! A stream per purpose rather than one per path keeps the draws of one purpose aligned across
//! scenarios that differ elsewhere: a scenario that grants fewer loans draws fewer follow-up
//! fates, and with one shared stream that would shift every later new-demand draw. Seeding by
//! index, never by thread, makes a path's outcome independent of which thread ran it and of
//! what the thread ran before.

use rand_xoshiro::Xoshiro256PlusPlus;

pub use crate::random::stream;

/// The credit cycle's yearly innovations.
pub(super) const CYCLE: u64 = 1;
/// The initial book: segments, sizes, ages and fates.
pub(super) const BOOK: u64 = 2;
/// New demand: how many apply each month, their segments, sizes and fates.
pub(super) const DEMAND: u64 = 3;
/// The fates of follow-up loans.
pub(super) const FOLLOWUP: u64 = 4;
// Purposes 5–7 were the BMKB's streams; its draws are now in each loan's key (`draws.rs`).
// Purpose 8 draws the uncertain parameters (`crate::random::PARAMETERS`).

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
