//! Everything the engine needs that depends on the scenario alone, computed once per run:
//! per-segment schedules, hazards, size and recovery distributions, demand per year.
//!
//! The engine then does per path only what depends on the path's random draws.

use rand_distr::{Beta, Poisson};

use crate::math::monthly_hazard;
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
    pub recovery: Option<Beta<f64>>,
    pub recovery_lag: usize,
    pub jobs_per_loan: f64,
    /// Initial-book ages are drawn from `0 .. initial_ages`.
    pub initial_ages: usize,
}

/// A validated scenario turned into the tables the engine reads.
#[derive(Debug, Clone)]
pub struct Model {
    scenario: Scenario,
    pub months: usize,
    pub years: usize,
    pub segments: Vec<SegmentModel>,
    /// Cumulative normalised shares, for drawing a segment with one uniform.
    pub share_cdf: Vec<f64>,
    /// New-demand distribution per calendar year (`None` when the rate is 0).
    pub demand: Vec<Option<Poisson<f64>>>,
    /// Earliest start month of any loan (an initial-book loan of the greatest age).
    pub earliest_start: i64,
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
                    .then(|| Beta::new(m * kappa, (1.0 - m) * kappa).ok())
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
        Model {
            scenario: scenario.clone(),
            months,
            years,
            segments,
            share_cdf,
            demand,
            earliest_start,
        }
    }

    /// The scenario this model was built from.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
}
