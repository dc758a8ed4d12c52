//! A deliberately naive, independent implementation of docs/model.md §3–§7, used only by tests to
//! check the production engine within Monte Carlo error (docs/model.md §9, last bullet).
//!
//! It shares nothing with the engine but the scenario parser and the normal distribution
//! function: no tabulated schedules, no event times, no binary searches. Every path keeps a
//! `Vec` of live loans in creation order; every month each live loan flips one coin per event
//! with probability `1 - exp(-h)` (default, then follow-up need, then prepayment: docs/model.md §4
//! "Fate"), and a loan that survives pays interest and principal computed from its own running
//! balance. Per-month coin flips with constant monthly hazards give the same law as the
//! specification's exponential event times, so only the statistics are comparable, never the
//! bits. The cost is O(loans × months) per path: keep the scenarios small.

use std::ops::Range;

use microfolio::math::{norm_cdf, norm_inv};
use microfolio::metrics::{Scalar, Yearly};
use microfolio::scenario::ScenarioSpec;
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// The outcomes of one path, indexed like the engine's: `scalars[Scalar::X.index()]`,
/// `yearly[report_year_0_based][Yearly::X.index()]`.
#[derive(Debug, Clone)]
pub struct PathResult {
    pub scalars: [Option<f64>; Scalar::COUNT],
    pub yearly: Vec<[f64; Yearly::COUNT]>,
    /// Largest violation of the capital identity of docs/model.md §5 over the path's months, in euros.
    pub capital_identity_error: f64,
}

impl PathResult {
    pub fn scalar(&self, m: Scalar) -> Option<f64> {
        self.scalars[m.index()]
    }

    pub fn yearly(&self, year: usize, m: Yearly) -> f64 {
        self.yearly[year][m.index()]
    }
}

/// Simulate paths `paths` of `spec` with the reference model. The stream of path `k` depends on
/// (`seed`, `k`) only, so the result does not depend on the thread count.
pub fn simulate(spec: &ScenarioSpec, seed: u64, paths: Range<u64>) -> Vec<PathResult> {
    paths
        .into_par_iter()
        .map(|k| simulate_path(spec, seed, k))
        .collect()
}

/// One loan on the book.
struct Loan {
    segment: usize,
    /// Original size `P`, euros.
    size: f64,
    /// Start month `s` (the month of age 0); negative for the initial book.
    start: i64,
    /// Outstanding principal at the start of the current age, `B(a)`.
    balance: f64,
    followup: bool,
    /// A loan has at most one follow-up need.
    had_need: bool,
}

/// Interest and principal paid at age `a` by a loan of size `size` in a segment with monthly
/// rate `i`, term `n` and grace `g` whose outstanding principal is `balance` (docs/model.md §4).
fn payment(size: f64, balance: f64, a: i64, i: f64, n: i64, g: i64) -> (f64, f64) {
    let interest = i * balance;
    let principal = if a < g {
        0.0
    } else if a == n - 1 {
        balance
    } else if i == 0.0 {
        size / (n - g) as f64
    } else {
        let annuity = size * i / (1.0 - (1.0 + i).powi(-((n - g) as i32)));
        annuity - interest
    };
    (interest, principal)
}

/// Outstanding principal `B(a)` of a loan of size `size`, by running its schedule `a` months.
pub fn balance_at_age(size: f64, a: i64, annual_rate: f64, n: i64, g: i64) -> f64 {
    let i = annual_rate / 12.0;
    let mut b = size;
    for age in 0..a {
        let (_, principal) = payment(size, b, age, i, n, g);
        b -= principal;
    }
    b
}

/// Vasicek's conditional PD written out from docs/model.md §3 (not the library's helper).
fn conditional_pd(p: f64, rho: f64, x: f64) -> f64 {
    if p == 0.0 {
        return 0.0;
    }
    let pd = norm_cdf((norm_inv(p) - rho.sqrt() * x) / (1.0 - rho).sqrt());
    pd.min(1.0 - 1e-12)
}

fn coin(rng: &mut Xoshiro256PlusPlus, hazard: f64) -> bool {
    let probability = 1.0 - (-hazard).exp();
    rng.random::<f64>() < probability
}

/// Knuth's multiplication method: slow for large means, but obviously right.
fn poisson(rng: &mut Xoshiro256PlusPlus, lambda: f64) -> u64 {
    assert!(
        lambda < 500.0,
        "the naive Poisson sampler is for small means"
    );
    let limit = (-lambda).exp();
    let mut k = 0;
    let mut product = rng.random::<f64>();
    while product > limit {
        k += 1;
        product *= rng.random::<f64>();
    }
    k
}

