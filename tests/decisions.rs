//! Comparisons under parameter uncertainty (`compare --uncertain --draws K --paths-per-draw M`,
//! docs/studies.md) against answers known in advance:
//!
//! - a variant that equals the reference differs by exactly 0 on every path, and is better on
//!   half the draws (every draw a tie, counted one half);
//! - a variant whose own fixed costs are below every drawn value is better on final capital in
//!   every draw, its difference is driven by the draw (parameter share near 1), and the note
//!   and `summary.json` say that it sets a drawn key itself;
//! - a difference that does not depend on the drawn parameter (defaults, when only fixed costs
//!   are drawn and cash never binds) has a parameter share near 0: under that null the estimate
//!   of the between-draw variance is `var(d̄) − σ²_w / M`, whose sd is about `√(2/(K−1)) σ²_w /
//!   M`, so the share is within a few of `√(2/(K−1)) / M` of 0;
//! - the same results on one thread and on two; the command line's refusals (exit code 2, and
//!   more shards than the draws' paths) and the files a run writes (its shards and their merge:
//!   tests/shards.rs);
//! - a sweep nests its paths in draws the same way: defaults rise with the PD on every draw,
//!   with a parameter share near 0, and a swept key that a parameter draws is noted.

mod common;

use common::*;
use microfolio::metrics::Scalar;
use microfolio::study::compare::{Compare, CompareResults};
use microfolio::study::nested::Nesting;
use microfolio::study::params::{SweepParam, VariantSpec};
use microfolio::study::sweep::Sweep;
use microfolio::{Silent, Study};

/// [`GSA_SMALL`] with only its fixed costs uncertain (triangular, half to one and a half
/// times €200k): the PD and the recovery set on the command line, which fixes them.
fn fixed_costs_only() -> microfolio::Scenario {
    scenario(
        GSA_SMALL,
        &["segment.s.annual_pd=0.06", "segment.s.recovery_mean=0.3"],
    )
}

fn compare(specs: &[&str], draws: u64, m: u64, threads: usize) -> (Compare, CompareResults) {
    let base = fixed_costs_only();
    let specs: Vec<VariantSpec> = specs.iter().map(|s| s.parse().unwrap()).collect();
    let c = Compare::new(&[base], &specs, None, None, Vec::new())
        .unwrap()
        .with_uncertainty(Nesting::new(draws, m).unwrap())
        .unwrap();
    let r = c.compute(&on_threads(threads), &Silent).unwrap();
    (c, r)
}

#[test]
fn known_answers_under_parameter_uncertainty() {
    let (c, r) = compare(
        &[
            "same: origination.loans_per_year=200",
            "cheap: costs.fixed_per_year=5e4",
            "riskier: segment.s.annual_pd=0.1",
        ],
        40,
        20,
        2,
    );
    // Equal to the reference: 0 exactly, every draw a tie.
    for m in Scalar::ALL {
        if let Some(p) = r.paired(1, *m) {
            assert_eq!(p.diff, 0.0, "{}", m.name());
            let d = r.draw_stats(1, *m).unwrap();
            if m.direction().is_some() {
                assert_eq!(d.p_better, Some(0.5), "{}", m.name());
            }
        }
    }
    // Below every drawn cost (€100k to €300k): better on every draw, a difference the draw
    // drives. Within a draw the costs differ by the same amount on every path, so little noise
    // is left.
    let d = r.draw_stats(2, Scalar::FinalCapital).unwrap();
    assert_eq!(d.draws, 40);
    assert_eq!(d.p_better, Some(1.0));
    let share = d.param_share.unwrap();
    assert!(share > 0.9, "parameter share {share}");
    assert!(
        c.notes()
            .iter()
            .any(|n| n.contains("cheap sets costs.fixed_per_year itself")),
        "{:?}",
        c.notes()
    );
    assert_eq!(
        c.overridden_keys(),
        vec![
            Vec::<String>::new(),
            Vec::new(),
            vec!["costs.fixed_per_year".to_string()],
            Vec::new()
        ]
    );
    // Defaults do not depend on the drawn costs: a share near 0 (bound: 5 sd of the
    // estimate under that null, √(2/39)/20 ≈ 0.011).
    let d = r.draw_stats(3, Scalar::Defaults).unwrap();
    let share = d.param_share.unwrap();
    assert!(share < 0.06, "parameter share {share}");
    assert_eq!(d.p_better, Some(0.0), "more defaults on every draw");
    // The interval is the draws' (clustered): se = sd(draw means)/√K.
    let draws = r.draws.as_ref().unwrap();
    let means: Vec<f64> = (0..40)
        .map(|k| {
            draws.means[3][Scalar::Defaults.index()][k].unwrap()
                - draws.means[0][Scalar::Defaults.index()][k].unwrap()
        })
        .collect();
    let mean = means.iter().sum::<f64>() / 40.0;
    let sd = (means.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 39.0).sqrt();
    let p = r.paired(3, Scalar::Defaults).unwrap();
    assert!((p.se.unwrap() - sd / 40f64.sqrt()).abs() < 1e-9 * sd);
    assert!(
        (p.diff - mean).abs() < 1e-9 * mean.abs(),
        "every path defined"
    );
}

