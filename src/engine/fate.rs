//! A loan's fate, decided once when the loan is created (docs/model.md §4): whether and when it
//! defaults, meets a follow-up need, or is prepaid, from exponential draws against cumulative
//! hazards.
//!
//! The draws are taken whether or not the loan is granted, so that a scenario that rations a
//! request keeps every later request's draws where they were (common random numbers).

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp1};

use crate::model::SegmentModel;

/// "Never" for an event month.
pub(super) const NEVER: i64 = i64::MAX;

/// The random variables that decide one loan's fate.
#[derive(Debug, Clone, Copy)]
pub(super) struct FateDraws {
    pub default_e: f64,
    pub followup_e: f64,
    pub prepay_e: f64,
    pub referral_u: f64,
    /// Seeds the recovery-rate draw, which is needed only if the loan defaults.
    pub recovery_key: u64,
}

impl FateDraws {
    pub fn draw<R: Rng>(rng: &mut R) -> FateDraws {
        FateDraws {
            default_e: Exp1.sample(rng),
            followup_e: Exp1.sample(rng),
            prepay_e: Exp1.sample(rng),
            referral_u: rng.random(),
            recovery_key: rng.next_u64(),
        }
    }
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
    /// are `cum`.
    #[inline]
    pub fn decide(
        seg: &SegmentModel,
        referral_share: f64,
        cum: &[f64],
        start: i64,
        first: i64,
        last: i64,
        draws: &FateDraws,
    ) -> Fate {
        // Default: the first month whose cumulative hazard reaches the draw. Most loans never
        // default within the horizon: one comparison with the total settles that before the
        // bisection.
        let default_month = match cum.last() {
            Some(&total) if total >= draws.default_e => {
                first + cum.partition_point(|&c| c < draws.default_e) as i64
            }
            _ => NEVER,
        };
        // Follow-up need and prepayment: constant hazards, so the month is closed-form.
        let age_first = (first - start) as usize;
        let followup_month = event_month(
            draws.followup_e,
            seg.followup_hazard,
            start + age_first.max(seg.followup_min_age) as i64,
            last,
        );
        let prepay_month = event_month(draws.prepay_e, seg.prepay_hazard, first, last);
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
}
