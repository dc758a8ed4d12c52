//! The measured gain of each sampling of the credit cycle over plain sampling (issue 24;
//! docs/performance.md, "Sampling"): `REPS` independent replicate runs (seeds 1000, 1001, ...)
//! of each method at `PATHS` paths, the methods alternating so that the machine's load drifts
//! alike on all, and for each estimate the variance of its value over the replicates.
//!
//! The efficiency gain of a method is `(var_plain × t_plain) / (var_method × t_method)`: how
//! many times fewer seconds it needs for the same standard error, its time including what it
//! spends before the paths (`tail`'s pilot). Its 95% interval is a percentile bootstrap over
//! the replicates (each method's resampled on its own; the times as measured).
//!
//! ```text
//! cargo run --release --example sampling_gain -- scenarios/baseline.toml 1024 30 16 rqmc,tail
//! ```
//!
//! Arguments: the scenario, paths per replicate, replicates, R of rqmc, the methods compared
//! with plain (`rqmc`, `tail` or both; or `tail-rqmc`, an experiment the program does not
//! offer: `tail`'s fitted density with its normals from rqmc's scrambled Sobol' points instead
//! of the paths' streams, estimated as `tail` is, with no standard error of its own). The last column is the root mean square of the
//! standard error the method's summary reports: close to its sd over the replicates when the
//! reported error is honest. The estimates are the means of `cost_to_state`,
//! `state_cost_total_pv` and `final_capital`, P(capital depleted), and the 99% expected
//! shortfall of `net_loss` — each as `summary.json` and the report compute it under the method.

use std::path::Path;
use std::time::Instant;

use microfolio::metrics::Scalar;
use microfolio::random::stream;
use microfolio::scenario::Override;
use microfolio::stats::mean_sd;
use microfolio::{Options, Pool, Results, Scenario};
use rand::Rng;

/// The estimates compared: a metric's mean, or the 99% expected shortfall of one.
const ESTIMATES: [(&str, Scalar, bool); 5] = [
    ("cost_to_state", Scalar::CostToState, false),
    ("state_cost_total_pv", Scalar::StateCostTotalPv, false),
    ("final_capital", Scalar::FinalCapital, false),
    ("P(capital depleted)", Scalar::CapitalDepleted, false),
    ("ES 99% of net_loss", Scalar::NetLoss, true),
];

/// Bootstrap resamples of the interval.
const RESAMPLES: usize = 4000;

