//! The Sobol' low-discrepancy sequence in base 2 (Sobol' 1967; the construction of Bratley and
//! Fox 1988, Algorithm 659, with the direction numbers of Joe and Kuo 2008), optionally
//! scrambled as scipy's `qmc.Sobol(scramble=True)` does: a random lower-triangular linear matrix
//! scramble of each dimension's direction numbers (Matoušek 1998) followed by a random digital
//! shift (an XOR of every point with one random number per dimension). Points come in Gray-code
//! order, as in scipy and Joe and Kuo's `sobol.cc`, so that the first `2^m` points of every
//! dimension fall one in each interval of width `2^-m`.
//!
//! Numbers are 32-bit (scipy's default is 30): a point's coordinate is an integer `v` with the
//! value `v / 2^32`; at most `2^32` points. The scramble's random bits come from
//! `Xoshiro256PlusPlus` seeded with the seed, drawn dimension by dimension (the shift, then the
//! matrix rows from the second most significant digit down), so a seed gives the same sequence
//! on every machine; it is not scipy's random stream, so scrambled points differ from scipy's
//! for the same seed number while having the same distribution.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::GsaError;
use super::directions::{JOE_KUO, MAX_DIMENSIONS};

/// Bits of every coordinate.
pub const BITS: u32 = 32;

/// `2^-32`, the value of one unit in the last place of a coordinate.
const SCALE: f64 = 1.0 / 4_294_967_296.0;

/// A Sobol' sequence in a fixed number of dimensions, point after point.
#[derive(Debug, Clone)]
pub struct Sobol {
    /// Per dimension, the 32 direction numbers (scrambled if asked), most significant first.
    directions: Vec<[u32; BITS as usize]>,
    /// The current point as integers (the digital shift for point 0).
    state: Vec<u32>,
    /// The digital shift, point 0 (all zeros unscrambled): where [`Sobol::point_integers`]
    /// starts.
    shift: Vec<u32>,
    /// Index of the point `state` holds.
    index: u64,
}

impl Sobol {
    /// The plain (unscrambled) sequence in `dimensions` dimensions (1 to 256); its first point
    /// is the origin.
    pub fn new(dimensions: usize) -> Result<Sobol, GsaError> {
        if dimensions == 0 || dimensions > MAX_DIMENSIONS {
            return Err(GsaError::Dimensions {
                given: dimensions,
                max: MAX_DIMENSIONS,
            });
        }
        let directions = (0..dimensions).map(direction_numbers).collect();
        Ok(Sobol {
            directions,
            state: vec![0; dimensions],
            shift: vec![0; dimensions],
            index: 0,
        })
    }

    /// The sequence scrambled from `seed` by a linear matrix scramble and a digital shift.
    pub fn scrambled(dimensions: usize, seed: u64) -> Result<Sobol, GsaError> {
        let mut sobol = Sobol::new(dimensions)?;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        for (v, x) in sobol.directions.iter_mut().zip(&mut sobol.state) {
            *x = rng.next_u32();
            let rows = scramble_rows(&mut rng);
            for vj in v.iter_mut() {
                *vj = scramble(&rows, *vj);
            }
        }
        sobol.shift = sobol.state.clone();
        Ok(sobol)
    }

    /// Number of dimensions.
    pub fn dimensions(&self) -> usize {
        self.state.len()
    }

    /// The next point as 32-bit integers (coordinate `v` stands for `v / 2^32`), or `None` once
    /// all `2^32` points have been given.
    pub fn next_integers(&mut self) -> Option<&[u32]> {
        if self.index > u64::from(u32::MAX) + 1 {
            return None;
        }
        if self.index > 0 {
            // Gray-code order: point i differs from point i-1 by the direction number of the
            // lowest zero bit of i-1.
            let bit = (self.index - 1).trailing_ones() as usize;
            if bit >= BITS as usize {
                self.index += 1;
                return None;
            }
            for (x, v) in self.state.iter_mut().zip(&self.directions) {
                *x ^= v[bit];
            }
        }
        self.index += 1;
        Some(&self.state)
    }

    /// Point `n` (counted from 0, `n < 2^32`) as 32-bit integers, written into `out`, without
    /// the points before it: in Gray-code order point `n` is the shift XOR the direction
    /// numbers of the set bits of `n ^ (n >> 1)`, the very point [`Sobol::next_integers`] gives
    /// as its `n`-th. What lets any thread compute any path's point on its own.
    pub fn point_integers(&self, n: u64, out: &mut [u32]) {
        debug_assert!(n <= u64::from(u32::MAX));
        let gray = n ^ (n >> 1);
        for ((o, &shift), v) in out.iter_mut().zip(&self.shift).zip(&self.directions) {
            let mut x = shift;
            let mut bits = gray;
            while bits != 0 {
                x ^= v[bits.trailing_zeros() as usize];
                bits &= bits - 1;
            }
            *o = x;
        }
    }

