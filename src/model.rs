//! Everything the engine needs that depends on the scenario alone, computed once per run:
//! per-segment schedules, hazards, size and recovery distributions, demand per year, the credit
//! cycle's constants, the follow-up rule, the lender's funding facilities and cost terms, the
//! BMKB guarantee and the state's discounting (docs/model.md §10), and the state's settlement
//! with the lender, its resolution and how far the state's account runs (docs/model.md §11).
//!
//! The engine then does per path only what depends on the path's random draws, and reads the
//! scenario only through this type: a quantity derived here (a monthly rate, a cost per month)
//! is derived once, with the same floating-point operations the engine would have done, so
//! that moving it here changes no result by a bit.

use rand::{Rng, SeedableRng};
use rand_distr::{Beta, Distribution, Poisson};
use rand_xoshiro::SplitMix64;

use crate::math::monthly_hazard;
use crate::results::Shape;
use crate::rqmc::CycleNets;
use crate::sampling::GammaShape;
use crate::scenario::{ResolutionRule, Sampling, Scenario, ScenarioSpec, Settlement};
use crate::schedule::Schedule;

/// One segment, ready for simulation.
#[derive(Debug, Clone)]
pub struct SegmentModel {
    pub schedule: Schedule,
    pub term: usize,
    pub grace: usize,
    /// Monthly interest rate.
    pub monthly_rate: f64,
    /// Monthly payment per euro in the annuity phase.
    pub annuity_factor: f64,
    /// Through-the-cycle annual PD: `[ordinary, follow-up]` (the latter times `pd_multiplier`).
    pub annual_pd: [f64; 2],
    /// Default-hazard multipliers by loan year; the last holds for older loans.
    pub seasoning: Vec<f64>,
    /// Monthly hazard of a follow-up need, and the age from which it applies.
    pub followup_hazard: f64,
    pub followup_min_age: usize,
    /// Monthly hazard of other prepayment.
    pub prepay_hazard: f64,
    /// Log-normal size: `exp(mu + sigma z)`; `sigma = 0` means exactly `mean_size`.
    pub size_mu: f64,
    pub size_sigma: f64,
    pub mean_size: f64,
    pub min_size: f64,
    pub origination_fee: f64,
    pub recovery_mean: f64,
    /// `None` when `recovery_sd = 0`: every recovery is exactly the mean.
    pub recovery: Option<RecoveryRate>,
    pub recovery_lag: usize,
    pub jobs_per_loan: f64,
    /// Initial-book ages are drawn from `0 .. initial_ages`.
    pub initial_ages: usize,
}

impl SegmentModel {
    /// The recovery rate of a default whose draw is `seed` (docs/model.md §5 step 2). A
    /// generator of its own, so that the rejection sampler's variable number of draws moves no
    /// other loan's; SplitMix64 takes the seed as its state, with no seeding cost. The same
    /// seed gives the same rate wherever it is asked for: the lender's recovery and the BMKB
    /// claim of one default share it.
    #[inline]
    pub fn recovery_rate(&self, seed: u64) -> f64 {
        match &self.recovery {
            None => self.recovery_mean,
            Some(beta) => beta.sample(&mut SplitMix64::seed_from_u64(seed)),
        }
    }
}

/// The Beta(a, b) distribution of a recovery rate (docs/model.md §5 step 2).
///
/// With both shapes at least 1 (the usual case: a spread well below the largest possible) it
/// is drawn as `X / (X + Y)`, `X ~ Gamma(a)`, `Y ~ Gamma(b)` independent, which is exactly
/// Beta(a, b): Marsaglia and Tsang's gamma sampler ([`GammaShape`]) needs a logarithm in only
/// a few percent of draws, so this costs a fraction of Cheng's Beta sampler, which takes a
/// logarithm and an exponential every time. Otherwise Cheng's sampler (rand_distr's `Beta`).
#[derive(Debug, Clone, Copy)]
pub enum RecoveryRate {
    Gammas(GammaShape, GammaShape),
    Cheng(Beta<f64>),
}

impl RecoveryRate {
    fn new(a: f64, b: f64) -> Option<RecoveryRate> {
        if a >= 1.0 && b >= 1.0 {
            Some(RecoveryRate::Gammas(
                GammaShape::new(a)?,
                GammaShape::new(b)?,
            ))
        } else {
            Beta::new(a, b).ok().map(RecoveryRate::Cheng)
        }
    }
}