#[test]
fn the_same_on_any_thread_count() {
    let specs = ["cheap: costs.fixed_per_year=5e4"];
    let (c, one) = compare(&specs, 6, 5, 1);
    let (_, two) = compare(&specs, 6, 5, 2);
    let files = |r: &CompareResults| c.files(r);
    assert_eq!(files(&one), files(&two));
    let draws = String::from_utf8(
        files(&one)
            .into_iter()
            .find(|(n, _)| n == "draws.csv")
            .unwrap()
            .1,
    )
    .unwrap();
    let mut lines = draws.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("draw,seed,uncertain.fixed_costs,variant,"),
        "{header}"
    );
    assert_eq!(lines.count(), 6 * 2, "a row per draw and variant");
}

#[test]
fn compare_uncertain_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("decide.toml"), GSA_SMALL).unwrap();
    let plain = GSA_SMALL.split("[[uncertain]]").next().unwrap();
    std::fs::write(dir.path().join("plain.toml"), plain).unwrap();
    let v = "cheap: costs.fixed_per_year=5e4";
    refused(
        dir.path(),
        &["compare", "decide.toml", "--variant", v, "--draws", "10"],
        &["--draws 10", "--uncertain"],
    );
    refused(
        dir.path(),
        &[
            "compare",
            "decide.toml",
            "--variant",
            v,
            "--uncertain",
            "--paths",
            "50",
        ],
        &["--paths 50", "--paths-per-draw"],
    );
    refused(
        dir.path(),
        &["compare", "plain.toml", "--variant", v, "--uncertain"],
        &["[[uncertain]]"],
    );
    refused(
        dir.path(),
        &[
            "compare",
            "decide.toml",
            "--variant",
            v,
            "--uncertain",
            "--draws",
            "4",
            "--paths-per-draw",
            "3",
            "--shard",
            "0/25",
            "-q",
        ],
        &["--shard 0/25", "24 paths", "at most 24"],
    );
    let out = microfolio(
        dir.path(),
        &[
            "compare",
            "decide.toml",
            "--variant",
            v,
            "--uncertain",
            "--draws",
            "4",
            "--paths-per-draw",
            "3",
            "--out",
            "out",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--draws 4"), "{stderr}");
    assert!(stderr.contains("--paths-per-draw 3"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("P(better|draw)"), "{stdout}");
    let folder = dir.path().join("out");
    let csv = std::fs::read_to_string(folder.join("compare.csv")).unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",direction,draws,p_better_draws,param_share")
    );
    let draws = std::fs::read_to_string(folder.join("draws.csv")).unwrap();
    assert_eq!(draws.lines().count(), 1 + 4 * 2);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("summary.json")).unwrap())
            .unwrap();
    let u = &summary["uncertainty"];
    assert_eq!(u["draws"], 4);
    assert_eq!(u["paths_per_draw"], 3);
    assert_eq!(u["overridden"][0]["variant"], "cheap");
    assert_eq!(u["overridden"][0]["keys"][0], "costs.fixed_per_year");
    assert_eq!(summary["paths"], 12);
    let report = std::fs::read_to_string(folder.join("report.html")).unwrap();
    assert!(report.contains("P(better | draw)"));
}

#[test]
fn sweep_under_parameter_uncertainty() {
    let sweep = |param: &str, draws: u64, m: u64| {
        let p: SweepParam = param.parse().unwrap();
        Sweep::new(&fixed_costs_only(), vec![p], vec![Scalar::Defaults])
            .unwrap()
            .with_uncertainty(Nesting::new(draws, m).unwrap())
            .unwrap()
    };
    // Defaults rise with the PD on every draw, whatever the drawn costs.
    let s = sweep("segment.s.annual_pd=0.06,0.1", 40, 20);
    let r = s.compute(&on_threads(2), &Silent).unwrap();
    let d = r
        .draws
        .as_ref()
        .unwrap()
        .stats(1, Scalar::Defaults)
        .unwrap();
    assert_eq!(d.p_better, Some(0.0));
    assert!(d.param_share.unwrap() < 0.06, "{d:?}");
    assert!(s.notes().is_empty());
    let files = s.files(&r);
    let csv = String::from_utf8(files[0].1.clone()).unwrap();
    assert!(
        csv.starts_with(
            "segment.s.annual_pd,metric,mean,se,p05,p50,p95,draws,p_better_draws,param_share"
        ),
        "{csv}"
    );
    assert_eq!(files[1].0, "draws.csv");
    // A swept key that a parameter draws keeps its swept value, and the notes say so.
    let s = sweep("costs.fixed_per_year=1e5,2e5", 2, 2);
    assert!(
        s.notes()[0].contains("sets costs.fixed_per_year itself"),
        "{:?}",
        s.notes()
    );
}

#[test]
fn sweep_uncertain_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("decide.toml"), GSA_SMALL).unwrap();
    let p = "segment.s.annual_pd=0.06,0.1";
    refused(
        dir.path(),
        &[
            "sweep",
            "decide.toml",
            "--param",
            p,
            "--paths-per-draw",
            "3",
        ],
        &["--paths-per-draw 3", "--uncertain"],
    );
    let out = microfolio(
        dir.path(),
        &[
            "sweep",
            "decide.toml",
            "--param",
            p,
            "--uncertain",
            "--draws",
            "3",
            "--paths-per-draw",
            "2",
            "--out",
            "out",
            "--quiet",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let folder = dir.path().join("out");
    let draws = std::fs::read_to_string(folder.join("draws.csv")).unwrap();
    assert_eq!(draws.lines().count(), 1 + 3 * 2);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["uncertainty"]["draws"], 3);
    assert_eq!(summary["paths"], 6);
}
