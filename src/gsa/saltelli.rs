//! Saltelli's design for Sobol' indices (Saltelli 2002; Saltelli et al. 2010), laid out as
//! SALib's `sample.sobol.sample` lays it out so that SALib's `analyze.sobol.analyze` reads our
//! outcomes as its own.
//!
//! A scrambled Sobol' sequence in `2k` dimensions (k parameters) gives `N` base rows; the first
//! `k` coordinates of row `n` are the point `A_n`, the last `k` the point `B_n`. For each group
//! `i` of the `g` groups, `AB_i` is `A` with the coordinates of group `i`'s parameters taken
//! from `B`, and (for second-order indices) `BA_i` is `B` with those taken from `A`. Per base
//! row the points come as `A, AB_1 .. AB_g, [BA_1 .. BA_g,] B`: `N (g + 2)` points, or
//! `N (2g + 2)` with second order.
//!
//! Only `A` and `B` are stored (`2 N k` numbers); every other point is assembled on demand.

use std::fmt;

use super::sequence::{self, Sobol};
use super::{Groups, GsaError};

/// Base samples at most (the sequence has `2^32` points; this keeps counts in range).
pub const MAX_BASE_SAMPLES: usize = 1 << 30;

/// Parameters at most: two Sobol' dimensions each.
pub const MAX_PARAMETERS: usize = super::directions::MAX_DIMENSIONS / 2;

/// What a design point is in Saltelli's scheme; groups numbered from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    A,
    B,
    /// `A` with group `i`'s coordinates from `B`.
    AB(usize),
    /// `B` with group `i`'s coordinates from `A` (second order only).
    BA(usize),
}

impl Role {
    /// The group the role swaps, if any.
    pub fn group(self) -> Option<usize> {
        match self {
            Role::A | Role::B => None,
            Role::AB(i) | Role::BA(i) => Some(i),
        }
    }
}

/// `A`, `B`, `AB_i`, `BA_i` with `i` counted from 1, as in the literature and SALib's docs.
impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::A => write!(f, "A"),
            Role::B => write!(f, "B"),
            Role::AB(i) => write!(f, "AB_{}", i + 1),
            Role::BA(i) => write!(f, "BA_{}", i + 1),
        }
    }
}

/// Saltelli's design over `k` parameters in `g` groups on the unit hypercube.
#[derive(Debug, Clone)]
pub struct SaltelliDesign {
    groups: Groups,
    base: usize,
    second_order: bool,
    /// `A` then `B` of each base row: `2k` coordinates per row.
    rows: Vec<f64>,
}

impl SaltelliDesign {
    /// The design on the Sobol' sequence scrambled from `seed`, with `base_samples` base rows
    /// (a power of two, at least 2). Coordinates are the centres of the sequence's cells of
    /// width `2^-32`, strictly inside `(0, 1)`.
    pub fn new(
        groups: Groups,
        base_samples: usize,
        second_order: bool,
        seed: u64,
    ) -> Result<SaltelliDesign, GsaError> {
        let sobol = Sobol::scrambled(Self::dimensions(&groups)?, seed)?;
        Self::build(
            groups,
            base_samples,
            second_order,
            sobol,
            sequence::to_open_unit,
        )
    }

    /// The design on the plain Sobol' sequence, coordinates exactly `v / 2^32` (the first row
    /// is the origin): SALib's `sample(..., scramble=False)`, for comparisons.
    pub fn unscrambled(
        groups: Groups,
        base_samples: usize,
        second_order: bool,
    ) -> Result<SaltelliDesign, GsaError> {
        let sobol = Sobol::new(Self::dimensions(&groups)?)?;
        Self::build(groups, base_samples, second_order, sobol, sequence::to_unit)
    }

    fn dimensions(groups: &Groups) -> Result<usize, GsaError> {
        let k = groups.params();
        if k == 0 || k > MAX_PARAMETERS {
            return Err(GsaError::Parameters {
                given: k,
                max: MAX_PARAMETERS,
            });
        }
        Ok(2 * k)
    }

    fn build(
        groups: Groups,
        base: usize,
        second_order: bool,
        mut sobol: Sobol,
        to_unit: fn(u32) -> f64,
    ) -> Result<SaltelliDesign, GsaError> {
        if base < 2 || !base.is_power_of_two() || base > MAX_BASE_SAMPLES {
            return Err(GsaError::BaseSamples { given: base });
        }
        let d = sobol.dimensions();
        let mut rows = Vec::with_capacity(base * d);
        for _ in 0..base {
            let ints = sobol
                .next_integers()
                .expect("at most 2^30 base rows of a 2^32-point sequence");
            rows.extend(ints.iter().map(|&v| to_unit(v)));
        }
        Ok(SaltelliDesign {
            groups,
            base,
            second_order,
            rows,
        })
    }

    /// Points of a design of `groups` groups: `N (g + 2)`, or `N (2g + 2)` with second order;
    /// `None` if that overflows. For checking limits before building anything.
    pub fn points_for(groups: usize, base_samples: usize, second_order: bool) -> Option<usize> {
        let per_row = if second_order {
            groups.checked_mul(2)?.checked_add(2)?
        } else {
            groups.checked_add(2)?
        };
        base_samples.checked_mul(per_row)
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.base * self.per_row()
    }

