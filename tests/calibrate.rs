//! History matching (`microfolio calibrate`, docs/calibration.md "History matching") against
//! answers known in advance:
//!
//! - **A model linear in one parameter with Gaussian errors.** `y = a + b θ` on each path plus
//!   noise of sd σ, θ uniform on (0, 1): a point is non-implausible exactly when
//!   `|z − a − b θ| ≤ c S` with `S² = e² + d² + σ² (1 + 1/M)`, an interval of θ one can write
//!   down. With the model's statistics exact, every point of every wave must be judged as the
//!   interval says, the kept points of the last wave must lie in it and span it, and the prior
//!   left must be its width; with the statistics estimated from M simulated paths, only points
//!   within the estimate's error of an end may be judged otherwise (Bonferroni over the points,
//!   family-wise false-alarm rate 0.001).
//! - **A synthetic truth.** Targets made from one path of a run of a small scenario at known
//!   parameters (another seed than the calibration's paths, so the record is one history the
//!   model could have drawn) with a stated 5% observation error: the truth must lie inside every
//!   wave's box and be kept, and most of the prior must be ruled out.
//! - The same kept set on one thread and on two; the folder's files, `calibrated.toml` run by
//!   `run --uncertain` (each path one whole kept set), Sobol' refusing it; a targets file
//!   refused with `file:line:col`, the key, the value and what is allowed, exit code 2.

mod common;

use common::*;
use microfolio::Yearly;
use microfolio::study::calibrate::implausibility::{self, Measure, TargetStats};
use microfolio::study::calibrate::targets::{Date, Spread, Target, Targets, When};
use microfolio::study::calibrate::waves::{self, WaveSettings};
use microfolio::study::calibrate::{Calibration, CalibrationSettings};
use microfolio::{Options, Silent, Study};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const SMALL: &str = r#"
[meta]
name = "calib_small"
description = "A small lender with three uncertain parameters."
start_year = 2020
[simulation]
horizon_years = 4
paths = 100
seed = 11
[funding]
state_loan = 20e6
guarantee_room = 0
min_cash = 0
cash_target = 1e6
[initial_book]
loans = 300
max_age_months = 24
[origination]
loans_per_year = 300
[costs]
fixed_per_year = 4e5
[[segment]]
name = "s"
mean_size = 15000
annual_pd = 0.06
recovery_mean = 0.3
recovery_sd = 0.1
recovery_lag_months = 6

[[uncertain]]
name = "pd"
keys = ["segment.s.annual_pd"]
dist = "uniform"
low = 0.02
high = 0.15

[[uncertain]]
name = "fixed_costs"
keys = ["costs.fixed_per_year"]
how = "scale"
dist = "uniform"
low = 0.5
high = 1.5

[[uncertain]]
name = "recovery"
keys = ["segment.s.recovery_mean"]
dist = "uniform"
low = 0.1
high = 0.5
"#;

// ---------------------------------------------------------------- the linear model

const A: f64 = 10.0;
const B: f64 = 20.0;
const SIGMA: f64 = 1.5;
const Z: f64 = 20.0;
const OBS: f64 = 0.5;
const DISC: f64 = 0.8;
const CUT: f64 = 3.0;

fn linear_target() -> Target {
    Target {
        name: "y".into(),
        metric: Yearly::NewLoans,
        over: None,
        when: When::At(Date {
            year: 2020,
            month: 12,
        }),
        observed: Z,
        error: Spread::Absolute(OBS),
        discrepancy: Spread::Absolute(DISC),
        date_months: 0.0,
        source: "constructed".into(),
        note: String::new(),
    }
}

/// The non-implausible interval of θ for `M` paths.
fn interval(m: usize) -> (f64, f64) {
    let s = (OBS * OBS + DISC * DISC + SIGMA * SIGMA * (1.0 + 1.0 / m as f64)).sqrt();
    ((Z - A - CUT * s) / B, (Z - A + CUT * s) / B)
}

fn settings(points: usize, waves: usize) -> WaveSettings {
    WaveSettings {
        points,
        waves,
        cutoff: CUT,
        measure: Measure::Largest,
        seed: 5,
    }
}

