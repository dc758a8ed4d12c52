//! The outcomes of a range of paths, kept by metric for the statistics; results of
//! consecutive ranges (shards of one run) append into the results of the whole range.

use std::fmt;
use std::ops::Range;

use crate::engine::PathOutcome;
use crate::metrics::{Scalar, Yearly};
use crate::stats::Summary;

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

    /// Add outcomes of the next paths, in index order (the driver's contract).
    pub(crate) fn push(&mut self, outcomes: &[PathOutcome]) {
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
    pub fn append(&mut self, other: Results) -> Result<(), AppendError> {
        if other.first_path != self.end() || other.years != self.years {
            return Err(AppendError {
                paths: self.first_path..self.end(),
                years: self.years,
                other_paths: other.first_path..other.end(),
                other_years: other.years,
            });
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

    /// Yearly metric `m` in report year `year` (0-based, below [`Results::years`]) on each
    /// path.
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

/// Results that cannot be appended: they do not follow on, or cover another horizon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendError {
    /// The paths and report years of the results appended to.
    pub paths: Range<u64>,
    pub years: usize,
    /// The paths and report years of the results that were to follow.
    pub other_paths: Range<u64>,
    pub other_years: usize,
}

impl fmt::Display for AppendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot append paths {}..{} ({} years) to paths {}..{} ({} years)",
            self.other_paths.start,
            self.other_paths.end,
            self.other_years,
            self.paths.start,
            self.paths.end,
            self.years
        )
    }
}

impl std::error::Error for AppendError {}
