//! Scale through the binary (docs/cluster.md, "Scale"): a shard task keeps none of its paths in
//! memory and a merge holds a few columns of all paths, not every outcome of every path, so
//! that their peak memory does not grow by kilobytes a path; and the merge's memory check reads
//! the job's limit (its control group), refusing up front what the limit cannot hold.
//!
//! Its own test binary, one test at a time: the peak memory of the processes it starts is read
//! from `getrusage(RUSAGE_CHILDREN)`, the largest of all the children waited for so far.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// The largest peak resident memory of the children waited for so far, in bytes.
fn children_peak() -> u64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct it is given.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0);
    usage.ru_maxrss as u64 * 1024
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = microfolio(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The baseline cut to one initial loan and one new loan a year per path (as docs/cluster.md's
/// "Scale" makes its shards cheaply): a path's outcomes are as many values as the baseline's.
fn cheap(paths: &str) -> Vec<String> {
    let base = root().join("scenarios/baseline.toml").display().to_string();
    [
        "run",
        &base,
        "--set",
        "initial_book.loans=1",
        "--set",
        "origination.loans_per_year=1",
        "--paths",
        paths,
        "-q",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

const PATHS: u64 = 150_000;

#[test]
fn shard_tasks_and_merges_hold_no_kilobytes_a_path_and_the_merge_reads_the_jobs_limit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let args = cheap(&PATHS.to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // Before the change, a shard task kept its share's outcomes (1.6 kB a ten-year path: 240 MB
    // for these paths) and the merge every path's (the same again); now a task holds one block
    // and the merge a few columns (8 bytes a path each: 1.2 MB a column here).
    let outcomes = PATHS * 1600;
    for i in ["0/2", "1/2"] {
        ok(
            d,
            &[
                &args[..],
                &["--shard", i, "--out", "shards", "--threads", "2"],
            ]
            .concat(),
        );
    }
    let tasks = children_peak();
    assert!(
        tasks < 100 << 20,
        "a shard task of {} paths peaked at {} MB",
        PATHS / 2,
        tasks >> 20
    );
    ok(d, &["merge", "shards", "--out", "merged", "-q"]);
    let merge = children_peak();
    assert!(
        merge < 100 << 20 && merge < outcomes / 2,
        "the merge of {PATHS} paths peaked at {} MB",
        merge >> 20
    );
    eprintln!(
        "peak resident memory: shard tasks {} MB, merge {} MB ({PATHS} paths, {} MB of outcomes)",
        tasks >> 20,
        merge >> 20,
        outcomes >> 20
    );
    assert!(d.join("merged/paths.csv").is_file());

    // The same merge inside a control group whose limit is below what --plan says the merge
    // needs: refused up front, naming that figure, nothing written.
    let plan = ok(d, &[&args[..], &["--shard", "0/2", "--plan"]].concat());
    let needed_mb: u64 = plan
        .lines()
        .find_map(|l| l.strip_prefix("merge_memory_mb="))
        .unwrap()
        .parse()
        .unwrap();
    let Some(group) = Cgroup::create(
        &format!("microfolio-test-{}", std::process::id()),
        (needed_mb - 20) << 20,
    ) else {
        eprintln!(
            "no memory control group could be made here: the limit is checked by unit tests only"
        );
        return;
    };
    let out = Command::new("sh")
        .current_dir(d)
        .arg("-c")
        .arg(format!(
            "echo $$ > '{}' && exec '{}' merge shards --out limited",
            group.procs().display(),
            env!("CARGO_BIN_EXE_microfolio")
        ))
        .output()
        .unwrap();
    drop(group);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("merging the shards of a run of 150000 paths")
            && stderr.contains("the job's memory limit")
            && stderr.contains(&format!("--mem={needed_mb}M")),
        "{stderr}"
    );
    assert!(!d.join("limited").exists());
}

/// A memory control group of this process's own (cgroup v1's memory controller, or v2), with a
/// limit, removed when dropped; `None` where none can be made (no permission, no controller).
struct Cgroup {
    dir: PathBuf,
}

impl Cgroup {
    fn create(name: &str, limit: u64) -> Option<Cgroup> {
        let own = fs::read_to_string("/proc/self/cgroup").ok()?;
        let mounts = fs::read_to_string("/proc/self/mountinfo").ok()?;
        for line in own.lines() {
            let mut parts = line.splitn(3, ':');
            let (id, controllers, group) = (parts.next()?, parts.next()?, parts.next()?);
            let v2 = id == "0" && controllers.is_empty();
            if !v2 && !controllers.split(',').any(|c| c == "memory") {
                continue;
            }
            let mount = mounts.lines().find_map(|l| {
                let (left, right) = l.split_once(" - ")?;
                let fields: Vec<&str> = left.split(' ').collect();
                let mut right = right.split(' ');
                let fs_type = right.next()?;
                let options = right.nth(1).unwrap_or("");
                let wanted = if v2 {
                    fs_type == "cgroup2"
                } else {
                    fs_type == "cgroup" && options.split(',').any(|o| o == "memory")
                };
                (wanted && fields.len() >= 5 && fields[3] == "/").then(|| fields[4].to_string())
            })?;
            let dir = Path::new(&mount)
                .join(group.trim_start_matches('/'))
                .join(name);
            if v2 {
                // v2 needs the memory controller in the parent's subtree.
                let parent = dir.parent()?;
                let enabled = fs::read_to_string(parent.join("cgroup.subtree_control")).ok()?;
                if !enabled.split_whitespace().any(|c| c == "memory") {
                    continue;
                }
            }
            if fs::create_dir(&dir).is_err() {
                continue;
            }
            let group = Cgroup { dir };
            let file = if v2 {
                "memory.max"
            } else {
                "memory.limit_in_bytes"
            };
            if fs::write(group.dir.join(file), limit.to_string()).is_err() {
                continue;
            }
            return Some(group);
        }
        None
    }

    fn procs(&self) -> PathBuf {
        self.dir.join("cgroup.procs")
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        // Its one process has exited: the group is empty and can go.
        for _ in 0..50 {
            if fs::remove_dir(&self.dir).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}