#[test]
fn linear_model_with_exact_statistics_keeps_exactly_the_interval() {
    const M: usize = 32;
    let (lo, hi) = interval(M);
    assert!(0.2 < lo && hi < 0.8, "the interval lies inside the prior");
    let t = [linear_target()];
    let s = settings(256, 4);
    let h = waves::run(1, &t, &s, |_, units| {
        Ok(units
            .iter()
            .map(|u| {
                vec![TargetStats {
                    n: M,
                    mean: A + B * u[0],
                    var_paths: SIGMA * SIGMA,
                    date_sd: 0.0,
                    rqmc_se: None,
                }]
            })
            .collect())
    })
    .unwrap();
    for p in &h.points {
        let inside = (lo..=hi).contains(&p.unit[0]);
        assert_eq!(p.kept, inside, "θ = {} in wave {}", p.unit[0], p.wave);
    }
    // The first wave's kept share is the interval's width, to the design's resolution: a
    // scrambled Sobol' design puts one point in each of 256 equal cells.
    let w1 = &h.waves[0];
    assert!((w1.kept_share() - (hi - lo)).abs() <= 2.0 / 256.0, "{w1:?}");
    for w in &h.waves {
        assert!(
            w.region.low[0] <= lo && w.region.high[0] >= hi,
            "wave {} samples [{}, {}], which must hold the interval [{lo}, {hi}]",
            w.wave,
            w.region.low[0],
            w.region.high[0]
        );
    }
    // The last wave's kept points span the interval to within a few of its points' spacing,
    // and the prior left is its width to the same resolution.
    let last = h.waves.last().unwrap();
    let gap = 3.0 * last.region.volume() / last.points as f64;
    let kept: Vec<f64> = h.kept().map(|p| p.unit[0]).collect();
    let (kmin, kmax) = kept
        .iter()
        .fold((1.0f64, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
    assert!(kmin - lo <= gap && hi - kmax <= gap, "{kmin}..{kmax}");
    assert!(
        (last.space_left - (hi - lo)).abs() <= gap,
        "prior left {} against the interval's width {}",
        last.space_left,
        hi - lo
    );
    assert!(h.waves.len() >= 2, "the box narrows in a second wave");
}

#[test]
fn linear_model_with_simulated_paths_is_judged_as_the_interval_says() {
    const M: usize = 4000;
    const POINTS: usize = 512;
    let (lo, hi) = interval(M);
    let t = [linear_target()];
    let h = waves::run(1, &t, &settings(POINTS, 1), |_, units| {
        Ok(units
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(1000 + i as u64);
                let ys: Vec<f64> = (0..M)
                    .map(|_| {
                        // Box–Muller: a standard normal from two uniforms.
                        let (u1, u2): (f64, f64) = (rng.random(), rng.random());
                        let n = (-2.0 * (1.0 - u1).ln()).sqrt()
                            * (2.0 * std::f64::consts::PI * u2).cos();
                        A + B * u[0] + SIGMA * n
                    })
                    .collect();
                vec![TargetStats::of(&ys, 0.0)]
            })
            .collect())
    })
    .unwrap();
    // The estimated mean misses by σ/√M (sd); the estimated S by about σ² √(2/(M−1)) / (2S).
    let s = (OBS * OBS + DISC * DISC + SIGMA * SIGMA * (1.0 + 1.0 / M as f64)).sqrt();
    let sd_end = (SIGMA / (M as f64).sqrt()
        + CUT * SIGMA * SIGMA * (2.0 / (M as f64 - 1.0)).sqrt() / (2.0 * s))
        / B;
    let margin = z_crit(0.001, POINTS) * sd_end;
    let mut judged_inside = 0;
    for p in &h.points {
        let x = p.unit[0];
        if (x - lo).abs() > margin && (x - hi).abs() > margin {
            assert_eq!(p.kept, (lo..=hi).contains(&x), "θ = {x}");
            judged_inside += 1;
        }
    }
    assert!(judged_inside > POINTS * 9 / 10, "the margin is narrow");
}

// ---------------------------------------------------------------- targets files

fn small() -> microfolio::Scenario {
    scenario(SMALL, &[])
}

