//! Morris screening (Morris 1991): `r` trajectories through a grid of `p` levels
//! `0, 1/(p−1), ..., 1` of the unit hypercube, each moving one group at a time by
//! `Δ = p / (2(p − 1))`, and the elementary effects along them summarised as μ, μ*
//! (Campolongo, Cariboni and Saltelli 2007) and σ.
//!
//! A trajectory starts from a random grid point `x*` whose coordinates lie on the lower
//! `p/2` levels (so `x* + Δ` is on the grid), with one random direction per group: a group
//! moving up starts at `x*`, one moving down at `x* + Δ`. The groups then move in a random
//! order, each by `±Δ` for all its parameters together, giving `g + 1` points per trajectory,
//! trajectory after trajectory (SALib's row order). One direction per group, rather than per
//! parameter, keeps a group's effect signed, so μ and σ mean the same for groups as for single
//! parameters.
//!
//! The elementary effect of the group moved into point `m` is `(f(x_m) − f(x_(m−1))) / (±Δ)`:
//! the change per unit of the hypercube, i.e. per whole range of the parameter, so for
//! `f = c · value` with `value = low + (high − low) u` it is `c (high − low)` exactly (μ* is
//! `|c|` times the range, σ is 0). μ is the mean effect, μ* the mean absolute effect, σ the
//! standard deviation (with `r − 1`). The bootstrap resamples trajectories (one draw serves
//! every group) for the normal bootstrap interval on μ* (SALib's half-width, cut at 0 below).
//!
//! A grid point of 0 or 1 maps to a distribution's bounds: parameters must have finite ones.

use rand::RngExt;

use super::{
    Estimate, Groups, GsaError, MORRIS_BOOTSTRAP, MORRIS_DESIGN, check_bootstrap, check_outcomes,
    stream,
};

/// Parameters at most (a bound on the design's size, not a property of the method).
pub const MAX_PARAMETERS: usize = 4096;

/// Levels at most (a grid finer than this is not what Morris screening is for).
pub const MAX_LEVELS: usize = 1 << 16;

/// Trajectories through the grid, with which group each point moved.
#[derive(Debug, Clone)]
pub struct MorrisDesign {
    groups: Groups,
    levels: usize,
    trajectories: usize,
    /// Every point's coordinates, `k` per point.
    points: Vec<f64>,
    /// Per point, the group moved into it and the direction (+1 or −1); `None` for a
    /// trajectory's first point.
    moves: Vec<Option<(usize, f64)>>,
}

impl MorrisDesign {
    /// `trajectories` trajectories (at least 2) on `levels` levels (even, at least 2), drawn
    /// from `seed`.
    pub fn new(
        groups: Groups,
        trajectories: usize,
        levels: usize,
        seed: u64,
    ) -> Result<MorrisDesign, GsaError> {
        let k = groups.params();
        if k == 0 || k > MAX_PARAMETERS {
            return Err(GsaError::Parameters {
                given: k,
                max: MAX_PARAMETERS,
            });
        }
        if levels < 2 || levels % 2 == 1 || levels > MAX_LEVELS {
            return Err(GsaError::Levels { given: levels });
        }
        if trajectories < 2 {
            return Err(GsaError::Trajectories {
                given: trajectories,
            });
        }
        let g = groups.count();
        let step = levels / 2;
        let top = (levels - 1) as f64;
        let mut points = Vec::with_capacity(trajectories * (g + 1) * k);
        let mut moves = Vec::with_capacity(trajectories * (g + 1));
        let mut at = vec![0usize; k];
        for t in 0..trajectories {
            let mut rng = stream(seed, MORRIS_DESIGN, t as u64);
            let up: Vec<bool> = (0..g).map(|_| rng.random_bool(0.5)).collect();
            for (param, level) in at.iter_mut().enumerate() {
                let base = rng.random_range(0..step);
                *level = if up[groups.of(param)] {
                    base
                } else {
                    base + step
                };
            }
            let mut order: Vec<usize> = (0..g).collect();
            for i in (1..g).rev() {
                order.swap(i, rng.random_range(0..=i));
            }
            points.extend(at.iter().map(|&l| l as f64 / top));
            moves.push(None);
            for &group in &order {
                for (param, level) in at.iter_mut().enumerate() {
                    if groups.of(param) == group {
                        *level = if up[group] {
                            *level + step
                        } else {
                            *level - step
                        };
                    }
                }
                points.extend(at.iter().map(|&l| l as f64 / top));
                moves.push(Some((group, if up[group] { 1.0 } else { -1.0 })));
            }
        }
        Ok(MorrisDesign {
            groups,
            levels,
            trajectories,
            points,
            moves,
        })
    }

