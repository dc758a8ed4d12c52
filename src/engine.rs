//! One path of the lender's future, month by month (MODEL.md §3–§6).
//!
//! Each loan's fate is drawn once, when the loan is created: its default, follow-up-need and
//! prepayment months come from exponential draws against cumulative hazards (MODEL.md §4), so
//! no loan is visited month by month. A loan then only leaves marks in per-month arrays: the
//! months in which its principal pays interest only or an annuity, the month and amount of its
//! exit, its recovery, its follow-up request. The month loop reads those arrays per segment,
//! so a path costs O(loans + months × segments), not O(loans × months).
//!
//! Why the aggregates are exact: within a segment every paying loan pays `i·B(a)` interest, and
//! `i·P` (grace) or `A·P` (annuity) in all. The segment's interest is therefore `i` times its
//! book after the month's exits, and its payments are `i·ΣP(grace) + A·ΣP(annuity)`; both
//! sums are kept as difference arrays over months.
//!
//! Randomness: four streams per path, each seeded from (seed, path index, purpose) only — the
//! credit cycle, the initial book, new demand, and follow-up loans. Every request draws its
//! whole fate whether or not it is granted, so that scenarios that differ in one parameter keep
//! their draws aligned (common random numbers).

use rand::{Rng, RngExt, SeedableRng};
use rand_distr::{Distribution, Exp1, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::math::conditional_pd;
use crate::metrics::{Scalar, Yearly};
use crate::model::{Model, SegmentModel};

/// What one path produced.
#[derive(Debug, Clone, PartialEq)]
pub struct PathOutcome {
    /// Path index (its random streams depend on this and the seed alone).
    pub index: u64,
    /// Scalar metrics indexed by [`Scalar::index`]; `None` where undefined.
    pub scalars: [Option<f64>; Scalar::COUNT],
    /// Yearly metrics, year-major: `yearly[year * Yearly::COUNT + metric]`.
    pub yearly: Vec<f64>,
    /// Initial-book loans plus loans granted: the throughput unit.
    pub loans_simulated: u64,
}

impl PathOutcome {
    /// A scalar metric (`None` where undefined).
    pub fn scalar(&self, m: Scalar) -> Option<f64> {
        self.scalars[m.index()]
    }

    /// A yearly metric for report year `year` (0-based).
    pub fn yearly(&self, year: usize, m: Yearly) -> f64 {
        self.yearly[year * Yearly::COUNT + m.index()]
    }
}

/// One month's bookkeeping, recorded only when a trace is asked for (tests, debugging).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonthTrace {
    pub month: usize,
    /// `K_t` and `K_{t+1}`.
    pub capital_start: f64,
    pub capital_end: f64,
    pub interest: f64,
    pub origination_fees: f64,
    pub recoveries: f64,
    /// Costs of step 5: fixed, per active loan, external interest, guarantee fee, state loan.
    pub running_costs: f64,
    /// Per-new-loan and coaching costs of the loans granted this month.
    pub new_loan_costs: f64,
    pub write_offs: f64,
    /// Scheduled principal repaid (step 4), prepaid principal (step 3), disbursed (step 6).
    pub principal_repaid: f64,
    pub principal_prepaid: f64,
    pub disbursed: f64,
    pub cash_end: f64,
    pub book_end: f64,
    pub debt_end: f64,
    pub active_start: i64,
    pub active_end: i64,
    pub lending_open: bool,
    pub granted: u32,
    pub rationed: u32,
    pub defaults: u32,
}

/// Purposes of the per-path random streams.
const STREAM_CYCLE: u64 = 1;
const STREAM_BOOK: u64 = 2;
const STREAM_DEMAND: u64 = 3;
const STREAM_FOLLOWUP: u64 = 4;

/// SplitMix64's finaliser: a bijective 64-bit mix with full avalanche.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The generator of one purpose's stream of one path: depends on (seed, path, purpose) only.
pub fn stream(seed: u64, path: u64, purpose: u64) -> Xoshiro256PlusPlus {
    const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;
    let key = mix(
        mix(mix(seed.wrapping_add(GOLDEN)) ^ path.wrapping_mul(GOLDEN).wrapping_add(1)) ^ purpose,
    );
    Xoshiro256PlusPlus::seed_from_u64(key)
}

