//! Sensitivity studies on common random numbers: the variants of a study share their paths, so
//! that a small change of a parameter is measured far more precisely than with independent
//! draws; sweeps and tornados move the way an economist expects; and every kind of bad input is
//! refused through the binary with exit code 2, one message, and no folder left behind.
//!
//! Statistical assertions use fixed seeds and state their false-alarm rate: a family of
//! comparisons is tested at `z_crit(1e-4, k)` (Bonferroni), as in `directions.rs`.

mod common;

use std::path::Path;

use common::*;
use microfolio::metrics::Scalar;
use microfolio::study::compare::Compare;
use microfolio::study::params::{SweepParam, VariantSpec};
use microfolio::study::run_variants;
use microfolio::study::sweep::Sweep;
use microfolio::study::tornado::Tornado;
use microfolio::{Options, Silent, Study, Variant};

/// A small lender over three years: two segments, follow-up financing, a credit cycle. About
/// 2,500 loans a path, so that hundreds of paths run in a fraction of a second.
const SMALL: &str = r#"
[meta]
name = "small"
[simulation]
horizon_years = 3
paths = 400
seed = 11
[funding]
state_loan = 10e6
guarantee_room = 30e6
min_cash = 1e6
cash_target = 3e6
[initial_book]
loans = 1000
max_age_months = 36
[origination]
loans_per_year = 400
[credit_cycle]
asset_correlation = 0.1
persistence = 0.3
[followup]
referral_share = 0.5
[[segment]]
name = "starter"
share = 0.6
annual_pd = 0.06
size_cv = 0.5
recovery_sd = 0.15
followup_rate = 0.1
followup_min_age_months = 6
[[segment]]
name = "existing"
share = 0.4
annual_pd = 0.03
followup_rate = 0.1
followup_min_age_months = 6
"#;

fn options(threads: usize) -> Options {
    Options {
        threads: Some(threads),
        memory_budget: None,
    }
}

fn param(s: &str) -> SweepParam {
    s.parse().unwrap_or_else(|e| panic!("{e}"))
}

/// A 10% higher starter PD on the same paths: the paired standard error of the change in
/// defaults and net loss is far below the one independent draws would give. The ratio is an
/// estimate from 400 paths whose relative error is a few percent (sample standard deviations of
/// 400 values); it comes out above 15 for both metrics, so a threshold of 5 leaves a margin of
/// far more than 4 standard errors (a false alarm well below 1e-4 if the seed changed).
#[test]
fn common_random_numbers_shrink_the_standard_error_of_a_small_change() {
    let base = scenario(SMALL, &[]);
    let v: VariantSpec = "higher_pd: segment.starter.annual_pd=0.066"
        .parse()
        .unwrap();
    let compare = Compare::new(std::slice::from_ref(&base), &[v], None, None, vec![]).unwrap();
    let results = compare.compute(&options(2), &Silent).unwrap();
    for m in [Scalar::Defaults, Scalar::NetLoss] {
        let p = results.paired(1, m).unwrap();
        let ratio = p.se_ratio().unwrap();
        println!(
            "{}: diff {:.1}, se paired {:.2}, se independent {:.2}, ratio {ratio:.1}",
            m.name(),
            p.diff,
            p.se.unwrap(),
            p.se_independent.unwrap()
        );
        assert!(
            ratio > 5.0,
            "{}: paired se {:?} vs independent {:?}",
            m.name(),
            p.se,
            p.se_independent
        );
        // The change itself is clearly positive on the paired scale (one of two comparisons).
        assert!(
            p.diff / p.se.unwrap() > z_crit(1e-4, 2),
            "{}: {p:?}",
            m.name()
        );
        // And the paired difference is the difference of the variants' means.
        let means = results.stats(1, m).unwrap().mean - results.stats(0, m).unwrap().mean;
        assert!((means - p.diff).abs() <= 1e-9 * means.abs().max(1.0));
    }
}

