//! The credit cycle of one path and the default hazards it implies (docs/model.md §3, §4).
//!
//! The systemic factor is drawn once per calendar year and shared by every book of the path;
//! each book then turns it into its own segments' monthly hazards (Vasicek 2002: the PD
//! conditional on the factor). A loan's default month is found by comparing one exponential
//! draw with its cumulative hazard, and loans of the same segment, kind and start month share
//! that table, so it is computed the first time a path needs it and kept until the path ends.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

use super::draws::Cut;
use super::fate::{ConstantHazard, EventMonths, LogBrackets};
use crate::math::{conditional_pd, monthly_hazard, no_event_below};
use crate::model::{CycleModel, SegmentModel};

/// Draw path `path`'s systemic factor per year into `factors` (one standard normal per year):
/// from `rng`, or with rqmc from the path's Sobol' point (years beyond its dimensions from
/// `rng`). `normals` is scratch space. Returns the path's likelihood ratio: with `tail`
/// sampling (docs/model.md §12.2) the path is drawn from the defensive mixture — plain with
/// probability `DEFENSIVE_SHARE` (a uniform from `rng` before the normals), else from the
/// fitted Gaussian on the active years — and its ratio is the plain density over the mixture's
/// at the innovations ([`crate::tail::proposal::Proposal::draw`]); 1 without.
pub(super) fn draw_cycle<R: Rng>(
    cycle: &CycleModel,
    path: u64,
    rng: &mut R,
    normals: &mut Vec<f64>,
    factors: &mut Vec<f64>,
) -> f64 {
    normals.clear();
    if let Some(nets) = &cycle.nets {
        normals.resize(nets.dimensions().min(cycle.shifts.len()), 0.0);
        nets.normals(path, normals);
    }
    let tail = cycle.tail.as_deref();
    let shifted = tail.is_some() && rng.random::<f64>() >= DEFENSIVE_SHARE;
    // The years beyond the Sobol' point's (all of them without one), in order from the stream.
    while normals.len() < cycle.shifts.len() {
        normals.push(StandardNormal.sample(rng));
    }
    let weight = tail.map_or(1.0, |t| t.draw(normals, shifted));
    factors.clear();
    let mut z: f64 = 0.0;
    for (y, (shift, &eps)) in cycle.shifts.iter().zip(normals.iter()).enumerate() {
        z = if y == 0 {
            eps
        } else {
            cycle.persistence * z + cycle.innovation * eps
        };
        factors.push(z + shift);
    }
    weight
}

/// The share of paths that `tail` sampling draws unshifted (docs/model.md §12.2): Hesterberg's
/// (1995) defensive mixture, which bounds every weight by `1 / DEFENSIVE_SHARE`, so that the
/// favourable years keep about a fifth of the paths and the body's statistics stay usable, for
/// at most a quarter more variance in the tail's.
pub const DEFENSIVE_SHARE: f64 = 0.2;

const NOT_COMPUTED: u32 = u32::MAX;

/// Where one start's cumulative hazards are in the arena, and the cuts below which a uniform
/// means no default, no follow-up need and no prepayment within the months at risk.
#[derive(Debug, Clone, Copy)]
struct TableAt {
    at: u32,
    len: u32,
    no_events: NoEvents,
}

const NO_TABLE: TableAt = TableAt {
    at: NOT_COMPUTED,
    len: 0,
    no_events: NoEvents {
        default: Cut::ALL,
        followup: Cut::ALL,
        prepay: Cut::ALL,
    },
};

/// The cuts below which a loan's event uniforms mean no such event over its months at risk:
/// [`crate::math::no_event_below`] of its cumulative default hazard (certainly no default,
/// short of a margin the logarithm decides), and exactly the survival probabilities of its
/// constant-hazard events (`Cut::ALL` when it has no month at risk of them).
#[derive(Debug, Clone, Copy)]
pub(super) struct NoEvents {
    pub default: Cut,
    pub followup: Cut,
    pub prepay: Cut,
}

/// A loan's cumulative default hazards over its months at risk, its no-event cuts, and the
/// months of its segment's constant-hazard events.
pub(super) struct Cumulative<'a> {
    pub cum: &'a [f64],
    pub no_events: NoEvents,
    pub events: &'a EventMonths,
    pub logs: &'a LogBrackets,
}

/// Per path: each segment's monthly default hazard per year, and the cumulative tables built
/// from them on demand.
pub(super) struct DefaultTables {
    years: usize,
    /// Number of possible start months (`earliest_start ..= months`).
    starts: usize,
    earliest_start: i64,
    months: usize,
    /// Per (segment, follow-up flag, year): monthly default hazard at the path's cycle.
    hazard: Vec<f64>,
    /// The same per (segment, flag, month), and each segment's seasoning factor per month of
    /// age (`max_term` a segment): the cumulative tables are then one multiply-add per month,
    /// with the very products the yearly lookups would give.
    hazard_by_month: Vec<f64>,
    season_by_age: Vec<f64>,
    max_term: usize,
    /// Per (segment, flag, start month): where that start's cumulative hazards are in `arena`.
    table_at: Vec<TableAt>,
    arena: Vec<f64>,
    /// Per segment: the months of its follow-up needs and prepayments (the same on every path);
    /// and the brackets of a default's exponential draw.
    events: Vec<EventMonths>,
    logs: &'static LogBrackets,
    /// Per (segment, flag): the flag whose tables serve it. A follow-up loan's PD is the first
    /// loan's times `pd_multiplier`; at a multiplier of 1 its tables are the same, built once.
    table_flag: Vec<usize>,
}

