//! The outcomes of a range of paths, kept by metric for the statistics; results of
//! consecutive ranges (shards of one run) append into the results of the whole range.

use std::fmt;
use std::ops::Range;

use crate::engine::PathOutcome;
use crate::error::Error;
use crate::metrics::{Scalar, Yearly};
use crate::stats::Summary;

/// Per-path outcomes read one column of all paths at a time: what `summary.json` and
/// `timeseries.csv` are computed from ([`crate::output`]), whether the outcomes are in memory
/// ([`Results`]) or in shards on disk (a merge, which so holds one column at a time, 8 bytes a
/// path, whatever the metrics and years).
pub trait OutcomeColumns {
    /// First path index.
    fn first_path(&self) -> u64;
    /// Number of paths.
    fn paths(&self) -> u64;
    /// The horizon's years and the yearly rows per path.
    fn shape(&self) -> Shape;
    /// Initial-book loans plus loans granted, over all paths.
    fn loans_simulated(&self) -> u64;
    /// Scalar metric `m` on each path, in path order; NaN where undefined.
    fn scalar_column(&self, m: Scalar) -> Result<Vec<f64>, Error>;
    /// Yearly metric `m` in row `row` (below the shape's rows) on each path, in path order.
    fn yearly_column(&self, row: usize, m: Yearly) -> Result<Vec<f64>, Error>;
    /// Value `k` (below [`Shape::segment_values`]) of who bore the loss, on each path in path
    /// order.
    fn segment_column(&self, k: usize) -> Result<Vec<f64>, Error>;
    /// Each path's weight in path order: its likelihood ratio under `tail` sampling, 1 under
    /// any other (docs/model.md §12).
    fn weight_column(&self) -> Result<Vec<f64>, Error>;
}

impl OutcomeColumns for Results {
    fn first_path(&self) -> u64 {
        self.first_path
    }

    fn paths(&self) -> u64 {
        Results::paths(self)
    }

    fn shape(&self) -> Shape {
        self.shape
    }

    fn loans_simulated(&self) -> u64 {
        self.loans_simulated
    }

    fn scalar_column(&self, m: Scalar) -> Result<Vec<f64>, Error> {
        Ok(self.scalars[m.index()].clone())
    }

    fn yearly_column(&self, row: usize, m: Yearly) -> Result<Vec<f64>, Error> {
        Ok(self.yearly(row, m).to_vec())
    }

    fn segment_column(&self, k: usize) -> Result<Vec<f64>, Error> {
        Ok(self.segments[k].clone())
    }

    fn weight_column(&self) -> Result<Vec<f64>, Error> {
        Ok(self.weights.clone())
    }
}

/// The yearly rows every path of a run carries: the horizon's report years, and after them the
/// rows of the state's ledger beyond the horizon (docs/model.md §11.4), whose number the model
/// knows before simulating, so that every path (and every shard's record) has the same length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Report years of the horizon.
    pub years: usize,
    /// Yearly rows per path, `>= years`: rows `years..` hold only the ledger's metrics
    /// ([`Yearly::beyond_horizon`]).
    pub rows: usize,
    /// Whether the rows after the horizon are the run-off's calendar years
    /// (`state.run_off_years`) rather than one row, `after`, for everything after it.
    pub run_off_years: bool,
    /// The scenario's segments: each path records [`crate::segments::values_per_path`]
    /// values of who bore its loss (docs/model.md §7).
    pub segments: usize,
}

impl Shape {
    /// Rows of the horizon's years only, for one segment.
    pub fn horizon(years: usize) -> Shape {
        Shape {
            years,
            rows: years,
            run_off_years: false,
            segments: 1,
        }
    }

    /// The values of who bore the loss each path records ([`crate::segments`]).
    pub fn segment_values(&self) -> usize {
        crate::segments::values_per_path(self.segments)
    }

    /// The `label` of row `row` in `timeseries.csv`: its calendar year (the horizon starting
    /// in `start_year`), or `after` for the one row after the horizon.
    pub fn label(&self, row: usize, start_year: i64) -> String {
        if row >= self.years && !self.run_off_years {
            "after".to_string()
        } else {
            (start_year + row as i64).to_string()
        }
    }
}

/// Per-path outcomes of a range of paths, stored by metric (column-major) so that a million
/// paths stay compact and each metric can be sorted for its quantiles.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    first_path: u64,
    shape: Shape,
    /// `scalars[m][k]`: metric `m` on path `first_path + k`; NaN marks "undefined" here only and
    /// is turned into `None` by every accessor.
    scalars: Vec<Vec<f64>>,
    /// `yearly[m * rows + y][k]`.
    yearly: Vec<Vec<f64>>,
    /// `segments[v][k]`: value `v` of who bore the loss ([`crate::segments`]) on path k.
    segments: Vec<Vec<f64>>,
    /// `weights[k]`: path k's likelihood ratio (1 unless the sampling is `tail`).
    weights: Vec<f64>,
    loans_simulated: u64,
}