/// The study driver runs each variant exactly as a plain run of its scenario would, whatever
/// the number of threads and however the chunks straddle variants.
#[test]
fn each_variant_equals_a_plain_run_on_any_thread_count() {
    let variants: Vec<Variant> = ["0.2", "0.5", "0.9"]
        .iter()
        .map(|share| Variant {
            name: (*share).to_string(),
            settings: Vec::new(),
            scenario: scenario(
                SMALL,
                &[
                    "simulation.paths=70",
                    &format!("followup.referral_share={share}"),
                ],
            ),
        })
        .collect();
    let (one, _) = run_variants(&variants, &options(1), 0, &Silent, |_, r| r.clone()).unwrap();
    let (three, run) = run_variants(&variants, &options(3), 0, &Silent, |_, r| r.clone()).unwrap();
    assert_eq!(run.threads, 3);
    for (k, v) in variants.iter().enumerate() {
        let plain = common::run(&v.scenario, 70);
        assert!(
            identical(&one[k], &plain),
            "variant {k} differs from a plain run"
        );
        assert!(
            identical(&three[k], &plain),
            "variant {k} differs on 3 threads"
        );
    }
    // The variants differ, so the comparisons above could tell them apart.
    assert!(!identical(&one[0], &one[2]), "the variants must differ");
}

/// Defaults rise with the starter PD at every step of a sweep. The sweep reports each value's
/// paired change from the first value; a step from one value to the next is a rise when the
/// change grows by more than `z_crit(1e-4, 4)` times the sum of the two changes' standard
/// errors (a bound on the standard error of their difference, whatever their correlation): 4
/// steps, false-alarm rate 1e-4. (Two independent means' standard errors would not do: at 200
/// paths the last step is only 3.8 of them, which is why studies share their paths.)
#[test]
fn a_sweep_over_the_starter_pd_gives_defaults_that_rise_with_it() {
    let base = scenario(SMALL, &[]);
    let sweep = Sweep::new(
        &base,
        vec![param("segment.starter.annual_pd=0.02:0.10:5")],
        vec![Scalar::Defaults, Scalar::NetLoss],
    )
    .unwrap();
    let r = sweep.compute(&options(2), &Silent).unwrap();
    let values: Vec<f64> = r.points.iter().map(|p| p.values[0]).collect();
    assert_eq!(values, vec![0.02, 0.04, 0.06, 0.08, 0.10]);
    let limit = z_crit(1e-4, 4);
    let change = |k: usize| r.points[k].change[0].map_or((0.0, 0.0), |c| (c.diff, c.se.unwrap()));
    for k in 1..5 {
        let ((before, se_before), (after, se_after)) = (change(k - 1), change(k));
        let z = (after - before) / (se_before + se_after);
        assert!(
            z > limit,
            "defaults at PD {} vs {}: change from the first value {before} → {after} (z {z:.1}, \
             limit {limit:.2})",
            values[k - 1],
            values[k]
        );
    }
    // The paired change from the first value is far more precise than the means' errors.
    let last = r.points.last().unwrap();
    let change = last.change[0].unwrap();
    assert!(change.se.unwrap() < last.stats[0].unwrap().se.unwrap());
    let csv = sweep.csv(&r);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "segment.starter.annual_pd,metric,mean,se,p05,p50,p95"
    );
    assert_eq!(lines.len(), 1 + 5 * 2);
    assert!(lines[1].starts_with("0.02,defaults,"));
}