impl Distribution<f64> for RecoveryRate {
    #[inline(always)]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            // Shapes of at least 1: both draws are positive, so the sum is.
            RecoveryRate::Gammas(a, b) => {
                let x = a.sample(rng);
                x / (x + b.sample(rng))
            }
            RecoveryRate::Cheng(beta) => beta.sample(rng),
        }
    }
}

/// The systemic credit cycle (docs/model.md §3): a yearly AR(1) factor moving every default hazard.
#[derive(Debug, Clone)]
pub struct CycleModel {
    /// Year-to-year persistence `phi` of the factor.
    pub persistence: f64,
    /// Weight of each year's innovation, `sqrt(1 - phi²)`, so that the factor stays standard.
    pub innovation: f64,
    /// Vasicek asset correlation `rho`.
    pub asset_correlation: f64,
    /// Deterministic shift of the factor per year of the horizon (0 where the scenario lists none).
    pub shifts: Vec<f64>,
    /// With `simulation.sampling = "rqmc"`, the scrambled Sobol' points the paths' yearly
    /// innovations come from (`crate::rqmc`); `None` draws them from each path's stream.
    pub nets: Option<CycleNets>,
    /// With `simulation.sampling = "tail"`, the density the innovations are drawn from
    /// (`crate::tail::proposal`), every path weighted by its likelihood ratio. `None` draws
    /// them from `N(0, 1)`, unweighted.
    pub tail: Option<std::sync::Arc<crate::tail::proposal::Proposal>>,
}

/// What becomes of a loan whose borrower needs more money (docs/model.md §4).
#[derive(Debug, Clone, Copy)]
pub struct FollowupModel {
    /// Share of needs referred to a bank: the loan is repaid early (a graduation).
    pub referral_share: f64,
    /// A follow-up request is this multiple of the parent loan's size, then clamped like any
    /// loan to the segment's minimum and the origination cap.
    pub size_multiplier: f64,
}

/// The lender's balance-sheet terms (docs/model.md §5, §11): funding, the lending rule, running
/// costs. Amounts in euros; `_per_month` figures are the scenario's yearly ones divided by 12.
#[derive(Debug, Clone)]
pub struct LenderModel {
    /// Capital at the start: the state loan plus initial reserves.
    pub initial_capital: f64,
    /// The state loan, part of capital: lost as far as the capital at settlement falls short
    /// of it.
    pub state_loan: f64,
    /// Annual interest on the state loan (and on any injection, which joins it).
    pub state_loan_rate: f64,
    /// The funding facilities, in the order debt is drawn (docs/model.md §11.1); adjacent
    /// facilities of equal terms pooled into one.
    pub facilities: Vec<FacilityModel>,
    /// Cash floor kept by drawing debt, and level above which debt is repaid.
    pub min_cash: f64,
    pub cash_target: f64,
    /// Lending closes when capital over book falls below this.
    pub min_capital_ratio: f64,
    pub fixed_costs_per_month: f64,
    /// The fixed costs of a month in run-off: `fixed_costs_per_month × run_off_fixed_share`.
    pub run_off_fixed_costs_per_month: f64,
    pub cost_per_active_loan_per_month: f64,
    /// Handling plus coaching cost of each loan granted.
    pub cost_per_new_loan: f64,
    /// What becomes of the lender when its capital is gone (docs/model.md §11.3).
    pub resolution: ResolutionModel,
}

impl LenderModel {
    /// `Σ_f limit_f` in report year `year` (0-based; the last year's limits hold after).
    pub fn room_in(&self, year: usize) -> f64 {
        self.facilities.iter().map(|f| f.limit(year)).sum()
    }
}

/// One funding facility (docs/model.md §11.1): a loan the lender draws up to a limit, of which
/// the state guarantees a share.
#[derive(Debug, Clone, PartialEq)]
pub struct FacilityModel {
    /// The facility's name (names joined with `+` where alike facilities were pooled).
    pub name: String,
    /// The limit in each report year of the horizon and the run-off; the last holds after.
    limits: Vec<f64>,
    /// Per report year: whether the limit has fallen below an earlier year's, so that debt
    /// above it is an excess to repay first (docs/model.md §11.1).
    fallen: Vec<bool>,
    pub guaranteed_share: f64,
    /// Annual interest on the drawn amount.
    pub rate: f64,
    /// Annual fee on the guaranteed part of the drawn amount, the state's income.
    pub guarantee_fee: f64,
}

