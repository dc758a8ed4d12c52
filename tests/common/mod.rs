//! Helpers shared by the integration tests: building scenarios, running them, and the
//! critical values of the statistical checks (one place for every tolerance's error rate).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use microfolio::Model;
use microfolio::math::norm_inv;
use microfolio::scenario::{Origin, Override, Scenario};
use microfolio::{Results, simulate_range};

/// A scenario from TOML text, with overrides.
pub fn scenario(text: &str, sets: &[&str]) -> Scenario {
    let overrides: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
    Scenario::parse(text, &Origin::new("test.toml"), &overrides).unwrap_or_else(|e| panic!("{e}"))
}

/// A small lender with three uncertain parameters (`pd`, `fixed_costs`, `recovery`) and state
/// money far above anything its costs can eat, so that lending never stops for want of cash:
/// the scenario of `gsa_studies.rs` and `decisions.rs`.
pub const GSA_SMALL: &str = r#"
[meta]
name = "gsa_small"
description = "A small lender with three uncertain parameters."
[simulation]
horizon_years = 3
paths = 100
seed = 11
[funding]
state_loan = 50e6
guarantee_room = 0
min_cash = 0
cash_target = 1e6
[initial_book]
loans = 300
max_age_months = 24
[origination]
loans_per_year = 200
[costs]
fixed_per_year = 2e5
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
dist = "triangular"
low = 0.5
mode = 1.0
high = 1.5

[[uncertain]]
name = "recovery"
keys = ["segment.s.recovery_mean"]
dist = "uniform"
low = 0.2
high = 0.4
"#;

