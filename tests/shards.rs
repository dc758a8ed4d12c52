//! Shards through the binary (docs/cluster.md): a run or a study (with parameter uncertainty
//! too) computed as shards, in any order and on any thread count, and merged, is the result
//! folder a single process writes,
//! byte for byte except the fields that record how the work went; merge refuses shards of
//! other work, missing and repeated shards, and damaged ones, naming them; `--shard auto` reads
//! the Slurm and Kubernetes variables.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;

/// The fields that record how the work went (docs/cluster.md lists them): top-level keys of
/// `summary.json`, and the `<dt>` entries of `report.html` whose `<dd>` shows them.
const SUMMARY_FIELDS: [&str; 5] = [
    "threads",
    "started_utc",
    "wall_time_seconds",
    "loans_per_second",
    "loans_per_second_per_core",
];
const REPORT_FIELDS: [&str; 2] = ["<dt>Run started</dt><dd>", "<dt>Run</dt><dd>"];

/// A file's bytes with the fields of how the work went blanked.
fn normalised(name: &str, bytes: Vec<u8>) -> Vec<u8> {
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => return e.into_bytes(),
    };
    let out = if name == "summary.json" {
        text.lines()
            .map(|line| {
                match SUMMARY_FIELDS
                    .iter()
                    .find(|f| line.starts_with(&format!("  \"{f}\":")))
                {
                    Some(f) => format!("  \"{f}\": …"),
                    None => line.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    } else if name == "report.html" {
        let mut t = text;
        for field in REPORT_FIELDS {
            let mut from = 0;
            while let Some(at) = t[from..].find(field) {
                let start = from + at + field.len();
                let end = start + t[start..].find("</dd>").expect("a closed <dd>");
                t.replace_range(start..end, "…");
                from = start;
            }
        }
        t
    } else {
        text
    };
    out.into_bytes()
}

/// Every file under `dir` by its relative path.
fn files(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((rel, p));
            }
        }
    }
    out.sort();
    out
}

/// The two folders hold the same files, byte for byte except the listed fields; and those
/// fields are the only difference (the untouched files are identical as they are).
fn same_folders(merged: &Path, single: &Path) {
    let (a, b) = (files(merged), files(single));
    let names = |v: &[(String, PathBuf)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b), "the same files");
    assert!(names(&a).iter().any(|n| n == "report.html"));
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        let file = name.rsplit('/').next().unwrap();
        let (x, y) = (fs::read(x).unwrap(), fs::read(y).unwrap());
        if file != "summary.json" && file != "report.html" {
            assert!(x == y, "{name} differs");
        }
        assert!(
            normalised(file, x) == normalised(file, y),
            "{name} differs beyond the fields of how the work went"
        );
    }
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = microfolio(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn baseline() -> String {
    root().join("scenarios/baseline.toml").display().to_string()
}

#[test]
fn a_run_in_shards_merges_into_the_single_run_in_any_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = baseline();
    let run = ["run", base.as_str(), "--paths", "120", "--seed", "7", "-q"];
    ok(
        d,
        &[&run[..], &["--out", "single", "--threads", "1"]].concat(),
    );
    // Shards on different thread counts, one of them written twice (a rerun replaces it).
    for (i, threads) in [(2, "2"), (0, "1"), (3, "3"), (1, "2"), (2, "1")] {
        let shard = format!("{i}/4");
        ok(
            d,
            &[
                &run[..],
                &["--shard", &shard, "--out", "shards", "--threads", threads],
            ]
            .concat(),
        );
    }
    assert_eq!(
        names(&d.join("shards")),
        [
            "shard-0000-of-0004",
            "shard-0001-of-0004",
            "shard-0002-of-0004",
            "shard-0003-of-0004"
        ]
    );
    // The folder of shards, and the shards one by one in a scrambled order.
    ok(d, &["merge", "shards", "--out", "merged", "-q"]);
    same_folders(&d.join("merged"), &d.join("single"));
    // Who bore the loss travels through the shards too (docs/model.md §7, "Per segment").
    let segments = fs::read_to_string(d.join("merged/segments.csv")).unwrap();
    assert!(segments.contains("segment,mkb,"), "{segments}");
    assert!(
        segments.contains("bmkb_channel,bmkb_graduates,"),
        "{segments}"
    );
    let out = ok(
        d,
        &[
            "merge",
            "shards/shard-0003-of-0004",
            "shards/shard-0001-of-0004",
            "shards/shard-0000-of-0004",
            "shards/shard-0002-of-0004",
            "--out",
            "scrambled",
        ],
    );
    assert!(out.contains("merged 4 shards of a run"), "{out}");
    same_folders(&d.join("scrambled"), &d.join("single"));
    // Shards of different N that tile the paths merge too: 0/2 holds what 0/4 and 1/4 hold.
    ok(
        d,
        &[&run[..], &["--shard", "0/2", "--out", "mixed"]].concat(),
    );
    for i in ["2/4", "3/4"] {
        ok(d, &[&run[..], &["--shard", i, "--out", "mixed"]].concat());
    }
    ok(d, &["merge", "mixed/shard-*", "--out", "from-mixed", "-q"]);
    same_folders(&d.join("from-mixed"), &d.join("single"));
}

#[test]
fn studies_in_shards_merge_into_the_single_study() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = baseline();
    let sweep: Vec<&str> = vec![
        "sweep",
        &base,
        "--param",
        "followup.referral_share=0.2,0.6",
        "--param",
        "origination.loans_per_year=1500,2400",
        "--paths",
        "15",
        "-q",
    ];
    let compare: Vec<&str> = vec![
        "compare",
        &base,
        "--variant",
        "more: followup.referral_share=0.9",
        "--metrics",
        "net_loss,defaults",
        "--paths",
        "25",
        "-q",
    ];
    let tornado: Vec<&str> = vec![
        "tornado", &base, "--metric", "net_loss", "--paths", "4", "--spread", "0.1", "-q",
    ];
    for (name, args, n) in [
        ("sweep", sweep, 3),
        ("compare", compare, 4),
        ("tornado", tornado, 5),
    ] {
        let single = format!("{name}-single");
        let shards = format!("{name}-shards");
        let merged = format!("{name}-merged");
        ok(d, &[&args[..], &["--out", &single]].concat());
        for i in (0..n).rev() {
            let shard = format!("{i}/{n}");
            ok(
                d,
                &[&args[..], &["--shard", &shard, "--out", &shards]].concat(),
            );
        }
        ok(d, &["merge", &shards, "--out", &merged, "-q"]);
        same_folders(&d.join(&merged), &d.join(&single));
    }
}

#[test]
fn merge_refuses_other_work_missing_repeated_and_damaged_shards() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = baseline();
    let run = ["run", base.as_str(), "--paths", "40", "-q"];
    for i in 0..4 {
        let shard = format!("{i}/4");
        ok(d, &[&run[..], &["--shard", &shard, "--out", "a"]].concat());
    }
    // Another seed: other work.
    ok(
        d,
        &[&run[..], &["--seed", "9", "--shard", "1/4", "--out", "b"]].concat(),
    );
    let e = refused(
        d,
        &["merge", "a/shard-0000-of-0004", "b", "--out", "m"],
        &[
            "different work",
            "seed",
            "b/shard-0001-of-0004",
            "a/shard-0000-of-0004",
        ],
    );
    assert!(
        e.contains("`seed = 9`"),
        "the scenario's line is named: {e}"
    );
    // Missing shards are named, with their paths.
    refused(
        d,
        &[
            "merge",
            "a/shard-0000-of-0004",
            "a/shard-0002-of-0004",
            "--out",
            "m",
        ],
        &[
            "2 of 4 shards missing",
            "shard 1/4 (shard-0001-of-0004, paths 10..20",
            "shard 3/4",
            "rerun",
        ],
    );
    // The same shard twice (a copy of a folder).
    refuses_a_shard_given_twice(d, 2, 4);
    // A flipped bit in the records.
    let bin = d.join("a/shard-0001-of-0004/outcomes.bin");
    let mut bytes = fs::read(&bin).unwrap();
    bytes[100] ^= 1;
    fs::write(&bin, &bytes).unwrap();
    refused(
        d,
        &["merge", "a", "--out", "m"],
        &["shard-0001-of-0004/outcomes.bin", "CRC-32", "rerun"],
    );
    // A truncated file.
    fs::write(&bin, &bytes[..bytes.len() / 2]).unwrap();
    refused(d, &["merge", "a", "--out", "m"], &["damaged"]);
    refused(
        d,
        &["merge", "nowhere", "--out", "m"],
        &["nowhere", "no such"],
    );
    refused(
        d,
        &[&run[..], &["--shard", "4/4"]].concat(),
        &["--shard 4/4", "out of range"],
    );
    refused(
        d,
        &["run", &base, "--paths", "3", "--shard", "0/5", "--out", "x"],
        &["--shard 0/5", "at most 3"],
    );
}

