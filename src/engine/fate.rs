//! A loan's fate, decided once when the loan is created (docs/model.md §4): whether and when it
//! defaults, meets a follow-up need, or is prepaid, from exponential draws against cumulative
//! hazards.
//!
//! Each event's exponential draw is `E = -ln(u)` with `u` uniform on (0, 1] (inverse transform,
//! exact), and `E <= H` iff `u >= exp(-H)`. Most loans meet none of the three events within the
//! horizon, and a comparison of `u` with the survival probability of its months at risk settles
//! that without a logarithm — through the loan's lazily drawn uniforms (`draws.rs`), mostly
//! from their leading 16 bits (`book.rs`'s gate). A loan whose event may happen finds its
//! months here:
//!
//! - a follow-up need's or a prepayment's, of constant hazard, from a table of the uniform's
//!   leading bits ([`ConstantHazard`]: the uniform against each `exp(-m h)`, exactly);
//! - a default's by bisecting its start's cumulative hazards with `E`, mostly with the bracket
//!   of `E` that the uniform's leading bits give ([`LogBrackets`]), else with `E` computed. Its
//!   no-event cut is lowered by a margin ([`crate::math::no_event_below`]), so that a uniform
//!   above it always computes `E`: the fate is exactly the one `E` decides.
//!
//! A loan's fate is a function of its own draws alone, which it takes whether or not it is
//! granted (common random numbers).

use super::draws::{Cut, Field, LoanDraws, Purpose};
use super::hazards::Cumulative;
use crate::model::SegmentModel;

/// "Never" for an event month.
pub(super) const NEVER: i64 = i64::MAX;

/// How a loan leaves the book before maturity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Exit {
    Default,
    Graduation,
    Prepayment,
}

/// What becomes of one loan within the horizon.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Fate {
    /// The month and kind of an early exit, if any.
    pub exit: Option<(i64, Exit)>,
    /// The month of a follow-up need not referred to a bank: the borrower asks for a new loan.
    pub request_month: Option<i64>,
}

impl Fate {
    /// The fate of a loan of `seg` starting in month `start`, at risk in months
    /// `first ..= last` (`first <= last`), with the cumulative default hazards, no-event cuts
    /// and constant-hazard event months `table` of those months.
    #[inline(always)]
    pub fn decide(
        seg: &SegmentModel,
        referral_share: f64,
        table: &Cumulative,
        start: i64,
        first: i64,
        last: i64,
        draws: LoanDraws,
    ) -> Fate {
        let cuts = table.no_events;
        // Default: the first month whose cumulative hazard reaches the draw, mostly from the
        // leading bits' bracket of it ([`LogBrackets`]), else from the whole uniform.
        let default_month = if draws.lead(Field::Default) < cuts.default.lead() {
            NEVER
        } else {
            match table
                .logs
                .default_month(table.cum, first, draws.lead(Field::Default))
            {
                Some(month) => month,
                None => match draws.open_unless_below(Field::Default, cuts.default) {
                    None => NEVER,
                    Some(u) => default_month(table.cum, first, -u.ln()),
                },
            }
        };
        // Follow-up need and prepayment: constant hazards, so the month is the uniform's alone.
        let age_first = (first - start) as usize;
        let followup_from = start + age_first.max(seg.followup_min_age) as i64;
        // No test of the leading bits against the no-event cuts first: the table says as much
        // (a uniform below the cut of `K` months has its month beyond `K`), and a branch on it
        // would be mispredicted.
        let followup_month =
            table
                .events
                .followup
                .month(draws, Field::Followup, followup_from, last);
        let prepay_month = table.events.prepay.month(draws, Field::Prepay, first, last);
        let mut fate = Fate::default();
        // Within a month: default, then follow-up need, then prepayment.
        if followup_month < default_month && followup_month <= prepay_month {
            if draws.uniform(Purpose::Referral) < referral_share {
                fate.exit = Some((followup_month, Exit::Graduation));
            } else {
                fate.request_month = Some(followup_month);
            }
        }
        if fate.exit.is_none() {
            if default_month != NEVER && default_month <= prepay_month {
                fate.exit = Some((default_month, Exit::Default));
            } else if prepay_month != NEVER {
                fate.exit = Some((prepay_month, Exit::Prepayment));
            }
        }
        fate
    }
}

