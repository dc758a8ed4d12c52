//! Who bears the loss (docs/model.md §7, "Per segment"): what each segment of a path granted,
//! how many of its loans defaulted and what it lost, and the BMKB's claims by channel; over
//! paths, each segment's share of the expected loss and its contribution to the expected
//! shortfall of the lender's `net_loss` (the Euler allocation, `E[loss_s | loss in the tail]`).
//!
//! A path carries these values beside its metrics, in one flat row laid out here
//! ([`values_per_path`]): per segment its [`Field`]s, then the BMKB's claims per
//! [`Channel`]. The row's length depends on the scenario's segments, so it lives in the
//! path's [`crate::Shape`] like the yearly rows, and travels through shards as columns of its
//! own.
//!
//! The tail is one set of paths for every part: the `⌈(1 − q)N⌉` paths of the largest total
//! loss, ties broken by the lower path index ([`tail_set`]). Its mean total is the expected
//! shortfall, and each part's mean over the same set is that part's contribution, so the
//! contributions sum to the expected shortfall up to the rounding of the parts' sums (the
//! parts sum to the total on every path to that rounding, docs/model.md §7).

/// What a path records of each segment, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Loans granted in the horizon, follow-up loans with their parent's segment.
    LoansGranted = 0,
    /// Loans that defaulted in the horizon, the initial book's included.
    Defaults = 1,
    /// Write-offs less recoveries received in the horizon: the segment's part of `net_loss`.
    NetLoss = 2,
}

impl Field {
    pub const ALL: [Field; 3] = [Field::LoansGranted, Field::Defaults, Field::NetLoss];
    pub const COUNT: usize = Field::ALL.len();

    /// Its name in `segments.csv` and `summary.json`: the metric it splits.
    pub fn name(self) -> &'static str {
        match self {
            Field::LoansGranted => "loans_granted",
            Field::Defaults => "defaults",
            Field::NetLoss => "net_loss",
        }
    }
}

/// How the credit behind a BMKB claim arose (docs/model.md §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Channel (a): the bank loans of the lender's graduates.
    Graduates = 0,
    /// Channel (b): the lender's own backed loans.
    Own = 1,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::Graduates, Channel::Own];
    pub const COUNT: usize = Channel::ALL.len();

    /// Its name in `segments.csv` and `summary.json`.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Graduates => "bmkb_graduates",
            Channel::Own => "bmkb_own_loans",
        }
    }
}

/// Values a path records for a scenario of `segments` segments.
pub fn values_per_path(segments: usize) -> usize {
    Field::COUNT * segments + Channel::COUNT
}

/// Where segment `s`'s `field` is in a path's row.
pub fn segment_value(s: usize, field: Field) -> usize {
    s * Field::COUNT + field as usize
}

/// Where `channel`'s claims are in a path's row of `segments` segments.
pub fn channel_value(segments: usize, channel: Channel) -> usize {
    Field::COUNT * segments + channel as usize
}

/// The tail level of the allocation: that of the report's expected shortfall (VaR 99%).
pub const TAIL_LEVEL: f64 = 0.99;

/// `⌈(1 − q)n⌉`, at least 1 (for `n > 0`) and at most `n`. `1 − q` is not exact in binary, so
/// a product within a billionth of a whole number is that number: `q = 0.99` and `n = 1000`
/// give 10, not 11.
pub fn tail_count(n: usize, q: f64) -> usize {
    if n == 0 {
        return 0;
    }
    let x = (1.0 - q) * n as f64;
    let k = if (x - x.round()).abs() <= 1e-9 * x.max(1.0) {
        x.round()
    } else {
        x.ceil()
    };
    (k as usize).clamp(1, n)
}

/// The tail set of `losses` (one per path, in path order) at level `q`: the indices of the
/// [`tail_count`] largest, ties broken by the lower index, largest first. NaN is never in the
/// tail (the lender's `net_loss` is defined on every path).
pub fn tail_set(losses: &[f64], q: f64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..losses.len()).filter(|&k| !losses[k].is_nan()).collect();
    let k = tail_count(order.len(), q);
    // Descending by loss, then ascending by index: a total order, so the set is one set.
    order.sort_unstable_by(|&a, &b| losses[b].total_cmp(&losses[a]).then(a.cmp(&b)));
    order.truncate(k);
    order
}

/// The Euler allocation of the expected shortfall of a total over the paths of a tail set.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    /// Paths in the tail.
    pub tail_paths: usize,
    /// The smallest total in the tail (at or above the type-7 quantile at `q`, the report's
    /// VaR, which may lie between two paths) and the tail's mean total (the expected
    /// shortfall).
    pub tail_min: f64,
    pub es: f64,
    /// Per part: its mean over all paths and its mean over the tail (its contribution).
    pub means: Vec<f64>,
    pub contributions: Vec<f64>,
}

