//! Precision on demand (`run --target-se METRIC=VALUE`, docs/model.md §12.1): a run stops after
//! the first of its fixed batches whose standard error is at or below the target, and is then
//! the plain run of that many paths, file for file, on any thread count; the standard error it
//! stops on is the one `summary.json` reports; it says plainly when the limit came first; and
//! what it cannot do is refused.
//!
//! The known answers are read from plain runs of each batch's paths: the run must stop at the
//! first batch whose plain run reports a standard error at or below the target, so no
//! tolerance is needed (the batches and the standard errors are deterministic).

mod common;

use std::cell::RefCell;
use std::fs;
use std::path::Path;

use common::*;
use microfolio::precision::{self, Status, TargetSe};
use microfolio::{Observer, Options, Pool, Scalar};
use serde_json::Value;

/// A small lender over three years: 4,096 paths in a fraction of a second.
const SMALL: &str = r#"
[meta]
name = "target_se_small"
[simulation]
paths = 4096
horizon_years = 3
seed = 5
[initial_book]
loans = 200
[origination]
loans_per_year = 200
[[segment]]
name = "a"
"#;

/// Run the binary in `dir` on the scenario file `file` with `args`; it must succeed. Its stdout.
fn ok(dir: &Path, file: &str, args: &[&str]) -> String {
    let out = microfolio(dir, &[&["run", file][..], args].concat());
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The scenario file in `dir`.
fn small(dir: &Path) -> String {
    let file = dir.join("small.toml");
    fs::write(&file, SMALL).unwrap();
    file.display().to_string()
}

/// `summary.json`'s standard error of the mean of `metric` in folder `out` of `dir`.
fn se(dir: &Path, out: &str, metric: &str) -> f64 {
    json(&dir.join(out).join("summary.json"))["metrics"][metric]["se"]
        .as_f64()
        .unwrap()
}

/// The files of a plain run that a run to a target stopped at the same paths must equal byte
/// for byte, and `summary.json`'s statistics.
fn same_run(dir: &Path, a: &str, b: &str) {
    for file in ["paths.csv", "timeseries.csv", "scenario.toml"] {
        let read = |f: &str| fs::read(dir.join(f).join(file)).unwrap();
        assert!(read(a) == read(b), "{file} of {a} and {b} differ");
    }
    let (x, y) = (
        json(&dir.join(a).join("summary.json")),
        json(&dir.join(b).join("summary.json")),
    );
    for key in ["metrics", "probabilities", "paths", "overrides", "sampling"] {
        assert_eq!(x[key], y[key], "summary.json's {key} of {a} and {b}");
    }
}

#[test]
fn a_run_stops_at_the_first_batch_below_its_target_and_is_the_plain_run_of_its_paths() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = small(d);
    // The known answers: the plain runs of the batches 256, 512 and 1024.
    for n in ["256", "512", "1024"] {
        ok(
            d,
            &file,
            &["--paths", n, "--out", &format!("plain{n}"), "-q"],
        );
    }
    let ses = [256, 512, 1024].map(|n| se(d, &format!("plain{n}"), "net_loss"));
    // Between the standard errors at 512 and at 1024 paths (which halve the variance): the run
    // must go on after 256 and 512 and stop at 1024.
    let target = (ses[1] * ses[2]).sqrt();
    assert!(
        ses[0] > target && ses[1] > target && ses[2] <= target,
        "{ses:?}"
    );
    let flag = format!("net_loss={target}");
    for threads in ["1", "2"] {
        let out = format!("target{threads}");
        let said = ok(
            d,
            &file,
            &["--target-se", &flag, "--threads", threads, "--out", &out],
        );
        assert!(
            said.contains("reached its target")
                && said.contains("at 1,024 paths")
                && said.contains("3 batches"),
            "{said}"
        );
        same_run(d, &out, "plain1024");
        let summary = json(&d.join(&out).join("summary.json"));
        let t = &summary["target_se"];
        assert_eq!(t["metric"], "net_loss");
        assert_eq!(t["target"].as_f64(), Some(target));
        assert_eq!(t["reached"], true);
        assert_eq!(t["paths"], 1024);
        assert_eq!(t["limit"], 4096);
        assert_eq!(t["batches"], 3);
        // The standard error it stopped on is the one summary.json reports, to the bit.
        assert_eq!(t["se"].as_f64(), Some(ses[2]));
        assert_eq!(summary["metrics"]["net_loss"]["se"].as_f64(), Some(ses[2]));
        let report = fs::read_to_string(d.join(&out).join("report.html")).unwrap();
        assert!(
            report.contains("<dt>Precision</dt>")
                && report.contains("reached its target")
                && report.contains("at 1,024 paths"),
            "the report does not say where the run stopped"
        );
        // `microfolio report` reads the record back.
        let redrawn = microfolio(d, &["report", &out]);
        assert!(redrawn.status.success());
    }
}