#[test]
fn shard_auto_reads_slurm_and_kubernetes_variables() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = baseline();
    let auto = |vars: &[(&str, &str)], shard: &str, out: &str| {
        let mut cmd = bin();
        cmd.current_dir(d).args([
            "run", &base, "--paths", "12", "-q", "--shard", shard, "--out", out,
        ]);
        for k in [
            "SLURM_ARRAY_TASK_ID",
            "SLURM_ARRAY_TASK_COUNT",
            "SLURM_ARRAY_TASK_MIN",
            "SLURM_ARRAY_TASK_MAX",
            "JOB_COMPLETION_INDEX",
        ] {
            cmd.env_remove(k);
        }
        cmd.envs(vars.iter().copied());
        cmd.output().unwrap()
    };
    // A whole Slurm array, --array=0-2: task 1 is shard 1 of 3, with plain auto or auto/3.
    let whole = [
        ("SLURM_ARRAY_TASK_ID", "1"),
        ("SLURM_ARRAY_TASK_COUNT", "3"),
        ("SLURM_ARRAY_TASK_MIN", "0"),
        ("SLURM_ARRAY_TASK_MAX", "2"),
    ];
    let out = auto(&whole, "auto", "slurm");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(names(&d.join("slurm")), ["shard-0001-of-0003"]);
    ok(
        d,
        &[
            "run", &base, "--paths", "12", "-q", "--shard", "1/3", "--out", "explicit",
        ],
    );
    let json = |p: &str| {
        let v: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(d.join(p).join("shard.json")).unwrap())
                .unwrap();
        (v["work"].clone(), v["shard"].clone())
    };
    assert_eq!(
        json("slurm/shard-0001-of-0003"),
        json("explicit/shard-0001-of-0003")
    );
    // A rerun of one task, `sbatch --array=2 cluster/shard.sbatch 3 ...`: auto/3 writes exactly
    // shard 2 of 3 — the same bytes as the shard computed by hand — where plain auto would
    // take the array of one task for a job of one shard, and refuses.
    let rerun = [
        ("SLURM_ARRAY_TASK_ID", "2"),
        ("SLURM_ARRAY_TASK_COUNT", "1"),
        ("SLURM_ARRAY_TASK_MIN", "2"),
        ("SLURM_ARRAY_TASK_MAX", "2"),
    ];
    let out = auto(&rerun, "auto/3", "rerun");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(names(&d.join("rerun")), ["shard-0002-of-0003"]);
    ok(
        d,
        &[
            "run", &base, "--paths", "12", "-q", "--shard", "2/3", "--out", "explicit",
        ],
    );
    assert_eq!(
        fs::read(d.join("rerun/shard-0002-of-0003/outcomes.bin")).unwrap(),
        fs::read(d.join("explicit/shard-0002-of-0003/outcomes.bin")).unwrap()
    );
    assert_eq!(
        json("rerun/shard-0002-of-0003"),
        json("explicit/shard-0002-of-0003")
    );
    // A Kubernetes Indexed Job: the index, with the count given.
    let out = auto(&[("JOB_COMPLETION_INDEX", "2")], "auto/3", "k8s");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(names(&d.join("k8s")), ["shard-0002-of-0003"]);
    // Missing, inconsistent and out-of-range variables: exit 2, one message, nothing written.
    for (vars, shard, says) in [
        (vec![], "auto", "neither SLURM_ARRAY_TASK_ID"),
        (vec![("JOB_COMPLETION_INDEX", "0")], "auto", "auto/N"),
        (
            vec![("JOB_COMPLETION_INDEX", "3")],
            "auto/3",
            "out of range",
        ),
        (rerun.to_vec(), "auto", "auto/N"),
        (
            vec![
                ("SLURM_ARRAY_TASK_ID", "3"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
            ],
            "auto/3",
            "out of range for auto/3",
        ),
        (
            vec![
                ("SLURM_ARRAY_TASK_ID", "1"),
                ("SLURM_ARRAY_TASK_COUNT", "2"),
                ("SLURM_ARRAY_TASK_MIN", "1"),
                ("SLURM_ARRAY_TASK_MAX", "3"),
            ],
            "auto",
            "must then be all of it",
        ),
    ] {
        let out = auto(&vars, shard, "bad");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{vars:?}: {stderr}");
        assert!(
            stderr.contains(says) && stderr.contains(&format!("--shard {shard}")),
            "{vars:?}: {stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(!d.join("bad").exists());
    }
}

#[test]
fn the_kubernetes_manifest_runs_its_shards_as_the_env_contract_says() {
    let text = fs::read_to_string(root().join("cluster/k8s/shards/indexed-job.yaml")).unwrap();
    let number = |key: &str| -> u64 {
        let line = text
            .lines()
            .find(|l| l.trim().starts_with(key))
            .unwrap_or_else(|| panic!("no {key}"));
        line.trim()[key.len()..].trim().parse().unwrap()
    };
    let completions = number("completions:");
    assert_eq!(number("parallelism:"), completions);
    // The pod's arguments, with the scenario and volume paths of this checkout and few paths.
    let start = text.find("args:").unwrap();
    let d = tempfile::tempdir().unwrap();
    let data = d.path().display().to_string();
    let scenarios = root().join("scenarios").display().to_string();
    let mut args: Vec<String> = text[start..]
        .lines()
        .skip(1)
        .take_while(|l| l.trim().starts_with("- "))
        .map(|l| {
            l.trim()[2..]
                .trim_matches('"')
                .replace("/scenarios", &scenarios)
                .replace("/data", &data)
        })
        .collect();
    let paths = args.iter().position(|a| a == "--paths").unwrap();
    args[paths + 1] = "24".into();
    let shard = args.iter().position(|a| a == "--shard").unwrap();
    assert_eq!(args[shard + 1], format!("auto/{completions}"));
    let last = (completions - 1).to_string();
    let out = bin()
        .args(&args)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env("JOB_COMPLETION_INDEX", &last)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let folder = format!("shard-{:04}-of-{:04}", completions - 1, completions);
    assert_eq!(names(&d.path().join("baseline-shards")), [folder]);
}

/// The lines of a manifest that set `key:` (trimmed, after the key).
fn values_of(text: &str, key: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix(key))
        .map(|v| v.trim().to_string())
        .collect()
}

#[test]
fn the_kubernetes_files_name_the_image_once_end_their_jobs_and_wait_on_failure() {
    let k8s = root().join("cluster/k8s");
    let read = |p: &str| fs::read_to_string(k8s.join(p)).unwrap();
    let (shards, merge, image) = (
        read("shards/indexed-job.yaml"),
        read("merge/job.yaml"),
        read("image/kustomization.yaml"),
    );
    // Both jobs say `image: microfolio`, which the one component replaces; both are deleted
    // some time after they end; the volume names a storage class.
    for job in [&shards, &merge] {
        assert_eq!(values_of(job, "image:"), ["microfolio"]);
        assert_eq!(values_of(job, "ttlSecondsAfterFinished:").len(), 1);
    }
    assert_eq!(values_of(&image, "- name:"), ["microfolio"]);
    assert_eq!(values_of(&image, "newName:").len(), 1);
    for k in ["shards", "merge"] {
        assert!(
            values_of(&read(&format!("{k}/kustomization.yaml")), "- ")
                .contains(&"../image".to_string())
        );
    }
    assert_eq!(
        values_of(&read("shards/volume.yaml"), "storageClassName:").len(),
        1
    );
    assert!(shards.contains("Kubernetes 1.29"));
    // kustomize (in kubectl) puts the component's image into both jobs, where kubectl is at
    // hand (it needs no cluster for this).
    let kubectl = std::process::Command::new("kubectl")
        .args(["kustomize", "--help"])
        .output();
    if kubectl.is_ok_and(|o| o.status.success()) {
        for k in ["shards", "merge"] {
            let out = std::process::Command::new("kubectl")
                .arg("kustomize")
                .arg(k8s.join(k))
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(
                values_of(&text, "image:"),
                ["registry.example.org/microfolio:0.1.0"],
                "{text}"
            );
        }
    } else {
        eprintln!("kubectl not found: the kustomizations are checked by their text only");
    }
    // wait.sh ends on Complete (0) and on Failed (1) at once, with a kubectl that answers
    // with the job's conditions.
    let d = tempfile::tempdir().unwrap();
    let fake = d.path().join("kubectl");
    fs::write(&fake, "#!/bin/sh\nprintf '%s ' \"$FAKE_CONDITIONS\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        d.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for (conditions, code) in [("Complete", 0), ("FailureTarget Failed", 1), ("", 1)] {
        let started = std::time::Instant::now();
        let out = std::process::Command::new("bash")
            .arg(k8s.join("wait.sh"))
            .args(["job/microfolio-shards", "2"])
            .env("PATH", &path)
            .env("FAKE_CONDITIONS", conditions)
            .env("WAIT_INTERVAL", "1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code), "{conditions}: {out:?}");
        if !conditions.is_empty() {
            assert!(started.elapsed().as_secs() < 2, "{conditions}: waited");
        }
    }
}

/// A small lender with three uncertain parameters, for the design studies and `run
/// --uncertain` in shards (a point of four paths takes a millisecond).
const UNCERTAIN: &str = r#"
[meta]
name = "shard_gsa"
[simulation]
horizon_years = 3
paths = 60
seed = 5
[funding]
state_loan = 50e6
guarantee_room = 0
min_cash = 0
cash_target = 1e6
[initial_book]
loans = 200
max_age_months = 24
[origination]
loans_per_year = 150
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
name = "costs"
keys = ["costs.fixed_per_year"]
how = "scale"
dist = "triangular"
low = 0.5
mode = 1.0
high = 1.5

[[uncertain]]
name = "recovery"
keys = ["segment.s.recovery_mean"]
dist = "normal"
mean = 0.3
sd = 0.05
low = 0.1
high = 0.5
"#;

/// The `shard.json` of a shard folder.
fn shard_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("shard.json")).unwrap()).unwrap()
}

