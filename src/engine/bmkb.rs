//! The BMKB side of one path (docs/model.md §10): the premiums the state receives, the claims it
//! pays and when, and its exposure at each year end, for the lender's own backed loans
//! (channel b) and the bank loans of its graduates (channel a).
//!
//! As in the lender's book, a guarantee is never visited again after it is written: the
//! credit's fate is already known (its exit month, or its default month and recovery rate), so
//! its premium, its claim and the months in which it is exposed are marked there and then — the
//! premium and the claim in per-month arrays, the exposure in a difference array over year ends
//! per (kind of credit, segment, start month). A year end then reads one entry per such group:
//! within a group every credit's exposure is its BSK times the same balance factor. A path
//! costs O(guarantees + groups touched × years), never guarantees × months.
//!
//! Graduates' bank loans take their fates here from the path's credit cycle, with their own
//! hazard tables; they touch neither the lender's cash nor its book. Every draw of the BMKB is
//! one of its loan's own, read from the loan's key by purpose (`draws.rs`) and only when
//! needed, so a scenario with BMKB off draws every other variable exactly as with it on.

use super::draws::{LoanDraws, Purpose};
use super::fate::{NEVER, default_month};
use super::hazards::DefaultTables;
use crate::model::{BmkbModel, GuaranteeTerms, Model, SegmentModel, StateModel};

/// Which credits a guarantee backs: the lender's own (channel b) or a graduate's bank loan
/// (channel a).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Channel {
    Own = 0,
    Bank = 1,
}

/// One BMKB-backed credit, with its fate already decided.
pub(super) struct Backed<'a> {
    pub channel: Channel,
    pub segment: usize,
    pub seg: &'a SegmentModel,
    pub terms: GuaranteeTerms,
    /// Month the credit was granted (its premium's month); it starts at `grant + 1`.
    pub grant: i64,
    pub size: f64,
    /// The month it leaves before maturity, if it does within the horizon.
    pub exit: Option<i64>,
    /// Whether that exit is a default, and the recovery rate of that default.
    pub default_recovery: Option<f64>,
}

/// What the guarantees of a path owe and earn, by month.
pub(super) struct Guarantees<'m> {
    bmkb: &'m BmkbModel,
    state: &'m StateModel,
    months: usize,
    years: usize,
    /// Per month: premiums received at grant, claims paid (both channels) and of those the
    /// claims paid to the lender (channel b).
    pub premiums: Vec<f64>,
    pub claims: Vec<f64>,
    pub received: Vec<f64>,
    /// Claims on defaults within the horizon falling due after it: nominal and discounted.
    pub pending: f64,
    pub pending_pv: f64,
    /// Credits guaranteed in the horizon.
    pub count: u64,
    /// Per group (channel, segment, start month `0 ..= months`) and year end `0 ..= years`: the
    /// change in the group's covered BSK times the coverage.
    exposure: Vec<f64>,
    /// Groups with a mark this path, each once.
    touched: Vec<u32>,
    is_touched: Vec<bool>,
    /// Graduates' bank loans: their default hazards on this path's cycle.
    bank_tables: DefaultTables,
}

