//! Studies under tail sampling (`simulation.sampling = "tail"`, docs/model.md §12.2,
//! docs/studies.md): every variant samples with the base's one fit, so path `i` carries the
//! same weight in every variant that changes a default rate or the asset correlation; on
//! Vasicek's one-period portfolio a comparison's weighted means and paired differences (of the
//! mean default rate and of P(default rate > q)) meet their exact values within their standard
//! errors; a scenario compared with itself differs by nothing with no error; the errors a study
//! reports are the weighted estimators' of its per-path columns, bit for bit; a comparison in
//! shards merges into the one-process folder; and what a study cannot take is refused.
//!
//! The statistical checks raise a false alarm with probability at most 1e-4 as a family
//! (Bonferroni), with fixed seeds; the weighted estimators' intervals are normal.

mod common;

use std::fs;

use common::*;
use microfolio::math::vasicek_quantile;
use microfolio::study::paired::Paired;
use microfolio::study::params::{SweepParam, VariantSpec};
use microfolio::tail::estimate::{mean, regression_mean, summary};
use microfolio::{
    Compare, Pool, Results, Scalar, Scenario, Silent, Study, Sweep, Tornado, simulate_range,
};

/// Vasicek's portfolio (10,000 new loans, PD 5%, asset correlation 0.12, one year) sampled
/// towards its worst 1% of default rates, with `sets` besides.
fn vasicek(sets: &[&str]) -> Scenario {
    let tail = [
        "simulation.sampling=\"tail\"",
        "simulation.tail_metric=\"default_rate\"",
        "simulation.tail_probability=0.01",
        "simulation.tail_pilot_paths=500",
    ];
    shipped("vasicek", &[&tail[..], sets].concat())
}

/// A comparison of `base` with `variants` on `paths` paths.
fn compare(base: &Scenario, variants: &[&str], paths: u64) -> Compare {
    let specs: Vec<VariantSpec> = variants.iter().map(|v| v.parse().unwrap()).collect();
    Compare::new(
        std::slice::from_ref(base),
        &specs,
        Some(paths),
        None,
        vec![],
    )
    .unwrap()
}

/// Every variant's paths `0..paths` simulated on their own at the fit of `base` (the study's
/// one fit): what the study's statistics must be made of.
fn at_the_fit(
    base: &Scenario,
    variants: &[microfolio::study::Variant],
    paths: u64,
) -> Vec<Results> {
    let pool = Pool::new(&on_threads(2)).unwrap();
    let choice = microfolio::tail::choose(base, &pool, &Silent).unwrap();
    variants
        .iter()
        .map(|v| simulate_range(&choice.model(&v.scenario), 0..paths))
        .collect()
}

fn column(r: &Results, m: Scalar) -> Vec<f64> {
    r.scalar(m).map(|x| x.unwrap_or(f64::NAN)).collect()
}

#[test]
fn every_variant_carries_the_same_weights_and_the_study_weighs_with_them() {
    // A default rate and the asset correlation changed: the same cycle years, so the same
    // innovations, the same "plain or fitted" and the same weight on every path.
    let paths = 300;
    let base = vasicek(&[]);
    let c = compare(
        &base,
        &[
            "riskier: segment.pool.annual_pd=0.08",
            "correlated: credit_cycle.asset_correlation=0.2",
        ],
        paths,
    );
    let runs = at_the_fit(c.base(), c.variants(), paths);
    let w = runs[0].weights();
    assert!(w.iter().any(|x| *x != 1.0), "weighted paths");
    for (v, r) in c.variants().iter().zip(&runs).skip(1) {
        assert!(r.weights() == w, "{}: other weights", v.name);
    }
    // The study's statistics are the weighted estimators of these very paths (so it ran them
    // at the base's fit, not at one of its own per variant).
    let results = c.compute(&on_threads(2), &Silent).unwrap();
    let m = Scalar::DefaultRate;
    let a = column(&runs[0], m);
    for (k, r) in runs.iter().enumerate() {
        let s = results.stats(k, m).unwrap();
        let expected = summary(&column(r, m), w).unwrap();
        assert_eq!((s.mean, s.se), (expected.mean, expected.se), "variant {k}");
        assert_eq!(s.p95, expected.quantile("p95").unwrap());
        if k > 0 {
            let b = column(r, m);
            let d: Vec<f64> = a.iter().zip(&b).map(|(x, y)| y - x).collect();
            let p = results.paired(k, m).unwrap();
            assert_eq!((p.diff, p.se), regression_mean(&d, w), "variant {k}");
            // A normal interval.
            let (lo, hi) = p.ci.unwrap();
            let z = 1.959_963_984_540_054;
            assert!(
                (hi - lo - 2.0 * z * p.se.unwrap()).abs() < 1e-12,
                "{lo} {hi}"
            );
        }
    }
    let ess = results.effective_sample_size.unwrap();
    assert!(
        (ess - microfolio::tail::estimate::effective_sample_size(w)).abs() < 1e-9 * ess,
        "{ess}"
    );
}