    /// The next point in `[0, 1)^d`, written into `out` (one value per dimension); `false` once
    /// the sequence is exhausted.
    pub fn next_into(&mut self, out: &mut [f64]) -> bool {
        match self.next_integers() {
            Some(ints) => {
                for (o, &v) in out.iter_mut().zip(ints) {
                    *o = to_unit(v);
                }
                true
            }
            None => false,
        }
    }

    /// The next `n` points in `[0, 1)^d`, one row each.
    pub fn take_points(&mut self, n: usize) -> Vec<Vec<f64>> {
        let d = self.dimensions();
        let mut rows = Vec::with_capacity(n);
        for _ in 0..n {
            let mut row = vec![0.0; d];
            if !self.next_into(&mut row) {
                break;
            }
            rows.push(row);
        }
        rows
    }
}

/// The value `v / 2^32` of a coordinate, in `[0, 1)`.
pub fn to_unit(v: u32) -> f64 {
    f64::from(v) * SCALE
}

/// The centre `(v + 1/2) / 2^32` of the coordinate's cell of width `2^-32`: strictly inside
/// `(0, 1)`, so that any quantile function is finite there, and in the same cell of every
/// coarser stratification as `v / 2^32`.
pub fn to_open_unit(v: u32) -> f64 {
    (f64::from(v) + 0.5) * SCALE
}

/// Direction numbers of dimension `dim` (0-based), scaled by `2^32`: `v_j = m_j 2^(32-j)` for
/// the first `s`, then the recurrence of Bratley and Fox on the primitive polynomial.
fn direction_numbers(dim: usize) -> [u32; BITS as usize] {
    let mut v = [0u32; BITS as usize];
    if dim == 0 {
        for (j, vj) in v.iter_mut().enumerate() {
            *vj = 1 << (BITS as usize - 1 - j);
        }
        return v;
    }
    let (s, a, m) = JOE_KUO[dim - 1];
    let s = s as usize;
    for j in 0..(BITS as usize) {
        v[j] = if j < s {
            m[j] << (BITS as usize - 1 - j)
        } else {
            let mut x = v[j - s] ^ (v[j - s] >> s);
            for k in 1..s {
                if (a >> (s - 1 - k)) & 1 == 1 {
                    x ^= v[j - k];
                }
            }
            x
        };
    }
    v
}

/// The rows of a random lower-triangular binary matrix with a unit diagonal, row `p` (digit
/// `p`, most significant first) as a mask over the digits of a 32-bit number: its own digit
/// and random bits on the more significant ones.
fn scramble_rows(rng: &mut Xoshiro256PlusPlus) -> [u32; BITS as usize] {
    let mut rows = [0u32; BITS as usize];
    rows[0] = 1 << (BITS - 1);
    for (p, row) in rows.iter_mut().enumerate().skip(1) {
        let own = 1u32 << (BITS as usize - 1 - p);
        let above = !0u32 << (BITS as usize - p);
        *row = own | (rng.next_u32() & above);
    }
    rows
}

