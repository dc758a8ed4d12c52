//! The checks with known answers of docs/model.md §9: Vasicek's distribution of the default rate,
//! the exact expected number of defaults at zero correlation, the annuity schedule to the cent,
//! and the capital identity every month.
//!
//! Statistical checks state their false-alarm rate: each family below raises a false alarm
//! with probability at most 1e-4 (Bonferroni over its comparisons), with fixed seeds, so a
//! failure means a bug, not bad luck.

mod common;

use common::*;
use microfolio::Model;
use microfolio::engine::Workspace;
use microfolio::math::{norm_cdf, vasicek_quantile};
use microfolio::metrics::{Scalar, Yearly};

const FAMILY_ALPHA: f64 = 1e-4;

/// docs/model.md §9, first check, for several (PD, rho): the share of paths whose year-1 default
/// rate is below Vasicek's quantile q(alpha) is compared with its exact probability under the
/// finite pool (Vasicek's mixture of binomials), which is close to alpha.
#[test]
fn year_one_default_rate_follows_vasicek() {
    let cases = [(0.05, 0.12), (0.02, 0.05), (0.10, 0.20)];
    let alphas = [0.05, 0.25, 0.5, 0.75, 0.95];
    let z_max = z_crit(FAMILY_ALPHA, cases.len() * alphas.len());
    let paths = 4000;
    for (p, rho) in cases {
        let s = shipped(
            "vasicek",
            &[
                &format!("segment.pool.annual_pd={p}"),
                &format!("credit_cycle.asset_correlation={rho}"),
            ],
        );
        let n = s.spec().initial_book.loans as u64;
        let r = run(&s, paths);
        let rates = r.yearly(0, Yearly::DefaultRate);
        for alpha in alphas {
            let q = vasicek_quantile(p, rho, alpha);
            let expected = pool_rate_cdf(q, n, p, rho);
            // The finite pool barely moves the quantile: the exact probability is near alpha.
            assert!(
                (expected - alpha).abs() < 0.03,
                "p={p} rho={rho} alpha={alpha}: exact {expected}"
            );
            let below = rates.iter().filter(|&&x| x <= q).count() as f64;
            let z = (below - paths as f64 * expected)
                / (paths as f64 * expected * (1.0 - expected)).sqrt();
            assert!(
                z.abs() < z_max,
                "p={p} rho={rho} alpha={alpha}: {below} of {paths} paths below q={q:.5}, expected {:.1} (z={z:.2}, limit {z_max:.2})",
                paths as f64 * expected
            );
        }
    }
}

