//! Importance sampling of the tail (`simulation.sampling = "tail"`, docs/model.md §12): the
//! weighted estimators are unbiased on Vasicek's one-period portfolio, whose tail probability
//! and the partial expectation behind its expected shortfall are known exactly; a path's
//! outcome and weight depend on (seed, path index) alone, on any thread count and in shards;
//! the weights reach `paths.csv`, `summary.json` and the report; and what cannot take the
//! sampling refuses it.
//!
//! The statistical checks raise a false alarm with probability at most 1e-4 as a family
//! (Bonferroni), with fixed seeds.

mod common;

use std::fs;

use common::*;
use microfolio::math::vasicek_quantile;
use microfolio::metrics::Scalar;
use microfolio::tail::estimate::{effective_sample_size, regression_mean};
use microfolio::{Observer, Options, Pool, Results, Scenario, Silent};

/// The weighted run of `s` over paths `0..paths`, at its shift.
fn tail_run(s: &Scenario, paths: u64, threads: usize) -> (Results, f64) {
    let pool = Pool::new(&Options {
        threads: Some(threads),
        memory_budget: None,
    })
    .unwrap();
    let (model, choice) = microfolio::tail::model(s, &pool, &Silent).unwrap();
    let choice = choice.expect("a tail scenario has a shift");
    let results = simulated_on(threads, &model, 0..paths);
    (results, choice.norm())
}

