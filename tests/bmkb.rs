//! The checks with known answers of docs/model.md §10 (BMKB and the state's whole account):
//! premiums exactly at zero correlation, expected claims, pending claims and exposure from the
//! bank loans' hazards, full coverage leaving the lender only its write-offs to wait for, BMKB
//! off leaving every output bit-identical, and the state's account adding up.
//!
//! The statistical checks form one family with a false-alarm probability of at most 1e-4
//! (Bonferroni over its comparisons), with fixed seeds: a failure means a bug, not bad luck.

mod common;

use common::*;
use microfolio::Model;
use microfolio::engine::Workspace;
use microfolio::math::monthly_hazard;
use microfolio::metrics::{Scalar, Yearly};
use microfolio::schedule::Schedule;

const FAMILY_ALPHA: f64 = 1e-4;

/// Channel (a) alone: every follow-up need is referred, sizes are exact, no correlation. Bank
/// loans of 36 months against a 48-month guarantee (so some end within and some after the
/// horizon), a seasoning that rises in the second year.
const GRADUATES: &str = r#"
[simulation]
horizon_years = 4
seed = 99
[funding]
state_loan = 20e6
guarantee_room = 0
min_cash = 0
cash_target = 0
[initial_book]
loans = 300
max_age_months = 24
[origination]
loans_per_year = 400
[followup]
referral_share = 1
size_multiplier = 2
[bmkb]
enabled = true
graduate_share = 0.6
graduate_pd_multiplier = 1.5
bank_term_months = 36
guarantee_months = 30
bsk_share = 0.5
max_bsk = 15000
coverage = 0.9
claim_lag_months = 9
[[segment]]
name = "firm"
mean_size = 20000
term_months = 48
interest_rate = 0.09
annual_pd = 0.08
seasoning = [0.8, 1.6, 1.0]
recovery_mean = 0.3
recovery_sd = 0.15
followup_rate = 0.2
followup_min_age_months = 6
"#;

/// Expected in-horizon claims, pending claims and exposure at the horizon of one BMKB-backed
/// bank loan that starts in month `start`, computed from the hazards directly: with no
/// correlation the factor drops out and `P(default in month d) = exp(-H(d-1)) - exp(-H(d))`.
struct BankLoanExpectation {
    claims: f64,
    pending: f64,
    exposure: f64,
}

fn bank_loan_expectation(start: usize, months: usize) -> BankLoanExpectation {
    let (q, term, covered, bsk, coverage, lag) = (40_000.0, 36, 30, 15_000.0, 0.9, 9);
    let (pd, seasoning, loss) = (0.08 * 1.5, [0.8, 1.6, 1.0], 1.0 - 0.3);
    let schedule = Schedule::try_new(term, 0, 0.09).unwrap();
    let h = monthly_hazard(pd);
    let (mut claims, mut pending, mut survival) = (0.0, 0.0, 1.0);
    let last = (start + term - 1).min(months - 1);
    for d in start..=last {
        let age = d - start;
        let next = survival * (-h * seasoning[(age / 12).min(2)]).exp();
        if age < covered {
            let claim = coverage * (bsk / q) * q * schedule.balance_factor(age) * loss;
            if d + lag < months {
                claims += (survival - next) * claim;
            } else {
                pending += (survival - next) * claim;
            }
        }
        survival = next;
    }
    // Live after the last month and covered in the next: its BSK share of the balance.
    let age_next = months - start;
    let exposure = if age_next < covered {
        survival * coverage * bsk * schedule.balance_factor(age_next)
    } else {
        0.0
    };
    BankLoanExpectation {
        claims,
        pending,
        exposure,
    }
}