#[test]
fn a_comparison_under_tail_sampling_meets_vasiceks_answer() {
    // B raises the PD from 5% to 8% under the same factor: E[rate B − rate A] = 3 points, and
    // P(rate > q) of each is known from the binomial mixture (q: A's 99% Vasicek quantile).
    let (rho, paths) = (0.12, 2000u64);
    let base = vasicek(&[]);
    let n = base.spec().initial_book.loans as u64;
    let c = compare(&base, &["riskier: segment.pool.annual_pd=0.08"], paths);
    let results = c.compute(&on_threads(2), &Silent).unwrap();
    let z = z_crit(1e-4, 5);
    let check = |what: &str, value: f64, se: Option<f64>, expected: f64| {
        let se = se.unwrap();
        assert!(se > 0.0, "{what}: no error");
        let t = (value - expected) / se;
        assert!(
            t.abs() < z,
            "{what}: {value} against {expected} (se {se:.3e}, z={t:.2}, limit {z:.2})"
        );
    };
    let m = Scalar::DefaultRate;
    let (a, b) = (results.stats(0, m).unwrap(), results.stats(1, m).unwrap());
    check("mean rate of A", a.mean, a.se, 0.05);
    check("mean rate of B", b.mean, b.se, 0.08);
    let p = results.paired(1, m).unwrap();
    check("B − A", p.diff, p.se, 0.03);
    // P(rate > q): the paired difference of the indicators, with the common weights, over
    // the same paths the study ran.
    let q = vasicek_quantile(0.05, rho, 0.99);
    let runs = at_the_fit(c.base(), c.variants(), paths);
    let above = |r: &Results| -> Vec<f64> {
        column(r, m)
            .iter()
            .map(|x| f64::from(u8::from(*x > q)))
            .collect()
    };
    let w = runs[0].weights();
    let tail = microfolio::rqmc::SeMethod::Weighted;
    let (pa, pb) = (above(&runs[0]), above(&runs[1]));
    let exact = |pd: f64| 1.0 - pool_rate_cdf(q, n, pd, rho);
    let paired = Paired::sampled(&pa, &pb, None, tail, 0, [w, w]).unwrap();
    check(
        "P(rate > q) of A",
        regression_mean(&pa, w).0,
        regression_mean(&pa, w).1,
        exact(0.05),
    );
    check(
        "P_B(rate > q) − P_A(rate > q)",
        paired.diff,
        paired.se,
        exact(0.08) - exact(0.05),
    );
}

#[test]
fn a_scenario_compared_with_itself_under_tail_differs_by_nothing_with_no_error() {
    let c = compare(&vasicek(&[]), &["same: segment.pool.annual_pd=0.05"], 200);
    let r = c.compute(&on_threads(2), &Silent).unwrap();
    no_difference(&r.variants[1].paired);
}