/// Compute shards `which` (`I/N`) of `args` into `out`, on alternating thread counts.
fn shards_of(d: &Path, args: &[&str], which: &[&str], out: &str) {
    for (k, shard) in which.iter().enumerate() {
        let threads = if k % 2 == 0 { "2" } else { "1" };
        ok(
            d,
            &[
                args,
                &["--shard", shard, "--out", out, "--threads", threads],
            ]
            .concat(),
        );
    }
}

/// Under rqmc (issue 24) a study's shards merge into the single process's folder too: a
/// comparison's paths cut in three on mixed thread counts, its paired errors the
/// randomisations' of the whole column; a Sobol' study's points, each with its
/// randomisations' error; and a comparison under parameter uncertainty, each draw on the
/// points of its seed.
#[test]
fn rqmc_studies_in_shards_merge_into_the_single_study() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("u.toml"), UNCERTAIN).unwrap();
    let base = baseline();
    let compare: &[&str] = &[
        "compare",
        &base,
        "--variant",
        "more: followup.referral_share=0.9",
        "--metrics",
        "net_loss,defaults",
        "--paths",
        "40",
        "--sampling",
        "rqmc",
        "--set",
        "simulation.rqmc_randomisations=4",
        "-q",
    ];
    let sobol: &[&str] = &[
        "sobol",
        "u.toml",
        "--samples",
        "4",
        "--paths-per-point",
        "6",
        "--metrics",
        "defaults,final_capital",
        "--bootstrap",
        "20",
        "--sampling",
        "rqmc",
        "--set",
        "simulation.rqmc_randomisations=3",
        "-q",
    ];
    let uncertain: &[&str] = &[
        "compare",
        "decide.toml",
        "--variant",
        "cheap: costs.fixed_per_year=5e4",
        "--uncertain",
        "--draws",
        "4",
        "--paths-per-draw",
        "6",
        "--sampling",
        "rqmc",
        "--set",
        "simulation.rqmc_randomisations=3",
        "-q",
    ];
    fs::write(d.join("decide.toml"), GSA_SMALL).unwrap();
    for (name, args) in [
        ("compare", compare),
        ("sobol", sobol),
        ("uncertain", uncertain),
    ] {
        let single = format!("{name}-single");
        ok(d, &[args, &["--out", &single, "--threads", "2"]].concat());
        let shards = format!("{name}-shards");
        shards_of(d, args, &["2/3", "0/3", "1/3"], &shards);
        let merged = format!("{name}-merged");
        ok(d, &["merge", &shards, "--out", &merged, "-q"]);
        same_folders(&d.join(&merged), &d.join(&single));
        let summary: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(d.join(&single).join("summary.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(summary["sampling"]["method"], "rqmc", "{name}");
        let report = fs::read_to_string(d.join(&single).join("report.html")).unwrap();
        assert!(
            report
                .contains("<dt>Sampling</dt><dd>randomised quasi-Monte Carlo on the credit cycle"),
            "{name}: the report says which sampling made the numbers"
        );
    }
}

#[test]
fn sobol_morris_and_uncertain_runs_in_shards_merge_into_the_single_process_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("u.toml"), UNCERTAIN).unwrap();
    let sobol: &[&str] = &[
        "sobol",
        "u.toml",
        "--samples",
        "8",
        "--paths-per-point",
        "4",
        "--metrics",
        "defaults,final_capital,capital_depleted",
        "--second-order",
        "--bootstrap",
        "60",
        "-q",
    ];
    let morris: &[&str] = &[
        "morris",
        "u.toml",
        "--trajectories",
        "5",
        "--paths-per-point",
        "3",
        "--metrics",
        "net_loss,defaults",
        "--bootstrap",
        "60",
        "-q",
    ];
    let run: &[&str] = &["run", "u.toml", "--uncertain", "--paths", "45", "-q"];
    for (name, args) in [("sobol", sobol), ("morris", morris), ("run", run)] {
        let single = format!("{name}-single");
        ok(d, &[args, &["--out", &single, "--threads", "1"]].concat());
        // Two shards, computed in reverse order.
        let two = format!("{name}-2");
        shards_of(d, args, &["1/2", "0/2"], &two);
        let merged = format!("{name}-merged-2");
        ok(d, &["merge", &two, "--out", &merged, "-q"]);
        same_folders(&d.join(&merged), &d.join(&single));
        // Three shards, given to merge in a scrambled order.
        let three = format!("{name}-3");
        shards_of(d, args, &["2/3", "0/3", "1/3"], &three);
        let shard = |i: usize| format!("{three}/shard-{i:04}-of-0003");
        let merged = format!("{name}-merged-3");
        let out = ok(
            d,
            &["merge", &shard(1), &shard(2), &shard(0), "--out", &merged],
        );
        assert!(
            out.contains(&format!("merged 3 shards of a {name}")),
            "{out}"
        );
        same_folders(&d.join(&merged), &d.join(&single));
        // Shards of different N that tile the work: 0/2 with 2/4 and 3/4.
        let mixed = format!("{name}-mixed");
        shards_of(d, args, &["3/4", "0/2", "2/4"], &mixed);
        let merged = format!("{name}-merged-mixed");
        ok(
            d,
            &["merge", &format!("{mixed}/shard-*"), "--out", &merged, "-q"],
        );
        same_folders(&d.join(&merged), &d.join(&single));
    }
    // A design's shard keeps per point and metric what the study keeps, not per path: its
    // records are the points' means and standard errors, whatever the paths per point.
    let points = 8 * (2 * 4 + 2);
    let metrics = 3;
    let mut bytes = 0;
    let mut held = 0;
    for i in 0..3 {
        let folder = d.join(format!("sobol-3/shard-{i:04}-of-0003"));
        let json = shard_json(&folder);
        assert_eq!(json["work"]["stream"], "points");
        assert_eq!(json["work"]["units"], points);
        let stream = &json["shard"]["stream"];
        held += stream[1].as_u64().unwrap() - stream[0].as_u64().unwrap();
        bytes += fs::metadata(folder.join("outcomes.bin")).unwrap().len();
    }
    assert_eq!(held, points);
    assert_eq!(bytes, points * (1 + 16 * metrics));
    // The recipe rebuilds the design from the base scenario and the flags: no point is stored.
    let json = shard_json(&d.join("sobol-3/shard-0000-of-0003"));
    let recipe = json["work"]["recipe"].as_object().unwrap();
    let mut keys: Vec<&str> = recipe.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "base",
            "bootstrap",
            "confidence",
            "metrics",
            "paths_per_point",
            "samples",
            "second_order"
        ]
    );
    assert!(
        recipe["base"]["toml"]
            .as_str()
            .unwrap()
            .contains("[[uncertain]]")
    );
    // The run drew its parameters per path: paths.csv shows them after merging, too.
    let paths = fs::read_to_string(d.join("run-merged-3/paths.csv")).unwrap();
    assert!(
        paths
            .lines()
            .next()
            .unwrap()
            .ends_with(",uncertain.pd,uncertain.costs,uncertain.recovery"),
        "{}",
        paths.lines().next().unwrap()
    );
    assert_eq!(
        shard_json(&d.join("run-2/shard-0000-of-0002"))["work"]["recipe"]["uncertain"],
        true
    );
    // Its shards hold the paired point-value run too, a second unit of the same paths (so
    // 2 of 3 shards cut the drawn paths and the point values' between them), and the merged
    // summary has its column.
    assert_eq!(
        shard_json(&d.join("run-3/shard-0001-of-0003"))["work"]["units"],
        2
    );
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(d.join("run-merged-3/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["point_values"]["paths"], 45);
}

#[test]
fn merge_refuses_design_and_uncertain_shards_of_other_work_missing_repeated_and_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("u.toml"), UNCERTAIN).unwrap();
    let sobol_with = |bootstrap: &'static str, per_point: &'static str| -> Vec<&'static str> {
        vec![
            "sobol",
            "u.toml",
            "--samples",
            "4",
            "--paths-per-point",
            per_point,
            "--metrics",
            "defaults",
            "--bootstrap",
            bootstrap,
            "-q",
        ]
    };
    let sobol = &sobol_with("20", "2")[..];
    shards_of(d, sobol, &["0/3", "1/3", "2/3"], "a");
    // Another bootstrap changes the intervals: other work, though the points are the same.
    shards_of(d, &sobol_with("30", "2"), &["1/3"], "b");
    let other = |folder: &str, says: &[&str]| {
        refused(
            d,
            &[
                "merge",
                "a/shard-0000-of-0003",
                folder,
                "a/shard-0002-of-0003",
                "--out",
                "m",
            ],
            &[&["different work"], says].concat(),
        );
    };
    other("b", &["bootstrap", "b/shard-0001-of-0003"]);
    // Other paths per point, another seed.
    shards_of(d, &sobol_with("20", "3"), &["1/3"], "c");
    other("c", &["paths_per_point"]);
    shards_of(d, &[sobol, &["--seed", "6"]].concat(), &["1/3"], "s");
    other("s", &["seed"]);
    // A Morris shard, and a run's, are other work too.
    ok(
        d,
        &[
            "morris",
            "u.toml",
            "--trajectories",
            "2",
            "--paths-per-point",
            "2",
            "--shard",
            "1/3",
            "--out",
            "e",
            "-q",
        ],
    );
    refused(
        d,
        &["merge", "a/shard-0000-of-0003", "e", "--out", "m"],
        &["different work", "kind"],
    );
    // Missing points are named by shard and by point.
    refused(
        d,
        &[
            "merge",
            "a/shard-0000-of-0003",
            "a/shard-0002-of-0003",
            "--out",
            "m",
        ],
        &[
            "1 of 3 shards missing",
            "shard 1/3",
            "points 8..16",
            "rerun",
        ],
    );
    // Repeated.
    refuses_a_shard_given_twice(d, 1, 3);
    // Damaged: a flipped bit, a truncated file.
    let bin = d.join("a/shard-0002-of-0003/outcomes.bin");
    let mut bytes = fs::read(&bin).unwrap();
    bytes[5] ^= 1;
    fs::write(&bin, &bytes).unwrap();
    refused(
        d,
        &["merge", "a", "--out", "m"],
        &["shard-0002-of-0003/outcomes.bin", "CRC-32", "rerun"],
    );
    fs::write(&bin, &bytes[..bytes.len() - 3]).unwrap();
    refused(d, &["merge", "a", "--out", "m"], &["damaged"]);
    // More shards than points.
    refused(
        d,
        &[sobol, &["--shard", "0/25", "--out", "x"]].concat(),
        &["--shard 0/25", "24 design points", "at most 24"],
    );
    // A run with parameter uncertainty and the plain run of the same scenario are other work.
    let run: &[&str] = &["run", "u.toml", "--paths", "20", "-q"];
    ok(
        d,
        &[run, &["--uncertain", "--shard", "0/2", "--out", "r"]].concat(),
    );
    ok(d, &[run, &["--shard", "1/2", "--out", "p"]].concat());
    refused(
        d,
        &["merge", "r", "p", "--out", "m"],
        &["different work", "uncertain"],
    );
    // --uncertain on a scenario without the section is refused before any shard is written.
    ok(d, &["validate", "u.toml"]);
    let plain = UNCERTAIN[..UNCERTAIN.find("[[uncertain]]").unwrap()].to_string();
    fs::write(d.join("plain.toml"), plain).unwrap();
    refused(
        d,
        &[
            "run",
            "plain.toml",
            "--uncertain",
            "--shard",
            "0/2",
            "--out",
            "y",
        ],
        &["[[uncertain]]"],
    );
}