impl FacilityModel {
    /// A facility of constant `limit`.
    pub fn constant(name: &str, limit: f64, guaranteed_share: f64, rate: f64, fee: f64) -> Self {
        FacilityModel::new(name, vec![limit], guaranteed_share, rate, fee)
    }

    /// A facility whose limit in report year `y` is `limits[y]` (the last for later years).
    pub fn new(name: &str, limits: Vec<f64>, guaranteed_share: f64, rate: f64, fee: f64) -> Self {
        assert!(!limits.is_empty(), "a facility has a limit");
        let mut highest = f64::NEG_INFINITY;
        let fallen = limits
            .iter()
            .map(|&l| {
                let fell = l < highest;
                highest = highest.max(l);
                fell
            })
            .collect();
        FacilityModel {
            name: name.to_string(),
            limits,
            fallen,
            guaranteed_share,
            rate,
            guarantee_fee: fee,
        }
    }

    /// The limit in report year `year` (0-based).
    #[inline]
    pub fn limit(&self, year: usize) -> f64 {
        self.limits[year.min(self.limits.len() - 1)]
    }

    /// Whether the limit of report year `year` has fallen below an earlier year's.
    #[inline]
    pub fn fallen(&self, year: usize) -> bool {
        self.fallen[year.min(self.fallen.len() - 1)]
    }

    /// Whether the limit is the same in every year.
    pub fn is_constant(&self) -> bool {
        self.limits.iter().all(|&l| l == self.limits[0])
    }

    /// Whether `other` has the same terms (share, rate, fee): two such facilities are one.
    fn alike(&self, other: &FacilityModel) -> bool {
        self.guaranteed_share == other.guaranteed_share
            && self.rate == other.rate
            && self.guarantee_fee == other.guarantee_fee
    }
}

/// `[resolution]` (docs/model.md §11.3), with the rule's words as a type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResolutionModel {
    pub rule: crate::scenario::ResolutionRule,
    pub trigger_ratio: f64,
    pub trigger_months: u32,
    pub target_ratio: f64,
    pub max_injection: f64,
}

/// How the BMKB guarantees one kind of credit (a lender's segment, or the bank loans of its
/// graduates): docs/model.md §10.
#[derive(Debug, Clone, Copy)]
pub struct GuaranteeTerms {
    /// Ages `0 .. covered_months` are covered: `min(term, guarantee_months)`.
    pub covered_months: usize,
    /// One-off premium per euro of BSK, from the premium table by the covered term in quarters.
    pub premium_rate: f64,
}

/// The BMKB (docs/model.md §10): the state's guarantee on graduates' bank loans (channel a) and
/// on the lender's own loans (channel b).
#[derive(Debug, Clone)]
pub struct BmkbModel {
    pub enabled: bool,
    /// Probability that a graduate's bank loan is BMKB-backed.
    pub graduate_share: f64,
    /// Per lender segment: probability that one of its own loans is BMKB-backed.
    pub own_share: Vec<f64>,
    /// Per lender segment: the bank loans its graduates take — default only, level annuity over
    /// `bank_term_months` at the segment's rate, PD times `graduate_pd_multiplier` (both flags),
    /// the segment's seasoning and recovery.
    pub bank_segments: Vec<SegmentModel>,
    /// Per lender segment: the guarantee on its own loans, and on its graduates' bank loans.
    pub own_terms: Vec<GuaranteeTerms>,
    pub bank_terms: Vec<GuaranteeTerms>,
    pub bsk_share: f64,
    pub max_bsk: f64,
    pub coverage: f64,
    pub claim_lag: usize,
}

impl BmkbModel {
    /// The BSK of a credit of `size` euros: `min(bsk_share × size, max_bsk)`.
    #[inline]
    pub fn bsk(&self, size: f64) -> f64 {
        (self.bsk_share * size).min(self.max_bsk)
    }
}

/// The rate of the first premium-table row whose quarters reach `ceil(months / 3)`
/// (validation guarantees one does).
fn premium_rate(table: &[[f64; 2]], months: usize) -> f64 {
    let quarters = months.div_ceil(3) as f64;
    table
        .iter()
        .find(|row| row[0] >= quarters)
        .map_or(table[table.len() - 1][1], |row| row[1])
}