    /// Points of a design: `r (g + 1)`; `None` if that overflows.
    pub fn points_for(groups: usize, trajectories: usize) -> Option<usize> {
        trajectories.checked_mul(groups.checked_add(1)?)
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.moves.len()
    }

    /// Whether the design has no points (never).
    pub fn is_empty(&self) -> bool {
        self.moves.is_empty()
    }

    /// Number of parameters (coordinates of a point).
    pub fn params(&self) -> usize {
        self.groups.params()
    }

    /// The groups; one set of effects per group.
    pub fn groups(&self) -> &Groups {
        &self.groups
    }

    /// Levels `p` of the grid.
    pub fn levels(&self) -> usize {
        self.levels
    }

    /// Trajectories `r`.
    pub fn trajectories(&self) -> usize {
        self.trajectories
    }

    /// The step `Δ = p / (2(p − 1))`.
    pub fn delta(&self) -> f64 {
        self.levels as f64 / (2.0 * (self.levels - 1) as f64)
    }

    /// The coordinates of point `point` (on the grid, in `[0, 1]`), one per parameter.
    pub fn point(&self, point: usize) -> &[f64] {
        let k = self.params();
        &self.points[point * k..(point + 1) * k]
    }

    /// The trajectory (0 to r−1) point `point` belongs to.
    pub fn trajectory(&self, point: usize) -> usize {
        point / (self.groups.count() + 1)
    }

    /// The group moved into point `point` and whether it moved up; `None` for the first point
    /// of a trajectory.
    pub fn moved(&self, point: usize) -> Option<(usize, bool)> {
        self.moves[point].map(|(g, dir)| (g, dir > 0.0))
    }

    /// All points in design order.
    pub fn points(&self) -> impl Iterator<Item = &[f64]> + '_ {
        self.points.chunks(self.params())
    }
}

/// How to summarise the bootstrap of μ*.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorrisOptions {
    /// Bootstrap resamples of the trajectories, at least 2. By default 1,000.
    pub resamples: usize,
    /// Confidence level of the interval on μ*, in (0, 1). By default 0.95.
    pub confidence: f64,
    /// Seed of the resamples. By default 0.
    pub seed: u64,
}

impl Default for MorrisOptions {
    fn default() -> Self {
        MorrisOptions {
            resamples: 1000,
            confidence: 0.95,
            seed: 0,
        }
    }
}

/// Elementary-effect statistics of one outcome, one per group, in the outcome's units per
/// whole range of the group's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisEffects {
    /// The mean effect μ.
    pub mu: Vec<f64>,
    /// The mean absolute effect μ*, with its bootstrap interval.
    pub mu_star: Vec<Estimate>,
    /// The standard deviation σ of the effects (with `r − 1`).
    pub sigma: Vec<f64>,
    /// The elementary effects themselves: `effects[g][t]` of group `g` on trajectory `t`.
    pub effects: Vec<Vec<f64>>,
}

