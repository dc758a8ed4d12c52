//! Running many paths in parallel, deterministically, and keeping their outcomes.
//!
//! Paths are simulated in fixed chunks of consecutive indices; within a chunk rayon spreads
//! them over threads, and the outcomes are collected in index order. Because a path depends on
//! (seed, index) alone, the results are bit-identical for any thread count, and a run over
//! paths `0..N` equals runs over `0..k` and `k..N` appended ([`Results::append`]).

use std::ops::Range;

use rayon::prelude::*;

use crate::engine::{PathOutcome, Workspace};
use crate::metrics::{Scalar, Yearly};
use crate::model::Model;
use crate::stats::Summary;

/// Paths per chunk: large enough to keep both cores busy, small enough for a lively progress
/// bar and bounded memory between the engine and a streaming writer.
pub const CHUNK_PATHS: u64 = 512;

/// Paths per block within a chunk: the unit of work of one thread, sharing one workspace.
pub const BLOCK_PATHS: u64 = 8;

/// Hooks for a front end. The engine calls them from the driving thread between chunks.
pub trait Observer {
    /// `done` of `total` paths are finished.
    fn paths_done(&self, _done: u64, _total: u64) {}
    /// Return true to stop after the current chunk (e.g. on Ctrl-C).
    fn should_stop(&self) -> bool {
        false
    }
}

/// An observer that does nothing.
pub struct Silent;
impl Observer for Silent {}

/// The run was stopped by the observer before all paths were done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    pub paths_done: u64,
}

/// Per-path outcomes of a range of paths, stored by metric (column-major) so that a million
/// paths stay compact and each metric can be sorted for its quantiles.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    first_path: u64,
    years: usize,
    /// `scalars[m][k]`: metric `m` on path `first_path + k`; NaN marks "undefined" here only and
    /// is turned into `None` by every accessor.
    scalars: Vec<Vec<f64>>,
    /// `yearly[m * years + y][k]`.
    yearly: Vec<Vec<f64>>,
    loans_simulated: u64,
}

impl Results {
    /// No paths yet, starting at path `first_path`.
    pub fn empty(first_path: u64, years: usize) -> Results {
        Results {
            first_path,
            years,
            scalars: vec![Vec::new(); Scalar::COUNT],
            yearly: vec![Vec::new(); Yearly::COUNT * years],
            loans_simulated: 0,
        }
    }

    /// Add outcomes of the next paths, in index order.
    pub fn push(&mut self, outcomes: &[PathOutcome]) {
        for o in outcomes {
            assert_eq!(o.index, self.end(), "outcomes must arrive in path order");
            for (col, v) in self.scalars.iter_mut().zip(o.scalars) {
                col.push(v.unwrap_or(f64::NAN));
            }
            for y in 0..self.years {
                for m in Yearly::ALL {
                    self.yearly[m.index() * self.years + y].push(o.yearly(y, *m));
                }
            }
            self.loans_simulated += o.loans_simulated;
        }
    }

    /// Append the results of the paths that follow these (a split run put back together).
    pub fn append(&mut self, other: Results) -> Result<(), String> {
        if other.first_path != self.end() || other.years != self.years {
            return Err(format!(
                "cannot append paths {}..{} ({} years) to paths {}..{} ({} years)",
                other.first_path,
                other.end(),
                other.years,
                self.first_path,
                self.end(),
                self.years
            ));
        }
        for (a, b) in self.scalars.iter_mut().zip(other.scalars) {
            a.extend(b);
        }
        for (a, b) in self.yearly.iter_mut().zip(other.yearly) {
            a.extend(b);
        }
        self.loans_simulated += other.loans_simulated;
        Ok(())
    }

    /// First path index.
    pub fn first_path(&self) -> u64 {
        self.first_path
    }

    /// One past the last path index.
    pub fn end(&self) -> u64 {
        self.first_path + self.paths()
    }

    /// Number of paths.
    pub fn paths(&self) -> u64 {
        self.scalars[0].len() as u64
    }

    /// Report years.
    pub fn years(&self) -> usize {
        self.years
    }

    /// Initial-book loans plus loans granted, over all paths.
    pub fn loans_simulated(&self) -> u64 {
        self.loans_simulated
    }

    /// Metric `m` on each path, in path order.
    pub fn scalar(&self, m: Scalar) -> impl ExactSizeIterator<Item = Option<f64>> + '_ {
        self.scalars[m.index()]
            .iter()
            .map(|&v| (!v.is_nan()).then_some(v))
    }

    /// Yearly metric `m` in report year `year` (0-based) on each path.
    pub fn yearly(&self, year: usize, m: Yearly) -> &[f64] {
        &self.yearly[m.index() * self.years + year]
    }

    /// Summary of scalar metric `m` over the paths where it is defined.
    pub fn summary(&self, m: Scalar) -> Option<Summary> {
        Summary::of(self.scalar(m))
    }

    /// Summary of yearly metric `m` in report year `year` (0-based).
    pub fn yearly_summary(&self, year: usize, m: Yearly) -> Option<Summary> {
        Summary::of_values(&mut self.yearly(year, m).to_vec())
    }

    /// Share of paths on which `m` is defined and positive, e.g. the probability of depletion.
    pub fn probability_positive(&self, m: Scalar) -> f64 {
        let n = self.paths();
        if n == 0 {
            return 0.0;
        }
        self.scalar(m)
            .filter(|v| v.is_some_and(|x| x > 0.0))
            .count() as f64
            / n as f64
    }
}

/// Simulate paths `range` of `model` on the current rayon pool. `on_chunk` receives each
/// chunk's outcomes in path order (e.g. to stream `paths.csv`); an error from it ends the run.
pub fn simulate<E>(
    model: &Model,
    range: Range<u64>,
    observer: &dyn Observer,
    mut on_chunk: impl FnMut(&[PathOutcome]) -> Result<(), E>,
) -> Result<Result<Results, Stopped>, E> {
    let mut results = Results::empty(range.start, model.years);
    let total = range.end.saturating_sub(range.start);
    let mut next = range.start;
    while next < range.end {
        if observer.should_stop() {
            return Ok(Err(Stopped {
                paths_done: next - range.start,
            }));
        }
        let end = (next + CHUNK_PATHS).min(range.end);
        let outcomes: Vec<PathOutcome> = (next..end)
            .step_by(BLOCK_PATHS as usize)
            .collect::<Vec<u64>>()
            .into_par_iter()
            .flat_map_iter(|first| {
                // One workspace per block, used by one thread from start to end: no nested
                // parallelism inside, so a thread never holds more than one workspace.
                let mut ws = Workspace::new(model);
                (first..(first + BLOCK_PATHS).min(end))
                    .map(|i| ws.simulate(i))
                    .collect::<Vec<_>>()
            })
            .collect();
        on_chunk(&outcomes)?;
        results.push(&outcomes);
        next = end;
        observer.paths_done(next - range.start, total);
    }
    Ok(Ok(results))
}

/// Simulate paths `range` with no observer and no streaming: the library's simplest entry.
pub fn simulate_range(model: &Model, range: Range<u64>) -> Results {
    match simulate::<std::convert::Infallible>(model, range, &Silent, |_| Ok(())) {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => unreachable!("Silent never stops"),
    }
}