impl DefaultTables {
    pub fn new(
        segment_models: &[SegmentModel],
        months: usize,
        earliest_start: i64,
    ) -> DefaultTables {
        let segments = segment_models.len();
        let years = months / 12;
        let starts = (months as i64 + 1 - earliest_start + 1) as usize;
        DefaultTables {
            years,
            starts,
            earliest_start,
            months,
            hazard: vec![0.0; segments * 2 * years],
            hazard_by_month: vec![0.0; segments * 2 * months],
            season_by_age: Vec::new(),
            max_term: 0,
            table_at: vec![NO_TABLE; segments * 2 * starts],
            // About what a path fills (one table per segment and start), so that it grows
            // without copies: a workspace lives for a few paths only.
            arena: Vec::with_capacity(
                segments
                    * starts
                    * segment_models
                        .iter()
                        .map(|seg| seg.term)
                        .max()
                        .unwrap_or(0)
                        .min(months),
            ),
            events: segment_models.iter().map(EventMonths::new).collect(),
            logs: LogBrackets::shared(),
            table_flag: segment_models
                .iter()
                .flat_map(|seg| [0, (seg.annual_pd[1] != seg.annual_pd[0]) as usize])
                .collect(),
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
        for (k, &h) in self.hazard.iter().enumerate() {
            // `k` is (segment, flag, year): year `y`'s twelve months.
            let (row, y) = (k / self.years, k % self.years);
            let at = row * self.months + y * 12;
            self.hazard_by_month[at..at + 12].fill(h);
        }
        self.max_term = segments.iter().map(|seg| seg.term).max().unwrap_or(0);
        self.season_by_age.clear();
        for seg in segments {
            let seasons = &seg.seasoning;
            self.season_by_age
                .extend((0..self.max_term).map(|age| seasons[(age / 12).min(seasons.len() - 1)]));
        }
    }

    /// Cumulative default hazards of a loan of segment `s`, flag `flag`, starting in month
    /// `start`, over its months at risk within the horizon of `months`: element `j` is the sum
    /// over months `max(start,0) ..= max(start,0)+j`.
    #[inline(always)]
    pub fn cumulative(
        &mut self,
        segments: &[SegmentModel],
        months: usize,
        s: usize,
        flag: usize,
        start: i64,
    ) -> Cumulative<'_> {
        let t = self.table(segments, months, s, flag, start);
        let at = t.at as usize;
        Cumulative {
            cum: &self.arena[at..at + t.len as usize],
            no_events: t.no_events,
            events: &self.events[s],
            logs: self.logs,
        }
    }

    /// The no-event cuts of [`DefaultTables::cumulative`] alone.
    #[inline(always)]
    pub fn no_events(
        &mut self,
        segments: &[SegmentModel],
        months: usize,
        s: usize,
        flag: usize,
        start: i64,
    ) -> NoEvents {
        self.table(segments, months, s, flag, start).no_events
    }

    /// Where the table of segment `s`, flag `flag` and start `start` is, computed at its first
    /// use on the path.
    #[inline(always)]
    fn table(
        &mut self,
        segments: &[SegmentModel],
        months: usize,
        s: usize,
        flag: usize,
        start: i64,
    ) -> TableAt {
        let flag = self.table_flag[s * 2 + flag];
        let key = (s * 2 + flag) * self.starts + (start - self.earliest_start) as usize;
        if self.table_at[key].at == NOT_COMPUTED {
            self.compute(segments, months, s, flag, start, key);
        }
        self.table_at[key]
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
        if first <= last {
            let (first, last) = (first as usize, last as usize);
            let hazards = &self.hazard_by_month[(s * 2 + flag) * self.months..][first..=last];
            let age_first = (first as i64 - start) as usize;
            let seasons = &self.season_by_age[s * self.max_term..][age_first..][..hazards.len()];
            let mut cum = 0.0;
            self.arena
                .extend(hazards.iter().zip(seasons).map(|(&h, &season)| {
                    cum += h * season;
                    cum
                }));
        }
        let len = self.arena.len() - at;
        self.table_at[key] = if len == 0 {
            TableAt {
                at: at as u32,
                ..NO_TABLE
            }
        } else {
            // The follow-up and prepayment cuts of `ConstantHazard::month`: months at risk
            // from `from` to `last`, none if `from > last`.
            let within = |event: &ConstantHazard, from: i64| {
                if from > last {
                    Cut::ALL
                } else {
                    event.within((last - from + 1) as usize)
                }
            };
            let events = &self.events[s];
            let followup_from = start + (first - start).max(seg.followup_min_age as i64);
            TableAt {
                at: at as u32,
                len: len as u32,
                no_events: NoEvents {
                    default: Cut::open(no_event_below(self.arena[at + len - 1])),
                    followup: within(&events.followup, followup_from),
                    prepay: within(&events.prepay, first),
                },
            }
        };
    }
}
