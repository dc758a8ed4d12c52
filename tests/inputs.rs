//! Every input bounded and checked before work, and every failure said once, in words an
//! economist understands (issue 9): scenario files and `extends` targets that are not regular
//! files or are too large, `--threads` out of range, a `meta.name` that cannot name a folder,
//! a result folder that `report` must not trust, stdout that cannot be written, and the
//! messages for the mistakes a new user makes.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::*;

const SEGMENT: &str = "[[segment]]\nname = \"a\"\n";

/// A fresh folder holding `bad.toml` with `text`.
fn folder_with(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("bad.toml"), text).unwrap();
    dir
}

/// `microfolio run bad.toml --out out --quiet EXTRA` refused as bad input (see
/// [`common::refused`]); `validate bad.toml EXTRA` too, when `validate` applies. Returns the
/// message of `run`.
fn refused_both(text: &str, extra: &[&str], expected: &[&str]) -> String {
    let dir = folder_with(text);
    let mut validate = vec!["validate", "bad.toml"];
    validate.extend_from_slice(extra);
    common::refused(dir.path(), &validate, expected);
    let mut run = vec!["run", "bad.toml", "--out", "out", "--quiet"];
    run.extend_from_slice(extra);
    common::refused(dir.path(), &run, expected)
}

/// Run the binary in `dir`, killing it if it has not ended within a minute (a FIFO read would
/// block forever): the test fails rather than hangs.
fn within_a_minute(dir: &Path, args: &[&str]) -> Output {
    let mut child = bin()
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("microfolio {args:?} did not end within a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// A named pipe at `path`, made with the `mkfifo` command.
fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
}

/// The one message on stderr, after checking exit code 2 and that nothing is on stdout.
fn one_refusal(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one message: {stderr}");
    assert!(stderr.starts_with("microfolio: error: "), "{stderr}");
    assert!(out.stdout.is_empty());
    stderr
}

#[test]
fn a_scenario_that_is_not_a_regular_file_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("folder.toml")).unwrap();
    common::refused(
        dir.path(),
        &["validate", "folder.toml"],
        &[
            "folder.toml",
            "is a folder",
            "regular file of at most 1 MiB",
        ],
    );
    common::refused(
        dir.path(),
        &["run", "/dev/zero", "--out", "out"],
        &["/dev/zero", "is a device"],
    );
    mkfifo(&dir.path().join("pipe.toml"));
    let out = within_a_minute(dir.path(), &["run", "pipe.toml", "--out", "out"]);
    let message = one_refusal(&out);
    assert!(message.contains("pipe.toml: is a FIFO"), "{message}");
}

#[test]
fn an_extends_target_that_is_not_a_regular_file_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("parent")).unwrap();
    mkfifo(&dir.path().join("pipe.toml"));
    for (target, says) in [
        ("/dev/zero", "is a device"),
        ("/dev/null", "is a device"),
        ("parent", "is a folder"),
        ("pipe.toml", "is a FIFO"),
    ] {
        fs::write(
            dir.path().join("child.toml"),
            format!("extends = \"{target}\"\n{SEGMENT}"),
        )
        .unwrap();
        let out = within_a_minute(dir.path(), &["validate", "child.toml"]);
        let message = one_refusal(&out);
        for needle in ["child.toml: extends", target, says, "at most 1 MiB"] {
            assert!(message.contains(needle), "{needle:?} not in {message}");
        }
    }
}

