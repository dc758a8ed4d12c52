//! What a run will need, estimated before it starts, so that a run too large for the machine is
//! refused up front with the figure in the message rather than killed by the operating system
//! half-way.
//!
//! The estimate is an upper bound of the memory that grows with the run: the per-path outcomes
//! kept for the statistics (every scalar, and every yearly metric of every yearly row, 8 bytes
//! each), a
//! copy of one metric's column while it is sorted, and one workspace per thread (per-month
//! arrays per segment, and the default-hazard tables of the loans of one path).

use std::path::Path;

use crate::metrics::{Scalar, Yearly};
use crate::scenario::Scenario;

/// Paths per chunk of the driver (`crate::simulate`): large enough to keep both cores busy,
/// small enough for a lively progress bar and bounded memory between the engine and a
/// streaming writer. Set here, beside the memory it bounds (two chunks are in flight), so that
/// the estimate needs nothing of the driver above it.
pub const CHUNK_PATHS: u64 = 512;

/// Bytes kept per path for the statistics, for paths of `rows` yearly rows and `segments`
/// segments.
pub fn bytes_per_path(rows: usize, segments: usize) -> u64 {
    ((Scalar::COUNT + Yearly::COUNT * rows + crate::segments::values_per_path(segments)) * 8) as u64
}

/// [`bytes_per_path`] of the paths of `spec`.
fn bytes_per_path_of(spec: &crate::scenario::ScenarioSpec) -> u64 {
    let shape = crate::model::shape(spec);
    bytes_per_path(shape.rows, shape.segments)
}

/// Upper bound of the memory (bytes) a run of `scenario` on `threads` threads needs.
pub fn estimated_memory(scenario: &Scenario, threads: usize) -> u64 {
    estimated_memory_of(scenario, threads, scenario.spec().simulation.paths as u64)
}

/// [`estimated_memory`] of a run, with parameter uncertainty (`uncertain`) the results of its
/// paired point-value run held too.
pub fn run_memory(scenario: &Scenario, threads: usize, uncertain: bool) -> u64 {
    let whole = estimated_memory(scenario, threads);
    if !uncertain {
        return whole;
    }
    let results = whole.saturating_sub(estimated_memory_of(scenario, threads, 0));
    whole.saturating_add(results)
}

/// [`estimated_memory`] of `paths` of the scenario's paths (a shard's share).
pub fn estimated_memory_of(scenario: &Scenario, threads: usize, paths: u64) -> u64 {
    let spec = scenario.spec();
    let years = spec.simulation.horizon_years as u64;
    let months = 12 * years;
    let segments = spec.segments.len() as u64;
    let per_path = bytes_per_path_of(spec);
    let results = paths.saturating_mul(per_path);
    let sorting = paths.saturating_mul(8);
    let in_flight = 2 * CHUNK_PATHS * (per_path + 256);

    let longest_term = crate::model::longest(spec, |s| s.term_months) as u64;
    let oldest = crate::model::longest(spec, |s| {
        spec.initial_book.max_age_months.min(s.term_months)
    }) as u64;
    let starts = months + 2 + oldest;
    // Loans in one path: the initial book, demand at its peak every year, and at most one
    // follow-up loan per loan.
    let o = &spec.origination;
    let demand: f64 = (0..years)
        .map(|y| o.loans_per_year * (1.0 + o.growth_per_year).powi(y as i32))
        .sum();
    let loans = 2.0 * (spec.initial_book.loans as f64 + 1.5 * demand + 100.0);
    let tables = (segments * 2 * starts).min(loans as u64);
    let arena = tables * longest_term.min(months) * 8;
    let fixed = segments * (months + 2) * 48 + months * 24 + segments * 2 * starts * 8;
    let followups = loans as u64 * 16;
    let workspace = fixed + arena + followups;
    results
        .saturating_add(sorting)
        .saturating_add(in_flight)
        .saturating_add((threads as u64).saturating_mul(workspace))
}