#[test]
fn a_sweep_and_a_tornado_under_tail_weigh_their_columns() {
    let paths = 120u64;
    let base = vasicek(&[]).with_run_size(Some(paths), None).unwrap();
    let metrics = vec![Scalar::DefaultRate, Scalar::NetLoss];
    let param: SweepParam = "segment.pool.annual_pd=0.05,0.07".parse().unwrap();
    let sweep = Sweep::new(&base, vec![param], metrics.clone()).unwrap();
    let r = sweep.compute(&on_threads(1), &Silent).unwrap();
    let runs = at_the_fit(sweep.base(), sweep.variants(), paths);
    let w = runs[0].weights();
    for (k, m) in metrics.iter().enumerate() {
        let (a, b) = (column(&runs[0], *m), column(&runs[1], *m));
        let d: Vec<f64> = a.iter().zip(&b).map(|(x, y)| y - x).collect();
        let change = r.points[1].change[k].unwrap();
        assert_eq!(change.se, mean(&d, w).unwrap().1, "{}", m.name());
        let s = r.points[1].stats[k].unwrap();
        let expected = summary(&b, runs[1].weights()).unwrap();
        assert_eq!((s.mean, s.se), (expected.mean, expected.se));
    }
    assert!(r.effective_sample_size.is_some());

    // A tornado's bars: each side's paired change from the baseline, weighted likewise.
    let tornado = Tornado::new(&base, vec![Scalar::DefaultRate], None).unwrap();
    let t = tornado.compute(&on_threads(2), &Silent).unwrap();
    let runs = at_the_fit(tornado.base(), tornado.variants(), paths);
    let baseline = column(&runs[0], Scalar::DefaultRate);
    let w = runs[0].weights();
    let mut sides = 0;
    for bar in &t.bars[0] {
        for (side, v) in [(&bar.low, 0), (&bar.high, 1)] {
            let Some(side) = side else { continue };
            // The variant of this parameter and side, by its place in the plan.
            let at = tornado
                .plan()
                .iter()
                .position(|(p, high)| *p == bar.param && usize::from(*high) == v)
                .unwrap()
                + 1;
            let r = &runs[at];
            if r.weights() != w {
                continue; // a parameter that changes the cycle's years
            }
            let d: Vec<f64> = baseline
                .iter()
                .zip(column(r, Scalar::DefaultRate))
                .map(|(x, y)| y - x)
                .collect();
            assert_eq!(side.paired.se, mean(&d, w).unwrap().1);
            sides += 1;
        }
    }
    assert!(sides > 0, "no side compared");
}

#[test]
fn a_comparison_under_tail_in_shards_merges_into_the_single_process_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let vasicek = root().join("scenarios/vasicek.toml").display().to_string();
    let compare = [
        "compare",
        vasicek.as_str(),
        "--variant",
        "riskier: segment.pool.annual_pd=0.08",
        "--variant",
        "correlated: credit_cycle.asset_correlation=0.2",
        "--paths",
        "150",
        "--sampling",
        "tail",
        "--set",
        "simulation.tail_metric=\"default_rate\"",
        "--set",
        "simulation.tail_probability=0.01",
        "--set",
        "simulation.tail_pilot_paths=300",
        "-q",
    ];
    single_and_merged(d, &compare);
    // Every file but those that say how the work went (threads, times) byte for byte: the
    // table, the variants' scenarios, the charts.
    let files = |folder: &str| -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut todo = vec![d.join(folder)];
        while let Some(dir) = todo.pop() {
            for e in fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    todo.push(p);
                } else {
                    let name = p.strip_prefix(d.join(folder)).unwrap();
                    out.push((name.display().to_string(), fs::read(&p).unwrap()));
                }
            }
        }
        out.sort();
        out
    };
    let (one, merged) = (files("single"), files("merged"));
    assert_eq!(
        one.iter().map(|f| &f.0).collect::<Vec<_>>(),
        merged.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert!(one.iter().any(|f| f.0 == "compare.csv"));
    for ((name, a), (_, b)) in one.iter().zip(&merged) {
        if name != "summary.json" && name != "report.html" {
            assert!(a == b, "{name} differs");
        }
    }
    let (single, merged) = (
        json(&d.join("single/summary.json")),
        json(&d.join("merged/summary.json")),
    );
    assert_eq!(single["sampling"], merged["sampling"]);
    assert_eq!(single["sampling"]["method"], "tail");
    assert_eq!(single["sampling"]["tail"]["metric"], "default_rate");
    assert!(
        single["sampling"]["effective_sample_size"]
            .as_f64()
            .unwrap()
            > 1.0
    );
    assert!(
        single["common_random_numbers"]
            .as_str()
            .unwrap()
            .contains("one sampling density")
    );
    let report = fs::read_to_string(d.join("merged/report.html")).unwrap();
    assert!(report.contains("<dt>Sampling</dt><dd>importance sampling of the tail"));
    assert!(report.contains("effective sample size"));
}

