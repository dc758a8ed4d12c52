//! Result folders through the binary: a result is never lost at any step of its replacement,
//! a live run's staging folder is never removed, a folder holding anything microfolio did not
//! write is never replaced, runs and studies do not replace each other's folders, Ctrl-C takes
//! effect at once at any size of run, and `--out` is checked completely before any work.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn baseline() -> String {
    root()
        .join("scenarios/baseline.toml")
        .to_str()
        .unwrap()
        .to_string()
}

/// `summary.json`'s `paths` of a result folder, after checking that the folder is whole: its
/// manifest lists every file in it, and each listed file is there.
fn whole_result(folder: &Path) -> u64 {
    let manifest = std::fs::read_to_string(folder.join(".microfolio-manifest.json"))
        .unwrap_or_else(|e| panic!("{}: no manifest: {e}", folder.display()));
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    for f in manifest["files"].as_array().unwrap() {
        let f = f.as_str().unwrap();
        let there = match f.strip_suffix('/') {
            Some(dir) => folder.join(dir).is_dir(),
            None => folder.join(f).is_file(),
        };
        assert!(there, "{f} missing");
    }
    for f in [
        "summary.json",
        "scenario.toml",
        "timeseries.csv",
        "report.html",
    ] {
        assert!(
            manifest["files"].as_array().unwrap().iter().any(|x| x == f),
            "{f} not listed"
        );
    }
    let text = std::fs::read_to_string(folder.join("summary.json")).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).unwrap()["paths"]
        .as_u64()
        .unwrap()
}

fn run_ok(dir: &Path, args: &[&str]) {
    let out = microfolio(dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Start the binary with `args` in `dir` and the environment `env`.
fn start(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Child {
    let mut cmd = bin();
    cmd.current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("the binary starts")
}

/// The staging folders of `name` in `dir`.
fn staging(dir: &Path, name: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!(".{name}.partial-"))
        })
        .collect()
}

/// Start a run into `dir/out`, wait until its staging folder exists (the run is past its
/// checks, with Ctrl-C handled), send SIGINT, and return the output and how long the run took
/// to stop after the signal.
fn interrupt_once_started(
    dir: &Path,
    args: &[&str],
    out: &str,
) -> (std::process::Output, Duration) {
    interrupt_after_start(dir, args, out, Duration::from_millis(100))
}

/// [`interrupt_once_started`], sending SIGINT `wait` after the staging folder appears.
fn interrupt_after_start(
    dir: &Path,
    args: &[&str],
    out: &str,
    wait: Duration,
) -> (std::process::Output, Duration) {
    let before = staging(dir, out);
    let mut child = start(dir, args, &[]);
    let waited = Instant::now();
    while staging(dir, out).iter().all(|p| before.contains(p)) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be interrupted"
        );
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "no staging folder"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(wait);
    let sent = Instant::now();
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    (out, sent.elapsed())
}

/// A kill at every step of replacing a result leaves a whole result — the old one or the new —
/// in place; with the two-rename fallback, a kill between the renames leaves the old one set
/// aside, and the next run (here interrupted itself) puts it back before anything else. A
/// last, complete run leaves nothing but its result.
#[test]
fn a_kill_at_every_step_of_a_commit_loses_no_result() {
    let s = baseline();
    for mode in ["", "rename,"] {
        for step in 1..=4 {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            run_ok(d, &["run", &s, "--paths", "3", "--out", "res", "-q"]);
            let fault = format!("{mode}abort-after={step}");
            let child = start(
                d,
                &["run", &s, "--paths", "4", "--out", "res", "-q"],
                &[("MICROFOLIO_TEST_COMMIT", &fault)],
            );
            let out = child.wait_with_output().unwrap();
            assert!(!out.status.success(), "{fault}: the fault did not fire");
            let res = d.join("res");
            if mode == "rename," && step == 2 {
                // Between the renames: the old result is set aside, whole.
                assert!(!res.exists(), "{fault}");
                let old: Vec<_> = names(d)
                    .into_iter()
                    .filter(|n| n.starts_with(".res.old-"))
                    .collect();
                assert_eq!(old.len(), 1, "{fault}: {:?}", names(d));
                assert_eq!(whole_result(&d.join(&old[0])), 3, "{fault}");
            } else {
                let paths = whole_result(&res);
                let expected = if step == 1 { 3 } else { 4 };
                assert_eq!(paths, expected, "{fault}");
            }

            // A follow-up run, interrupted: the result (the one set aside, put back) stays.
            let (out, _) = interrupt_once_started(
                d,
                &["run", &s, "--paths", "1000000", "--out", "res", "-q"],
                "res",
            );
            assert_eq!(out.status.code(), Some(130), "{fault}");
            let paths = whole_result(&res);
            assert!(paths == 3 || paths == 4, "{fault}: {paths}");

            run_ok(d, &["run", &s, "--paths", "5", "--out", "res", "-q"]);
            assert_eq!(whole_result(&res), 5, "{fault}");
            assert_eq!(names(d), ["res"], "{fault}: leftovers");
        }
    }
}