/// The Euler allocation of `total` (per path) to its `parts` (each per path, summing to the
/// total on every path) at level `q`; `None` with no paths.
pub fn allocate(total: &[f64], parts: &[Vec<f64>], q: f64) -> Option<Allocation> {
    let tail = tail_set(total, q);
    let last = *tail.last()?;
    let tail_mean = |v: &[f64]| tail.iter().map(|&k| v[k]).sum::<f64>() / tail.len() as f64;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    Some(Allocation {
        tail_paths: tail.len(),
        tail_min: total[last],
        es: tail_mean(total),
        means: parts.iter().map(|p| mean(p)).collect(),
        contributions: parts.iter().map(|p| tail_mean(p)).collect(),
    })
}

/// [`allocate`] of weighted paths (`tail` sampling, docs/model.md §12): the tail set the paths
/// at or beyond the weighted quantile at `q` ([`crate::tail::estimate::tail_set`]), every mean
/// weighted — over all paths by the regression estimator, over the tail by the paths' weights
/// — so that the contributions still sum to the expected shortfall and the parts' means to the
/// total's.
pub fn allocate_weighted(
    total: &[f64],
    parts: &[Vec<f64>],
    q: f64,
    weights: &[f64],
) -> Option<Allocation> {
    use crate::tail::estimate::{regression_mean, tail_set};
    let tail = tail_set(total, weights, q);
    let mass: f64 = tail.iter().map(|&k| weights[k]).sum();
    let tail_mean = |v: &[f64]| tail.iter().map(|&k| weights[k] * v[k]).sum::<f64>() / mass;
    let tail_min = tail.iter().map(|&k| total[k]).min_by(f64::total_cmp)?;
    Some(Allocation {
        tail_paths: tail.len(),
        tail_min,
        es: tail_mean(total),
        means: parts
            .iter()
            .map(|p| regression_mean(p, weights).0)
            .collect(),
        contributions: parts.iter().map(|p| tail_mean(p)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_holds_the_ceiling_of_its_share_of_paths() {
        assert_eq!(tail_count(1000, 0.99), 10);
        assert_eq!(tail_count(1001, 0.99), 11);
        assert_eq!(tail_count(2000, 0.99), 20);
        assert_eq!(tail_count(50, 0.99), 1);
        assert_eq!(tail_count(3, 0.5), 2);
        assert_eq!(tail_count(1, 0.99), 1);
        assert_eq!(tail_count(0, 0.99), 0);
        // Exact wherever (1 − q)n is whole, over every n a run is likely to have.
        for n in 1..=100_000usize {
            assert_eq!(tail_count(n, 0.99), n.div_ceil(100), "{n}");
        }
    }

    /// Ties at the edge of the tail go to the lower path index; the order is largest first.
    #[test]
    fn ties_are_broken_by_path_index() {
        let losses = [5.0, 9.0, 7.0, 9.0, 7.0, 1.0, 7.0];
        // 7 paths at q = 0.5: ⌈3.5⌉ = 4: both 9s, then the 7s of paths 2 and 4 (not 6).
        assert_eq!(tail_set(&losses, 0.5), vec![1, 3, 2, 4]);
        assert_eq!(tail_set(&losses, 0.99), vec![1]);
        assert_eq!(tail_set(&[f64::NAN, 2.0, 3.0], 0.4), vec![2, 1]);
    }

    /// Each contribution is the part's mean over the tail set computed directly, and the
    /// contributions sum to the expected shortfall.
    #[test]
    fn contributions_are_the_parts_means_over_the_tail() {
        let a = vec![1.0, 4.0, 0.0, 2.0, 3.0, 2.0];
        let b = vec![0.0, 1.0, 6.0, 3.0, 0.5, 3.0];
        let total: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
        // Totals 1, 5, 6, 5, 3.5, 5: ⌈6 × 0.5⌉ = 3 paths, 6 (path 2) and the 5s of paths 1
        // and 3 (not 5).
        let al = allocate(&total, &[a.clone(), b.clone()], 0.5).unwrap();
        assert_eq!(al.tail_paths, 3);
        assert_eq!(al.tail_min, 5.0);
        assert_eq!(al.es, 16.0 / 3.0);
        assert_eq!(al.contributions, vec![6.0 / 3.0, 10.0 / 3.0]);
        assert_eq!(al.means[0], 12.0 / 6.0);
        let sum: f64 = al.contributions.iter().sum();
        assert!((sum - al.es).abs() < 1e-12);
        assert!(allocate(&[], &[], 0.99).is_none());
    }
}
