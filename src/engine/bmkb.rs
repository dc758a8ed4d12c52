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
//!
//! Where the lender may run off (docs/model.md §11.2), a bank loan's fate is its whole life's
//! (the same within the horizon), claims on defaults after the horizon are kept apart, for a
//! settlement after a run-off counts them and one at par does not, and every credit that may
//! be exposed after the horizon is listed, so that its exposure can be read at any month.

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
    /// Months over which a bank loan's fate is decided: the horizon's, or where the lender may
    /// run off its whole life's (a whole number of years).
    fate_months: usize,
    /// Per month of the state's account: premiums received at grant, claims paid (both
    /// channels) on defaults within the horizon, and of those the claims paid to the lender
    /// (channel b, on defaults at any month).
    pub premiums: Vec<f64>,
    pub claims: Vec<f64>,
    pub received: Vec<f64>,
    /// Claims on defaults after the horizon, by due month: a run-off's.
    pub late_claims: Vec<f64>,
    /// The last month in which a claim is due to the lender (-1 for none).
    pub last_received: i64,
    /// Claims on defaults within the horizon falling due after it: nominal and discounted.
    pub pending: f64,
    pub pending_pv: f64,
    /// Credits guaranteed in the horizon.
    pub count: u64,
    /// Per [`Channel`], the claims `bmkb_claims` counts: those paid within the horizon (a
    /// settlement at par) and those of the state's whole account (after a run-off).
    claims_horizon: [f64; 2],
    claims_account: [f64; 2],
    /// Where the lender may run off: every credit that may be exposed after the horizon, to
    /// read its exposure at any month ([`Guarantees::exposure_at`]).
    spans: Vec<Span>,
    /// Per group (channel, segment, start month `0 ..= months`) and year end `0 ..= years`: the
    /// change in the group's covered BSK times the coverage.
    exposure: Vec<f64>,
    /// Groups with a mark this path, each once.
    touched: Vec<u32>,
    is_touched: Vec<bool>,
    /// Graduates' bank loans: their default hazards on this path's cycle.
    bank_tables: DefaultTables,
}

/// A credit's exposure over months: `amount × B(age)/X` at the end of months
/// `start − 1 ..= stop − 1` (docs/model.md §10).
#[derive(Debug, Clone, Copy)]
struct Span {
    channel: Channel,
    segment: usize,
    start: i64,
    stop: i64,
    amount: f64,
}