fn draw_segment(rng: &mut Xoshiro256PlusPlus, shares: &[f64]) -> usize {
    let total: f64 = shares.iter().sum();
    let u = rng.random::<f64>() * total;
    let mut cumulative = 0.0;
    for (k, &s) in shares.iter().enumerate() {
        cumulative += s;
        if u < cumulative {
            return k;
        }
    }
    // u == total by rounding: the last segment with a positive share.
    shares.iter().rposition(|&s| s > 0.0).unwrap()
}

/// `clamp(LogNormal(mean, cv), min_size, cap)` with the lognormal's own parameters
/// `sigma^2 = ln(1 + cv^2)`, `mu = ln(mean) - sigma^2 / 2`.
fn draw_size(rng: &mut Xoshiro256PlusPlus, mean: f64, cv: f64, min_size: f64, cap: f64) -> f64 {
    let raw = if cv == 0.0 {
        mean
    } else {
        let sigma2 = (1.0 + cv * cv).ln();
        let z: f64 = rng.sample(StandardNormal);
        (mean.ln() - sigma2 / 2.0 + sigma2.sqrt() * z).exp()
    };
    raw.max(min_size).min(cap)
}

fn recovery_rate(rng: &mut Xoshiro256PlusPlus, mean: f64, sd: f64) -> f64 {
    if sd == 0.0 {
        return mean;
    }
    let k = mean * (1.0 - mean) / (sd * sd) - 1.0;
    Beta::new(mean * k, (1.0 - mean) * k)
        .expect("validated recovery parameters")
        .sample(rng)
}