/// The first of the months `first, first + 1, ...` whose cumulative default hazard `cum`
/// reaches the exponential draw `e`; `NEVER` if none does.
///
/// A bisection without branches (the standard library's): which half a draw falls in is as
/// good as random, and a mispredicted branch costs more than the few loads it waits on.
#[inline]
pub(super) fn default_month(cum: &[f64], first: i64, e: f64) -> i64 {
    match cum.last() {
        Some(&total) if total >= e => first + cum.partition_point(|&c| c < e) as i64,
        _ => NEVER,
    }
}

/// Leading bits of a default's uniform that bracket its exponential draw.
const BRACKET_BITS: u32 = 11;

/// Brackets of an exponential draw `E = -ln u` from the leading bits of `u`: a uniform whose
/// leading 11 bits are `b` lies in `(b/2048, (b+1)/2048]`, so `E` lies in
/// `[-ln((b+1)/2048), -ln(b/2048))` — as computed in floating point too, once the bracket is
/// widened by far more than the logarithm's rounding. Where both ends fall in the same month of
/// a loan's cumulative hazards, that month is the loan's default month, found without the rest
/// of the uniform or a logarithm; else (about one default in ten) the whole uniform decides.
/// The month is exactly the one `-ln u` gives.
pub(super) struct LogBrackets {
    /// `-ln(b / 2048)` for `b = 0 ..= 2048`, widened: `lower[b]` shrunk and `upper[b]` grown
    /// by a relative 1e-12.
    lower: Vec<f64>,
    upper: Vec<f64>,
}

impl LogBrackets {
    /// The brackets, computed once per process (they depend on nothing else): a workspace
    /// lives for a few paths only, one in a run with parameter uncertainty.
    pub fn shared() -> &'static LogBrackets {
        static BRACKETS: std::sync::OnceLock<LogBrackets> = std::sync::OnceLock::new();
        BRACKETS.get_or_init(|| {
            let n = 1u64 << BRACKET_BITS;
            let neg_ln = |b: u64| -(b as f64 / n as f64).ln();
            LogBrackets {
                lower: (0..=n).map(|b| neg_ln(b) * (1.0 - 1e-12)).collect(),
                upper: (0..=n).map(|b| neg_ln(b) * (1.0 + 1e-12)).collect(),
            }
        })
    }

    /// The default month of a loan at risk from `first` with cumulative hazards `cum`, whose
    /// default uniform leads with `lead` (16 bits), if the bracket settles it.
    #[inline]
    pub fn default_month(&self, cum: &[f64], first: i64, lead: u64) -> Option<i64> {
        let b = (lead >> (16 - BRACKET_BITS)) as usize;
        let (e_lo, e_hi) = (self.lower[b + 1], self.upper[b]);
        let total = *cum.last()?;
        if e_lo > total {
            return Some(NEVER);
        }
        // Every draw in the bracket reaches its sum in month `i` iff the largest does.
        let i = cum.partition_point(|&c| c < e_lo);
        (cum[i] >= e_hi).then_some(first + i as i64)
    }
}

/// The months of a segment's two constant-hazard events.
pub(super) struct EventMonths {
    pub followup: ConstantHazard,
    pub prepay: ConstantHazard,
}

impl EventMonths {
    pub fn new(seg: &SegmentModel) -> EventMonths {
        EventMonths {
            followup: ConstantHazard::new(seg.followup_hazard, seg.term),
            prepay: ConstantHazard::new(seg.prepay_hazard, seg.term),
        }
    }
}

/// Leading bits of a uniform that index a [`ConstantHazard`]'s table.
const TABLE_BITS: u32 = 12;
/// In the table: a month boundary falls inside the bucket (or the month is beyond a byte).
const MIXED: u8 = 0;

/// When an event of constant monthly hazard `h` happens (docs/model.md §4): in the `m`-th
/// month at risk, `m` the first with `m h >= E = -ln u`, that is with `u >= exp(-m h)`.
///
/// The month depends on the uniform alone, so it is tabulated once per run: by the leading 12
/// bits of the uniform, which settle it unless a survival probability `exp(-m h)` falls inside
/// that 1/4096 of (0, 1] (then the whole uniform and the cuts do, as exactly). The comparison
/// is the exact one of the uniform with each `exp(-m h)` as [`Cut`]s, so a loan's event
/// month needs neither a logarithm nor, mostly, the rest of its uniform.
pub(super) struct ConstantHazard {
    /// `cuts[k]` is [`Cut::open`] of `exp(-k h)` for `k = 0 ..= term`; no cut at a hazard of 0.
    cuts: Vec<Cut>,
    /// Per bucket of the leading bits: the `m` of every uniform in it, or [`MIXED`].
    by_bucket: Vec<u8>,
}

