//! Randomised quasi-Monte Carlo on the credit cycle (`simulation.sampling = "rqmc"`,
//! docs/model.md §12): a path's outcome depends on (seed, path index) alone, on any thread
//! count, in any split and in shards; the estimators are unbiased on Vasicek's one-period
//! portfolio, whose mean default rate is the PD and whose tail probabilities are known; and
//! `summary.json` gives the randomisations' standard errors.
//!
//! The statistical checks raise a false alarm with probability at most 1e-4 as a family
//! (Bonferroni), with fixed seeds: the standard error of `R` randomisations has `R - 1`
//! degrees of freedom, so the critical value is Student's t, not the normal's.

mod common;

use std::fs;

use common::*;
use microfolio::Model;
use microfolio::math::vasicek_quantile;
use microfolio::metrics::{Scalar, Yearly};
use microfolio::rqmc::randomisation_se;
use microfolio::simulate_range;

#[test]
fn rqmc_paths_do_not_depend_on_threads_or_splits() {
    let rqmc = Model::new(&shipped("recession", &["simulation.sampling=\"rqmc\""]));
    let one = simulated_on(1, &rqmc, 0..300);
    let two = simulated_on(2, &rqmc, 0..300);
    assert!(identical(&one, &two), "1 thread and 2 threads differ");
    let mut first = simulate_range(&rqmc, 0..37);
    first.append(simulate_range(&rqmc, 37..300)).unwrap();
    assert!(identical(&one, &first), "a split run differs");
    // The cycle is drawn differently from plain sampling.
    let plain = simulate_range(&Model::new(&shipped("recession", &[])), 0..300);
    assert!(!identical(&one, &plain));
}

/// Student's t with 31 degrees of freedom at `1 - 1e-4 / (2 × 4)`: four comparisons
/// (scipy.stats.t.ppf(1 - 1e-4 / 8, 31)).
const T_31_FOUR: f64 = 4.947;

#[test]
fn rqmc_is_unbiased_on_vasicek_portfolio() {
    // 32 randomisations of 64 points each.
    let (p, rho, randomisations, paths) = (0.05, 0.12, 32u64, 2048u64);
    let s = shipped(
        "vasicek",
        &[
            "simulation.sampling=\"rqmc\"",
            &format!("simulation.rqmc_randomisations={randomisations}"),
        ],
    );
    let n = s.spec().initial_book.loans as u64;
    let r = run(&s, paths);
    let rates = r.yearly(0, Yearly::DefaultRate);
    let check = |what: &str, values: &[f64], expected: f64| {
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let se = randomisation_se(values, 0, randomisations).unwrap();
        assert!(se > 0.0, "{what}: no spread between randomisations");
        let t = (mean - expected) / se;
        assert!(
            t.abs() < T_31_FOUR,
            "{what}: {mean} against {expected} (se {se:.3e}, t={t:.2}, limit {T_31_FOUR})"
        );
        se
    };
    // The mean default rate of a pool is the PD: E[Binomial(n, PD(X)) / n] = E[PD(X)] = p.
    let se = check("mean default rate", rates, p);
    // P(rate > q(alpha)): Vasicek's mixture of binomials, exactly.
    for alpha in [0.5, 0.95, 0.99] {
        let q = vasicek_quantile(p, rho, alpha);
        let above: Vec<f64> = rates.iter().map(|&x| f64::from(u8::from(x > q))).collect();
        check(
            &format!("P(rate > q({alpha}))"),
            &above,
            1.0 - pool_rate_cdf(q, n, p, rho),
        );
    }
    // And it pays: the plain standard error of the same paths' mean is several times larger.
    let (_, sd) = microfolio::stats::mean_sd(rates);
    let plain_se = sd.unwrap() / (paths as f64).sqrt();
    assert!(
        se * 3.0 < plain_se,
        "rqmc se {se:.3e}, plain {plain_se:.3e}"
    );
}