/// The matrix times the digits of `v` modulo 2: digit `p` of the result is the parity of
/// `rows[p] & v`. A lower-triangular matrix with a unit diagonal is invertible and mixes only
/// more significant digits into less significant ones, so every elementary interval keeps its
/// share of the points (the net property).
fn scramble(rows: &[u32; BITS as usize], v: u32) -> u32 {
    let mut out = 0u32;
    for (p, row) in rows.iter().enumerate() {
        out |= ((row & v).count_ones() & 1) << (BITS as usize - 1 - p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_access_gives_the_points_in_order() {
        for mut sobol in [Sobol::new(5).unwrap(), Sobol::scrambled(5, 17).unwrap()] {
            let fixed = sobol.clone();
            let mut at = [0u32; 5];
            for n in 0..1100u64 {
                let next = sobol.next_integers().unwrap().to_vec();
                fixed.point_integers(n, &mut at);
                assert_eq!(next, at, "point {n}");
            }
        }
    }

    /// The first eight points of the two-dimensional sequence as Joe and Kuo's `sobol.cc` and
    /// scipy's `qmc.Sobol(2, scramble=False)` give them.
    #[test]
    fn first_points_are_the_published_ones() {
        let pts = Sobol::new(2).unwrap().take_points(8);
        let want = [
            [0.0, 0.0],
            [0.5, 0.5],
            [0.75, 0.25],
            [0.25, 0.75],
            [0.375, 0.375],
            [0.875, 0.875],
            [0.625, 0.125],
            [0.125, 0.625],
        ];
        for (p, w) in pts.iter().zip(want) {
            assert_eq!(p.as_slice(), w.as_slice());
        }
    }

    /// Points of new-joe-kuo-6.21201 as scipy 1.17 gives them (`qmc.Sobol(256,
    /// scramble=False)`): points 1 to 4 of dimensions 1 to 10, point 4 of the last four
    /// dimensions, point 777 of five.
    #[test]
    fn higher_dimensions_match_scipy() {
        let pts = Sobol::new(256).unwrap().take_points(5);
        let want: [[f64; 10]; 4] = [
            [0.5; 10],
            [0.75, 0.25, 0.25, 0.25, 0.75, 0.75, 0.25, 0.75, 0.75, 0.75],
            [0.25, 0.75, 0.75, 0.75, 0.25, 0.25, 0.75, 0.25, 0.25, 0.25],
            [
                0.375, 0.375, 0.625, 0.875, 0.375, 0.125, 0.375, 0.875, 0.875, 0.625,
            ],
        ];
        for (i, w) in want.iter().enumerate() {
            assert_eq!(&pts[i + 1][..10], w.as_slice(), "point {}", i + 1);
        }
        assert_eq!(&pts[4][252..], &[0.625, 0.625, 0.375, 0.375]);
        // Deep in the sequence, where the recurrence (not the initial numbers) decides.
        let p777 = Sobol::new(256).unwrap().take_points(778).pop().unwrap();
        let got = [p777[0], p777[1], p777[100], p777[200], p777[255]];
        assert_eq!(
            got,
            [
                0.6923828125,
                0.9365234375,
                0.8427734375,
                0.9912109375,
                0.6357421875
            ]
        );
    }

    /// Every dimension's first 2^m points fall one in each interval [j 2^-m, (j+1) 2^-m): the
    /// property scrambling must keep. Exact, so no false alarms.
    #[test]
    fn scrambled_points_are_stratified() {
        for seed in [1, 2, 2026] {
            let mut sobol = Sobol::scrambled(64, seed).unwrap();
            let pts = sobol.take_points(1024);
            for m in [1usize, 4, 10] {
                let n = 1 << m;
                for d in 0..64 {
                    let mut seen = vec![false; n];
                    for p in &pts[..n] {
                        let cell = (p[d] * n as f64) as usize;
                        assert!(!seen[cell], "seed {seed} m {m} dim {d} cell {cell} twice");
                        seen[cell] = true;
                    }
                }
            }
        }
    }

    /// Scrambled points are uniform: the mean of each dimension over 2^12 points is 1/2 within
    /// 4.9 standard errors of independent uniforms (1/sqrt(12 n)); a scrambled net's mean is
    /// far more precise than that, so the check can only fail for a broken scramble.
    #[test]
    fn scrambled_points_have_mean_one_half() {
        let n = 4096;
        let pts = Sobol::scrambled(200, 7).unwrap().take_points(n);
        let se = (1.0 / (12.0 * n as f64)).sqrt();
        for d in 0..200 {
            let mean = pts.iter().map(|p| p[d]).sum::<f64>() / n as f64;
            assert!((mean - 0.5).abs() < 4.9 * se, "dim {d}: mean {mean}");
        }
    }

    #[test]
    fn a_seed_gives_one_sequence() {
        let a = Sobol::scrambled(10, 42).unwrap().take_points(64);
        let b = Sobol::scrambled(10, 42).unwrap().take_points(64);
        let c = Sobol::scrambled(10, 43).unwrap().take_points(64);
        assert_eq!(a, b);
        assert_ne!(a, c);
        // Golden value: a change here changes every study's design.
        assert_eq!(
            Sobol::scrambled(1, 42).unwrap().next_integers(),
            Some(&[3_497_413_967u32][..])
        );
    }

    #[test]
    fn refuses_dimensions_it_has_no_numbers_for() {
        assert!(Sobol::new(0).is_err());
        assert!(Sobol::new(257).is_err());
        assert!(Sobol::new(256).is_ok());
    }

    #[test]
    fn scramble_is_lower_triangular_and_linear() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let rows = scramble_rows(&mut rng);
        // Lower triangular with a unit diagonal: a number whose most significant set digit is
        // p keeps that digit and gains none above it.
        for p in 0..32 {
            assert_eq!(scramble(&rows, 1 << (31 - p)).leading_zeros(), p);
        }
        assert_eq!(scramble(&rows, 0), 0);
        // Linear: s(x ^ y) = s(x) ^ s(y).
        let (x, y) = (0x1234_5678u32, 0x9abc_def0u32);
        assert_eq!(
            scramble(&rows, x ^ y),
            scramble(&rows, x) ^ scramble(&rows, y)
        );
    }
}
