//! The regressions of the value of information, written out rather than taken from a GAM or
//! Gaussian-process crate: a least-squares fit by Householder QR with a tiny ridge, the basis
//! of one parameter (a cubic B-spline with knots at quantiles, a polynomial of lower degree
//! when the draws are too few for one, or the indicators of its values when it has few), and
//! an additive model of several parameters (the sum of their bases, fitted jointly).
//!
//! The ridge is there for rank: a basis may be collinear on a resample of the draws (two
//! knots between the same two values), and a ridge of `1e-10` of the mean squared column norm
//! then picks the smallest solution instead of dividing by zero, while moving a full-rank fit
//! by about that relative amount, far below the Monte Carlo noise of any outcome.

/// Interior knots of a single parameter's spline with `k` draws: `⌊k^{1/3}⌋ − 1`, at most 8
/// (3 at 100 draws, 8 from 729): a spline flexible enough for a smooth effect, with several
/// draws per coefficient, so that the fit follows the parameter rather than the noise of each
/// draw's mean (more knots fit more noise and raise the upward bias of the estimate).
pub fn knots(k: usize) -> usize {
    let mut root = 0usize;
    while (root + 1).pow(3) <= k {
        root += 1;
    }
    root.saturating_sub(1).min(8)
}

/// Draws per coefficient a fit needs at least.
pub const DRAWS_PER_COEFFICIENT: usize = 10;

/// Columns (beside the intercept) of one member of an additive model of `members` parameters
/// fitted on `k` draws: those of a single parameter's spline (`3 +` [`knots`]), but never more
/// than `⌊(k/10 − 1) / members⌋`, so that a model has at least ten draws per coefficient. Its
/// fitted values then keep at most about a tenth of the variance of the noise in the draws'
/// means (the trace of the hat matrix over `k`), and a model far richer than the draws can
/// carry does not chase their extremes: with `k = 100` and a skewed net benefit an additive
/// model of 5 splines (31 coefficients) put a group's EVPPI at four times the direct EVPI,
/// which is itself an upper bound on average. 0: the set cannot be fitted on `k` draws.
pub fn columns(k: usize, members: usize) -> usize {
    let cap = (k / DRAWS_PER_COEFFICIENT).saturating_sub(1) / members.max(1);
    (3 + knots(k)).min(cap)
}

/// The basis of one parameter's values `x`, with at most `columns` columns and no intercept
/// (the model has one): the indicators of its values but the first when it has at most
/// `columns + 1` distinct values (the fit is then the mean of each value, exactly); else a
/// cubic B-spline with `columns − 3` interior knots at quantiles of `x`, its first function
/// left out (B-splines sum to 1, the intercept's column); with fewer than 3 columns, the powers
/// of `x` up to `columns`. `x` is scaled to 0..1 first, for the conditioning of the fit.
pub fn basis(x: &[f64], columns: usize) -> Vec<Vec<f64>> {
    let mut distinct: Vec<f64> = x.to_vec();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() < 2 || columns == 0 {
        return Vec::new();
    }
    if distinct.len() <= columns + 1 {
        return distinct[1..]
            .iter()
            .map(|v| x.iter().map(|y| f64::from(u8::from(y == v))).collect())
            .collect();
    }
    let (lo, hi) = (distinct[0], distinct[distinct.len() - 1]);
    let u: Vec<f64> = x.iter().map(|v| (v - lo) / (hi - lo)).collect();
    if columns < 3 {
        return (1..=columns as i32)
            .map(|p| u.iter().map(|v| v.powi(p)).collect())
            .collect();
    }
    let mut sorted = u.clone();
    sorted.sort_by(f64::total_cmp);
    let interior = columns - 3;
    // Knots at the quantiles j/(n+1) of the values; a knot on another or on an end (many ties)
    // is dropped, which leaves the spline fewer columns rather than a singular basis.
    let mut inner: Vec<f64> = (1..=interior)
        .map(|j| crate::stats::quantile_sorted(&sorted, j as f64 / (interior + 1) as f64))
        .filter(|t| *t > 0.0 && *t < 1.0)
        .collect();
    inner.dedup();
    let mut t = vec![0.0; 4];
    t.extend(&inner);
    t.extend([1.0; 4]);
    let functions = t.len() - 4;
    let mut out = vec![Vec::with_capacity(x.len()); functions - 1];
    for v in &u {
        let b = bspline(&t, *v);
        for (column, value) in out.iter_mut().zip(&b[1..]) {
            column.push(*value);
        }
    }
    out
}

