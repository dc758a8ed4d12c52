//! A deliberately naive, independent implementation of docs/model.md §3–§7, §10 (without the
//! BMKB) and §11, used only by tests to check the production engine within Monte Carlo error
//! (docs/model.md §9, last bullet).
//!
//! It shares nothing with the engine but the scenario parser and the normal distribution
//! function: no tabulated schedules, no event times, no binary searches. Every path keeps a
//! `Vec` of live loans in creation order; every month each live loan flips one coin per event
//! with probability `1 - exp(-h)` (default, then follow-up need, then prepayment: docs/model.md §4
//! "Fate"), and a loan that survives pays interest and principal computed from its own running
//! balance. Per-month coin flips with constant monthly hazards give the same law as the
//! specification's exponential event times, so only the statistics are comparable, never the
//! bits. The cost is O(loans × months) per path: keep the scenarios small.
//!
//! §11 is written out month by month as well: a `Vec` of facilities with their debts, drawn in
//! the listed order and repaid in reverse; a lender that is lending, running off (after the
//! horizon under `state.settlement = "run_off"`, or from the month after a wind-down) or gone;
//! the run-off simply goes on flipping each live loan's coins month after month (the events
//! are memoryless, so a loan's luck after the horizon needs nothing of its luck before), and
//! the credit cycle goes on by its recursion. The state's flows are written into one ledger
//! entry per month, from which the yearly rows, the totals and the present values are summed.
//! The BMKB is not simulated: the scenarios compared leave `[bmkb]` off.

use std::ops::Range;

use microfolio::math::{norm_cdf, norm_inv};
use microfolio::metrics::{Scalar, Yearly};
use microfolio::scenario::{ResolutionRule, ScenarioSpec, Settlement};
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// The outcomes of one path, indexed like the engine's: `scalars[Scalar::X.index()]`,
/// `yearly[row][Yearly::X.index()]`.
#[derive(Debug, Clone)]
pub struct PathResult {
    pub scalars: [Option<f64>; Scalar::COUNT],
    /// The horizon's report years, then the rows after the horizon (docs/model.md §11.2,
    /// "Yearly rows"): one row `after`, or with `state.run_off_years` one row per calendar year
    /// up to the last this path's account reaches (later rows are 0; see [`PathResult::yearly`]).
    pub yearly: Vec<[f64; Yearly::COUNT]>,
    /// Largest violation of the capital identity of docs/model.md §5 over the path's months
    /// (the run-off's included), in euros.
    pub capital_identity_error: f64,
    /// Violation of the closure of docs/model.md §11.2, "Which outcomes count when":
    /// `settlement_capital = K_T + run_off_interest − run_off_costs − run_off_net_loss`, where
    /// the run-off starts at the horizon (0 where a wind-down started it earlier), in euros.
    pub run_off_closure_error: f64,
    /// Violation of docs/model.md §11.5's "to the cent" check: `state_cost_total = state_loan −
    /// Σ_rows state_net_cash + Σ_t discount_rate / 12 × L_t`, in euros.
    pub ledger_identity_error: f64,
}

impl PathResult {
    pub fn scalar(&self, m: Scalar) -> Option<f64> {
        self.scalars[m.index()]
    }

