//! The command line end to end: a good run leaves a complete folder and a summary; every class
//! of bad input exits with code 2 and one message naming the file, the key, the value and what
//! is allowed, without a panic and without leaving any folder behind.

mod common;

use std::path::Path;

use common::*;
use microfolio::scenario::{KEYS, KeySpec};

const SEGMENT: &str = "[[segment]]\nname = \"a\"\n";

/// Write `text` as `bad.toml` in a fresh folder, run `microfolio run bad.toml --out out` with
/// `extra` arguments, and check that it fails as bad input should (see [`common::refused`]).
/// Returns stderr.
fn refused(text: &str, extra: &[&str], expected: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), text).unwrap();
    let mut args = vec!["run", "bad.toml", "--out", "out", "--quiet"];
    args.extend_from_slice(extra);
    common::refused(dir.path(), &args, expected)
}

#[test]
fn malformed_toml_gives_line_and_column() {
    refused("[funding\n", &[], &["bad.toml:1:9"]);
    refused(
        &format!("{SEGMENT}annual_pd = 0.0.3\n"),
        &[],
        &["bad.toml:3:"],
    );
}

#[test]
fn unknown_keys_and_wrong_types_are_named() {
    refused(
        &format!("[funding]\nmin_cahs = 1\n{SEGMENT}"),
        &[],
        &["bad.toml:2:1", "funding.min_cahs", "unknown field"],
    );
    refused(
        &format!("[fundign]\n{SEGMENT}"),
        &[],
        &["bad.toml:1:", "fundign"],
    );
    refused(
        &format!("{SEGMENT}annual_pd = \"high\"\n"),
        &[],
        &[
            "bad.toml:3:",
            "segment.a.annual_pd",
            "expected a number, such as",
        ],
    );
    refused(
        &format!("{SEGMENT}term_months = 60.5\n"),
        &[],
        &["segment.a.term_months", "whole number"],
    );
}

#[test]
fn non_finite_numbers_are_refused() {
    refused(
        &format!("{SEGMENT}annual_pd = nan\n"),
        &[],
        &["bad.toml", "segment.a.annual_pd = nan", "allowed"],
    );
    refused(
        &format!("[funding]\ninitial_reserves = -inf\n{SEGMENT}"),
        &[],
        &["funding.initial_reserves = -inf", "finite"],
    );
    refused(
        &format!("[credit_cycle]\nshifts = [0, inf]\n{SEGMENT}"),
        &[],
        &["credit_cycle.shifts[1] = inf"],
    );
}

#[test]
fn values_out_of_range_are_refused_with_the_allowed_range() {
    refused(
        &format!("{SEGMENT}annual_pd = 1.5\n"),
        &[],
        &[
            "segment.a.annual_pd = 1.5",
            "from 0 up to but not including 1",
        ],
    );
    refused(
        &format!("[followup]\nreferral_share = -0.1\n{SEGMENT}"),
        &[],
        &["followup.referral_share = -0.1", "from 0 to 1"],
    );
    refused(
        &format!("[funding]\nstate_loan = -1\n{SEGMENT}"),
        &[],
        &["funding.state_loan = -1", "from 0 to 1e15"],
    );
    refused(
        &format!("[initial_book]\nloans = -3\n{SEGMENT}"),
        &[],
        &["initial_book.loans = -3", "from 0 to 10000000"],
    );
    refused(
        &format!("[simulation]\nhorizon_years = 51\n{SEGMENT}"),
        &[],
        &["simulation.horizon_years = 51", "from 1 to 50"],
    );
    refused(
        &format!("[funding]\ncash_target = 1\n{SEGMENT}"),
        &[],
        &["funding.cash_target = 1", "funding.min_cash"],
    );
}