/// From referring no follow-up need to referring all of them: graduations rise from exactly 0
/// and follow-up loans fall to exactly 0, step by step. The 2 × 2 interior steps are tested at
/// `z_crit(1e-4, 4)` with independent standard errors (conservative, as above).
#[test]
fn a_referral_share_sweep_moves_graduations_up_and_followup_loans_down() {
    let base = scenario(SMALL, &["simulation.paths=200"]);
    let sweep = Sweep::new(
        &base,
        vec![param("followup.referral_share=0:1:3")],
        vec![Scalar::Graduations, Scalar::FollowupLoans],
    )
    .unwrap();
    let r = sweep.compute(&options(2), &Silent).unwrap();
    let mean = |k: usize, m: usize| r.points[k].stats[m].unwrap();
    assert_eq!(mean(0, 0).mean, 0.0, "no graduation without referral");
    assert_eq!(
        mean(2, 1).mean,
        0.0,
        "no follow-up loan when all are referred"
    );
    let limit = z_crit(1e-4, 4);
    for k in 1..3 {
        for (m, up) in [(0, true), (1, false)] {
            let (a, b) = (mean(k - 1, m), mean(k, m));
            let se = (a.se.unwrap().powi(2) + b.se.unwrap().powi(2)).sqrt();
            let rise = if up { b.mean - a.mean } else { a.mean - b.mean };
            let z = rise / se;
            assert!(
                z > limit,
                "step {k}, metric {m}: {} → {} (z {z:.1})",
                a.mean,
                b.mean
            );
        }
    }
}

/// A tornado on a constructed scenario ranks the parameter that matters most first. The PD
/// moves net loss far more than the recovery rate does, and jobs per loan not at all: on common
/// random numbers its swing is exactly zero. The gap between the first two swings is tested
/// against `z_crit(1e-4, 1)` times the sum of the four paired standard errors involved (a bound
/// on the standard error of the gap).
#[test]
fn a_tornado_ranks_the_parameter_that_matters_most_first() {
    let text = format!(
        "{SMALL}[sensitivity]\nparameters = [\n\
         {{ key = \"segment.existing.jobs_per_loan\", low = 0.5, high = 2 }},\n\
         {{ key = \"segment.starter.recovery_mean\", low = 0.25, high = 0.35 }},\n\
         {{ key = \"segment.starter.annual_pd\", low = 0.03, high = 0.09 }},\n]\n"
    );
    let base = scenario(&text, &["simulation.paths=200"]);
    let t = Tornado::new(&base, vec![Scalar::NetLoss], None).unwrap();
    assert_eq!(t.variants().len(), 7);
    let r = t.compute(&options(2), &Silent).unwrap();
    let order: Vec<&str> = r.bars[0]
        .iter()
        .map(|b| t.params()[b.param].key.as_str())
        .collect();
    assert_eq!(
        order,
        [
            "segment.starter.annual_pd",
            "segment.starter.recovery_mean",
            "segment.existing.jobs_per_loan"
        ]
    );
    let (first, second, last) = (&r.bars[0][0], &r.bars[0][1], &r.bars[0][2]);
    assert_eq!(last.swing, 0.0, "jobs per loan cannot move net loss");
    let se = |b: &microfolio::study::tornado::Bar| {
        b.low.unwrap().paired.se.unwrap() + b.high.unwrap().paired.se.unwrap()
    };
    let gap = first.swing - second.swing;
    assert!(
        gap > z_crit(1e-4, 1) * (se(first) + se(second)),
        "gap {gap}, se bound {}",
        se(first) + se(second)
    );
    // Higher PD, more loss; higher recovery, less.
    assert!(first.high.unwrap().mean > first.low.unwrap().mean);
    assert!(second.high.unwrap().mean < second.low.unwrap().mean);
    let csv = t.csv(&r);
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("net_loss,1,segment.starter.annual_pd,0.06,0.03,0.09,")
    );
}

// ---------------------------------------------------------------------------------------------
// Through the binary.
// ---------------------------------------------------------------------------------------------

/// Write `SMALL` (plus `extra`) as `small.toml` in a fresh folder and return the folder.
fn folder_with(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("small.toml"), format!("{SMALL}{extra}")).unwrap();
    dir
}

/// Run `args` (with `--out out --quiet`) in a folder holding `small.toml`: it must fail as bad
/// input does (see [`common::refused`]).
fn refused(extra_toml: &str, args: &[&str], expected: &[&str]) {
    let dir = folder_with(extra_toml);
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--out", "out", "--quiet"]);
    common::refused(dir.path(), &all, expected);
}

