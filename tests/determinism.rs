//! Reproducibility (docs/model.md §1): a path depends on (seed, path index) alone, so results are
//! bit-identical for any thread count and for any split of the paths; and the resolved
//! `scenario.toml` of a run reproduces it.

mod common;

use common::*;
use microfolio::Model;
use microfolio::simulate_range;

#[test]
fn results_do_not_depend_on_the_thread_count() {
    // More paths than one chunk, so that chunking and work stealing both play a part.
    let model = Model::new(&shipped("recession", &[]));
    let one = simulated_on(1, &model, 0..700);
    let two = simulated_on(2, &model, 0..700);
    let five = simulated_on(5, &model, 0..700);
    assert!(identical(&one, &two), "1 thread and 2 threads differ");
    assert!(identical(&one, &five), "1 thread and 5 threads differ");
}

#[test]
fn a_split_run_appended_equals_the_whole_run() {
    let model = Model::new(&shipped("baseline", &["simulation.horizon_years=4"]));
    let whole = simulate_range(&model, 0..600);
    let mut first = simulate_range(&model, 0..37);
    let second = simulate_range(&model, 37..600);
    assert!(
        first.append(simulate_range(&model, 600..601)).is_err(),
        "a gap must be refused"
    );
    first.append(second).unwrap();
    assert!(identical(&whole, &first));
}

#[test]
fn different_seeds_give_different_paths_and_paths_differ_from_each_other() {
    let s = shipped("baseline", &["simulation.horizon_years=2"]);
    let a = run(&s, 50);
    let b = run(
        &shipped(
            "baseline",
            &["simulation.horizon_years=2", "simulation.seed=7"],
        ),
        50,
    );
    assert!(!identical(&a, &b));
    let defaults: Vec<_> = a.scalar(microfolio::metrics::Scalar::Defaults).collect();
    let distinct: std::collections::BTreeSet<u64> =
        defaults.iter().map(|d| d.unwrap() as u64).collect();
    assert!(distinct.len() > 20, "paths should differ: {distinct:?}");
}

#[test]
fn the_resolved_scenario_reproduces_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = root().join("scenarios/baseline.toml");
    let first = microfolio(
        dir.path(),
        &[
            "run",
            baseline.to_str().unwrap(),
            "--paths",
            "300",
            "--seed",
            "99",
            "--set",
            "segment.mkb.annual_pd=0.05",
            "--out",
            "a",
            "--quiet",
        ],
    );
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let again = microfolio(
        dir.path(),
        &["run", "a/scenario.toml", "--out", "b", "--quiet"],
    );
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let read = |p: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(p)).unwrap()).unwrap()
    };
    let (a, b) = (read("a/summary.json"), read("b/summary.json"));
    assert_eq!(a["metrics"], b["metrics"]);
    assert_eq!(a["probabilities"], b["probabilities"]);
    assert_eq!(
        (a["paths"].as_u64(), a["seed"].as_u64()),
        (Some(300), Some(99))
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a/timeseries.csv")).unwrap(),
        std::fs::read_to_string(dir.path().join("b/timeseries.csv")).unwrap()
    );
    let resolved = std::fs::read_to_string(dir.path().join("a/scenario.toml")).unwrap();
    assert!(
        resolved.contains("annual_pd = 0.05"),
        "the override must be visible"
    );
}