/// docs/model.md §10, first known answer. Premiums: with every bank loan backed they are
/// graduations × rate × G on every path, exactly; with 60% backed their mean is 60% of that
/// (a z-test). Claims paid, claims pending and the exposure at the horizon: the per-path gap
/// to their expectation given the path's graduation months has mean 0 (three z-tests).
#[test]
fn graduates_premiums_claims_and_exposure_follow_from_the_hazards() {
    // The guarantee of 30 months is 10 quarters: the 9–24 quarter rate.
    let (rate, bsk) = (0.0425, 15_000.0);
    let all = scenario(GRADUATES, &["bmkb.graduate_share=1"]);
    let r = run(&all, 200);
    for (p, g) in r
        .scalar(Scalar::BmkbPremiums)
        .zip(r.scalar(Scalar::Graduations))
    {
        let (p, g) = (p.unwrap(), g.unwrap());
        assert!(g > 0.0);
        assert!(
            (p - g * rate * bsk).abs() < 1e-9 * p,
            "{p} vs {g} graduations"
        );
    }

    let s = scenario(GRADUATES, &[]);
    let model = Model::new(&s);
    let months = model.months;
    let expectation: Vec<BankLoanExpectation> = (0..=months)
        .map(|start| bank_loan_expectation(start, months))
        .collect();
    let mut ws = Workspace::new(&model);
    let paths = 3000;
    let mut gaps = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    for path in 0..paths {
        let (out, trace) = ws.simulate_traced(path);
        let (mut premiums, mut claims, mut pending, mut exposure) = (0.0, 0.0, 0.0, 0.0);
        for m in &trace {
            let n = m.graduations as f64 * 0.6;
            let e = &expectation[m.month + 1];
            premiums += n * rate * bsk;
            claims += n * e.claims;
            pending += n * e.pending;
            exposure += n * e.exposure;
        }
        let got = |m: Scalar| out.scalar(m).unwrap();
        gaps[0].push(got(Scalar::BmkbPremiums) - premiums);
        gaps[1].push(got(Scalar::BmkbClaims) - claims);
        gaps[2].push(got(Scalar::BmkbClaimsPending) - pending);
        gaps[3].push(got(Scalar::BmkbExposureEnd) - exposure);
        // Channel (a) pays the banks, never the lender.
        assert_eq!(got(Scalar::BmkbClaimsReceived), 0.0);
        let yearly_claims: f64 = (0..model.years)
            .map(|y| out.yearly(y, Yearly::BmkbClaims))
            .sum();
        assert!((yearly_claims - got(Scalar::BmkbClaims)).abs() < 1e-6);
        assert_eq!(
            out.yearly(model.years - 1, Yearly::BmkbExposure),
            got(Scalar::BmkbExposureEnd)
        );
    }
    let z_max = z_crit(FAMILY_ALPHA, gaps.len());
    for (name, gap) in ["premiums", "claims", "pending claims", "exposure"]
        .iter()
        .zip(&gaps)
    {
        let (mean, sd) = microfolio::stats::mean_sd(gap);
        let se = sd.unwrap() / (paths as f64).sqrt();
        assert!(se > 0.0, "{name}: no spread");
        assert!(
            mean.abs() < z_max * se,
            "{name}: mean gap {mean} with standard error {se} (|z| < {z_max:.2})"
        );
    }
}

/// Channel (b) with full cover: every loan backed, the whole credit its BSK, the state paying
/// all of it a month after the default, nothing recovered. The claims received in month
/// `t + 1` are the write-offs of month `t`, on every path; the lender's loss net of claims is
/// what defaulted in the last month; the premiums are the rate times the volume granted.
#[test]
fn full_coverage_pays_the_lender_its_write_offs_a_month_later() {
    // The BMKB's rules of the horizon (docs/model.md §10): the settlement at par, no
    // resolution to run a wound-down lender off past it.
    let s = shipped(
        "baseline",
        &[
            "state.settlement=\"par\"",
            "resolution.rule=\"none\"",
            "initial_book.loans=0",
            "simulation.horizon_years=4",
            "bmkb.enabled=true",
            "bmkb.graduate_share=0",
            "bmkb.coverage=1",
            "bmkb.bsk_share=1",
            "bmkb.max_bsk=1e9",
            "bmkb.guarantee_months=144",
            "bmkb.claim_lag_months=1",
            "segment.micro_starter.bmkb_share=1",
            "segment.micro_existing.bmkb_share=1",
            "segment.mkb.bmkb_share=1",
            "segment.micro_starter.recovery_mean=0",
            "segment.micro_starter.recovery_sd=0",
            "segment.micro_existing.recovery_mean=0",
            "segment.micro_existing.recovery_sd=0",
            "segment.mkb.recovery_mean=0",
            "segment.mkb.recovery_sd=0",
        ],
    );
    let model = Model::new(&s);
    let mut ws = Workspace::new(&model);
    let mut defaults = 0;
    for path in 0..20 {
        let (out, trace) = ws.simulate_traced(path);
        assert_eq!(trace[0].claims_received, 0.0);
        for w in trace.windows(2) {
            let (m, next) = (&w[0], &w[1]);
            assert!(
                (next.claims_received - m.write_offs).abs() <= 1e-9 * m.write_offs,
                "path {path} month {}: claims {} vs write-offs {}",
                m.month,
                next.claims_received,
                m.write_offs
            );
            defaults += m.defaults;
        }
        let got = |m: Scalar| out.scalar(m).unwrap();
        let last = trace.last().unwrap();
        assert!(
            (got(Scalar::NetLoss) - got(Scalar::BmkbClaimsReceived) - last.write_offs).abs() < 1e-6,
            "path {path}"
        );
        let pending = got(Scalar::BmkbClaimsPending);
        assert!(
            (pending - last.write_offs).abs() <= 1e-9 * pending,
            "path {path}"
        );
        assert_eq!(got(Scalar::BmkbClaims), got(Scalar::BmkbClaimsReceived));
        // Terms of 60 and 84 months, all within 144 months: 20 and 28 quarters, 4.25% and
        // 5.85% (the baseline's table is the default).
        let premiums = got(Scalar::BmkbPremiums);
        let volume = got(Scalar::VolumeGranted);
        assert!(premiums > 0.0425 * volume && premiums < 0.0585 * volume);
    }
    assert!(defaults > 100, "{defaults} defaults");
}

