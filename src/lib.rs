//! microfolio: a Monte Carlo simulator of microcredit portfolios — a lender of the Qredits kind
//! with a state loan as capital and external debt under a state guarantee (see MODEL.md in the
//! project notes for the specification).
//!
//! The library owns the model and knows nothing of terminals: a scenario is parsed and
//! validated ([`scenario`]), turned into per-run tables ([`model`]), simulated path by path
//! ([`engine`]) on many threads deterministically ([`run`]), summarised ([`stats`]) and written
//! to a result folder ([`output`], [`job`]) with charts and a report ([`charts`], [`report`]).
//! Sensitivity studies run variants of a scenario on common random numbers ([`study`]).
//! The `microfolio` binary is the command-line glue.
//!
//! From code (a notebook, a test, a future binding):
//!
//! ```
//! use microfolio::metrics::Scalar;
//! use microfolio::model::Model;
//! use microfolio::run::simulate_range;
//! use microfolio::scenario::{Origin, Override, Scenario};
//!
//! let text = "[initial_book]\nloans = 500\n[[segment]]\nname = \"starter\"\nannual_pd = 0.06\n";
//! let origin = Origin { file: "notebook".into(), stem: "example".into() };
//! let more_defaults: Override = "segment.starter.annual_pd=0.09".parse().unwrap();
//! let base = Scenario::parse(text, &origin, &[]).unwrap();
//! let worse = Scenario::parse(text, &origin, &[more_defaults]).unwrap();
//!
//! // The same 200 paths for both (common random numbers): the difference is the PD's alone.
//! let defaults = |s: &Scenario| simulate_range(&Model::new(s), 0..200).summary(Scalar::Defaults).unwrap().mean;
//! assert!(defaults(&worse) > defaults(&base));
//! ```

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
pub mod study;
pub mod units;