#[test]
fn bad_sweeps_are_refused() {
    fn sweep<'a>(p: &[&'a str]) -> Vec<&'a str> {
        let mut a = vec!["sweep", "small.toml"];
        for x in p {
            a.extend(["--param", x]);
        }
        a
    }
    refused(
        "",
        &sweep(&[
            "segment.starter.annual_pd=0:0.5:101",
            "followup.referral_share=0:1:100",
        ]),
        &["101 × 100 = 10,100 variants", "at most 10,000"],
    );
    refused("", &sweep(&["followup.referral_share="]), &["no values"]);
    refused(
        "",
        &sweep(&["followup.referral_share=0.3:0.3:5"]),
        &["step of zero"],
    );
    refused("", &sweep(&["followup.referral_share=0:1:1"]), &["n >= 2"]);
    refused(
        "",
        &sweep(&["funding.guarantee_rom=1,2"]),
        &["funding.guarantee_rom", "no key `guarantee_rom`"],
    );
    refused(
        "",
        &sweep(&["segment.nobody.annual_pd=0.1,0.2"]),
        &["no segment is named `nobody`", "starter, existing"],
    );
    refused(
        "",
        &sweep(&["segment.starter.annual_pd=0.05,1.2"]),
        &[
            "--param segment.starter.annual_pd=0.05,1.2: value 1.2",
            "from 0 up to but not including 1",
        ],
    );
    refused(
        "",
        &sweep(&["simulation.seed=1,2"]),
        &["common random numbers"],
    );
    refused(
        "",
        &sweep(&["segment.starter.seasoning=1,2"]),
        &["is a list"],
    );
    refused(
        "",
        &sweep(&["segment.starter.term_months=12:60:6"]),
        &["whole numbers"],
    );
    refused(
        "",
        &sweep(&["a.b=1,2", "a.c=1,2", "a.d=1,2"]),
        &["one parameter (a line) or two (a grid)"],
    );
    refused("", &sweep(&[]), &["needs a --param"]);
    let mut with_metric = sweep(&["followup.referral_share=0,1"]);
    with_metric.extend(["--metrics", "net_los"]);
    refused("", &with_metric, &["unknown metric `net_los`"]);
    refused(
        "",
        &["sweep", "missing.toml", "--param", "a.b=1,2"],
        &["missing.toml"],
    );
}

#[test]
fn bad_comparisons_are_refused() {
    refused("", &["compare", "small.toml"], &["nothing to compare"]);
    refused(
        "",
        &["compare", "small.toml", "--variant", "x: funding.nokey=1"],
        &["--variant 'x: funding.nokey=1'", "no key `nokey`"],
    );
    refused(
        "",
        &[
            "compare",
            "small.toml",
            "--variant",
            "x: segment.starter.annual_pd=1.5",
        ],
        &["segment.starter.annual_pd = 1.5", "not including 1"],
    );
    refused(
        "",
        &["compare", "small.toml", "--variant", "no colon"],
        &["expected 'NAME: key=value,...'"],
    );
    refused(
        "",
        &[
            "compare",
            "small.toml",
            "--variant",
            "x: simulation.paths=5",
        ],
        &["common random numbers"],
    );
    refused(
        "",
        &[
            "compare",
            "small.toml",
            "--variant",
            "x: followup.referral_share=0.2",
            "--variant",
            "x: followup.referral_share=0.8",
        ],
        &["two variants are named `x`"],
    );
}