/// The random variables that decide one loan's fate, drawn whether or not it is granted.
#[derive(Debug, Clone, Copy)]
struct FateDraws {
    default_e: f64,
    followup_e: f64,
    prepay_e: f64,
    referral_u: f64,
    /// Seeds the recovery-rate draw, which is needed only if the loan defaults.
    recovery_key: u64,
}

impl FateDraws {
    fn draw<R: Rng>(rng: &mut R) -> FateDraws {
        FateDraws {
            default_e: Exp1.sample(rng),
            followup_e: Exp1.sample(rng),
            prepay_e: Exp1.sample(rng),
            referral_u: rng.random(),
            recovery_key: rng.next_u64(),
        }
    }
}

/// A follow-up request waiting for its month.
#[derive(Debug, Clone, Copy)]
struct Request {
    segment: u32,
    size: f64,
}

/// How a loan leaves the book before maturity.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Exit {
    Default,
    Graduation,
    Prepayment,
}

const NOT_COMPUTED: u32 = u32::MAX;
/// "Never" for an event month.
const NEVER: i64 = i64::MAX;

/// Per-thread scratch space for simulating paths; reused so that a path allocates almost
/// nothing. Results depend only on the model and the path index, never on what the workspace
/// simulated before.
pub struct Workspace<'m> {
    model: &'m Model,
    /// Stride of the per-segment month arrays (`T + 2`).
    stride: usize,
    /// Per segment and month: change in principal paying interest only / paying the annuity.
    d_grace: Vec<f64>,
    d_annuity: Vec<f64>,
    /// Per segment and month: change in loans live at the start of the month.
    d_active: Vec<i64>,
    /// Per segment and month: principal written off / prepaid (prepayments and graduations).
    write_off: Vec<f64>,
    prepaid: Vec<f64>,
    /// Per month: recoveries arriving, defaults, prepayments, graduations.
    recoveries: Vec<f64>,
    defaults: Vec<u32>,
    prepayments: Vec<u32>,
    graduations: Vec<u32>,
    /// Per month: follow-up requests, in the order their parents were created.
    followups: Vec<Vec<Request>>,
    /// Per (segment, follow-up flag, year): monthly default hazard at the path's cycle.
    hazard: Vec<f64>,
    /// Per (segment, flag, start month): where that start's cumulative hazards are in `arena`.
    table_at: Vec<(u32, u32)>,
    arena: Vec<f64>,
    /// Per segment: outstanding principal.
    book: Vec<f64>,
}

