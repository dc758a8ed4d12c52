//! A loan's fate, decided once when the loan is created (docs/model.md §4): whether and when it
//! defaults, meets a follow-up need, or is prepaid, from exponential draws against cumulative
//! hazards.
//!
//! Each event's exponential draw is `E = -ln(u)` with `u` uniform on (0, 1] (inverse transform,
//! exact). Most loans meet none of the three events within the horizon, and `E <= H` iff
//! `u >= exp(-H)`, so one comparison of `u` with a precomputed survival probability settles
//! "not at all" without a logarithm; only a loan whose event may happen computes `E` and its
//! month. The comparison is conservative ([`crate::math::no_event_below`]): the fate is
//! exactly the one `E` alone decides.
//!
//! The draws are taken whether or not the loan is granted, and always the same five 64-bit
//! words, so that a scenario that rations a request keeps every later request's draws where
//! they were (common random numbers); a loan's fate is a function of its own draws alone.

use rand::{Rng, RngExt};

use crate::model::SegmentModel;

/// "Never" for an event month.
pub(super) const NEVER: i64 = i64::MAX;

/// The random variables that decide one loan's fate.
#[derive(Debug, Clone, Copy)]
pub(super) struct FateDraws {
    /// Uniforms on (0, 1] whose `-ln` are the events' exponential draws.
    pub default_u: f64,
    pub followup_u: f64,
    pub prepay_u: f64,
    /// Uniform on [0, 1): a follow-up need is referred to a bank iff below the share.
    pub referral_u: f64,
    /// Seeds the recovery-rate draw, which is needed only if the loan defaults.
    pub recovery_key: u64,
}

impl FateDraws {
    pub fn draw<R: Rng>(rng: &mut R) -> FateDraws {
        FateDraws {
            default_u: open_unit(rng.next_u64()),
            followup_u: open_unit(rng.next_u64()),
            prepay_u: open_unit(rng.next_u64()),
            referral_u: rng.random(),
            recovery_key: rng.next_u64(),
        }
    }
}

/// A uniform on (0, 1] from the top 53 bits of `x`: every multiple of 2^-53 in (0, 1], equally
/// likely, so that `-ln` is finite (at most 36.7).
#[inline]
pub(super) fn open_unit(x: u64) -> f64 {
    ((x >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

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
    /// `first ..= last` (`first <= last`), whose cumulative default hazards over those months
    /// are `cum`; `no_default_below` is [`crate::math::no_event_below`] of their total.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn decide(
        seg: &SegmentModel,
        referral_share: f64,
        cum: &[f64],
        no_default_below: f64,
        start: i64,
        first: i64,
        last: i64,
        draws: &FateDraws,
    ) -> Fate {
        // Default: the first month whose cumulative hazard reaches the draw.
        let default_month = if draws.default_u < no_default_below {
            NEVER
        } else {
            default_month(cum, first, -draws.default_u.ln())
        };
        // Follow-up need and prepayment: constant hazards, so the month is closed-form.
        let age_first = (first - start) as usize;
        let followup_from = start + age_first.max(seg.followup_min_age) as i64;
        let followup_month = constant_hazard_month(
            draws.followup_u,
            seg.followup_hazard,
            &seg.followup_no_event_below,
            followup_from,
            last,
        );
        let prepay_month = constant_hazard_month(
            draws.prepay_u,
            seg.prepay_hazard,
            &seg.prepay_no_event_below,
            first,
            last,
        );
        let mut fate = Fate::default();
        // Within a month: default, then follow-up need, then prepayment.
        if followup_month < default_month && followup_month <= prepay_month {
            if draws.referral_u < referral_share {
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
#[inline]
pub(super) fn default_month(cum: &[f64], first: i64, e: f64) -> i64 {
    match cum.last() {
        Some(&total) if total >= e => first + cum.partition_point(|&c| c < e) as i64,
        _ => NEVER,
    }
}

/// [`event_month`] for the draw `-ln(u)`, with the logarithm only for a `u` at or above the
/// threshold `no_event_below[k]` of the `k = last - from + 1` months at risk.
#[inline]
fn constant_hazard_month(u: f64, h: f64, no_event_below: &[f64], from: i64, last: i64) -> i64 {
    if from > last || u < no_event_below[(last - from + 1) as usize] {
        return NEVER;
    }
    event_month(-u.ln(), h, from, last)
}

/// Month of an event with constant monthly hazard `h` from month `from` on, given the
/// exponential draw `e`: the `k`-th month at risk with `k = ceil(e/h)`; `NEVER` if after `last`.
#[inline]
fn event_month(e: f64, h: f64, from: i64, last: i64) -> i64 {
    if h <= 0.0 || from > last {
        return NEVER;
    }
    let x = e / h;
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

    /// The threshold only saves logarithms: for uniforms spread over (0, 1] and crowded around
    /// each survival probability `exp(-H)`, the month is the one `E = -ln(u)` alone gives.
    #[test]
    fn the_survival_test_decides_as_the_exponential_draw_does() {
        use crate::math::no_event_below;
        use rand::SeedableRng;
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        let cum: Vec<f64> = (1..=60)
            .map(|j| 0.004 * j as f64 + 1e-5 * (j * j) as f64)
            .collect();
        let total = *cum.last().unwrap();
        for &h in &[0.0, 1e-6, 0.0025, 0.05, 1.3] {
            let table: Vec<f64> = (0..=60).map(|k| no_event_below(h * k as f64)).collect();
            for from in [3_i64, 20, 62] {
                let k = if from > 62 {
                    0
                } else {
                    (62 - from + 1) as usize
                };
                let survival = (-h * k as f64).exp();
                for i in 0..20_000 {
                    let u = match i % 4 {
                        0 => open_unit(rng.next_u64()),
                        // Within a few ulps to 1e-8 of the survival probability.
                        1 => survival * (1.0 + (rng.random::<f64>() - 0.5) * 1e-8),
                        2 => f64::from_bits(survival.to_bits() - 20 + (i as u64 % 40)),
                        _ => (-total).exp() * (1.0 + (rng.random::<f64>() - 0.5) * 1e-8),
                    }
                    .min(1.0);
                    let exact = event_month(-u.ln(), h, from, 62);
                    assert_eq!(
                        constant_hazard_month(u, h, &table, from, 62),
                        exact,
                        "h {h} from {from} u {u}"
                    );
                    let with_test = if u < no_event_below(total) {
                        NEVER
                    } else {
                        default_month(&cum, 3, -u.ln())
                    };
                    assert_eq!(with_test, default_month(&cum, 3, -u.ln()), "u {u}");
                }
            }
        }
    }

    #[test]
    fn open_unit_spans_zero_exclusive_to_one_inclusive() {
        assert_eq!(open_unit(0), 1.0 / (1u64 << 53) as f64);
        assert_eq!(open_unit(u64::MAX), 1.0);
        assert!((-open_unit(0).ln() - 36.736_800_569_677_1).abs() < 1e-12);
    }
}