#[test]
fn rqmc_runs_in_shards_merge_into_the_single_run_with_its_standard_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = root().join("scenarios/baseline.toml").display().to_string();
    let run = [
        "run",
        base.as_str(),
        "--paths",
        "96",
        "--set",
        "simulation.sampling=rqmc",
        "--set",
        "simulation.rqmc_randomisations=8",
        "--set",
        "simulation.horizon_years=3",
        "-q",
    ];
    single_and_merged(d, &run);
    let paths = |f: &str| fs::read(d.join(f).join("paths.csv")).unwrap();
    assert!(paths("single") == paths("merged"), "paths.csv differs");
    // `--sampling rqmc` is `--set simulation.sampling=rqmc`.
    let mut flag = run.to_vec();
    flag.splice(4..6, ["--sampling", "rqmc"]);
    succeeds(d, &[&flag[..], &["--out", "flag"]].concat());
    assert!(
        paths("single") == paths("flag"),
        "--sampling differs from --set"
    );
    let (single, merged) = (
        json(&d.join("single/summary.json")),
        json(&d.join("merged/summary.json")),
    );
    assert_eq!(single["metrics"], merged["metrics"]);
    assert_eq!(single["sampling"], merged["sampling"]);
    assert_eq!(single["sampling"]["method"], "rqmc");
    assert_eq!(single["sampling"]["randomisations"], 8);
    let report = fs::read_to_string(d.join("single/report.html")).unwrap();
    assert!(report.contains("<dt>Sampling</dt><dd>randomised quasi-Monte Carlo"));
    // The se of a mean is the randomisations'.
    let r = simulate_range(
        &Model::new(&shipped(
            "baseline",
            &[
                "simulation.sampling=\"rqmc\"",
                "simulation.rqmc_randomisations=8",
                "simulation.horizon_years=3",
            ],
        )),
        0..96,
    );
    let column: Vec<f64> = r
        .scalar(Scalar::FinalCapital)
        .map(|v| v.unwrap_or(f64::NAN))
        .collect();
    let se = randomisation_se(&column, 0, 8).unwrap();
    let reported = single["metrics"]["final_capital"]["se"].as_f64().unwrap();
    assert!((reported - se).abs() <= 1e-9 * se, "{reported} vs {se}");
    let sd = single["metrics"]["final_capital"]["sd"].as_f64().unwrap();
    assert!((reported - sd / 96f64.sqrt()).abs() > 1e-6 * reported);
}

#[test]
fn a_bad_sampling_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let base = root().join("scenarios/baseline.toml").display().to_string();
    refused(
        dir.path(),
        &[
            "run",
            &base,
            "--set",
            "simulation.sampling=qmc",
            "--paths",
            "4",
        ],
        &["simulation.sampling", "qmc", "plain", "rqmc", "tail"],
    );
    refused(
        dir.path(),
        &[
            "run",
            &base,
            "--set",
            "simulation.rqmc_randomisations=1",
            "--paths",
            "4",
        ],
        &["simulation.rqmc_randomisations", "1", "2 to 4096"],
    );
    refused(
        dir.path(),
        &["run", &base, "--sampling", "stratified", "--paths", "4"],
        &["--sampling stratified", "plain, rqmc, tail"],
    );
    // A study takes it for every variant or for none (tests/rqmc_studies.rs): in shards, and
    // by the library itself (what the Python package calls), variants that sample differently
    // are refused before anything is simulated or written.
    let rqmc_file = dir.path().join("rqmc.toml");
    let text = std::fs::read_to_string(&base).unwrap();
    let text = text
        .replacen("name = \"baseline\"", "name = \"rqmc\"", 1)
        .replacen("[simulation]\n", "[simulation]\nsampling = \"rqmc\"\n", 1);
    std::fs::write(&rqmc_file, text).unwrap();
    let rqmc = rqmc_file.display().to_string();
    refused(
        dir.path(),
        &["compare", &base, &rqmc, "--paths", "4", "--shard", "0/2"],
        &[
            "variant rqmc",
            "\"rqmc\" with 16 randomisations",
            "\"plain\"",
        ],
    );
    let load = |f: &str| microfolio::Scenario::load(std::path::Path::new(f), &[]).unwrap();
    let compare = microfolio::study::compare::Compare::new(
        &[load(&base), load(&rqmc)],
        &[],
        Some(4),
        None,
        Vec::new(),
    )
    .unwrap();
    let out = dir.path().join("library");
    let e = microfolio::run_study(&compare, &out, &Default::default(), &microfolio::Silent)
        .unwrap_err();
    assert!(e.to_string().contains("common random numbers"), "{e}");
    assert!(!out.exists());
}

#[test]
fn rqmc_with_parameter_uncertainty_gives_both_runs_its_standard_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = root()
        .join("scenarios/uncertainty.toml")
        .display()
        .to_string();
    let args = [
        "run",
        file.as_str(),
        "--uncertain",
        "--sampling",
        "rqmc",
        "--paths",
        "32",
        "--no-paths-csv",
        "-q",
        "--out",
        "u",
    ];
    let out = microfolio(dir.path(), &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = json(&dir.path().join("u/summary.json"));
    assert_eq!(summary["sampling"]["method"], "rqmc");
    for m in [&summary["metrics"], &summary["point_values"]["metrics"]] {
        let s = &m["final_capital"];
        let (sd, se) = (s["sd"].as_f64().unwrap(), s["se"].as_f64().unwrap());
        assert!(
            se > 0.0 && (se - sd / 32f64.sqrt()).abs() > 1e-9 * se,
            "{s}"
        );
    }
}