/// A copy of folder `from` at `to` (files and folders, recursively).
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn shards_of_one_work_typed_differently_are_one_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("scenarios")).unwrap();
    fs::copy(
        root().join("scenarios/baseline.toml"),
        d.join("scenarios/baseline.toml"),
    )
    .unwrap();
    let (a, b) = (
        "--set=funding.facility.eib.limit=100e6",
        "--set=followup.referral_share=0.4",
    );
    // The scenario's path as typed and the order of the --set flags differ between tasks; the
    // content is the same.
    let tasks: [(&str, [&str; 2], &str); 3] = [
        ("scenarios/baseline.toml", [a, b], "0/3"),
        ("./scenarios/baseline.toml", [b, a], "1/3"),
        ("scenarios/../scenarios/baseline.toml", [b, a], "2/3"),
    ];
    for (file, sets, shard) in tasks {
        ok(
            d,
            &[
                "run", file, sets[0], sets[1], "--paths", "45", "-q", "--shard", shard, "--out",
                "shards",
            ],
        );
    }
    let ids: Vec<serde_json::Value> = names(&d.join("shards"))
        .iter()
        .map(|n| shard_json(&d.join("shards").join(n))["fingerprint"].clone())
        .collect();
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    ok(d, &["merge", "shards", "--out", "merged", "-q"]);
    // The merged folder is the single process's of the first shard's command: its overrides in
    // that order.
    ok(
        d,
        &[
            "run",
            "scenarios/baseline.toml",
            a,
            b,
            "--paths",
            "45",
            "-q",
            "--out",
            "single",
        ],
    );
    same_folders(&d.join("merged"), &d.join("single"));
    // Other content is other work still.
    ok(
        d,
        &[
            "run",
            "scenarios/baseline.toml",
            "--set=funding.facility.eib.limit=101e6",
            b,
            "--paths",
            "45",
            "-q",
            "--shard",
            "1/3",
            "--out",
            "other",
        ],
    );
    refused(
        d,
        &[
            "merge",
            "shards/shard-0000-of-0003",
            "other",
            "shards/shard-0002-of-0003",
            "--out",
            "m",
        ],
        &[
            "different work",
            // The line with the facility it belongs to.
            "[[funding.facility]] \"eib\": `limit = ",
            "limit = 101000000",
        ],
    );
}

#[test]
fn merge_checks_every_header_and_chunk_and_damage_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = baseline();
    let run = ["run", base.as_str(), "--paths", "39", "-q"];
    for i in 0..3 {
        let shard = format!("{i}/3");
        ok(
            d,
            &[&run[..], &["--shard", &shard, "--out", "good"]].concat(),
        );
    }
    ok(d, &["merge", "good", "--out", "merged", "-q"]);
    // Each case: a fresh copy of the shards, damaged in one way, refused by name with nothing
    // left behind (no result folder, no staging folder).
    let case = |name: &str, damage: &dyn Fn(&Path), says: &[&str]| {
        let copy = d.join(name);
        copy_dir(&d.join("good"), &copy);
        damage(&copy.join("shard-0002-of-0003"));
        refused(d, &["merge", name, "--out", "m"], says);
        assert!(!d.join("m").exists());
    };
    let flip = |file: &Path, at: usize| {
        let mut bytes = fs::read(file).unwrap();
        bytes[at] ^= 0x10;
        fs::write(file, bytes).unwrap();
    };
    let bin = |s: &Path| s.join("outcomes.bin");
    let json = |s: &Path| shard_json(s);
    // shard.json: one changed figure breaks its checksum.
    case(
        "edited",
        &|s| {
            let p = s.join("shard.json");
            let text = fs::read_to_string(&p).unwrap();
            let v = json(s);
            let loans = v["run"]["loans_simulated"].as_u64().unwrap();
            let edited = text.replacen(
                &format!("\"loans_simulated\": {loans}"),
                &format!("\"loans_simulated\": {}", loans + 1),
                1,
            );
            assert_ne!(edited, text);
            fs::write(p, edited).unwrap();
        },
        &["shard-0002-of-0003/shard.json", "checksum", "rerun"],
    );
    // The index of chunk CRC-32s, at the end of outcomes.bin.
    case(
        "index",
        &|s| {
            let len = fs::metadata(bin(s)).unwrap().len() as usize;
            flip(&bin(s), len - 3);
        },
        &["outcomes.bin", "index", "CRC-32"],
    );
    // Garbage appended, or a truncated file: the size is checked before any value is read.
    case(
        "appended",
        &|s| {
            let mut bytes = fs::read(bin(s)).unwrap();
            bytes.extend_from_slice(b"garbage");
            fs::write(bin(s), bytes).unwrap();
        },
        &["outcomes.bin", "too many", "rerun"],
    );
    case(
        "truncated",
        &|s| {
            let bytes = fs::read(bin(s)).unwrap();
            fs::write(bin(s), &bytes[..bytes.len() - 1]).unwrap();
        },
        &["outcomes.bin", "too few"],
    );
    // A chunk of the last column (the BMKB's claims on the lender's own loans, read for the
    // summary after paths.csv is written): refused, nothing committed.
    case(
        "late",
        &|s| {
            let index = json(s)["outcomes"]["index"]["offset"].as_u64().unwrap() as usize;
            flip(&bin(s), index - 1);
        },
        &[
            "outcomes.bin",
            // The last value of who bore the loss (docs/model.md §7, "Per segment").
            "the BMKB's claims of channel bmkb_own_loans",
            "paths 26..39",
            "CRC-32",
            "rerun",
        ],
    );
    // The first chunk, the loans, read first.
    case(
        "early",
        &|s| flip(&bin(s), 0),
        &["outcomes.bin", "loans simulated", "paths 26..39", "CRC-32"],
    );
    // Not a regular file: refused at once, not read (a named pipe would hang a reader).
    case(
        "fifo",
        &|s| {
            fs::remove_file(bin(s)).unwrap();
            let status = std::process::Command::new("mkfifo")
                .arg(bin(s))
                .status()
                .unwrap();
            assert!(status.success());
        },
        &["outcomes.bin", "not a regular file"],
    );
    case(
        "folder",
        &|s| {
            fs::remove_file(bin(s)).unwrap();
            fs::create_dir(bin(s)).unwrap();
        },
        &["outcomes.bin", "not a regular file"],
    );
    // An oversized shard.json is not read.
    case(
        "huge",
        &|s| {
            let f = fs::OpenOptions::new()
                .write(true)
                .open(s.join("shard.json"))
                .unwrap();
            f.set_len(1 << 30).unwrap();
        },
        &["shard.json", "more than a shard's"],
    );
    // A shard of the previous format: computed again, not taken for damage.
    case(
        "old",
        &|s| {
            let p = s.join("shard.json");
            let text = fs::read_to_string(&p).unwrap();
            fs::write(p, text.replace("microfolio-shard 6", "microfolio-shard 3")).unwrap();
        },
        &["microfolio-shard 3", "compute the shards again"],
    );
}