    /// Row `row` of yearly metric `m`: 0 beyond the rows this path reached (its account had
    /// ended), as docs/model.md §11.2 says of the run-off's calendar years.
    pub fn yearly(&self, row: usize, m: Yearly) -> f64 {
        self.yearly.get(row).map_or(0.0, |r| r[m.index()])
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

/// One funding facility (docs/model.md §11.1), as the reference reads it from the scenario.
struct Facility {
    /// Limit per report year, 0-based; the last entry holds for every later year.
    limits: Vec<f64>,
    share: f64,
    rate: f64,
    fee: f64,
}

impl Facility {
    fn limit(&self, year: usize) -> f64 {
        self.limits[year.min(self.limits.len() - 1)]
    }

    /// Whether the limit of `year` is below that of some earlier year.
    fn has_fallen(&self, year: usize) -> bool {
        (0..year).any(|earlier| self.limit(earlier) > self.limit(year))
    }

    /// The debt above a fallen limit; 0 where the limit never fell.
    fn excess(&self, year: usize, debt: f64) -> f64 {
        if self.has_fallen(year) {
            (debt - self.limit(year)).max(0.0)
        } else {
            0.0
        }
    }

    /// What may still be drawn.
    fn headroom(&self, year: usize, debt: f64) -> f64 {
        (self.limit(year) - debt).max(0.0)
    }
}

/// The facilities of `spec`: the `[[funding.facility]]` list, or the one facility of the older
/// keys, guaranteed in full.
fn facilities(spec: &ScenarioSpec) -> Vec<Facility> {
    let f = &spec.funding;
    match &f.facility {
        Some(list) => list
            .iter()
            .map(|x| Facility {
                limits: match (&x.limits, x.limit) {
                    (Some(l), _) if !l.is_empty() => l.clone(),
                    (_, Some(limit)) => vec![limit],
                    _ => panic!("facility {} has no limit", x.name),
                },
                share: x
                    .guaranteed_share
                    .expect("a validated facility has its share"),
                rate: x.rate,
                fee: x.guarantee_fee,
            })
            .collect(),
        None => vec![Facility {
            limits: vec![f.guarantee_room.expect("the older keys are filled in")],
            share: 1.0,
            rate: f.external_rate.expect("the older keys are filled in"),
            fee: f.guarantee_fee.expect("the older keys are filled in"),
        }],
    }
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

/// The systemic factor of docs/model.md §3, year by year for as long as the path needs it: the
/// horizon's years and, in a run-off, the years after it, by the same recursion.
struct Cycle {
    persistence: f64,
    shifts: Vec<f64>,
    z: f64,
    /// `X_y` of the years drawn so far.
    factors: Vec<f64>,
}

impl Cycle {
    fn factor(&mut self, year: usize, rng: &mut Xoshiro256PlusPlus) -> f64 {
        while self.factors.len() <= year {
            let y = self.factors.len();
            if y == 0 {
                self.z = rng.sample(StandardNormal);
            } else {
                let eps: f64 = rng.sample(StandardNormal);
                self.z = self.persistence * self.z
                    + (1.0 - self.persistence * self.persistence).sqrt() * eps;
            }
            self.factors
                .push(self.z + self.shifts.get(y).copied().unwrap_or(0.0));
        }
        self.factors[year]
    }
}

/// Where the lender stands (docs/model.md §11.2, §11.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Lending (or closed by the capital rule of §5 step 8), within the horizon.
    Going,
    /// Running its book off: after the horizon under `settlement = "run_off"`, or from the
    /// month after a wind-down.
    RunOff,
    /// Settled with the state: gone.
    Settled,
}

/// The state's cash flows with the lender in one month (docs/model.md §11.4), and what it had
/// lent and guaranteed.
#[derive(Debug, Clone, Copy, Default)]
struct LedgerMonth {
    state_loan_interest: f64,
    guarantee_fees: f64,
    recapitalisation: f64,
    state_loan_repaid: f64,
    guarantee_call: f64,
    /// What was still lent of the state loan and injections during the month, `L_t`.
    lent: f64,
    /// `Σ_f guaranteed_share_f × D_f` after the month (0 once settled).
    exposure_end: f64,
}

impl LedgerMonth {
    fn net_cash(&self) -> f64 {
        self.state_loan_interest + self.guarantee_fees - self.recapitalisation
            + self.state_loan_repaid
            - self.guarantee_call
    }
}

/// One path of the reference model.
pub fn simulate_path(spec: &ScenarioSpec, seed: u64, path: u64) -> PathResult {
    assert!(!spec.bmkb.enabled, "the reference simulates no BMKB");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(
        seed.wrapping_mul(0xD134_2543_DE82_EF95)
            .wrapping_add(path.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
    );
    let years = spec.simulation.horizon_years as usize;
    let months = 12 * years as i64;
    let f = &spec.funding;
    let fac = facilities(spec);
    let segs = &spec.segments;
    let shares: Vec<f64> = segs.iter().map(|s| s.share).collect();
    let cap = spec.origination.cap;
    let fu = &spec.followup;
    let costs = &spec.costs;
    let res = &spec.resolution;
    let discount = spec.state.discount_rate;

    // §3: one factor per calendar year, the horizon's drawn up front.
    let cc = &spec.credit_cycle;
    let mut cycle = Cycle {
        persistence: cc.persistence,
        shifts: cc.shifts.clone(),
        z: 0.0,
        factors: Vec::new(),
    };
    cycle.factor(years - 1, &mut rng);

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
    // §6, §11.1: D_0 within the first year's limits, drawn in the listed order.
    let room_0: f64 = fac.iter().map(|x| x.limit(0)).sum();
    let mut debts = vec![0.0; fac.len()];
    let mut to_draw = (book_0 + f.min_cash - k_0).max(0.0).min(room_0);
    let d_0 = to_draw;
    for (d, x) in debts.iter_mut().zip(&fac) {
        let take = to_draw.min(x.limit(0));
        *d += take;
        to_draw -= take;
    }
    let mut cash = k_0 + d_0 - book_0;
    let mut capital = k_0;
    let mut open = capital >= 0.0 && (book_0 == 0.0 || capital / book_0 >= f.min_capital_ratio);
    let exposure = |debts: &[f64]| -> f64 { fac.iter().zip(debts).map(|(x, d)| x.share * d).sum() };
    // The guarantee room of `peak_guarantee_use`: the largest yearly sum of limits in the horizon.
    let largest_room = (0..years)
        .map(|y| fac.iter().map(|x| x.limit(y)).sum::<f64>())
        .fold(0.0, f64::max);

    // The state loan: `lent` is L (the loan and every injection), `repaid` is R.
    let mut lent = f.state_loan;
    let mut repaid = 0.0;

    // Scalar accumulators of the horizon.
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
    let mut peak_debt = d_0;
    let mut jobs = 0.0;
    let mut interest_income = 0.0;
    let mut fee_income = 0.0;
    let mut operating_costs = 0.0;
    let mut funding_costs = 0.0;
    let mut identity_error: f64 = 0.0;
    // ... and of the months after the horizon.
    let mut run_off_net_loss = 0.0;
    let mut run_off_interest = 0.0;
    let mut run_off_costs = 0.0;
    // §11.3.
    let mut mode = Mode::Going;
    let mut wound_down_early = false;
    let mut below_count = 0;
    let mut resolution_month: Option<i64> = None;
    let mut injected = 0.0;
    let mut cap_left = res.max_injection;
    let mut peak_exposure = exposure(&debts);
    // §11.2: the settlement's month and what it settles on.
    let mut settlement_month: Option<i64> = None;
    let mut capital_at_settlement = f64::NAN;
    let mut debts_at_settlement = Vec::new();
    let mut capital_at_horizon = f64::NAN;

    // Recoveries still to come: (month due, amount). Those due after the horizon are kept: a
    // run-off receives them.
    let mut pending: Vec<(i64, f64)> = Vec::new();
    let mut yearly = vec![[0.0; Yearly::COUNT]; years];
    // Each year's interest and fees, and its operating and funding costs: the yearly oss.
    let mut year_income = vec![0.0; years];
    let mut year_costs = vec![0.0; years];
    let mut ledger: Vec<LedgerMonth> = Vec::new();
    let mut live_at_year_start = 0.0;

    let mut t: i64 = 0;
    loop {
        // At the start of month t: the horizon's end, and the end of a run-off.
        if t == months {
            capital_at_horizon = capital;
            if mode == Mode::Going {
                match spec.state.settlement {
                    Settlement::Par => {
                        settlement_month = Some(t);
                        capital_at_settlement = capital;
                        debts_at_settlement = debts.clone();
                        mode = Mode::Settled;
                    }
                    Settlement::RunOff => mode = Mode::RunOff,
                }
            }
        }
        if mode == Mode::RunOff
            && loans.is_empty()
            && !pending.iter().any(|&(_, amount)| amount > 0.0)
        {
            settlement_month = Some(t);
            capital_at_settlement = capital;
            debts_at_settlement = debts.clone();
            mode = Mode::Settled;
        }
        if t >= months && mode == Mode::Settled {
            break;
        }
        let in_horizon = t < months;
        let y = (t / 12) as usize;
        if in_horizon && t % 12 == 0 {
            live_at_year_start = loans.len() as f64;
        }
        if in_horizon && (!open || mode != Mode::Going) {
            months_closed += 1.0;
        }
        let mut entry = LedgerMonth::default();

        if mode == Mode::Settled {
            // A lender settled within the horizon is gone: its months cost nothing and its
            // stocks stay as they were; demand still arises and is rationed (§11.3).
            let lambda = spec.origination.loans_per_year
                * (1.0 + spec.origination.growth_per_year).powi(y as i32)
                / 12.0;
            let n = if lambda > 0.0 {
                poisson(&mut rng, lambda)
            } else {
                0
            };
            rationed += n as f64;
            yearly[y][Yearly::Rationed.index()] += n as f64;
        } else {
            let running_off = mode == Mode::RunOff;
            let live_at_start = loans.len() as f64;
            let debts_at_start = debts.clone();
            let lent_at_start = lent - repaid;
            entry.lent = lent_at_start;
            // Income and charges of this month, for the capital identity.
            let mut month_income = 0.0;
            let mut month_charges = 0.0;

            // 1. Recoveries due this month.
            for &(due, amount) in &pending {
                if due == t {
                    cash += amount;
                    month_income += amount;
                    if in_horizon {
                        recoveries += amount;
                        yearly[y][Yearly::NetLoss.index()] -= amount;
                    } else {
                        run_off_net_loss -= amount;
                    }
                }
            }
            pending.retain(|&(due, _)| due > t);

            // 2–4. Fate and payments, loan by loan in creation order; `requests` collects
            // follow-up requests in the order of their parents' creation.
            // This year's conditional PD per segment, ordinary and follow-up (§3, §4).
            let x = cycle.factor(y, &mut rng);
            let pd_this_year: Vec<[f64; 2]> = segs
                .iter()
                .map(|s| {
                    [
                        conditional_pd(s.annual_pd, cc.asset_correlation, x),
                        conditional_pd(s.annual_pd * fu.pd_multiplier, cc.asset_correlation, x),
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
                    month_charges += b;
                    if in_horizon {
                        defaults += 1.0;
                        gross_loss += b;
                        yearly[y][Yearly::Defaults.index()] += 1.0;
                        yearly[y][Yearly::NetLoss.index()] += b;
                    } else {
                        run_off_net_loss += b;
                    }
                    let rr = recovery_rate(&mut rng, s.recovery_mean, s.recovery_sd);
                    pending.push((t + s.recovery_lag_months, b * rr));
                    alive[idx] = false;
                    continue;
                }
                if !loan.had_need && a >= s.followup_min_age_months {
                    let h_need = -(1.0 - s.followup_rate).ln() / 12.0;
                    if coin(&mut rng, h_need) {
                        loan.had_need = true;
                        if rng.random::<f64>() < fu.referral_share {
                            if in_horizon {
                                graduations += 1.0;
                                yearly[y][Yearly::Graduations.index()] += 1.0;
                            }
                            cash += loan.balance;
                            alive[idx] = false;
                            continue;
                        }
                        // After the horizon a request no one grants, and not counted.
                        if in_horizon {
                            requests.push((loan.segment, fu.size_multiplier * loan.size));
                        }
                    }
                }
                let h_prepay = -(1.0 - s.prepay_rate).ln() / 12.0;
                if coin(&mut rng, h_prepay) {
                    if in_horizon {
                        prepayments += 1.0;
                    }
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
                month_income += interest;
                if in_horizon {
                    interest_income += interest;
                    year_income[y] += interest;
                } else {
                    run_off_interest += interest;
                }
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

            // 5. Costs: the fixed costs (a share of them in run-off), per active loan, each
            // facility's interest and fee on its debt at the start of the month, and the state
            // loan's interest on what is still lent.
            let fixed_share = if running_off {
                spec.state.run_off_fixed_share
            } else {
                1.0
            };
            let operating = costs.fixed_per_year / 12.0 * fixed_share
                + costs.per_active_loan_per_year / 12.0 * live_at_start;
            let facility_interest: f64 = fac
                .iter()
                .zip(&debts_at_start)
                .map(|(x, d)| x.rate / 12.0 * d)
                .sum();
            let fees: f64 = fac
                .iter()
                .zip(&debts_at_start)
                .map(|(x, d)| x.fee / 12.0 * x.share * d)
                .sum();
            let state_interest = f.state_loan_rate / 12.0 * lent_at_start;
            let funding = facility_interest + fees + state_interest;
            cash -= operating + funding;
            month_charges += operating + funding;
            if in_horizon {
                operating_costs += operating;
                funding_costs += funding;
                year_costs[y] += operating + funding;
            } else {
                run_off_costs += operating + funding;
            }
            entry.guarantee_fees = fees;
            entry.state_loan_interest = state_interest;

            // 6. Origination (within the horizon only): follow-up requests, then new demand.
            // Nothing is granted in run-off; within the horizon every request is then rationed.
            if in_horizon {
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
                // The room left counts each facility's headroom and takes off its excess over
                // a fallen limit (§5 step 6, §11.1); the debts move only in step 7.
                let room_left: f64 = fac
                    .iter()
                    .zip(&debts)
                    .map(|(x, &d)| x.headroom(y, d) - x.excess(y, d))
                    .sum();
                for (k, size, is_followup) in all_requests {
                    let s = &segs[k];
                    let outlay = size - s.origination_fee * size
                        + costs.per_new_loan
                        + costs.coaching_per_new_loan;
                    if open && !running_off && cash + room_left - outlay >= f.min_cash {
                        cash -= outlay;
                        granted += 1.0;
                        volume += size;
                        // Each firm's jobs once: a follow-up loan adds none (docs/model.md §10).
                        if !is_followup {
                            jobs += s.jobs_per_loan;
                        }
                        fee_income += s.origination_fee * size;
                        operating_costs += costs.per_new_loan + costs.coaching_per_new_loan;
                        year_income[y] += s.origination_fee * size;
                        year_costs[y] += costs.per_new_loan + costs.coaching_per_new_loan;
                        month_income += s.origination_fee * size;
                        month_charges += costs.per_new_loan + costs.coaching_per_new_loan;
                        if is_followup {
                            followups_granted += 1.0;
                        }
                        yearly[y][Yearly::NewLoans.index()] += 1.0;
                        yearly[y][Yearly::NewVolume.index()] += size;
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
                        yearly[y][Yearly::Rationed.index()] += 1.0;
                    }
                }
            }

            // 7. Funding. Below min_cash: draw in the listed order from the facilities'
            // headroom. Otherwise: repay the excesses over fallen limits from cash above
            // min_cash, the last listed first; then, lending, cash above cash_target repays the
            // debts, the last listed first; in run-off, cash above min_cash repays the debts and
            // then the state loan.
            let mut repaid_now = 0.0;
            if cash < f.min_cash {
                let need = f.min_cash - cash;
                let available: f64 = fac.iter().zip(&debts).map(|(x, &d)| x.headroom(y, d)).sum();
                let mut to_draw = need.min(available);
                for (d, x) in debts.iter_mut().zip(&fac) {
                    let take = to_draw.min(x.headroom(y, *d));
                    *d += take;
                    to_draw -= take;
                }
                if need <= available {
                    cash = f.min_cash;
                } else {
                    cash += available;
                }
            } else {
                for (d, x) in debts.iter_mut().zip(&fac).rev() {
                    let pay = x.excess(y, *d).min(cash - f.min_cash);
                    *d -= pay;
                    cash -= pay;
                }
                let target = if running_off {
                    f.min_cash
                } else {
                    f.cash_target
                };
                if cash > target {
                    for d in debts.iter_mut().rev() {
                        let pay = d.min(cash - target);
                        *d -= pay;
                        cash -= pay;
                    }
                }
                if running_off && cash > f.min_cash {
                    let pay = (lent - repaid).min(cash - f.min_cash);
                    repaid += pay;
                    cash -= pay;
                    repaid_now = pay;
                }
            }
            entry.state_loan_repaid = repaid_now;
            let debt: f64 = debts.iter().sum();
            entry.exposure_end = exposure(&debts);
            peak_exposure = peak_exposure.max(entry.exposure_end);
            if in_horizon {
                if cash < f.min_cash {
                    months_short += 1.0;
                }
                peak_debt = peak_debt.max(debt);
            }

            // 8. Capital.
            let book: f64 = loans.iter().map(|l| l.balance).sum();
            let new_capital = cash + book - debt;
            let expected = capital + month_income - month_charges - repaid_now;
            identity_error = identity_error.max((new_capital - expected).abs());
            capital = new_capital;
            if in_horizon {
                min_capital = min_capital.min(capital);
                depleted |= capital < 0.0;
            }
            if mode == Mode::Going {
                open = capital >= 0.0 && (book == 0.0 || capital / book >= f.min_capital_ratio);
            }

            // §11.3: the trigger, at the end of a month of the horizon, for a lender not in
            // run-off.
            if in_horizon && mode == Mode::Going && res.rule != ResolutionRule::None {
                let below = if book > 0.0 {
                    capital < res.trigger_ratio * book
                } else {
                    capital < 0.0
                };
                below_count = if below { below_count + 1 } else { 0 };
                if below_count >= res.trigger_months {
                    resolution_month.get_or_insert(t);
                    let recapitalise = res.rule == ResolutionRule::Recapitalise && cap_left > 0.0;
                    if recapitalise {
                        let amount = (res.target_ratio * book - capital).max(0.0).min(cap_left);
                        cap_left = if amount == cap_left {
                            0.0
                        } else {
                            cap_left - amount
                        };
                        injected += amount;
                        lent += amount;
                        cash += amount;
                        capital += amount;
                        entry.recapitalisation = amount;
                        below_count = 0;
                        // Lending in month t + 1 follows the capital after the injection.
                        open = capital >= 0.0
                            && (book == 0.0 || capital / book >= f.min_capital_ratio);
                    } else {
                        mode = Mode::RunOff;
                        wound_down_early = true;
                        open = false;
                    }
                }
            }
        }

        // Year-end stocks of the horizon (frozen as they were where the lender is gone).
        if in_horizon && t % 12 == 11 {
            let book: f64 = loans.iter().map(|l| l.balance).sum();
            let debt: f64 = debts.iter().sum();
            let yr = &mut yearly[y];
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
            let charges = year_costs[y] + yr[Yearly::NetLoss.index()];
            yr[Yearly::Oss.index()] = if charges > 0.0 {
                year_income[y] / charges
            } else {
                0.0
            };
        }
        ledger.push(entry);
        t += 1;
        assert!(t < months + 12 * 200, "a run-off that does not end");
    }

    // §11.2: the settlement, dated month T_s − 1.
    let t_s = settlement_month.expect("every path settles");
    let settle_on = capital_at_settlement + repaid;
    let shortfall = (-settle_on).max(0.0);
    let debt_s: f64 = debts_at_settlement.iter().sum();
    let lenders_loss = if debt_s > 0.0 {
        let borne = shortfall.min(debt_s);
        fac.iter()
            .zip(&debts_at_settlement)
            .map(|(x, d)| (1.0 - x.share) * borne * d / debt_s)
            .sum()
    } else {
        0.0
    };
    let guarantee_call = shortfall - lenders_loss;
    let recovered = settle_on.max(0.0).min(lent);
    let state_loan_loss = lent - recovered;
    let settled = &mut ledger[(t_s - 1) as usize];
    settled.state_loan_repaid += recovered - repaid;
    settled.guarantee_call += guarantee_call;
    let cost_to_state = guarantee_call + state_loan_loss;

    // §11.4, §11.2 "Yearly rows": the ledger by report year, then after the horizon one row
    // `after` (flows from month T on; exposures at max(T, T_s), just before settlement) or one
    // row per calendar year (exposures at each year's end, 0 once settled).
    let run_off_years = spec.state.run_off_years;
    let rows = if run_off_years {
        years.max(ledger.len().div_ceil(12))
    } else {
        years + 1
    };
    yearly.resize(rows, [0.0; Yearly::COUNT]);
    for (m, e) in ledger.iter().enumerate() {
        let row = if (m as i64) < months || run_off_years {
            m / 12
        } else {
            years
        };
        let yr = &mut yearly[row];
        yr[Yearly::StateLoanInterest.index()] += e.state_loan_interest;
        yr[Yearly::GuaranteeFees.index()] += e.guarantee_fees;
        yr[Yearly::StateRecapitalisation.index()] += e.recapitalisation;
        yr[Yearly::StateLoanRepaid.index()] += e.state_loan_repaid;
        yr[Yearly::GuaranteeCall.index()] += e.guarantee_call;
        yr[Yearly::StateNetCash.index()] += e.net_cash();
        if m % 12 == 11 && (row < years || run_off_years) {
            yr[Yearly::GuaranteeExposure.index()] = e.exposure_end;
        }
    }
    if !run_off_years {
        yearly[years][Yearly::GuaranteeExposure.index()] = if t_s >= months {
            ledger[(t_s - 1) as usize].exposure_end
        } else {
            0.0
        };
    }

    // §10, §11.5: the state's account.
    let df = |t: usize| (1.0 + discount).powf(-((t + 1) as f64) / 12.0);
    let guarantee_fees: f64 = ledger.iter().map(|e| e.guarantee_fees).sum();
    let guarantee_fees_pv: f64 = ledger
        .iter()
        .enumerate()
        .map(|(m, e)| e.guarantee_fees * df(m))
        .sum();
    let state_loan_interest: f64 = ledger.iter().map(|e| e.state_loan_interest).sum();
    let subsidy_rate = (discount - f.state_loan_rate) / 12.0;
    let subsidy: f64 = ledger.iter().map(|e| subsidy_rate * e.lent).sum();
    let subsidy_pv: f64 = ledger
        .iter()
        .enumerate()
        .map(|(m, e)| subsidy_rate * e.lent * df(m))
        .sum();
    let cost_pv = cost_to_state * df((t_s - 1) as usize);
    let cash_cost_pv = f.state_loan
        - ledger
            .iter()
            .enumerate()
            .map(|(m, e)| e.net_cash() * df(m))
            .sum::<f64>();
    let state_cost_total = cost_to_state + subsidy - guarantee_fees;
    let net_cash_total: f64 = (0..yearly.len())
        .map(|r| yearly[r][Yearly::StateNetCash.index()])
        .sum();
    let cost_of_money: f64 = ledger.iter().map(|e| discount / 12.0 * e.lent).sum();
    let ledger_identity_error =
        (state_cost_total - (f.state_loan - net_cash_total + cost_of_money)).abs();
    let settlement_capital = settle_on;
    let run_off_closure_error = if wound_down_early {
        0.0
    } else {
        (settlement_capital
            - (capital_at_horizon + run_off_interest - run_off_costs - run_off_net_loss))
            .abs()
    };

    let net_loss = gross_loss - recoveries;
    let on_book = spec.initial_book.loans as f64 + granted;
    let lent_out = book_0 + volume;
    let oss_denominator = operating_costs + funding_costs + net_loss;
    let mut scalars = [None; Scalar::COUNT];
    let mut written = [false; Scalar::COUNT];
    let mut set = |m: Scalar, v: Option<f64>| {
        assert!(!written[m.index()], "{} set twice", m.name());
        written[m.index()] = true;
        scalars[m.index()] = v;
    };
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
        (lent_out > 0.0).then(|| net_loss / lent_out),
    );
    set(Scalar::Graduations, Some(graduations));
    set(Scalar::Prepayments, Some(prepayments));
    set(Scalar::FinalCapital, Some(capital_at_horizon));
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
        Some(if largest_room > 0.0 {
            peak_debt / largest_room
        } else {
            0.0
        }),
    );
    set(Scalar::GuaranteeCall, Some(guarantee_call));
    set(Scalar::StateLoanLoss, Some(state_loan_loss));
    set(Scalar::CostToState, Some(cost_to_state));
    set(
        Scalar::Oss,
        (oss_denominator > 0.0).then(|| (interest_income + fee_income) / oss_denominator),
    );
    set(Scalar::JobsSupported, Some(jobs));
    // No BMKB.
    for m in [
        Scalar::BmkbGuarantees,
        Scalar::BmkbPremiums,
        Scalar::BmkbClaims,
        Scalar::BmkbClaimsPending,
        Scalar::BmkbClaimsReceived,
        Scalar::BmkbNetCost,
        Scalar::BmkbExposureEnd,
        Scalar::BmkbNetCostPv,
        Scalar::RunOffClaimsReceived,
    ] {
        set(m, Some(0.0));
    }
    set(Scalar::StateLoanSubsidy, Some(subsidy));
    set(Scalar::StateCostTotal, Some(state_cost_total));
    set(Scalar::CostToStatePv, Some(cost_pv));
    set(Scalar::StateLoanSubsidyPv, Some(subsidy_pv));
    set(
        Scalar::StateCostTotalPv,
        Some(cost_pv + subsidy_pv - guarantee_fees_pv),
    );
    set(Scalar::GuaranteeFees, Some(guarantee_fees));
    set(Scalar::GuaranteeFeesPv, Some(guarantee_fees_pv));
    set(Scalar::LendersLoss, Some(lenders_loss));
    set(Scalar::SettlementMonth, Some(t_s as f64));
    set(Scalar::RunOffMonths, Some((t_s - months).max(0) as f64));
    set(Scalar::RunOffNetLoss, Some(run_off_net_loss));
    set(Scalar::RunOffInterest, Some(run_off_interest));
    set(Scalar::RunOffCosts, Some(run_off_costs));
    set(Scalar::SettlementCapital, Some(settlement_capital));
    set(Scalar::StateLoanRepaidRunOff, Some(repaid));
    set(Scalar::StateLoanRepaid, Some(lent - state_loan_loss));
    set(Scalar::StateLoanInterest, Some(state_loan_interest));
    set(
        Scalar::Resolved,
        Some(if resolution_month.is_some() { 1.0 } else { 0.0 }),
    );
    set(Scalar::ResolutionMonth, resolution_month.map(|m| m as f64));
    set(Scalar::StateRecapitalisation, Some(injected));
    set(Scalar::PeakGuaranteeExposure, Some(peak_exposure));
    set(Scalar::StateCashCostPv, Some(cash_cost_pv));
    assert!(
        written.iter().all(|&w| w),
        "the reference leaves a metric unset"
    );

    PathResult {
        scalars,
        yearly,
        capital_identity_error: identity_error,
        run_off_closure_error,
        ledger_identity_error,
    }
}
