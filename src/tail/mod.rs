//! Importance sampling of the tail (`simulation.sampling = "tail"`, docs/model.md §12.2): each
//! path's yearly innovations of the credit cycle are drawn from the defensive mixture
//! `a N(0, I) + (1 - a) q` instead of `N(0, I)`, `q` a Gaussian fitted to the bad years
//! ([`proposal`]) and `a` [`crate::engine::DEFENSIVE_SHARE`], and every path carries its
//! likelihood ratio `w = 1 / (a + (1 - a) q(eps) / φ(eps))` (at most `1 / a`) so that the
//! weighted statistics ([`estimate`]) estimate what plain sampling would, with many more paths
//! where the tail question is decided.
//!
//! `q` is fitted per scenario by the cross-entropy method (Rubinstein and Kroese 2004; for
//! portfolio credit risk, Glasserman and Li 2005 shift the systemic factor the same way): a
//! pilot of `tail_pilot_paths` paths from the current fit (half as many in the first stage, from
//! plain sampling), the paths in the aimed-at tail of `tail_metric` (its worst
//! `tail_probability` under plain sampling, estimated with the pilot's weights) or, while the
//! pilot sees too few of those, its worst 10%, and the next fit is the weighted mean and
//! covariance of their innovations — the Gaussian closest (in Kullback–Leibler divergence) to
//! the plain density conditioned on that tail. The stages stop once the worst 10% reach the
//! aimed-at tail (at most [`MAX_STAGES`]). The pilot's paths have seeds of their own
//! ([`crate::random::TAIL_PILOT`]), so the fit is a function of the scenario alone — the same on
//! any thread count, in any shard — and none of its paths is among the run's.
//!
//! Whatever the fit, every path's weighted outcome has the plain expectation: the choice can
//! only make the estimates more or less precise, never biased.

pub mod estimate;
pub mod proposal;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rand::Rng;
use serde_json::{Value, json};

use crate::engine::cycle_innovations;
use crate::error::Error;
use crate::metrics::{Direction, Scalar};
use crate::model::Model;
use crate::results::{OutcomeColumns, Results};
use crate::scenario::{Sampling, Scenario};
use crate::simulate::{Observer, Pool, WorkUnit};
use proposal::Proposal;

/// Most stages of the pilot.
pub const MAX_STAGES: usize = 6;

/// The share of a stage's paths whose innovations make the next fit while the aimed-at tail
/// is out of reach (the cross-entropy method's `rho`).
pub const ELITE_SHARE: f64 = 0.1;

/// The fit a `tail` scenario samples with, and how the pilot found it.
#[derive(Debug, Clone, PartialEq)]
pub struct TailChoice {
    /// The outcome aimed at and its bad direction.
    pub metric: Scalar,
    /// The plain probability of the tail aimed at.
    pub probability: f64,
    /// The density the paths' innovations are drawn from.
    pub proposal: Arc<Proposal>,
    /// The model's cycle years (the run-off's included).
    pub years: usize,
    /// Stages of the pilot run, and their paths (all stages').
    pub stages: usize,
    pub pilot_paths: u64,
    /// Loans the pilot simulated, over all its stages.
    pub pilot_loans: u64,
    /// The value of `metric` at the edge of the tail aimed at, as the last stage estimated it.
    pub threshold: f64,
    /// Whether the last stage's worst 10% reached that tail (else the fit goes part of the
    /// way: still unbiased, less precise).
    pub reached: bool,
}

impl TailChoice {
    /// The model of `scenario` sampling with this fit.
    pub fn model(&self, scenario: &Scenario) -> Model {
        let mut model = Model::new(scenario);
        model.cycle.tail = Some(self.proposal.clone());
        model
    }

    /// The mean of each cycle year's innovation under the fitted component.
    pub fn shift(&self) -> Vec<f64> {
        self.proposal.shift(self.years)
    }

    /// The `tail` part of `summary.json`'s `sampling` entry.
    pub fn json(&self) -> Value {
        json!({
            "metric": self.metric.name(),
            "probability": self.probability,
            "shift": self.shift(),
            "active_years": self.proposal.years(),
            "covariance": self.proposal.covariance(),
            "pilot_stages": self.stages,
            "pilot_paths": self.pilot_paths,
            "pilot_loans_simulated": self.pilot_loans,
            "threshold": self.threshold,
            "reached": self.reached,
        })
    }

    /// The fitted mean's length, `|m|`, in standard deviations of the innovations.
    pub fn norm(&self) -> f64 {
        self.shift().iter().map(|m| m * m).sum::<f64>().sqrt()
    }
}

/// The model `scenario` is simulated with: with `tail` sampling, with the scenario's fit
/// ([`choose`]); otherwise [`Model::new`]'s. `observer` may stop the pilot (Ctrl-C).
pub fn model(
    scenario: &Scenario,
    pool: &Pool,
    observer: &dyn Observer,
) -> Result<(Model, Option<Arc<TailChoice>>), Error> {
    Ok(match choice_if_tail(scenario, pool, observer)? {
        Some(choice) => (choice.model(scenario), Some(choice)),
        None => (Model::new(scenario), None),
    })
}

/// The fit of `scenario` if its sampling is `tail` ([`choose`]).
pub fn choice_if_tail(
    scenario: &Scenario,
    pool: &Pool,
    observer: &dyn Observer,
) -> Result<Option<Arc<TailChoice>>, Error> {
    if scenario.spec().simulation.sampling == Sampling::Tail {
        choose(scenario, pool, observer).map(Some)
    } else {
        Ok(None)
    }
}

