//! The production engine agrees with an independent, naive implementation of docs/model.md §3–§7
//! and §11 (the state's ledger: facilities, settlement at par or after a run-off, resolution;
//! the BMKB of §10 is off in every scenario here) within Monte Carlo error (docs/model.md §9,
//! last bullet); and that naive implementation agrees with closed forms and hand computations
//! where there are some, so that a bug in it is not silently "agreed with".
//!
//! Run in release mode: `cargo test --release --test reference_agreement`.
//!
//! Seven scenarios are compared, each on a few thousand paths: three at par with the older
//! funding keys (`rich`, `tight`, `corners`, 4000 paths each) and four of §11 (3000 paths
//! each): `facilities` (three facilities of different shares, rates and fees under a run-off),
//! `limits` (a limit that falls below the debt, the state's rows year by year), `wind_down` and
//! `recapitalise` (capital depleted on a good share of paths). At 3000 paths a metric's mean is
//! checked to about 5.3 standard errors of the difference, about 0.14 of its standard deviation;
//! every §11 scenario was also run by hand at 20,000 paths (`MICROFOLIO_REFERENCE_PATHS`).
//!
//! Error rate: every comparison in this file is a two-sided z-test of a difference of means,
//! `z = (mean_a - mean_b) / sqrt(se_a^2 + se_b^2)` (independent samples; for a closed form
//! `se_b = 0`). The whole file is one family of [`TOTAL_COMPARISONS`] tests held at a family-wise
//! false-alarm rate of [`FAMILY_ALPHA`] = 1e-4 by Bonferroni: each test fails iff
//! `|z| > Phi^-1(1 - FAMILY_ALPHA / (2 * TOTAL_COMPARISONS))` (about 5.3). The seeds are fixed,
//! so the outcome is deterministic; the rate says how unlikely a correct engine is to have
//! failed had the seeds been drawn at random. A metric that is constant on every path of both
//! samples has no standard error: it is compared for equality instead (up to a relative 1e-12,
//! the rounding of a sum taken in another order), and one undefined on every path of both
//! agrees. The comparisons of [`KNOWN_DISAGREEMENTS`], where the engine departs from the
//! document, are printed and marked but neither fail nor count; the deterministic checks (hand
//! computations, and the engine against the reference on scenarios without randomness) are
//! exact and outside the family.

mod common;
mod reference;

use microfolio::Model;
use microfolio::metrics::{Scalar, Yearly};
use microfolio::scenario::Scenario;
use microfolio::simulate_range;
use microfolio::stats::mean_sd;

/// Family-wise false-alarm rate of all the statistical tests in this file.
const FAMILY_ALPHA: f64 = 1e-4;

/// Report years (0-based) whose yearly metrics are compared; every scenario has 5 years.
const YEARS_COMPARED: [usize; 3] = [0, 2, 4];
/// Report years of every engine–reference scenario.
const HORIZON_YEARS: usize = 5;
/// The engine–reference scenarios of this file with the number of yearly rows after the
/// horizon each has (docs/model.md §11.2, "Yearly rows": one row `after`, or with
/// `state.run_off_years` one per calendar year the state's account may reach), whose ledger
/// metrics ([`Yearly::beyond_horizon`]) are compared too.
const AGREEMENT_SCENARIOS: [(&str, usize); 7] = [
    ("rich", 1),
    ("tight", 1),
    ("corners", 1),
    ("facilities", 1),
    ("limits", 5),
    ("wind_down", 1),
    ("recapitalise", 1),
];
/// Comparisons in the closed-form checks of the reference.
const CLOSED_FORM_COMPARISONS: usize = 6 + 4;
/// Comparisons where the engine departs from docs/model.md as the reference reads it: each is
/// still computed and printed, marked, but neither fails nor counts in the family. Every entry
/// is reported to the lead engineer with a minimal case; remove it when the engine or the
/// document changes.
const KNOWN_DISAGREEMENTS: &[(&str, &str)] = &[];

/// Comparisons of scenario `name` in [`KNOWN_DISAGREEMENTS`].
const fn known_disagreements(name: &str) -> usize {
    let mut count = 0;
    let mut k = 0;
    while k < KNOWN_DISAGREEMENTS.len() {
        if const_str_eq(KNOWN_DISAGREEMENTS[k].0, name) {
            count += 1;
        }
        k += 1;
    }
    count
}

