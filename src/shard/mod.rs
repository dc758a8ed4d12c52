//! Runs and studies cut into shards for a cluster, and put back together bit for bit
//! (docs/cluster.md). The work of a run or a study is a stream of work units' paths — a run is
//! one unit (with parameter uncertainty, a model per path), a study one unit per variant
//! ([`crate::simulate`]), or with parameter uncertainty one per variant at each draw
//! ([`crate::Study::drawn`]) — and shard `I` of `N` computes the `I`-th of `N` balanced shares of
//! that stream ([`Shard::share`]), writing every path's outcome losslessly, by column in blocks
//! of paths and in bounded memory, into a shard folder with the fingerprint of the work's
//! content ([`mod@format`]). A design study (`sobol`, `morris`; [`crate::study::Design`]) is a
//! stream of points instead, each point whole in one shard and kept as the study keeps it, a
//! mean and standard error per metric; a calibration is one wave's points at a time, each kept
//! as its targets' statistics, the waves before carried in the shards' recipe. [`merge()`] checks every shard's header before it reads
//! a value — all of one work, each path exactly once, intact — and writes the result folder a
//! single process would have written, reading a run's outcomes one column of all paths at a
//! time. [`plan`] says beforehand what the shards and their merge will need.
//!
//! Because a path depends only on (seed, path index), the shards' outcomes are those of the
//! whole work, and the merge hands them to the same code in the same order: the results are
//! identical to a single-machine run's. A new study follows by implementing
//! [`crate::Study::recipe`], [`crate::Study::from_recipe`] and [`crate::Study::compute_from`],
//! (and [`crate::Study::design`] for a design), and one line in [`merge()`]'s dispatch.

pub mod format;
mod merge;
pub mod plan;
pub mod recipe;
mod spec;
mod write;

pub(crate) use merge::differences;
pub use merge::{Merged, merge, shard_folders};
pub use spec::{K8S_INDEX, MAX_SHARDS, SLURM_COUNT, SLURM_ID, SLURM_MAX, SLURM_MIN, Shard};
pub use write::{
    Invocation, Written, default_run_shards, default_study_shards, run, run_fits, run_share_paths,
    run_unit_count, shard_folder, study, study_fits, study_share_paths,
};