/// The fit of `scenario` (whose sampling need not be `tail`: its `tail_*` keys are read),
/// found by the pilot on `pool`, once per process for a scenario of the same content. A stop
/// that `observer` asks for ends the pilot with [`Error::Interrupted`]; its progress is not
/// told (the pilot's paths are none of the work's).
pub fn choose(
    scenario: &Scenario,
    pool: &Pool,
    observer: &dyn Observer,
) -> Result<Arc<TailChoice>, Error> {
    static CHOSEN: OnceLock<Mutex<HashMap<String, Arc<TailChoice>>>> = OnceLock::new();
    // Keyed by the scenario's content but its paths, which the pilot does not read: a run to
    // a target standard error writes its scenario with the paths it stopped at.
    let mut spec = scenario.spec().clone();
    spec.simulation.paths = 0;
    let key = spec.to_toml();
    let chosen = CHOSEN.get_or_init(Default::default);
    if let Some(c) = chosen.lock().expect("not poisoned").get(&key) {
        return Ok(c.clone());
    }
    // A stop in the pilot is a stop before any of the work's paths.
    let choice = match pilot(scenario, pool, &StopOnly(observer)) {
        Err(Error::Interrupted { .. }) => {
            return Err(Error::Interrupted {
                paths_done: 0,
                paths_total: scenario.spec().simulation.paths.max(0) as u64,
            });
        }
        other => Arc::new(other?),
    };
    chosen
        .lock()
        .expect("not poisoned")
        .insert(key, choice.clone());
    Ok(choice)
}

/// The cross-entropy pilot of the module's doc.
fn pilot(scenario: &Scenario, pool: &Pool, observer: &dyn Observer) -> Result<TailChoice, Error> {
    let sim = &scenario.spec().simulation;
    let metric = Scalar::from_name(&sim.tail_metric).expect("validated: a scalar metric");
    let worse_higher = metric.direction() == Some(Direction::HigherWorse);
    let probability = sim.tail_probability;
    let paths = sim.tail_pilot_paths as u64;
    let mut base = Model::new(scenario);
    base.cycle.nets = None;
    let years = base.cycle.shifts.len();
    let mut proposal = Arc::new(Proposal::plain());
    let (mut pilot_loans, mut pilot_paths) = (0, 0);
    let (mut threshold, mut reached, mut stages) = (f64::NAN, false, 0);
    while stages < MAX_STAGES && !reached {
        // The first stage, from plain sampling, only finds the direction of the bad years (its
        // worst 10%): half the paths do; the later stages' tails make the fit.
        let n = if stages == 0 {
            paths.div_ceil(2)
        } else {
            paths
        };
        let mut model = base.clone();
        model.seed =
            crate::random::stream(base.seed, stages as u64, crate::random::TAIL_PILOT).next_u64();
        model.cycle.tail = Some(proposal.clone());
        let results = simulate(pool, &model, n, observer)?;
        pilot_loans += results.loans_simulated();
        pilot_paths += n;
        stages += 1;
        // Scores: higher is worse; an undefined outcome is in no tail.
        let scores: Vec<f64> = results
            .scalar_column(metric)?
            .into_iter()
            .map(|x| match (x.is_nan(), worse_higher) {
                (true, _) => f64::NEG_INFINITY,
                (false, true) => x,
                (false, false) => -x,
            })
            .collect();
        let weights = results.weights();
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
        // The aimed-at tail's edge: the least score whose weighted mass at or above it stays
        // within the probability.
        let mut mass = 0.0;
        let mut edge = scores[order[0]];
        for &k in &order {
            mass += weights[k] / n as f64;
            if mass > probability {
                break;
            }
            edge = scores[k];
        }
        let elite = scores[order[((ELITE_SHARE * n as f64).ceil() as usize).min(order.len()) - 1]];
        reached = elite >= edge;
        let level = if reached { edge } else { elite };
        threshold = if worse_higher { edge } else { -edge };
        let (eps, w): (Vec<Vec<f64>>, Vec<f64>) = scores
            .iter()
            .enumerate()
            .filter(|&(_, &score)| score >= level && score > f64::NEG_INFINITY)
            .map(|(k, _)| cycle_innovations(&model, k as u64))
            .unzip();
        if w.iter().sum::<f64>() > 0.0 {
            proposal = Arc::new(Proposal::fit(&eps, &w));
        }
    }
    Ok(TailChoice {
        metric,
        probability,
        proposal,
        years,
        stages,
        pilot_paths,
        pilot_loans,
        threshold,
        reached,
    })
}

/// An observer that passes on only the stops of another: the pilot's paths are not the work's,
/// so its progress bar does not count them.
struct StopOnly<'a>(&'a dyn Observer);

impl Observer for StopOnly<'_> {
    fn should_stop(&self) -> bool {
        self.0.should_stop()
    }

    fn stop_flag(&self) -> Option<&std::sync::atomic::AtomicBool> {
        self.0.stop_flag()
    }
}

/// Paths `0..n` of `model` on `pool`, told nothing but stops.
fn simulate(pool: &Pool, model: &Model, n: u64, observer: &dyn Observer) -> Result<Results, Error> {
    let mut kept = None;
    pool.simulate(
        &[WorkUnit::new(model, 0..n)],
        observer,
        |_, _| Ok(()),
        |_, r| {
            kept = Some(r);
            Ok(())
        },
    )?;
    Ok(kept.expect("a run that was not stopped ends with its unit"))
}
