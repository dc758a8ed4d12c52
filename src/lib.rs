//! microfolio: a Monte Carlo simulator of microcredit portfolios — a lender of the Qredits kind
//! with a state loan as capital and external debt under a state guarantee (see MODEL.md in the
//! project notes for the specification).
//!
//! The library owns the model and knows nothing of terminals: a scenario is parsed and
//! validated ([`scenario`]), turned into per-run tables ([`model`]), simulated path by path
//! ([`engine`]) on many threads deterministically ([`run`]), summarised ([`stats`]) and written
//! to a result folder ([`output`], [`job`]) with charts and a report ([`charts`], [`report`]).
//! The `microfolio` binary is the command-line glue.

pub mod charts;
pub mod engine;
pub mod format;
pub mod job;
pub mod math;
pub mod metrics;
pub mod model;
pub mod output;
pub mod report;
pub mod resources;
pub mod run;
pub mod scenario;
pub mod schedule;
pub mod stats;