/// docs/model.md §10, third known answer: `enabled = false` changes nothing, however the other
/// BMKB keys are set; nor does BMKB on with nothing backed, or with only graduates' bank loans
/// backed — apart from the BMKB outcomes and the state's totals that include them.
#[test]
fn bmkb_off_is_bit_identical_and_graduates_leave_the_lender_alone() {
    // The BMKB's own outcomes and the state's totals that include them.
    let lender_only = |m: &Scalar| {
        !m.name().starts_with("bmkb_")
            && !m.name().starts_with("state_cost_total")
            && *m != Scalar::StateCashCostPv
    };
    for name in ["baseline", "recession"] {
        // The shipped scenarios switch BMKB on; the golden test checks a file without [bmkb].
        let without = run(&shipped(name, &["bmkb.enabled=false"]), 60);
        let off = run(
            &shipped(
                name,
                &[
                    "bmkb.enabled=false",
                    "bmkb.graduate_share=1",
                    "bmkb.claim_lag_months=1",
                    "segment.mkb.bmkb_share=1",
                    "segment.micro_starter.bmkb_share=1",
                ],
            ),
            60,
        );
        assert!(
            identical(&without, &off),
            "{name}: the other keys matter when off"
        );
        for m in Scalar::ALL.iter().filter(|m| m.name().starts_with("bmkb_")) {
            assert!(off.scalar(*m).all(|v| v == Some(0.0)), "{}", m.name());
        }
        let graduates = run(
            &shipped(
                name,
                &[
                    "segment.mkb.bmkb_share=0",
                    "segment.micro_starter.bmkb_share=0",
                    "segment.micro_existing.bmkb_share=0",
                ],
            ),
            60,
        );
        assert!(graduates.summary(Scalar::BmkbClaims).unwrap().mean > 0.0);
        for m in Scalar::ALL.iter().filter(|m| lender_only(m)) {
            let bits = |r: &microfolio::Results| {
                r.scalar(*m)
                    .map(|v| v.map(f64::to_bits))
                    .collect::<Vec<_>>()
            };
            assert_eq!(bits(&graduates), bits(&off), "{name}: {}", m.name());
        }
    }
}

/// The state's account adds up on every path: the net BMKB cost is claims plus pending less
/// premiums, the total is the three channels, its present value is below the nominal total
/// at a positive rate, and the subsidy is the forgone interest on the state loan.
#[test]
fn the_state_account_adds_up() {
    // The account of §10, at par and without resolution: the subsidy of a state loan never
    // repaid in the horizon, the claims pending at it. (tests/ledger.rs checks the account
    // after a run-off, to the cent.)
    let s = shipped(
        "baseline",
        &["state.settlement=\"par\"", "resolution.rule=\"none\""],
    );
    let spec = s.spec();
    let r = run(&s, 50);
    let col = |m: Scalar| r.scalar(m).map(|v| v.unwrap()).collect::<Vec<f64>>();
    let months = 12.0 * spec.simulation.horizon_years as f64;
    let subsidy = (spec.state.discount_rate - spec.funding.state_loan_rate) / 12.0
        * spec.funding.state_loan
        * months;
    let (premiums, claims, pending, net) = (
        col(Scalar::BmkbPremiums),
        col(Scalar::BmkbClaims),
        col(Scalar::BmkbClaimsPending),
        col(Scalar::BmkbNetCost),
    );
    let (cost, total, total_pv) = (
        col(Scalar::CostToState),
        col(Scalar::StateCostTotal),
        col(Scalar::StateCostTotalPv),
    );
    let (cost_pv, net_pv, subsidy_pv) = (
        col(Scalar::CostToStatePv),
        col(Scalar::BmkbNetCostPv),
        col(Scalar::StateLoanSubsidyPv),
    );
    assert!(pending.iter().sum::<f64>() > 0.0);
    for k in 0..50 {
        // A path with no covered default in the last year has no pending claim.
        assert!(premiums[k] > 0.0 && claims[k] > 0.0 && pending[k] >= 0.0);
        assert!((net[k] - (claims[k] + pending[k] - premiums[k])).abs() < 1e-6);
        assert!((total[k] - (cost[k] + net[k] + subsidy)).abs() < 1e-6);
        assert!((total_pv[k] - (cost_pv[k] + net_pv[k] + subsidy_pv[k])).abs() < 1e-6);
        assert!(subsidy_pv[k] < subsidy && subsidy_pv[k] > 0.0);
        assert!(cost_pv[k] <= cost[k]);
    }
}