const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Yearly metrics with rows after the horizon ([`Yearly::beyond_horizon`]: the state's ledger
/// and the BMKB's three); checked against the registry in [`compare`].
const LEDGER_ROW_METRICS: usize = 10;
/// Size of the Bonferroni family: per scenario every scalar, every yearly metric of
/// [`YEARS_COMPARED`] and the ledger's metrics in each row after the horizon, less its known
/// disagreements; and the closed-form checks.
const TOTAL_COMPARISONS: usize = {
    let mut total = CLOSED_FORM_COMPARISONS;
    let mut k = 0;
    while k < AGREEMENT_SCENARIOS.len() {
        total += Scalar::COUNT
            + Yearly::COUNT * YEARS_COMPARED.len()
            + LEDGER_ROW_METRICS * AGREEMENT_SCENARIOS[k].1
            - known_disagreements(AGREEMENT_SCENARIOS[k].0);
        k += 1;
    }
    total
};

fn z_critical() -> f64 {
    common::z_crit(FAMILY_ALPHA, TOTAL_COMPARISONS)
}

fn scenario(text: &str) -> Scenario {
    Scenario::from_toml_str(text).unwrap_or_else(|e| panic!("{e}"))
}

/// Mean, standard deviation and standard error of the defined values.
#[derive(Debug, Clone, Copy)]
struct Moments {
    n: usize,
    mean: f64,
    sd: f64,
    se: f64,
}

fn moments(values: &[f64]) -> Moments {
    let (mean, sd) = mean_sd(values);
    let sd = sd.unwrap_or(0.0);
    Moments {
        n: values.len(),
        mean,
        sd,
        se: sd / (values.len() as f64).sqrt(),
    }
}

/// Collects comparisons, prints them as a table and fails at the end with every violation.
struct Checker {
    z_crit: f64,
    lines: Vec<String>,
    failures: Vec<String>,
    compared: usize,
}

impl Checker {
    fn new(title: &str) -> Checker {
        let z_crit = z_critical();
        Checker {
            z_crit,
            lines: vec![format!(
                "{title}: |z| must be <= {z_crit:.3} ({TOTAL_COMPARISONS} comparisons, family alpha {FAMILY_ALPHA})"
            )],
            failures: Vec::new(),
            compared: 0,
        }
    }

    /// Two independent samples `a` (engine) and `b` (reference) of the values where a metric
    /// is defined. A metric undefined on every path of both agrees; undefined on every path of
    /// one only, it fails.
    fn samples(&mut self, label: &str, a: &[f64], b: &[f64]) {
        self.compare(label, a, b, false);
    }

    /// As [`Checker::samples`], for a comparison of [`KNOWN_DISAGREEMENTS`]: printed and marked,
    /// but it neither fails nor counts.
    fn known_disagreement(&mut self, label: &str, a: &[f64], b: &[f64]) {
        self.compare(label, a, b, true);
    }

    fn compare(&mut self, label: &str, a: &[f64], b: &[f64], known: bool) {
        let failures = self.failures.len();
        self.compare_counted(label, a, b);
        if known {
            self.compared -= 1;
            self.failures.truncate(failures);
            let line = self.lines.last_mut().unwrap();
            line.push_str(" (KNOWN DISAGREEMENT, not counted)");
        }
    }

    fn compare_counted(&mut self, label: &str, a: &[f64], b: &[f64]) {
        self.compared += 1;
        if a.is_empty() || b.is_empty() {
            let ok = a.is_empty() && b.is_empty();
            let line = format!(
                "{label:<34} defined on {} engine paths and {} reference paths {}",
                a.len(),
                b.len(),
                if ok { "" } else { "DIFFER" }
            );
            if !ok {
                self.failures.push(line.clone());
            }
            self.lines.push(line);
            return;
        }
        let (ma, mb) = (moments(a), moments(b));
        if ma.sd == 0.0 && mb.sd == 0.0 {
            // A constant in both: no standard error, so compare the constants, up to the
            // rounding of sums written in another order (a subsidy summed month by month).
            let ok = (a[0] - b[0]).abs() <= 1e-12 * a[0].abs().max(b[0].abs());
            let line = format!(
                "{label:<34} constant engine {:>14.6} reference {:>14.6} {}",
                a[0],
                b[0],
                if ok { "equal" } else { "DIFFER" }
            );
            if !ok {
                self.failures.push(line.clone());
            }
            self.lines.push(line);
            return;
        }
        let z = (ma.mean - mb.mean) / (ma.se * ma.se + mb.se * mb.se).sqrt();
        self.record(label, ma, mb.mean, mb.se, z);
    }

    /// A sample `a` (reference) against an exact expectation.
    fn exact(&mut self, label: &str, a: &[f64], expected: f64) {
        let ma = moments(a);
        self.compared += 1;
        assert!(ma.se > 0.0, "{label}: no spread, cannot test");
        let z = (ma.mean - expected) / ma.se;
        self.record(label, ma, expected, 0.0, z);
    }

    fn record(&mut self, label: &str, a: Moments, b_mean: f64, b_se: f64, z: f64) {
        let ok = z.abs() <= self.z_crit;
        let line = format!(
            "{label:<34} {:>16.4} ± {:<12.4} vs {:>16.4} ± {:<12.4} z = {z:>7.3} (n = {}) {}",
            a.mean,
            a.se,
            b_mean,
            b_se,
            a.n,
            if ok { "" } else { "FAIL" }
        );
        if !ok {
            self.failures.push(line.clone());
        }
        self.lines.push(line);
    }

    fn finish(self) {
        eprintln!("{}", self.lines.join("\n"));
        assert!(
            self.failures.is_empty(),
            "{} of {} comparisons failed:\n{}",
            self.failures.len(),
            self.compared,
            self.failures.join("\n")
        );
    }
}

/// Engine and reference means of a scenario, for the extra assertions of a test.
struct Means {
    engine: Vec<f64>,
    reference: Vec<f64>,
}

impl Means {
    fn of(&self, m: Scalar) -> (f64, f64) {
        (self.engine[m.index()], self.reference[m.index()])
    }
}

/// Run `text` through the engine (its own seed) and the reference (`reference_seed`) on
/// `paths` paths each, and compare every scalar metric, every yearly metric of
/// [`YEARS_COMPARED`] and the ledger's metrics in every row after the horizon (as many as
/// [`AGREEMENT_SCENARIOS`] lists for `name`).
///
/// `MICROFOLIO_REFERENCE_PATHS=N` overrides the number of paths, for a more powerful check by
/// hand (the threshold stays the same; only the fixed-seed run is part of the suite).
fn compare(name: &str, text: &str, paths: u64, reference_seed: u64) -> Means {
    let paths = std::env::var("MICROFOLIO_REFERENCE_PATHS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(paths);
    let after_rows = AGREEMENT_SCENARIOS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("{name} is not in AGREEMENT_SCENARIOS"))
        .1;
    let ledger_metrics: Vec<Yearly> = Yearly::ALL
        .iter()
        .copied()
        .filter(|m| m.beyond_horizon())
        .collect();
    assert_eq!(ledger_metrics.len(), LEDGER_ROW_METRICS);
    let scenario = scenario(text);
    let spec = scenario.spec();
    assert_eq!(
        spec.simulation.horizon_years as usize, HORIZON_YEARS,
        "{name}: YEARS_COMPARED assumes {HORIZON_YEARS} years"
    );

    let started = std::time::Instant::now();
    let model = Model::new(&scenario);
    let engine = simulate_range(&model, 0..paths);
    let engine_time = started.elapsed();
    let started = std::time::Instant::now();
    let reference = reference::simulate(spec, reference_seed, 0..paths);
    let reference_time = started.elapsed();

    let rows = engine.rows();
    assert_eq!(
        rows,
        HORIZON_YEARS + after_rows,
        "{name}: the engine's yearly rows"
    );
    for p in &reference {
        assert!(
            p.yearly.len() <= rows,
            "{name}: the reference's account reaches row {} of {rows}",
            p.yearly.len()
        );
    }
    let worst = |error: fn(&reference::PathResult) -> f64| -> f64 {
        reference.iter().map(error).fold(0.0, f64::max)
    };
    for (what, worst) in [
        ("capital identity", worst(|p| p.capital_identity_error)),
        ("run-off's closure", worst(|p| p.run_off_closure_error)),
        ("ledger's identity", worst(|p| p.ledger_identity_error)),
    ] {
        assert!(
            worst < 1e-3,
            "{name}: the reference's {what} is off by {worst} euros"
        );
    }

    let mut checker = Checker::new(&format!(
        "{name}: {paths} paths, engine {engine_time:.2?}, reference {reference_time:.2?}"
    ));
    let mut means = Means {
        engine: vec![f64::NAN; Scalar::COUNT],
        reference: vec![f64::NAN; Scalar::COUNT],
    };
    let mut known = 0;
    let mut check = |checker: &mut Checker, label: &str, a: &[f64], b: &[f64]| {
        if KNOWN_DISAGREEMENTS.contains(&(name, label)) {
            known += 1;
            checker.known_disagreement(label, a, b);
        } else {
            checker.samples(label, a, b);
        }
    };
    for &m in Scalar::ALL {
        let a: Vec<f64> = engine.scalar(m).flatten().collect();
        let b: Vec<f64> = reference.iter().filter_map(|p| p.scalar(m)).collect();
        check(&mut checker, m.name(), &a, &b);
        means.engine[m.index()] = moments(&a).mean;
        means.reference[m.index()] = moments(&b).mean;
    }
    for &year in &YEARS_COMPARED {
        for &m in Yearly::ALL {
            let a = engine.yearly(year, m);
            let b: Vec<f64> = reference.iter().map(|p| p.yearly(year, m)).collect();
            check(
                &mut checker,
                &format!("year {} {}", year + 1, m.name()),
                a,
                &b,
            );
        }
    }
    for row in HORIZON_YEARS..rows {
        for &m in &ledger_metrics {
            let a = engine.yearly(row, m);
            let b: Vec<f64> = reference.iter().map(|p| p.yearly(row, m)).collect();
            check(
                &mut checker,
                &format!("row {} {}", row + 1, m.name()),
                a,
                &b,
            );
        }
    }
    assert_eq!(
        known,
        known_disagreements(name),
        "{name}: every known disagreement is met"
    );
    assert_eq!(
        checker.compared,
        Scalar::COUNT + Yearly::COUNT * YEARS_COMPARED.len() + LEDGER_ROW_METRICS * after_rows
            - known,
        "{name}: comparisons counted in TOTAL_COMPARISONS"
    );
    checker.finish();
    means
}

/// Everything but the guarantee room binding: seasoning, grace, a credit cycle with
/// correlation, persistence and a downturn shift, follow-ups (referral share strictly between 0
/// and 1, higher PD), prepayment, recoveries with spread and lag, an initial book younger than
/// the term, two segments of different terms and sizes with size spread and floors, and costs.
const RICH: &str = r#"
[simulation]
horizon_years = 5
seed = 7001

[funding]
state_loan = 8e6
state_loan_rate = 0.01
initial_reserves = 5e5
guarantee_room = 60e6
external_rate = 0.04
guarantee_fee = 0.005
min_cash = 5e5
cash_target = 2e6

[initial_book]
loans = 300
max_age_months = 24

[origination]
loans_per_year = 300
growth_per_year = 0.1
cap = 100000

[credit_cycle]
asset_correlation = 0.12
persistence = 0.6
shifts = [0.0, -1.0, -0.5]

[followup]
referral_share = 0.4
size_multiplier = 1.5
pd_multiplier = 1.6

[costs]
fixed_per_year = 300000
per_new_loan = 500
per_active_loan_per_year = 200
coaching_per_new_loan = 300

[[segment]]
name = "starter"
share = 0.6
mean_size = 15000
size_cv = 0.6
min_size = 5000
term_months = 48
grace_months = 6
interest_rate = 0.09
origination_fee = 0.02
annual_pd = 0.06
seasoning = [0.6, 1.4, 1.0]
recovery_mean = 0.3
recovery_sd = 0.15
recovery_lag_months = 6
followup_rate = 0.12
followup_min_age_months = 12
prepay_rate = 0.05
jobs_per_loan = 1.5

[[segment]]
name = "growth"
share = 0.4
mean_size = 40000
size_cv = 0.4
min_size = 10000
term_months = 36
interest_rate = 0.07
annual_pd = 0.03
recovery_mean = 0.4
recovery_sd = 0.2
recovery_lag_months = 12
followup_rate = 0.08
followup_min_age_months = 6
prepay_rate = 0.08
jobs_per_loan = 3
"#;

#[test]
fn engine_agrees_with_reference_on_a_rich_scenario() {
    let m = compare("rich", RICH, 4000, 0x5EED_0001);
    // The scenario exercises what it claims to.
    for metric in [
        Scalar::Graduations,
        Scalar::FollowupLoans,
        Scalar::Prepayments,
        Scalar::Recoveries,
        Scalar::PeakExternalDebt,
    ] {
        let (e, r) = m.of(metric);
        assert!(e > 0.0 && r > 0.0, "{}: {e} / {r}", metric.name());
    }
}

/// The guarantee room binds: requests are rationed, debt hits the room so that cash falls below
/// `min_cash` (long grace periods keep principal inflows small while fixed costs run), and
/// capital runs down below the minimum ratio so that lending closes and reopens.
const TIGHT: &str = r#"
[simulation]
horizon_years = 5
seed = 7002

[funding]
state_loan = 3e6
initial_reserves = 0
guarantee_room = 6e6
external_rate = 0.05
min_cash = 3e5
cash_target = 1e6
min_capital_ratio = 0.12

[initial_book]
loans = 200
max_age_months = 6

[origination]
loans_per_year = 400
cap = 60000

[credit_cycle]
asset_correlation = 0.15
persistence = 0.3
shifts = [0.0, 0.0, -1.0]

[followup]
referral_share = 0.7
size_multiplier = 1.2
pd_multiplier = 1.3

[costs]
fixed_per_year = 500000
per_active_loan_per_year = 100
coaching_per_new_loan = 200

[[segment]]
name = "starter"
mean_size = 20000
size_cv = 0.5
min_size = 5000
term_months = 60
grace_months = 18
interest_rate = 0.08
annual_pd = 0.05
seasoning = [0.8, 1.2]
recovery_mean = 0.25
recovery_sd = 0.1
recovery_lag_months = 9
followup_rate = 0.05
followup_min_age_months = 12
prepay_rate = 0.03
"#;

#[test]
fn engine_agrees_with_reference_when_the_guarantee_room_binds() {
    let m = compare("tight", TIGHT, 4000, 0x5EED_0002);
    for metric in [
        Scalar::LoansRationed,
        Scalar::MonthsLendingClosed,
        Scalar::MonthsLiquidityShortfall,
        Scalar::FollowupLoans,
        Scalar::Graduations,
    ] {
        let (e, r) = m.of(metric);
        assert!(
            e > 0.0 && r > 0.0,
            "tight must exercise {}: engine {e}, reference {r}",
            metric.name()
        );
    }
}

/// Corners: a zero-rate segment with grace (linear principal), an initial book of every age up
/// to the term (`max_age_months` above it), falling demand, follow-ups all kept in-house at
/// twice the PD and a size floor that binds for them, no credit cycle but a shift (ignored at
/// `rho = 0`), recoveries without spread, and a minimum capital ratio.
const CORNERS: &str = r#"
[simulation]
horizon_years = 5
seed = 7003

[funding]
state_loan = 4e6
initial_reserves = 2e5
guarantee_room = 20e6
external_rate = 0.02
min_cash = 2e5
cash_target = 4e5
min_capital_ratio = 0.05

[initial_book]
loans = 250
max_age_months = 1200

[origination]
loans_per_year = 250
growth_per_year = -0.2
cap = 50000

[credit_cycle]
shifts = [-2.0, -2.0]

[followup]
referral_share = 0.0
size_multiplier = 0.5
pd_multiplier = 2.0

[costs]
per_new_loan = 400

[[segment]]
name = "zero"
share = 1
mean_size = 12000
size_cv = 0.3
min_size = 8000
term_months = 24
grace_months = 3
interest_rate = 0.0
origination_fee = 0.05
annual_pd = 0.08
seasoning = [0.2, 0.5, 1.0, 2.0]
recovery_mean = 0.5
recovery_lag_months = 1
followup_rate = 0.2
followup_min_age_months = 0
jobs_per_loan = 0.5

[[segment]]
name = "short"
share = 2
mean_size = 30000
term_months = 12
interest_rate = 0.1
annual_pd = 0.04
recovery_mean = 0.2
recovery_lag_months = 30
followup_rate = 0.3
followup_min_age_months = 3
prepay_rate = 0.2
"#;

#[test]
fn engine_agrees_with_reference_on_corner_cases() {
    let m = compare("corners", CORNERS, 4000, 0x5EED_0003);
    for metric in [
        Scalar::FollowupLoans,
        Scalar::Prepayments,
        Scalar::Recoveries,
    ] {
        let (e, r) = m.of(metric);
        assert!(e > 0.0 && r > 0.0, "{}: {e} / {r}", metric.name());
    }
    let (e, r) = m.of(Scalar::Graduations);
    assert!(e == 0.0 && r == 0.0, "referral_share 0: no graduations");
}

// ---------------------------------------------------------------------------------------------
// The state's ledger (docs/model.md §11): facilities, settlement after a run-off, resolution.
// None of these scenarios enables the BMKB: the reference does not simulate it.
// ---------------------------------------------------------------------------------------------

/// Three facilities of different guaranteed shares, rates and fees, drawn in the listed order
/// and repaid in reverse, under a settlement after the run-off (a fixed-cost share below the
/// default, a discount rate above the state loan's rate). Capital runs out on some paths, so
/// that the shortfall at settlement is split between the state and the funders, and stays above
/// `min_cash` on others, so that the run-off repays facilities and then advances the state loan.
const FACILITIES: &str = r#"
[simulation]
horizon_years = 5
seed = 7004

[funding]
state_loan = 1.5e6
state_loan_rate = 0.01
initial_reserves = 1e5
min_cash = 2e5
cash_target = 8e5
guarantee_ceiling = 8e6

[[funding.facility]]
name = "eib"
limit = 1.2e6
guaranteed_share = 0.75
rate = 0.02

[[funding.facility]]
name = "fund"
limit = 3e6
guaranteed_share = 0.4
rate = 0.06
guarantee_fee = 0.01

[[funding.facility]]
name = "bank"
limit = 2.5e6
guaranteed_share = 1.0
rate = 0.045
guarantee_fee = 0.006

[state]
settlement = "run_off"
run_off_fixed_share = 0.35
discount_rate = 0.03

[initial_book]
loans = 150
max_age_months = 24

[origination]
loans_per_year = 150
cap = 60000

[credit_cycle]
asset_correlation = 0.15
persistence = 0.5
shifts = [0.0, -0.5, -1.0]

[followup]
referral_share = 0.5
size_multiplier = 1.3
pd_multiplier = 1.5

[costs]
fixed_per_year = 150000
per_active_loan_per_year = 150
per_new_loan = 300

[[segment]]
name = "starter"
mean_size = 18000
size_cv = 0.5
min_size = 5000
term_months = 36
grace_months = 3
interest_rate = 0.085
origination_fee = 0.02
annual_pd = 0.06
seasoning = [0.8, 1.2]
recovery_mean = 0.3
recovery_sd = 0.15
recovery_lag_months = 6
followup_rate = 0.1
followup_min_age_months = 12
prepay_rate = 0.04
"#;

#[test]
fn engine_agrees_with_reference_on_facilities_under_a_run_off() {
    let m = compare("facilities", FACILITIES, 3000, 0x5EED_0004);
    for metric in [
        Scalar::GuaranteeFees,
        Scalar::GuaranteeCall,
        Scalar::LendersLoss,
        Scalar::RunOffMonths,
        Scalar::RunOffNetLoss,
        Scalar::RunOffCosts,
        Scalar::StateLoanRepaidRunOff,
        Scalar::StateLoanLoss,
    ] {
        let (e, r) = m.of(metric);
        assert!(e > 0.0 && r > 0.0, "{}: {e} / {r}", metric.name());
    }
}

/// A facility whose limit falls in year 3 below its debt and rises again in year 4 to a level
/// still below its first, beside a constant one: the debt above the fallen limit is an excess,
/// repaid first from cash above `min_cash` and counted as spent by the grant rule, so that
/// lending is rationed until it is gone. Settled after a run-off, with the state's rows after
/// the horizon year by year (`state.run_off_years`); the run-off's years keep the last limit.
const LIMITS: &str = r#"
[simulation]
horizon_years = 5
seed = 7005

[funding]
state_loan = 1.2e6
state_loan_rate = 0.02
initial_reserves = 2e5
min_cash = 1.5e5
cash_target = 4e5

[[funding.facility]]
name = "falling"
limits = [3e6, 3e6, 1.4e6, 2.2e6]
guaranteed_share = 1.0
rate = 0.03

[[funding.facility]]
name = "steady"
limit = 1.1e6
guaranteed_share = 0.5
rate = 0.04
guarantee_fee = 0.008

[state]
settlement = "run_off"
run_off_years = true
discount_rate = 0.025

[initial_book]
loans = 120
max_age_months = 30

[origination]
loans_per_year = 140
growth_per_year = 0.05
cap = 50000

[credit_cycle]
asset_correlation = 0.1
persistence = 0.4

[followup]
referral_share = 0.3
size_multiplier = 1.2

[costs]
fixed_per_year = 80000
per_active_loan_per_year = 100
coaching_per_new_loan = 250

[[segment]]
name = "micro"
mean_size = 16000
size_cv = 0.4
min_size = 4000
term_months = 40
grace_months = 2
interest_rate = 0.09
origination_fee = 0.015
annual_pd = 0.04
recovery_mean = 0.35
recovery_sd = 0.1
recovery_lag_months = 8
followup_rate = 0.08
followup_min_age_months = 9
prepay_rate = 0.05
"#;

#[test]
fn engine_agrees_with_reference_when_a_limit_falls() {
    let m = compare("limits", LIMITS, 3000, 0x5EED_0005);
    for metric in [
        Scalar::LoansRationed,
        Scalar::GuaranteeFees,
        Scalar::RunOffMonths,
        Scalar::StateLoanRepaidRunOff,
    ] {
        let (e, r) = m.of(metric);
        assert!(e > 0.0 && r > 0.0, "{}: {e} / {r}", metric.name());
    }
}

/// A lender whose capital runs out on about 40% of paths (costly, risky, a downturn in years 2
/// and 3), wound down when its capital has been below 10% of its book at three month-ends in a
/// row (about 80% of paths, so capital may still be positive), under a settlement at par: the
/// wind-down runs off within the horizon (lending closed, demand rationed, 30% of the fixed
/// costs, advances on the state loan where capital allows) and settles at its end, within the
/// horizon on about a third of the paths (short terms and lags; the lender is then gone) and
/// after it on others. Two facilities of different shares split the shortfall; their limits
/// are ample, so that no month is short of cash.
const WIND_DOWN: &str = r#"
[simulation]
horizon_years = 5
seed = 7006

[funding]
state_loan = 1e6
state_loan_rate = 0.01
min_cash = 5e4
cash_target = 3e5

[[funding.facility]]
name = "senior"
limit = 3e6
guaranteed_share = 0.9
rate = 0.035
guarantee_fee = 0.005

[[funding.facility]]
name = "junior"
limit = 4e6
guaranteed_share = 0.6
rate = 0.05

[resolution]
rule = "wind_down"
trigger_ratio = 0.1

[state]
run_off_fixed_share = 0.3

[initial_book]
loans = 120
max_age_months = 18

[origination]
loans_per_year = 130
cap = 50000

[credit_cycle]
asset_correlation = 0.15
persistence = 0.5
shifts = [0.0, -0.8, -0.8]

[followup]
referral_share = 0.5
size_multiplier = 1.2
pd_multiplier = 1.3

[costs]
fixed_per_year = 110000
per_active_loan_per_year = 120
per_new_loan = 200

[[segment]]
name = "starter"
mean_size = 17000
size_cv = 0.4
min_size = 5000
term_months = 24
interest_rate = 0.08
origination_fee = 0.01
annual_pd = 0.075
seasoning = [1.2, 0.9]
recovery_mean = 0.25
recovery_sd = 0.1
recovery_lag_months = 4
followup_rate = 0.1
followup_min_age_months = 6
prepay_rate = 0.05
"#;

#[test]
fn engine_agrees_with_reference_on_a_wind_down() {
    let m = compare("wind_down", WIND_DOWN, 3000, 0x5EED_0006);
    for metric in [
        Scalar::Resolved,
        Scalar::GuaranteeCall,
        Scalar::LendersLoss,
        Scalar::RunOffMonths,
        Scalar::StateLoanRepaidRunOff,
        Scalar::LoansRationed,
    ] {
        let (e, r) = m.of(metric);
        assert!(e > 0.0 && r > 0.0, "{}: {e} / {r}", metric.name());
    }
    // A good share of paths is depleted and wound down.
    for (metric, least) in [(Scalar::CapitalDepleted, 0.25), (Scalar::Resolved, 0.5)] {
        let (e, r) = m.of(metric);
        assert!(e > least && r > least, "{}: {e} / {r}", metric.name());
    }
}

/// A lender whose capital runs out on a good share of paths, recapitalised when its capital
/// has been below 2% of its book at two month-ends in a row: the state lends it capital up to
/// 15% of its book, but at most 300,000 in all, so that the cap binds at the second injection
/// if not at the first, and the lender is wound down when the trigger completes again. The
/// injections join the state loan (interest, subsidy, losses at settlement); lending closes
/// below a capital ratio of 5% and reopens after an injection. Settled after the run-off.
const RECAPITALISE: &str = r#"
[simulation]
horizon_years = 5
seed = 7007

[funding]
state_loan = 7e5
state_loan_rate = 0.02
min_cash = 5e4
cash_target = 3e5
min_capital_ratio = 0.05

[[funding.facility]]
name = "senior"
limit = 3e6
guaranteed_share = 0.8
rate = 0.035
guarantee_fee = 0.004

[[funding.facility]]
name = "junior"
limit = 4e6
guaranteed_share = 0.3
rate = 0.06

[resolution]
rule = "recapitalise"
trigger_ratio = 0.02
trigger_months = 2
target_ratio = 0.15
max_injection = 3e5

[state]
settlement = "run_off"
discount_rate = 0.03

[initial_book]
loans = 120
max_age_months = 18

[origination]
loans_per_year = 130
cap = 50000

[credit_cycle]
asset_correlation = 0.15
persistence = 0.5
shifts = [0.0, -0.8, -0.8]

[followup]
referral_share = 0.5
size_multiplier = 1.2
pd_multiplier = 1.3

[costs]
fixed_per_year = 110000
per_active_loan_per_year = 120
per_new_loan = 200

[[segment]]
name = "starter"
mean_size = 17000
size_cv = 0.4
min_size = 5000
term_months = 24
interest_rate = 0.08
origination_fee = 0.01
annual_pd = 0.075
seasoning = [1.2, 0.9]
recovery_mean = 0.25
recovery_sd = 0.1
recovery_lag_months = 4
followup_rate = 0.1
followup_min_age_months = 6
prepay_rate = 0.05
"#;

#[test]
fn engine_agrees_with_reference_on_a_recapitalisation() {
    let m = compare("recapitalise", RECAPITALISE, 3000, 0x5EED_0007);
    for metric in [
        Scalar::Resolved,
        Scalar::StateRecapitalisation,
        Scalar::GuaranteeCall,
        Scalar::LendersLoss,
        Scalar::RunOffMonths,
        Scalar::StateLoanLoss,
    ] {
        let (e, r) = m.of(metric);
        assert!(e > 0.0 && r > 0.0, "{}: {e} / {r}", metric.name());
    }
    for (metric, least) in [(Scalar::CapitalDepleted, 0.25), (Scalar::Resolved, 0.25)] {
        let (e, r) = m.of(metric);
        assert!(e > least && r > least, "{}: {e} / {r}", metric.name());
    }
    // The cap binds: a resolved path is lent on average more than 80% of it.
    let (e_resolved, r_resolved) = m.of(Scalar::Resolved);
    let (e_lent, r_lent) = m.of(Scalar::StateRecapitalisation);
    for per_path in [e_lent / e_resolved, r_lent / r_resolved] {
        assert!(
            per_path > 0.8 * 3e5,
            "injected per resolved path: {per_path}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The reference itself against closed forms (docs/model.md §9, second bullet and more).
// ---------------------------------------------------------------------------------------------

/// `B(a) / P` of the annuity of docs/model.md §4 in closed form: 1 during the grace period, then
/// `((1+i)^m - (1+i)^(a-g)) / ((1+i)^m - 1)` with `m = n - g` (linear when `i = 0`).
fn closed_form_balance_factor(a: i64, annual_rate: f64, n: i64, g: i64) -> f64 {
    let i = annual_rate / 12.0;
    let m = (n - g) as f64;
    if a <= g {
        1.0
    } else if i == 0.0 {
        1.0 - (a - g) as f64 / m
    } else {
        let q = 1.0 + i;
        (q.powf(m) - q.powi((a - g) as i32)) / (q.powf(m) - 1.0)
    }
}

#[test]
fn reference_schedule_matches_the_closed_form_annuity() {
    for (rate, n, g) in [
        (0.08, 60, 0),
        (0.09, 48, 6),
        (0.0, 24, 3),
        (0.12, 1, 0),
        (0.05, 13, 12),
    ] {
        for a in 0..=n {
            let naive = reference::balance_at_age(20_000.0, a, rate, n, g) / 20_000.0;
            let closed = closed_form_balance_factor(a, rate, n, g);
            assert!(
                (naive - closed).abs() < 1e-9,
                "rate {rate} term {n} grace {g} age {a}: {naive} vs {closed}"
            );
        }
    }
}

/// With `rho = 0` (a shift and persistence that must then have no effect), no origination and
/// no follow-up need, each initial-book loan is on its own: its chance of defaulting in month `t`
/// is `S(t) (1 - exp(-h_d(t)))` with `S` the survival of both default and prepayment, the
/// default tried first in the month; prepayment `S(t) exp(-h_d) (1 - exp(-h_p))`. Averaged over
/// the uniform initial ages, times the expected size (the clamp cannot bind here) and the
/// closed-form balance factor, they give the expected defaults per year, prepayments, gross loss
/// and recoveries (those due before the horizon) exactly.
#[test]
fn reference_defaults_match_the_closed_form_without_correlation() {
    const HORIZON: i64 = 3;
    const LOANS: f64 = 400.0;
    let text = r#"
[simulation]
horizon_years = 3

[initial_book]
loans = 400
max_age_months = 24

[origination]
loans_per_year = 0
cap = 1e8

[credit_cycle]
asset_correlation = 0
persistence = 0.5
shifts = [-2.0, 1.0]

[[segment]]
name = "only"
mean_size = 20000
size_cv = 0.3
term_months = 120
grace_months = 12
interest_rate = 0.08
annual_pd = 0.05
seasoning = [0.5, 1.5, 1.2, 1.0]
recovery_mean = 0.35
recovery_sd = 0.1
recovery_lag_months = 9
prepay_rate = 0.06
"#;
    let s = scenario(text);
    let seg = &s.spec().segments[0];
    let months = 12 * HORIZON;
    let h_p = -(1.0 - seg.prepay_rate).ln() / 12.0;
    let max_age = 24;
    let mut per_year = [0.0; HORIZON as usize];
    let (mut prepay, mut gross_factor, mut recovered_factor) = (0.0, 0.0, 0.0);
    for a0 in 0..max_age {
        let mut survival = 1.0;
        for t in 0..months {
            let a = a0 + t;
            let season = seg.seasoning[((a / 12) as usize).min(seg.seasoning.len() - 1)];
            let h_d = -(1.0 - seg.annual_pd).ln() / 12.0 * season;
            let default_now = survival * (1.0 - (-h_d).exp());
            let b =
                closed_form_balance_factor(a, seg.interest_rate, seg.term_months, seg.grace_months);
            per_year[(t / 12) as usize] += default_now;
            gross_factor += default_now * b;
            if t + seg.recovery_lag_months < months {
                recovered_factor += default_now * b * seg.recovery_mean;
            }
            prepay += survival * (-h_d).exp() * (1.0 - (-h_p).exp());
            survival *= (-h_d - h_p).exp();
        }
    }
    let per_loan = LOANS / max_age as f64;
    let paths = 3000;
    let results = reference::simulate(s.spec(), 0x5EED_1001, 0..paths);
    let scalar = |m: Scalar| -> Vec<f64> { results.iter().map(|p| p.scalar(m).unwrap()).collect() };
    let mut checker = Checker::new("closed form, rho = 0");
    for (y, &expected) in per_year.iter().enumerate() {
        let sample: Vec<f64> = results
            .iter()
            .map(|p| p.yearly(y, Yearly::Defaults))
            .collect();
        checker.exact(
            &format!("year {} defaults", y + 1),
            &sample,
            per_loan * expected,
        );
    }
    checker.exact(
        "prepayments",
        &scalar(Scalar::Prepayments),
        per_loan * prepay,
    );
    checker.exact(
        "gross_loss",
        &scalar(Scalar::GrossLoss),
        per_loan * seg.mean_size * gross_factor,
    );
    checker.exact(
        "recoveries",
        &scalar(Scalar::Recoveries),
        per_loan * seg.mean_size * recovered_factor,
    );
    assert_eq!(checker.compared, 6);
    checker.finish();
}

/// No defaults or prepayments: every loan's life is determined by its follow-up need alone, so
/// the expected number of loans starting each month (new demand and follow-ups), and from them
/// expected graduations, follow-up loans and volume, follow by a linear recursion over months.
/// The room is ample, so nothing is rationed.
#[test]
fn reference_followups_match_the_expected_recursion() {
    let text = r#"
[simulation]
horizon_years = 3

[origination]
loans_per_year = 240
growth_per_year = 0.5

[followup]
referral_share = 0.3
size_multiplier = 1.5

[[segment]]
name = "only"
mean_size = 20000
term_months = 24
annual_pd = 0
followup_rate = 0.3
followup_min_age_months = 6
"#;
    let s = scenario(text);
    let spec = s.spec();
    let seg = &spec.segments[0];
    let months = 12 * spec.simulation.horizon_years;
    let r = spec.followup.referral_share;
    let q = 1.0 - (-(-(1.0 - seg.followup_rate).ln() / 12.0)).exp();
    // Expected loans starting in month s (granted in s - 1) and their expected total size.
    let mut count = vec![0.0; (months + 1) as usize];
    let mut mass = vec![0.0; (months + 1) as usize];
    let (mut granted, mut followups, mut volume, mut graduations) = (0.0, 0.0, 0.0, 0.0);
    for t in 0..months {
        let lambda = spec.origination.loans_per_year
            * (1.0 + spec.origination.growth_per_year).powi((t / 12) as i32)
            / 12.0;
        count[(t + 1) as usize] += lambda;
        mass[(t + 1) as usize] += lambda * seg.mean_size;
        granted += lambda;
        volume += lambda * seg.mean_size;
    }
    for start in 1..months {
        let (c, m) = (count[start as usize], mass[start as usize]);
        let first = start + seg.followup_min_age_months;
        let last = (start + seg.term_months - 1).min(months - 1);
        for u in first..=last {
            let need = (1.0 - q).powi((u - first) as i32) * q;
            graduations += c * need * r;
            let kept = c * need * (1.0 - r);
            granted += kept;
            followups += kept;
            volume += m * need * (1.0 - r) * spec.followup.size_multiplier;
            count[(u + 1) as usize] += kept;
            mass[(u + 1) as usize] += m * need * (1.0 - r) * spec.followup.size_multiplier;
        }
    }
    let results = reference::simulate(spec, 0x5EED_1002, 0..3000);
    let scalar = |m: Scalar| -> Vec<f64> { results.iter().map(|p| p.scalar(m).unwrap()).collect() };
    let mut checker = Checker::new("closed form, follow-ups");
    checker.exact("loans_granted", &scalar(Scalar::LoansGranted), granted);
    checker.exact("followup_loans", &scalar(Scalar::FollowupLoans), followups);
    checker.exact("graduations", &scalar(Scalar::Graduations), graduations);
    checker.exact("volume_granted", &scalar(Scalar::VolumeGranted), volume);
    assert_eq!(checker.compared, 4);
    checker.finish();
}

/// docs/model.md §11 with known answers, to the cent: no randomness at all (no default,
/// prepayment or follow-up need, no demand), so every path is the same and each outcome
/// follows by hand.
///
/// - A one-loan book settled after the run-off (docs/model.md §11, "Checks with known
///   answers": "a run-off without defaults, prepayments or follow-up needs lasts the longest
///   remaining term, loses nothing, and settles on `K_T` plus the run-off's interest less its
///   costs, computed by hand for a one-loan book"): with `min_cash = 0` every euro of cash in
///   the run-off is an advance on the state loan, so the state gets the settlement capital back
///   in advances and nothing at settlement.
/// - A lender with no book whose fixed costs exceed its capital, funded from two facilities at
///   shares 0.5 and 1, drawn in the listed order: at par the shortfall `S = −K_T` equals the
///   debt, so the funders lose half of the first facility's debt and the state pays the rest.
///
/// Being deterministic, both are also compared with the engine outcome by outcome, every
/// scalar and every yearly row, to rounding (no statistics, so outside the family).
#[test]
fn reference_settles_known_answers() {
    let run_off = r#"
[simulation]
horizon_years = 1

[funding]
state_loan = 30000
min_cash = 0
cash_target = 0

[[funding.facility]]
name = "only"
limit = 1e5
guaranteed_share = 1.0
rate = 0.0

[state]
settlement = "run_off"
run_off_fixed_share = 0.5

[initial_book]
loans = 1
max_age_months = 1

[origination]
loans_per_year = 0

[costs]
fixed_per_year = 1200

[[segment]]
name = "one"
mean_size = 20000
term_months = 36
interest_rate = 0.06
annual_pd = 0
"#;
    let s = scenario(run_off);
    let p = &reference::simulate(s.spec(), 1, 0..1)[0];
    engine_gives_the_same("run-off", &s, p);
    let interest = |ages: std::ops::Range<i64>| -> f64 {
        ages.map(|a| 0.06 / 12.0 * 20000.0 * closed_form_balance_factor(a, 0.06, 36, 0))
            .sum()
    };
    let final_capital = 30000.0 + interest(0..12) - 1200.0;
    let settlement = final_capital + interest(12..36) - 0.5 * 1200.0 * 2.0;
    let expected = [
        (Scalar::FinalCapital, final_capital),
        (Scalar::SettlementMonth, 36.0),
        (Scalar::RunOffMonths, 24.0),
        (Scalar::RunOffNetLoss, 0.0),
        (Scalar::RunOffInterest, interest(12..36)),
        (Scalar::RunOffCosts, 1200.0),
        (Scalar::SettlementCapital, settlement),
        (Scalar::StateLoanRepaidRunOff, settlement),
        (Scalar::StateLoanRepaid, settlement),
        (Scalar::StateLoanLoss, 30000.0 - settlement),
        (Scalar::GuaranteeCall, 0.0),
        (Scalar::CostToState, 30000.0 - settlement),
    ];
    for (m, value) in expected {
        let got = p.scalar(m).unwrap();
        assert!(
            (got - value).abs() < 1e-6,
            "run-off: {} is {got}, by hand {value}",
            m.name()
        );
    }
    // Everything the state got back came as advances in the run-off's months, after the
    // horizon: nothing at settlement.
    assert!((p.yearly(1, Yearly::StateLoanRepaid) - settlement).abs() < 1e-6);
    assert_eq!(p.yearly(0, Yearly::StateLoanRepaid), 0.0);

    let split = r#"
[simulation]
horizon_years = 1

[funding]
state_loan = 1000
min_cash = 0
cash_target = 0

[[funding.facility]]
name = "half"
limit = 5000
guaranteed_share = 0.5
rate = 0.0

[[funding.facility]]
name = "full"
limit = 1e5
guaranteed_share = 1.0
rate = 0.0

[origination]
loans_per_year = 0

[costs]
fixed_per_year = 13000

[[segment]]
name = "none"
"#;
    let s = scenario(split);
    let p = &reference::simulate(s.spec(), 1, 0..1)[0];
    engine_gives_the_same("split", &s, p);
    let expected = [
        (Scalar::FinalCapital, -12000.0),
        (Scalar::PeakExternalDebt, 12000.0),
        (Scalar::PeakGuaranteeExposure, 0.5 * 5000.0 + 7000.0),
        (Scalar::SettlementCapital, -12000.0),
        (Scalar::LendersLoss, 0.5 * 5000.0),
        (Scalar::GuaranteeCall, 12000.0 - 0.5 * 5000.0),
        (Scalar::StateLoanLoss, 1000.0),
        (Scalar::SettlementMonth, 12.0),
        (Scalar::RunOffMonths, 0.0),
    ];
    for (m, value) in expected {
        let got = p.scalar(m).unwrap();
        assert!(
            (got - value).abs() < 1e-6,
            "split: {} is {got}, by hand {value}",
            m.name()
        );
    }
    assert!((p.yearly(0, Yearly::GuaranteeCall) - 9500.0).abs() < 1e-6);
    assert!((p.yearly(1, Yearly::GuaranteeExposure) - 9500.0).abs() < 1e-6);
}

/// The engine's only path of a deterministic scenario against the reference's: every scalar
/// and every yearly metric of every row, to a relative 1e-9 (sums in another order).
fn engine_gives_the_same(name: &str, s: &Scenario, p: &reference::PathResult) {
    let e = common::run(s, 1);
    let same = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
        (a, b) => a.is_none() && b.is_none(),
    };
    for &m in Scalar::ALL {
        let a = e.scalar(m).next().unwrap();
        assert!(
            same(a, p.scalar(m)),
            "{name}: {} engine {a:?}, reference {:?}",
            m.name(),
            p.scalar(m)
        );
    }
    assert!(p.yearly.len() <= e.rows(), "{name}: the reference's rows");
    for row in 0..e.rows() {
        for &m in Yearly::ALL {
            let a = e.yearly(row, m)[0];
            assert!(
                same(Some(a), Some(p.yearly(row, m))),
                "{name}: row {} {} engine {a}, reference {}",
                row + 1,
                m.name(),
                p.yearly(row, m)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Two disagreements this reference found in the engine's first implementation of §11, kept as
// minimal deterministic cases: each asserts what docs/model.md says, which the reference gives
// and the engine now gives too.
// ---------------------------------------------------------------------------------------------

/// One initial loan of term `term` at a zero rate, no default, a capital of 1,000 and
/// `min_cash = 50,000`, so that 49,000 of debt is left at settlement; settled after the run-off
/// with the state's rows year by year. The loan matures in month `term − 1`, so `T_s = term`.
fn exposure_rows_case(term: i64) -> Scenario {
    scenario(&format!(
        r#"
[simulation]
horizon_years = 1

[funding]
state_loan = 1000
min_cash = 50000
cash_target = 60000

[[funding.facility]]
name = "only"
limit = 1e6
guaranteed_share = 1.0
rate = 0.0

[state]
settlement = "run_off"
run_off_years = true

[initial_book]
loans = 1
max_age_months = 1

[origination]
loans_per_year = 0

[[segment]]
name = "one"
mean_size = 20000
term_months = {term}
interest_rate = 0.0
annual_pd = 0
"#
    ))
}

/// docs/model.md §11.2, "Yearly rows": a run-off that ends with the last month of calendar year
/// 2 (`T_s = 24`, settlement dated month 23) shows its exposure at that year's end and none in
/// year 3, which the account never reaches; one that ends in mid-year (`T_s = 22`) shows none
/// at that year's end, after the settlement. (The engine once showed 49,000 in year 3 in the
/// first case and in year 2 in the second.)
#[test]
fn exposure_in_the_run_off_years_is_at_each_years_end() {
    for (term, exposures) in [(24, [49000.0, 0.0]), (22, [0.0, 0.0])] {
        let s = exposure_rows_case(term);
        let p = &reference::simulate(s.spec(), 1, 0..1)[0];
        let e = common::run(&s, 1);
        assert_eq!(
            e.scalar(Scalar::SettlementMonth).next(),
            Some(Some(term as f64))
        );
        for (row, expected) in [1, 2].into_iter().zip(exposures) {
            let reference = p.yearly(row, Yearly::GuaranteeExposure);
            assert!((reference - expected).abs() < 1e-6, "reference {reference}");
            let engine = e.yearly(row, Yearly::GuaranteeExposure)[0];
            assert!(
                (engine - expected).abs() < 1e-6,
                "T_s = {term}: row {} guarantee_exposure engine {engine}, docs/model.md {expected}",
                row + 1
            );
        }
    }
}

/// Once a known disagreement, now agreed (docs/model.md §11.3): a lender with no book whose
/// fixed costs of 100 a month eat its capital of 1,000 has `K < 0` at the ends of months 10 and
/// 11, so the trigger (two month-ends) completes at the end of month 11, the horizon's last, and
/// the state injects the 200 that bring capital to `target_ratio × 0 = 0`. `final_capital` and
/// year 1's `capital`, both the value after the last month, are 0, and year 1's `cash` is 200
/// (the debt of 200 stays); `min_capital` sees the capital before the injection, −200. (The
/// engine once gave year 1 `capital` −200 and `cash` 0 beside a `final_capital` of 0.)
#[test]
fn year_end_stocks_include_an_injection_at_that_month_end() {
    let s = scenario(
        r#"
[simulation]
horizon_years = 1

[funding]
state_loan = 1000
min_cash = 0
cash_target = 0

[[funding.facility]]
name = "only"
limit = 1e5
guaranteed_share = 1.0
rate = 0.0

[resolution]
rule = "recapitalise"
trigger_months = 2
target_ratio = 0.1
max_injection = 1e4

[origination]
loans_per_year = 0

[costs]
fixed_per_year = 1200

[[segment]]
name = "none"
"#,
    );
    let p = &reference::simulate(s.spec(), 1, 0..1)[0];
    let e = common::run(&s, 1);
    let expected = [(Yearly::Capital, 0.0), (Yearly::Cash, 200.0)];
    for (m, value) in expected {
        assert!(
            (p.yearly(0, m) - value).abs() < 1e-9,
            "reference {}",
            m.name()
        );
    }
    assert!((p.scalar(Scalar::MinCapital).unwrap() + 200.0).abs() < 1e-9);
    assert_eq!(e.scalar(Scalar::ResolutionMonth).next(), Some(Some(11.0)));
    assert!(
        (e.scalar(Scalar::StateRecapitalisation)
            .next()
            .unwrap()
            .unwrap()
            - 200.0)
            .abs()
            < 1e-9
    );
    assert!(
        e.scalar(Scalar::FinalCapital)
            .next()
            .unwrap()
            .unwrap()
            .abs()
            < 1e-9
    );
    for (m, value) in expected {
        let engine = e.yearly(0, m)[0];
        assert!(
            (engine - value).abs() < 1e-9,
            "year 1 {}: engine {engine}, docs/model.md {value} (final_capital is 0)",
            m.name()
        );
    }
}
