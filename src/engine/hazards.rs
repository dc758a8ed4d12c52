//! The credit cycle of one path and the default hazards it implies (docs/model.md §3, §4).
//!
//! The systemic factor is drawn once per calendar year and shared by every book of the path;
//! each book then turns it into its own segments' monthly hazards (Vasicek 2002: the PD
//! conditional on the factor). A loan's default month is found by comparing one exponential
//! draw with its cumulative hazard, and loans of the same segment, kind and start month share
//! that table, so it is computed the first time a path needs it and kept until the path ends.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::math::{conditional_pd, monthly_hazard, no_event_below};
use crate::model::{CycleModel, SegmentModel};

/// Draw the path's systemic factor per year into `factors` (one standard normal per year).
pub(super) fn draw_cycle<R: Rng>(cycle: &CycleModel, rng: &mut R, factors: &mut Vec<f64>) {
    factors.clear();
    let mut z: f64 = 0.0;
    for (y, shift) in cycle.shifts.iter().enumerate() {
        let eps: f64 = StandardNormal.sample(rng);
        z = if y == 0 {
            eps
        } else {
            cycle.persistence * z + cycle.innovation * eps
        };
        factors.push(z + shift);
    }
}

const NOT_COMPUTED: u32 = u32::MAX;

/// Where one start's cumulative hazards are in the arena, and the threshold below which a
/// uniform means no default within them.
#[derive(Debug, Clone, Copy)]
struct TableAt {
    at: u32,
    len: u32,
    no_default_below: f64,
}

const NO_TABLE: TableAt = TableAt {
    at: NOT_COMPUTED,
    len: 0,
    no_default_below: 0.0,
};

/// A loan's cumulative default hazards over its months at risk, and
/// [`crate::math::no_event_below`] of their total.
pub(super) struct Cumulative<'a> {
    pub cum: &'a [f64],
    pub no_default_below: f64,
}

/// Per path: each segment's monthly default hazard per year, and the cumulative tables built
/// from them on demand.
pub(super) struct DefaultTables {
    years: usize,
    /// Number of possible start months (`earliest_start ..= months`).
    starts: usize,
    earliest_start: i64,
    /// Per (segment, follow-up flag, year): monthly default hazard at the path's cycle.
    hazard: Vec<f64>,
    /// Per (segment, flag, start month): where that start's cumulative hazards are in `arena`.
    table_at: Vec<TableAt>,
    arena: Vec<f64>,
}

impl DefaultTables {
    pub fn new(segments: usize, months: usize, earliest_start: i64) -> DefaultTables {
        let years = months / 12;
        let starts = (months as i64 + 1 - earliest_start + 1) as usize;
        DefaultTables {
            years,
            starts,
            earliest_start,
            hazard: vec![0.0; segments * 2 * years],
            table_at: vec![NO_TABLE; segments * 2 * starts],
            arena: Vec::new(),
        }
    }

    /// Forget the previous path's tables and set the hazards for the cycle `factors`.
    pub fn set_cycle(&mut self, segments: &[SegmentModel], factors: &[f64], correlation: f64) {
        self.table_at.fill(NO_TABLE);
        self.arena.clear();
        for (y, &x) in factors.iter().enumerate() {
            for (s, seg) in segments.iter().enumerate() {
                for flag in 0..2 {
                    let pd = conditional_pd(seg.annual_pd[flag], correlation, x);
                    self.hazard[(s * 2 + flag) * self.years + y] = monthly_hazard(pd);
                }
            }
        }
    }

    /// Cumulative default hazards of a loan of segment `s`, flag `flag`, starting in month
    /// `start`, over its months at risk within the horizon of `months`: element `j` is the sum
    /// over months `max(start,0) ..= max(start,0)+j`.
    #[inline]
    pub fn cumulative(
        &mut self,
        segments: &[SegmentModel],
        months: usize,
        s: usize,
        flag: usize,
        start: i64,
    ) -> Cumulative<'_> {
        let key = (s * 2 + flag) * self.starts + (start - self.earliest_start) as usize;
        let t = self.table_at[key];
        if t.at == NOT_COMPUTED {
            self.compute(segments, months, s, flag, start, key);
        }
        let t = self.table_at[key];
        let at = t.at as usize;
        Cumulative {
            cum: &self.arena[at..at + t.len as usize],
            no_default_below: t.no_default_below,
        }
    }

    #[cold]
    fn compute(
        &mut self,
        segments: &[SegmentModel],
        months: usize,
        s: usize,
        flag: usize,
        start: i64,
        key: usize,
    ) {
        let seg = &segments[s];
        let first = start.max(0);
        let last = (start + seg.term as i64 - 1).min(months as i64 - 1);
        let at = self.arena.len();
        let hazards = &self.hazard[(s * 2 + flag) * self.years..][..self.years];
        let seasons = &seg.seasoning;
        let mut cum = 0.0;
        for u in first..=last {
            let age = (u - start) as usize;
            let season = seasons[(age / 12).min(seasons.len() - 1)];
            cum += hazards[u as usize / 12] * season;
            self.arena.push(cum);
        }
        let len = self.arena.len() - at;
        self.table_at[key] = TableAt {
            at: at as u32,
            len: len as u32,
            no_default_below: no_event_below(cum),
        };
    }
}
