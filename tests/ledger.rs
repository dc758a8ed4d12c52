//! The known answers of the state's ledger (docs/model.md §11): facilities, settlement after a
//! run-off, resolution and the ledger's own arithmetic, each against a value computed here from
//! the text, not by the engine.
//!
//! Error rate: the one statistical check (the run-off's expected loss against the hazards) is a
//! z-test at |z| < 5, a false alarm below 1e-6; every other check is exact (bits), to the cent,
//! or to a stated relative rounding.

mod common;

use common::{identical, run, scenario, shipped};
use microfolio::engine::Workspace;
use microfolio::metrics::{Scalar, Yearly};
use microfolio::{Model, Results};

/// A small lender under stress: the room binds, capital is depleted on some paths, and the
/// run-off has defaults, recoveries and follow-up needs to settle.
const STRESSED: &str = r#"
[simulation]
horizon_years = 3
seed = 11
[funding]
state_loan = 1.5e6
min_cash = 1e5
cash_target = 4e5
[initial_book]
loans = 200
max_age_months = 24
[origination]
loans_per_year = 300
[credit_cycle]
asset_correlation = 0.15
persistence = 0.3
[costs]
fixed_per_year = 4e5
per_active_loan_per_year = 150
[[segment]]
name = "a"
mean_size = 15000
size_cv = 0.5
min_size = 2000
term_months = 48
grace_months = 2
interest_rate = 0.09
annual_pd = 0.09
recovery_mean = 0.3
recovery_sd = 0.1
recovery_lag_months = 9
followup_rate = 0.08
followup_min_age_months = 6
prepay_rate = 0.04
"#;

/// STRESSED funded by the older keys, or by facilities, with `extra` lines after `[funding]`'s.
fn stressed(funding: &str, sets: &[&str]) -> microfolio::Scenario {
    let text = STRESSED.replace(
        "cash_target = 4e5\n",
        &format!("cash_target = 4e5\n{funding}\n"),
    );
    scenario(&text, sets)
}

const ONE_ROOM: &str = "guarantee_room = 3e6\nexternal_rate = 0.04";
const ONE_FACILITY: &str =
    "[[funding.facility]]\nname = \"all\"\nlimit = 3e6\nguaranteed_share = 1\nrate = 0.04";
const TWO_FACILITIES: &str = "[[funding.facility]]\nname = \"x\"\nlimit = 1.8e6\nguaranteed_share = 1\nrate = 0.04\n\
     [[funding.facility]]\nname = \"y\"\nlimit = 1.2e6\nguaranteed_share = 1\nrate = 0.04";

/// docs/model.md §11.1: one facility guaranteed in full is the older room, and two alike
/// facilities that together have its limit are one facility: every output the same to the
/// bit, under par and under run-off.
#[test]
fn one_facility_at_a_share_of_one_is_the_older_room() {
    for settlement in ["par", "run_off"] {
        let set = format!("state.settlement=\"{settlement}\"");
        let room = run(&stressed(ONE_ROOM, &[&set]), 120);
        assert!(
            room.summary(Scalar::LoansRationed).unwrap().mean > 0.0,
            "the room binds"
        );
        assert!(room.probability_positive(Scalar::GuaranteeCall) > 0.0);
        for funding in [ONE_FACILITY, TWO_FACILITIES] {
            let other = run(&stressed(funding, &[&set]), 120);
            assert!(identical(&room, &other), "{settlement}: {funding}");
        }
    }
}