#[test]
fn cross_field_rules_are_refused() {
    refused(
        &format!("{SEGMENT}recovery_sd = 0.6\n"),
        &[],
        &["segment.a.recovery_sd = 0.6", "sd^2 < mean*(1-mean)"],
    );
    refused(
        &format!("{SEGMENT}share = 0\n"),
        &[],
        &["share", "not all 0"],
    );
    refused(
        &format!("{SEGMENT}min_size = 300000\n"),
        &[],
        &["segment.a.min_size = 300000", "origination.cap"],
    );
    refused(
        &format!("{SEGMENT}grace_months = 60\n"),
        &[],
        &["segment.a.grace_months = 60", "from 0 to 59"],
    );
    refused(
        &format!("[initial_book]\nloans = 90000\n{SEGMENT}"),
        &[],
        &["initial_book.loans = 90000", "guarantee_room"],
    );
    refused(
        &format!("[followup]\npd_multiplier = 40\n{SEGMENT}"),
        &[],
        &[
            "followup.pd_multiplier = 40",
            "annual_pd * pd_multiplier < 1",
        ],
    );
    refused(
        &format!("{SEGMENT}{SEGMENT}"),
        &[],
        &["segment[1].name", "no other segment"],
    );
    refused("[meta]\nname = \"x\"\n", &[], &["segment", "at least one"]);
}

#[test]
fn bad_overrides_are_refused() {
    refused(
        SEGMENT,
        &["--set", "funding.nope=1"],
        &["--set funding.nope=1", "unknown field"],
    );
    refused(SEGMENT, &["--set", "nokey"], &["--set nokey", "KEY=VALUE"]);
    refused(
        SEGMENT,
        &["--set", "segment.b.annual_pd=0.1"],
        &["segment.b.annual_pd", "no segment is named `b`"],
    );
    refused(
        SEGMENT,
        &["--set", "segment.a.annual_pd=2"],
        &["segment.a.annual_pd = 2", "set on the command line"],
    );
    refused(
        SEGMENT,
        &["--set", "funding.min_cash=lots"],
        &["--set funding.min_cash=lots"],
    );
    refused(
        SEGMENT,
        &["--paths", "0"],
        &["bad.toml", "simulation.paths = 0"],
    );
    refused(SEGMENT, &["--threads", "0"], &["--threads"]);
}

#[test]
fn a_missing_file_and_a_foreign_output_folder_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = microfolio(dir.path(), &["run", "missing.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml"));

    std::fs::write(dir.path().join("s.toml"), SEGMENT).unwrap();
    std::fs::create_dir(dir.path().join("docs")).unwrap();
    std::fs::write(dir.path().join("docs/thesis.txt"), "precious").unwrap();
    let out = microfolio(
        dir.path(),
        &["run", "s.toml", "--paths", "5", "--out", "docs"],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an earlier microfolio result"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("docs/thesis.txt")).unwrap(),
        "precious"
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("docs")).unwrap().count(),
        1
    );
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_run_writes_every_file_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/recession.toml");
    let out = microfolio(
        dir.path(),
        &[
            "run",
            scenario.to_str().unwrap(),
            "--paths",
            "120",
            "--threads",
            "2",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Piped stderr: no progress bar, nothing at all.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "recession: 120 paths",
        "loans/s",
        "final_capital",
        "net_loss",
        "default_rate",
        "cost_to_state",
        "P(capital depleted)",
        "output/recession",
    ] {
        assert!(stdout.contains(needle), "{needle:?} not in {stdout}");
    }
    let folder = dir.path().join("output/recession");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["paths"], 120);
    assert_eq!(summary["threads"], 2);
    assert!(summary["loans_per_second"].as_f64().unwrap() > 0.0);
    for m in microfolio::metrics::Scalar::ALL {
        let v = &summary["metrics"][m.name()];
        // Undefined on every path where no lender of the run is resolved.
        if *m == microfolio::metrics::Scalar::ResolutionMonth && v.is_null() {
            continue;
        }
        assert!(v.is_object(), "{} missing", m.name());
        for key in [
            "mean", "sd", "se", "min", "max", "p01", "p05", "p25", "p50", "p75", "p95", "p99",
        ] {
            assert!(v[key].is_number(), "{}.{key}", m.name());
        }
    }
    for (p, _) in microfolio::output::PROBABILITIES {
        let x = summary["probabilities"][p].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&x));
    }
    let paths = lines(&folder.join("paths.csv"));
    assert_eq!(paths.len(), 121);
    assert!(paths[0].starts_with("path,loans_granted,"));
    assert!(paths[1].starts_with("0,"));
    let ts = lines(&folder.join("timeseries.csv"));
    assert_eq!(ts[0], "year,label,metric,mean,p05,p25,p50,p75,p95");
    // Ten years of every yearly outcome, and the row after them of the ledger's (§11.4).
    let ledger = microfolio::metrics::Yearly::ALL
        .iter()
        .filter(|m| m.beyond_horizon())
        .count();
    assert_eq!(
        ts.len(),
        1 + 10 * microfolio::metrics::Yearly::COUNT + ledger
    );
    assert!(ts[1].starts_with("1,2026,book,"));
    assert!(ts[ts.len() - 1].starts_with("11,after,"));
    assert!(ts.iter().all(|l| !l.contains("NaN") && !l.contains("inf")));
    assert!(
        std::fs::read_to_string(folder.join("scenario.toml"))
            .unwrap()
            .contains("shifts = [")
    );
    // Nothing but the result folder was written.
    assert_eq!(
        std::fs::read_dir(dir.path().join("output"))
            .unwrap()
            .count(),
        1
    );
}