#[test]
fn a_missing_shard_is_named_with_the_command_that_reruns_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = baseline();
    let run = ["run", base.as_str(), "--paths", "50", "--seed", "3", "-q"];
    for i in [0, 2, 3, 5] {
        let shard = format!("{i}/6");
        ok(
            d,
            &[
                &run[..],
                &["--shard", &shard, "--out", "shards", "--threads", "1"],
            ]
            .concat(),
        );
    }
    let e = refused(
        d,
        &["merge", "shards", "--out", "result"],
        &[
            "2 of 6 shards missing",
            "shard 1/6 (shard-0001-of-0006",
            "shard 4/6",
            "cluster/submit.sh --indices 1,4 6 ",
            "/shards ",
            "/result run ",
            "--paths 50 --seed 3`",
            "--shard 1/6 --out ",
        ],
    );
    // The shard's own options are not part of the command to rerun.
    assert!(!e.contains("--threads") && !e.contains(" -q"), "{e}");
    // Rerun by hand as it says: the merge is the single process's folder.
    for i in ["1/6", "4/6"] {
        ok(d, &[&run[..], &["--shard", i, "--out", "shards"]].concat());
    }
    ok(d, &["merge", "shards", "--out", "result", "-q"]);
    ok(d, &[&run[..], &["--out", "single"]].concat());
    same_folders(&d.join("result"), &d.join("single"));
}

#[test]
fn plan_says_what_the_shards_and_their_merge_need() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = baseline();
    let plan = |paths: &str, extra: &[&str]| -> std::collections::BTreeMap<String, u64> {
        let out = ok(
            d,
            &[
                &["run", &base, "--paths", paths, "--shard", "0/100", "--plan"][..],
                extra,
            ]
            .concat(),
        );
        out.lines()
            .map(|l| {
                let (k, v) = l.split_once('=').unwrap();
                (k.to_string(), v.parse().unwrap())
            })
            .collect()
    };
    let small = plan("1000000", &[]);
    let large = plan("100000000", &[]);
    assert_eq!(small["shards"], 100);
    // A task keeps none of its paths; the merge a few columns of all of them; the shards
    // about 2.4 kB a ten-year path (ten report years and the ledger's row after them).
    assert_eq!(small["task_memory_mb"], large["task_memory_mb"]);
    assert!(large["merge_memory_mb"] < 3000, "{large:?}");
    assert!(large["merge_memory_mb"] > 2200, "{large:?}");
    assert!((2200..2600).contains(&small["shards_disk_mb"]), "{small:?}");
    let none = plan("100000000", &["--no-paths-csv"]);
    assert!(
        none["merge_memory_mb"] < 1000 && none["paths_file_disk_mb"] == 0,
        "{none:?}"
    );
    // Nothing was computed or written.
    assert!(names(d).is_empty());
}

/// The cells of `paths.csv`, row by row: the path, then every other cell (empty: `None`).
#[cfg(feature = "parquet")]
fn csv_cells(path: &Path) -> Vec<(u64, Vec<Option<u64>>)> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let mut cells = l.split(',');
            let index = cells.next().unwrap().parse().unwrap();
            let values = cells
                .map(|c| (!c.is_empty()).then(|| c.parse::<f64>().unwrap().to_bits()))
                .collect();
            (index, values)
        })
        .collect()
}

#[cfg(feature = "parquet")]
#[test]
fn paths_parquet_holds_the_csvs_values_and_a_merge_writes_the_runs_bytes() {
    use microfolio::output::parquet::ParquetPaths;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("u.toml"), UNCERTAIN).unwrap();
    // A run with parameter uncertainty: the metrics, some undefined, and the drawn values.
    let run: &[&str] = &["run", "u.toml", "--uncertain", "--paths", "70", "-q"];
    let parquet: &[&str] = &[run, &["--paths-format", "parquet"]].concat();
    ok(d, &[run, &["--out", "csv"]].concat());
    ok(d, &[parquet, &["--out", "single"]].concat());
    shards_of(d, parquet, &["2/3", "0/3", "1/3"], "shards");
    ok(d, &["merge", "shards", "--out", "merged", "-q"]);
    same_folders(&d.join("merged"), &d.join("single"));
    assert!(!d.join("single/paths.csv").exists());
    // Every value of paths.parquet is the double of paths.csv's cell, bit for bit; a null is
    // an empty cell: here, and in a run that grants no loan (no mean loan size).
    let names: Vec<String> = ["pd", "costs", "recovery"]
        .iter()
        .map(|n| format!("uncertain.{n}"))
        .collect();
    let read = |folder: &str, names: &[String]| -> Vec<(u64, Vec<Option<u64>>)> {
        let file = ParquetPaths::open(&d.join(folder).join("paths.parquet"), names).unwrap();
        let mut rows: Vec<(u64, Vec<Option<u64>>)> = Vec::new();
        for g in 0..file.groups() {
            let paths = file.paths(g).unwrap();
            let columns: Vec<Vec<Option<f64>>> = (1..1 + microfolio::Scalar::COUNT + names.len())
                .map(|c| file.doubles(g, c).unwrap())
                .collect();
            for (i, p) in paths.iter().enumerate() {
                let values = columns.iter().map(|c| c[i].map(f64::to_bits)).collect();
                rows.push((*p as u64, values));
            }
        }
        assert_eq!(file.rows(), rows.len() as u64);
        rows
    };
    assert_eq!(read("single", &names), csv_cells(&d.join("csv/paths.csv")));
    let none: &[&str] = &[
        "run",
        "u.toml",
        "--set",
        "origination.loans_per_year=0",
        "--paths",
        "20",
        "-q",
    ];
    ok(d, &[none, &["--out", "none-csv"]].concat());
    ok(
        d,
        &[none, &["--paths-format", "parquet", "--out", "none"]].concat(),
    );
    let cells = csv_cells(&d.join("none-csv/paths.csv"));
    assert!(
        cells.iter().all(|(_, v)| v.contains(&None)),
        "undefined values are covered"
    );
    assert_eq!(read("none", &[]), cells);
    // The same charts as from paths.csv; `report` redraws a parquet folder to the same files.
    for (name, path) in files(&d.join("single/charts")) {
        assert!(
            fs::read(path).unwrap() == fs::read(d.join("csv/charts").join(&name)).unwrap(),
            "{name} differs"
        );
    }
    copy_dir(&d.join("single"), &d.join("redrawn"));
    ok(d, &["report", "redrawn"]);
    same_folders(&d.join("redrawn"), &d.join("single"));
    // A damaged paths.parquet is named, not a crash.
    let p = d.join("redrawn/paths.parquet");
    let bytes = fs::read(&p).unwrap();
    fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    let out = microfolio(d, &["report", "redrawn"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("paths.parquet") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[cfg(not(feature = "parquet"))]
#[test]
fn paths_parquet_needs_the_parquet_feature() {
    let dir = tempfile::tempdir().unwrap();
    let base = baseline();
    for shard in [&[][..], &["--shard", "0/2"][..]] {
        refused(
            dir.path(),
            &[
                &["run", &base, "--paths", "4", "--paths-format", "parquet"][..],
                shard,
            ]
            .concat(),
            &[
                "--paths-format parquet",
                "built without Parquet",
                "default features",
            ],
        );
    }
}

#[test]
fn a_merge_may_choose_the_file_of_paths() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = baseline();
    let run = ["run", base.as_str(), "--paths", "30", "-q"];
    shards_of(d, &run, &["0/2", "1/2"], "shards");
    // The shards asked for paths.csv; the merge writes none, as the command with
    // --no-paths-csv would have.
    ok(
        d,
        &["merge", "shards", "--no-paths-csv", "--out", "none", "-q"],
    );
    ok(
        d,
        &[&run[..], &["--no-paths-csv", "--out", "single"]].concat(),
    );
    same_folders(&d.join("none"), &d.join("single"));
    #[cfg(feature = "parquet")]
    {
        ok(
            d,
            &[
                "merge",
                "shards",
                "--paths-format",
                "parquet",
                "--out",
                "pq",
                "-q",
            ],
        );
        ok(
            d,
            &[
                &run[..],
                &["--paths-format", "parquet", "--out", "single-pq"],
            ]
            .concat(),
        );
        same_folders(&d.join("pq"), &d.join("single-pq"));
    }
    refused(
        d,
        &["merge", "shards", "--paths-format", "tsv", "--out", "m"],
        &["--paths-format tsv", "csv or parquet"],
    );
    // A study writes no file of paths to choose.
    let sweep = [
        "sweep",
        base.as_str(),
        "--param",
        "followup.referral_share=0.2,0.6",
        "--paths",
        "4",
        "-q",
    ];
    shards_of(d, &sweep, &["0/1"], "sweep");
    refused(
        d,
        &["merge", "sweep", "--no-paths-csv", "--out", "m"],
        &["not of a `sweep` study"],
    );
}

#[test]
fn paths_format_takes_csv_or_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let base = baseline();
    refused(
        dir.path(),
        &["run", &base, "--paths", "4", "--paths-format", "xml"],
        &["--paths-format xml", "csv or parquet"],
    );
}