impl<'m> Guarantees<'m> {
    pub fn new(model: &'m Model) -> Guarantees<'m> {
        let groups = 2 * model.segments.len() * (model.months + 1);
        let span = model.span.max(model.months);
        let fate_months = if model.may_run_off {
            12 * span.div_ceil(12)
        } else {
            model.months
        };
        Guarantees {
            bmkb: &model.bmkb,
            state: &model.state,
            months: model.months,
            years: model.years,
            fate_months,
            premiums: vec![0.0; span],
            claims: vec![0.0; span],
            received: vec![0.0; span],
            late_claims: vec![0.0; if model.may_run_off { span } else { 0 }],
            last_received: -1,
            pending: 0.0,
            pending_pv: 0.0,
            count: 0,
            claims_horizon: [0.0; 2],
            claims_account: [0.0; 2],
            spans: Vec::new(),
            exposure: vec![0.0; groups * (model.years + 1)],
            touched: Vec::new(),
            is_touched: vec![false; groups],
            bank_tables: DefaultTables::new(&model.bmkb.bank_segments, fate_months, 0),
        }
    }

    /// Whether bank loans' fates and claims run past the horizon.
    fn whole_lives(&self) -> bool {
        self.fate_months > self.months
    }

    /// Forget the previous path; graduates' bank loans default on the cycle `factors`.
    pub fn begin_path(&mut self, factors: &[f64], correlation: f64) {
        self.premiums.fill(0.0);
        self.claims.fill(0.0);
        self.received.fill(0.0);
        self.late_claims.fill(0.0);
        self.last_received = -1;
        self.pending = 0.0;
        self.pending_pv = 0.0;
        self.count = 0;
        self.claims_horizon = [0.0; 2];
        self.claims_account = [0.0; 2];
        self.spans.clear();
        let stride = self.years + 1;
        for &g in &self.touched {
            let g = g as usize;
            self.exposure[g * stride..(g + 1) * stride].fill(0.0);
            self.is_touched[g] = false;
        }
        self.touched.clear();
        if self.bmkb.enabled {
            let years = (self.fate_months / 12).min(factors.len());
            self.bank_tables
                .set_cycle(&self.bmkb.bank_segments, &factors[..years], correlation);
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
        let last = (start + seg.term as i64 - 1).min(self.fate_months as i64 - 1);
        let mut exit = None;
        if start <= last {
            let table =
                self.bank_tables
                    .cumulative(&b.bank_segments, self.fate_months, segment, 0, start);
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
        if c.grant < self.months as i64 {
            self.count += 1;
        }
        self.premiums[c.grant as usize] += c.terms.premium_rate * bsk;
        let start = c.grant + 1;
        let covered = c.terms.covered_months as i64;
        self.claim(c, bsk);
        // Exposed at the ends of months `start - 1 ..= stop - 1`: live after the month, at an
        // age in the next month the guarantee still covers.
        let stop = c.exit.unwrap_or(NEVER).min(start + covered - 1);
        if self.whole_lives() && c.channel == Channel::Bank {
            self.spans.push(Span {
                channel: c.channel,
                segment: c.segment,
                start,
                stop,
                amount: b.coverage * bsk,
            });
        }
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

    /// The claim of a backed credit that defaults at a covered age, at its due month: within the
    /// horizon as ever; due after it, pending under par (and kept by due month for the row
    /// after the horizon); on a default after the horizon (a run-off's only), apart.
    fn claim(&mut self, c: &Backed, bsk: f64) {
        let (Some(month), Some(rr)) = (c.exit, c.default_recovery) else {
            return;
        };
        let b = self.bmkb;
        let start = c.grant + 1;
        let age = month - start;
        if age >= c.terms.covered_months as i64 {
            return;
        }
        let balance = c.size * c.seg.schedule.balance_factor(age as usize);
        let claim = b.coverage * (bsk / c.size) * balance * (1.0 - rr);
        let due = month as usize + b.claim_lag;
        let own = c.channel == Channel::Own;
        // By channel, as `bmkb_claims` counts them (docs/model.md §10, §11.2): paid in the
        // horizon at par; in the whole account (every month discounted) after a run-off.
        let ch = c.channel as usize;
        let kept = if month < self.months as i64 {
            due < self.claims.len()
        } else {
            due < self.late_claims.len()
        };
        if kept && due < self.state.discount.len() {
            self.claims_account[ch] += claim;
        }
        if month < self.months as i64 {
            if due < self.months {
                self.claims_horizon[ch] += claim;
                self.claims[due] += claim;
                if own {
                    self.received[due] += claim;
                }
                return;
            }
            self.pending += claim;
            self.pending_pv += claim * self.state.discount[due];
            if due < self.claims.len() {
                self.claims[due] += claim;
            }
        } else if due < self.late_claims.len() {
            self.late_claims[due] += claim;
        }
        if own && due < self.received.len() {
            self.received[due] += claim;
            self.last_received = self.last_received.max(due as i64);
        }
    }

    /// The claims per [`Channel`] that `bmkb_claims` counts: of the whole account after a
    /// `run_off`, else of the horizon.
    pub fn claims_by_channel(&self, run_off: bool) -> [f64; 2] {
        if run_off {
            self.claims_account
        } else {
            self.claims_horizon
        }
    }

    /// docs/model.md §11.2: a backed loan of the lender's own still live at the horizon, whose
    /// premium was received at its grant, runs off: its claim on a default after the horizon
    /// and its exposure after it.
    pub fn run_off(&mut self, c: &Backed) {
        let bsk = self.bmkb.bsk(c.size);
        if c.exit.is_some_and(|m| m >= self.months as i64) {
            self.claim(c, bsk);
        }
        let start = c.grant + 1;
        self.spans.push(Span {
            channel: Channel::Own,
            segment: c.segment,
            start,
            stop: c
                .exit
                .unwrap_or(NEVER)
                .min(start + c.terms.covered_months as i64 - 1),
            amount: self.bmkb.coverage * bsk,
        });
    }

    /// The state's BMKB exposure at the end of month `m` (after the horizon, where the lender
    /// may run off): `coverage × (G/X) × B` over the listed credits live after it at an age
    /// the guarantee still covers in the next month.
    pub fn exposure_at(&self, segments: &[SegmentModel], m: i64) -> f64 {
        let mut total = 0.0;
        for s in &self.spans {
            if s.start - 1 <= m && m < s.stop {
                let schedule = match s.channel {
                    Channel::Own => &segments[s.segment].schedule,
                    Channel::Bank => &self.bmkb.bank_segments[s.segment].schedule,
                };
                total += s.amount * schedule.balance_factor((m + 1 - s.start) as usize);
            }
        }
        total
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