#[test]
fn what_a_study_cannot_take_under_tail_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let vasicek = root().join("scenarios/vasicek.toml").display().to_string();
    let text = fs::read_to_string(&vasicek).unwrap();
    let other = |name: &str, simulation: &str| {
        let path = d.join(name);
        let body = text
            .replace("name = \"vasicek\"", &format!("name = \"{name}\""))
            .replace("[simulation]\n", &format!("[simulation]\n{simulation}\n"));
        fs::write(&path, body).unwrap();
        path.display().to_string()
    };
    let tail = other("tail", "sampling = \"tail\"\ntail_probability = 0.01");
    let wider = other("wider", "sampling = \"tail\"\ntail_probability = 0.05");
    // Variants share what the one fit is aimed at.
    refused(
        d,
        &["compare", &tail, &wider, "--paths", "8"],
        &[
            "variant wider",
            "0.05",
            "0.01",
            "simulation.tail_probability",
            "one density fitted",
        ],
    );
    // In shards too, before anything is written.
    refused(
        d,
        &["compare", &tail, &wider, "--paths", "8", "--shard", "0/2"],
        &["variant wider", "simulation.tail_probability"],
    );
    // Parameter uncertainty does not take it yet, and says who does.
    let uncertain = root()
        .join("scenarios/uncertainty.toml")
        .display()
        .to_string();
    refused(
        d,
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
            "--sampling",
            "tail",
        ],
        &[
            "uncertainty.toml",
            "a compare study with --uncertain",
            "tail",
            "sobol, morris and calibrate",
        ],
    );
}