/// The state's side of the account (docs/model.md §10, §11): discounting, the interest it
/// forgoes on the state loan, and when it settles with the lender.
#[derive(Debug, Clone)]
pub struct StateModel {
    /// `DF(t) = (1 + discount_rate)^(-(t+1)/12)` for every month of the state's account
    /// (`t = 0 .. Model::span`): far enough for every claim and settlement.
    pub discount: Vec<f64>,
    /// `(discount_rate − state_loan_rate) / 12`: the subsidy per euro of the state loan and a
    /// month.
    pub subsidy_per_month: f64,
    /// When the state settles: at the horizon at par, or after the book's run-off.
    pub settlement: Settlement,
}

/// A validated scenario turned into the tables the engine reads.
#[derive(Debug, Clone)]
pub struct Model {
    scenario: Scenario,
    pub months: usize,
    pub years: usize,
    /// The yearly rows of every path: the horizon's years and the ledger's rows after them.
    pub shape: Shape,
    /// The run's seed: with the path index, it alone decides a path's random streams.
    pub seed: u64,
    /// Loans in the book at month 0.
    pub initial_loans: u64,
    /// Largest loan granted, euros (the origination cap): sizes are clamped to it.
    pub size_cap: f64,
    pub cycle: CycleModel,
    pub followup: FollowupModel,
    pub lender: LenderModel,
    pub segments: Vec<SegmentModel>,
    /// Cumulative normalised shares, for drawing a segment with one uniform.
    pub share_cdf: Vec<f64>,
    /// New-demand distribution per calendar year (`None` when the rate is 0).
    pub demand: Vec<Option<Poisson<f64>>>,
    /// Earliest start month of any loan (an initial-book loan of the greatest age).
    pub earliest_start: i64,
    pub bmkb: BmkbModel,
    pub state: StateModel,
    /// Whether the lender may run its book off after the horizon or wind down within it
    /// (`state.settlement = "run_off"`, or a resolution rule): the engine then keeps each loan
    /// that may outlive the horizon and its recoveries after it (docs/model.md §11.2).
    pub may_run_off: bool,
    /// Months of the path's arrays, from month 0: the horizon's `months`, and where the
    /// lender may run off, the longest run-off and the BMKB's credits after it (every loan
    /// matured, every recovery and claim paid); where it may not, the BMKB's claims pending at
    /// the horizon.
    pub span: usize,
}

