//! microfolio: a Monte Carlo simulator of microcredit portfolios — a lender of the Qredits kind
//! with a state loan as capital and external debt under a state guarantee. The specification
//! is `docs/model.md` in the repository; code comments cite its sections as `docs/model.md §N`.
//!
//! The library owns the model and knows nothing of terminals: a scenario is parsed and
//! validated ([`Scenario`]), turned into per-run tables ([`Model`]), simulated path by path
//! ([`engine`]) on many threads deterministically by one driver over work units — a model and
//! a range of paths ([`WorkUnit`], [`simulate()`], [`Pool`]) — summarised ([`stats`]) and
//! written to a result folder ([`run()`], [`output`]) with charts and a report ([`charts`],
//! [`report`]).
//! Sensitivity studies ([`Study`]: [`Sweep`], [`Compare`], [`Tornado`]) run variants of a
//! scenario on common random numbers into their folder ([`run_study`]). Every failure is an
//! [`Error`], whose [`Error::kind`] tells bad input from a failure. Runs and studies also run as
//! shards on a cluster and merge back into the same result folder ([`mod@shard`]). The `microfolio` binary
//! (the default `cli` feature) is the command-line glue.
//!
//! From code (a notebook, a test, a future binding):
//!
//! ```
//! use microfolio::{Model, Override, Scalar, Scenario, simulate_range};
//!
//! let text = "[initial_book]\nloans = 500\n[[segment]]\nname = \"starter\"\nannual_pd = 0.06\n";
//! let more_defaults: Override = "segment.starter.annual_pd=0.09".parse().unwrap();
//! let base = Scenario::from_toml_str(text).unwrap();
//! let worse = base.with_overrides(&[more_defaults]).unwrap();
//!
//! // The same 200 paths for both (common random numbers): the difference is the PD's alone.
//! let defaults = |s: &Scenario| simulate_range(&Model::new(s), 0..200).summary(Scalar::Defaults).unwrap().mean;
//! assert!(defaults(&worse) > defaults(&base));
//! ```

pub mod charts;
pub mod engine;
mod error;
pub mod format;
pub mod gsa;
pub mod math;
pub mod metrics;
mod model;
pub mod output;
pub mod precision;
pub mod random;
pub mod report;
mod resources;
mod results;
pub mod rqmc;
mod run;
mod sampling;
pub mod scenario;
pub mod schedule;
pub mod segments;
pub mod shard;
mod simulate;
pub mod stats;
pub mod study;
pub mod tail;
pub mod uncertainty;
pub mod units;

pub use error::{Arg, Error, ErrorKind, Work};
pub use metrics::{Scalar, Yearly};
pub use model::Model;
pub use output::{OutputDir, OutputError, RunInfo};
pub use results::{AppendError, Results, Shape};
pub use run::{
    Completed, RunOptions, Simulated, default_folder, run, same_file, simulate_run,
    simulate_run_with, simulate_to_target, written_by,
};
pub use scenario::{Origin, Override, Scenario, ScenarioError};
pub use simulate::{
    BLOCK_PATHS, CHUNK_PATHS, Observer, Options, PathModel, Pool, Progress, Silent, WorkUnit,
    shard, shard_ranges, simulate, simulate_range,
};
pub use stats::Summary;
pub use study::compare::Compare;
pub use study::morris::Morris;
pub use study::sobol::Sobol;
pub use study::sweep::Sweep;
pub use study::tornado::Tornado;
pub use study::{Done, ResultSource, Study, StudyResults, Variant, run_study};
