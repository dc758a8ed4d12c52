//! What the shards of a work and their merge will need, before anything is computed
//! (`--shard I/N --plan`, which `cluster/submit.sh` reads to ask Slurm for memory): the memory
//! of each task and of the merge, as their own checks compute it, and the disk of the shards
//! and of the merged file of paths.

use super::format;
use crate::output::PathsFormat;
use crate::resources;
use crate::results::Shape;
use crate::run::RunOptions;
use crate::scenario::Scenario;
use crate::study::Study;

/// Bytes a path takes in `paths.csv` and in `paths.parquet`, about: measured on 20,000 paths of
/// the shipped baseline (docs/cluster.md, "Scale"); a scenario's own values make it vary.
const CSV_BYTES_PER_PATH: u64 = 520;
const PARQUET_BYTES_PER_PATH: u64 = 220;

/// What a task holds beside what grows with its work: the program, its threads' stacks, the
/// allocator's slack (a shard task of the baseline peaked at 23 MB resident: docs/cluster.md,
/// "Scale").
const PROGRAM: u64 = 24 << 20;

/// What the shards of a work and their merge will need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Shards, N.
    pub shards: u64,
    /// Memory of a task computing a shard, and of the merge (bytes).
    pub task_memory: u64,
    pub merge_memory: u64,
    /// Disk of all the shards together, and of the merged file of paths (bytes; the latter an
    /// estimate).
    pub shards_disk: u64,
    pub paths_file_disk: u64,
}

impl Plan {
    /// `key=value` lines, megabytes rounded up, for people and scripts alike.
    pub fn to_text(&self) -> String {
        let mb = |b: u64| b.div_ceil(1 << 20);
        format!(
            "shards={}\ntask_memory_mb={}\nmerge_memory_mb={}\nshards_disk_mb={}\n\
             paths_file_disk_mb={}\n",
            self.shards,
            mb(self.task_memory),
            mb(self.merge_memory),
            mb(self.shards_disk),
            mb(self.paths_file_disk)
        )
    }
}

/// Bytes of shards holding `units` units of `paths` paths each, of `shape`'s yearly rows and
/// segments, in `shards` shards (their blocks, indexes and `shard.json`s).
fn path_shards_disk(units: u64, paths: u64, shape: Shape, shards: u64) -> u64 {
    let (rows, segments) = (shape.rows, shape.segments);
    let block = format::block_paths(rows, segments);
    let block_bytes = format::block_bytes(block as usize, rows, segments);
    let per_block = block_bytes + 4 * format::columns(rows, segments) as u64;
    // Every unit ends in a partial block, and every shard may cut one more: at most one
    // block's index more each.
    let blocks = units.saturating_mul(paths.div_ceil(block)) + shards;
    let paths = units.saturating_mul(paths);
    let per_path = block_bytes.div_ceil(block);
    paths
        .saturating_mul(per_path)
        .saturating_add(blocks.saturating_mul(per_block - block_bytes))
        .saturating_add(shards.saturating_mul(16 << 10))
}

/// The plan of a run of `scenario` with `options`, in `shards` shards.
pub fn run(scenario: &Scenario, options: &RunOptions, shards: u64) -> Plan {
    let paths = scenario.spec().simulation.paths as u64;
    let shape = crate::model::shape(scenario.spec());
    let threads = options.threads.unwrap_or(1);
    let per_path = match options.paths_format {
        PathsFormat::Csv => CSV_BYTES_PER_PATH,
        PathsFormat::Parquet => PARQUET_BYTES_PER_PATH,
    };
    Plan {
        shards,
        task_memory: resources::streaming_memory(scenario, threads).saturating_add(PROGRAM),
        merge_memory: resources::merge_memory(scenario, options.paths_csv, options.uncertain),
        // With parameter uncertainty the shards also hold the paired point-value run's paths,
        // a second unit.
        shards_disk: path_shards_disk(
            crate::shard::run_unit_count(options.uncertain),
            paths,
            shape,
            shards,
        ),
        paths_file_disk: if options.paths_csv {
            paths.saturating_mul(per_path)
        } else {
            0
        },
    }
}

/// The plan of `study` in `shards` shards, each task on `threads` threads.
pub fn study<S: Study>(study: &S, shards: u64, threads: usize) -> Plan {
    let variants = study.variants();
    let largest = variants
        .iter()
        .map(|v| resources::estimated_memory(&v.scenario, threads))
        .max()
        .unwrap_or(0);
    let streaming = variants
        .iter()
        .map(|v| resources::streaming_memory(&v.scenario, threads))
        .max()
        .unwrap_or(0);
    // The largest record of any variant, for every unit's paths.
    let shapes = variants
        .iter()
        .map(|v| crate::model::shape(v.scenario.spec()));
    let shape = Shape {
        years: 0,
        rows: shapes.clone().map(|s| s.rows).max().unwrap_or(0),
        run_off_years: false,
        segments: shapes.map(|s| s.segments).max().unwrap_or(0),
    };
    // With parameter uncertainty: units of a variant at a draw, merged into what the study
    // keeps of every path on one machine.
    if let Some(drawn) = study.drawn() {
        return Plan {
            shards,
            task_memory: streaming.saturating_add(PROGRAM),
            merge_memory: resources::drawn_merge_memory(&drawn),
            shards_disk: path_shards_disk(
                drawn.units_count(),
                drawn.nesting.paths_per_draw,
                shape,
                shards,
            ),
            paths_file_disk: 0,
        };
    }
    match study.design() {
        // A design's points are simulated whole by a task and kept as 16 bytes per metric.
        Some(d) => {
            let points = d.points() as u64;
            let kept = points.saturating_mul(16 * d.pairs() as u64 + 64);
            let one = resources::estimated_memory(study.base(), threads);
            Plan {
                shards,
                task_memory: one
                    .saturating_add(kept / shards.max(1))
                    .saturating_add(PROGRAM),
                merge_memory: kept.saturating_add(64 << 20),
                shards_disk: points
                    .saturating_mul(format::point_record_bytes(d.pairs()) as u64)
                    .saturating_add(shards.saturating_mul(16 << 10)),
                paths_file_disk: 0,
            }
        }
        // A study of variants merges one variant at a time, into what its study keeps.
        None => Plan {
            shards,
            task_memory: streaming.saturating_add(PROGRAM),
            merge_memory: largest.saturating_mul(2).saturating_add(64 << 20),
            shards_disk: path_shards_disk(variants.len() as u64, study.paths(), shape, shards),
            paths_file_disk: 0,
        },
    }
}