impl Model {
    /// Precompute the tables for `scenario`.
    pub fn new(scenario: &Scenario) -> Model {
        let spec = scenario.spec();
        let years = spec.simulation.horizon_years as usize;
        let months = 12 * years;
        let may_run_off = runs_off(spec);
        let span = span(spec);
        let share_sum: f64 = spec.segments.iter().map(|s| s.share).sum();
        let mut acc = 0.0;
        let mut share_cdf: Vec<f64> = spec
            .segments
            .iter()
            .map(|s| {
                acc += s.share / share_sum;
                acc
            })
            .collect();
        // Guard against rounding: the last segment with a positive share closes at 1.
        if let Some(last) = spec.segments.iter().rposition(|s| s.share > 0.0) {
            for c in &mut share_cdf[last..] {
                *c = 1.0;
            }
        }
        let segments: Vec<SegmentModel> = spec
            .segments
            .iter()
            .map(|s| {
                let term = s.term_months as usize;
                let grace = s.grace_months as usize;
                let schedule = Schedule::new(term, grace, s.interest_rate);
                let sigma2 = (1.0 + s.size_cv * s.size_cv).ln();
                // Beta with the scenario's mean and sd: alpha + beta = m(1-m)/sd^2 - 1. For a
                // vanishing sd the parameters overflow and the sampler returns NaN, so a spread
                // below 1e-6 of the largest possible is taken as none: exactly the mean.
                let m = s.recovery_mean;
                let kappa = m * (1.0 - m) / (s.recovery_sd * s.recovery_sd) - 1.0;
                let recovery = (s.recovery_sd > 0.0 && kappa.is_finite() && kappa < 1e12)
                    .then(|| RecoveryRate::new(m * kappa, (1.0 - m) * kappa))
                    .flatten();
                SegmentModel {
                    term,
                    grace,
                    monthly_rate: schedule.monthly_rate(),
                    annuity_factor: schedule.annuity_factor(),
                    schedule,
                    annual_pd: [s.annual_pd, s.annual_pd * spec.followup.pd_multiplier],
                    seasoning: s.seasoning.clone(),
                    followup_hazard: monthly_hazard(s.followup_rate),
                    // Beyond the term the need can never arise; clamping keeps month arithmetic
                    // far from overflow for absurd but valid ages.
                    followup_min_age: s.followup_min_age_months.min(s.term_months) as usize,
                    prepay_hazard: monthly_hazard(s.prepay_rate),
                    size_mu: s.mean_size.ln() - sigma2 / 2.0,
                    size_sigma: sigma2.sqrt(),
                    mean_size: s.mean_size,
                    min_size: s.min_size,
                    origination_fee: s.origination_fee,
                    recovery_mean: s.recovery_mean,
                    recovery,
                    // A recovery after the horizon is counted only where the lender may run off
                    // (and then it falls within the arrays' span); capped, it stays beyond.
                    recovery_lag: s.recovery_lag_months.min(months.max(span) as i64 + 1) as usize,
                    jobs_per_loan: s.jobs_per_loan,
                    initial_ages: (spec.initial_book.max_age_months.min(s.term_months)) as usize,
                }
            })
            .collect();
        let o = &spec.origination;
        let demand = (0..years)
            .map(|y| {
                let lambda = o.loans_per_year * (1.0 + o.growth_per_year).powi(y as i32) / 12.0;
                (lambda > 0.0).then(|| Poisson::new(lambda).expect("a finite positive rate"))
            })
            .collect();
        let earliest_start =
            -(segments.iter().map(|s| s.initial_ages).max().unwrap_or(1) as i64 - 1);
        let cc = &spec.credit_cycle;
        let mut shifts = cc.shifts.clone();
        // The cycle of every year the path's arrays reach: the run-off's years too, where the
        // shift list applies as far as it goes (docs/model.md §11.2).
        let cycle_years = if may_run_off {
            span.div_ceil(12)
        } else {
            years
        };
        shifts.resize(cycle_years, 0.0);
        let f = &spec.funding;
        let costs = &spec.costs;
        let bmkb = bmkb_model(spec, &segments, months.max(span));
        let state = state_model(spec, span);
        let r = &spec.resolution;
        Model {
            scenario: scenario.clone(),
            months,
            years,
            shape: shape(spec),
            seed: spec.simulation.seed as u64,
            initial_loans: spec.initial_book.loans as u64,
            size_cap: o.cap,
            cycle: CycleModel {
                persistence: cc.persistence,
                innovation: (1.0 - cc.persistence * cc.persistence).sqrt(),
                asset_correlation: cc.asset_correlation,
                nets: (spec.simulation.sampling == Sampling::Rqmc).then(|| {
                    CycleNets::new(
                        spec.simulation.seed as u64,
                        spec.simulation.rqmc_randomisations as u64,
                        shifts.len(),
                    )
                }),
                shifts,
                tail: None,
            },
            followup: FollowupModel {
                referral_share: spec.followup.referral_share,
                size_multiplier: spec.followup.size_multiplier,
            },
            lender: LenderModel {
                initial_capital: f.state_loan + f.initial_reserves,
                state_loan: f.state_loan,
                state_loan_rate: f.state_loan_rate,
                facilities: facilities(spec, span.div_ceil(12)),
                min_cash: f.min_cash,
                cash_target: f.cash_target,
                min_capital_ratio: f.min_capital_ratio,
                fixed_costs_per_month: costs.fixed_per_year / 12.0,
                run_off_fixed_costs_per_month: costs.fixed_per_year / 12.0
                    * spec.state.run_off_fixed_share,
                cost_per_active_loan_per_month: costs.per_active_loan_per_year / 12.0,
                cost_per_new_loan: costs.per_new_loan + costs.coaching_per_new_loan,
                resolution: ResolutionModel {
                    rule: r.rule,
                    trigger_ratio: r.trigger_ratio,
                    trigger_months: r.trigger_months as u32,
                    target_ratio: r.target_ratio,
                    max_injection: r.max_injection,
                },
            },
            segments,
            share_cdf,
            demand,
            earliest_start,
            bmkb,
            state,
            may_run_off,
            span,
        }
    }

    /// The scenario this model was built from.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
}