#[test]
fn a_scenario_file_over_one_mebibyte_is_refused() {
    let mut text = String::from(SEGMENT);
    while text.len() <= 1 << 20 {
        text.push_str("# a comment line that makes the file large, over and over again\n");
    }
    refused_both(&text, &[], &["bad.toml", "more than 1 MiB"]);
    // Just under the limit is read.
    let dir = folder_with(&text[..(1 << 20) - 200]);
    let out = microfolio(dir.path(), &["validate", "bad.toml"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The limit holds for a parent too.
    fs::write(dir.path().join("big.toml"), &text).unwrap();
    fs::write(dir.path().join("child.toml"), "extends = \"big.toml\"\n").unwrap();
    common::refused(
        dir.path(),
        &["validate", "child.toml"],
        &["child.toml: extends", "more than 1 MiB"],
    );
}

#[test]
fn threads_beyond_the_documented_range_are_refused_before_work() {
    let dir = folder_with(SEGMENT);
    for threads in ["0", "100000"] {
        common::refused(
            dir.path(),
            &["run", "bad.toml", "--out", "out", "--threads", threads],
            &[
                &format!("--threads {threads}"),
                "allowed: a whole number from 1 to",
            ],
        );
    }
    let baseline = root().join("scenarios/baseline.toml");
    common::refused(
        dir.path(),
        &[
            "sweep",
            baseline.to_str().unwrap(),
            "--param",
            "followup.referral_share=0,1",
            "--threads",
            "100000",
            "--out",
            "s",
        ],
        &["--threads 100000", "from 1 to"],
    );
}

#[test]
fn a_name_that_cannot_name_a_folder_is_refused_by_validate_too() {
    let long = "n".repeat(101);
    refused_both(
        &format!("[meta]\nname = \"{long}\"\n{SEGMENT}"),
        &[],
        &["meta.name", "at most 100 bytes", "this one has 101"],
    );
    refused_both(
        &format!("[meta]\nname = \"two\\nlines\"\n{SEGMENT}"),
        &[],
        &["meta.name", "control characters"],
    );
    refused_both(
        &format!("[meta]\nname = \"tab\\there\"\n{SEGMENT}"),
        &[],
        &["meta.name", "control characters"],
    );
    refused_both(
        SEGMENT,
        &["--set", "meta.name=\"a/b\""],
        &["meta.name", "path separators"],
    );
    // 100 bytes is a name.
    let dir = folder_with(&format!(
        "[meta]\nname = \"{}\"\n{SEGMENT}",
        "n".repeat(100)
    ));
    let out = microfolio(dir.path(), &["validate", "bad.toml"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A scenario of the sample's kind with one `[[uncertain]]` section of `entries`.
fn with_uncertain(entries: &str) -> String {
    format!("[simulation]\nhorizon_years = 3\n{SEGMENT}\n{entries}")
}

/// A group name and a parameter name are one namespace: an ungrouped parameter `credit` and a
/// group `credit` would be reported as one group, so the clash is refused by name (a parameter
/// in the group of its own name is fine).
#[test]
fn a_group_named_like_another_parameter_is_refused() {
    let pd = "[[uncertain]]\nname = \"credit\"\nkeys = [\"segment.a.annual_pd\"]\n\
        dist = \"uniform\"\nlow = 0.02\nhigh = 0.1\n";
    let rec = "[[uncertain]]\nname = \"rec\"\nkeys = [\"segment.a.recovery_mean\"]\n\
        dist = \"uniform\"\nlow = 0.2\nhigh = 0.4\ngroup = \"credit\"\n";
    refused_both(
        &with_uncertain(&format!("{pd}{rec}")),
        &[],
        &[
            "bad.toml",
            "uncertain.rec.group",
            "\"credit\"",
            "a parameter reported on its own",
        ],
    );
    // `credit` in the group `credit`: the same group, no clash.
    let dir = folder_with(&with_uncertain(&format!("{}group = \"credit\"\n{rec}", pd)));
    let out = microfolio(dir.path(), &["validate", "bad.toml"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Distribution parameters whose arithmetic overflows are refused by key and value, not drawn
/// as one bound on every path: a uniform over (-1e308, 1e308), a normal 1e308 ± 1e308, and a
/// log-normal whose sd is so far beyond its mean that its shape is not a number.
#[test]
fn distribution_parameters_that_overflow_are_refused() {
    let scale = |dist: &str| {
        with_uncertain(&format!(
            "[[uncertain]]\nname = \"level\"\nkeys = [\"costs.fixed_per_year\"]\n\
             how = \"scale\"\n{dist}\n"
        ))
    };
    refused_both(
        &scale("dist = \"uniform\"\nlow = -1e308\nhigh = 1e308"),
        &[],
        &["uncertain.level.high", "1e308", "too far apart"],
    );
    refused_both(
        &scale("dist = \"normal\"\nmean = 1e308\nsd = 1e308"),
        &[],
        &["uncertain.level.sd", "stay numbers"],
    );
    // A bound far below one is printed to four significant digits, not as dozens of zeros.
    refused_both(
        &with_uncertain(
            "[[uncertain]]\nname = \"pd\"\nkeys = [\"segment.a.annual_pd\"]\n\
             dist = \"beta\"\nmean = 1e-60\nsd = 0.01\n",
        ),
        &[],
        &["uncertain.pd.sd", "below 1.000e-30 for mean 1e-60"],
    );
    refused_both(
        &scale("dist = \"lognormal\"\nmean = 1\nsd = 1e300\nhigh = 0.5"),
        &[],
        &["uncertain.level.sd", "too large beside the mean"],
    );
}

/// A small run, made once per test binary; tests copy its folder.
fn sample_run() -> &'static Path {
    static RUN: OnceLock<tempfile::TempDir> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("s.toml"),
            format!("[simulation]\nhorizon_years = 3\n{SEGMENT}"),
        )
        .unwrap();
        let out = microfolio(
            dir.path(),
            &["run", "s.toml", "--paths", "40", "--out", "r", "--quiet"],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
    .path()
}

/// A copy of the sample run's result folder as `r` in a fresh folder.
fn copy_of_run() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let to = tmp.path().join("r");
    fs::create_dir(&to).unwrap();
    for name in [
        "summary.json",
        "timeseries.csv",
        "paths.csv",
        "scenario.toml",
    ] {
        fs::copy(sample_run().join("r").join(name), to.join(name)).unwrap();
    }
    tmp
}

/// Replace cell (`line`, `column`), both 1-based, of a CSV file in the copy.
fn set_cell(file: &Path, line: usize, column: usize, value: &str) {
    let text = fs::read_to_string(file).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut cells: Vec<String> = lines[line - 1].split(',').map(String::from).collect();
    cells[column - 1] = value.to_string();
    lines[line - 1] = cells.join(",");
    fs::write(file, lines.join("\n") + "\n").unwrap();
}

/// Break the copy with `break_it`, and check that `report r` refuses it as bad input naming
/// each of `expected`.
fn report_refuses(break_it: impl FnOnce(&Path), expected: &[&str]) -> String {
    let tmp = copy_of_run();
    break_it(&tmp.path().join("r"));
    let message = common::refused(tmp.path(), &["report", "r"], expected);
    assert!(
        !tmp.path().join("r/report.html").exists(),
        "report written anyway"
    );
    message
}

#[test]
fn report_draws_the_untouched_copy() {
    let tmp = copy_of_run();
    let out = microfolio(tmp.path(), &["report", "r"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn report_refuses_any_cell_that_is_not_a_finite_number() {
    // `loans_granted` (column 2) is charted nowhere: every column is checked all the same.
    for bad in ["inf", "NaN", "-inf", "many", "1.2.3", ""] {
        report_refuses(
            |r| set_cell(&r.join("paths.csv"), 3, 2, bad),
            &["paths.csv:3:", "loans_granted"],
        );
    }
    // A cell further along the line: the column is the character column of the cell.
    let message = report_refuses(
        |r| set_cell(&r.join("paths.csv"), 2, 16, "inf"),
        &[
            "paths.csv:2:",
            "final_capital",
            "`inf` is not a finite number",
        ],
    );
    let text = fs::read_to_string(sample_run().join("r/paths.csv")).unwrap();
    let line = text.lines().nth(1).unwrap();
    let col = 1 + line.split(',').take(15).map(|c| c.len() + 1).sum::<usize>();
    assert!(
        message.contains(&format!("paths.csv:2:{col}: ")),
        "{message}"
    );
    for bad in ["inf", "NaN", "x", ""] {
        report_refuses(
            |r| set_cell(&r.join("timeseries.csv"), 5, 4, bad),
            &["timeseries.csv:5:", "mean"],
        );
    }
}

#[test]
fn report_refuses_bad_path_indices_and_headers() {
    report_refuses(
        |r| set_cell(&r.join("paths.csv"), 4, 1, "two"),
        &["paths.csv:4:1", "path", "not a whole number"],
    );
    report_refuses(
        |r| set_cell(&r.join("paths.csv"), 4, 1, "2.5"),
        &["paths.csv:4:1", "not a whole number"],
    );
    report_refuses(
        |r| set_cell(&r.join("paths.csv"), 4, 1, "0"),
        &["paths.csv:4:1", "does not come after"],
    );
    report_refuses(
        |r| set_cell(&r.join("paths.csv"), 1, 3, "followups"),
        &[
            "paths.csv:1:",
            "`followup_loans` expected",
            "`followups` found",
        ],
    );
    report_refuses(
        |r| set_cell(&r.join("timeseries.csv"), 1, 4, "average"),
        &["timeseries.csv:1:", "`mean` expected"],
    );
    report_refuses(
        |r| set_cell(&r.join("timeseries.csv"), 3, 3, "bogus"),
        &["timeseries.csv:3:", "`bogus` is not a yearly outcome"],
    );
}

#[test]
fn report_refuses_summary_fields_of_the_wrong_kind() {
    let edit = |r: &Path, f: &dyn Fn(&mut serde_json::Value)| {
        let p = r.join("summary.json");
        let mut v: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&p).unwrap()).unwrap();
        f(&mut v);
        fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    };
    report_refuses(
        |r| edit(r, &|v| v["metrics"]["net_loss"]["mean"] = "lots".into()),
        &["summary.json", "metrics.net_loss.mean"],
    );
    report_refuses(
        |r| edit(r, &|v| v["metrics"]["net_loss"] = serde_json::Value::Null),
        &["summary.json", "metrics.net_loss", "defined on every path"],
    );
    report_refuses(
        |r| {
            edit(r, &|v| {
                v["metrics"].as_object_mut().unwrap().remove("oss");
            })
        },
        &["summary.json", "metrics.oss: missing"],
    );
    report_refuses(
        |r| edit(r, &|v| v["probabilities"]["guarantee_called"] = 1.5.into()),
        &["summary.json", "probabilities.guarantee_called"],
    );
    report_refuses(
        |r| edit(r, &|v| v["overrides"] = 3.into()),
        &["summary.json", "overrides"],
    );
    report_refuses(
        |r| fs::write(r.join("summary.json"), "{\n  \"paths\": 40,\n  oops\n}").unwrap(),
        &["summary.json:3:", "not valid JSON"],
    );
}

/// `report` checks the data against itself: `summary.json`'s statistics are recomputed from
/// `paths.csv` (one flipped bit in a mean or a quantile is named), and the quantiles of every
/// `timeseries.csv` row must be in order (a p50 seven times the p95 is named by line and column).
#[test]
fn report_checks_the_data_against_itself() {
    let edit = |r: &Path, f: &dyn Fn(&mut serde_json::Value)| {
        let p = r.join("summary.json");
        let mut v: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&p).unwrap()).unwrap();
        f(&mut v);
        fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    };
    let flip = |v: &mut serde_json::Value, bit: u32| {
        let x = v.as_f64().unwrap();
        *v = f64::from_bits(x.to_bits() ^ (1 << bit)).into();
    };
    for (metric, key, bit) in [
        ("net_loss", "mean", 50),
        ("net_loss", "mean", 30),
        ("final_capital", "p50", 20),
        ("cost_to_state", "mean", 51),
    ] {
        report_refuses(
            |r| edit(r, &|v| flip(&mut v["metrics"][metric][key], bit)),
            &[
                "summary.json",
                &format!("metrics.{metric}.{key}"),
                "40 paths in paths.csv",
            ],
        );
    }
    report_refuses(
        |r| edit(r, &|v| v["metrics"]["net_loss"]["n"] = 39.into()),
        &["summary.json", "metrics.net_loss.n: 39", "give 40"],
    );
    // A fan chart's row with its median seven times its p95.
    report_refuses(
        |r| {
            let p = r.join("timeseries.csv");
            let text = fs::read_to_string(&p).unwrap();
            let line = text.lines().position(|l| l.contains(",capital,")).unwrap() + 1;
            let cells: Vec<&str> = text.lines().nth(line - 1).unwrap().split(',').collect();
            let p95: f64 = cells[8].parse().unwrap();
            assert!(p95 > 0.0);
            set_cell(&p, line, 7, &(7.0 * p95).to_string());
        },
        &["timeseries.csv:", "p75", "p50", "in order"],
    );
}

#[test]
fn report_validates_the_scenario_and_its_agreement_with_the_data() {
    let replace = |r: &Path, from: &str, to: &str| {
        let p = r.join("scenario.toml");
        let text = fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{from:?} not in {text}");
        fs::write(&p, text.replacen(from, to, 1)).unwrap();
    };
    report_refuses(
        |r| replace(r, "horizon_years = 3", "horizon_years = 4"),
        &["summary.json", "horizon_years = 3", "scenario.toml says 4"],
    );
    report_refuses(
        |r| replace(r, "annual_pd = ", "annual_pd = 7 #"),
        &[
            "scenario.toml",
            "segment.a.annual_pd = 7",
            "not a valid scenario",
        ],
    );
    report_refuses(
        |r| replace(r, "horizon_years = 3", "horizon_years = \"three\""),
        &["scenario.toml:", "simulation.horizon_years"],
    );
    report_refuses(
        |r| replace(r, "[simulation]", "extends = \"../s.toml\"\n[simulation]"),
        &["scenario.toml", "extends"],
    );
}

#[test]
fn report_refuses_a_file_where_charts_belong_and_a_missing_folder() {
    report_refuses(
        |r| fs::write(r.join("charts"), "my notes").unwrap(),
        &["charts", "is not a folder"],
    );
    let tmp = tempfile::tempdir().unwrap();
    common::refused(
        tmp.path(),
        &["report", "output/nonexistent"],
        &["output/nonexistent: no such folder"],
    );
    fs::write(tmp.path().join("file"), "").unwrap();
    common::refused(tmp.path(), &["report", "file"], &["file: is a file"]);
}

/// Run the binary in `dir` with stdout going to /dev/full.
fn to_dev_full(dir: &Path, args: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .args(args)
        .stdout(
            fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// A failure to write stdout is one message and exit code 1, never silence or a panic.
#[test]
fn a_full_stdout_is_one_message_and_exit_1() {
    let dir = folder_with(SEGMENT);
    let runs: [&[&str]; 3] = [
        &["validate", "bad.toml"],
        &["run", "bad.toml", "--paths", "5", "--out", "o"],
        &["report", "o"],
    ];
    for args in runs {
        let out = to_dev_full(dir.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("microfolio: error: cannot write to standard output"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let out = to_dev_full(
        dir.path(),
        &["run", "bad.toml", "--paths", "5", "--out", "p"],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("the results are saved in p"));
    // A closed pipe is the reader's choice, not a failure.
    let mut child = bin()
        .current_dir(dir.path())
        .args(["validate", "bad.toml"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn type_errors_say_what_to_write() {
    let stderr = refused_both(
        SEGMENT,
        &["--set", "funding.guarantee_room=150m"],
        &[
            "--set funding.guarantee_room=150m",
            "expected a number, such as 150e6",
            "not the text \"150m\"",
        ],
    );
    assert!(!stderr.contains("f64"), "{stderr}");
    refused_both(
        SEGMENT,
        &["--set", "simulation.horizon_years=ten"],
        &["a whole number, such as 60"],
    );
    refused_both(
        &format!("{SEGMENT}term_months = \"five years\"\n"),
        &[],
        &[
            "bad.toml:3:",
            "segment.a.term_months",
            "a whole number, such as 60",
        ],
    );
    let stderr = refused_both(
        SEGMENT,
        &["--set", "simulation.seed=2^63"],
        &["simulation.seed", "from 0 to 9223372036854775807"],
    );
    assert!(!stderr.contains("i64"), "{stderr}");
    let stderr = refused_both(
        &format!("[simulation]\nseed = 9223372036854775808\n{SEGMENT}"),
        &[],
        &["bad.toml:2:", "at most 9223372036854775807"],
    );
    assert!(!stderr.contains("u64"), "{stderr}");
    refused_both(
        "[segment]\nname = \"a\"\n",
        &[],
        &["bad.toml", "[[segment]]", "name = \"micro\""],
    );
}

#[test]
fn a_mistyped_command_gets_the_nearest_command() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = common::refused(
        dir.path(),
        &["rn"],
        &["unknown command `rn`", "did you mean `run`?"],
    );
    assert!(!stderr.contains("tornado`?"), "{stderr}");
    common::refused(dir.path(), &["valdiate"], &["did you mean `validate`?"]);
    let stderr = common::refused(dir.path(), &["xyzzy"], &["unknown command `xyzzy`"]);
    assert!(!stderr.contains("did you mean"), "{stderr}");
}

#[test]
fn the_set_help_names_a_segment_of_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let out = microfolio(dir.path(), &["run", "--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("segment.micro_starter.annual_pd"), "{help}");
    let baseline = fs::read_to_string(root().join("scenarios/baseline.toml")).unwrap();
    assert!(baseline.contains("name = \"micro_starter\""));
}

#[test]
fn long_keys_and_values_are_shortened_in_messages() {
    let key = format!("funding.{}", "k".repeat(100_000));
    let stderr = refused_both(SEGMENT, &["--set", &format!("{key}=1")], &["kkk…"]);
    assert!(stderr.len() < 1000, "{} bytes", stderr.len());
    let value = "v".repeat(100_000);
    let stderr = refused_both(
        SEGMENT,
        &["--set", &format!("funding.min_cash={value}")],
        &["vvv…"],
    );
    assert!(stderr.len() < 1000, "{} bytes", stderr.len());
    let stderr = refused_both(
        &format!("[meta]\nname = \"{}\"\n{SEGMENT}", "n".repeat(100_000)),
        &[],
        &["meta.name", "nnn…"],
    );
    assert!(stderr.len() < 1000, "{} bytes", stderr.len());
}

#[test]
fn a_probability_given_as_a_metric_says_which_outcome_to_use() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = root().join("scenarios/baseline.toml");
    for (probability, instead) in [
        ("guarantee_called", "guarantee_call"),
        ("lending_closed", "months_lending_closed"),
        ("liquidity_shortfall", "months_liquidity_shortfall"),
    ] {
        common::refused(
            dir.path(),
            &[
                "sweep",
                baseline.to_str().unwrap(),
                "--param",
                "followup.referral_share=0,1",
                "--metrics",
                &format!("net_loss,{probability}"),
                "--out",
                "s",
            ],
            &[
                &format!("`{probability}` is a probability"),
                &format!("use `{instead}`"),
                "capital_depleted",
            ],
        );
    }
    common::refused(
        dir.path(),
        &[
            "tornado",
            baseline.to_str().unwrap(),
            "--metric",
            "guarantee_called",
            "--out",
            "t",
        ],
        &["--metric guarantee_called", "use `guarantee_call`"],
    );
}

/// docs/studies.md names every metric a study takes.
#[test]
fn the_studies_guide_lists_every_metric() {
    let docs = fs::read_to_string(root().join("docs/studies.md")).unwrap();
    for m in microfolio::metrics::Scalar::ALL {
        assert!(
            docs.contains(&format!("`{}`", m.name())),
            "docs/studies.md does not name `{}`",
            m.name()
        );
    }
}