/// Upper bound of the memory a task of `scenario`'s paths needs that streams its outcomes to
/// disk and keeps none (a shard task): the workspaces and chunks in flight, as for a run of no
/// paths, and the block of outcomes being written, whatever the task's paths.
pub fn streaming_memory(scenario: &Scenario, threads: usize) -> u64 {
    let shape = crate::model::shape(scenario.spec());
    let (rows, segments) = (shape.rows, shape.segments);
    let block = crate::shard::format::block_paths(rows, segments);
    // The block's outcomes (each a path's record and its allocations) and one chunk's bytes.
    let held = block.saturating_mul(bytes_per_path(rows, segments) + 192)
        + crate::shard::format::block_bytes(block as usize, rows, segments)
            / crate::shard::format::columns(rows, segments) as u64;
    estimated_memory_of(scenario, threads, 0).saturating_add(held)
}

/// Upper bound of the memory a merge of a run's shards needs: one column of all paths at a time
/// for the statistics (8 bytes a path, sorted in place), or, when the file of paths is written,
/// what drawing its histograms holds — the histogrammed columns and, after `run --uncertain`,
/// every drawn parameter and ranked outcome in path order, 8 bytes a path each — plus a block
/// of every shard's outcomes in flight and a constant.
pub fn merge_memory(scenario: &Scenario, paths_file: bool, uncertain: bool) -> u64 {
    let paths = scenario.spec().simulation.paths as u64;
    let shape = crate::model::shape(scenario.spec());
    let (rows, segments) = (shape.rows, shape.segments);
    let columns = if paths_file {
        let ranked = if uncertain {
            (scenario.uncertain().len() + crate::charts::data::RANKED.len()) as u64
        } else {
            0
        };
        (crate::charts::data::PATH_COLUMNS.len() as u64 + ranked).max(1)
    } else {
        1
    };
    let block = crate::shard::format::block_paths(rows, segments);
    let in_flight = 2 * crate::shard::format::block_bytes(block as usize, rows, segments);
    paths
        .saturating_mul(8 * columns)
        .saturating_add(in_flight)
        .saturating_add(MERGE_CONSTANT)
}

/// Upper bound of the memory a merge of the shards of a study with parameter uncertainty
/// needs: what the study keeps on one machine (every path's value of every metric, per
/// variant: [`crate::study::nested::DrawnWork::kept_bytes`]), a block of a shard's outcomes in
/// flight and a constant.
pub fn drawn_merge_memory(drawn: &crate::study::nested::DrawnWork) -> u64 {
    let shape = crate::model::shape(drawn.reference.spec());
    let (rows, segments) = (shape.rows, shape.segments);
    let block = crate::shard::format::block_paths(rows, segments);
    let in_flight = 2 * crate::shard::format::block_bytes(block as usize, rows, segments);
    drawn
        .kept_bytes()
        .saturating_add(in_flight)
        .saturating_add(MERGE_CONSTANT)
}

/// What a merge holds whatever its paths: the program, the charts and report being drawn, the
/// parquet writer's row group, buffers (measured: docs/cluster.md, "Scale").
const MERGE_CONSTANT: u64 = 96 << 20;

/// Memory this process may still use, if it can tell: the least of what the system says is
/// available (Linux `MemAvailable`) and what the process's control groups leave below their
/// limits (cgroup v2 `memory.max`, or v1 `memory.limit_in_bytes`, minus the usage), so that
/// inside a Slurm job or a Kubernetes pod the job's limit counts, not the node's memory.
pub fn available_memory() -> Option<u64> {
    let system = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| mem_available(&info));
    let cgroup = cgroup_room(
        Path::new("/"),
        &std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default(),
        &std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default(),
    );
    match (system, cgroup) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `MemAvailable` of `/proc/meminfo`, in bytes.
