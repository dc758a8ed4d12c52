//! A loan's fate, decided once when the loan is created (docs/model.md §4): whether and when it
//! defaults, meets a follow-up need, or is prepaid, from exponential draws against cumulative
//! hazards.
//!
//! Each event's exponential draw is `E = -ln(u)` with `u` uniform on (0, 1] (inverse transform,
//! exact). Most loans meet none of the three events within the horizon, and `E <= H` iff
//! `u >= exp(-H)`, so a comparison of `u` with a precomputed survival probability settles
//! "not at all" without a logarithm — and, through the loan's lazily drawn uniforms
//! (`draws.rs`), mostly from their leading 16 bits; only a loan whose event may happen
//! computes its whole uniform, `E` and the month. The comparison is conservative
//! ([`crate::math::no_event_below`]): the fate is exactly the one `E` alone decides.
//!
//! A loan's fate is a function of its own draws alone, which it takes whether or not it is
//! granted (common random numbers).

use super::draws::{Field, LoanDraws, Purpose};
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
    /// `first ..= last` (`first <= last`), with the cumulative default hazards and no-event
    /// cuts `table` of those months.
    #[inline]
    #[allow(clippy::too_many_arguments)]
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
        // Default: the first month whose cumulative hazard reaches the draw.
        let default_month = match draws.open_unless_below(Field::Default, cuts.default) {
            None => NEVER,
            Some(u) => default_month(table.cum, first, -u.ln()),
        };
        // Follow-up need and prepayment: constant hazards, so the month is closed-form.
        let age_first = (first - start) as usize;
        let followup_from = start + age_first.max(seg.followup_min_age) as i64;
        let followup_month = match draws.open_unless_below(Field::Followup, cuts.followup) {
            None => NEVER,
            Some(u) => event_month(-u.ln(), seg.followup_hazard, followup_from, last),
        };
        let prepay_month = match draws.open_unless_below(Field::Prepay, cuts.prepay) {
            None => NEVER,
            Some(u) => event_month(-u.ln(), seg.prepay_hazard, first, last),
        };
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
/// The sums rise about in proportion to the months (the hazard moves only with the year's
/// factor and the loan's seasoning), so the search starts at the proportional guess and walks
/// the few months to the answer: fewer loads than a bisection, and each independent of the
/// last comparison's outcome until the final one.
#[inline]
pub(super) fn default_month(cum: &[f64], first: i64, e: f64) -> i64 {
    let Some(&total) = cum.last() else {
        return NEVER;
    };
    // `e` is finite (a logarithm of a uniform), so this is `total < e`.
    if total < e {
        return NEVER;
    }
    // The scale does not wait for `e` (a logarithm), so only a product is on the way.
    let scale = cum.len() as f64 / total;
    let mut j = ((e * scale) as usize).min(cum.len() - 1);
    if cum[j] < e {
        // The last sum reaches `e`, so this stops within the table.
        while cum[j] < e {
            j += 1;
        }
    } else {
        while j > 0 && cum[j - 1] >= e {
            j -= 1;
        }
    }
    first + j as i64
}

/// Month of an event with constant monthly hazard `h` from month `from` on, given the
/// exponential draw `e`: the `k`-th month at risk with `k = ceil(e/h)`; `NEVER` if after `last`.
#[inline]
fn event_month(e: f64, h: f64, from: i64, last: i64) -> i64 {
    if h <= 0.0 || from > last {
        return NEVER;
    }
    // `e` times `1/h` rather than `e/h`: the reciprocal does not wait for `e` (a logarithm),
    // and the month differs only where `e/h` is within a rounding of a whole number.
    let x = e * (1.0 / h);
    if x > (last - from + 1) as f64 {
        return NEVER;
    }
    // ceil(x) without a libm call (x is in range here), and at least the first month.
    let mut k = x as i64;
    if (k as f64) < x {
        k += 1;
    }
    from + k.max(1) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_month_is_the_ceiling_of_draw_over_hazard() {
        assert_eq!(event_month(0.25, 0.1, 5, 100), 7, "k = ceil(2.5) = 3");
        assert_eq!(event_month(0.3, 0.1, 5, 100), 7, "k = 3 exactly");
        assert_eq!(
            event_month(1e-9, 0.1, 5, 100),
            5,
            "at least the first month"
        );
        assert_eq!(event_month(1.0, 0.1, 5, 14), 14, "the last month at risk");
        assert_eq!(event_month(1.0, 0.1, 5, 13), NEVER, "after the last");
        assert_eq!(event_month(1.0, 0.0, 5, 100), NEVER, "no hazard");
        assert_eq!(event_month(1e-9, 0.1, 6, 5), NEVER, "no month at risk");
    }

    /// The walk from the proportional guess finds the first sum that reaches the draw, as a
    /// bisection does, on tables with flat stretches, zero hazards, steep years and repeats.
    #[test]
    fn default_month_is_the_first_sum_reaching_the_draw() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        for case in 0..2_000 {
            let len = 1 + case % 90;
            let mut acc = 0.0;
            let cum: Vec<f64> = (0..len)
                .map(|m| {
                    acc += match (case + m) % 7 {
                        0 => 0.0,
                        1 => 0.5 * rng.random::<f64>(),
                        _ => 0.01 * rng.random::<f64>(),
                    };
                    acc
                })
                .collect();
            let total = cum[len - 1];
            let mut draws: Vec<f64> = (0..50).map(|_| 1.2 * total * rng.random::<f64>()).collect();
            draws.extend(cum.iter().copied());
            draws.extend([0.0, total, f64::MIN_POSITIVE]);
            for e in draws {
                let expected = if total >= e {
                    7 + cum.partition_point(|&c| c < e) as i64
                } else {
                    NEVER
                };
                assert_eq!(default_month(&cum, 7, e), expected, "{cum:?} {e}");
            }
        }
        assert_eq!(default_month(&[], 0, 1.0), NEVER);
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
