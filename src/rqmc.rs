//! Randomised quasi-Monte Carlo on the credit cycle (`simulation.sampling = "rqmc"`,
//! docs/model.md §12): the paths' yearly innovations from scrambled Sobol' points instead of
//! their own random streams, and the standard errors that sampling gives.
//!
//! Almost all of the spread of a portfolio outcome comes from the dozen yearly normals of the
//! systemic factor, not from the loans, and a smooth function of a few normals is what Sobol'
//! points integrate better than independent draws. Path `i` takes point `⌊i / R⌋` of
//! randomisation `i mod R`; each randomisation is the `gsa` Sobol' sequence scrambled from
//! (seed, `r`) alone — a random linear matrix scramble and a random digital shift (Matoušek
//! 1998), not Owen's nested scramble — so every point is uniform on the unit cube and every
//! path's mean is the plain one's: the estimators stay unbiased. The point is computed from
//! its index ([`Sobol::point_integers`]), so a path's outcome depends on (seed, index) alone,
//! whatever thread, chunk or shard runs it. The loans' own draws stay on their streams.
//!
//! The points of one randomisation are not independent, so `sd / √n` would misstate the
//! error; the `R` randomisations are, so the standard error of a mean is that of the `R`
//! randomisations' own means ([`randomisation_se`]).

use rand::Rng;

use crate::gsa::directions::MAX_DIMENSIONS;
use crate::gsa::sequence::{Sobol, to_open_unit};
use crate::math::norm_inv;
use crate::random::{RQMC, stream};

/// The scrambled Sobol' sequences of a run's randomisations, one per randomisation, in as many
/// dimensions as the paths have cycle years (at most [`MAX_DIMENSIONS`]; years beyond draw
/// from the path's stream as with plain sampling).
#[derive(Debug, Clone)]
pub struct CycleNets {
    nets: Vec<Sobol>,
}

impl CycleNets {
    /// `randomisations` (at least 1) independent scrambles of the sequence in `years`
    /// dimensions (the cycle years a path uses, the run-off's included), seeded from
    /// (`seed`, randomisation) alone.
    pub fn new(seed: u64, randomisations: u64, years: usize) -> CycleNets {
        let dimensions = years.clamp(1, MAX_DIMENSIONS);
        let nets = (0..randomisations)
            .map(|r| {
                let scramble_seed = stream(seed, r, RQMC).next_u64();
                Sobol::scrambled(dimensions, scramble_seed).expect("1 to 256 dimensions")
            })
            .collect();
        CycleNets { nets }
    }

    /// Number of randomisations `R`.
    pub fn randomisations(&self) -> u64 {
        self.nets.len() as u64
    }

    /// Number of cycle years the points cover.
    pub fn dimensions(&self) -> usize {
        self.nets[0].dimensions()
    }

    /// The standard normals of path `path`: point `⌊path / R⌋` of randomisation `path mod R`,
    /// each coordinate mapped by the inverse normal distribution function at the centre of its
    /// cell of width `2^-32` (never 0 or 1, so always finite). `out` has
    /// [`CycleNets::dimensions`] elements.
    pub fn normals(&self, path: u64, out: &mut [f64]) {
        let r = self.randomisations();
        let net = &self.nets[(path % r) as usize];
        let mut ints = [0u32; MAX_DIMENSIONS];
        let ints = &mut ints[..out.len()];
        net.point_integers(path / r, ints);
        for (o, &v) in out.iter_mut().zip(ints.iter()) {
            *o = norm_inv(to_open_unit(v));
        }
    }
}

/// The randomisations' own means of `column` (one value per path, NaN where undefined, path
/// `first_path + k` at `k`) under rqmc with `randomisations` randomisations: randomisation `r`
/// holds the paths of index `i` with `i mod R = r`, and its mean is over its defined values;
/// a randomisation with none is left out. The `R` randomisations are independent, so these
/// means are independent estimates of the same expectation.
pub fn randomisation_means(column: &[f64], first_path: u64, randomisations: u64) -> Vec<f64> {
    let r = randomisations as usize;
    let mut sums = vec![0.0; r];
    let mut counts = vec![0u64; r];
    let start = (first_path % randomisations) as usize;
    for (k, &x) in column.iter().enumerate() {
        if !x.is_nan() {
            let g = (start + k) % r;
            sums[g] += x;
            counts[g] += 1;
        }
    }
    sums.iter()
        .zip(&counts)
        .filter(|(_, c)| **c > 0)
        .map(|(s, c)| s / *c as f64)
        .collect()
}

/// The standard error of the mean of `column` (one value per path, NaN where undefined, path
/// `first_path + k` at `k`) under rqmc with `randomisations` randomisations: the sample standard
/// deviation of the randomisations' own means ([`randomisation_means`]) divided by `√R'`, `R'`
/// the randomisations with a defined value; `None` for fewer than two.
pub fn randomisation_se(column: &[f64], first_path: u64, randomisations: u64) -> Option<f64> {
    let means = randomisation_means(column, first_path, randomisations);
    let (_, sd) = crate::stats::mean_sd(&means);
    sd.map(|sd| sd / (means.len() as f64).sqrt())
}

