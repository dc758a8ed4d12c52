//! What a run will need, estimated before it starts, so that a run too large for the machine is
//! refused up front with the figure in the message rather than killed by the operating system
//! half-way.
//!
//! The estimate is an upper bound of the memory that grows with the run: the per-path outcomes
//! kept for the statistics (every scalar, and every yearly metric of every yearly row, 8 bytes
//! each), a
//! copy of one metric's column while it is sorted, and one workspace per thread (per-month
//! arrays per segment, and the default-hazard tables of the loans of one path).

use crate::metrics::{Scalar, Yearly};
use crate::scenario::Scenario;

/// Paths per chunk of the driver (`crate::simulate`): large enough to keep both cores busy,
/// small enough for a lively progress bar and bounded memory between the engine and a
/// streaming writer. Set here, beside the memory it bounds (two chunks are in flight), so that
/// the estimate needs nothing of the driver above it.
pub const CHUNK_PATHS: u64 = 512;

/// Bytes kept per path for the statistics, for paths of `rows` yearly rows.
pub fn bytes_per_path(rows: usize) -> u64 {
    ((Scalar::COUNT + Yearly::COUNT * rows) * 8) as u64
}

/// Upper bound of the memory (bytes) a run of `scenario` on `threads` threads needs.
pub fn estimated_memory(scenario: &Scenario, threads: usize) -> u64 {
    estimated_memory_of(scenario, threads, scenario.spec().simulation.paths as u64)
}

/// [`estimated_memory`] of `paths` of the scenario's paths (a shard's share).
pub fn estimated_memory_of(scenario: &Scenario, threads: usize, paths: u64) -> u64 {
    let spec = scenario.spec();
    let years = spec.simulation.horizon_years as u64;
    let months = 12 * years;
    let segments = spec.segments.len() as u64;
    let per_path = bytes_per_path(crate::model::shape(spec).rows);
    let results = paths.saturating_mul(per_path);
    let sorting = paths.saturating_mul(8);
    let in_flight = 2 * CHUNK_PATHS * (per_path + 256);

    let longest_term = spec
        .segments
        .iter()
        .map(|s| s.term_months as u64)
        .max()
        .unwrap_or(1);
    let oldest = spec
        .segments
        .iter()
        .map(|s| spec.initial_book.max_age_months.min(s.term_months) as u64)
        .max()
        .unwrap_or(1);
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

/// Memory the system says is available (Linux `MemAvailable`), if it can tell.
pub fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
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