fn mem_available(info: &str) -> Option<u64> {
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Bytes left below the tightest memory limit of the control groups of `/proc/self/cgroup`
/// (`cgroups`, whose file systems `/proc/self/mountinfo` (`mounts`) says where they are
/// mounted, under `root`), over the group and its ancestors; `None` when no limit is set or
/// none can be read.
fn cgroup_room(root: &Path, cgroups: &str, mounts: &str) -> Option<u64> {
    let mut room: Option<u64> = None;
    let mut tighten = |r: u64| room = Some(room.map_or(r, |x| x.min(r)));
    for line in cgroups.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(group)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let v2 = id == "0" && controllers.is_empty();
        if !v2 && !controllers.split(',').any(|c| c == "memory") {
            continue;
        }
        let Some((mount_root, mount_point)) = cgroup_mount(mounts, v2) else {
            continue;
        };
        // The group's path below the mount: as /proc/self/cgroup gives it, less the part of the
        // hierarchy the mount starts at (a container's own group).
        let relative = group
            .strip_prefix(mount_root.as_str())
            .unwrap_or(group)
            .trim_start_matches('/');
        let mut dir = root
            .join(mount_point.trim_start_matches('/'))
            .join(relative);
        let top = root.join(mount_point.trim_start_matches('/'));
        let (limit, usage) = if v2 {
            ("memory.max", "memory.current")
        } else {
            ("memory.limit_in_bytes", "memory.usage_in_bytes")
        };
        loop {
            let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
            if let Some(max) = read(limit).and_then(|t| t.trim().parse::<u64>().ok()) {
                // v1 writes "no limit" as a huge number (a page-rounded i64::MAX).
                if max < 1 << 60 {
                    let used = read(usage)
                        .and_then(|t| t.trim().parse::<u64>().ok())
                        .unwrap_or(0);
                    tighten(max.saturating_sub(used));
                }
            }
            if dir == top || !dir.pop() || !dir.starts_with(&top) {
                break;
            }
        }
    }
    room
}

/// The root within the hierarchy and the mount point of the cgroup file system of version 2
/// (`v2`) or of version 1's memory controller, from `/proc/self/mountinfo` text.
fn cgroup_mount(mounts: &str, v2: bool) -> Option<(String, String)> {
    mounts.lines().find_map(|line| {
        // ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS
        let (left, right) = line.split_once(" - ")?;
        let fields: Vec<&str> = left.split(' ').collect();
        let mut right = right.split(' ');
        let fs = right.next()?;
        let super_options = right.nth(1).unwrap_or("");
        let wanted = if v2 {
            fs == "cgroup2"
        } else {
            fs == "cgroup" && super_options.split(',').any(|o| o == "memory")
        };
        (wanted && fields.len() >= 5).then(|| (fields[3].to_string(), fields[4].to_string()))
    })
}