#[test]
fn rqmc_batches_are_whole_randomisations_and_stop_as_the_plain_runs_say() {
    // Every batch but one cut at the limit is R · 2^k paths.
    for r in [2u64, 8, 10, 16, 300] {
        let s = scenario(
            SMALL,
            &[
                "simulation.sampling=\"rqmc\"",
                &format!("simulation.rqmc_randomisations={r}"),
                "simulation.paths=5000",
            ],
        );
        let ends = precision::batch_ends(&s);
        assert_eq!(*ends.last().unwrap(), 5000);
        for &end in &ends[..ends.len() - 1] {
            assert!(
                end % r == 0 && (end / r).is_power_of_two(),
                "R {r}: {ends:?}"
            );
        }
        assert!(ends[0] >= precision::FIRST_BATCH.min(5000), "{ends:?}");
        assert!(ends.windows(2).all(|w| w[1] <= 2 * w[0] && w[1] > w[0]));
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = small(d);
    let rqmc = [
        "--sampling",
        "rqmc",
        "--set",
        "simulation.rqmc_randomisations=8",
    ];
    for n in ["256", "512"] {
        ok(
            d,
            &file,
            &[
                &rqmc[..],
                &["--paths", n, "--out", &format!("plain{n}"), "-q"],
            ]
            .concat(),
        );
    }
    let ses = [256, 512].map(|n| se(d, &format!("plain{n}"), "final_capital"));
    // The randomisations' standard error is noisy (7 degrees of freedom): whichever batch first
    // reports one at or below the target is where the run must stop.
    let target = ses[1];
    let (stop, plain) = if ses[0] <= target {
        (256, "plain256")
    } else {
        (512, "plain512")
    };
    let flag = format!("final_capital={target}");
    ok(
        d,
        &file,
        &[
            &rqmc[..],
            &["--target-se", &flag, "--threads", "2", "--out", "t", "-q"],
        ]
        .concat(),
    );
    same_run(d, "t", plain);
    let t = json(&d.join("t/summary.json"))["target_se"].clone();
    assert_eq!(t["paths"], stop);
    assert_eq!(t["reached"], true);
    let report = fs::read_to_string(d.join("t/report.html")).unwrap();
    assert!(report.contains("<dt>Sampling</dt>") && report.contains("<dt>Precision</dt>"));
}

#[test]
fn the_limit_comes_first_and_the_run_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = small(d);
    // 1,000 paths: batches of 256, 512 and the limit; a target no run of this size reaches.
    let said = ok(
        d,
        &file,
        &[
            "--target-se",
            "net_loss=1e-3",
            "--paths",
            "1000",
            "--out",
            "limit",
        ],
    );
    assert!(
        said.contains("did not reach its target")
            && said.contains("at the limit of 1,000 paths")
            && said.contains("3 batches"),
        "{said}"
    );
    ok(d, &file, &["--paths", "1000", "--out", "plain", "-q"]);
    same_run(d, "limit", "plain");
    let t = json(&d.join("limit/summary.json"))["target_se"].clone();
    assert_eq!(
        (
            t["reached"].as_bool(),
            t["paths"].as_u64(),
            t["limit"].as_u64()
        ),
        (Some(false), Some(1000), Some(1000))
    );
    let report = fs::read_to_string(d.join("limit/report.html")).unwrap();
    assert!(report.contains("did not reach its target"));
    // Fewer paths than the first batch: one batch of them all.
    ok(
        d,
        &file,
        &[
            "--target-se",
            "net_loss=1e9",
            "--paths",
            "100",
            "--out",
            "few",
            "-q",
        ],
    );
    let t = json(&d.join("few/summary.json"))["target_se"].clone();
    assert_eq!(
        (t["paths"].as_u64(), t["batches"].as_u64()),
        (Some(100), Some(1))
    );
    assert_eq!(t["reached"], true);
    // A metric undefined on every path has no standard error: not reached, not an error.
    let said = ok(
        d,
        &file,
        &[
            "--target-se",
            "resolution_month=1",
            "--paths",
            "300",
            "--out",
            "undefined",
        ],
    );
    assert!(
        said.contains("did not reach") && said.contains("se undefined"),
        "{said}"
    );
    let t = json(&d.join("undefined/summary.json"))["target_se"].clone();
    assert!(t["se"].is_null() && t["reached"] == false, "{t}");
}