impl Results {
    /// No paths yet, starting at path `first_path`, each with the yearly rows of `shape`.
    pub fn empty(first_path: u64, shape: Shape) -> Results {
        Results {
            first_path,
            shape,
            scalars: vec![Vec::new(); Scalar::COUNT],
            yearly: vec![Vec::new(); Yearly::COUNT * shape.rows],
            segments: vec![Vec::new(); shape.segment_values()],
            weights: Vec::new(),
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
            let rows = self.shape.rows;
            assert_eq!(
                o.yearly.len(),
                rows * Yearly::COUNT,
                "a path of another shape"
            );
            for y in 0..rows {
                for m in Yearly::ALL {
                    self.yearly[m.index() * rows + y].push(o.yearly(y, *m));
                }
            }
            assert_eq!(
                o.segments.len(),
                self.segments.len(),
                "a path of other segments"
            );
            for (col, v) in self.segments.iter_mut().zip(&o.segments) {
                col.push(*v);
            }
            self.weights.push(o.weight);
            self.loans_simulated += o.loans_simulated;
        }
    }

    /// Append the results of the paths that follow these (a split run put back together).
    pub fn append(&mut self, other: Results) -> Result<(), AppendError> {
        if other.first_path != self.end() || other.shape != self.shape {
            return Err(AppendError {
                paths: self.first_path..self.end(),
                rows: self.shape.rows,
                other_paths: other.first_path..other.end(),
                other_rows: other.shape.rows,
            });
        }
        for (a, b) in self.scalars.iter_mut().zip(other.scalars) {
            a.extend(b);
        }
        for (a, b) in self.yearly.iter_mut().zip(other.yearly) {
            a.extend(b);
        }
        for (a, b) in self.segments.iter_mut().zip(other.segments) {
            a.extend(b);
        }
        self.weights.extend(other.weights);
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

    /// Report years of the horizon.
    pub fn years(&self) -> usize {
        self.shape.years
    }

    /// Yearly rows per path: the horizon's years, then the ledger's rows beyond it.
    pub fn rows(&self) -> usize {
        self.shape.rows
    }

    /// The horizon's years and the rows per path.
    pub fn shape(&self) -> Shape {
        self.shape
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

    /// Yearly metric `m` in row `year` (0-based, below [`Results::rows`]: a report year of
    /// the horizon, or a ledger row after it) on each path.
    pub fn yearly(&self, year: usize, m: Yearly) -> &[f64] {
        &self.yearly[m.index() * self.shape.rows + year]
    }

    /// Each path's weight: its likelihood ratio under `tail` sampling, 1 under any other.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Value `k` of who bore the loss ([`crate::segments`]) on each path.
    pub fn segment_values(&self, k: usize) -> &[f64] {
        &self.segments[k]
    }

    /// Whether the paths carry weights other than 1 (`tail` sampling): then every statistic
    /// here is weighted ([`crate::tail::estimate`]), as `summary.json`'s are.
    pub fn weighted(&self) -> bool {
        self.weights.iter().any(|w| *w != 1.0)
    }

    /// Summary of scalar metric `m` over the paths where it is defined.
    pub fn summary(&self, m: Scalar) -> Option<Summary> {
        if self.weighted() {
            return crate::tail::estimate::summary(&self.scalars[m.index()], &self.weights);
        }
        Summary::of(self.scalar(m))
    }

    /// Summary of yearly metric `m` in report year `year` (0-based).
    pub fn yearly_summary(&self, year: usize, m: Yearly) -> Option<Summary> {
        if self.weighted() {
            return crate::tail::estimate::summary(self.yearly(year, m), &self.weights);
        }
        Summary::of_values(&mut self.yearly(year, m).to_vec())
    }

    /// Share of paths on which `m` is defined and positive, e.g. the probability of depletion
    /// (weighted like [`Results::summary`]).
    pub fn probability_positive(&self, m: Scalar) -> f64 {
        let n = self.paths();
        if n == 0 {
            return 0.0;
        }
        if self.weighted() {
            let column = &self.scalars[m.index()];
            return crate::tail::estimate::probability_positive(column, &self.weights).0;
        }
        self.scalar(m)
            .filter(|v| v.is_some_and(|x| x > 0.0))
            .count() as f64
            / n as f64
    }
}

/// Results that cannot be appended: they do not follow on, or have other yearly rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendError {
    /// The paths and yearly rows of the results appended to.
    pub paths: Range<u64>,
    pub rows: usize,
    /// The paths and yearly rows of the results that were to follow.
    pub other_paths: Range<u64>,
    pub other_rows: usize,
}

impl fmt::Display for AppendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot append paths {}..{} ({} yearly rows) to paths {}..{} ({} yearly rows)",
            self.other_paths.start,
            self.other_paths.end,
            self.other_rows,
            self.paths.start,
            self.paths.end,
            self.rows
        )
    }
}

impl std::error::Error for AppendError {}