/// Vasicek's portfolio sampled by tail with an uncertain PD, written into `dir` as
/// `pd.toml`: a design study's points each have a known mean default rate, their PD.
fn uncertain_pd(dir: &std::path::Path) -> String {
    let vasicek = fs::read_to_string(root().join("scenarios/vasicek.toml")).unwrap();
    let text = vasicek.replace(
        "[simulation]\n",
        "[simulation]\nsampling = \"tail\"\ntail_metric = \"default_rate\"\n\
         tail_probability = 0.01\ntail_pilot_paths = 300\n",
    ) + "\n[[uncertain]]\nname = \"pd\"\nkeys = [\"segment.pool.annual_pd\"]\n\
         dist = \"uniform\"\nlow = 0.03\nhigh = 0.08\n";
    let path = dir.join("pd.toml");
    fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn sobol_and_morris_points_under_tail_are_weighted_means_that_meet_their_pd() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pd = uncertain_pd(d);
    let sobol = [
        "sobol",
        pd.as_str(),
        "--samples",
        "4",
        "--paths-per-point",
        "64",
        "--metrics",
        "default_rate",
        "--bootstrap",
        "20",
        "-q",
    ];
    single_and_merged(d, &sobol);
    let read = |folder: &str, f: &str| fs::read_to_string(d.join(folder).join(f)).unwrap();
    for f in ["points.csv", "sobol.csv", "design.csv"] {
        assert!(read("single", f) == read("merged", f), "{f} differs");
    }
    let summary = json(&d.join("single/summary.json"));
    assert_eq!(summary["sampling"]["method"], "tail");
    assert_eq!(summary["sampling"]["tail"]["metric"], "default_rate");
    // Each point's mean default rate is its PD, within its weighted standard error.
    let rows = |text: String| -> Vec<Vec<String>> {
        text.lines()
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    };
    let design = rows(read("single", "design.csv"));
    let points = rows(read("single", "points.csv"));
    let at = |header: &[String], name: &str| header.iter().position(|h| h == name).unwrap();
    let pd_at = at(&design[0], "pd");
    let (mean_at, se_at) = (at(&points[0], "mean"), at(&points[0], "se"));
    let z = z_crit(1e-4, points.len() - 1);
    for (p, row) in points[1..].iter().enumerate() {
        let expected: f64 = design[p + 1][pd_at].parse().unwrap();
        let (mean, se): (f64, f64) = (row[mean_at].parse().unwrap(), row[se_at].parse().unwrap());
        assert!(se > 0.0, "point {p}: no error");
        let t = (mean - expected) / se;
        assert!(
            t.abs() < z,
            "point {p}: {mean} against {expected} (se {se:.2e}, z={t:.2})"
        );
    }
    // Morris takes it too.
    succeeds(
        d,
        &[
            "morris",
            &pd,
            "--trajectories",
            "4",
            "--paths-per-point",
            "16",
            "--metrics",
            "default_rate",
            "--bootstrap",
            "20",
            "--out",
            "morris",
            "-q",
        ],
    );
    let morris = json(&d.join("morris/summary.json"));
    assert_eq!(morris["sampling"]["method"], "tail");
}

#[test]
fn a_calibration_under_tail_weighs_its_targets_and_merges_from_shards() {
    // Vasicek's pool with an uncertain PD: a point's mean number of defaults is 10,000 × its
    // PD (0.03 + 0.05 u); history.csv has each target's weighted mean and standard error
    // (`tail_se`), and the shards of the wave merge into what one process keeps.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pd = uncertain_pd(d);
    fs::write(
        d.join("t.toml"),
        "discrepancy = 0\n[[target]]\nname = \"defaults\"\nmetric = \"defaults\"\n\
         year = 2026\nobserved = 500\nobs_rel = 0.1\nsource = \"synthetic\"\n",
    )
    .unwrap();
    let cal = [
        "calibrate",
        pd.as_str(),
        "--targets",
        "t.toml",
        "--points",
        "12",
        "--paths-per-point",
        "32",
        "--waves",
        "1",
        "-q",
    ];
    succeeds(d, &[&cal[..], &["--threads", "2", "--out", "one"]].concat());
    for (shard, threads) in [("1/2", "1"), ("0/2", "2")] {
        succeeds(
            d,
            &[
                &cal[..],
                &["--shard", shard, "--threads", threads, "--out", "wave"],
            ]
            .concat(),
        );
    }
    succeeds(d, &["merge", "wave", "--out", "merged", "-q"]);
    let read = |folder: &str, f: &str| fs::read_to_string(d.join(folder).join(f)).unwrap();
    for f in ["history.csv", "points.csv", "kept.csv"] {
        assert!(read("one", f) == read("merged", f), "{f} differs");
    }
    let summary = json(&d.join("one/summary.json"));
    assert_eq!(summary["sampling"]["method"], "tail");
    let history = read("one", "history.csv");
    let mut lines = history.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|c| c.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 12);
    let z = z_crit(1e-4, rows.len());
    for row in &rows {
        let expected = 10_000.0 * (0.03 + 0.05 * row[at("u_pd")]);
        let (mean, se) = (row[at("defaults.mean")], row[at("defaults.tail_se")]);
        assert!(se > 0.0, "no error");
        let t = (mean - expected) / se;
        assert!(
            t.abs() < z,
            "{mean} against {expected} (se {se:.2}, z={t:.2})"
        );
    }
}