/// docs/model.md §11.1: with every facility at a share of 0.5, a shortfall at settlement that
/// does not exceed the debt falls exactly half on the state and half on the funders, on every
/// path; beyond the debt the funders lose half of the debt and the state the rest.
#[test]
fn half_shares_split_the_shortfall_in_half() {
    // Room enough for the shortfall to stay within the debt on most paths, little enough for
    // the run-off's costs to run beyond it on some.
    let funding = "[[funding.facility]]\nname = \"x\"\nlimit = 1.2e6\nguaranteed_share = 0.5\nrate = 0.04\n\
                   [[funding.facility]]\nname = \"y\"\nlimit = 6e5\nguaranteed_share = 0.5\nrate = 0.02";
    let s = stressed(
        funding,
        &[
            "state.settlement=\"run_off\"",
            "costs.fixed_per_year=6e5",
            "state.run_off_fixed_share=0.5",
        ],
    );
    let model = Model::new(&s);
    let mut ws = Workspace::new(&model);
    let (mut within, mut beyond) = (0, 0);
    for path in 0..200 {
        let (out, trace) = ws.simulate_traced(path);
        let call = out.scalar(Scalar::GuaranteeCall).unwrap();
        let lenders = out.scalar(Scalar::LendersLoss).unwrap();
        let shortfall = call + lenders;
        // The state settles on the debt at the end of the run-off's last month.
        let debt = trace.last().unwrap().debt_end;
        if shortfall <= debt {
            assert_eq!(call.to_bits(), lenders.to_bits(), "path {path}");
            assert_eq!(call, 0.5 * shortfall, "path {path}");
            within += (shortfall > 0.0) as usize;
        } else {
            assert!((lenders - 0.5 * debt).abs() <= 1e-9 * debt, "path {path}");
            beyond += 1;
        }
    }
    assert!(
        within >= 20 && beyond >= 1,
        "{within} within the debt, {beyond} beyond"
    );
}

/// A lender whose debt stays constant: a book that pays interest but no principal for the
/// horizon (grace over the whole of it), no costs, nothing granted, no target to repay to.
fn constant_debt(funding: &str) -> microfolio::Scenario {
    let text = format!(
        r#"
[simulation]
horizon_years = 2
[funding]
state_loan = 1e6
min_cash = 1e5
cash_target = 1e15
{funding}
[initial_book]
loans = 100
max_age_months = 1
[origination]
loans_per_year = 0
[[segment]]
name = "a"
mean_size = 30000
term_months = 60
grace_months = 30
interest_rate = 0.06
annual_pd = 0
"#
    );
    scenario(&text, &[])
}

/// docs/model.md §11.1, §11.5: a fee `f` on a constant debt `D` at a share `g` pays `f × g × D`
/// a year to the state; the state's total cost falls by the fees; and the lender pays what a
/// scenario of the older keys with `guarantee_fee = f × g` pays.
#[test]
fn a_fee_is_the_states_income() {
    let (f, g) = (0.012, 0.8);
    let with_fee = run(
        &constant_debt(&format!(
            "[[funding.facility]]\nname = \"a\"\nlimit = 5e6\nguaranteed_share = {g}\nrate = 0.03\nguarantee_fee = {f}"
        )),
        5,
    );
    let no_fee = run(
        &constant_debt(
            "[[funding.facility]]\nname = \"a\"\nlimit = 5e6\nguaranteed_share = 0.8\nrate = 0.03",
        ),
        5,
    );
    let older = run(
        &constant_debt(&format!(
            "guarantee_room = 5e6\nexternal_rate = 0.03\nguarantee_fee = {}",
            f * g
        )),
        5,
    );
    // D = book + min_cash − K_0 = 3e6 + 1e5 − 1e6, drawn at the start and never moved.
    let debt = 3e6 + 1e5 - 1e6;
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    for path in 0..5 {
        let at = |r: &Results, m: Scalar| r.scalar(m).nth(path).unwrap().unwrap();
        assert_eq!(at(&with_fee, Scalar::PeakExternalDebt), debt);
        for y in 0..2 {
            let fees = with_fee.yearly(y, Yearly::GuaranteeFees)[path];
            assert!(close(fees, f * g * debt), "year {y}: {fees}");
        }
        assert!(close(
            at(&with_fee, Scalar::GuaranteeFees),
            2.0 * f * g * debt
        ));
        assert!(close(
            at(&no_fee, Scalar::StateCostTotal) - at(&with_fee, Scalar::StateCostTotal),
            2.0 * f * g * debt
        ));
        for m in [
            Scalar::FinalCapital,
            Scalar::MinCapital,
            Scalar::Oss,
            Scalar::CostToState,
            Scalar::StateLoanLoss,
        ] {
            assert!(
                close(at(&with_fee, m), at(&older, m)),
                "{}: {} vs {}",
                m.name(),
                at(&with_fee, m),
                at(&older, m)
            );
        }
        // The older keys' fee was the lender's cost and no income of the state's before §11;
        // now it is both, whichever way the scenario writes it.
        assert!(close(at(&older, Scalar::GuaranteeFees), 2.0 * f * g * debt));
    }
}