/// An estimate of `results` as the run's files give it: a mean (`Results::summary`, weighted
/// where the paths are), or the expected shortfall beyond the 99% quantile (the histogram's).
fn estimate(results: &Results, metric: Scalar, shortfall: bool) -> f64 {
    if !shortfall {
        return results.summary(metric).map_or(f64::NAN, |s| s.mean);
    }
    let values: Vec<f64> = results
        .scalar(metric)
        .map(|x| x.unwrap_or(f64::NAN))
        .collect();
    if results.weighted() {
        let (_, es) = microfolio::tail::estimate::var_es(&values, results.weights(), 0.99)
            .expect("a metric defined on some path");
        return es;
    }
    // As the report's histogram: the mean of the paths at or above the type-7 quantile.
    let mut sorted: Vec<f64> = values.into_iter().filter(|x| !x.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    let var = microfolio::stats::quantile(&sorted, 0.99).expect("sorted values");
    let beyond: Vec<f64> = sorted.into_iter().filter(|x| *x >= var).collect();
    mean_sd(&beyond).0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let file = args
        .first()
        .map_or("scenarios/baseline.toml", String::as_str);
    let arg = |i: usize, default: u64| args.get(i).map_or(default, |a| a.parse().unwrap());
    let (paths, reps, r) = (arg(1, 1024), arg(2, 30) as usize, arg(3, 16));
    let mut methods = vec!["plain".to_string()];
    methods.extend(
        args.get(4)
            .map_or("rqmc,tail", String::as_str)
            .split(',')
            .map(str::to_string),
    );
    let pool = Pool::new(&Options::default()).unwrap();
    // values[method][estimate][replicate], seconds[method]
    let mut values = vec![vec![Vec::with_capacity(reps); ESTIMATES.len()]; methods.len()];
    let mut seconds = vec![0.0f64; methods.len()];
    let mut ess = 0.0;
    // The squared standard errors each method's summary reports of the means, summed over
    // the replicates (NaN for the shortfall, which has none).
    let mut said = vec![vec![0.0f64; ESTIMATES.len()]; methods.len()];
    for k in 0..reps {
        for (m, sampling) in methods.iter().enumerate() {
            let sets = [
                format!("simulation.seed={}", 1000 + k),
                format!(
                    "simulation.sampling=\"{}\"",
                    sampling.trim_end_matches("-rqmc")
                ),
                format!("simulation.rqmc_randomisations={r}"),
            ];
            let overrides: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
            let scenario = Scenario::load(Path::new(file), &overrides).unwrap();
            let clock = Instant::now();
            // The pilot of `tail` is found anew for every seed: its time is counted.
            let (mut model, _) =
                microfolio::tail::model(&scenario, &pool, &microfolio::Silent).unwrap();
            if sampling == "tail-rqmc" {
                model.cycle.nets = Some(microfolio::rqmc::CycleNets::new(
                    1000 + k as u64,
                    r,
                    model.cycle.shifts.len(),
                ));
            }
            let results = microfolio::simulate_range(&model, 0..paths);
            seconds[m] += clock.elapsed().as_secs_f64();
            if results.weighted() && sampling == "tail" {
                ess += microfolio::tail::estimate::effective_sample_size(results.weights());
            }
            for (e, (_, metric, shortfall)) in ESTIMATES.iter().enumerate() {
                values[m][e].push(estimate(&results, *metric, *shortfall));
                let se = match (shortfall, sampling.as_str()) {
                    (true, _) | (_, "tail-rqmc") => f64::NAN,
                    // Under rqmc the summary's se is the randomisations'.
                    (false, "rqmc") => {
                        let column: Vec<f64> = results
                            .scalar(*metric)
                            .map(|v| v.unwrap_or(f64::NAN))
                            .collect();
                        microfolio::rqmc::randomisation_se(&column, 0, r).unwrap_or(f64::NAN)
                    }
                    (false, _) => results
                        .summary(*metric)
                        .and_then(|s| s.se)
                        .unwrap_or(f64::NAN),
                };
                said[m][e] += se * se;
            }
        }
    }
    let times: Vec<f64> = seconds.iter().map(|s| s / reps as f64).collect();
    let timing: Vec<String> = methods
        .iter()
        .zip(&times)
        .map(|(m, t)| format!("{m} {t:.3}"))
        .collect();
    println!(
        "{file}: {reps} replicates of {paths} paths each; R = {r}; seconds a run: {}",
        timing.join(", ")
    );
    if methods.iter().any(|m| m == "tail") {
        println!(
            "tail: mean effective sample size {:.1} of {paths} paths",
            ess / reps as f64
        );
    }
    let variance = |x: &[f64]| mean_sd(x).1.unwrap().powi(2);
    let mut rng = stream(24, 0, 0);
    for (m, method) in methods.iter().enumerate().skip(1) {
        println!(
            "\n{method} against plain\n{:<22} {:>12} {:>12} {:>12} {:>13} {:>22} {:>12}",
            "estimate", "mean", "sd plain", "sd method", "var ratio", "efficiency (95%)", "se said"
        );
        for (e, (name, _, _)) in ESTIMATES.iter().enumerate() {
            let (plain, other) = (&values[0][e], &values[m][e]);
            let (vp, vo) = (variance(plain), variance(other));
            let time = times[0] / times[m];
            let mut boot: Vec<f64> = (0..RESAMPLES)
                .map(|_| {
                    let mut pick = |x: &[f64]| -> Vec<f64> {
                        (0..x.len())
                            .map(|_| {
                                x[((u128::from(rng.next_u64()) * x.len() as u128) >> 64) as usize]
                            })
                            .collect()
                    };
                    let (bp, bo) = (pick(plain), pick(other));
                    variance(&bp) / variance(&bo) * time
                })
                .collect();
            boot.sort_by(f64::total_cmp);
            let at = |p: f64| boot[((RESAMPLES - 1) as f64 * p) as usize];
            println!(
                "{:<22} {:>12.4e} {:>12.4e} {:>12.4e} {:>13.2} {:>8.2} ({:.2}–{:.2}) {:>12.4e}",
                name,
                mean_sd(other).0,
                vp.sqrt(),
                vo.sqrt(),
                vp / vo,
                vp / vo * time,
                at(0.025),
                at(0.975),
                (said[m][e] / reps as f64).sqrt(),
            );
        }
    }
}