/// Morris statistics of one outcome from its values at every point of `design`, in design
/// order.
pub fn morris_effects(
    design: &MorrisDesign,
    outcomes: &[f64],
    options: &MorrisOptions,
) -> Result<MorrisEffects, GsaError> {
    check_outcomes(outcomes, design.len())?;
    check_bootstrap(options.resamples, options.confidence)?;
    let g = design.groups().count();
    let r = design.trajectories();
    let delta = design.delta();
    let mut effects = vec![vec![0.0; r]; g];
    for point in 0..design.len() {
        if let Some((group, dir)) = design.moves[point] {
            let t = design.trajectory(point);
            effects[group][t] = (outcomes[point] - outcomes[point - 1]) / (dir * delta);
        }
    }
    let mean_abs = |e: &[f64], rows: &mut dyn Iterator<Item = usize>| {
        let (mut sum, mut n) = (0.0, 0usize);
        for t in rows {
            sum += e[t].abs();
            n += 1;
        }
        sum / n as f64
    };
    let mut resampled = vec![vec![0.0; options.resamples]; g];
    for b in 0..options.resamples {
        let mut rng = stream(options.seed, MORRIS_BOOTSTRAP, b as u64);
        let rows: Vec<usize> = (0..r).map(|_| rng.random_range(0..r)).collect();
        for (e, out) in effects.iter().zip(&mut resampled) {
            out[b] = mean_abs(e, &mut rows.iter().copied());
        }
    }
    let mut mu = Vec::with_capacity(g);
    let mut mu_star = Vec::with_capacity(g);
    let mut sigma = Vec::with_capacity(g);
    for (e, res) in effects.iter().zip(&resampled) {
        let (m, sd) = crate::stats::mean_sd(e);
        mu.push(m);
        sigma.push(sd.expect("at least two trajectories"));
        let star = mean_abs(e, &mut (0..r));
        mu_star.push(Estimate::from_resamples(star, res, options.confidence).at_least(0.0));
    }
    Ok(MorrisEffects {
        mu,
        mu_star,
        sigma,
        effects,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trajectories_move_one_group_by_delta() {
        let groups = Groups::from_labels(&["a", "b", "a", "c"]).unwrap();
        let d = MorrisDesign::new(groups, 20, 4, 5).unwrap();
        assert_eq!(d.len(), 20 * 4);
        assert!((d.delta() - 2.0 / 3.0).abs() < 1e-15);
        for point in 0..d.len() {
            let x = d.point(point);
            assert!(x.iter().all(|&u| (0.0..=1.0).contains(&u)));
            // On the grid 0, 1/3, 2/3, 1.
            assert!(
                x.iter()
                    .all(|&u| ((u * 3.0).round() - u * 3.0).abs() < 1e-12)
            );
            match d.moved(point) {
                None => assert_eq!(point % 4, 0),
                Some((group, up)) => {
                    let prev = d.point(point - 1);
                    for p in 0..4 {
                        let diff = x[p] - prev[p];
                        if d.groups().of(p) == group {
                            let want = if up { d.delta() } else { -d.delta() };
                            assert!((diff - want).abs() < 1e-12);
                        } else {
                            assert_eq!(diff, 0.0);
                        }
                    }
                }
            }
        }
        // Each trajectory moves every group once.
        for t in 0..20 {
            let mut moved: Vec<usize> = (t * 4 + 1..t * 4 + 4)
                .map(|p| d.moved(p).unwrap().0)
                .collect();
            moved.sort();
            assert_eq!(moved, vec![0, 1, 2]);
        }
    }

    #[test]
    fn refuses_bad_settings() {
        let g = || Groups::singletons(2);
        assert_eq!(
            MorrisDesign::new(g(), 10, 3, 0).unwrap_err(),
            GsaError::Levels { given: 3 }
        );
        assert!(MorrisDesign::new(g(), 10, 0, 0).is_err());
        assert_eq!(
            MorrisDesign::new(g(), 1, 4, 0).unwrap_err(),
            GsaError::Trajectories { given: 1 }
        );
        let d = MorrisDesign::new(g(), 4, 4, 0).unwrap();
        assert!(morris_effects(&d, &[0.0; 3], &MorrisOptions::default()).is_err());
    }
}
