//! Sensible directions: the model moves the way an economist expects when one assumption moves.
//! Every comparison is paired on common random numbers (same seed, same paths), and asserts that
//! the mean paired difference has the expected sign and exceeds `z_crit` standard errors, where
//! the family of comparisons has a false-alarm rate of 1e-4.

mod common;

use common::*;
use microfolio::metrics::Scalar;

const PATHS: u64 = 400;
const COMPARISONS: usize = 6;

fn values(r: &microfolio::Results, m: Scalar) -> impl Iterator<Item = f64> + '_ {
    r.scalar(m).map(|v| v.unwrap())
}

/// Assert that `m` is higher in `b` than in `a` (or lower, when `up` is false).
fn assert_moves(a: &microfolio::Results, b: &microfolio::Results, m: Scalar, up: bool) {
    let (mean, se) = paired(values(a, m), values(b, m));
    let z = if up { mean / se } else { -mean / se };
    let limit = z_crit(1e-4, COMPARISONS);
    assert!(
        z > limit,
        "{}: paired difference {mean} (se {se}, z {z:.1}) should be {} (limit {limit:.2})",
        m.name(),
        if up { "positive" } else { "negative" }
    );
}

#[test]
fn higher_pd_gives_more_defaults_and_less_capital() {
    let a = run(&shipped("baseline", &["simulation.horizon_years=5"]), PATHS);
    let b = run(
        &shipped(
            "baseline",
            &[
                "simulation.horizon_years=5",
                "segment.micro_starter.annual_pd=0.08",
                "segment.micro_existing.annual_pd=0.05",
                "segment.mkb.annual_pd=0.05",
            ],
        ),
        PATHS,
    );
    assert_moves(&a, &b, Scalar::Defaults, true);
    assert_moves(&a, &b, Scalar::FinalCapital, false);
}

#[test]
fn a_higher_referral_share_gives_more_graduations_and_fewer_followup_loans() {
    let a = run(
        &shipped(
            "baseline",
            &["simulation.horizon_years=5", "followup.referral_share=0.2"],
        ),
        PATHS,
    );
    let b = run(
        &shipped(
            "baseline",
            &["simulation.horizon_years=5", "followup.referral_share=0.8"],
        ),
        PATHS,
    );
    assert_moves(&a, &b, Scalar::Graduations, true);
    assert_moves(&a, &b, Scalar::FollowupLoans, false);
}

#[test]
fn a_smaller_guarantee_room_rations_more_loans() {
    let a = run(&shipped("baseline", &["simulation.horizon_years=5"]), PATHS);
    let b = run(
        &shipped(
            "baseline",
            &[
                "simulation.horizon_years=5",
                "funding.facility.eib.limit=40e6",
                "funding.facility.bng.limit=20e6",
            ],
        ),
        PATHS,
    );
    assert_moves(&a, &b, Scalar::LoansRationed, true);
    assert_moves(&a, &b, Scalar::PeakExternalDebt, false);
}