/// The balance `B(a)` of a loan of `size` at the start of each age, by running its schedule by
/// hand (docs/model.md §4): interest only for `grace` months, then a level annuity.
fn balances(size: f64, rate: f64, term: usize, grace: usize) -> Vec<f64> {
    let i = rate / 12.0;
    let annuity = size * i / (1.0 - (1.0 + i).powi(-((term - grace) as i32)));
    let mut b = vec![size];
    for a in 0..term {
        let principal = if a < grace {
            0.0
        } else if a == term - 1 {
            b[a]
        } else {
            annuity - i * b[a]
        };
        b.push(b[a] - principal);
    }
    b
}

/// docs/model.md §11.2: a one-loan book with no events runs off until the loan matures, loses
/// nothing, and settles on `K_T` plus the run-off's interest less its costs, by hand.
#[test]
fn a_run_off_without_events_is_its_schedule() {
    let (size, rate, term) = (24_000.0, 0.06, 36);
    let s = scenario(
        r#"
[simulation]
horizon_years = 1
[funding]
state_loan = 1e5
min_cash = 0
cash_target = 0
guarantee_room = 0
[initial_book]
loans = 1
max_age_months = 1
[origination]
loans_per_year = 0
[costs]
fixed_per_year = 1200
per_active_loan_per_year = 120
[state]
settlement = "run_off"
run_off_fixed_share = 0.5
[[segment]]
name = "a"
mean_size = 24000
term_months = 36
interest_rate = 0.06
annual_pd = 0
"#,
        &[],
    );
    let out = run(&s, 1);
    let at = |m: Scalar| out.scalar(m).next().unwrap().unwrap();
    let b = balances(size, rate, term, 0);
    let interest = |ages: std::ops::Range<usize>| -> f64 { ages.map(|a| rate / 12.0 * b[a]).sum() };
    // The horizon: 12 months of interest, full fixed costs and one loan's servicing.
    let k_t = 1e5 + interest(0..12) - 12.0 * (100.0 + 10.0);
    // The run-off: months 12..35, half the fixed costs.
    let run_off = interest(12..36) - 24.0 * (50.0 + 10.0);
    assert!((at(Scalar::FinalCapital) - k_t).abs() < 1e-6);
    assert_eq!(at(Scalar::RunOffMonths), 24.0);
    assert_eq!(at(Scalar::SettlementMonth), 36.0);
    assert_eq!(at(Scalar::RunOffNetLoss), 0.0);
    assert!((at(Scalar::RunOffInterest) - interest(12..36)).abs() < 1e-6);
    assert!((at(Scalar::SettlementCapital) - (k_t + run_off)).abs() < 1e-6);
    // The loan repaid the state loan as it came in: everything but min_cash (0) is advanced.
    assert!((at(Scalar::StateLoanRepaidRunOff) - (k_t + run_off)).abs() < 1e-6);
    assert!((at(Scalar::StateLoanRepaid) - (k_t + run_off).min(1e5)).abs() < 1e-6);
    assert_eq!(at(Scalar::GuaranteeCall), 0.0);
}