impl ConstantHazard {
    /// The months of an event of monthly hazard `h` on a loan of `term` months.
    pub fn new(h: f64, term: usize) -> ConstantHazard {
        if h <= 0.0 || !h.is_finite() {
            return ConstantHazard {
                cuts: vec![Cut::ALL; term + 1],
                by_bucket: Vec::new(),
            };
        }
        let cuts: Vec<Cut> = (0..=term)
            .map(|k| Cut::open((-(h * k as f64)).exp()))
            .collect();
        let mut table = ConstantHazard {
            cuts,
            by_bucket: Vec::new(),
        };
        // Month `m` holds for the uniforms from `cuts[m]` up to `cuts[m - 1]` (beyond the
        // term, from 0): the buckets wholly inside that range get `m`, the buckets a cut falls
        // in stay mixed. A fill per month, not a search per bucket: a table is built with
        // every workspace, that is for every few paths (every path of an uncertain run).
        let rest = 53 - TABLE_BITS;
        let mut by_bucket = vec![MIXED; 1 << TABLE_BITS];
        for m in 1..=term + 1 {
            let lo = if m <= term { table.cuts[m].0 } else { 0 };
            let hi = table.cuts[m - 1].0;
            let first = lo.div_ceil(1 << rest) as usize;
            let end = ((hi >> rest) as usize).min(by_bucket.len());
            if first < end && m < 255 {
                by_bucket[first..end].fill(m as u8);
            }
        }
        table.by_bucket = by_bucket;
        table
    }

    /// The cut below which a uniform means no event within `k` months (`k <= term`).
    #[inline]
    pub fn within(&self, k: usize) -> Cut {
        self.cuts[k]
    }

    /// `m` for the uniform of integer `j`: one more than the number of cuts above it, the
    /// first `k` whose cut does not exceed it (`term + 1`: beyond the term).
    fn exact(&self, j: u64) -> usize {
        1 + self.cuts[1..].partition_point(|c| c.exceeds(j))
    }