impl<'m> Guarantees<'m> {
    pub fn new(model: &'m Model) -> Guarantees<'m> {
        let groups = 2 * model.segments.len() * (model.months + 1);
        Guarantees {
            bmkb: &model.bmkb,
            state: &model.state,
            months: model.months,
            years: model.years,
            premiums: vec![0.0; model.months],
            claims: vec![0.0; model.months],
            received: vec![0.0; model.months],
            pending: 0.0,
            pending_pv: 0.0,
            count: 0,
            exposure: vec![0.0; groups * (model.years + 1)],
            touched: Vec::new(),
            is_touched: vec![false; groups],
            bank_tables: DefaultTables::new(&model.bmkb.bank_segments, model.months, 0),
        }
    }

    /// Forget the previous path; graduates' bank loans default on the cycle `factors`.
    pub fn begin_path(&mut self, factors: &[f64], correlation: f64) {
        self.premiums.fill(0.0);
        self.claims.fill(0.0);
        self.received.fill(0.0);
        self.pending = 0.0;
        self.pending_pv = 0.0;
        self.count = 0;
        let stride = self.years + 1;
        for &g in &self.touched {
            let g = g as usize;
            self.exposure[g * stride..(g + 1) * stride].fill(0.0);
            self.is_touched[g] = false;
        }
        self.touched.clear();
        if self.bmkb.enabled {
            self.bank_tables
                .set_cycle(&self.bmkb.bank_segments, factors, correlation);
        }
    }

    /// docs/model.md §10 channel (a): a borrower of segment `segment` with a loan of `size`
    /// graduates in month `month`; the bank lends `clamp(size_multiplier × size, min_size,
    /// cap)` from `month + 1`. `draws` are the graduating loan's: its key holds the bank loan's
    /// draws (whether it is backed, its default's uniform and its recovery's seed).
    pub fn graduate(
        &mut self,
        segment: usize,
        size: f64,
        month: i64,
        multiplier: f64,
        cap: f64,
        draws: LoanDraws,
    ) {
        let b = self.bmkb;
        if draws.uniform(Purpose::BankBacked) >= b.graduate_share {
            return;
        }
        let seg = &b.bank_segments[segment];
        let size = (multiplier * size).max(seg.min_size).min(cap);
        let start = month + 1;
        let last = (start + seg.term as i64 - 1).min(self.months as i64 - 1);
        let mut exit = None;
        if start <= last {
            let table =
                self.bank_tables
                    .cumulative(&b.bank_segments, self.months, segment, 0, start);
            if let Some(u) = draws.key_unless_below(Purpose::BankDefault, table.no_events.default) {
                let d = default_month(table.cum, start, -u.ln());
                if d != NEVER {
                    exit = Some(d);
                }
            }
        }
        self.back(&Backed {
            channel: Channel::Bank,
            segment,
            seg,
            terms: b.bank_terms[segment],
            grant: month,
            size,
            exit,
            default_recovery: exit.map(|_| seg.recovery_rate(draws.seed(Purpose::BankRecovery))),
        });
    }

    /// Write the guarantee of one backed credit: its premium in its grant month, its claim
    /// if it defaults at a covered age, and the year ends at which it is still exposed.
    pub fn back(&mut self, c: &Backed) {
        let b = self.bmkb;
        let bsk = b.bsk(c.size);
        self.count += 1;
        self.premiums[c.grant as usize] += c.terms.premium_rate * bsk;
        let start = c.grant + 1;
        let covered = c.terms.covered_months as i64;
        if let (Some(month), Some(rr)) = (c.exit, c.default_recovery) {
            let age = month - start;
            if age < covered {
                let balance = c.size * c.seg.schedule.balance_factor(age as usize);
                let claim = b.coverage * (bsk / c.size) * balance * (1.0 - rr);
                let due = month as usize + b.claim_lag;
                if due < self.months {
                    self.claims[due] += claim;
                    if c.channel == Channel::Own {
                        self.received[due] += claim;
                    }
                } else {
                    self.pending += claim;
                    self.pending_pv += claim * self.state.discount[due];
                }
            }
        }
        // Exposed at the ends of months `start - 1 ..= stop - 1`: live after the month, at an
        // age in the next month the guarantee still covers.
        let stop = c.exit.unwrap_or(NEVER).min(start + covered - 1);
        let first_year = ((start - 1) / 12) as usize;
        let end_year = ((stop / 12) as usize).min(self.years);
        if first_year < end_year {
            let group = (c.channel as usize * self.is_touched.len() / 2)
                + c.segment * (self.months + 1)
                + start as usize;
            if !self.is_touched[group] {
                self.is_touched[group] = true;
                self.touched.push(group as u32);
            }
            let row = &mut self.exposure[group * (self.years + 1)..][..self.years + 1];
            let amount = b.coverage * bsk;
            row[first_year] += amount;
            row[end_year] -= amount;
        }
    }

    /// The state's exposure at each year end: `coverage × (G/X) × B` over the backed credits
    /// still live after the year's last month, at an age the guarantee covers next month.
    pub fn exposure(&self, segments: &[SegmentModel], out: &mut [f64]) {
        out.fill(0.0);
        let per_channel = self.is_touched.len() / 2;
        let stride = self.years + 1;
        for &g in &self.touched {
            let g = g as usize;
            let channel = g / per_channel;
            let segment = (g % per_channel) / (self.months + 1);
            let start = (g % per_channel) % (self.months + 1);
            let schedule = if channel == Channel::Own as usize {
                &segments[segment].schedule
            } else {
                &self.bmkb.bank_segments[segment].schedule
            };
            let mut live = 0.0;
            for (j, x) in out.iter_mut().enumerate() {
                live += self.exposure[g * stride + j];
                if live != 0.0 {
                    // Age in the month after year end j.
                    let age = 12 * (j + 1) - start;
                    *x += live * schedule.balance_factor(age);
                }
            }
        }
    }
}