/// docs/model.md §11.2: with no correlation, no prepayment and no follow-up need, the capital
/// the run-off loses, `E[K_T] − E[settlement_capital]` less the run-off's costs plus its
/// interest, is the book's expected loss after `T` from the hazards and the recovery mean, less
/// the recoveries of earlier defaults still due at `T` (z-test at |z| < 5).
#[test]
fn the_run_off_loses_what_the_hazards_say() {
    let (n, size, rate, term, lag, pd, rr) = (3000.0, 10_000.0, 0.06, 48, 6, 0.05, 0.3);
    let s = scenario(
        r#"
[simulation]
horizon_years = 1
seed = 5
[funding]
state_loan = 1e9
[initial_book]
loans = 3000
max_age_months = 1
[origination]
loans_per_year = 0
[state]
settlement = "run_off"
[[segment]]
name = "a"
mean_size = 10000
term_months = 48
interest_rate = 0.06
annual_pd = 0.05
recovery_mean = 0.3
recovery_sd = 0.1
recovery_lag_months = 6
"#,
        &[],
    );
    let paths = 400;
    let out = run(&s, paths);
    let b = balances(size, rate, term, 0);
    let h = -(1.0f64 - pd).ln() / 12.0;
    // P(default in month m) for a loan at risk from month 0.
    let p = |m: usize| (-h * m as f64).exp() * (1.0 - (-h).exp());
    let t = 12;
    let written_off: f64 = (t..term).map(|m| p(m) * b[m]).sum();
    let due_at_t: f64 = (t - lag..t).map(|m| p(m) * b[m] * rr).sum();
    let expected = n * (written_off * (1.0 - rr) - due_at_t);
    let col = |m: Scalar| -> Vec<f64> { out.scalar(m).map(Option::unwrap).collect() };
    let (k_t, settled, costs, interest) = (
        col(Scalar::FinalCapital),
        col(Scalar::SettlementCapital),
        col(Scalar::RunOffCosts),
        col(Scalar::RunOffInterest),
    );
    let lost: Vec<f64> = (0..paths as usize)
        .map(|i| k_t[i] - settled[i] - costs[i] + interest[i])
        .collect();
    let (mean, sd) = microfolio::stats::mean_sd(&lost);
    let se = sd.unwrap() / (paths as f64).sqrt();
    let z = (mean - expected) / se;
    assert!(
        z.abs() < 5.0,
        "mean {mean} expected {expected} se {se} z {z}"
    );
}

/// docs/model.md §11.2: the outcomes of the horizon are the same to the bit whether the state
/// settles at par or after the run-off (the shipped baseline, with its facilities, BMKB and
/// wind-down rule).
#[test]
fn within_the_horizon_par_and_run_off_are_the_same() {
    let par = run(&shipped("baseline", &["state.settlement=\"par\""]), 60);
    let run_off = run(&shipped("baseline", &[]), 60);
    let horizon = [
        Scalar::LoansGranted,
        Scalar::FollowupLoans,
        Scalar::EntrepreneursFinanced,
        Scalar::VolumeGranted,
        Scalar::MeanLoanSize,
        Scalar::LoansRationed,
        Scalar::Defaults,
        Scalar::DefaultRate,
        Scalar::GrossLoss,
        Scalar::Recoveries,
        Scalar::NetLoss,
        Scalar::LossRate,
        Scalar::Graduations,
        Scalar::Prepayments,
        Scalar::FinalCapital,
        Scalar::MinCapital,
        Scalar::CapitalDepleted,
        Scalar::MonthsLendingClosed,
        Scalar::MonthsLiquidityShortfall,
        Scalar::PeakExternalDebt,
        Scalar::PeakGuaranteeUse,
        Scalar::Oss,
        Scalar::JobsSupported,
        Scalar::BmkbGuarantees,
        Scalar::BmkbClaimsReceived,
        Scalar::BmkbExposureEnd,
        Scalar::Resolved,
        Scalar::ResolutionMonth,
        Scalar::StateRecapitalisation,
    ];
    let bits = |r: &Results, m: Scalar| -> Vec<Option<u64>> {
        r.scalar(m).map(|v| v.map(f64::to_bits)).collect()
    };
    for m in horizon {
        assert_eq!(bits(&par, m), bits(&run_off, m), "{}", m.name());
    }
    // Every yearly row of the horizon, but the settlement's flows, which par books in the
    // horizon's last year.
    let settled = [
        Yearly::StateLoanRepaid,
        Yearly::GuaranteeCall,
        Yearly::StateNetCash,
    ];
    let years = par.years();
    for y in 0..years {
        for m in Yearly::ALL {
            if y == years - 1 && settled.contains(m) {
                continue;
            }
            let a: Vec<u64> = par.yearly(y, *m).iter().map(|v| v.to_bits()).collect();
            let b: Vec<u64> = run_off.yearly(y, *m).iter().map(|v| v.to_bits()).collect();
            assert_eq!(a, b, "year {y} {}", m.name());
        }
    }
    // And the run-off did something after the horizon.
    assert!(run_off.summary(Scalar::RunOffMonths).unwrap().mean > 12.0);
    assert!(
        run_off.summary(Scalar::StateCostTotal).unwrap().mean
            != par.summary(Scalar::StateCostTotal).unwrap().mean
    );
}