/// `shard.json` rewritten as a hostile tester would: `value` changed at the JSON pointer `at`,
/// and its checksum made again so that only the merge's other checks can catch it.
fn rewrite_shard_json(shard: &Path, edits: &[(&str, serde_json::Value)]) {
    let mut v = shard_json(shard);
    v.as_object_mut().unwrap().shift_remove("checksum");
    for (at, value) in edits {
        *v.pointer_mut(at).unwrap_or_else(|| panic!("{at}")) = value.clone();
    }
    let sum = microfolio::shard::format::crc32(serde_json::to_string(&v).unwrap().as_bytes());
    v["checksum"] = sum.into();
    fs::write(
        shard.join("shard.json"),
        serde_json::to_string_pretty(&v).unwrap(),
    )
    .unwrap();
}

/// Every bit of a lone shard's `shard.json` that a merge reads is verified: flipped bits
/// (here one in every 97 bytes, each bit of the byte in turn) are refused with exit 2 by the
/// checksum, and a `shard.json` whose checksum was made again after an edit is still refused
/// by its recomputed fingerprint and by its counts — a design shard's loans simulated, and a
/// shard's share of the work.
#[test]
fn a_lone_shards_json_is_verified_bit_by_bit_and_count_by_count() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = baseline();
    ok(
        d,
        &[
            "run", &base, "--paths", "4", "-q", "--shard", "0/1", "--out", "one",
        ],
    );
    let shard = d.join("one/shard-0000-of-0001");
    let original = fs::read(shard.join("shard.json")).unwrap();
    let mut tried = 0;
    for (k, at) in (0..original.len()).step_by(97).enumerate() {
        let mut bytes = original.clone();
        bytes[at] ^= 1 << (k % 8);
        fs::write(shard.join("shard.json"), &bytes).unwrap();
        refused(
            d,
            &["merge", "one", "--out", "m", "-q"],
            &["shard.json", "rerun"],
        );
        tried += 1;
    }
    assert!(tried > 20, "{tried} flips");
    fs::write(shard.join("shard.json"), &original).unwrap();
    ok(d, &["merge", "one", "--out", "m", "-q"]);

    // Messages in the user's terms: a file given where a shard folder belongs, a merge into a
    // shard folder, and a report asked of a shard folder.
    refused(
        d,
        &["merge", "one/shard-0000-of-0001/shard.json", "--out", "m5"],
        &[
            "shard.json: is a file, not a shard folder",
            "give the folder",
        ],
    );
    refused(
        d,
        &["merge", "one", "--out", "one/shard-0000-of-0001"],
        &[
            "is a shard folder (`--shard`), which a result never replaces",
            "another folder",
        ],
    );
    refused(
        d,
        &["report", "one/shard-0000-of-0001"],
        &[
            "is a shard folder",
            "merge the shards first with `microfolio merge`",
        ],
    );

    // The fingerprint's name is recomputed from the work it names.
    rewrite_shard_json(&shard, &[("/fingerprint", "0123456789abcdef".into())]);
    refused(
        d,
        &["merge", "one", "--out", "m2"],
        &[
            "shard.json",
            "fingerprint 0123456789abcdef",
            "not that of the work",
        ],
    );
    fs::write(shard.join("shard.json"), &original).unwrap();

    // A design shard: its loans simulated must be what its pieces hold.
    fs::write(d.join("u.toml"), UNCERTAIN).unwrap();
    ok(
        d,
        &[
            "morris",
            "u.toml",
            "--trajectories",
            "2",
            "--paths-per-point",
            "2",
            "--metrics",
            "defaults",
            "--bootstrap",
            "20",
            "-q",
            "--shard",
            "0/1",
            "--out",
            "design",
        ],
    );
    let design = d.join("design/shard-0000-of-0001");
    let loans = shard_json(&design)["run"]["loans_simulated"]
        .as_u64()
        .unwrap();
    rewrite_shard_json(&design, &[("/run/loans_simulated", (loans + 1).into())]);
    refused(
        d,
        &["merge", "design", "--out", "m3"],
        &[
            "shard.json",
            &format!(
                "its pieces hold {loans} loans, but it says it simulated {}",
                loans + 1
            ),
        ],
    );
    // A shard's share must be its index's of its count: shard 1/2 that calls itself 1/3 (a
    // mix of counts, which merge otherwise accepts when the shares tile the work).
    for i in 0..2 {
        let which = format!("{i}/2");
        ok(
            d,
            &[
                "run", &base, "--paths", "4", "-q", "--shard", &which, "--out", "two",
            ],
        );
    }
    rewrite_shard_json(
        &d.join("two/shard-0001-of-0002"),
        &[("/shard/count", 3.into())],
    );
    refused(
        d,
        &["merge", "two", "--out", "m4"],
        &[
            "shard-0001-of-0002/shard.json",
            "shard 1 of 3 holds paths 2..4",
            "not the share",
        ],
    );
}