    /// The month of the event whose uniform is the `field` of `draws`, at risk from month
    /// `from` to `last`; `NEVER` if after `last`.
    #[inline]
    pub fn month(&self, draws: LoanDraws, field: Field, from: i64, last: i64) -> i64 {
        let bucket = (draws.lead(field) >> (16 - TABLE_BITS)) as usize;
        let m = match self.by_bucket.get(bucket) {
            Some(&m) if m != MIXED => m as i64,
            _ => self.exact(draws.integer(field)) as i64,
        };
        // A select, not a branch: beyond the months at risk (or with none) is no event.
        if m <= last - from + 1 {
            from + m - 1
        } else {
            NEVER
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tabulated month is the first `m` with `m h >= -ln u` for uniforms spread over
    /// (0, 1] (where `-ln u / h` is not within 1e-9 relative of a whole number, where the two
    /// sides' rounding may decide), at hazards from tiny to large; at every month's boundary
    /// the exact month changes at the cut and nowhere else; and every bucket of the table
    /// holds the month of its smallest and largest uniform.
    #[test]
    fn constant_hazard_months_are_the_first_whose_hazards_reach_the_draw() {
        use rand::SeedableRng;
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(13);
        let ulp = 1.0 / (1u64 << 53) as f64;
        for &h in &[1e-6, 0.0025, 0.005, 0.05, 0.4, 1.3] {
            let term = 84;
            let table = ConstantHazard::new(h, term);
            let mut checked = 0;
            for i in 0..200_000u64 {
                let draws = LoanDraws::draw(&mut rng);
                let j = draws.integer(Field::Prepay);
                let u = (j + 1) as f64 * ulp;
                let e = -u.ln();
                let got = table.month(draws, Field::Prepay, 10, 10 + term as i64 - 1);
                let m = (e / h).ceil().max(1.0);
                let expected = if m > term as f64 {
                    NEVER
                } else {
                    10 + m as i64 - 1
                };
                let near_boundary = ((e / h) - (e / h).round()).abs() < 1e-9 * (e / h).max(1.0);
                if !near_boundary {
                    assert_eq!(got, expected, "h {h} u {u} i {i}");
                    checked += 1;
                }
                // No event within k months iff the uniform is below the k-month cut.
                let k = 1 + (i as usize % term);
                let within = got != NEVER && got - 10 < k as i64;
                assert_eq!(!table.within(k).exceeds(j), within, "h {h} k {k} j {j}");
            }
            assert!(checked > 190_000, "{checked}");
            // At a month's cut the month is that month; just below the cut, a later one.
            for k in 1..=term {
                let cut = table.cuts[k].0;
                if cut > 0 && cut < table.cuts[k - 1].0 {
                    assert_eq!(table.exact(cut), k, "h {h} k {k}");
                    assert!(table.exact(cut - 1) > k, "h {h} k {k}");
                }
            }
            // Every bucket's month is the month of its smallest and largest uniform.
            for (b, &m) in table.by_bucket.iter().enumerate() {
                if m != MIXED {
                    let lo = (b as u64) << 41;
                    assert_eq!(table.exact(lo), m as usize);
                    assert_eq!(table.exact(lo + (1 << 41) - 1), m as usize);
                }
            }
        }
        let none = ConstantHazard::new(0.0, 12);
        let draws = LoanDraws::from_words(u64::MAX, 3);
        assert_eq!(none.month(draws, Field::Followup, 0, 11), NEVER);
        assert_eq!(none.within(12), Cut::ALL);
    }

    /// The month whose running sum first reaches the draw, at a sum exactly, between sums,
    /// on a flat stretch, and past the last.
    #[test]
    fn default_month_is_the_first_sum_reaching_the_draw() {
        let cum = [0.1, 0.2, 0.2, 0.2, 0.35, 0.5];
        assert_eq!(default_month(&cum, 7, 0.05), 7);
        assert_eq!(default_month(&cum, 7, 0.1), 7);
        assert_eq!(default_month(&cum, 7, 0.15), 8);
        assert_eq!(default_month(&cum, 7, 0.2), 8);
        assert_eq!(default_month(&cum, 7, 0.21), 11);
        assert_eq!(default_month(&cum, 7, 0.5), 12);
        assert_eq!(default_month(&cum, 7, 0.51), NEVER);
        assert_eq!(default_month(&[], 0, 1.0), NEVER);
    }

    /// The bracket's month, where it gives one, is the month of the whole uniform's `-ln u`,
    /// on tables whose months are wide and narrow against the brackets.
    #[test]
    fn log_brackets_give_the_month_of_the_whole_uniform() {
        use rand::SeedableRng;
        let logs = LogBrackets::shared();
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(21);
        let mut settled = 0;
        for (case, step) in [0.0005, 0.005, 0.05, 0.5].iter().enumerate() {
            let mut acc = 0.0;
            let cum: Vec<f64> = (1..=60)
                .map(|m| {
                    acc += step * (1.0 + 0.1 * (m % 7) as f64);
                    acc
                })
                .collect();
            for _ in 0..100_000 {
                let draws = LoanDraws::draw(&mut rng);
                let lead = draws.lead(Field::Default);
                let u = (draws.integer(Field::Default) + 1) as f64 / (1u64 << 53) as f64;
                let exact = default_month(&cum, 3, -u.ln());
                if let Some(month) = logs.default_month(&cum, 3, lead) {
                    assert_eq!(month, exact, "case {case} u {u}");
                    settled += 1;
                }
            }
        }
        assert!(settled > 300_000, "{settled}");
    }

    /// The cuts only save logarithms: a uniform they call "no event" is one whose `E = -ln(u)`
    /// exceeds the cumulative hazard, for hazards whose survival probabilities `exp(-H)` lie
    /// within a few ulps to 1e-8 of the draw (where the margin and the leading bits matter).
    #[test]
    fn the_cuts_decide_as_the_exponential_draw_does() {
        use super::super::draws::Cut;
        use crate::math::no_event_below;
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        let mut decided = 0;
        for i in 0..400_000u64 {
            let draws = LoanDraws::draw(&mut rng);
            let j = draws.integer(Field::Default);
            let u = (j + 1) as f64 / (1u64 << 53) as f64;
            let e = -u.ln();
            let h = match i % 3 {
                0 => e * (1.0 + (rng.random::<f64>() - 0.5) * 1e-8),
                1 => f64::from_bits(e.to_bits() - 20 + (i % 40)),
                _ => e * rng.random::<f64>() * 2.0,
            };
            match draws.open_unless_below(Field::Default, Cut::open(no_event_below(h))) {
                None => {
                    assert!(e > h, "u {u}: E {e} within H {h}");
                    decided += 1;
                }
                Some(v) => assert_eq!(v, u),
            }
        }
        assert!(decided > 100_000, "{decided}");
    }
}