/// How the standard error of a mean over paths is made, by the sampling that made the paths
/// (docs/model.md §12): what a study needs to know of its sampling to report its errors, paired
/// differences' included. A paired difference `B − A` is one more column of per-path values,
/// so its error is made the same way as a mean's ([`SeMethod::se`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeMethod {
    /// Independent paths (`plain`): `sd / √n`, with `n − 1` degrees of freedom.
    Paths,
    /// `rqmc` with `R` randomisations: [`randomisation_se`], with `R' − 1` degrees of freedom.
    Randomisations(u64),
    /// `tail`: weighted paths, every statistic weighted by the paths' likelihood ratios
    /// ([`crate::tail::estimate`]): a mean by the regression estimator with the weights as
    /// control variate (self-normalised where the outcome is undefined on some paths), its
    /// interval normal (infinite degrees of freedom): [`crate::study::paired::Paired::sampled`]
    /// and [`crate::study::MetricStats::sampled`] make them from the paths' weights.
    Weighted,
}

impl SeMethod {
    /// The randomisations, under rqmc.
    pub fn randomisations(self) -> Option<u64> {
        match self {
            SeMethod::Paths | SeMethod::Weighted => None,
            SeMethod::Randomisations(r) => Some(r),
        }
    }

    /// The standard error of the mean of `column` (NaN where undefined; path `first_path + k`
    /// at `k`) and its degrees of freedom; `None` for fewer than two independent units (paths,
    /// or randomisations with a defined value).
    /// Under `tail` the weights are needed, which this does not take: a weighted error is made
    /// from them with [`crate::tail::estimate::mean`], and asking this for one is a bug (an
    /// unweighted formula would be silently wrong).
    pub fn se(self, column: &[f64], first_path: u64) -> Option<(f64, f64)> {
        match self {
            SeMethod::Weighted => {
                panic!("a weighted standard error needs the weights: tail::estimate::mean")
            }
            SeMethod::Paths => {
                let defined: Vec<f64> = column.iter().copied().filter(|x| !x.is_nan()).collect();
                let (_, sd) = crate::stats::mean_sd(&defined);
                let n = defined.len() as f64;
                sd.map(|sd| (sd / n.sqrt(), n - 1.0))
            }
            SeMethod::Randomisations(r) => {
                let units = randomisation_means(column, first_path, r).len() as f64;
                randomisation_se(column, first_path, r).map(|se| (se, units - 1.0))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_randomisation_stratifies_its_points() {
        // The first 2^m points of a randomisation fall one in each interval of width 2^-m of
        // each coordinate: their normals one in each interval between normal quantiles.
        let nets = CycleNets::new(7, 4, 3);
        let mut z = [0.0; 3];
        for d in 0..3 {
            let mut cells = [false; 64];
            for n in 0..64u64 {
                nets.normals(n * 4 + 2, &mut z);
                let u = crate::math::norm_cdf(z[d]);
                cells[(u * 64.0) as usize] = true;
            }
            assert!(cells.iter().all(|c| *c), "dimension {d}");
        }
    }

    #[test]
    fn randomisations_differ_and_depend_on_the_seed_alone() {
        let (a, b) = (CycleNets::new(7, 4, 3), CycleNets::new(7, 4, 3));
        let (mut x, mut y) = ([0.0; 3], [0.0; 3]);
        a.normals(5, &mut x);
        b.normals(5, &mut y);
        assert_eq!(x, y);
        b.normals(6, &mut y);
        assert_ne!(x, y);
        CycleNets::new(8, 4, 3).normals(5, &mut y);
        assert_ne!(x, y);
    }

    #[test]
    fn the_standard_error_is_that_of_the_randomisations_means() {
        // Paths 3.. of R = 2: path 3 is randomisation 1. Means 2 (r = 0) and 4 (r = 1):
        // sd √2, se 1.
        let column = [3.0, 1.0, 5.0, 3.0, f64::NAN];
        let se = randomisation_se(&column, 3, 2).unwrap();
        assert!((se - 1.0).abs() < 1e-15, "{se}");
        assert_eq!(randomisation_se(&[1.0, f64::NAN], 0, 2), None);
        assert_eq!(SeMethod::Randomisations(2).se(&column, 3), Some((se, 1.0)));
        // Plain: sd / sqrt(n) over the defined values, n - 1 degrees of freedom.
        let (plain, df) = SeMethod::Paths.se(&column, 3).unwrap();
        assert!(
            (plain - (8.0f64 / 3.0 / 4.0).sqrt()).abs() < 1e-15,
            "{plain}"
        );
        assert_eq!(df, 3.0);
    }

    #[test]
    fn a_variant_with_more_cycle_years_shares_the_points_of_the_years_it_has() {
        // Each dimension's scramble is drawn after the previous ones' from one stream: the
        // nets of 3 and of 5 years agree on the first 3 years, so that variants of a study
        // that differ in horizon or run-off still meet the same cycle in the years they share.
        let (short, long) = (CycleNets::new(7, 4, 3), CycleNets::new(7, 4, 5));
        let (mut x, mut y) = ([0.0; 3], [0.0; 5]);
        for path in [0, 5, 77, 1000] {
            short.normals(path, &mut x);
            long.normals(path, &mut y);
            assert_eq!(x[..], y[..3], "path {path}");
        }
    }
}