/// docs/model.md §9: at rho = 0 the expected numbers of defaults and prepayments and the expected
/// write-off are exactly computable from the monthly hazards (with the within-month order
/// default before prepayment), here with seasoning, maturity inside the horizon and a
/// competing prepayment.
#[test]
fn expected_defaults_at_zero_correlation_are_exact() {
    let (n, p, prepay, size, term) = (2000u64, 0.08f64, 0.05f64, 10_000.0, 24usize);
    let s = scenario(
        &format!(
            "[simulation]\nhorizon_years = 3\n[initial_book]\nloans = {n}\nmax_age_months = 1\n\
             [origination]\nloans_per_year = 0\n[[segment]]\nname = \"a\"\nmean_size = {size}\n\
             term_months = {term}\ngrace_months = 4\ninterest_rate = 0.09\nannual_pd = {p}\nseasoning = [0.5, 1.5]\n\
             prepay_rate = {prepay}\n"
        ),
        &[],
    );
    let h_d = -(-p).ln_1p() / 12.0;
    let h_p = -(-prepay).ln_1p() / 12.0;
    // Balance factor of the closed-form annuity with 4 grace months.
    let i: f64 = 0.09 / 12.0;
    let m = (term - 4) as f64;
    let balance = |a: usize| {
        if a < 4 {
            1.0
        } else {
            ((1.0 + i).powf(m) - (1.0 + i).powi(a as i32 - 4)) / ((1.0 + i).powf(m) - 1.0)
        }
    };
    let (mut alive, mut p_default, mut p_prepay, mut loss) = (1.0, 0.0, 0.0, 0.0);
    for a in 0..term {
        let hd = h_d * if a < 12 { 0.5 } else { 1.5 };
        let d = alive * (1.0 - (-hd).exp());
        p_default += d;
        loss += d * size * balance(a);
        p_prepay += alive * (-hd).exp() * (1.0 - (-h_p).exp());
        alive *= (-hd).exp() * (-h_p).exp();
    }
    let paths = 2000;
    let r = run(&s, paths);
    let z_max = z_crit(FAMILY_ALPHA, 3);
    for (metric, prob) in [
        (Scalar::Defaults, p_default),
        (Scalar::Prepayments, p_prepay),
    ] {
        let mean = r.summary(metric).unwrap().mean;
        let se = (n as f64 * prob * (1.0 - prob) / paths as f64).sqrt();
        let z = (mean - n as f64 * prob) / se;
        assert!(
            z.abs() < z_max,
            "{}: mean {mean}, exact {} (z={z:.2})",
            metric.name(),
            n as f64 * prob
        );
    }
    let gross = r.summary(Scalar::GrossLoss).unwrap();
    let z = (gross.mean - n as f64 * loss) / gross.se.unwrap();
    assert!(
        z.abs() < z_max,
        "gross loss: mean {}, exact {} (z={z:.2})",
        gross.mean,
        n as f64 * loss
    );
    // The share of defaults is what the hazards say, and no loan outlives its term.
    assert!(r.yearly(2, Yearly::ActiveLoans).iter().all(|&x| x == 0.0));
}

/// The cash flows of one loan through the whole engine match the closed-form annuity of
/// docs/model.md §4 to the cent: interest, principal and balance, month by month.
#[test]
fn a_single_loan_pays_the_closed_form_annuity_to_the_cent() {
    for (grace, rate) in [(0usize, 0.0975), (3, 0.0825), (6, 0.0)] {
        let (p, term) = (20_000.0, 60usize);
        let s = scenario(
            &format!(
                "[simulation]\nhorizon_years = 6\n[funding]\nstate_loan = 20000\nmin_cash = 0\ncash_target = 0\nexternal_rate = 0\n\
                 [initial_book]\nloans = 1\nmax_age_months = 1\n[origination]\nloans_per_year = 0\n\
                 [[segment]]\nname = \"a\"\nmean_size = {p}\nterm_months = {term}\ngrace_months = {grace}\n\
                 interest_rate = {rate}\nannual_pd = 0\n"
            ),
            &[],
        );
        let model = Model::new(&s);
        let (_, trace) = Workspace::new(&model).simulate_traced(0);
        let i: f64 = rate / 12.0;
        let n = (term - grace) as f64;
        let annuity = if i == 0.0 {
            p / n
        } else {
            p * i / (1.0 - (1.0 + i).powf(-n))
        };
        let mut balance = p;
        for month in &trace {
            let a = month.month;
            let (interest, principal) = if a >= term {
                (0.0, 0.0)
            } else if a < grace {
                (p * i, 0.0)
            } else {
                (balance * i, annuity - balance * i)
            };
            balance -= principal;
            let ctx = format!("grace {grace}, rate {rate}, month {a}");
            assert!(
                (month.interest - interest).abs() < 0.005,
                "{ctx}: interest {} vs {interest}",
                month.interest
            );
            assert!(
                (month.principal_repaid - principal).abs() < 0.005,
                "{ctx}: principal"
            );
            assert!(
                (month.book_end - balance.max(0.0)).abs() < 0.005,
                "{ctx}: balance {} vs {balance}",
                month.book_end
            );
            assert_eq!(month.active_start, i64::from(a < term), "{ctx}: active");
        }
        assert!(balance.abs() < 0.005);
        // With no costs and no debt, capital grows by exactly the interest.
        let total_interest: f64 = trace.iter().map(|m| m.interest).sum();
        let last = trace.last().unwrap();
        assert!((last.capital_end - (20_000.0 + total_interest)).abs() < 0.005);
        assert_eq!(last.book_end, 0.0);
    }
}

