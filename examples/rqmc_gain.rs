//! The measured gain of randomised quasi-Monte Carlo on the credit cycle over plain sampling
//! (issue 24; docs/performance.md, "Sampling"): `REPS` independent replicate runs (seeds
//! 1000, 1001, ...) of each method at `PATHS` paths, alternating so that the machine's load
//! drifts alike on both, and for each outcome the variance of its mean over the replicates.
//!
//! The efficiency gain of rqmc is `(var_plain × t_plain) / (var_rqmc × t_rqmc)`: how many times
//! fewer seconds it needs for the same standard error. Its 95% interval is a percentile
//! bootstrap over the replicates (each method's resampled on its own; the times as measured).
//!
//! ```text
//! cargo run --release --example rqmc_gain -- scenarios/baseline.toml 256 30 16
//! ```
//!
//! Arguments: the scenario, paths per replicate (a multiple of R best), replicates, R.
//!
//! The last column checks the standard error `summary.json` reports under rqmc (that of the
//! `R` randomisations' means): its root mean square over the replicates should be close to
//! the sd of rqmc's means across them.

use std::path::Path;
use std::time::Instant;

use microfolio::metrics::Scalar;
use microfolio::random::stream;
use microfolio::rqmc::randomisation_se;
use microfolio::scenario::Override;
use microfolio::stats::mean_sd;
use microfolio::{Model, Scenario, simulate_range};
use rand::Rng;

/// The outcomes whose means are compared; `capital_depleted` is a 0/1 outcome, so its mean is
/// P(capital depleted).
const OUTCOMES: [Scalar; 4] = [
    Scalar::CostToState,
    Scalar::StateCostTotalPv,
    Scalar::FinalCapital,
    Scalar::CapitalDepleted,
];

/// Bootstrap resamples of the interval.
const RESAMPLES: usize = 4000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let file = args
        .first()
        .map_or("scenarios/baseline.toml", String::as_str);
    let arg = |i: usize, default: u64| args.get(i).map_or(default, |a| a.parse().unwrap());
    let (paths, reps, r) = (arg(1, 256), arg(2, 30) as usize, arg(3, 16));
    // means[method][outcome][replicate], seconds[method]
    let mut means = vec![vec![Vec::with_capacity(reps); OUTCOMES.len()]; 2];
    let mut seconds = [0.0f64; 2];
    // The squared standard errors rqmc reports, per outcome, summed over replicates.
    let mut reported = [0.0f64; OUTCOMES.len()];
    for k in 0..reps {
        for (m, sampling) in ["plain", "rqmc"].iter().enumerate() {
            let sets = [
                format!("simulation.seed={}", 1000 + k),
                format!("simulation.sampling=\"{sampling}\""),
                format!("simulation.rqmc_randomisations={r}"),
            ];
            let overrides: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
            let scenario = Scenario::load(Path::new(file), &overrides).unwrap();
            let clock = Instant::now();
            let model = Model::new(&scenario);
            let results = simulate_range(&model, 0..paths);
            seconds[m] += clock.elapsed().as_secs_f64();
            for (o, outcome) in OUTCOMES.iter().enumerate() {
                let values: Vec<f64> = results.scalar(*outcome).flatten().collect();
                means[m][o].push(mean_sd(&values).0);
                if m == 1 {
                    let column: Vec<f64> = results
                        .scalar(*outcome)
                        .map(|v| v.unwrap_or(f64::NAN))
                        .collect();
                    reported[o] += randomisation_se(&column, 0, r).unwrap_or(0.0).powi(2);
                }
            }
        }
    }
    let (tp, tq) = (seconds[0] / reps as f64, seconds[1] / reps as f64);
    println!(
        "{file}: {reps} replicates of {paths} paths each; R = {r}; seconds a run: \
         plain {tp:.3}, rqmc {tq:.3}"
    );
    println!(
        "{:<22} {:>12} {:>12} {:>13} {:>22} {:>13}",
        "outcome", "sd plain", "sd rqmc", "var ratio", "efficiency (95%)", "rqmc se said"
    );
    let variance = |x: &[f64]| mean_sd(x).1.unwrap().powi(2);
    let mut rng = stream(24, 0, 0);
    for (o, outcome) in OUTCOMES.iter().enumerate() {
        let (plain, rqmc) = (&means[0][o], &means[1][o]);
        let (vp, vq) = (variance(plain), variance(rqmc));
        let time = tp / tq;
        let mut boot: Vec<f64> = (0..RESAMPLES)
            .map(|_| {
                let mut pick = |x: &[f64]| -> Vec<f64> {
                    (0..x.len())
                        .map(|_| x[((u128::from(rng.next_u64()) * x.len() as u128) >> 64) as usize])
                        .collect()
                };
                let (bp, bq) = (pick(plain), pick(rqmc));
                variance(&bp) / variance(&bq) * time
            })
            .collect();
        boot.sort_by(f64::total_cmp);
        let at = |p: f64| boot[((RESAMPLES - 1) as f64 * p) as usize];
        println!(
            "{:<22} {:>12.4e} {:>12.4e} {:>13.2} {:>8.2} ({:.2}–{:.2}) {:>13.4e}",
            outcome.name(),
            vp.sqrt(),
            vq.sqrt(),
            vp / vq,
            vp / vq * time,
            at(0.025),
            at(0.975),
            (reported[o] / reps as f64).sqrt(),
        );
    }
}
