pub mod math;
pub mod scenario;
pub mod schedule;
