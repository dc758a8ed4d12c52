//! Everything the engine needs that depends on the scenario alone, computed once per run:
//! per-segment schedules, hazards, size and recovery distributions, demand per year, the credit
//! cycle's constants, the follow-up rule, the lender's funding and cost terms, and the BMKB
//! guarantee and the state's discounting (docs/model.md §10).
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
use crate::sampling::GammaShape;
use crate::scenario::Scenario;
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

/// The lender's balance-sheet terms (docs/model.md §5): funding, the lending rule, running costs.
/// Amounts in euros; `_per_month` figures are the scenario's yearly ones divided by 12.
#[derive(Debug, Clone)]
pub struct LenderModel {
    /// Capital at the start: the state loan plus initial reserves.
    pub initial_capital: f64,
    /// The state loan, part of capital: lost as far as final capital falls short of it.
    pub state_loan: f64,
    /// Interest on the state loan, per month.
    pub state_loan_interest_per_month: f64,
    /// Most external debt the state guarantee covers.
    pub guarantee_room: f64,
    /// External rate plus guarantee fee, per year, charged on the debt drawn.
    pub debt_rate_per_year: f64,
    /// Cash floor kept by drawing debt, and level above which debt is repaid.
    pub min_cash: f64,
    pub cash_target: f64,
    /// Lending closes when capital over book falls below this.
    pub min_capital_ratio: f64,
    pub fixed_costs_per_month: f64,
    pub cost_per_active_loan_per_month: f64,
    /// Handling plus coaching cost of each loan granted.
    pub cost_per_new_loan: f64,
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

/// The state's side of the account (docs/model.md §10): discounting and the interest it forgoes
/// on the state loan.
#[derive(Debug, Clone)]
pub struct StateModel {
    /// `DF(t) = (1 + discount_rate)^(-(t+1)/12)` for months `t = 0 .. T + claim_lag`: far
    /// enough for every pending claim.
    pub discount: Vec<f64>,
    /// `Σ_t (discount_rate − state_loan_rate)/12 × state_loan`, nominal and discounted: the same
    /// on every path.
    pub loan_subsidy: f64,
    pub loan_subsidy_pv: f64,
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
}

impl Model {
    /// Precompute the tables for `scenario`.
    pub fn new(scenario: &Scenario) -> Model {
        let spec = scenario.spec();
        let years = spec.simulation.horizon_years as usize;
        let months = 12 * years;
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
                    // A recovery after the horizon is not counted, however late.
                    recovery_lag: s.recovery_lag_months.min(months as i64 + 1) as usize,
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
        shifts.resize(years, 0.0);
        let f = &spec.funding;
        let costs = &spec.costs;
        let bmkb = bmkb_model(spec, &segments, months);
        let state = state_model(spec, months, bmkb.claim_lag);
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
                shifts,
            },
            followup: FollowupModel {
                referral_share: spec.followup.referral_share,
                size_multiplier: spec.followup.size_multiplier,
            },
            lender: LenderModel {
                initial_capital: f.state_loan + f.initial_reserves,
                state_loan: f.state_loan,
                state_loan_interest_per_month: f.state_loan * f.state_loan_rate / 12.0,
                guarantee_room: f.guarantee_room,
                debt_rate_per_year: f.external_rate + f.guarantee_fee,
                min_cash: f.min_cash,
                cash_target: f.cash_target,
                min_capital_ratio: f.min_capital_ratio,
                fixed_costs_per_month: costs.fixed_per_year / 12.0,
                cost_per_active_loan_per_month: costs.per_active_loan_per_year / 12.0,
                cost_per_new_loan: costs.per_new_loan + costs.coaching_per_new_loan,
            },
            segments,
            share_cdf,
            demand,
            earliest_start,
            bmkb,
            state,
        }
    }

    /// The scenario this model was built from.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
}

/// The yearly rows of every path of `spec` (docs/model.md §11.4), known before simulating.
pub fn shape(spec: &crate::scenario::ScenarioSpec) -> Shape {
    Shape::horizon(spec.simulation.horizon_years as usize)
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
        // A claim after the horizon is pending however late; capping keeps month arithmetic
        // small for absurd but valid lags.
        claim_lag: (b.claim_lag_months as usize).min(months + 1),
    }
}

/// docs/model.md §10: discount factors and the state-loan subsidy.
fn state_model(
    spec: &crate::scenario::ScenarioSpec,
    months: usize,
    claim_lag: usize,
) -> StateModel {
    let r = spec.state.discount_rate;
    let discount: Vec<f64> = (0..months + claim_lag)
        .map(|t| (1.0 + r).powf(-((t + 1) as f64) / 12.0))
        .collect();
    let f = &spec.funding;
    let monthly = (r - f.state_loan_rate) / 12.0 * f.state_loan;
    StateModel {
        loan_subsidy: monthly * months as f64,
        loan_subsidy_pv: discount[..months].iter().map(|d| d * monthly).sum(),
        discount,
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