/// The cubic B-splines of the clamped knot vector `t` at `x` (Cox–de Boor): `t.len() − 4`
/// values that sum to 1 on `t[3]..=t[t.len()-4]`. The last interval is closed, so that the
/// largest value has a basis too.
pub fn bspline(t: &[f64], x: f64) -> Vec<f64> {
    let n = t.len() - 1;
    // Degree 0: the one interval [t_i, t_{i+1}) that holds x, the last non-empty one for the
    // right end.
    let last = (0..n).rev().find(|&i| t[i] < t[i + 1]).unwrap_or(0);
    let span = (0..n).find(|&i| t[i] <= x && x < t[i + 1]).unwrap_or(last);
    let mut b: Vec<f64> = (0..n).map(|i| f64::from(u8::from(i == span))).collect();
    for d in 1..=3 {
        let next: Vec<f64> = (0..n - d)
            .map(|i| {
                let left = if t[i + d] > t[i] {
                    (x - t[i]) / (t[i + d] - t[i]) * b[i]
                } else {
                    0.0
                };
                let right = if t[i + d + 1] > t[i + 1] {
                    (t[i + d + 1] - x) / (t[i + d + 1] - t[i + 1]) * b[i + 1]
                } else {
                    0.0
                };
                left + right
            })
            .collect();
        b = next;
    }
    b
}