#[test]
fn bad_tornados_are_refused() {
    let section = |entry: &str| format!("[sensitivity]\nparameters = [{entry}]\n");
    refused(
        &section("{ key = \"funding.guarantee_rom\", low = 1, high = 2 }"),
        &["tornado", "small.toml"],
        &[
            "small.toml",
            "sensitivity.parameters[0].key",
            "no key `guarantee_rom`",
        ],
    );
    refused(
        &section("{ key = \"segment.starter.annual_pd\", low = 0.03, high = 1.2 }"),
        &["tornado", "small.toml"],
        &[
            "sensitivity.parameters[0].high = 1.2",
            "segment.starter.annual_pd",
        ],
    );
    refused(
        &section("{ key = \"segment.starter.annual_pd\", low = 0.03, high = 0.09 }"),
        &["tornado", "small.toml", "--spread", "0.3"],
        &["--spread applies only to the default list"],
    );
    refused(
        "",
        &["tornado", "small.toml", "--spread", "1.5"],
        &["--spread 1.5"],
    );
    refused(
        "",
        &["tornado", "small.toml", "--metric", "nope"],
        &["unknown metric `nope`"],
    );
}

/// A study refuses an output folder that is not a microfolio result, before any work, and
/// leaves it untouched.
#[test]
fn a_foreign_output_folder_is_refused() {
    let dir = folder_with("");
    std::fs::create_dir(dir.path().join("mine")).unwrap();
    std::fs::write(dir.path().join("mine/thesis.docx"), b"precious").unwrap();
    let out = microfolio(
        dir.path(),
        &[
            "sweep",
            "small.toml",
            "--param",
            "followup.referral_share=0,1",
            "--out",
            "mine",
            "-q",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an earlier microfolio result"));
    assert_eq!(names(&dir.path().join("mine")), ["thesis.docx"]);
    assert_eq!(names(dir.path()), ["mine", "small.toml"]);
}

/// Every SVG parses as XML, every PNG decodes and is not blank, and the report holds them.
fn check_charts(folder: &Path, expected: &[&str]) {
    let html = std::fs::read_to_string(folder.join("report.html")).unwrap();
    for name in expected {
        let svg = std::fs::read_to_string(folder.join(format!("charts/{name}.svg"))).unwrap();
        roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{name}.svg: {e}"));
        let png = std::fs::read(folder.join(format!("charts/{name}.png"))).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (800, 500));
        let distinct: std::collections::HashSet<&[u8]> = buf.chunks(3).collect();
        assert!(distinct.len() > 20, "{name}.png looks blank");
        assert!(
            html.contains(&format!("id=\"{name}\"")),
            "report lacks {name}"
        );
    }
    assert!(!html.contains("<script"), "the report has no scripts");
}

/// Every study prints its table on stdout through the one study handler; a sweep's is the
/// mean of each metric by value.
#[test]
fn a_sweep_prints_a_table_of_means_by_value() {
    let dir = folder_with("");
    let out = microfolio(
        dir.path(),
        &[
            "sweep",
            "small.toml",
            "--paths",
            "20",
            "--param",
            "followup.referral_share=0:1:3",
            "--metrics",
            "graduations,net_loss",
            "--out",
            "out",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("small: sweep of followup.referral_share: 3 variants × 20 paths"),
        "{stdout}"
    );
    let header = lines
        .iter()
        .position(|l| l.starts_with("followup.referral_share"))
        .unwrap_or_else(|| panic!("no table header in {stdout}"));
    assert!(lines[header].contains("graduations") && lines[header].contains("net_loss"));
    let rows: Vec<&str> = lines[header + 1..header + 4].to_vec();
    for (row, value) in rows.iter().zip(["0 ", "0.5 ", "1 "]) {
        assert!(
            row.starts_with(value) && row.contains('€'),
            "{row:?} in {stdout}"
        );
    }
    assert!(lines[header + 4].starts_with("results: out"), "{stdout}");
}

/// The shipped referral-policy scenario: its [sensitivity] section is valid, and the three
/// studies run on it through the binary and write their folders.
#[test]
fn the_three_studies_run_on_the_shipped_referral_policy() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/referral_policy.toml");
    let s = scenario.to_str().unwrap();
    let small = ["--paths", "24", "--set", "simulation.horizon_years=2", "-q"];
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(small);
        let out = microfolio(dir.path(), &all);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };

    run(&["sweep", s, "--param", "followup.referral_share=0:1:3"]);
    let folder = dir.path().join("output/referral_policy-sweep");
    assert_eq!(
        names(&folder),
        [
            ".microfolio-manifest.json",
            "charts",
            "report.html",
            "scenario.toml",
            "summary.json",
            "sweep.csv"
        ]
    );
    let csv = std::fs::read_to_string(folder.join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3 * 10);
    check_charts(&folder, &["sweep_graduations", "sweep_cost_to_state"]);
    // A second sweep replaces the first folder (it is a microfolio result).
    run(&[
        "sweep",
        s,
        "--param",
        "followup.referral_share=0,1",
        "--metrics",
        "net_loss",
    ]);
    assert_eq!(
        std::fs::read_to_string(folder.join("sweep.csv"))
            .unwrap()
            .lines()
            .count(),
        3
    );
    run(&[
        "sweep",
        s,
        "--param",
        "followup.referral_share=0,0.5,1",
        "--param",
        "funding.facility.eib.limit=60e6,100e6",
        "--metrics",
        "cost_to_state",
    ]);
    check_charts(&folder, &["heatmap_cost_to_state"]);

    run(&[
        "compare",
        s,
        "--variant",
        "refer_more: followup.referral_share=0.8",
    ]);
    let folder = dir.path().join("output/referral_policy-compare");
    let csv = std::fs::read_to_string(folder.join("compare.csv")).unwrap();
    assert!(csv.starts_with("variant,reference,metric,n,mean,diff,se,ci_low,ci_high,"));
    assert_eq!(csv.lines().count(), 1 + 2 * Scalar::COUNT);
    assert!(csv.contains("refer_more,referral_policy,cost_to_state,24,"));
    assert!(folder.join("variants/refer_more.toml").is_file());
    check_charts(&folder, &["compare_differences"]);

    run(&["tornado", s]);
    let folder = dir.path().join("output/referral_policy-tornado");
    let csv = std::fs::read_to_string(folder.join("tornado.csv")).unwrap();
    // 17 parameters of [sensitivity], for each of the two default metrics.
    assert_eq!(csv.lines().count(), 1 + 2 * 17);
    check_charts(&folder, &["tornado_cost_to_state", "tornado_net_loss"]);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["study"], "tornado");
    assert_eq!(summary["variants"].as_array().unwrap().len(), 1 + 2 * 17);
}