/// A run of fewer paths than a chunk stops within about a path's time after Ctrl-C: exit 130,
/// the earlier result intact, the staging folder removed.
#[test]
fn ctrl_c_stops_a_small_run_at_once_and_keeps_the_earlier_result() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = baseline();
    run_ok(d, &["run", &s, "--paths", "3", "--out", "res", "-q"]);
    // 400 paths of 30 years on one thread: seconds of work in a single chunk.
    let (out, took) = interrupt_once_started(
        d,
        &[
            "run",
            &s,
            "--paths",
            "400",
            "--threads",
            "1",
            "--set",
            "simulation.horizon_years=30",
            "--out",
            "res",
        ],
        "res",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?} to stop");
    assert_eq!(whole_result(&d.join("res")), 3);
    assert_eq!(names(d), ["res"]);
}

/// An earlier result that cannot be removed once replaced is not left without a word: the run
/// succeeds (its result is in place) and warns on stderr, even with `--quiet`, naming the
/// hidden folder that holds what is left and how to remove it; the next run into the same
/// place removes it. The failure is injected (`MICROFOLIO_TEST_COMMIT=unremovable`), for the
/// one-step swap and for the two renames, since the tests may run as root, who can remove
/// anything; run as another user, a read-only folder inside the earlier result makes it real.
#[test]
fn an_earlier_result_that_cannot_be_removed_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = baseline();
    for mode in ["", "rename,"] {
        run_ok(d, &["run", &s, "--paths", "3", "--out", "res", "-q"]);
        let fault = format!("{mode}unremovable");
        let out = start(
            d,
            &["run", &s, "--paths", "4", "--out", "res", "-q"],
            &[("MICROFOLIO_TEST_COMMIT", &fault)],
        )
        .wait_with_output()
        .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{fault}: {stderr}");
        assert_eq!(whole_result(&d.join("res")), 4, "{fault}");
        let hidden: Vec<String> = names(d).into_iter().filter(|n| n != "res").collect();
        assert_eq!(hidden.len(), 1, "{fault}: {hidden:?}");
        let prefix = if mode.is_empty() {
            ".res.partial-"
        } else {
            ".res.old-"
        };
        assert!(hidden[0].starts_with(prefix), "{fault}: {hidden:?}");
        assert_eq!(
            whole_result(&d.join(&hidden[0])),
            3,
            "{fault}: the earlier result"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "{fault}: {stderr}");
        for expected in [
            "microfolio: warning: ",
            "could not be removed",
            "Permission denied",
            &hidden[0],
            "remove it yourself",
        ] {
            assert!(
                stderr.contains(expected),
                "{fault}: {expected:?} in {stderr}"
            );
        }
        run_ok(d, &["run", &s, "--paths", "3", "--out", "res", "-q"]);
        assert_eq!(names(d), ["res"], "{fault}: the next run removes it");
    }
    // SAFETY: geteuid reads the process's user id; it cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        use std::os::unix::fs::PermissionsExt;
        let charts = d.join("res/charts");
        std::fs::set_permissions(&charts, std::fs::Permissions::from_mode(0o555)).unwrap();
        let out = microfolio(d, &["run", &s, "--paths", "4", "--out", "res", "-q"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(stderr.contains("could not be removed"), "{stderr}");
        for hidden in names(d).into_iter().filter(|n| n != "res") {
            let charts = d.join(hidden).join("charts");
            std::fs::set_permissions(&charts, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
}

/// An interrupted run counts every path it simulated, those of the block it stopped in too: a
/// run of eight paths (one block of paths) of more than half a second each, interrupted after about
/// a second and a half, says it stopped after some of its 8 paths, not "0 of 8".
#[test]
fn an_interrupted_run_counts_the_paths_of_the_block_it_stopped_in() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = baseline();
    let (out, _) = interrupt_after_start(
        d,
        &[
            "run",
            &s,
            "--paths",
            "8",
            "--threads",
            "1",
            "--set",
            "simulation.horizon_years=50",
            "--set",
            "funding.state_loan=5e9",
            "--set",
            "origination.loans_per_year=100000",
            "--out",
            "res",
        ],
        "res",
        Duration::from_millis(1500),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    let done: u64 = stderr
        .split("interrupted after ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in: {stderr}"));
    assert!(
        stderr.contains(" of 8 paths; no result was written"),
        "{stderr}"
    );
    assert!((1..8).contains(&done), "{done} of 8: {stderr}");
    assert!(names(d).is_empty(), "{:?}", names(d));
}

/// A live run's staging folder is its run's by lock, not by PID: a run into the same place
/// leaves a locked one alone (whatever process id its name carries) and removes it once the
/// lock is released.
#[cfg(unix)]
#[test]
fn a_locked_staging_folder_is_never_removed() {
    use std::os::fd::AsRawFd;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = baseline();
    // Process id 1 is alive in every PID namespace but is no microfolio; the name says nothing.
    let live = d.join(".res.partial-1-1");
    std::fs::create_dir(&live).unwrap();
    std::fs::write(live.join("paths.csv"), "path\n").unwrap();
    let lock = std::fs::File::open(&live).unwrap();
    // SAFETY: flock on a descriptor the test owns.
    let r = unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    assert_eq!(r, 0);
    run_ok(d, &["run", &s, "--paths", "3", "--out", "res", "-q"]);
    assert!(
        live.join("paths.csv").exists(),
        "a live run's folder was removed"
    );
    drop(lock);
    run_ok(d, &["run", &s, "--paths", "3", "--out", "res", "-q"]);
    assert_eq!(names(d), ["res"]);
}

/// A result folder holding a user's notes is refused by name and nothing is deleted; runs and
/// studies do not replace each other's folders; a folder of the old layout (no manifest) is
/// replaced only if every file in it is one a run writes.
#[test]
fn only_what_microfolio_wrote_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = baseline();
    run_ok(d, &["run", &s, "--paths", "3", "--out", "res", "-q"]);
    std::fs::write(d.join("res/notes.md"), "mine").unwrap();
    std::fs::write(d.join("res/charts/annotated.png"), "mine").unwrap();
    let before = std::fs::read_to_string(d.join("res/summary.json")).unwrap();
    refused(
        d,
        &["run", &s, "--paths", "3", "--out", "res", "-q"],
        &["notes.md", "charts/annotated.png", "did not write"],
    );
    assert_eq!(
        std::fs::read_to_string(d.join("res/notes.md")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("res/summary.json")).unwrap(),
        before
    );
    std::fs::remove_file(d.join("res/notes.md")).unwrap();
    std::fs::remove_file(d.join("res/charts/annotated.png")).unwrap();

    let sweep = [
        "sweep",
        &s,
        "--param",
        "followup.referral_share=0,1",
        "--paths",
        "3",
        "-q",
    ];
    let mut into_run = sweep.to_vec();
    into_run.extend(["--out", "res"]);
    refused(
        d,
        &into_run,
        &["res", "`microfolio run`", "does not replace"],
    );
    let mut own = sweep.to_vec();
    own.extend(["--out", "study"]);
    run_ok(d, &own);
    refused(
        d,
        &["run", &s, "--paths", "3", "--out", "study", "-q"],
        &["study", "`microfolio sweep` study", "does not replace"],
    );
    run_ok(d, &own);

    // A folder that an older microfolio wrote, whose manifest lacks a chart a redraw now
    // adds: `report` lists it, so the folder stays replaceable; a user's file stays unlisted.
    run_ok(d, &["run", &s, "--paths", "3", "--out", "res", "-q"]);
    let manifest_path = d.join("res/.microfolio-manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    let chart = "charts/hist_final_capital.png";
    let files = manifest["files"].as_array_mut().unwrap();
    let count = files.len();
    files.retain(|f| f != chart);
    assert_eq!(files.len(), count - 1, "{chart} was listed");
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    std::fs::remove_file(d.join("res").join(chart)).unwrap();
    std::fs::write(d.join("res/notes.md"), "mine").unwrap();
    run_ok(d, &["report", "res"]);
    assert!(d.join("res").join(chart).is_file());
    refused(
        d,
        &["run", &s, "--paths", "3", "--out", "res", "-q"],
        &["notes.md", "did not write"],
    );
    std::fs::remove_file(d.join("res/notes.md")).unwrap();
    run_ok(d, &["report", "res"]);
    run_ok(d, &["run", &s, "--paths", "3", "--out", "res", "-q"]);

    // The old layout: a run's files and no manifest.
    std::fs::remove_file(d.join("res/.microfolio-manifest.json")).unwrap();
    run_ok(d, &["run", &s, "--paths", "4", "--out", "res", "-q"]);
    assert_eq!(whole_result(&d.join("res")), 4);
    std::fs::remove_file(d.join("res/.microfolio-manifest.json")).unwrap();
    std::fs::write(d.join("res/analysis.ipynb"), "{}").unwrap();
    refused(
        d,
        &["run", &s, "--paths", "3", "--out", "res", "-q"],
        &["analysis.ipynb"],
    );
}

/// The files of `folder` and its subfolders (relative paths), sorted.
fn tree(folder: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![(folder.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = todo.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let name = format!("{prefix}{}", e.file_name().to_string_lossy());
            if e.file_type().unwrap().is_dir() {
                todo.push((e.path(), format!("{name}/")));
            }
            out.push(name);
        }
    }
    out.sort();
    out
}

/// `report` changes only what the folder's manifest lists: a user's files of names microfolio
/// uses but did not write are neither removed as stale nor written over (refused by name, exit
/// 2, nothing changed); on a full disk it leaves none of its temporary files, and one left by a
/// kill is recognised as microfolio's by the next run into the folder.
#[test]
fn report_changes_only_what_the_manifest_lists() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = baseline();
    run_ok(d, &["run", &s, "--paths", "3", "--out", "res", "-q"]);
    let res = d.join("res");
    // A run without parameter uncertainty draws no rank charts and no table: the user's files
    // of those names are not stale output.
    std::fs::write(res.join("rank_correlations.csv"), "mine").unwrap();
    std::fs::write(res.join("charts/rank_net_loss.png"), "mine").unwrap();
    run_ok(d, &["report", "res"]);
    for f in ["rank_correlations.csv", "charts/rank_net_loss.png"] {
        assert_eq!(std::fs::read_to_string(res.join(f)).unwrap(), "mine", "{f}");
    }
    std::fs::remove_file(res.join("rank_correlations.csv")).unwrap();
    std::fs::remove_file(res.join("charts/rank_net_loss.png")).unwrap();

    // A chart the manifest does not list, replaced by the user's own: refused, not overwritten.
    let manifest_path = res.join(".microfolio-manifest.json");
    let original = std::fs::read_to_string(&manifest_path).unwrap();
    let mut manifest: serde_json::Value = serde_json::from_str(&original).unwrap();
    manifest["files"]
        .as_array_mut()
        .unwrap()
        .retain(|f| f != "charts/fan_capital.svg");
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    std::fs::write(res.join("charts/fan_capital.svg"), "mine").unwrap();
    let before = tree(&res);
    let out = microfolio(d, &["report", "res"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for e in [
        "charts/fan_capital.svg",
        "did not write",
        "nothing was changed",
    ] {
        assert!(stderr.contains(e), "{e:?} not in {stderr}");
    }
    assert_eq!(
        std::fs::read_to_string(res.join("charts/fan_capital.svg")).unwrap(),
        "mine"
    );
    assert_eq!(tree(&res), before);
    std::fs::write(&manifest_path, &original).unwrap();
    run_ok(d, &["report", "res"]);

    // A full disk (a file size limit: writes fail with EFBIG) stops the report with an error
    // and leaves none of its temporary files; the next run replaces the folder.
    #[cfg(target_os = "linux")]
    {
        let before = tree(&res);
        let out = Command::new("sh")
            .current_dir(d)
            .arg("-c")
            .arg(format!(
                "trap '' XFSZ; ulimit -f 8; exec '{}' report res",
                env!("CARGO_BIN_EXE_microfolio")
            ))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("cannot write"), "{stderr}");
        assert_eq!(tree(&res), before, "a temporary file was left behind");
    }
    // A temporary file a kill left behind is microfolio's own.
    std::fs::write(
        res.join("charts/.fan_capital.svg.microfolio-123-456.tmp"),
        "half",
    )
    .unwrap();
    run_ok(d, &["run", &s, "--paths", "3", "--out", "res", "-q"]);
    assert_eq!(whole_result(&res), 3);

    // A manifest of 1 GiB (sparse) is refused by its size, not read.
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&manifest_path)
        .unwrap();
    f.set_len(1 << 30).unwrap();
    drop(f);
    refused(
        d,
        &["run", &s, "--paths", "3", "--out", "res", "-q"],
        &[".microfolio-manifest.json", "more than"],
    );
    refused(
        d,
        &["report", "res"],
        &[".microfolio-manifest.json", "more than"],
    );
}

/// `--out NAME/.` is the folder `NAME`, for a run (new, then replaced) and for a merge, and
/// `--out NAME/..` the folder it names: refused as it is (not a result folder) before any work.
#[test]
fn out_with_a_trailing_dot_is_the_folder_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = baseline();
    run_ok(d, &["run", &s, "--paths", "3", "--out", "res/.", "-q"]);
    assert_eq!(whole_result(&d.join("res")), 3);
    run_ok(d, &["run", &s, "--paths", "4", "--out", "res/./", "-q"]);
    assert_eq!(whole_result(&d.join("res")), 4);
    run_ok(
        d,
        &[
            "run", &s, "--paths", "3", "--shard", "0/1", "--out", "sh", "-q",
        ],
    );
    run_ok(d, &["merge", "sh", "--out", "merged/.", "-q"]);
    assert_eq!(whole_result(&d.join("merged")), 3);
    assert!(staging(d, "res").is_empty() && staging(d, "merged").is_empty());
    let started = Instant::now();
    refused(
        d,
        &["run", &s, "--paths", "1000000", "-q", "--out", "res/.."],
        &["not an earlier microfolio result folder"],
    );
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// `--out` is checked completely before any work: a dangling symbolic link, a link to a
/// result, a mount point and a path where no folder can be made are refused with exit 2 at
/// once, even for a run of a million paths.
#[test]
fn out_is_checked_completely_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = baseline();
    let big = ["run", &s, "--paths", "1000000", "-q", "--out"];
    let check = |out: &str, expected: &[&str]| {
        let mut args = big.to_vec();
        args.push(out);
        let started = Instant::now();
        refused(d, &args, expected);
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{out}: refused only after work"
        );
    };
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(d.join("nowhere"), d.join("dangling")).unwrap();
        check("dangling", &["dangling", "symbolic link", "does not exist"]);
        run_ok(d, &["run", &s, "--paths", "3", "--out", "res", "-q"]);
        std::os::unix::fs::symlink(d.join("res"), d.join("link")).unwrap();
        check("link", &["link", "symbolic link"]);
    }
    std::fs::write(d.join("file.txt"), "x").unwrap();
    check("file.txt/run", &["file.txt", "cannot be created"]);
    if Path::new("/proc/self").exists() {
        check("/proc", &["/proc", "mount point"]);
    }
}
