//! A new applicant (docs/model.md §4): its segment, from one uniform against the cumulative
//! shares, and its loan size, log-normal and clamped.
//!
//! Both run once for every loan of a path, so each is a few instructions: the segment comes
//! from a table indexed by the leading 12 bits of the segment uniform (4 KB), which decides
//! unless a cumulative share falls inside that bucket of 1/4096 — then the cuts decide, as
//! exactly; the size is `exp(mu + sigma z)` through the inlined [`crate::sampling::exp`].

use super::draws::{self, Cut, Field, LoanDraws};
use crate::model::SegmentModel;

/// Leading bits of the segment uniform that index the table.
const TABLE_BITS: u32 = 12;
/// A bucket in which a cumulative share falls: the cuts decide.
const MIXED: u8 = u8::MAX;

/// The segment of a loan, from its segment uniform.
pub(super) struct SegmentPicker {
    /// The cumulative shares but the last, as cuts on the segment uniform.
    cuts: Vec<Cut>,
    /// Per bucket of the leading bits: the segment of every uniform in it, or [`MIXED`].
    /// Empty with more segments than a byte can name.
    by_bucket: Vec<u8>,
}

impl SegmentPicker {
    /// The picker for cumulative normalised shares `share_cdf` (the last is 1).
    pub fn new(share_cdf: &[f64]) -> SegmentPicker {
        let cuts: Vec<Cut> = share_cdf[..share_cdf.len() - 1]
            .iter()
            .map(|&c| Cut::closed(c))
            .collect();
        // The cuts rise with the buckets: one pass over both (a picker is built with every
        // workspace, that is for every few paths).
        let by_bucket = if cuts.len() < MIXED as usize {
            let shift = 16 - TABLE_BITS;
            let mut below = 0;
            (0..1u64 << TABLE_BITS)
                .map(|bucket| {
                    let (lo, hi) = (bucket << shift, ((bucket + 1) << shift) - 1);
                    while below < cuts.len() && cuts[below].lead() < lo {
                        below += 1;
                    }
                    match cuts.get(below) {
                        Some(c) if c.lead() <= hi => MIXED,
                        _ => below as u8,
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        SegmentPicker { cuts, by_bucket }
    }

    /// The first segment whose cumulative share exceeds the loan's segment uniform.
    #[inline(always)]
    pub fn pick(&self, draws: LoanDraws) -> usize {
        let bucket = (draws.lead(Field::Segment) >> (16 - TABLE_BITS)) as usize;
        match self.by_bucket.get(bucket) {
            Some(&s) if s != MIXED => s as usize,
            _ => draws::segment(draws, &self.cuts),
        }
    }
}

/// docs/model.md §4: log-normal size with the segment's mean and CV (`z` standard normal),
/// clamped to [min_size, cap].
#[inline(always)]
pub(super) fn size(seg: &SegmentModel, cap: f64, z: f64) -> f64 {
    let raw = if seg.size_sigma == 0.0 {
        seg.mean_size
    } else {
        crate::sampling::exp(seg.size_mu + seg.size_sigma * z)
    };
    // Plain comparisons: no NaN can arise, and `f64::max`'s NaN rules cost instructions.
    let raw = if raw < seg.min_size {
        seg.min_size
    } else {
        raw
    };
    if raw > cap { cap } else { raw }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// The table agrees with the cuts for every leading field, and so with the first
    /// cumulative share above the uniform, for shares on and off bucket edges.
    #[test]
    fn the_table_picks_as_the_cuts_do() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
        let cdfs: [&[f64]; 5] = [
            &[1.0],
            &[0.55, 0.88, 1.0],
            &[0.0, 0.5, 0.5, 1.0, 1.0],
            &[0.25, 0.375, 1.0],
            &[1.0 / 3.0, 2.0 / 3.0, 1.0],
        ];
        for cdf in cdfs {
            let picker = SegmentPicker::new(cdf);
            for lead in 0..1u64 << 16 {
                for _ in 0..4 {
                    let d = LoanDraws::draw(&mut rng);
                    let d = LoanDraws::from_words(lead << 48, d.seed(draws::Purpose::Recovery));
                    let expected = draws::segment(d, &picker.cuts);
                    assert_eq!(picker.pick(d), expected, "{cdf:?} {lead}");
                }
            }
        }
    }

    #[test]
    fn sizes_are_clamped() {
        let mut seg = super::super::book::tests::segment(12, 0.0);
        seg.size_mu = (20_000.0f64).ln();
        seg.size_sigma = 0.5;
        seg.min_size = 5_000.0;
        assert_eq!(size(&seg, 50_000.0, -10.0), 5_000.0);
        assert_eq!(size(&seg, 50_000.0, 10.0), 50_000.0);
        assert!((size(&seg, 50_000.0, 0.0) - 20_000.0).abs() < 1e-9);
        seg.size_sigma = 0.0;
        seg.mean_size = 7_000.0;
        assert_eq!(size(&seg, 50_000.0, 3.0), 7_000.0);
    }
}