    /// Whether the design has no points (never: it has at least 2 base rows).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Points per base row: `g + 2`, or `2g + 2` with second order.
    pub fn per_row(&self) -> usize {
        let g = self.groups.count();
        if self.second_order { 2 * g + 2 } else { g + 2 }
    }

    /// Number of parameters `k` (coordinates of a point).
    pub fn params(&self) -> usize {
        self.groups.params()
    }

    /// The groups; one index is estimated per group.
    pub fn groups(&self) -> &Groups {
        &self.groups
    }

    /// Base samples `N`.
    pub fn base_samples(&self) -> usize {
        self.base
    }

    /// Whether the design has the `BA_i` points second-order indices need.
    pub fn second_order(&self) -> bool {
        self.second_order
    }

    /// The role of point `point`.
    pub fn role(&self, point: usize) -> Role {
        let g = self.groups.count();
        match point % self.per_row() {
            0 => Role::A,
            j if j <= g => Role::AB(j - 1),
            j if j + 1 == self.per_row() => Role::B,
            j => Role::BA(j - 1 - g),
        }
    }

    /// The base row (0 to N−1) point `point` was made from.
    pub fn base_row(&self, point: usize) -> usize {
        point / self.per_row()
    }

    /// Writes the coordinates of point `point` (in `(0, 1)`, one per parameter) into `out`.
    pub fn point_into(&self, point: usize, out: &mut [f64]) {
        let k = self.params();
        let row = &self.rows[self.base_row(point) * 2 * k..][..2 * k];
        let (a, b) = row.split_at(k);
        let from_b = |param: usize| match self.role(point) {
            Role::A => false,
            Role::B => true,
            Role::AB(i) => self.groups.of(param) == i,
            Role::BA(i) => self.groups.of(param) != i,
        };
        for (param, o) in out.iter_mut().enumerate().take(k) {
            *o = if from_b(param) { b[param] } else { a[param] };
        }
    }

    /// The coordinates of point `point`, one per parameter.
    pub fn point(&self, point: usize) -> Vec<f64> {
        let mut out = vec![0.0; self.params()];
        self.point_into(point, &mut out);
        out
    }

    /// All points in design order, one row each (assembled one at a time).
    pub fn points(&self) -> impl Iterator<Item = Vec<f64>> + '_ {
        (0..self.len()).map(|i| self.point(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_roles_follow_salib() {
        let d = SaltelliDesign::new(Groups::singletons(3), 4, false, 1).unwrap();
        assert_eq!(d.len(), 4 * 5);
        let roles: Vec<String> = (0..5).map(|i| d.role(i).to_string()).collect();
        assert_eq!(roles, ["A", "AB_1", "AB_2", "AB_3", "B"]);
        assert_eq!(d.base_row(7), 1);
        let d2 = SaltelliDesign::new(Groups::singletons(3), 4, true, 1).unwrap();
        assert_eq!(d2.len(), 4 * 8);
        let roles: Vec<String> = (8..16).map(|i| d2.role(i).to_string()).collect();
        assert_eq!(
            roles,
            ["A", "AB_1", "AB_2", "AB_3", "BA_1", "BA_2", "BA_3", "B"]
        );
        assert_eq!(SaltelliDesign::points_for(3, 4, true), Some(32));
    }

    #[test]
    fn swaps_take_whole_groups_from_the_other_matrix() {
        let groups = Groups::from_labels(&["p", "q", "p"]).unwrap();
        let d = SaltelliDesign::new(groups, 8, true, 9).unwrap();
        assert_eq!(d.per_row(), 6);
        for n in 0..8 {
            let at = |j: usize| d.point(n * 6 + j);
            let (a, ab_p, ab_q, ba_p, ba_q, b) = (at(0), at(1), at(2), at(3), at(4), at(5));
            assert_eq!(ab_p, vec![b[0], a[1], b[2]]);
            assert_eq!(ab_q, vec![a[0], b[1], a[2]]);
            assert_eq!(ba_p, vec![a[0], b[1], a[2]]);
            assert_eq!(ba_q, vec![b[0], a[1], b[2]]);
            assert_eq!(d.role(n * 6 + 2), Role::AB(1));
            assert!(a.iter().chain(&b).all(|&u| u > 0.0 && u < 1.0));
        }
    }

    #[test]
    fn a_and_b_are_the_sequence_halves() {
        let d = SaltelliDesign::unscrambled(Groups::singletons(2), 4, false).unwrap();
        let pts = Sobol::new(4).unwrap().take_points(4);
        for (n, p) in pts.iter().enumerate() {
            assert_eq!(d.point(n * 4), p[..2].to_vec());
            assert_eq!(d.point(n * 4 + 3), p[2..].to_vec());
        }
    }

    #[test]
    fn refuses_bad_sizes() {
        let g = || Groups::singletons(2);
        for n in [0, 1, 3, 100] {
            assert_eq!(
                SaltelliDesign::new(g(), n, false, 0).unwrap_err(),
                GsaError::BaseSamples { given: n }
            );
        }
        assert!(SaltelliDesign::new(Groups::singletons(0), 4, false, 0).is_err());
        assert!(SaltelliDesign::new(Groups::singletons(129), 4, false, 0).is_err());
        assert!(SaltelliDesign::new(Groups::singletons(128), 4, false, 0).is_ok());
    }
}