/// Human-readable bytes: `1.3 GB`.
pub fn bytes(n: u64) -> String {
    let n = n as f64;
    if n >= 1e12 {
        format!("{:.1} TB", n / 1e12)
    } else if n >= 1e9 {
        format!("{:.1} GB", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.0} MB", n / 1e6)
    } else {
        format!("{:.0} kB", n / 1e3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_million_baseline_paths_fit_in_three_gib() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/baseline.toml"
        ))
        .unwrap();
        let mut s = Scenario::from_toml_str(&text).unwrap();
        s = s.with_run_size(Some(1_000_000), None).unwrap();
        let estimate = estimated_memory(&s, 2);
        assert!(estimate < 3 * 1024 * 1024 * 1024, "{}", bytes(estimate));
        // The bound is dominated by the kept outcomes: every scalar and every yearly metric of
        // the ten years and the row after them, 8 bytes each.
        let values = Scalar::COUNT + Yearly::COUNT * 11;
        assert!(estimate > 1_000_000 * values as u64 * 8);
    }

    /// A fake `/sys/fs/cgroup` under `root`: `(folder, file, contents)`.
    fn tree(root: &Path, files: &[(&str, &str, &str)]) {
        for (dir, file, text) in files {
            let d = root.join(dir);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(file), text).unwrap();
        }
    }

    #[test]
    fn the_memory_left_below_a_cgroup_limit_counts_v2_and_v1() {
        let d = tempfile::tempdir().unwrap();
        // cgroup v2, as in a Slurm job (a limit on the job's group; its parent has none) or a
        // pod whose namespace shows its own group at the root.
        tree(
            d.path(),
            &[
                ("sys/fs/cgroup/slurm/job_7", "memory.max", "2147483648\n"),
                (
                    "sys/fs/cgroup/slurm/job_7",
                    "memory.current",
                    "1073741824\n",
                ),
                ("sys/fs/cgroup/slurm/job_7/step_0", "memory.max", "max\n"),
                ("sys/fs/cgroup/slurm", "memory.max", "max\n"),
            ],
        );
        let v2_mounts = "30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
        assert_eq!(
            cgroup_room(d.path(), "0::/slurm/job_7/step_0\n", v2_mounts),
            Some(1 << 30)
        );
        // No limit anywhere: nothing to say.
        assert_eq!(cgroup_room(d.path(), "0::/slurm\n", v2_mounts), None);
        // cgroup v1's memory controller, beside others; a mount that starts inside the
        // hierarchy (a container's own group).
        tree(
            d.path(),
            &[
                ("v1/memory/job", "memory.limit_in_bytes", "536870912\n"),
                ("v1/memory/job", "memory.usage_in_bytes", "36870912\n"),
                (
                    "v1/memory",
                    "memory.limit_in_bytes",
                    "9223372036854771712\n",
                ),
            ],
        );
        let v1_mounts = "40 25 0:30 /outer /v1/memory rw - cgroup cgroup rw,memory\n\
                         41 25 0:31 / /v1/cpu rw - cgroup cgroup rw,cpu,cpuacct\n";
        assert_eq!(
            cgroup_room(
                d.path(),
                "5:cpu,cpuacct:/outer/job\n4:memory:/outer/job\n",
                v1_mounts
            ),
            Some(500_000_000)
        );
        assert_eq!(cgroup_room(d.path(), "garbage\n", v1_mounts), None);
        assert_eq!(
            mem_available("MemTotal: 10 kB\nMemAvailable:   2048 kB\n"),
            Some(2 << 20)
        );
        assert!(available_memory().is_some());
    }

    #[test]
    fn a_merge_holds_a_few_columns_of_all_paths_not_every_outcome() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/baseline.toml"
        ))
        .unwrap();
        let s = Scenario::from_toml_str(&text)
            .unwrap()
            .with_run_size(Some(100_000_000), None)
            .unwrap();
        // 10^8 paths: three histogrammed columns (2.4 GB) and a constant; one column without
        // the file of paths.
        let with = merge_memory(&s, true, false);
        let without = merge_memory(&s, false, false);
        assert!(
            with < 3_000_000_000 && with > 2_400_000_000,
            "{}",
            bytes(with)
        );
        assert!(
            without < 1_000_000_000 && without > 800_000_000,
            "{}",
            bytes(without)
        );
        // A shard task keeps nothing of its paths: the same memory for 10^3 and 10^8 paths.
        let small = s.with_run_size(Some(1000), None).unwrap();
        assert_eq!(streaming_memory(&s, 2), streaming_memory(&small, 2));
        assert!(
            streaming_memory(&s, 2) < 200 << 20,
            "{}",
            bytes(streaming_memory(&s, 2))
        );
    }

    #[test]
    fn estimates_grow_with_paths_and_threads() {
        let small =
            Scenario::from_toml_str("[simulation]\npaths = 100\n[[segment]]\nname = \"a\"\n")
                .unwrap();
        let large =
            Scenario::from_toml_str("[simulation]\npaths = 100000000\n[[segment]]\nname = \"a\"\n")
                .unwrap();
        assert!(estimated_memory(&large, 1) > 100 * estimated_memory(&small, 1));
        assert!(estimated_memory(&small, 8) > estimated_memory(&small, 1));
        assert_eq!(bytes(1_300_000_000), "1.3 GB");
    }
}