/// The yearly rows of every path of `spec` (docs/model.md §11.4), known before simulating: the
/// horizon's years and one row `after` for everything after the horizon, or with
/// `state.run_off_years` one row per calendar year the state's account may reach after it.
pub fn shape(spec: &ScenarioSpec) -> Shape {
    let years = spec.simulation.horizon_years as usize;
    let after = if spec.state.run_off_years {
        (span(spec) - 12 * years).div_ceil(12).max(1)
    } else {
        1
    };
    Shape {
        years,
        rows: years + after,
        run_off_years: spec.state.run_off_years,
        segments: spec.segments.len(),
    }
}

/// Whether the lender of `spec` may run its book off (docs/model.md §11.2, §11.3).
fn runs_off(spec: &ScenarioSpec) -> bool {
    spec.state.settlement == Settlement::RunOff || spec.resolution.rule != ResolutionRule::None
}

/// The largest of `months` over the scenario's segments (a term, a lag), 1 when there are
/// none.
pub fn longest(spec: &ScenarioSpec, months: impl Fn(&crate::scenario::Segment) -> i64) -> i64 {
    spec.segments.iter().map(months).max().unwrap_or(1)
}

/// The keys (as docs/scenarios.md lists them) on which [`span`], and so the yearly rows after
/// the horizon under `state.run_off_years`, depend: besides the horizon, the choices of
/// settlement and resolution and whether the BMKB is simulated, which no parameter can draw.
/// Every path of a run must have the same rows, so none of these may be drawn per path then.
pub const RUN_OFF_ROW_KEYS: [&str; 4] = [
    "segment.term_months",
    "segment.recovery_lag_months",
    "bmkb.claim_lag_months",
    "bmkb.bank_term_months",
];

/// [`Model::span`] of `spec`: the months the state's account of a path may reach.
fn span(spec: &ScenarioSpec) -> usize {
    let months = 12 * spec.simulation.horizon_years as usize;
    let b = &spec.bmkb;
    let claim_lag = if b.enabled {
        b.claim_lag_months as usize
    } else {
        0
    };
    if !runs_off(spec) {
        // Claims pending at the horizon fall due up to a claim lag after its last month.
        return months + claim_lag;
    }
    let longest_term = longest(spec, |s| s.term_months) as usize;
    let longest_lag = longest(spec, |s| s.recovery_lag_months) as usize;
    // A loan granted in the horizon's last month matures `longest_term` months later; its
    // default's recovery and claim follow; a graduate's bank loan may start as late as that
    // and run its own term, and its claim follow.
    let lender = longest_term + longest_lag.max(claim_lag);
    let bank = if b.enabled {
        longest_term + b.bank_term_months as usize + claim_lag
    } else {
        0
    };
    months + lender.max(bank) + 2
}

/// docs/model.md §11.1: the facilities of `spec`, with their limits for `years` report years
/// (horizon and run-off); without `[[funding.facility]]` the one facility of the older keys,
/// guaranteed in full. Adjacent facilities of equal terms and constant limits are pooled into
/// one, so that they draw, pay and settle as one facility of their summed limit does, to the
/// last bit.
fn facilities(spec: &ScenarioSpec, years: usize) -> Vec<FacilityModel> {
    let f = &spec.funding;
    let Some(list) = &f.facility else {
        return vec![FacilityModel::constant(
            "guarantee_room",
            f.guarantee_room
                .unwrap_or(crate::scenario::DEFAULT_GUARANTEE_ROOM),
            1.0,
            f.external_rate
                .unwrap_or(crate::scenario::DEFAULT_FACILITY_RATE),
            f.guarantee_fee.unwrap_or(0.0),
        )];
    };
    let mut out: Vec<FacilityModel> = Vec::new();
    for facility in list {
        let model = FacilityModel::new(
            &facility.name,
            (0..years.max(1)).map(|y| facility.limit_in(y)).collect(),
            facility.share(),
            facility.rate,
            facility.guarantee_fee,
        );
        match out.last_mut() {
            Some(last) if last.alike(&model) && last.is_constant() && model.is_constant() => {
                let limit = last.limits[0] + model.limits[0];
                last.limits.fill(limit);
                last.name = format!("{}+{}", last.name, model.name);
            }
            _ => out.push(model),
        }
    }
    out
}

