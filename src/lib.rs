pub mod engine;
pub mod math;
pub mod metrics;
pub mod model;
pub mod run;
pub mod scenario;
pub mod schedule;
pub mod stats;