impl<'m> Workspace<'m> {
    /// Scratch space for simulating paths of `model`.
    pub fn new(model: &'m Model) -> Workspace<'m> {
        let t = model.months;
        let s = model.segments.len();
        let stride = t + 2;
        let starts = (t as i64 + 1 - model.earliest_start + 1) as usize;
        Workspace {
            model,
            stride,
            d_grace: vec![0.0; s * stride],
            d_annuity: vec![0.0; s * stride],
            d_active: vec![0; s * stride],
            write_off: vec![0.0; s * stride],
            prepaid: vec![0.0; s * stride],
            recoveries: vec![0.0; t],
            defaults: vec![0; t],
            prepayments: vec![0; t],
            graduations: vec![0; t],
            followups: vec![Vec::new(); t],
            hazard: vec![0.0; s * 2 * model.years],
            table_at: vec![(NOT_COMPUTED, 0); s * 2 * starts],
            arena: Vec::new(),
            book: vec![0.0; s],
        }
    }

    fn reset(&mut self) {
        self.d_grace.fill(0.0);
        self.d_annuity.fill(0.0);
        self.d_active.fill(0);
        self.write_off.fill(0.0);
        self.prepaid.fill(0.0);
        self.recoveries.fill(0.0);
        self.defaults.fill(0);
        self.prepayments.fill(0);
        self.graduations.fill(0);
        for f in &mut self.followups {
            f.clear();
        }
        self.table_at.fill((NOT_COMPUTED, 0));
        self.arena.clear();
        self.book.fill(0.0);
    }

    /// MODEL.md §3: the systemic factor per calendar year, and from it each segment's monthly
    /// default hazard per year for ordinary and follow-up loans.
    fn draw_cycle(&mut self, seed: u64, path: u64) {
        let model = self.model;
        let spec = model.scenario().spec();
        let cc = &spec.credit_cycle;
        let mut rng = stream(seed, path, STREAM_CYCLE);
        let phi = cc.persistence;
        let innovation = (1.0 - phi * phi).sqrt();
        let mut z: f64 = 0.0;
        let years = model.years;
        for y in 0..years {
            let eps: f64 = StandardNormal.sample(&mut rng);
            z = if y == 0 {
                eps
            } else {
                phi * z + innovation * eps
            };
            let x = z + cc.shifts.get(y).copied().unwrap_or(0.0);
            for (s, seg) in model.segments.iter().enumerate() {
                for flag in 0..2 {
                    let pd = conditional_pd(seg.annual_pd[flag], cc.asset_correlation, x);
                    self.hazard[(s * 2 + flag) * years + y] = crate::math::monthly_hazard(pd);
                }
            }
        }
    }

    /// Cumulative default hazards of a loan of segment `s`, flag `flag`, starting in month
    /// `start`, over its months at risk within the horizon: element `j` is the sum over months
    /// `max(start,0) ..= max(start,0)+j`. Computed the first time a path needs it.
    fn default_table(&mut self, s: usize, flag: usize, start: i64) -> (usize, usize) {
        let model = self.model;
        let starts = self.table_at.len() / (model.segments.len() * 2);
        let key = (s * 2 + flag) * starts + (start - model.earliest_start) as usize;
        let (at, len) = self.table_at[key];
        if at != NOT_COMPUTED {
            return (at as usize, len as usize);
        }
        let seg = &model.segments[s];
        let first = start.max(0);
        let last = (start + seg.term as i64 - 1).min(model.months as i64 - 1);
        let at = self.arena.len();
        let hazards = &self.hazard[(s * 2 + flag) * model.years..][..model.years];
        let seasons = &seg.seasoning;
        let mut cum = 0.0;
        for u in first..=last {
            let age = (u - start) as usize;
            let season = seasons[(age / 12).min(seasons.len() - 1)];
            cum += hazards[u as usize / 12] * season;
            self.arena.push(cum);
        }
        let len = self.arena.len() - at;
        self.table_at[key] = (at as u32, len as u32);
        (at, len)
    }

    /// Put a loan on the books: draw nothing, but decide its fate from `draws` and leave its
    /// marks in the month arrays. The caller adds its balance to `book`.
    fn place_loan(&mut self, s: usize, followup: bool, start: i64, size: f64, draws: &FateDraws) {
        let model = self.model;
        let seg: &SegmentModel = &model.segments[s];
        let horizon = model.months as i64;
        let first = start.max(0);
        let maturity = start + seg.term as i64 - 1;
        let last = maturity.min(horizon - 1);
        let row = s * self.stride;

        let (mut exit_month, mut exit) = (NEVER, None);
        if first <= last {
            // Default: the first month whose cumulative hazard reaches the draw.
            let (at, len) = self.default_table(s, followup as usize, start);
            let cum = &self.arena[at..at + len];
            // Most loans never default within the horizon: one comparison with the total
            // settles that before the bisection.
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
            // Within a month: default, then follow-up need, then prepayment.
            if followup_month < default_month && followup_month <= prepay_month {
                if draws.referral_u < model.scenario().spec().followup.referral_share {
                    (exit_month, exit) = (followup_month, Some(Exit::Graduation));
                } else {
                    let f = &model.scenario().spec().followup;
                    let new_size = (f.size_multiplier * size)
                        .max(seg.min_size)
                        .min(model.scenario().spec().origination.cap);
                    self.followups[followup_month as usize].push(Request {
                        segment: s as u32,
                        size: new_size,
                    });
                }
            }
            if exit.is_none() {
                if default_month != NEVER && default_month <= prepay_month {
                    (exit_month, exit) = (default_month, Some(Exit::Default));
                } else if prepay_month != NEVER {
                    (exit_month, exit) = (prepay_month, Some(Exit::Prepayment));
                }
            }
        }

        // Regular payments run from the first month at risk to the month before an early exit
        // (or to maturity / the horizon).
        let last_paying = if exit.is_some() { exit_month - 1 } else { last };
        add_interval(
            &mut self.d_grace[row..row + self.stride],
            first.max(start),
            last_paying.min(start + seg.grace as i64 - 1),
            size,
        );
        add_interval(
            &mut self.d_annuity[row..row + self.stride],
            first.max(start + seg.grace as i64),
            last_paying.min(maturity),
            size,
        );
        // Live at the start of each month from the first at risk up to the exit or maturity.
        let last_live = if exit.is_some() { exit_month } else { maturity };
        self.d_active[row + first as usize] += 1;
        let end = (last_live + 1).min(horizon + 1) as usize;
        self.d_active[row + end] -= 1;

        if let Some(kind) = exit {
            let e = exit_month as usize;
            let balance = size * seg.schedule.balance_factor((exit_month - start) as usize);
            match kind {
                Exit::Default => {
                    self.write_off[row + e] += balance;
                    self.defaults[e] += 1;
                    let arrival = e + seg.recovery_lag;
                    if arrival < model.months {
                        let rate = match &seg.recovery {
                            None => seg.recovery_mean,
                            Some(beta) => beta
                                .sample(&mut Xoshiro256PlusPlus::seed_from_u64(draws.recovery_key)),
                        };
                        self.recoveries[arrival] += balance * rate;
                    }
                }
                Exit::Graduation => {
                    self.prepaid[row + e] += balance;
                    self.graduations[e] += 1;
                }
                Exit::Prepayment => {
                    self.prepaid[row + e] += balance;
                    self.prepayments[e] += 1;
                }
            }
        }
    }

    /// Simulate path `index` and return its outcomes.
    pub fn simulate(&mut self, index: u64) -> PathOutcome {
        self.run(index, None)
    }

    /// Simulate path `index`, recording every month's bookkeeping.
    pub fn simulate_traced(&mut self, index: u64) -> (PathOutcome, Vec<MonthTrace>) {
        let mut trace = Vec::with_capacity(self.model.months);
        let out = self.run(index, Some(&mut trace));
        (out, trace)
    }

    fn run(&mut self, index: u64, mut trace: Option<&mut Vec<MonthTrace>>) -> PathOutcome {
        self.reset();
        let model = self.model;
        let spec = model.scenario().spec();
        let seed = spec.simulation.seed as u64;
        let f = &spec.funding;
        let costs = &spec.costs;
        let months = model.months;
        let nseg = model.segments.len();
        let stride = self.stride;
        self.draw_cycle(seed, index);

        // MODEL.md §4, §6: the initial book.
        let mut rng = stream(seed, index, STREAM_BOOK);
        let initial_loans = spec.initial_book.loans as u64;
        for _ in 0..initial_loans {
            let s = pick_segment(&model.share_cdf, rng.random());
            let size = draw_size(
                &model.segments[s],
                spec.origination.cap,
                StandardNormal.sample(&mut rng),
            );
            let ages = model.segments[s].initial_ages;
            let age = ((rng.random::<f64>() * ages as f64) as usize).min(ages - 1);
            let draws = FateDraws::draw(&mut rng);
            self.book[s] += size * model.segments[s].schedule.balance_factor(age);
            self.place_loan(s, false, -(age as i64), size, &draws);
        }
        let book_0: f64 = self.book.iter().sum();
        let capital_0 = f.state_loan + f.initial_reserves;
        let mut debt = f
            .guarantee_room
            .min((book_0 + f.min_cash - capital_0).max(0.0));
        let mut cash = capital_0 + debt - book_0;
        let mut capital = capital_0;
        let mut lending_open =
            lending_allowed(capital, book_0, initial_loans > 0, f.min_capital_ratio);

        let mut demand_rng = stream(seed, index, STREAM_DEMAND);
        let mut followup_rng = stream(seed, index, STREAM_FOLLOWUP);

        // Running per-segment state.
        let mut grace_principal = vec![0.0; nseg];
        let mut annuity_principal = vec![0.0; nseg];
        let mut active = vec![0i64; nseg];

        let mut acc = Totals {
            min_capital: capital_0,
            peak_debt: debt,
            depleted: capital_0 < 0.0,
            ..Totals::default()
        };
        let mut yearly = vec![0.0; model.years * Yearly::COUNT];
        let mut year = YearFlows::default();
        let new_loan_cost = costs.per_new_loan + costs.coaching_per_new_loan;

        for t in 0..months {
            let capital_start = capital;
            let mut active_start = 0;
            for (s, live) in active.iter_mut().enumerate() {
                *live += self.d_active[s * stride + t];
                active_start += *live;
            }
            if t % 12 == 0 {
                year = YearFlows {
                    active_at_start: active_start,
                    ..YearFlows::default()
                };
            }
            // 1. Recoveries.
            let recovered = self.recoveries[t];
            cash += recovered;
            // 2.–4. Defaults, prepayments and graduations, regular payments.
            let (mut written_off, mut prepaid, mut interest, mut repaid) = (0.0, 0.0, 0.0, 0.0);
            for (s, seg) in model.segments.iter().enumerate() {
                let at = s * stride + t;
                written_off += self.write_off[at];
                prepaid += self.prepaid[at];
                self.book[s] -= self.write_off[at] + self.prepaid[at];
                grace_principal[s] += self.d_grace[at];
                annuity_principal[s] += self.d_annuity[at];
                let seg_interest = seg.monthly_rate * self.book[s];
                let payment = seg.monthly_rate * grace_principal[s]
                    + seg.annuity_factor * annuity_principal[s];
                self.book[s] -= payment - seg_interest;
                interest += seg_interest;
                repaid += payment - seg_interest;
            }
            cash += prepaid + interest + repaid;
            // 5. Running costs.
            let operating = costs.fixed_per_year / 12.0
                + costs.per_active_loan_per_year / 12.0 * active_start as f64;
            let funding = debt * (f.external_rate + f.guarantee_fee) / 12.0
                + f.state_loan * f.state_loan_rate / 12.0;
            cash -= operating + funding;
            // 6. Origination.
            let mut month = MonthFlows::default();
            let requests = std::mem::take(&mut self.followups[t]);
            for req in &requests {
                let draws = FateDraws::draw(&mut followup_rng);
                let s = req.segment as usize;
                if lending_open
                    && self.try_grant(s, req.size, new_loan_cost, &mut cash, debt, &mut month)
                {
                    month.followups += 1;
                    self.place_loan(s, true, t as i64 + 1, req.size, &draws);
                } else {
                    month.rationed += 1;
                }
            }
            self.followups[t] = requests;
            if let Some(poisson) = &model.demand[t / 12] {
                let n = poisson.sample(&mut demand_rng) as u64;
                for _ in 0..n {
                    let s = pick_segment(&model.share_cdf, demand_rng.random());
                    let size = draw_size(
                        &model.segments[s],
                        spec.origination.cap,
                        StandardNormal.sample(&mut demand_rng),
                    );
                    let draws = FateDraws::draw(&mut demand_rng);
                    if lending_open
                        && self.try_grant(s, size, new_loan_cost, &mut cash, debt, &mut month)
                    {
                        self.place_loan(s, false, t as i64 + 1, size, &draws);
                    } else {
                        month.rationed += 1;
                    }
                }
            }
            // 7. Funding: keep at least min_cash if the room allows; repay above the target.
            if cash < f.min_cash {
                let need = f.min_cash - cash;
                let room = (f.guarantee_room - debt).max(0.0);
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
            let shortfall = cash < f.min_cash;
            // 8. Capital, and whether lending is open next month.
            let mut active_end = 0;
            for (s, live) in active.iter().enumerate() {
                let live_next = live + self.d_active[s * stride + t + 1];
                if live_next == 0 {
                    // No loan left: clear the rounding dust of the running sums.
                    self.book[s] = 0.0;
                }
                active_end += live_next;
            }
            let book: f64 = self.book.iter().sum();
            capital = cash + book - debt;

            let defaults_now = self.defaults[t];
            acc.add_month(
                &month,
                written_off,
                recovered,
                interest,
                operating,
                funding,
                new_loan_cost,
                lending_open,
                shortfall,
            );
            acc.defaults += defaults_now as u64;
            acc.prepayments += self.prepayments[t] as u64;
            acc.graduations += self.graduations[t] as u64;
            acc.min_capital = acc.min_capital.min(capital);
            acc.depleted |= capital < 0.0;
            acc.peak_debt = acc.peak_debt.max(debt);
            year.new_loans += month.granted as u64;
            year.new_volume += month.disbursed;
            year.defaults += defaults_now as u64;
            year.net_loss += written_off - recovered;
            year.graduations += self.graduations[t] as u64;
            year.rationed += month.rationed as u64;

            if let Some(trace) = trace.as_deref_mut() {
                trace.push(MonthTrace {
                    month: t,
                    capital_start,
                    capital_end: capital,
                    interest,
                    origination_fees: month.fees,
                    recoveries: recovered,
                    running_costs: operating + funding,
                    new_loan_costs: month.granted as f64 * new_loan_cost,
                    write_offs: written_off,
                    principal_repaid: repaid,
                    principal_prepaid: prepaid,
                    disbursed: month.disbursed,
                    cash_end: cash,
                    book_end: book,
                    debt_end: debt,
                    active_start,
                    active_end,
                    lending_open,
                    granted: month.granted,
                    rationed: month.rationed,
                    defaults: defaults_now,
                });
            }
            if t % 12 == 11 {
                let row = &mut yearly[(t / 12) * Yearly::COUNT..][..Yearly::COUNT];
                row[Yearly::Book.index()] = book;
                row[Yearly::ActiveLoans.index()] = active_end as f64;
                row[Yearly::Capital.index()] = capital;
                row[Yearly::ExternalDebt.index()] = debt;
                row[Yearly::Cash.index()] = cash;
                row[Yearly::CapitalRatio.index()] = if active_end > 0 && book > 0.0 {
                    capital / book
                } else {
                    0.0
                };
                row[Yearly::NewLoans.index()] = year.new_loans as f64;
                row[Yearly::NewVolume.index()] = year.new_volume;
                row[Yearly::Defaults.index()] = year.defaults as f64;
                row[Yearly::NetLoss.index()] = year.net_loss;
                row[Yearly::Graduations.index()] = year.graduations as f64;
                row[Yearly::Rationed.index()] = year.rationed as f64;
                row[Yearly::DefaultRate.index()] = if year.active_at_start > 0 {
                    year.defaults as f64 / year.active_at_start as f64
                } else {
                    0.0
                };
            }
            lending_open = lending_allowed(capital, book, active_end > 0, f.min_capital_ratio);
        }

        let scalars = acc.scalars(spec, initial_loans, book_0, capital);
        PathOutcome {
            index,
            scalars,
            yearly,
            loans_simulated: initial_loans + acc.granted,
        }
    }

    /// MODEL.md §5 step 6: grant iff cash after the loan, with debt drawn up to the room, stays
    /// at or above `min_cash`. On success, books the disbursement, fee and costs.
    fn try_grant(
        &mut self,
        s: usize,
        size: f64,
        new_loan_cost: f64,
        cash: &mut f64,
        debt: f64,
        month: &mut MonthFlows,
    ) -> bool {
        let f = &self.model.scenario().spec().funding;
        let fee = self.model.segments[s].origination_fee * size;
        let after = *cash - size + fee - new_loan_cost;
        if after + (f.guarantee_room - debt).max(0.0) < f.min_cash {
            return false;
        }
        *cash = after;
        self.book[s] += size;
        month.granted += 1;
        month.disbursed += size;
        month.fees += fee;
        month.jobs += self.model.segments[s].jobs_per_loan;
        true
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

/// Add `amount` to the months `lo ..= hi` of a difference array (nothing if empty).
#[inline]
fn add_interval(diff: &mut [f64], lo: i64, hi: i64, amount: f64) {
    if lo <= hi {
        diff[lo as usize] += amount;
        diff[hi as usize + 1] -= amount;
    }
}

/// Segment index for a uniform draw `u` in [0, 1).
#[inline]
fn pick_segment(cdf: &[f64], u: f64) -> usize {
    if cdf.len() == 1 {
        return 0;
    }
    cdf.iter().position(|&c| u < c).unwrap_or(cdf.len() - 1)
}

/// MODEL.md §4: log-normal size with the segment's mean and CV, clamped to [min_size, cap].
#[inline]
fn draw_size(seg: &SegmentModel, cap: f64, z: f64) -> f64 {
    let raw = if seg.size_sigma == 0.0 {
        seg.mean_size
    } else {
        (seg.size_mu + seg.size_sigma * z).exp()
    };
    raw.max(seg.min_size).min(cap)
}

/// MODEL.md §5 step 8.
fn lending_allowed(capital: f64, book: f64, has_loans: bool, min_ratio: f64) -> bool {
    capital >= 0.0 && (!has_loans || book <= 0.0 || capital / book >= min_ratio)
}

#[derive(Debug, Default)]
struct MonthFlows {
    granted: u32,
    followups: u32,
    rationed: u32,
    disbursed: f64,
    fees: f64,
    jobs: f64,
}

#[derive(Debug, Default)]
struct YearFlows {
    active_at_start: i64,
    new_loans: u64,
    new_volume: f64,
    defaults: u64,
    net_loss: f64,
    graduations: u64,
    rationed: u64,
}

/// Sums over the horizon.
#[derive(Debug, Default)]
struct Totals {
    granted: u64,
    followups: u64,
    rationed: u64,
    volume: f64,
    defaults: u64,
    gross_loss: f64,
    recoveries: f64,
    graduations: u64,
    prepayments: u64,
    interest: f64,
    fees: f64,
    operating_costs: f64,
    funding_costs: f64,
    jobs: f64,
    min_capital: f64,
    depleted: bool,
    months_closed: u64,
    months_short: u64,
    peak_debt: f64,
}

impl Totals {
    #[allow(clippy::too_many_arguments)]
    fn add_month(
        &mut self,
        m: &MonthFlows,
        written_off: f64,
        recovered: f64,
        interest: f64,
        operating: f64,
        funding: f64,
        new_loan_cost: f64,
        open: bool,
        short: bool,
    ) {
        self.granted += m.granted as u64;
        self.followups += m.followups as u64;
        self.rationed += m.rationed as u64;
        self.volume += m.disbursed;
        self.fees += m.fees;
        self.jobs += m.jobs;
        self.gross_loss += written_off;
        self.recoveries += recovered;
        self.interest += interest;
        self.operating_costs += operating + m.granted as f64 * new_loan_cost;
        self.funding_costs += funding;
        self.months_closed += (!open) as u64;
        self.months_short += short as u64;
    }

    fn scalars(
        &self,
        spec: &crate::scenario::ScenarioSpec,
        initial_loans: u64,
        book_0: f64,
        final_capital: f64,
    ) -> [Option<f64>; Scalar::COUNT] {
        let f = &spec.funding;
        let net_loss = self.gross_loss - self.recoveries;
        let ratio = |num: f64, den: f64| (den > 0.0).then(|| num / den);
        let guarantee_call = (-final_capital).max(0.0);
        let state_loan_loss = f.state_loan - final_capital.clamp(0.0, f.state_loan);
        let mut v = [None; Scalar::COUNT];
        let mut set = |m: Scalar, x: Option<f64>| v[m.index()] = x;
        set(Scalar::LoansGranted, Some(self.granted as f64));
        set(Scalar::FollowupLoans, Some(self.followups as f64));
        set(
            Scalar::EntrepreneursFinanced,
            Some((self.granted - self.followups) as f64),
        );
        set(Scalar::VolumeGranted, Some(self.volume));
        set(
            Scalar::MeanLoanSize,
            ratio(self.volume, self.granted as f64),
        );
        set(Scalar::LoansRationed, Some(self.rationed as f64));
        set(Scalar::Defaults, Some(self.defaults as f64));
        set(
            Scalar::DefaultRate,
            ratio(self.defaults as f64, (initial_loans + self.granted) as f64),
        );
        set(Scalar::GrossLoss, Some(self.gross_loss));
        set(Scalar::Recoveries, Some(self.recoveries));
        set(Scalar::NetLoss, Some(net_loss));
        set(Scalar::LossRate, ratio(net_loss, book_0 + self.volume));
        set(Scalar::Graduations, Some(self.graduations as f64));
        set(Scalar::Prepayments, Some(self.prepayments as f64));
        set(Scalar::FinalCapital, Some(final_capital));
        set(Scalar::MinCapital, Some(self.min_capital));
        set(Scalar::CapitalDepleted, Some(self.depleted as u8 as f64));
        set(Scalar::MonthsLendingClosed, Some(self.months_closed as f64));
        set(
            Scalar::MonthsLiquidityShortfall,
            Some(self.months_short as f64),
        );
        set(Scalar::PeakExternalDebt, Some(self.peak_debt));
        set(
            Scalar::PeakGuaranteeUse,
            Some(if f.guarantee_room > 0.0 {
                self.peak_debt / f.guarantee_room
            } else {
                0.0
            }),
        );
        set(Scalar::GuaranteeCall, Some(guarantee_call));
        set(Scalar::StateLoanLoss, Some(state_loan_loss));
        set(Scalar::CostToState, Some(guarantee_call + state_loan_loss));
        set(
            Scalar::Oss,
            ratio(
                self.interest + self.fees,
                self.operating_costs + self.funding_costs + net_loss,
            ),
        );
        set(Scalar::JobsSupported, Some(self.jobs));
        v
    }
}

/// Simulate one path with a fresh workspace (convenient, slower than reusing a [`Workspace`]).
pub fn simulate_path(model: &Model, index: u64) -> PathOutcome {
    Workspace::new(model).simulate(index)
}