/// Records what the driver tells the observer after each batch.
#[derive(Default)]
struct Heard(RefCell<Vec<Status>>);
impl Observer for Heard {
    fn precision(&self, status: &Status) {
        self.0.borrow_mut().push(*status);
    }
}

#[test]
fn the_observer_hears_each_batch_and_the_standard_error_is_the_summarys() {
    let s = scenario(SMALL, &["simulation.paths=1000"]);
    let target = TargetSe {
        metric: Scalar::NetLoss,
        target: 1e-3,
    };
    let heard = Heard::default();
    let pool = Pool::new(&Options {
        threads: Some(2),
        memory_budget: None,
    })
    .unwrap();
    let done = microfolio::simulate_to_target(&s, &pool, &heard, None, target).unwrap();
    let heard = heard.0.into_inner();
    assert_eq!(
        heard.iter().map(|h| h.paths).collect::<Vec<_>>(),
        [256, 512, 1000]
    );
    assert_eq!(done.target, heard.last().copied());
    // After each batch, the standard error of the plain run of its paths: one function.
    for h in &heard {
        let r = run(&s, h.paths);
        let column: Vec<f64> = r
            .scalar(Scalar::NetLoss)
            .map(|v| v.unwrap_or(f64::NAN))
            .collect();
        assert_eq!(h.se, precision::mean_se(&s, &column, None, 0));
        assert_eq!(h.se, r.summary(Scalar::NetLoss).unwrap().se);
        assert!(!h.reached());
    }
    assert!(identical(&done.results, &run(&s, 1000)));
}

#[test]
fn what_a_target_cannot_steer_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = small(d);
    let refuse = |flag: &str, extra: &[&str], expected: &[&str]| {
        let args = [&["run", file.as_str(), "--target-se", flag][..], extra].concat();
        refused(d, &args, expected);
    };
    refuse("net_loss", &[], &["--target-se net_loss", "METRIC=VALUE"]);
    refuse(
        "nett_loss=5",
        &[],
        &[
            "--target-se nett_loss=5",
            "unknown metric `nett_loss`",
            "net_loss",
        ],
    );
    // A probability of summary.json has no standard error there.
    refuse(
        "guarantee_called=0.01",
        &[],
        &["unknown metric `guarantee_called`"],
    );
    for value in ["0", "-5", "inf", "nan", "lots"] {
        let flag = format!("net_loss={value}");
        refuse(&flag, &[], &[&flag, "not a positive number"]);
    }
    refuse(
        "net_loss=1e3",
        &["--shard", "0/2"],
        &["--target-se net_loss=1000", "not with --shard", "--paths"],
    );
    let uncertain = root()
        .join("scenarios/uncertainty.toml")
        .display()
        .to_string();
    refused(
        d,
        &[
            "run",
            &uncertain,
            "--uncertain",
            "--target-se",
            "net_loss=1e3",
        ],
        &["--target-se net_loss=1000", "--uncertain"],
    );
}

#[test]
fn ctrl_c_stops_a_run_to_a_target_leaving_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = small(d);
    // A target never reached and a limit of minutes: stopped a second in, within a batch.
    let out = interrupted(
        d,
        &[
            "run",
            &file,
            "--target-se",
            "net_loss=1e-9",
            "--paths",
            "1e7",
            "--out",
            "stopped",
        ],
        std::time::Duration::from_millis(1500),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("of 10000000 paths; no result was written"),
        "{stderr}"
    );
    assert!(!d.join("stopped").exists());
}

#[test]
fn a_damaged_record_of_the_target_is_named_by_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = small(d);
    ok(
        d,
        &file,
        &[
            "--target-se",
            "net_loss=1e9",
            "--paths",
            "300",
            "--out",
            "t",
            "-q",
        ],
    );
    let summary = d.join("t/summary.json");
    let mut s = json(&summary);
    // It says reached, but its standard error is above its target.
    s["target_se"]["target"] = Value::from(1e-9);
    fs::write(&summary, serde_json::to_string_pretty(&s).unwrap()).unwrap();
    let out = microfolio(d, &["report", "t"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("target_se"), "{stderr}");
}