fn refused_targets(text: &str) -> String {
    Targets::parse("t.toml", text, &small())
        .unwrap_err()
        .to_string()
}

#[test]
fn targets_files_are_refused_with_place_key_value_and_what_is_allowed() {
    let ok = r#"
[[target]]
name = "credits"
metric = "new_loans"
from = 2020
to = "2022-06"
observed = 700
obs_rel = 0.1
source = "test"
"#;
    let t = Targets::parse("t.toml", ok, &small()).unwrap();
    assert_eq!(
        t.targets[0].date_months, 1.0,
        "a date inside a year: a month"
    );
    assert_eq!(
        t.targets[0].discrepancy,
        Spread::Relative(0.1),
        "the default discrepancy"
    );

    let e = refused_targets(&ok.replace("new_loans", "new_loan"));
    assert!(
        e.starts_with("t.toml:4:10: target.credits.metric = \"new_loan\""),
        "{e}"
    );
    assert!(
        e.contains("allowed: a yearly metric") && e.contains("guarantee_exposure"),
        "{e}"
    );

    let e = refused_targets(&ok.replace("\"2022-06\"", "2030"));
    assert!(e.starts_with("t.toml:6:6: target.credits.to = 2030"), "{e}");
    assert!(e.contains("2020 to 2023"), "{e}");

    let e = refused_targets(&ok.replace("from = 2020", "from = 2019"));
    assert!(
        e.starts_with("t.toml:5:8: target.credits.from = 2019"),
        "{e}"
    );

    let e = refused_targets(&ok.replace("\"2022-06\"", "\"2022-13\""));
    assert!(e.contains("target.credits.to = \"2022-13\""), "{e}");

    let e = refused_targets(&ok.replace("obs_rel = 0.1\n", ""));
    assert!(e.contains("exactly one of `obs_sd`"), "{e}");

    let e = refused_targets(&ok.replace("obs_rel = 0.1", "obs_rel = -0.1"));
    assert!(
        e.starts_with("t.toml:8:11: target.credits.obs_rel = -0.1"),
        "{e}"
    );

    let e = refused_targets(&ok.replace("observed = 700", "observed = 700\nweight = 2"));
    assert!(
        e.starts_with("t.toml:8:1: ") && e.contains("unknown field `weight`"),
        "{e}"
    );

    let e = refused_targets(&format!("{ok}{ok}"));
    assert!(
        e.contains("target.name = \"credits\"") && e.contains("no other target"),
        "{e}"
    );

    let e = refused_targets(
        &ok.replace("to = \"2022-06\"", "year = \"2020-06\"")
            .replace("from = 2020\n", ""),
    );
    assert!(e.contains("after the first (2020)"), "{e}");

    let e = refused_targets("");
    assert!(e.contains("no [[target]]"), "{e}");
}

#[test]
fn the_command_line_refuses_a_bad_targets_file_with_exit_code_2() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("small.toml"), SMALL).unwrap();
    std::fs::write(
        tmp.path().join("t.toml"),
        "[[target]]\nname = \"x\"\nmetric = \"capital\"\nyear = 2031\nobserved = 1\nobs_sd = 1\nsource = \"s\"\n",
    )
    .unwrap();
    let e = refused_cli(
        tmp.path(),
        &["calibrate", "small.toml", "--targets", "t.toml"],
    );
    assert!(
        e.contains("t.toml:4:8: target.x.year = 2031: allowed: a year"),
        "{e}"
    );
}