/// docs/model.md §11.5: on every path, to the cent, the state's total cost is its cash out less
/// its cash in over every row of the ledger, plus the interest its money would have earned:
/// `state_cost_total = state_loan − Σ_rows state_net_cash + state_loan_subsidy + Σ_rows
/// state_loan_interest`, under par and after a run-off, with fees, injections and the
/// run-off's years.
#[test]
fn the_ledger_adds_up_to_the_cent() {
    let cases = [
        shipped("baseline", &["state.settlement=\"par\""]),
        shipped("baseline", &[]),
        shipped(
            "baseline",
            &[
                "state.run_off_years=true",
                "funding.facility.eib.guarantee_fee=0.004",
                "funding.facility.bng.guarantee_fee=0.002",
                "costs.fixed_per_year=5e6",
                "resolution.rule=\"recapitalise\"",
                "resolution.max_injection=10e6",
                "funding.state_loan_rate=0.005",
            ],
        ),
    ];
    for s in &cases {
        let out = run(s, 40);
        let state_loan = s.spec().funding.state_loan;
        let rows = out.rows();
        for path in 0..40 {
            let at = |m: Scalar| out.scalar(m).nth(path).unwrap().unwrap();
            let sum = |m: Yearly| -> f64 { (0..rows).map(|y| out.yearly(y, m)[path]).sum() };
            let ledger = state_loan - sum(Yearly::StateNetCash)
                + at(Scalar::StateLoanSubsidy)
                + sum(Yearly::StateLoanInterest);
            let total = at(Scalar::StateCostTotal);
            assert!(
                (total - ledger).abs() < 0.01,
                "{} path {path}: total {total}, ledger {ledger}",
                s.name()
            );
            // The flows add up in each row too.
            for y in 0..rows {
                let f = |m: Yearly| out.yearly(y, m)[path];
                let net = f(Yearly::StateLoanInterest)
                    + f(Yearly::GuaranteeFees)
                    + f(Yearly::BmkbPremiums)
                    - f(Yearly::BmkbClaims)
                    - f(Yearly::StateRecapitalisation)
                    + f(Yearly::StateLoanRepaid)
                    - f(Yearly::GuaranteeCall);
                assert!((net - f(Yearly::StateNetCash)).abs() < 1e-6, "row {y}");
            }
        }
    }
}

/// A lender whose fixed costs eat its capital within the horizon, with `resolution` lines.
fn shocked(resolution: &str) -> microfolio::Scenario {
    let text = format!(
        r#"
[simulation]
horizon_years = 4
seed = 3
[funding]
state_loan = 2e6
min_cash = 1e5
cash_target = 5e5
guarantee_room = 8e6
external_rate = 0
[initial_book]
loans = 200
max_age_months = 12
[origination]
loans_per_year = 200
[costs]
fixed_per_year = 1.5e6
[state]
settlement = "run_off"
run_off_fixed_share = 0.4
[resolution]
{resolution}
[[segment]]
name = "a"
mean_size = 20000
term_months = 48
interest_rate = 0.08
annual_pd = 0.04
"#
    );
    scenario(&text, &[])
}