/// `E[L 1{L > x}]` of the default rate `L` of Vasicek's pool of `n` loans: for a factor value
/// `z` with conditional PD `pi`, `E[L 1{L <= x} | z] = pi · P(Binomial(n - 1, pi) <= k - 1)`
/// (`k = floor(n x)`), so the partial expectation is `pi` minus that, integrated over `z` by
/// Simpson's rule as `pool_rate_cdf` does.
fn pool_rate_partial_expectation(rate: f64, n: u64, p: f64, rho: f64) -> f64 {
    let k = (rate * n as f64 + 1e-9).floor() as u64;
    let (lo, hi, steps) = (-9.0, 9.0, 1800);
    let h = (hi - lo) / steps as f64;
    let f = |x: f64| {
        let density = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let pi = microfolio::math::conditional_pd(p, rho, x);
        let below = if k == 0 {
            0.0
        } else {
            pi * binomial_cdf(k - 1, n - 1, pi)
        };
        density * (pi - below)
    };
    let mut sum = f(lo) + f(hi);
    for i in 1..steps {
        sum += f(lo + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    sum * h / 3.0
}

#[test]
fn tail_sampling_is_unbiased_on_vasicek_portfolio() {
    let (p, rho, paths) = (0.05, 0.12, 2000u64);
    let s = shipped(
        "vasicek",
        &[
            "simulation.sampling=\"tail\"",
            "simulation.tail_metric=\"default_rate\"",
            "simulation.tail_probability=0.01",
            "simulation.tail_pilot_paths=500",
        ],
    );
    let n = s.spec().initial_book.loans as u64;
    let (r, shift) = tail_run(&s, paths, 2);
    // One cycle year, shifted towards many defaults: a large shift.
    assert!(shift > 1.5, "shift {shift}");
    let rates: Vec<f64> = r.scalar(Scalar::DefaultRate).map(|v| v.unwrap()).collect();
    let w = r.weights();
    let z = z_crit(1e-4, 5);
    let check = |what: &str, values: &[f64], expected: f64| {
        let (mean, se) = regression_mean(values, w);
        let se = se.unwrap();
        let t = (mean - expected) / se;
        assert!(
            t.abs() < z,
            "{what}: {mean} against {expected} (se {se:.3e}, z={t:.2}, limit {z:.2})"
        );
        (mean, se)
    };
    // The mean default rate is still the PD: the weights undo the shift, and the defensive
    // mixture's unshifted fifth keeps the favourable years that decide it.
    check("mean default rate", &rates, p);
    for alpha in [0.99, 0.999] {
        let q = vasicek_quantile(p, rho, alpha);
        let above: Vec<f64> = rates.iter().map(|&x| f64::from(u8::from(x > q))).collect();
        let prob = 1.0 - pool_rate_cdf(q, n, p, rho);
        let (_, se) = check(&format!("P(rate > q({alpha}))"), &above, prob);
        // The point of it: far more precise than plain sampling's binomial error.
        let plain = (prob * (1.0 - prob) / paths as f64).sqrt();
        assert!(
            se * 3.0 < plain,
            "alpha {alpha}: se {se:.2e}, plain {plain:.2e}"
        );
        if alpha == 0.99 {
            // The expected shortfall's numerator, E[L 1{L > q}], and the shortfall itself.
            let partial: Vec<f64> = rates.iter().map(|&x| if x > q { x } else { 0.0 }).collect();
            let exact = pool_rate_partial_expectation(q, n, p, rho);
            let (num, num_se) = check("E[rate 1{rate > q(0.99)}]", &partial, exact);
            let (den, den_se) = regression_mean(&above, w);
            let es = num / den;
            let es_exact = exact / prob;
            let tolerance = z * es_exact * (num_se / num + den_se.unwrap() / den);
            assert!(
                (es - es_exact).abs() < tolerance,
                "ES: {es} against {es_exact} (tolerance {tolerance:.2e})"
            );
        }
    }
    // The probabilities and the summary the run reports are these estimators.
    let summary = r.summary(Scalar::DefaultRate).unwrap();
    let mean = regression_mean(&rates, w).0;
    assert!(
        (summary.mean - mean).abs() <= 1e-12 * mean,
        "{} vs {mean}",
        summary.mean
    );
    assert!(effective_sample_size(w) < paths as f64);
}

#[test]
fn tail_paths_and_weights_do_not_depend_on_threads_or_splits() {
    let s = shipped(
        "recession",
        &[
            "simulation.sampling=\"tail\"",
            "simulation.horizon_years=3",
            "simulation.tail_pilot_paths=200",
        ],
    );
    let (one, _) = tail_run(&s, 150, 1);
    let (two, _) = tail_run(&s, 150, 2);
    assert!(identical(&one, &two), "1 thread and 2 threads differ");
    assert_eq!(one.weights(), two.weights());
    assert!(one.weighted());
    // Every weight is the likelihood ratio of the path's innovations against the defensive
    // mixture: a fifth of the paths plain, the rest from the fitted Gaussian (its mean on every
    // year, its covariance on the active years).
    let pool = Pool::new(&Options::default()).unwrap();
    let (model, choice) = microfolio::tail::model(&s, &pool, &Silent).unwrap();
    let choice = choice.unwrap();
    let (mu, active) = (choice.shift(), choice.proposal.years());
    let (inverse, log_det) = inverse_and_log_det(choice.proposal.covariance());
    let a = microfolio::engine::DEFENSIVE_SHARE;
    let mut unshifted = 0;
    for i in 0..150u64 {
        let (eps, w) = microfolio::engine::cycle_innovations(&model, i);
        // log of the fitted density over the plain one.
        let mut log = -0.5 * log_det;
        for (y, (e, m)) in eps.iter().zip(&mu).enumerate() {
            match active.iter().position(|&a| a == y) {
                Some(_) => log += 0.5 * e * e,
                None => log += m * e - 0.5 * m * m,
            }
        }
        for (i, &y) in active.iter().enumerate() {
            for (j, &z) in active.iter().enumerate() {
                log -= 0.5 * (eps[y] - mu[y]) * inverse[i][j] * (eps[z] - mu[z]);
            }
        }
        let expected = 1.0 / (a + (1.0 - a) * log.exp());
        assert!((w - expected).abs() <= 1e-9 * w, "path {i}: {w} {expected}");
        assert!(w <= 1.0 / a, "path {i}: {w}");
        assert!((one.weights()[i as usize] - w).abs() <= 1e-15 * w);
        unshifted += usize::from(w > 1.0);
    }
    // The unshifted fifth (their innovations mostly favourable, weights above 1): about 30 of
    // 150, binomially.
    assert!((12..=50).contains(&unshifted), "{unshifted}");
}

/// An observer that asks to stop at once.
struct Stop;

impl Observer for Stop {
    fn should_stop(&self) -> bool {
        true
    }
}

#[test]
fn a_stop_ends_the_pilot() {
    // Ctrl-C while the pilot chooses the shift ends the run there, as it would its paths (a
    // seed of its own, so that no other test has the shift remembered).
    let s = shipped(
        "recession",
        &[
            "simulation.sampling=\"tail\"",
            "simulation.horizon_years=2",
            "simulation.seed=4242",
        ],
    );
    let pool = Pool::new(&Options::default()).unwrap();
    match microfolio::tail::model(&s, &pool, &Stop) {
        Err(microfolio::Error::Interrupted {
            paths_done: 0,
            paths_total,
        }) => assert_eq!(paths_total, s.spec().simulation.paths as u64),
        other => panic!("not interrupted: {:?}", other.map(|(_, c)| c)),
    }
}

/// The flags of a small, quick tail run of the baseline: three years, a pilot of 200 paths.
const SMALL_TAIL: [&str; 6] = [
    "--sampling",
    "tail",
    "--set",
    "simulation.horizon_years=3",
    "--set",
    "simulation.tail_pilot_paths=200",
];

#[test]
fn tail_runs_in_shards_merge_into_the_single_run_with_their_weights() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = root().join("scenarios/baseline.toml").display().to_string();
    let run = [
        &["run", base.as_str(), "--paths", "90", "-q"],
        &SMALL_TAIL[..],
    ]
    .concat();
    single_and_merged(d, &run);
    let paths = |f: &str| fs::read_to_string(d.join(f).join("paths.csv")).unwrap();
    assert!(paths("single") == paths("merged"), "paths.csv differs");
    let (single, merged) = (
        json(&d.join("single/summary.json")),
        json(&d.join("merged/summary.json")),
    );
    assert_eq!(single["metrics"], merged["metrics"]);
    assert_eq!(single["probabilities"], merged["probabilities"]);
    assert_eq!(single["sampling"], merged["sampling"]);
    assert_eq!(single["sampling"]["method"], "tail");
    assert_eq!(single["sampling"]["tail"]["metric"], "min_capital");
    // paths.csv carries each path's weight after the metrics, and the summary's probability
    // is the regression estimator over those weights.
    let text = paths("single");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(at("weight"), header.len() - 1);
    let rows: Vec<Vec<f64>> = lines
        .map(|l| {
            l.split(',')
                .map(|c| c.parse().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    let weights: Vec<f64> = rows.iter().map(|r| r[at("weight")]).collect();
    assert!(weights.iter().all(|w| *w > 0.0) && weights.iter().any(|w| *w != 1.0));
    let called: Vec<f64> = rows
        .iter()
        .map(|r| f64::from(u8::from(r[at("guarantee_call")] > 0.0)))
        .collect();
    let (p, _) = regression_mean(&called, &weights);
    let written = single["probabilities"]["guarantee_called"]
        .as_f64()
        .unwrap();
    assert!((p - written).abs() <= 1e-12, "{p} vs {written}");
    let ess = single["sampling"]["effective_sample_size"]
        .as_f64()
        .unwrap();
    assert!((ess - effective_sample_size(&weights)).abs() < 1e-6 * ess);
    let report = fs::read_to_string(d.join("single/report.html")).unwrap();
    assert!(report.contains("<dt>Sampling</dt><dd>importance sampling of the tail"));
}

#[test]
fn a_target_se_under_tail_sampling_stops_on_the_weighted_standard_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = root().join("scenarios/baseline.toml").display().to_string();
    let target = ["--target-se", "final_capital=1e12", "--out", "t", "-q"];
    succeeds(
        d,
        &[
            &["run", base.as_str(), "--paths", "1024"],
            &SMALL_TAIL[..],
            &target,
        ]
        .concat(),
    );
    let s = json(&d.join("t/summary.json"));
    // A loose target: the first batch of 256 paths, and the se it stopped on is the one the
    // summary reports, weighted.
    assert_eq!(s["target_se"]["paths"], 256);
    assert_eq!(s["target_se"]["reached"], true);
    assert_eq!(s["target_se"]["se"], s["metrics"]["final_capital"]["se"]);
    assert_eq!(s["sampling"]["method"], "tail");
}

#[test]
fn what_cannot_take_tail_sampling_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let base = root().join("scenarios/baseline.toml").display().to_string();
    refused(
        dir.path(),
        &[
            "run",
            &base,
            "--set",
            "simulation.tail_metric=\"loans_simulated\"",
            "--paths",
            "4",
        ],
        &["simulation.tail_metric", "loans_simulated", "min_capital"],
    );
    refused(
        dir.path(),
        &[
            "run",
            &base,
            "--set",
            "simulation.tail_probability=0.7",
            "--paths",
            "4",
        ],
        &["simulation.tail_probability", "0.7"],
    );
    let uncertain = root()
        .join("scenarios/uncertainty.toml")
        .display()
        .to_string();
    refused(
        dir.path(),
        &[
            "run",
            &uncertain,
            "--uncertain",
            "--sampling",
            "tail",
            "--paths",
            "4",
        ],
        &["uncertainty.toml", "tail", "--uncertain", "plain"],
    );
    // A comparison takes it now; what a study still refuses: tests/tail_studies.rs.
    refused(
        dir.path(),
        &[
            "compare",
            &uncertain,
            "--variant",
            "more: bmkb.graduate_share=0.9",
            "--uncertain",
            "--draws",
            "4",
            "--paths-per-draw",
            "4",
            "--set",
            "simulation.sampling=tail",
        ],
        &[
            "uncertainty.toml",
            "simulation.sampling",
            "tail",
            "a compare study with --uncertain does not take it",
        ],
    );
}

/// The inverse and the log determinant of a symmetric positive definite matrix, by Gauss-Jordan
/// elimination (independent of the library's Cholesky factor).
fn inverse_and_log_det(mut m: Vec<Vec<f64>>) -> (Vec<Vec<f64>>, f64) {
    let k = m.len();
    let mut inverse: Vec<Vec<f64>> = (0..k)
        .map(|i| (0..k).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    let mut log_det = 0.0;
    for c in 0..k {
        let pivot = m[c][c];
        log_det += pivot.ln();
        for j in 0..k {
            m[c][j] /= pivot;
            inverse[c][j] /= pivot;
        }
        for r in 0..k {
            if r != c {
                let f = m[r][c];
                for j in 0..k {
                    m[r][j] -= f * m[c][j];
                    inverse[r][j] -= f * inverse[c][j];
                }
            }
        }
    }
    (inverse, log_det)
}