/// docs/model.md §10: the guarantee's terms per segment and the graduates' bank loans.
fn bmkb_model(
    spec: &crate::scenario::ScenarioSpec,
    segments: &[SegmentModel],
    months: usize,
) -> BmkbModel {
    let b = &spec.bmkb;
    let guarantee_months = b.guarantee_months as usize;
    let terms = |term: usize| {
        let covered_months = term.min(guarantee_months);
        GuaranteeTerms {
            covered_months,
            premium_rate: premium_rate(&b.premium_table, covered_months),
        }
    };
    let bank_term = b.bank_term_months as usize;
    let bank_segments: Vec<SegmentModel> = spec
        .segments
        .iter()
        .zip(segments)
        .map(|(s, seg)| {
            let schedule = Schedule::new(bank_term, 0, s.interest_rate);
            let pd = s.annual_pd * b.graduate_pd_multiplier;
            SegmentModel {
                term: bank_term,
                grace: 0,
                monthly_rate: schedule.monthly_rate(),
                annuity_factor: schedule.annuity_factor(),
                schedule,
                annual_pd: [pd, pd],
                // Default only: no follow-up need, no prepayment.
                followup_hazard: 0.0,
                prepay_hazard: 0.0,
                ..seg.clone()
            }
        })
        .collect();
    BmkbModel {
        enabled: b.enabled,
        graduate_share: b.graduate_share,
        own_share: spec.segments.iter().map(|s| s.bmkb_share).collect(),
        own_terms: segments.iter().map(|s| terms(s.term)).collect(),
        bank_terms: vec![terms(bank_term); segments.len()],
        bank_segments,
        bsk_share: b.bsk_share,
        max_bsk: b.max_bsk,
        coverage: b.coverage,
        // A claim beyond the arrays' span is none; capping keeps month arithmetic small for
        // absurd but valid lags (the span reaches every claim of a run-off).
        claim_lag: (b.claim_lag_months as usize).min(months + 1),
    }
}

/// docs/model.md §10, §11: discount factors over the state's account, the subsidy's rate and
/// the settlement.
fn state_model(spec: &ScenarioSpec, span: usize) -> StateModel {
    let r = spec.state.discount_rate;
    let discount: Vec<f64> = (0..span.max(1))
        .map(|t| (1.0 + r).powf(-((t + 1) as f64) / 12.0))
        .collect();
    StateModel {
        discount,
        subsidy_per_month: (r - spec.funding.state_loan_rate) / 12.0,
        settlement: spec.state.settlement,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// The gamma ratio is Beta(a, b): its mean, variance and distribution function at the
    /// quartiles agree with Beta's closed forms and with Cheng's sampler. Each of the 2 × 5
    /// checks is a z-test at |z| < 5 (a false alarm below 1e-5 in all).
    #[test]
    fn the_gamma_ratio_draws_the_beta_distribution() {
        let (m, sd) = (0.3_f64, 0.15_f64);
        let kappa = m * (1.0 - m) / (sd * sd) - 1.0;
        let (a, b) = (m * kappa, (1.0 - m) * kappa);
        let gammas = RecoveryRate::new(a, b).unwrap();
        assert!(matches!(gammas, RecoveryRate::Gammas(..)));
        let cheng = RecoveryRate::Cheng(Beta::new(a, b).unwrap());
        let n = 200_000;
        for rate in [gammas, cheng] {
            let mut rng = rand_xoshiro::SplitMix64::seed_from_u64(11);
            let x: Vec<f64> = (0..n).map(|_| rate.sample(&mut rng)).collect();
            let mean = x.iter().sum::<f64>() / n as f64;
            let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
            assert!((mean - m).abs() < 5.0 * sd / (n as f64).sqrt(), "{mean}");
            // The variance's standard error, with Beta's fourth moment bounded by the square of
            // its variance times 3 (a platykurtic shape): generous.
            let var_se = sd * sd * (2.0 / n as f64).sqrt() * 2.0;
            assert!((var - sd * sd).abs() < 5.0 * var_se, "{var}");
            // The fractions below the Beta(a, b) quartiles of these shapes (a = 2.5,
            // b = 5.8333; computed once by integrating the density on a grid of 2e6 cells).
            for (q, p) in [(0.185_000_5, 0.25), (0.283_394_5, 0.5), (0.398_44, 0.75)] {
                let below = x.iter().filter(|&&v| v < q).count() as f64 / n as f64;
                let se = (p * (1.0 - p) / n as f64).sqrt();
                assert!((below - p).abs() < 5.0 * se, "q {q}: {below} vs {p}");
            }
        }
        assert!(matches!(
            RecoveryRate::new(0.5, 3.0),
            Some(RecoveryRate::Cheng(_))
        ));
    }
}