/// The least-squares fitted values of each response of `ys` on the columns `x` (each a column
/// of `k` values; the caller adds an intercept's column if it wants one), by Householder QR of
/// the design stacked on `√λ I` (a ridge of `λ = 1e-10` of the mean squared column norm).
pub fn fitted(x: &[Vec<f64>], ys: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let p = x.len();
    let k = ys.first().map_or(0, Vec::len);
    if p == 0 {
        return ys.iter().map(|_| vec![0.0; k]).collect();
    }
    let norms = x
        .iter()
        .map(|c| c.iter().map(|v| v * v).sum::<f64>())
        .sum::<f64>()
        / p as f64;
    let ridge = (1e-10 * norms).sqrt();
    // The stacked design, column by column, and the responses padded with p zeros.
    let rows = k + p;
    let mut a: Vec<Vec<f64>> = x
        .iter()
        .enumerate()
        .map(|(j, c)| {
            let mut col = c.clone();
            col.extend((0..p).map(|i| if i == j { ridge } else { 0.0 }));
            col
        })
        .collect();
    let mut b: Vec<Vec<f64>> = ys
        .iter()
        .map(|y| {
            let mut col = y.clone();
            col.resize(rows, 0.0);
            col
        })
        .collect();
    // Householder: column j's reflector zeroes it below the diagonal, applied to the columns
    // after it and to the responses.
    for j in 0..p {
        let norm = a[j][j..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm == 0.0 {
            continue;
        }
        let alpha = if a[j][j] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = a[j][j..].to_vec();
        v[0] -= alpha;
        let vv: f64 = v.iter().map(|x| x * x).sum();
        if vv == 0.0 {
            continue;
        }
        let reflect = |col: &mut Vec<f64>| {
            let dot: f64 = col[j..].iter().zip(&v).map(|(c, w)| c * w).sum();
            let f = 2.0 * dot / vv;
            for (c, w) in col[j..].iter_mut().zip(&v) {
                *c -= f * w;
            }
        };
        for col in a.iter_mut().skip(j) {
            reflect(col);
        }
        for col in b.iter_mut() {
            reflect(col);
        }
    }
    // Back substitution R β = (Qᵀ y)[..p], then the fitted values X β.
    b.iter()
        .map(|qy| {
            let mut beta = vec![0.0; p];
            for i in (0..p).rev() {
                let s: f64 = (i + 1..p).map(|j| a[j][i] * beta[j]).sum();
                beta[i] = if a[i][i] == 0.0 {
                    0.0
                } else {
                    (qy[i] - s) / a[i][i]
                };
            }
            (0..k)
                .map(|r| x.iter().zip(&beta).map(|(c, w)| c[r] * w).sum())
                .collect()
        })
        .collect()
}

/// The fitted values of each response on an additive model of the parameters `x` (each a
/// column of the draws' values): an intercept plus every member's [`basis`], sized by
/// [`columns`] for as many members; `None` when the draws are too few for one column each.
pub fn additive(x: &[&[f64]], ys: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let k = ys.first().map_or(0, Vec::len);
    let per = columns(k, x.len());
    if per == 0 {
        return None;
    }
    let mut design = vec![vec![1.0; k]];
    for column in x {
        design.extend(basis(column, per));
    }
    Some(fitted(&design, ys))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knots_grow_with_the_cube_root_of_the_draws() {
        assert_eq!(knots(1), 0);
        assert_eq!(knots(8), 1);
        assert_eq!(knots(100), 3);
        assert_eq!(knots(125), 4);
        assert_eq!(knots(10_000), 8);
        assert_eq!(columns(100, 1), 6);
        assert_eq!(columns(40, 1), 3);
        assert_eq!(columns(100, 3), 3);
        assert_eq!(columns(100, 10), 0);
        assert_eq!(columns(1000, 5), 11);
    }

    #[test]
    fn bsplines_sum_to_one_and_vanish_outside_their_support() {
        let t = [0.0, 0.0, 0.0, 0.0, 0.3, 0.7, 1.0, 1.0, 1.0, 1.0];
        for x in [0.0, 0.1, 0.3, 0.5, 0.99, 1.0] {
            let b = bspline(&t, x);
            assert_eq!(b.len(), 6);
            assert!((b.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{x}: {b:?}");
            assert!(b.iter().all(|v| *v >= 0.0));
        }
        assert_eq!(bspline(&t, 0.0)[0], 1.0);
        assert_eq!(bspline(&t, 1.0)[5], 1.0);
        // The first function's support ends at the first interior knot.
        assert_eq!(bspline(&t, 0.5)[0], 0.0);
    }

    /// A cubic is in the span of every cubic spline basis: the fit reproduces it exactly.
    #[test]
    fn a_spline_fit_reproduces_a_cubic() {
        let x: Vec<f64> = (0..200)
            .map(|i| ((i * 37) % 200) as f64 * 0.05 - 3.0)
            .collect();
        let y: Vec<f64> = x
            .iter()
            .map(|v| 2.0 - 1.5 * v + 0.7 * v * v - 0.3 * v * v * v)
            .collect();
        let g = additive(&[&x], std::slice::from_ref(&y)).unwrap();
        let scale = y.iter().map(|v| v.abs()).fold(0.0, f64::max);
        for (a, b) in g[0].iter().zip(&y) {
            assert!((a - b).abs() < 1e-6 * scale, "{a} against {b}");
        }
    }

    /// Against the normal equations solved by hand, and a collinear column left at zero.
    #[test]
    fn least_squares_by_qr() {
        // y = 1 + 2 x + e with e orthogonal to 1 and x: the fit is 1 + 2 x.
        let x = vec![0.0, 1.0, 2.0, 3.0];
        let e = [1.0, -1.0, -1.0, 1.0];
        let y: Vec<f64> = x.iter().zip(e).map(|(x, e)| 1.0 + 2.0 * x + e).collect();
        let design = vec![vec![1.0; 4], x.clone()];
        let g = fitted(&design, std::slice::from_ref(&y));
        for (a, x) in g[0].iter().zip(&x) {
            assert!((a - (1.0 + 2.0 * x)).abs() < 1e-8, "{a}");
        }
        // The same with x twice: rank 2, the same fitted values.
        let design = vec![vec![1.0; 4], x.clone(), x.clone()];
        let g2 = fitted(&design, &[y]);
        for (a, b) in g2[0].iter().zip(&g[0]) {
            assert!((a - b).abs() < 1e-6, "{a} against {b}");
        }
    }

    #[test]
    fn few_values_are_fitted_by_their_means() {
        // Twenty draws: 0 has 1, 3, 2 and so on (mean 2), 1 has 10, 30, 20 (mean 20).
        let x: Vec<f64> = (0..20).map(|i| f64::from(i % 2)).collect();
        let y: Vec<f64> = (0..20)
            .map(|i| {
                let wiggle = [-1.0, 1.0, 0.0, 0.0][(i / 2) % 4];
                if i % 2 == 0 {
                    2.0 + wiggle
                } else {
                    20.0 + 10.0 * wiggle
                }
            })
            .collect();
        let g = additive(&[&x], &[y]).unwrap();
        assert_eq!(basis(&x, 4).len(), 1, "one indicator");
        for (a, x) in g[0].iter().zip(&x) {
            let want = if *x == 0.0 { 2.0 } else { 20.0 };
            assert!((a - want).abs() < 1e-8, "{a}");
        }
    }
}