/// A shard rewritten with consistent checksums but holding values the engine never writes (a
/// NaN or an infinity, an outcome that is always defined marked undefined) is refused with exit
/// 2 naming its `outcomes.bin`, the column and the path, nothing left behind. They reached the
/// result's staging folder and failed there with exit 1, naming a hidden `.NAME.partial-*`.
#[test]
fn values_the_engine_never_writes_are_refused_by_shard() {
    use microfolio::shard::format::{chunk_offsets, crc32};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = baseline();
    ok(
        d,
        &[
            "run", &base, "--paths", "4", "-q", "--shard", "0/1", "--out", "one",
        ],
    );
    let shard = d.join("one/shard-0000-of-0001");
    let (json, bin) = (
        fs::read(shard.join("shard.json")).unwrap(),
        fs::read(shard.join("outcomes.bin")).unwrap(),
    );
    let v = shard_json(&shard);
    let rows = v["pieces"][0]["rows"].as_u64().unwrap() as usize;
    let index = v["outcomes"]["index"]["offset"].as_u64().unwrap() as usize;
    let index_bytes = v["outcomes"]["index"]["bytes"].as_u64().unwrap() as usize;
    let segments = v["pieces"][0]["segments"].as_u64().unwrap() as usize;
    let offsets = chunk_offsets(4, rows, segments);
    // Chunk `c` of the one block edited by `edit`, its CRC-32, the index's and shard.json's
    // made again.
    let craft = |c: usize, edit: &dyn Fn(&mut [u8])| {
        let mut b = bin.clone();
        let (from, to) = (offsets[c] as usize, offsets[c + 1] as usize);
        edit(&mut b[from..to]);
        let sum = crc32(&b[from..to]).to_le_bytes();
        b[index + 4 * c..index + 4 * c + 4].copy_from_slice(&sum);
        let index_crc = crc32(&b[index..index + index_bytes]);
        fs::write(shard.join("shard.json"), &json).unwrap();
        fs::write(shard.join("outcomes.bin"), &b).unwrap();
        rewrite_shard_json(&shard, &[("/outcomes/index/crc32", index_crc.into())]);
    };
    let mask = 1; // four paths: one byte of defined bits before a scalar chunk's values
    // Chunk 1 holds the paths' weights, chunk 2 is the first scalar metric (loans_granted,
    // always defined); the last chunk the last value of who bore the loss (the BMKB's claims
    // on the lender's own loans).
    let last = offsets.len() - 2;
    type Edit<'a> = &'a dyn Fn(&mut [u8]);
    let cases: [(usize, Edit, &str); 5] = [
        (
            1,
            &|c| c[8..16].copy_from_slice(&0f64.to_le_bytes()),
            "weight on path 1: a weight that is not a positive finite number",
        ),
        (
            2,
            &|c| c[mask + 8..mask + 16].copy_from_slice(&f64::NAN.to_le_bytes()),
            "loans_granted on path 1: a value that is not a finite number",
        ),
        (
            2,
            &|c| c[0] &= !(1 << 2),
            "loans_granted on path 2: undefined, but this outcome is always defined",
        ),
        (
            last,
            &|c| c[24..32].copy_from_slice(&f64::INFINITY.to_le_bytes()),
            "on path 3: a value that is not a finite number",
        ),
        // Unchanged: the crafting itself is sound.
        (2, &|_| {}, ""),
    ];
    for (c, edit, expected) in cases {
        craft(c, edit);
        if expected.is_empty() {
            ok(d, &["merge", "one", "--out", "m", "-q"]);
            fs::remove_dir_all(d.join("m")).unwrap();
            continue;
        }
        let stderr = refused(
            d,
            &["merge", "one", "--out", "m", "-q"],
            &["shard-0000-of-0001/outcomes.bin", expected, "rerun"],
        );
        assert!(!stderr.contains(".partial-"), "{stderr}");
    }
}

/// Ctrl-C during a merge takes effect within about a second (the merge looks at it before every
/// block of a few MiB, not after a whole unit): exit 130, "interrupted while merging the
/// shards", no result and no staging folder, the shards as they were. Shards of lenders with
/// one loan make tens of thousands of paths cheaply; the merge of their columns and paths.csv
/// takes about a second, and the signal is sent as soon as its staging folder appears.
#[test]
fn ctrl_c_during_a_merge_stops_it_within_a_second() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = baseline();
    ok(
        d,
        &[
            "run",
            &base,
            "--paths",
            "40000",
            "--set",
            "initial_book.loans=1",
            "--set",
            "origination.loans_per_year=1",
            "--threads",
            "2",
            "-q",
            "--shard",
            "0/1",
            "--out",
            "one",
        ],
    );
    let shard = d.join("one/shard-0000-of-0001");
    let before: Vec<Vec<u8>> = ["shard.json", "outcomes.bin"]
        .iter()
        .map(|f| fs::read(shard.join(f)).unwrap())
        .collect();
    let mut child = bin()
        .current_dir(d)
        .args(["merge", "one", "--out", "m"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !names(d).iter().any(|n| n.starts_with(".m.partial-")) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the merge ended before it could be interrupted"
        );
        assert!(started.elapsed() < Duration::from_secs(30), "no staging");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(50));
    let sent = Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let took = sent.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert_eq!(
        stderr.trim(),
        "microfolio: error: interrupted while merging the shards; no result was written, and \
         the shards are as they were"
    );
    assert!(
        took < Duration::from_millis(1500),
        "stopped {took:?} after Ctrl-C"
    );
    assert_eq!(names(d), ["one"], "no result, no staging folder");
    for (f, bytes) in ["shard.json", "outcomes.bin"].iter().zip(&before) {
        assert_eq!(&fs::read(shard.join(f)).unwrap(), bytes, "{f} changed");
    }
}

/// A calibrated scenario names its kept sets by file (`uncertain_sets`): the shards' work is the
/// sets' content, not that name. Shards made before and after the file changed are other work;
/// shards whose file changed before their merge are refused, since the merge would make the
/// scenario again from the file as it is now.
#[test]
fn shards_of_a_calibrated_scenario_hold_its_sets_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let kept =
        |rows: &str| fs::write(d.join("kept.csv"), format!("pd,costs,recovery\n{rows}")).unwrap();
    kept("0.03,0.8,0.25\n0.09,1.2,0.35\n");
    fs::write(
        d.join("c.toml"),
        format!("uncertain_sets = \"kept.csv\"\n{UNCERTAIN}"),
    )
    .unwrap();
    let run: &[&str] = &["run", "c.toml", "--uncertain", "--paths", "20", "-q"];
    ok(d, &[run, &["--out", "single"]].concat());
    shards_of(d, run, &["0/2", "1/2"], "a");
    ok(d, &["merge", "a", "--out", "merged", "-q"]);
    same_folders(&d.join("merged"), &d.join("single"));

    // One set changed, in its last digit: the shard made after is other work.
    kept("0.03,0.8,0.25\n0.09,1.2,0.350001\n");
    shards_of(d, run, &["1/2"], "b");
    refused(
        d,
        &["merge", "a/shard-0000-of-0002", "b", "--out", "m"],
        &["different work", "b/shard-0001-of-0002"],
    );
    // Both shards made with the first sets, the file changed before the merge.
    refused(
        d,
        &["merge", "a", "--out", "m"],
        &[
            "kept.csv",
            "uncertain_sets have changed since the shards were written",
        ],
    );
    kept("0.03,0.8,0.25\n0.09,1.2,0.35\n");
    ok(d, &["merge", "a", "--out", "merged-again", "-q"]);
    same_folders(&d.join("merged-again"), &d.join("single"));
}

/// `compare` with `--uncertain` (2 variants × 4 draws × 5 paths: 8 units, 40 paths) and `sweep`
/// with it (2 values × 5 draws × 3 paths: 10 units, 30 paths), as their shards' arguments.
fn under_uncertainty() -> [(&'static str, Vec<&'static str>, u64); 2] {
    let compare = vec![
        "compare",
        "decide.toml",
        "--variant",
        "cheap: costs.fixed_per_year=5e4",
        "--uncertain",
        "--draws",
        "4",
        "--paths-per-draw",
        "5",
        "-q",
    ];
    let sweep = vec![
        "sweep",
        "decide.toml",
        "--param",
        "segment.s.annual_pd=0.06,0.1",
        "--uncertain",
        "--draws",
        "5",
        "--paths-per-draw",
        "3",
        "-q",
    ];
    [("compare", compare, 8), ("sweep", sweep, 10)]
}

/// A study under parameter uncertainty is a stream of units, each a variant at a draw
/// (docs/studies.md): three shards of 8 or 10 units cut two units between shards, and their
/// merge, in any order, is the folder one process writes on one thread and on two
/// (`compare.csv` or `sweep.csv`, `draws.csv`, `summary.json`, report and charts); so is a
/// merge of shards of different N that tile the work.
#[test]
fn studies_under_uncertainty_in_shards_merge_into_the_single_process_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("decide.toml"), GSA_SMALL).unwrap();
    for (name, args, units) in under_uncertainty() {
        let single = |t: &str| format!("{name}-single-{t}");
        for t in ["1", "2"] {
            ok(
                d,
                &[&args[..], &["--out", &single(t), "--threads", t]].concat(),
            );
        }
        same_folders(&d.join(single("2")), &d.join(single("1")));
        let three = format!("{name}-3");
        shards_of(d, &args, &["2/3", "0/3", "1/3"], &three);
        let json = shard_json(&d.join(format!("{three}/shard-0001-of-0003")));
        assert_eq!(json["work"]["units"], units);
        let nesting = &json["work"]["recipe"]["uncertain"];
        assert!(nesting["draws"].is_u64() && nesting["paths_per_draw"].is_u64());
        // The shard starts and ends inside a unit.
        let pieces = json["pieces"].as_array().unwrap();
        let paths = |p: &serde_json::Value| p["paths"].as_array().unwrap().clone();
        assert_ne!(paths(&pieces[0])[0], 0, "{pieces:?}");
        assert_ne!(
            paths(pieces.last().unwrap())[1],
            nesting["paths_per_draw"],
            "{pieces:?}"
        );
        let shard = |i: usize| format!("{three}/shard-{i:04}-of-0003");
        let merged = format!("{name}-merged");
        let out = ok(
            d,
            &["merge", &shard(1), &shard(2), &shard(0), "--out", &merged],
        );
        assert!(
            out.starts_with(&format!(
                "merged 3 shards of a {name} ({units} variant draws"
            )),
            "{out}"
        );
        assert!(
            out.contains("P(better|draw)") == (name == "compare"),
            "{out}"
        );
        for t in ["1", "2"] {
            same_folders(&d.join(&merged), &d.join(single(t)));
        }
        assert!(d.join(&merged).join("draws.csv").is_file());
    }
    // The value of information travels in the recipe and is computed from the merged draws.
    let voi = [
        "compare",
        "decide.toml",
        "--variant",
        "cheap: costs.fixed_per_year=5e4",
        "--uncertain",
        "--draws",
        "20",
        "--paths-per-draw",
        "2",
        "--voi",
        "net:2:loans_granted:net_loss",
        "-q",
    ];
    ok(d, &[&voi[..], &["--out", "voi-single"]].concat());
    shards_of(d, &voi, &["1/3", "2/3", "0/3"], "voi-3");
    let json = shard_json(&d.join("voi-3/shard-0000-of-0003"));
    assert_eq!(
        json["work"]["recipe"]["uncertain"]["voi"],
        "net:2:loans_granted:net_loss"
    );
    ok(d, &["merge", "voi-3", "--out", "voi-merged", "-q"]);
    same_folders(&d.join("voi-merged"), &d.join("voi-single"));
    assert!(d.join("voi-merged/voi.csv").is_file());
    let args = &under_uncertainty()[0].1;
    shards_of(d, args, &["3/4", "0/2", "2/4"], "mixed");
    ok(d, &["merge", "mixed/shard-*", "--out", "from-mixed", "-q"]);
    same_folders(&d.join("from-mixed"), &d.join("compare-single-1"));
}