/// docs/model.md §5 and §10: K_{t+1} - K_t = interest + fees + recoveries + BMKB claims received -
/// running costs - new-loan costs - write-offs, every month of every path, and K = cash + book -
/// debt; in the shipped scenarios (the baseline backs a fifth of its MKB loans), a variant
/// backing every loan, and squeezed variants where the guarantee room binds (rationing,
/// closure, shortfall).
#[test]
fn the_capital_identity_closes_every_month() {
    let variants = [
        shipped("baseline", &[]),
        shipped("recession", &[]),
        shipped(
            "recession",
            &[
                "segment.micro_starter.bmkb_share=1",
                "segment.micro_existing.bmkb_share=0.5",
                "bmkb.claim_lag_months=3",
            ],
        ),
        shipped(
            "baseline",
            &[
                "funding.facility.eib.limit=40e6",
                "funding.facility.bng.limit=10e6",
                "funding.min_capital_ratio=0.15",
                "costs.fixed_per_year=6e6",
            ],
        ),
        // No guarantee room and running costs the income cannot carry: cash runs dry.
        shipped(
            "baseline",
            &[
                "initial_book.loans=0",
                "funding.facility=[]",
                "funding.state_loan=5e6",
                "costs.fixed_per_year=3e6",
            ],
        ),
    ];
    let mut stressed = (0, 0, 0);
    let mut claims = 0.0;
    for s in &variants {
        let model = Model::new(s);
        let mut ws = Workspace::new(&model);
        let room = s.spec().largest_room();
        for path in 0..40 {
            let (out, trace) = ws.simulate_traced(path);
            let mut previous = trace[0].capital_start;
            for m in &trace {
                let scale = 1.0 + m.book_end.abs() + m.cash_end.abs() + m.debt_end.abs();
                // docs/model.md §5, with the state loan repaid in a run-off (§11.2).
                let flows = m.interest + m.origination_fees + m.recoveries + m.claims_received
                    - m.running_costs
                    - m.new_loan_costs
                    - m.write_offs
                    - m.state_repaid;
                let ctx = format!("{} path {path} month {}", s.name(), m.month);
                assert_eq!(m.capital_start, previous, "{ctx}: capital carried over");
                assert!(
                    (m.capital_end - m.capital_start - flows).abs() < 1e-9 * scale,
                    "{ctx}: identity off by {}",
                    m.capital_end - m.capital_start - flows
                );
                assert!(
                    (m.capital_end - (m.cash_end + m.book_end - m.debt_end)).abs() < 1e-9 * scale,
                    "{ctx}: K != cash + book - debt"
                );
                assert!(
                    m.book_end >= -1e-6 && m.debt_end <= room + 1e-6 && m.debt_end >= 0.0,
                    "{ctx}: book or debt out of range"
                );
                assert!(m.active_end >= 0);
                // An injection at the month's end (§11.3) raises the next month's capital.
                previous = m.capital_end + m.injection;
                claims += m.claims_received;
                stressed.0 += m.rationed as u64;
                stressed.1 += (!m.lending_open) as u64;
                stressed.2 += (m.cash_end < s.spec().funding.min_cash) as u64;
            }
            // `K_T`: the capital after the horizon's last month (a run-off's months follow it
            // in the trace, docs/model.md §11.2).
            let last = &trace[model.months - 1];
            assert_eq!(
                out.scalar(Scalar::FinalCapital),
                Some(last.capital_end + last.injection)
            );
        }
    }
    assert!(
        stressed.0 > 0 && stressed.1 > 0 && stressed.2 > 0,
        "the squeezed variants must bind: {stressed:?}"
    );
    assert!(claims > 0.0, "BMKB claims must reach the lender");
}

#[test]
fn normal_cdf_sanity_for_the_checks_above() {
    assert!((norm_cdf(0.0) - 0.5).abs() < 1e-15);
    assert!((pool_rate_cdf(1.0, 100, 0.05, 0.1) - 1.0).abs() < 1e-9);
    assert!((binomial_cdf(3, 10, 0.5) - 176.0 / 1024.0).abs() < 1e-12);
}