/// Two scenario files with different seeds are compared on the first one's seed and paths, and
/// the report says so.
#[test]
fn compared_files_share_the_reference_seed_and_paths() {
    let dir = folder_with("");
    std::fs::write(
        dir.path().join("other.toml"),
        format!(
            "{}\n",
            SMALL
                .replace("name = \"small\"", "name = \"other\"")
                .replace("seed = 11", "seed = 99")
                .replace("referral_share = 0.5", "referral_share = 0.9")
        ),
    )
    .unwrap();
    let out = microfolio(
        dir.path(),
        &[
            "compare",
            "small.toml",
            "other.toml",
            "--paths",
            "30",
            "--out",
            "c",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("other − small"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("seed 99") && stderr.contains("seed 11"),
        "{stderr}"
    );
    let other = std::fs::read_to_string(dir.path().join("c/variants/other.toml")).unwrap();
    assert!(
        other.contains("seed = 11") && other.contains("paths = 30"),
        "{other}"
    );
    let html = std::fs::read_to_string(dir.path().join("c/report.html")).unwrap();
    assert!(html.contains("common random numbers"));
}

/// Ctrl-C stops a study before its next path, exits with 130 and leaves nothing.
#[test]
fn ctrl_c_stops_a_study_cleanly() {
    let dir = folder_with("");
    let out = interrupted(
        dir.path(),
        &[
            "sweep",
            "small.toml",
            "--param",
            "followup.referral_share=0:1:11",
            "--paths",
            "1000000",
            "--out",
            "big",
        ],
        std::time::Duration::from_millis(1000),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted") && stderr.contains("no result was written"),
        "{stderr}"
    );
    assert_eq!(
        names(dir.path()),
        ["small.toml"],
        "nothing may be left behind"
    );
}