/// The shards of a study under parameter uncertainty are refused, in one message and exit
/// code 2, when they are of other work: other draws, paths per draw, variants, seed, kept set,
/// or the comparison without `--uncertain`; missing and repeated shards are named; a shard
/// stopped by Ctrl-C leaves no shard to merge; more shards than paths are refused before any
/// work.
#[test]
fn merge_refuses_shards_under_uncertainty_of_other_work_missing_repeated_and_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("decide.toml"), GSA_SMALL).unwrap();
    let compare = &under_uncertainty()[0].1;
    shards_of(d, compare, &["0/3", "1/3", "2/3"], "a");
    let other = |folder: &str, says: &[&str]| {
        refused(
            d,
            &[
                "merge",
                "a/shard-0000-of-0003",
                folder,
                "a/shard-0002-of-0003",
                "--out",
                "m",
            ],
            &[&["different work", folder], says].concat(),
        );
    };
    let with = |from: &str, to: &'static str| -> Vec<&'static str> {
        compare
            .iter()
            .map(|a| if *a == from { to } else { *a })
            .collect()
    };
    shards_of(d, &with("4", "5"), &["1/3"], "draws");
    other("draws", &["recipe.uncertain.draws: 4 vs 5"]);
    shards_of(d, &with("5", "6"), &["1/3"], "per-draw");
    other("per-draw", &["recipe.uncertain.paths_per_draw: 5 vs 6"]);
    let dearer = with(
        "cheap: costs.fixed_per_year=5e4",
        "cheap: costs.fixed_per_year=6e4",
    );
    shards_of(d, &dearer, &["1/3"], "variants");
    other("variants", &["recipe.variants"]);
    shards_of(
        d,
        &[&compare[..], &["--seed", "12"]].concat(),
        &["1/3"],
        "seed",
    );
    other("seed", &["seed: 11 vs 12"]);
    let plain: Vec<&str> = [&compare[..4], &["--paths", "40", "-q"]].concat();
    shards_of(d, &plain, &["1/3"], "plain");
    other("plain", &["recipe.uncertain", "nothing"]);
    refused(
        d,
        &[
            "merge",
            "a/shard-0000-of-0003",
            "a/shard-0002-of-0003",
            "--out",
            "m",
        ],
        &[
            "1 of 3 shards missing",
            "shard 1/3",
            "paths 13..26",
            "--uncertain --draws 4 --paths-per-draw 5 --shard 1/3",
        ],
    );
    refuses_a_shard_given_twice(d, 1, 3);
    fs::remove_dir_all(d.join("copy")).unwrap();
    // Kept sets: shards drawn from sets that changed in between are other work.
    let kept = |rows: &str| {
        fs::write(
            d.join("kept.csv"),
            format!("pd,fixed_costs,recovery\n{rows}"),
        )
        .unwrap()
    };
    kept("0.03,0.8,0.25\n0.09,1.2,0.35\n");
    fs::write(
        d.join("sets.toml"),
        format!("uncertain_sets = \"kept.csv\"\n{GSA_SMALL}"),
    )
    .unwrap();
    let sets = with("decide.toml", "sets.toml");
    shards_of(d, &sets, &["0/3", "2/3"], "k");
    kept("0.03,0.8,0.25\n0.09,1.2,0.350001\n");
    shards_of(d, &sets, &["1/3"], "k2");
    refused(
        d,
        &["merge", "k", "k2", "--out", "m"],
        &["different work", "recipe.scenarios.0.sets"],
    );
    // Stopped by Ctrl-C (a larger work, so that it is stopped midway) into the folder of the
    // shards it should have joined: it leaves nothing there, and the merge names it missing.
    let big: Vec<&str> = [
        &compare[..5],
        &[
            "--draws",
            "100",
            "--paths-per-draw",
            "400",
            "--threads",
            "1",
        ],
    ]
    .concat();
    fs::remove_dir_all(d.join("a/shard-0001-of-0003")).unwrap();
    let stopped = interrupted(
        d,
        &[&big[..], &["--shard", "1/3", "--out", "a"]].concat(),
        std::time::Duration::from_millis(400),
    );
    assert_eq!(stopped.status.code(), Some(130), "{stopped:?}");
    assert_eq!(
        names(&d.join("a")),
        ["shard-0000-of-0003", "shard-0002-of-0003"],
        "a stopped shard leaves nothing behind"
    );
    refused(
        d,
        &["merge", "a", "--out", "m"],
        &["1 of 3 shards missing", "shard 1/3", "paths 13..26"],
    );
    // More shards than the work's 40 paths.
    refused(
        d,
        &[&compare[..], &["--shard", "0/41", "--out", "x"]].concat(),
        &["--shard 0/41", "40 paths", "at most 40"],
    );
}

/// The plan of a comparison under parameter uncertainty counts its units (a variant at a draw,
/// each ending in a partial block) for the shards' disk, and for the merge what the study
/// keeps of every path on one machine: checked against the shards its command writes.
#[test]
fn plan_says_what_shards_under_uncertainty_need() {
    use microfolio::study::nested::Nesting;
    use microfolio::study::params::VariantSpec;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("decide.toml"), GSA_SMALL).unwrap();
    let compare = &under_uncertainty()[0].1;
    shards_of(d, compare, &["0/3", "1/3", "2/3"], "a");
    let written: u64 = (0..3)
        .flat_map(|i| {
            let shard = d.join(format!("a/shard-{i:04}-of-0003"));
            ["shard.json", "outcomes.bin"].map(|f| fs::metadata(shard.join(f)).unwrap().len())
        })
        .sum();
    let spec: VariantSpec = "cheap: costs.fixed_per_year=5e4".parse().unwrap();
    let study = microfolio::Compare::new(&[scenario(GSA_SMALL, &[])], &[spec], None, None, vec![])
        .unwrap()
        .with_uncertainty(Nesting::new(4, 5).unwrap())
        .unwrap();
    let plan = microfolio::shard::plan::study(&study, 3, 1);
    // At most a `shard.json`'s 16 kB and a block's index more than written, per shard.
    assert!(
        written <= plan.shards_disk && plan.shards_disk <= written + 3 * (16 << 10),
        "{written} written, {plan:?}"
    );
    // The merge keeps every path's value of every metric of both variants (8 bytes each).
    let kept = 2 * 20 * microfolio::Scalar::COUNT as u64 * 8;
    assert!(plan.merge_memory > kept, "{plan:?}");
    assert_eq!(plan.paths_file_disk, 0);
    // Ten times the draws: ten times the kept values, the same task.
    let more = study
        .clone()
        .with_uncertainty(Nesting::new(40, 5).unwrap())
        .unwrap();
    let more = microfolio::shard::plan::study(&more, 3, 1);
    assert_eq!(more.merge_memory - plan.merge_memory, 9 * kept);
    assert_eq!(more.task_memory, plan.task_memory);
}

/// A copy of shard `i` of the `of` shards in `d/a`, given beside them, is refused as given
/// twice.
fn refuses_a_shard_given_twice(d: &Path, i: usize, of: usize) {
    let copy = d.join("copy");
    fs::create_dir(&copy).unwrap();
    let shard = format!("a/shard-{i:04}-of-{of:04}");
    for f in ["shard.json", "outcomes.bin"] {
        fs::copy(d.join(&shard).join(f), copy.join(f)).unwrap();
    }
    refused(
        d,
        &["merge", "a", "copy", "--out", "m"],
        &["given twice", &format!("shard {i}/{of}"), "copy"],
    );
}