fn refused_cli(dir: &std::path::Path, args: &[&str]) -> String {
    let out = microfolio(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    stderr
}

// ---------------------------------------------------------------- the synthetic truth

/// The truth's values of the uncertain parameters, and their unit coordinates under the
/// uniform priors of SMALL.
const TRUTH: [f64; 3] = [0.07, 1.1, 0.3];
const TRUTH_UNIT: [f64; 3] = [(0.07 - 0.02) / 0.13, (1.1 - 0.5) / 1.0, (0.3 - 0.1) / 0.4];

/// Targets made from path 0 of a run at the truth under another seed, 5% observation error
/// and no discrepancy (the model is the truth's own).
fn synthetic_targets(s: &microfolio::Scenario) -> Targets {
    let truth = s
        .at_values(&TRUTH)
        .unwrap()
        .with_run_size(Some(1), Some(424242))
        .unwrap();
    let record = run(&truth, 1);
    let specs = [
        ("defaults", "metric = \"defaults\"\nfrom = 2020\nto = 2023"),
        ("capital", "metric = \"capital\"\nyear = 2023"),
        ("capital_mid", "metric = \"capital\"\nyear = \"2022-06\""),
        (
            "loss_share",
            "metric = \"net_loss\"\nover = \"new_volume\"\nfrom = 2020\nto = 2023",
        ),
    ];
    let mut text = String::from("discrepancy = 0\n");
    for (name, reads) in specs {
        let stub = format!(
            "[[target]]\nname = \"{name}\"\n{reads}\nobserved = 1\nobs_rel = 0.05\nsource = \"synthetic\"\n"
        );
        let t = Targets::parse("synthetic.toml", &stub, s).unwrap();
        let observed = implausibility::evaluate(&t.targets[0], &record, 2020).mean;
        assert!(
            observed.is_finite() && observed != 0.0,
            "{name}: {observed}"
        );
        text.push_str(&stub.replace("observed = 1", &format!("observed = {observed}")));
    }
    Targets::parse("synthetic.toml", &text, s).unwrap()
}

fn calibrate(threads: usize) -> (Calibration, microfolio::study::calibrate::Calibrated) {
    let s = small();
    calibrated(synthetic_targets(&s), (96, 16, 3), threads)
}

/// A calibration of SMALL to `targets` of (points, paths per point, waves), computed on
/// `threads` threads.
fn calibrated(
    targets: Targets,
    (points, paths_per_point, waves): (usize, u64, usize),
    threads: usize,
) -> (Calibration, microfolio::study::calibrate::Calibrated) {
    let c = Calibration::new(
        &small(),
        targets,
        CalibrationSettings {
            points,
            paths_per_point,
            waves,
            ..CalibrationSettings::default()
        },
    )
    .unwrap();
    let options = Options {
        threads: Some(threads),
        memory_budget: None,
    };
    let r = c.compute(&options, &Silent).unwrap();
    (c, r)
}

#[test]
fn a_synthetic_truth_is_kept_in_every_wave_and_most_of_the_space_is_ruled_out() {
    let (c, r) = calibrate(2);
    let h = &r.history;
    // The truth, simulated on the calibration's own paths, is not implausible.
    let options = Options {
        threads: Some(2),
        memory_budget: None,
    };
    let (stats, _) = c
        .evaluate(&[TRUTH_UNIT.to_vec()], &options, &Silent)
        .unwrap();
    let judged = waves::judge(
        &c.targets().targets,
        &WaveSettings {
            points: 1,
            waves: 1,
            cutoff: c.settings().cutoff,
            measure: c.settings().measure,
            seed: 0,
        },
        TRUTH_UNIT.to_vec(),
        0,
        0,
        stats[0].clone(),
    );
    assert!(
        judged.kept,
        "the truth's implausibilities {:?}",
        judged.implausibility
    );
    for w in &h.waves {
        assert!(
            w.region.contains(&TRUTH_UNIT),
            "wave {} samples {:?}, without the truth {TRUTH_UNIT:?}",
            w.wave,
            w.region
        );
        // And a candidate at the truth would be accepted: its nearest point of the earlier
        // waves (in widths of the wave's box) was kept.
        let widths: Vec<f64> = w
            .region
            .low
            .iter()
            .zip(&w.region.high)
            .map(|(l, h)| h - l)
            .collect();
        let nearest = h.points.iter().filter(|p| p.wave < w.wave).min_by(|a, b| {
            let d = |p: &waves::Judged| -> f64 {
                p.unit
                    .iter()
                    .zip(&TRUTH_UNIT)
                    .zip(&widths)
                    .map(|((x, t), w)| ((x - t) / w).powi(2))
                    .sum()
            };
            d(a).total_cmp(&d(b))
        });
        if let Some(p) = nearest {
            assert!(
                p.kept,
                "wave {}: the truth's nearest earlier point {p:?} was ruled out",
                w.wave
            );
        }
    }
    assert!(h.waves.len() >= 2, "{:?}", h.waves);
    let last = h.waves.last().unwrap();
    assert!(
        last.space_left < 0.25,
        "most of the prior is ruled out: {:?}",
        h.waves
    );
    assert!(h.kept().count() > 0);
    // The pd is pinned down by the defaults: the kept sets lie near the truth's.
    let pds: Vec<f64> = h.kept().map(|p| c.problem().values(&p.unit)[0]).collect();
    let (lo, hi) = pds
        .iter()
        .fold((1.0f64, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
    assert!(lo <= TRUTH[0] && TRUTH[0] <= hi, "{lo}..{hi}");
    assert!(hi - lo < 0.5 * 0.13, "the pd's kept range {lo}..{hi}");
}

#[test]
fn the_same_kept_set_on_any_thread_count() {
    let (_, one) = calibrate(1);
    let (_, two) = calibrate(2);
    assert_eq!(one.history, two.history);
}

// ---------------------------------------------------------------- the folder

#[test]
fn the_folder_holds_its_tables_and_a_calibrated_scenario_that_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("small.toml"), SMALL).unwrap();
    let s = small();
    let targets = synthetic_targets(&s);
    let mut text = String::from("discrepancy = 0\n");
    for t in &targets.targets {
        let reads = match t.when {
            When::At(d) => format!("year = \"{}-{:02}\"", d.year, d.month),
            When::Sum { from, to } => {
                format!("from = {from}\nto = \"{}-{:02}\"", to.year, to.month)
            }
        };
        let over = t
            .over
            .map_or(String::new(), |o| format!("over = \"{}\"\n", o.name()));
        text.push_str(&format!(
            "[[target]]\nname = \"{}\"\nmetric = \"{}\"\n{over}{reads}\nobserved = {}\nobs_rel = 0.05\nsource = \"synthetic\"\n",
            t.name,
            t.metric.name(),
            t.observed
        ));
    }
    std::fs::write(dir.join("t.toml"), text).unwrap();
    let out = microfolio(
        dir,
        &[
            "calibrate",
            "small.toml",
            "--targets",
            "t.toml",
            "--points",
            "48",
            "--paths-per-point",
            "8",
            "--waves",
            "2",
            "--out",
            "cal",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("kept share"), "{stdout}");
    let cal = dir.join("cal");
    for f in [
        "points.csv",
        "kept.csv",
        "targets.csv",
        "waves.csv",
        "summary.json",
        "scenario.toml",
        "calibrated.toml",
        "report.html",
        ".microfolio-manifest.json",
        "charts/calibrate_targets.svg",
        "charts/calibrate_parameters.png",
        "charts/calibrate_waves.svg",
    ] {
        assert!(cal.join(f).is_file(), "{f}");
    }
    let points = std::fs::read_to_string(cal.join("points.csv")).unwrap();
    let header = points.lines().next().unwrap();
    assert!(
        header.starts_with("wave,point,kept,measure,pd,fixed_costs,recovery,u_pd"),
        "{header}"
    );
    assert!(header.contains("defaults.implausibility"), "{header}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cal.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["study"], "calibrate");
    // Which further observation would rule out most: a share of the kept sets per target.
    for t in summary["targets"].as_array().unwrap() {
        let share = t["ruled_out_if_sharper"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&share), "{t}");
    }
    let report = std::fs::read_to_string(cal.join("report.html")).unwrap();
    assert!(
        report.contains("would rule out most"),
        "the report says which observation"
    );
    let kept_sets = summary["calibration"]["kept_sets"].as_u64().unwrap() as usize;
    let kept = std::fs::read_to_string(cal.join("kept.csv")).unwrap();
    assert_eq!(kept.lines().count(), kept_sets + 1);
    assert!(kept_sets > 0);
    let sets: Vec<Vec<f64>> = kept
        .lines()
        .skip(1)
        .map(|l| l.split(',').skip(3).map(|x| x.parse().unwrap()).collect())
        .collect();

    // Each path of the calibrated scenario takes one whole kept set.
    let out = microfolio(
        dir,
        &[
            "run",
            "cal/calibrated.toml",
            "--uncertain",
            "--paths",
            "40",
            "--quiet",
            "--out",
            "run",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let paths = std::fs::read_to_string(dir.join("run/paths.csv")).unwrap();
    let mut lines = paths.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let cols: Vec<usize> = [
        "uncertain.pd",
        "uncertain.fixed_costs",
        "uncertain.recovery",
    ]
    .iter()
    .map(|c| head.iter().position(|h| h == c).unwrap())
    .collect();
    let mut seen = std::collections::BTreeSet::new();
    for l in lines {
        let cells: Vec<&str> = l.split(',').collect();
        let drawn: Vec<f64> = cols.iter().map(|&c| cells[c].parse().unwrap()).collect();
        let k = sets
            .iter()
            .position(|s| {
                s.iter()
                    .zip(&drawn)
                    .all(|(a, b)| (a - b).abs() <= 1e-9 * a.abs().max(1.0))
            })
            .unwrap_or_else(|| panic!("{drawn:?} is no kept set"));
        seen.insert(k);
    }
    assert!(seen.len() > 1.min(kept_sets), "paths draw different sets");

    // A method that needs independent inputs refuses it.
    let e = refused_cli(dir, &["sobol", "cal/calibrated.toml", "--samples", "4"]);
    assert!(e.contains("independent inputs"), "{e}");
}

// ---------------------------------------------------------------- the shipped record

#[test]
fn the_shipped_record_reads_against_the_history_scenario() {
    let s = shipped("history", &[]);
    assert!(s.uncertain().len() >= 8, "the history's prior");
    let t = Targets::load(&root().join("scenarios/history_targets.toml"), &s)
        .unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = t.targets.iter().map(|t| t.name.as_str()).collect();
    for n in [
        "credits_2010_08",
        "loss_2014_06",
        "oss_2014",
        "credits_2021",
    ] {
        assert!(names.contains(&n), "{names:?}");
    }
    // Every target has a source, and the dates inside a year are widened.
    assert!(t.targets.iter().all(|t| !t.source.is_empty()));
    assert!(
        t.targets
            .iter()
            .filter(|t| !t.when.date().year_end())
            .all(|t| t.date_months > 0.0)
    );
}

// ---------------------------------------------------------------- in shards, one wave at a time

/// Two targets that keep a few of twelve points of wave 1 and let a second wave run.
const SHARD_TARGETS: &str = r#"
discrepancy = 0
[[target]]
name = "defaults"
metric = "defaults"
from = 2020
to = 2023
observed = 60
obs_rel = 0.1
source = "synthetic"
[[target]]
name = "capital"
metric = "capital"
year = 2023
observed = 17e6
obs_rel = 0.1
source = "synthetic"
"#;

/// `microfolio ARGS`, which must succeed; its stderr.
fn succeeds(dir: &std::path::Path, args: &[&str]) -> String {
    let out = microfolio(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {stderr}");
    stderr
}

fn read(path: std::path::PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The calibration of `small.toml` against `t.toml` that the tests of shards run: 12 points of
/// 8 paths, 2 waves.
const SHARD_CALIBRATION: [&str; 10] = [
    "calibrate",
    "small.toml",
    "--targets",
    "t.toml",
    "--points",
    "12",
    "--paths-per-point",
    "8",
    "--waves",
    "2",
];

#[test]
fn a_calibration_in_shards_one_wave_at_a_time_keeps_what_one_process_keeps() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("small.toml"), SMALL).unwrap();
    std::fs::write(dir.join("t.toml"), SHARD_TARGETS).unwrap();
    let cal = SHARD_CALIBRATION;
    let with =
        |more: &[&str]| -> Vec<String> { cal.iter().chain(more).map(|s| s.to_string()).collect() };
    let run = |more: &[&str]| {
        let args = with(more);
        succeeds(dir, &args.iter().map(String::as_str).collect::<Vec<_>>())
    };

    // (a) One process, on one thread and on two.
    run(&["--threads", "1", "--out", "one", "-q"]);
    run(&["--threads", "2", "--out", "two", "-q"]);
    // (b) Wave 1 in two shards, merged; wave 2 in three, continuing from the merged folder.
    run(&["--shard", "0/2", "--threads", "2", "--out", "wave1", "-q"]);
    run(&["--shard", "1/2", "--threads", "1", "--out", "wave1", "-q"]);
    let said = succeeds(dir, &["merge", "wave1", "--out", "after1"]);
    assert!(
        said.contains("wave 2 of at most 2 is next")
            && said.contains("--continue")
            && said.contains("after1"),
        "the merge says which command continues: {said}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&read(dir.join("after1/summary.json"))).unwrap();
    assert_eq!(summary["calibration"]["stopped"], serde_json::Value::Null);
    assert_eq!(summary["calibration"]["next_wave"], 2);
    for i in 0..3 {
        let shard = format!("{i}/3");
        let threads = if i == 1 { "1" } else { "2" };
        run(&[
            "--continue",
            "after1",
            "--shard",
            &shard,
            "--threads",
            threads,
            "--out",
            "wave2",
            "-q",
        ]);
    }
    let said = succeeds(dir, &["merge", "wave2", "--out", "after2"]);
    assert!(
        said.contains("the waves have stopped after wave 2"),
        "{said}"
    );

    let one = dir.join("one");
    for f in [
        "points.csv",
        "kept.csv",
        "history.csv",
        "waves.csv",
        "calibration.json",
        "calibrated.toml",
    ] {
        let a = read(one.join(f));
        assert_eq!(
            a,
            read(dir.join("two").join(f)),
            "{f} on one thread and on two"
        );
        assert_eq!(
            a,
            read(dir.join("after2").join(f)),
            "{f} in one process and in shards"
        );
    }
    let kept = read(one.join("kept.csv"));
    assert!(kept.lines().count() > 1, "something is kept: {kept}");
    let points = read(one.join("points.csv"));
    assert!(
        points.lines().any(|l| l.starts_with("2,")),
        "a second wave ran"
    );
    // After wave 1 the merged folder holds wave 1 exactly as the process had it.
    let first: Vec<&str> = points.lines().filter(|l| !l.starts_with("2,")).collect();
    assert_eq!(
        read(dir.join("after1/points.csv"))
            .lines()
            .collect::<Vec<_>>(),
        first
    );

    // The history read back from a folder is the one in memory, exactly.
    let targets = Targets::parse("t.toml", SHARD_TARGETS, &small()).unwrap();
    let (c, r) = calibrated(targets, (12, 8, 2), 2);
    let in_memory = r.history;
    assert!(
        in_memory
            .points
            .iter()
            .all(|p| p.stats.iter().all(|t| t.n > 0))
    );
    assert_eq!(c.history_in(&one).unwrap(), in_memory);
    assert_eq!(c.history_in(&dir.join("after2")).unwrap(), in_memory);
    let after1 = c.history_in(&dir.join("after1")).unwrap();
    assert_eq!(after1.stop, None);
    assert_eq!(after1.waves[..], in_memory.waves[..1]);

    // (c) The remaining waves in one process, continuing the merged folder.
    run(&["--continue", "after1", "--out", "rest", "-q"]);
    assert_eq!(read(dir.join("rest/points.csv")), points);
    assert_eq!(read(dir.join("rest/kept.csv")), kept);

    // Shards of wave 1 and of wave 2 together are other work.
    std::fs::create_dir(dir.join("mixed")).unwrap();
    for (from, shard) in [
        ("wave1", "shard-0000-of-0002"),
        ("wave2", "shard-0001-of-0003"),
        ("wave2", "shard-0002-of-0003"),
    ] {
        std::fs::rename(dir.join(from).join(shard), dir.join("mixed").join(shard)).unwrap();
    }
    let e = refused_cli(dir, &["merge", "mixed", "--out", "none"]);
    assert!(
        e.contains("shards of different work") && e.contains("recipe.previous"),
        "{e}"
    );
    assert!(!dir.join("none").exists());

    // More shards than the wave has points, refused before any work (as `submit.sh` runs it).
    let args = with(&["--continue", "after1", "--shard", "0/13", "--plan"]);
    let e = refused_cli(dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(e.contains("13 shards of 12 design points"), "{e}");

    // A folder of other targets, another setting, a stopped one, or none at all, refused.
    std::fs::write(
        dir.join("t2.toml"),
        SHARD_TARGETS.replace("observed = 60", "observed = 61"),
    )
    .unwrap();
    let mut other = with(&["--continue", "after1", "--shard", "0/2", "--out", "x"]);
    other[3] = "t2.toml".into();
    let e = refused_cli(dir, &other.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        e.contains("--continue after1: it is a calibration of other work")
            && e.contains(
                "targets file: [[target]] \"defaults\": `observed = 60` vs `observed = 61`"
            ),
        "{e}"
    );
    let mut other = with(&["--continue", "after1"]);
    other[5] = "13".into();
    let e = refused_cli(dir, &other.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(e.contains("--points: 12 vs 13"), "{e}");
    let args = with(&["--continue", "after1", "--set", "costs.fixed_per_year=5e5"]);
    let e = refused_cli(dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        e.contains(
            "scenario toml: [costs]: `fixed_per_year = 400000.0` vs `fixed_per_year = 500000.0`"
        ),
        "{e}"
    );
    let args = with(&["--continue", "after2", "--shard", "0/2"]);
    let e = refused_cli(dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        e.contains("--continue after2: its waves have stopped after wave 2"),
        "{e}"
    );
    let args = with(&["--continue", "wave2"]);
    let e = refused_cli(dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        e.contains("--continue wave2: not the result folder of a calibration"),
        "{e}"
    );
    // An edited history is not continued.
    let history = read(dir.join("after1/history.csv"));
    let edited = history.replacen("1,0,0.", "1,0,0.1", 1);
    assert_ne!(edited, history);
    std::fs::write(dir.join("after1/history.csv"), edited).unwrap();
    let args = with(&["--continue", "after1"]);
    let e = refused_cli(dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(e.contains("history.csv does not match the CRC-32"), "{e}");
    assert!(!dir.join("x").exists());
}

#[test]
fn a_calibration_under_rqmc_in_shards_keeps_what_one_process_keeps() {
    // Issue 24: under rqmc a target's Monte Carlo error is the randomisations' (history.csv's
    // `rqmc_se`, a third pair per target in a shard's record), and the shards of each wave,
    // on mixed thread counts, merge into what one process keeps, byte for byte.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("small.toml"), SMALL).unwrap();
    std::fs::write(dir.join("t.toml"), SHARD_TARGETS).unwrap();
    let cal = [
        &SHARD_CALIBRATION[..],
        &[
            "--sampling",
            "rqmc",
            "--set",
            "simulation.rqmc_randomisations=4",
            "-q",
        ],
    ]
    .concat();
    let run = |more: &[&str]| succeeds(dir, &[&cal[..], more].concat());
    run(&["--threads", "2", "--out", "one"]);
    run(&["--shard", "1/2", "--threads", "1", "--out", "wave1"]);
    run(&["--shard", "0/2", "--threads", "2", "--out", "wave1"]);
    succeeds(dir, &["merge", "wave1", "--out", "after1", "-q"]);
    for (shard, threads) in [("0/2", "1"), ("1/2", "2")] {
        run(&[
            "--continue",
            "after1",
            "--shard",
            shard,
            "--threads",
            threads,
            "--out",
            "wave2",
        ]);
    }
    succeeds(dir, &["merge", "wave2", "--out", "after2", "-q"]);
    for f in ["points.csv", "kept.csv", "history.csv", "calibration.json"] {
        assert_eq!(
            read(dir.join("one").join(f)),
            read(dir.join("after2").join(f)),
            "{f} in one process and in shards"
        );
    }
    let history = read(dir.join("one/history.csv"));
    assert!(
        history.lines().next().unwrap().contains(".rqmc_se"),
        "{history}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&read(dir.join("one/summary.json"))).unwrap();
    assert_eq!(summary["sampling"]["method"], "rqmc");
    assert_eq!(summary["sampling"]["randomisations"], 4);
}