/// docs/model.md §11.3: after a fixed-cost shock depletes capital, the trigger completes at the
/// third month-end in a row with capital below zero; from the next month lending stops for
/// good and the fixed costs are `run_off_fixed_share` of what they were.
#[test]
fn a_wind_down_stops_lending_and_cuts_the_fixed_costs() {
    let s = shocked("rule = \"wind_down\"\ntrigger_months = 3");
    let model = Model::new(&s);
    let mut ws = Workspace::new(&model);
    let (fixed, share) = (1.5e6 / 12.0, 0.4);
    let mut resolved = 0;
    for path in 0..20 {
        let (out, trace) = ws.simulate_traced(path);
        let Some(r) = out.scalar(Scalar::ResolutionMonth) else {
            continue;
        };
        resolved += 1;
        let r = r as usize;
        assert_eq!(out.scalar(Scalar::Resolved), Some(1.0));
        // Three month-ends below zero in a row, ending at r, and never before.
        let below: Vec<bool> = trace.iter().map(|m| m.capital_end < 0.0).collect();
        assert!(below[r - 2] && below[r - 1] && below[r], "path {path}");
        assert!(
            !(2..r).any(|t| below[t - 2] && below[t - 1] && below[t]),
            "path {path}"
        );
        for m in &trace {
            // No debt costs (rate 0) and no per-loan costs: the running costs are the fixed.
            let expected = if m.month <= r { fixed } else { fixed * share };
            assert!(
                (m.running_costs - expected).abs() < 1e-9,
                "path {path} month {}: {}",
                m.month,
                m.running_costs
            );
            if m.month > r {
                assert!(!m.lending_open && m.granted == 0, "month {}", m.month);
            }
        }
    }
    assert!(resolved >= 10, "{resolved} of 20 paths resolved");
}

/// docs/model.md §11.3: a recapitalisation brings capital to `target_ratio × book` at the
/// trigger's month-end, within the cap; with the cap used up, the next trigger winds the
/// lender down.
#[test]
fn a_recapitalisation_reaches_its_target_within_the_cap() {
    for (cap, binds) in [(50e6, false), (3e5, true)] {
        let s = shocked(&format!(
            "rule = \"recapitalise\"\ntrigger_months = 2\ntarget_ratio = 0.15\nmax_injection = {cap}"
        ));
        let model = Model::new(&s);
        let mut ws = Workspace::new(&model);
        let mut injected = 0;
        for path in 0..10 {
            let (out, trace) = ws.simulate_traced(path);
            let first = trace.iter().find(|m| m.injection > 0.0);
            let Some(m) = first else {
                continue;
            };
            injected += 1;
            let wanted = 0.15 * m.book_end - m.capital_end;
            if binds {
                assert!((m.injection - cap).abs() < 1e-6, "path {path}");
                assert!(wanted > cap);
            } else {
                assert!(
                    (m.capital_end + m.injection - 0.15 * m.book_end).abs() < 1e-9 * m.book_end,
                    "path {path}"
                );
            }
            let total: f64 = trace.iter().map(|m| m.injection).sum();
            assert!((out.scalar(Scalar::StateRecapitalisation).unwrap() - total).abs() < 1e-6);
            assert!(total <= cap * (1.0 + 1e-12));
            if binds {
                // The cap used up, the next trigger winds the lender down: no lending after.
                let later = trace.iter().rposition(|m| m.lending_open).unwrap_or(0);
                assert!(later < trace.len() - 1 || out.scalar(Scalar::RunOffMonths) == Some(0.0));
            }
        }
        assert!(injected >= 5, "cap {cap}: {injected} paths injected");
    }
}