/// Options of `threads` worker threads and no memory budget.
pub fn on_threads(threads: usize) -> microfolio::Options {
    microfolio::Options {
        threads: Some(threads),
        memory_budget: None,
    }
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A shipped scenario (`scenarios/NAME.toml`) with overrides.
pub fn shipped(name: &str, sets: &[&str]) -> Scenario {
    let overrides: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
    Scenario::load(
        &root().join("scenarios").join(format!("{name}.toml")),
        &overrides,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The names of every shipped scenario (`scenarios/*.toml` but the targets files of a
/// calibration, `*_targets.toml`), sorted: tests over all of them take in a scenario added
/// later without being told.
pub fn shipped_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| {
            !p.file_stem()
                .unwrap()
                .to_string_lossy()
                .ends_with("_targets")
        })
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    names
}

/// Simulate paths `0..paths`.
pub fn run(s: &Scenario, paths: u64) -> Results {
    simulate_range(&Model::new(s), 0..paths)
}

/// Two-sided critical value of a standard normal test statistic such that `comparisons`
/// tests together raise a false alarm with probability at most `family_alpha` (Bonferroni).
pub fn z_crit(family_alpha: f64, comparisons: usize) -> f64 {
    norm_inv(1.0 - family_alpha / (2.0 * comparisons as f64))
}

/// Mean and standard error of paired differences `b - a`.
pub fn paired(a: impl Iterator<Item = f64>, b: impl Iterator<Item = f64>) -> (f64, f64) {
    let d: Vec<f64> = a.zip(b).map(|(x, y)| y - x).collect();
    let (mean, sd) = microfolio::stats::mean_sd(&d);
    (mean, sd.unwrap_or(0.0) / (d.len() as f64).sqrt())
}

/// The built binary.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_microfolio"))
}

/// Run the binary with `args` in `dir`.
pub fn microfolio(dir: &Path, args: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// The names in `dir`, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Run the binary with `args` in `dir` and check that it succeeds.
#[allow(dead_code)]
pub fn succeeds(dir: &Path, args: &[&str]) {
    let out = microfolio(dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The run `run` (a `microfolio run ...` command line without `--out`, `--threads`,
/// `--shard`) in `dir` twice: in one process on 1 thread into `single`, and in 3 shards on 2, 1
/// and 2 threads into `shards`, merged into `merged` — the folders a test of shards compares.
#[allow(dead_code)]
pub fn single_and_merged(dir: &Path, run: &[&str]) {
    succeeds(dir, &[run, &["--out", "single", "--threads", "1"]].concat());
    for (i, threads) in [(0, "2"), (1, "1"), (2, "2")] {
        let shard = format!("{i}/3");
        succeeds(
            dir,
            &[
                run,
                &["--shard", &shard, "--out", "shards", "--threads", threads],
            ]
            .concat(),
        );
    }
    succeeds(dir, &["merge", "shards", "--out", "merged", "-q"]);
}

/// Run the binary with `args` in `dir` and check that it refuses them as bad input: exit code
/// 2, no panic, one line on stderr naming each of `expected`, nothing on stdout, and nothing
/// left behind in `dir`. Returns stderr.
pub fn refused(dir: &Path, args: &[&str], expected: &[&str]) -> String {
    let before = names(dir);
    let out = microfolio(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "exit code for {args:?}: {stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "a panic: {stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "one message: {stderr}");
    assert!(stderr.starts_with("microfolio: error: "), "{stderr}");
    // A message broken over source lines without `\` carries the indentation inside it.
    assert!(
        !stderr.contains("   "),
        "a run of spaces inside the message: {stderr}"
    );
    for e in expected {
        assert!(stderr.contains(e), "{e:?} not in: {stderr}");
    }
    assert!(out.stdout.is_empty(), "nothing on stdout for {args:?}");
    assert_eq!(names(dir), before, "nothing may be left behind by {args:?}");
    stderr
}

/// Start the binary with `args` in `dir`, send it Ctrl-C (SIGINT) after `wait`, and return its
/// output once it has stopped.
pub fn interrupted(dir: &Path, args: &[&str], wait: std::time::Duration) -> Output {
    let child = bin()
        .current_dir(dir)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    std::thread::sleep(wait);
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(
        killed.success(),
        "the run ended before it could be interrupted"
    );
    child.wait_with_output().expect("the binary stops")
}

/// Whether two result sets are identical to the bit.
pub fn identical(a: &Results, b: &Results) -> bool {
    use microfolio::metrics::{Scalar, Yearly};
    if a.paths() != b.paths()
        || a.first_path() != b.first_path()
        || a.loans_simulated() != b.loans_simulated()
    {
        return false;
    }
    let bits = |v: Option<f64>| v.map(f64::to_bits);
    Scalar::ALL
        .iter()
        .all(|m| a.scalar(*m).map(bits).eq(b.scalar(*m).map(bits)))
        && a.shape() == b.shape()
        && (0..a.rows()).all(|y| {
            Yearly::ALL.iter().all(|m| {
                a.yearly(y, *m)
                    .iter()
                    .map(|v| v.to_bits())
                    .eq(b.yearly(y, *m).iter().map(|v| v.to_bits()))
            })
        })
        && (0..a.shape().segment_values()).all(|k| {
            a.segment_values(k)
                .iter()
                .map(|v| v.to_bits())
                .eq(b.segment_values(k).iter().map(|v| v.to_bits()))
        })
}

/// P(Binomial(n, q) <= k), by summing the probability function in log space.
pub fn binomial_cdf(k: u64, n: u64, q: f64) -> f64 {
    if q <= 0.0 {
        return 1.0;
    }
    if q >= 1.0 {
        return if k >= n { 1.0 } else { 0.0 };
    }
    let ln_n = libm::lgamma(n as f64 + 1.0);
    let (lq, lr) = (q.ln(), (-q).ln_1p());
    (0..=k.min(n))
        .map(|j| {
            let j = j as f64;
            (ln_n - libm::lgamma(j + 1.0) - libm::lgamma(n as f64 - j + 1.0)
                + j * lq
                + (n as f64 - j) * lr)
                .exp()
        })
        .sum::<f64>()
        .min(1.0)
}

/// Exact probability that the default rate of a pool of `n` loans is at most `rate`, when
/// defaults are Binomial(n, PD(X)) given the systemic factor X ~ N(0,1) (Simpson's rule on X).
pub fn pool_rate_cdf(rate: f64, n: u64, p: f64, rho: f64) -> f64 {
    let k = (rate * n as f64 + 1e-9).floor() as u64;
    let (lo, hi, steps) = (-9.0, 9.0, 1800);
    let h = (hi - lo) / steps as f64;
    let f = |x: f64| {
        let density = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
        density * binomial_cdf(k, n, microfolio::math::conditional_pd(p, rho, x))
    };
    let mut sum = f(lo) + f(hi);
    for i in 1..steps {
        sum += f(lo + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    sum * h / 3.0
}

/// Paths `paths` of `model` simulated on a pool of `threads` threads.
#[allow(dead_code)]
pub fn simulated_on(threads: usize, model: &Model, paths: std::ops::Range<u64>) -> Results {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| simulate_range(model, paths))
}

/// The JSON of a file the binary wrote (`summary.json`, `shard.json`).
pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Check that every defined paired difference of a variant against a copy of its reference (the
/// same paths, the same draws) is 0 with standard error 0, and that more than 10 metrics were
/// compared.
pub fn no_difference(paired: &[Option<microfolio::study::paired::Paired>]) {
    let mut defined = 0;
    for (m, p) in microfolio::Scalar::ALL.iter().zip(paired) {
        let Some(p) = p else { continue };
        defined += 1;
        assert_eq!(p.diff, 0.0, "{}", m.name());
        assert_eq!(p.se, Some(0.0), "{}", m.name());
    }
    assert!(defined > 10, "{defined} metrics compared");
}