#[test]
fn validate_prints_a_runnable_resolved_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = root().join("scenarios/baseline.toml");
    let out = microfolio(
        dir.path(),
        &[
            "validate",
            baseline.to_str().unwrap(),
            "--set",
            "funding.facility.eib.rate=0.031",
        ],
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("rate = 0.031"), "{text}");
    std::fs::write(dir.path().join("b.toml"), &text).unwrap();
    let run = microfolio(
        dir.path(),
        &["run", "b.toml", "--paths", "3", "--quiet", "--out", "b"],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let bad = microfolio(
        dir.path(),
        &[
            "validate",
            baseline.to_str().unwrap(),
            "--set",
            "funding.min_cash=-1",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(bad.stdout.is_empty());
}

#[test]
fn every_shipped_scenario_is_valid() {
    for name in shipped_names() {
        let name = name.as_str();
        let s = shipped(name, &[]);
        assert_eq!(s.name(), name);
        assert!(!s.spec().meta.description.is_empty());
    }
}

/// docs/scenarios.md documents every key of the registry (which a unit test keeps equal to
/// what a resolved scenario writes out), and its tables name no key the registry does not know.
#[test]
fn the_scenario_reference_documents_every_key() {
    let docs = std::fs::read_to_string(root().join("docs/scenarios.md")).unwrap();
    let keys: Vec<String> = KEYS.iter().map(KeySpec::table_path).collect();
    assert!(keys.len() > 40, "{keys:?}");
    for key in &keys {
        assert!(
            docs.contains(&format!("`{key}`")),
            "docs/scenarios.md does not document `{key}`"
        );
    }
    for row in docs.lines().filter(|l| l.starts_with("| `")) {
        let key = row.split('`').nth(1).unwrap();
        assert!(
            keys.iter().any(|k| k == key),
            "docs/scenarios.md lists `{key}`, which is no key of a scenario"
        );
    }
}

/// Ctrl-C stops the run before its next path, says so, exits with 130 and leaves nothing.
#[test]
fn ctrl_c_stops_cleanly_and_leaves_no_folder() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/baseline.toml");
    let out = interrupted(
        dir.path(),
        &[
            "run",
            scenario.to_str().unwrap(),
            "--paths",
            "1000000",
            "--out",
            "big",
        ],
        std::time::Duration::from_millis(1500),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted") && stderr.contains("no result was written"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing may be left behind"
    );
}

/// `run` draws the charts and the report; `report` redraws the same files from the data alone,
/// and refuses a folder that is not a result with exit code 2.
#[test]
fn report_redraws_what_run_drew() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/recession.toml");
    let out = microfolio(
        dir.path(),
        &[
            "run",
            scenario.to_str().unwrap(),
            "--paths",
            "200",
            "--out",
            "r",
            "--quiet",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snapshot = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(dir.join("charts"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .chain([dir.join("report.html")])
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let folder = dir.path().join("r");
    let drawn = snapshot(&folder);
    assert_eq!(drawn.len(), 27, "13 charts in SVG and PNG, and the report");
    std::fs::remove_dir_all(folder.join("charts")).unwrap();
    std::fs::remove_file(folder.join("report.html")).unwrap();
    let again = microfolio(dir.path(), &["report", "r"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(
        drawn == snapshot(&folder),
        "report must reproduce what run drew"
    );

    std::fs::write(folder.join("timeseries.csv"), "year,label\n1,2026\n").unwrap();
    let corrupt = microfolio(dir.path(), &["report", "r"]);
    assert_eq!(corrupt.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&corrupt.stderr).contains("timeseries.csv"));
    let missing = microfolio(dir.path(), &["report", "nowhere"]);
    assert_eq!(missing.status.code(), Some(2));
}

/// `report` on a study folder says what it is rather than naming a missing key.
#[test]
fn report_on_a_study_folder_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = root().join("scenarios/baseline.toml");
    let study = microfolio(
        dir.path(),
        &[
            "sweep",
            baseline.to_str().unwrap(),
            "--param",
            "followup.referral_share=0,1",
            "--paths",
            "20",
            "--out",
            "s",
            "--quiet",
        ],
    );
    assert!(
        study.status.success(),
        "{}",
        String::from_utf8_lossy(&study.stderr)
    );
    let out = microfolio(dir.path(), &["report", "s"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("microfolio sweep` study"));
}

/// The small print of the command line: numbers in flags read as in files, tiny studies warn
/// but run, `--paths` where it is always refused is not offered, and what `report` and a run
/// with parameter uncertainty say.
#[test]
fn the_small_print_of_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = format!("[simulation]\nhorizon_years = 1\n{SEGMENT}");
    std::fs::write(dir.path().join("s.toml"), &tiny).unwrap();
    let ok = |args: &[&str]| {
        let out = microfolio(dir.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{args:?}: {stderr}");
        (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
    };
    // `1e4` and `10_000` as a scenario file writes them; `10,000` refused in one line.
    ok(&["run", "s.toml", "--paths", "1e1", "--out", "a", "-q"]);
    ok(&["run", "s.toml", "--paths", "10_000", "--out", "b", "-q"]);
    common::refused(
        dir.path(),
        &["run", "s.toml", "--paths", "10,000", "--out", "c"],
        &["--paths 10,000:", "no commas", "10_000"],
    );
    common::refused(
        dir.path(),
        &["tornado", "s.toml", "--spread", "20%"],
        &["--spread 20%:", "write 0.2 for 20%"],
    );
    // A percentage in a file is answered with its fraction, not with quoting advice.
    std::fs::write(
        dir.path().join("p.toml"),
        format!("{SEGMENT}annual_pd = 5%\n"),
    )
    .unwrap();
    common::refused(
        dir.path(),
        &["validate", "p.toml"],
        &["p.toml:3:", "`5%` is not a number", "write 0.05 for 5%"],
    );
    // The resolved premium table is its rows, quarters whole.
    let (resolved, _) = ok(&["validate", "s.toml"]);
    assert!(
        resolved.contains("premium_table = [[8, 0.039], [24, 0.0425], [48, 0.0585]]"),
        "{resolved}"
    );
    // Design studies do not offer --paths; their points run --paths-per-point.
    for study in ["sobol", "morris"] {
        let (help, _) = ok(&[study, "--help"]);
        assert!(help.contains("--paths-per-point"), "{help}");
        assert!(!help.contains("--paths <"), "{help}");
    }
    // A tiny study warns, with the reason and a size that would do, and runs.
    let (_, stderr) = ok(&[
        "sweep",
        "s.toml",
        "--param",
        "followup.referral_share=0,1",
        "--paths",
        "3",
        "--out",
        "sw",
    ]);
    assert!(
        stderr.contains("microfolio: warning: --paths 3: ") && stderr.contains("2000 or more"),
        "{stderr}"
    );
    // `report` says what it redrew, with a verb.
    let (said, _) = ok(&["report", "a"]);
    assert!(
        said.starts_with("redrew ") && said.contains("report: "),
        "{said}"
    );
    // A run with parameter uncertainty says how many parameters each path drew.
    let uncertain = root().join("scenarios/uncertainty.toml");
    let (summary, _) = ok(&[
        "run",
        uncertain.to_str().unwrap(),
        "--uncertain",
        "--paths",
        "20",
        "--out",
        "u",
        "--no-paths-csv",
    ]);
    let n = microfolio::Scenario::load(&uncertain, &[])
        .unwrap()
        .uncertain()
        .len();
    assert!(
        summary.contains(&format!(
            "{n} uncertain parameters drawn anew for every path"
        )),
        "{summary}"
    );
}

/// Variants never take another result's place: a file made by `validate --set` names itself
/// after its changes, a run of a file other than the one that wrote the default folder's result
/// is refused (unless --replace or --out), a run with parameter uncertainty has a folder of its
/// own, `compare` tells apart files that share a name, and an `extends` file says what it
/// extends and changes instead of repeating its parent's description.
#[test]
fn variants_never_take_another_results_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = |p: &str| dir.path().join(p);
    let base = format!(
        "[meta]\ndescription = \"The base case.\"\n[simulation]\nhorizon_years = 1\n\
         paths = 20\n{SEGMENT}"
    );
    std::fs::write(path("base.toml"), &base).unwrap();
    let run = |args: &[&str]| microfolio(dir.path(), args);
    let ok = |args: &[&str]| {
        let out = run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{args:?}: {stderr}");
        (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
    };
    ok(&["run", "base.toml", "-q"]);
    let written = std::fs::read(path("output/base/summary.json")).unwrap();

    // validate --set: named and described after its change, and says so.
    let (variant, stderr) = ok(&[
        "validate",
        "base.toml",
        "--set",
        "followup.referral_share=0.8",
    ]);
    assert!(
        variant.contains("name = \"base-referral_share-0.8\""),
        "{variant}"
    );
    assert!(
        variant.contains("description = \"base, with followup.referral_share = 0.8\""),
        "{variant}"
    );
    assert!(
        stderr.contains("named `base-referral_share-0.8`") && stderr.contains("--name"),
        "{stderr}"
    );
    let (named, _) = ok(&[
        "validate",
        "base.toml",
        "--set",
        "funding.min_cash=1e6",
        "--name",
        "mine",
    ]);
    assert!(named.contains("name = \"mine\""), "{named}");
    std::fs::write(path("refer.toml"), &variant).unwrap();
    ok(&["run", "refer.toml", "-q"]);
    assert!(path("output/base-referral_share-0.8/summary.json").is_file());
    assert_eq!(
        std::fs::read(path("output/base/summary.json")).unwrap(),
        written
    );

    // Another file with the same name is refused, naming the file that wrote the result and
    // the key in which they differ.
    std::fs::write(
        path("other.toml"),
        "extends = \"base.toml\"\n[meta]\nname = \"base\"\n[funding]\nmin_cash = 1e6\n",
    )
    .unwrap();
    common::refused(
        dir.path(),
        &["run", "other.toml", "-q"],
        &[
            "output/base holds the result of base.toml",
            "other.toml",
            "funding.min_cash",
            "--replace",
        ],
    );
    assert_eq!(
        std::fs::read(path("output/base/summary.json")).unwrap(),
        written
    );
    ok(&["run", "other.toml", "-q", "--out", "elsewhere"]);
    // Editing the file and running it again replaces its own result, as always.
    std::fs::write(path("base.toml"), base.replace("paths = 20", "paths = 21")).unwrap();
    ok(&["run", "base.toml", "-q"]);
    assert_ne!(
        std::fs::read(path("output/base/summary.json")).unwrap(),
        written
    );
    ok(&["run", "other.toml", "-q", "--replace"]);

    // The report of an extends file says what it extends and changes, not the parent's
    // description.
    let report = std::fs::read_to_string(path("elsewhere/report.html")).unwrap();
    assert!(
        report.contains("<dt>Extends</dt>") && report.contains("funding.min_cash</code> = 1000000"),
        "{report}"
    );
    assert!(report.contains("base, with funding.min_cash = 1000000"));
    assert!(!report.contains("The base case."));

    // compare tells apart two files named alike by their file names.
    let (_, stderr) = ok(&["compare", "base.toml", "other.toml", "--out", "cmp", "-q"]);
    assert!(stderr.is_empty(), "{stderr}");
    let table = std::fs::read_to_string(path("cmp/compare.csv")).unwrap();
    assert!(table.contains("\nother,base,"), "{table}");

    // A run with parameter uncertainty writes a folder of its own.
    let uncertain = root().join("scenarios/uncertainty.toml");
    let file = uncertain.to_str().unwrap();
    ok(&["run", file, "--paths", "10", "-q", "--no-paths-csv"]);
    ok(&[
        "run",
        file,
        "--paths",
        "10",
        "-q",
        "--no-paths-csv",
        "--uncertain",
    ]);
    assert!(path("output/uncertainty/summary.json").is_file());
    assert!(path("output/uncertainty-uncertain/summary.json").is_file());
}