/// One path of the reference model.
pub fn simulate_path(spec: &ScenarioSpec, seed: u64, path: u64) -> PathResult {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(
        seed.wrapping_mul(0xD134_2543_DE82_EF95)
            .wrapping_add(path.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
    );
    let years = spec.simulation.horizon_years as usize;
    let months = 12 * years as i64;
    let f = &spec.funding;
    // The one facility of the older keys (docs/model.md §11.1): this reference model knows
    // no other.
    let room = f
        .guarantee_room
        .expect("the reference model takes the older funding keys");
    let debt_rate = f.external_rate.unwrap_or(0.03) + f.guarantee_fee.unwrap_or(0.0);
    let segs = &spec.segments;
    let shares: Vec<f64> = segs.iter().map(|s| s.share).collect();
    let cap = spec.origination.cap;
    let fu = &spec.followup;
    let costs = &spec.costs;

    // §3: one factor per calendar year.
    let cc = &spec.credit_cycle;
    let mut factor = Vec::with_capacity(years);
    let mut z: f64 = rng.sample(StandardNormal);
    for y in 0..years {
        if y > 0 {
            let eps: f64 = rng.sample(StandardNormal);
            z = cc.persistence * z + (1.0 - cc.persistence * cc.persistence).sqrt() * eps;
        }
        factor.push(z + cc.shifts.get(y).copied().unwrap_or(0.0));
    }

    // §4, §6: the initial book.
    let mut loans: Vec<Loan> = Vec::new();
    for _ in 0..spec.initial_book.loans {
        let k = draw_segment(&mut rng, &shares);
        let s = &segs[k];
        let size = draw_size(&mut rng, s.mean_size, s.size_cv, s.min_size, cap);
        let ages = spec.initial_book.max_age_months.min(s.term_months);
        let a0 = (rng.random::<f64>() * ages as f64).floor() as i64;
        let a0 = a0.min(ages - 1);
        loans.push(Loan {
            segment: k,
            size,
            start: -a0,
            balance: balance_at_age(size, a0, s.interest_rate, s.term_months, s.grace_months),
            followup: false,
            had_need: false,
        });
    }
    let book_0: f64 = loans.iter().map(|l| l.balance).sum();
    let k_0 = f.state_loan + f.initial_reserves;
    let mut debt = (book_0 + f.min_cash - k_0).max(0.0).min(room);
    let mut cash = k_0 + debt - book_0;
    let mut capital = k_0;
    let mut open = capital >= 0.0 && (book_0 == 0.0 || capital / book_0 >= f.min_capital_ratio);

    // Scalar accumulators.
    let mut granted = 0.0;
    let mut followups_granted = 0.0;
    let mut volume = 0.0;
    let mut rationed = 0.0;
    let mut defaults = 0.0;
    let mut gross_loss = 0.0;
    let mut recoveries = 0.0;
    let mut graduations = 0.0;
    let mut prepayments = 0.0;
    let mut min_capital = capital;
    let mut depleted = capital < 0.0;
    let mut months_closed = 0.0;
    let mut months_short = 0.0;
    let mut peak_debt = debt;
    let mut jobs = 0.0;
    let mut interest_income = 0.0;
    let mut fee_income = 0.0;
    let mut operating_costs = 0.0;
    let mut funding_costs = 0.0;
    let mut identity_error: f64 = 0.0;

    // Recoveries still to come: (month due, amount).
    let mut pending: Vec<(i64, f64)> = Vec::new();
    let mut yearly = vec![[0.0; Yearly::COUNT]; years];
    let mut live_at_year_start = 0.0;

    for t in 0..months {
        let y = (t / 12) as usize;
        let yr = &mut yearly[y];
        if t % 12 == 0 {
            live_at_year_start = loans.len() as f64;
        }
        if !open {
            months_closed += 1.0;
        }
        let live_at_start = loans.len() as f64;
        let debt_at_start = debt;
        // Income and charges of this month, for the capital identity.
        let mut month_income = 0.0;
        let mut month_charges = 0.0;

        // 1. Recoveries due this month.
        for &(due, amount) in &pending {
            if due == t {
                cash += amount;
                recoveries += amount;
                month_income += amount;
                yr[Yearly::NetLoss.index()] -= amount;
            }
        }
        pending.retain(|&(due, _)| due > t);

        // 2–4. Fate and payments, loan by loan in creation order; `requests` collects
        // follow-up requests in the order of their parents' creation.
        // This year's conditional PD per segment, ordinary and follow-up (§3, §4).
        let pd_this_year: Vec<[f64; 2]> = segs
            .iter()
            .map(|s| {
                [
                    conditional_pd(s.annual_pd, cc.asset_correlation, factor[y]),
                    conditional_pd(
                        s.annual_pd * fu.pd_multiplier,
                        cc.asset_correlation,
                        factor[y],
                    ),
                ]
            })
            .collect();
        let mut requests: Vec<(usize, f64)> = Vec::new();
        let mut alive = vec![true; loans.len()];
        for (idx, loan) in loans.iter_mut().enumerate() {
            let s = &segs[loan.segment];
            let a = t - loan.start;
            let n = s.term_months;
            debug_assert!((0..n).contains(&a));
            let season_index = ((a / 12) as usize).min(s.seasoning.len() - 1);
            let pd = pd_this_year[loan.segment][usize::from(loan.followup)];
            let h_default = -(1.0 - pd).ln() / 12.0 * s.seasoning[season_index];
            if coin(&mut rng, h_default) {
                let b = loan.balance;
                defaults += 1.0;
                gross_loss += b;
                month_charges += b;
                yr[Yearly::Defaults.index()] += 1.0;
                yr[Yearly::NetLoss.index()] += b;
                let rr = recovery_rate(&mut rng, s.recovery_mean, s.recovery_sd);
                let due = t + s.recovery_lag_months;
                if due < months {
                    pending.push((due, b * rr));
                }
                alive[idx] = false;
                continue;
            }
            if !loan.had_need && a >= s.followup_min_age_months {
                let h_need = -(1.0 - s.followup_rate).ln() / 12.0;
                if coin(&mut rng, h_need) {
                    loan.had_need = true;
                    if rng.random::<f64>() < fu.referral_share {
                        graduations += 1.0;
                        yr[Yearly::Graduations.index()] += 1.0;
                        cash += loan.balance;
                        alive[idx] = false;
                        continue;
                    }
                    requests.push((loan.segment, fu.size_multiplier * loan.size));
                }
            }
            let h_prepay = -(1.0 - s.prepay_rate).ln() / 12.0;
            if coin(&mut rng, h_prepay) {
                prepayments += 1.0;
                cash += loan.balance;
                alive[idx] = false;
                continue;
            }
            let (interest, principal) = payment(
                loan.size,
                loan.balance,
                a,
                s.interest_rate / 12.0,
                n,
                s.grace_months,
            );
            cash += interest + principal;
            interest_income += interest;
            month_income += interest;
            loan.balance -= principal;
            if a == n - 1 {
                assert!(
                    loan.balance.abs() < 1e-6 * loan.size,
                    "matured with a balance"
                );
                alive[idx] = false;
            }
        }
        let mut flags = alive.into_iter();
        loans.retain(|_| flags.next().unwrap());

        // 5. Costs.
        let operating =
            costs.fixed_per_year / 12.0 + costs.per_active_loan_per_year / 12.0 * live_at_start;
        let funding = debt_at_start * debt_rate / 12.0 + f.state_loan * f.state_loan_rate / 12.0;
        cash -= operating + funding;
        operating_costs += operating;
        funding_costs += funding;
        month_charges += operating + funding;

        // 6. Origination: follow-up requests, then new demand.
        let lambda = spec.origination.loans_per_year
            * (1.0 + spec.origination.growth_per_year).powi(y as i32)
            / 12.0;
        let new_requests = if lambda > 0.0 {
            poisson(&mut rng, lambda)
        } else {
            0
        };
        let mut all_requests: Vec<(usize, f64, bool)> = requests
            .into_iter()
            .map(|(k, raw)| (k, raw.max(segs[k].min_size).min(cap), true))
            .collect();
        for _ in 0..new_requests {
            let k = draw_segment(&mut rng, &shares);
            let s = &segs[k];
            let size = draw_size(&mut rng, s.mean_size, s.size_cv, s.min_size, cap);
            all_requests.push((k, size, false));
        }
        for (k, size, is_followup) in all_requests {
            let s = &segs[k];
            let outlay =
                size - s.origination_fee * size + costs.per_new_loan + costs.coaching_per_new_loan;
            if open && cash + (room - debt) - outlay >= f.min_cash {
                cash -= outlay;
                granted += 1.0;
                volume += size;
                // Each firm's jobs once: a follow-up loan adds none (docs/model.md §10).
                if !is_followup {
                    jobs += s.jobs_per_loan;
                }
                fee_income += s.origination_fee * size;
                operating_costs += costs.per_new_loan + costs.coaching_per_new_loan;
                month_income += s.origination_fee * size;
                month_charges += costs.per_new_loan + costs.coaching_per_new_loan;
                if is_followup {
                    followups_granted += 1.0;
                }
                yr[Yearly::NewLoans.index()] += 1.0;
                yr[Yearly::NewVolume.index()] += size;
                loans.push(Loan {
                    segment: k,
                    size,
                    start: t + 1,
                    balance: size,
                    followup: is_followup,
                    had_need: false,
                });
            } else {
                rationed += 1.0;
                yr[Yearly::Rationed.index()] += 1.0;
            }
        }

        // 7. Funding.
        if cash < f.min_cash {
            let need = f.min_cash - cash;
            let room = room - debt;
            if need <= room {
                debt += need;
                cash = f.min_cash;
            } else {
                debt += room;
                cash += room;
            }
        } else if cash > f.cash_target {
            let repay = (cash - f.cash_target).min(debt);
            debt -= repay;
            cash -= repay;
        }
        if cash < f.min_cash {
            months_short += 1.0;
        }
        peak_debt = peak_debt.max(debt);

        // 8. Capital.
        let book: f64 = loans.iter().map(|l| l.balance).sum();
        let new_capital = cash + book - debt;
        let expected = capital + month_income - month_charges;
        identity_error = identity_error.max((new_capital - expected).abs());
        capital = new_capital;
        min_capital = min_capital.min(capital);
        depleted |= capital < 0.0;
        open = capital >= 0.0 && (book == 0.0 || capital / book >= f.min_capital_ratio);

        if t % 12 == 11 {
            yr[Yearly::Book.index()] = book;
            yr[Yearly::ActiveLoans.index()] = loans.len() as f64;
            yr[Yearly::Capital.index()] = capital;
            yr[Yearly::ExternalDebt.index()] = debt;
            yr[Yearly::Cash.index()] = cash;
            yr[Yearly::CapitalRatio.index()] = if book > 0.0 { capital / book } else { 0.0 };
            yr[Yearly::DefaultRate.index()] = if live_at_year_start > 0.0 {
                yr[Yearly::Defaults.index()] / live_at_year_start
            } else {
                0.0
            };
        }
    }

    let net_loss = gross_loss - recoveries;
    let on_book = spec.initial_book.loans as f64 + granted;
    let exposure = book_0 + volume;
    let oss_denominator = operating_costs + funding_costs + net_loss;
    let mut scalars = [None; Scalar::COUNT];
    let mut set = |m: Scalar, v: Option<f64>| scalars[m.index()] = v;
    set(Scalar::LoansGranted, Some(granted));
    set(Scalar::FollowupLoans, Some(followups_granted));
    set(
        Scalar::EntrepreneursFinanced,
        Some(granted - followups_granted),
    );
    set(Scalar::VolumeGranted, Some(volume));
    set(
        Scalar::MeanLoanSize,
        (granted > 0.0).then(|| volume / granted),
    );
    set(Scalar::LoansRationed, Some(rationed));
    set(Scalar::Defaults, Some(defaults));
    set(
        Scalar::DefaultRate,
        (on_book > 0.0).then(|| defaults / on_book),
    );
    set(Scalar::GrossLoss, Some(gross_loss));
    set(Scalar::Recoveries, Some(recoveries));
    set(Scalar::NetLoss, Some(net_loss));
    set(
        Scalar::LossRate,
        (exposure > 0.0).then(|| net_loss / exposure),
    );
    set(Scalar::Graduations, Some(graduations));
    set(Scalar::Prepayments, Some(prepayments));
    set(Scalar::FinalCapital, Some(capital));
    set(Scalar::MinCapital, Some(min_capital));
    set(
        Scalar::CapitalDepleted,
        Some(if depleted { 1.0 } else { 0.0 }),
    );
    set(Scalar::MonthsLendingClosed, Some(months_closed));
    set(Scalar::MonthsLiquidityShortfall, Some(months_short));
    set(Scalar::PeakExternalDebt, Some(peak_debt));
    set(
        Scalar::PeakGuaranteeUse,
        Some(if room > 0.0 { peak_debt / room } else { 0.0 }),
    );
    let guarantee_call = (-capital).max(0.0);
    let state_loan_loss = f.state_loan - capital.max(0.0).min(f.state_loan);
    set(Scalar::GuaranteeCall, Some(guarantee_call));
    set(Scalar::StateLoanLoss, Some(state_loan_loss));
    set(Scalar::CostToState, Some(guarantee_call + state_loan_loss));
    set(
        Scalar::Oss,
        (oss_denominator > 0.0).then(|| (interest_income + fee_income) / oss_denominator),
    );
    set(Scalar::JobsSupported, Some(jobs));
    state_account(spec, months, guarantee_call + state_loan_loss, &mut set);

    PathResult {
        scalars,
        yearly,
        capital_identity_error: identity_error,
    }
}

/// docs/model.md §10 without BMKB (the reference simulates no guarantee: the scenarios it is
/// compared on leave `[bmkb]` off): the BMKB outcomes are 0, the state forgoes
/// `(discount_rate − state_loan_rate)/12 × state_loan` a month, and the cost through the lender
/// is discounted from the horizon's last month.
fn state_account(
    spec: &ScenarioSpec,
    months: i64,
    cost_to_state: f64,
    set: &mut impl FnMut(Scalar, Option<f64>),
) {
    assert!(!spec.bmkb.enabled, "the reference simulates no BMKB");
    let r = spec.state.discount_rate;
    // Written as the engine writes them: the constants are compared to the bit.
    let df = |t: i64| (1.0 + r).powf(-((t + 1) as f64) / 12.0);
    let monthly = (r - spec.funding.state_loan_rate) / 12.0 * spec.funding.state_loan;
    let subsidy = monthly * months as f64;
    let subsidy_pv: f64 = (0..months).map(|t| monthly * df(t)).sum();
    let cost_pv = cost_to_state * df(months - 1);
    for m in [
        Scalar::BmkbGuarantees,
        Scalar::BmkbPremiums,
        Scalar::BmkbClaims,
        Scalar::BmkbClaimsPending,
        Scalar::BmkbClaimsReceived,
        Scalar::BmkbNetCost,
        Scalar::BmkbExposureEnd,
        Scalar::BmkbNetCostPv,
    ] {
        set(m, Some(0.0));
    }
    set(Scalar::StateLoanSubsidy, Some(subsidy));
    set(Scalar::StateLoanSubsidyPv, Some(subsidy_pv));
    set(Scalar::StateCostTotal, Some(cost_to_state + subsidy));
    set(Scalar::CostToStatePv, Some(cost_pv));
    set(Scalar::StateCostTotalPv, Some(cost_pv + subsidy_pv));
}
