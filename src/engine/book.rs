//! A book of loans: where each loan leaves its marks, and what the book pays, loses and owes
//! each month (docs/model.md §4, §5 steps 1–4).
//!
//! A loan is never visited again after it is placed: its fate decides, there and then, the
//! months in which its principal pays interest only or the annuity, and the month, kind and
//! amount of its exit, and these are added to per-segment difference arrays over months. A
//! month then reads one entry per segment. Most loans meet no event within the horizon, and
//! their marks depend on their segment and start alone, in proportion to their size: those of
//! one segment and start are summed as they come and marked once, before the book next reads a
//! month. The book knows nothing of cash or funding, so a second book (bank loans to
//! graduates, say) can run beside the lender's with other segments.
//!
//! Marks are made within a window of months: the horizon's, `0 .. T`, as the loans are placed.
//! A lender that runs its book off after the horizon (docs/model.md §11.2) then opens a second
//! window, `T ..`: [`Book::begin_run_off`] forgets the horizon's running sums (keeping the
//! outstanding principal) and the loans live at `T` are placed again
//! ([`Book::place_run_off`]), each continuing its own exponential draws against its whole
//! life's hazards, so that its fate within the horizon is the one it had, and its marks go on
//! from `T`.

use super::draws::{Field, LoanDraws, Purpose};
use super::fate::{Exit, Fate, NEVER};
use super::hazards::DefaultTables;
use crate::model::{FollowupModel, Model, SegmentModel};

/// What a book needs to know of the model: its segments, the horizon, and the follow-up rule.
#[derive(Debug, Clone, Copy)]
pub(super) struct BookTerms<'m> {
    pub segments: &'m [SegmentModel],
    /// The horizon's months: fates and marks stop there until a run-off.
    pub months: usize,
    /// Months of the book's arrays: the horizon, or where the lender may run off, its longest
    /// run-off (recoveries after the horizon are then kept).
    pub span: usize,
    /// Earliest start month of any loan the book can hold.
    pub earliest_start: i64,
    pub followup: FollowupModel,
    /// Follow-up requests are clamped to this size, euros.
    pub size_cap: f64,
}

impl<'m> BookTerms<'m> {
    /// The terms of the lender's own book.
    pub fn lender(model: &'m Model) -> BookTerms<'m> {
        BookTerms {
            segments: &model.segments,
            months: model.months,
            span: if model.may_run_off {
                model.span
            } else {
                model.months
            },
            earliest_start: model.earliest_start,
            followup: model.followup,
            size_cap: model.size_cap,
        }
    }
}

/// A follow-up request waiting for its month.
#[derive(Debug, Clone, Copy)]
pub(super) struct Request {
    pub segment: u32,
    pub size: f64,
}

/// What decides whether a loan of one segment, kind and start meets no event within the
/// horizon — the leading fields below which its three uniforms are below their no-event cuts —
/// and where such a loan's size is summed (its segment and start).
#[derive(Debug, Clone, Copy)]
pub(super) struct Gate {
    default: u64,
    followup: u64,
    prepay: u64,
    slot: usize,
}

impl Gate {
    /// Whether the loan of `draws` certainly meets no event (all three tests, without a branch
    /// each: which of them fails is as good as random).
    #[inline(always)]
    pub fn passes(&self, draws: LoanDraws) -> bool {
        (draws.lead(Field::Default) < self.default)
            & (draws.lead(Field::Followup) < self.followup)
            & (draws.lead(Field::Prepay) < self.prepay)
    }
}

/// What each segment of the book lost in the horizon (docs/model.md §7, "Per segment"):
/// defaults and write-offs in months `0 .. T`, and recoveries arriving in them.
#[derive(Debug, Clone, Default)]
pub(super) struct SegmentLosses {
    pub defaults: Vec<u64>,
    pub written_off: Vec<f64>,
    pub recovered: Vec<f64>,
}

/// What the book did in one month, summed over segments.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct BookMonth {
    /// Recoveries arriving on earlier defaults.
    pub recovered: f64,
    /// Principal written off on defaults.
    pub written_off: f64,
    /// Principal repaid early (prepayments and graduations).
    pub prepaid: f64,
    /// Interest and scheduled principal paid.
    pub interest: f64,
    pub repaid: f64,
    pub defaults: u32,
    pub prepayments: u32,
    pub graduations: u32,
}

pub(super) struct Book<'m> {
    terms: BookTerms<'m>,
    /// Stride of the per-segment month arrays (`span + 2`).
    stride: usize,
    /// The months marks are made in, `lo ..= hi`: the horizon's, or the run-off's.
    window: (i64, i64),
    /// In the run-off: the outstanding principal carries over from the horizon, so a loan
    /// placed again adds none.
    carry: bool,
    /// The last month in which a recovery of a positive amount arrives (-1 for none).
    last_recovery: i64,
    /// Per segment and month: change in principal paying interest only / paying the annuity.
    d_grace: Vec<f64>,
    d_annuity: Vec<f64>,
    /// Per segment and month: change in loans live at the start of the month.
    d_active: Vec<i64>,
    /// Per segment and month: principal written off / prepaid (prepayments and graduations).
    write_off: Vec<f64>,
    prepaid: Vec<f64>,
    /// Per month: recoveries arriving, defaults, prepayments, graduations.
    recoveries: Vec<f64>,
    defaults: Vec<u32>,
    prepayments: Vec<u32>,
    graduations: Vec<u32>,
    /// Per month: follow-up requests, in the order their parents were created.
    requests: Vec<Vec<Request>>,
    tables: DefaultTables,
    /// Where the lender may run off: the cumulative hazards of each loan's whole life, on
    /// the cycle of the horizon and the run-off's years.
    run_off_tables: Option<DefaultTables>,
    /// Per segment, running through the months: outstanding principal, principal paying
    /// interest only and paying the annuity, loans live.
    outstanding: Vec<f64>,
    grace_principal: Vec<f64>,
    annuity_principal: Vec<f64>,
    active: Vec<i64>,
    /// Loans that meet no event, their marks not yet made: per (segment, start month), the sum
    /// of their sizes and their number, and the (segment, start) pairs that have any.
    pending_size: Vec<f64>,
    pending_count: Vec<i64>,
    is_pending: Vec<bool>,
    pending: Vec<u32>,
    /// Number of possible start months (`earliest_start ..= months + 1`).
    starts: usize,
    /// Per segment, summed as each default is marked (no loop over months or loans more).
    losses: SegmentLosses,
}

impl<'m> Book<'m> {
    pub fn new(terms: BookTerms<'m>) -> Book<'m> {
        let t = terms.months;
        let span = terms.span.max(t);
        let s = terms.segments.len();
        let stride = span + 2;
        let starts = (t as i64 + 2 - terms.earliest_start) as usize;
        Book {
            terms,
            stride,
            window: (0, t as i64 - 1),
            carry: false,
            last_recovery: -1,
            d_grace: vec![0.0; s * stride],
            d_annuity: vec![0.0; s * stride],
            d_active: vec![0; s * stride],
            write_off: vec![0.0; s * stride],
            prepaid: vec![0.0; s * stride],
            recoveries: vec![0.0; span],
            defaults: vec![0; span],
            prepayments: vec![0; span],
            graduations: vec![0; span],
            requests: vec![Vec::new(); t],
            tables: DefaultTables::new(terms.segments, t, terms.earliest_start),
            run_off_tables: (span > t).then(|| {
                DefaultTables::new(terms.segments, 12 * span.div_ceil(12), terms.earliest_start)
            }),
            outstanding: vec![0.0; s],
            grace_principal: vec![0.0; s],
            annuity_principal: vec![0.0; s],
            active: vec![0; s],
            pending_size: vec![0.0; s * starts],
            pending_count: vec![0; s * starts],
            is_pending: vec![false; s * starts],
            pending: Vec::new(),
            starts,
            losses: SegmentLosses {
                defaults: vec![0; s],
                written_off: vec![0.0; s],
                recovered: vec![0.0; s],
            },
        }
    }

    /// What each segment lost in the horizon so far.
    pub fn segment_losses(&self) -> &SegmentLosses {
        &self.losses
    }

    /// Empty the book for a new path whose systemic factor per year is `cycle`.
    pub fn begin_path(&mut self, cycle: &[f64], correlation: f64) {
        self.d_grace.fill(0.0);
        self.d_annuity.fill(0.0);
        self.d_active.fill(0);
        self.write_off.fill(0.0);
        self.prepaid.fill(0.0);
        self.recoveries.fill(0.0);
        self.defaults.fill(0);
        self.prepayments.fill(0);
        self.graduations.fill(0);
        for r in &mut self.requests {
            r.clear();
        }
        self.outstanding.fill(0.0);
        self.grace_principal.fill(0.0);
        self.annuity_principal.fill(0.0);
        self.active.fill(0);
        self.losses.defaults.fill(0);
        self.losses.written_off.fill(0.0);
        self.losses.recovered.fill(0.0);
        for &k in &self.pending {
            self.pending_size[k as usize] = 0.0;
            self.pending_count[k as usize] = 0;
            self.is_pending[k as usize] = false;
        }
        self.pending.clear();
        self.window = (0, self.terms.months as i64 - 1);
        self.carry = false;
        self.last_recovery = -1;
        // The horizon's tables take the horizon's years of the cycle; the run-off's all.
        let years = (self.terms.months / 12).min(cycle.len());
        self.tables
            .set_cycle(self.terms.segments, &cycle[..years], correlation);
        if let Some(tables) = &mut self.run_off_tables {
            tables.set_cycle(self.terms.segments, cycle, correlation);
        }
    }

    /// Outstanding principal of the whole book.
    pub fn outstanding(&mut self) -> f64 {
        self.flush();
        self.outstanding.iter().sum()
    }

    /// The follow-up requests of month `t`.
    pub fn requests(&self, t: usize) -> &[Request] {
        &self.requests[t]
    }

    /// Put a loan of `size` on the book, starting in month `start` (negative for the initial
    /// book) with `balance` outstanding now: decide its fate from `draws`, leave its marks and
    /// return the fate (for a guarantee on the loan, or a graduate's bank loan).
    #[inline]
    pub fn place(
        &mut self,
        s: usize,
        followup: bool,
        start: i64,
        size: f64,
        balance: f64,
        draws: LoanDraws,
    ) -> Fate {
        let gate = self.gate(s, followup, start);
        self.place_at(&gate, s, followup, start, size, balance, draws)
    }

    /// [`Book::place`] through the loan's [`Gate`] (`gate(s, followup, start)`).
    ///
    /// Most loans meet no event within the horizon, and all such loans of one segment and
    /// start leave the same marks in proportion to their size: the leading bits of their three
    /// uniforms settle that, and the loan only adds its size to a pending sum
    /// ([`Book::place_quiet`]) that [`Book::flush`] marks at once.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub fn place_at(
        &mut self,
        gate: &Gate,
        s: usize,
        followup: bool,
        start: i64,
        size: f64,
        balance: f64,
        draws: LoanDraws,
    ) -> Fate {
        if gate.passes(draws) {
            self.place_quiet(gate, size);
            return Fate::default();
        }
        self.place_with_event(s, followup, start, size, balance, draws)
    }

    /// A loan whose draws pass its `gate`: it meets no event, so it only adds its size to its
    /// segment and start's pending sum (its balance is the sum's, at flush).
    #[inline(always)]
    pub fn place_quiet(&mut self, gate: &Gate, size: f64) {
        self.pending_size[gate.slot] += size;
        self.pending_count[gate.slot] += 1;
    }

    /// The no-event cuts of a loan of segment `s`, follow-up or not, starting in `start`, and
    /// its pending sum, which is put on the list of those to mark.
    #[inline]
    pub fn gate(&mut self, s: usize, followup: bool, start: i64) -> Gate {
        let terms = self.terms;
        let cuts = self
            .tables
            .no_events(terms.segments, terms.months, s, followup as usize, start);
        let slot = s * self.starts + (start - terms.earliest_start) as usize;
        if !self.is_pending[slot] {
            self.is_pending[slot] = true;
            self.pending.push(slot as u32);
        }
        Gate {
            default: cuts.default.lead(),
            followup: cuts.followup.lead(),
            prepay: cuts.prepay.lead(),
            slot,
        }
    }

    /// [`Book::place`] for a loan whose draws may meet an event within the horizon.
    #[inline]
    pub fn place_with_event(
        &mut self,
        s: usize,
        followup: bool,
        start: i64,
        size: f64,
        balance: f64,
        draws: LoanDraws,
    ) -> Fate {
        self.outstanding[s] += balance;
        let terms = self.terms;
        let seg = &terms.segments[s];
        let first = start.max(0);
        let maturity = start + seg.term as i64 - 1;
        let last = maturity.min(terms.months as i64 - 1);
        let mut fate = Fate::default();
        if first <= last {
            let table =
                self.tables
                    .cumulative(terms.segments, terms.months, s, followup as usize, start);
            fate = Fate::decide(
                seg,
                terms.followup.referral_share,
                &table,
                start,
                first,
                last,
                draws,
            );
        }
        if let Some(month) = fate.request_month {
            let f = terms.followup;
            let size = (f.size_multiplier * size)
                .max(seg.min_size)
                .min(terms.size_cap);
            self.requests[month as usize].push(Request {
                segment: s as u32,
                size,
            });
        }
        self.mark_payments(s, start, size, 1, fate.exit);
        if let Some((month, exit)) = fate.exit {
            self.mark_exit(s, start, size, month, exit, draws);
        }
        fate
    }

    /// The last month in which a recovery of a positive amount arrives (-1 for none).
    pub fn last_recovery(&self) -> i64 {
        self.last_recovery
    }

    /// docs/model.md §11.2: the horizon is over and the book runs off. Its running sums of
    /// principal and live loans are set aside (the outstanding principal carries over), and
    /// from now on marks are made from month `T` on: the loans live at `T` are then placed
    /// again with [`Book::place_run_off`].
    pub fn begin_run_off(&mut self) {
        self.flush();
        let t = self.terms.months;
        for s in 0..self.terms.segments.len() {
            self.grace_principal[s] = 0.0;
            self.annuity_principal[s] = 0.0;
            self.active[s] = 0;
            let row = s * self.stride;
            self.d_grace[row + t..row + self.stride].fill(0.0);
            self.d_annuity[row + t..row + self.stride].fill(0.0);
            self.d_active[row + t..row + self.stride].fill(0);
        }
        self.window = (t as i64, self.stride as i64 - 3);
        self.carry = true;
    }

    /// A loan of segment `s`, follow-up or not, starting in month `start` with `size`: its
    /// fate over its whole life, continuing the exponential draws of its horizon fate (the
    /// same `draws`, against hazards that go on past the horizon). A loan that left the book
    /// before the horizon's end (or matured) is not live at `T` and leaves nothing (`None`);
    /// a live one leaves its marks from `T` on and its fate is returned (for its BMKB
    /// guarantee and a graduate's bank loan). A follow-up need after the horizon that is not
    /// a graduation is a request no one grants.
    pub fn place_run_off(
        &mut self,
        s: usize,
        followup: bool,
        start: i64,
        size: f64,
        draws: LoanDraws,
    ) -> Option<Fate> {
        let terms = self.terms;
        let seg = &terms.segments[s];
        let horizon = terms.months as i64;
        let maturity = start + seg.term as i64 - 1;
        if maturity < horizon {
            return None;
        }
        let tables = self
            .run_off_tables
            .as_mut()
            .expect("a book that may run off has its run-off tables");
        let months = 12 * terms.span.div_ceil(12);
        let first = start.max(0);
        let table = tables.cumulative(terms.segments, months, s, followup as usize, start);
        let cuts = table.no_events;
        let quiet = (draws.lead(Field::Default) < cuts.default.lead())
            & (draws.lead(Field::Followup) < cuts.followup.lead())
            & (draws.lead(Field::Prepay) < cuts.prepay.lead());
        if quiet {
            let slot = s * self.starts + (start - terms.earliest_start) as usize;
            if !self.is_pending[slot] {
                self.is_pending[slot] = true;
                self.pending.push(slot as u32);
            }
            self.pending_size[slot] += size;
            self.pending_count[slot] += 1;
            return Some(Fate::default());
        }
        let fate = Fate::decide(
            seg,
            terms.followup.referral_share,
            &table,
            start,
            first,
            maturity,
            draws,
        );
        if let Some((month, exit)) = fate.exit {
            if month < horizon {
                return None;
            }
            self.mark_payments(s, start, size, 1, fate.exit);
            self.mark_exit(s, start, size, month, exit, draws);
        } else {
            self.mark_payments(s, start, size, 1, None);
        }
        Some(fate)
    }

    /// Make the marks of the loans [`Book::place`] left pending. Every method that reads the
    /// marks calls it first, so that no caller can read a month without them.
    #[inline]
    fn flush(&mut self) {
        if !self.pending.is_empty() {
            self.flush_pending();
        }
    }

    #[inline(never)]
    fn flush_pending(&mut self) {
        let mut pending = std::mem::take(&mut self.pending);
        for &k in &pending {
            let k = k as usize;
            let (s, start) = (k / self.starts, (k % self.starts) as i64);
            let start = start + self.terms.earliest_start;
            let (size, count) = (self.pending_size[k], self.pending_count[k]);
            if count > 0 {
                // Every loan of the sum has the same balance factor now: new loans have not
                // started (a factor of exactly 1), initial-book loans are all of one age. In
                // the run-off the outstanding principal carries over from the horizon.
                if !self.carry {
                    let age = (-start).max(0) as usize;
                    self.outstanding[s] +=
                        size * self.terms.segments[s].schedule.balance_factor(age);
                }
                self.mark_payments(s, start, size, count, None);
            }
            self.pending_size[k] = 0.0;
            self.pending_count[k] = 0;
            self.is_pending[k] = false;
        }
        pending.clear();
        self.pending = pending;
    }

    /// Regular payments run from the first month at risk to the month before an early exit
    /// (or to maturity / the horizon); the loan is live at the start of each month from the
    /// first at risk up to the exit or maturity. `size` and `count` may be those of several
    /// loans of the same segment and start that all run to maturity.
    #[inline(always)]
    fn mark_payments(
        &mut self,
        s: usize,
        start: i64,
        size: f64,
        count: i64,
        exit: Option<(i64, Exit)>,
    ) {
        let seg = &self.terms.segments[s];
        let (lo, hi) = self.window;
        let first = start.max(lo);
        let maturity = start + seg.term as i64 - 1;
        let last = maturity.min(hi);
        let row = s * self.stride;
        let exit_month = exit.map_or(NEVER, |(month, _)| month);
        let last_paying = if exit.is_some() { exit_month - 1 } else { last };
        add_interval(
            &mut self.d_grace[row..row + self.stride],
            first.max(start),
            last_paying.min(start + seg.grace as i64 - 1),
            size,
        );
        add_interval(
            &mut self.d_annuity[row..row + self.stride],
            first.max(start + seg.grace as i64),
            last_paying.min(maturity),
            size,
        );
        let last_live = if exit.is_some() { exit_month } else { maturity };
        self.d_active[row + first as usize] += count;
        let end = (last_live + 1).min(hi + 2) as usize;
        self.d_active[row + end] -= count;
    }

    /// The balance leaving the book at an early exit, and on a default the recovery arriving
    /// after the segment's lag (none after the horizon).
    #[inline(always)]
    fn mark_exit(
        &mut self,
        s: usize,
        start: i64,
        size: f64,
        month: i64,
        exit: Exit,
        draws: LoanDraws,
    ) {
        let seg = &self.terms.segments[s];
        let at = s * self.stride + month as usize;
        let e = month as usize;
        let balance = size * seg.schedule.balance_factor((month - start) as usize);
        match exit {
            Exit::Default => {
                self.write_off[at] += balance;
                self.defaults[e] += 1;
                // The segment's part of the horizon's net loss: the very amounts the months
                // read, so the segments sum to `net_loss` up to the order of the sums.
                let horizon = self.terms.months;
                if e < horizon {
                    self.losses.defaults[s] += 1;
                    self.losses.written_off[s] += balance;
                }
                // A recovery after the horizon counts only where the book may run off (then
                // the arrays reach every recovery); otherwise it is not drawn at all.
                let arrival = e + seg.recovery_lag;
                if arrival < self.recoveries.len() {
                    let recovered = balance * seg.recovery_rate(draws.seed(Purpose::Recovery));
                    self.recoveries[arrival] += recovered;
                    if arrival < horizon {
                        self.losses.recovered[s] += recovered;
                    }
                    if recovered > 0.0 {
                        self.last_recovery = self.last_recovery.max(arrival as i64);
                    }
                }
            }
            Exit::Graduation => {
                self.prepaid[at] += balance;
                self.graduations[e] += 1;
            }
            Exit::Prepayment => {
                self.prepaid[at] += balance;
                self.prepayments[e] += 1;
            }
        }
    }

    /// Start month `t`: the loans live now, summed over segments.
    pub fn open_month(&mut self, t: usize) -> i64 {
        self.flush();
        let mut active = 0;
        for (s, live) in self.active.iter_mut().enumerate() {
            *live += self.d_active[s * self.stride + t];
            active += *live;
        }
        active
    }

    /// docs/model.md §5 steps 1–4 for month `t`: recoveries, exits, regular payments.
    ///
    /// Exact per segment (see the engine's module paragraph): interest is the monthly rate
    /// times the book after the month's exits, payments come from the running principals.
    pub fn collect(&mut self, t: usize) -> BookMonth {
        self.flush();
        let mut month = BookMonth {
            recovered: self.recoveries[t],
            defaults: self.defaults[t],
            prepayments: self.prepayments[t],
            graduations: self.graduations[t],
            ..BookMonth::default()
        };
        for (s, seg) in self.terms.segments.iter().enumerate() {
            let at = s * self.stride + t;
            month.written_off += self.write_off[at];
            month.prepaid += self.prepaid[at];
            self.outstanding[s] -= self.write_off[at] + self.prepaid[at];
            self.grace_principal[s] += self.d_grace[at];
            self.annuity_principal[s] += self.d_annuity[at];
            let seg_interest = seg.monthly_rate * self.outstanding[s];
            let payment = seg.monthly_rate * self.grace_principal[s]
                + seg.annuity_factor * self.annuity_principal[s];
            self.outstanding[s] -= payment - seg_interest;
            month.interest += seg_interest;
            month.repaid += payment - seg_interest;
        }
        month
    }

    /// End month `t`: the loans live at the start of the next, and the book outstanding.
    pub fn close_month(&mut self, t: usize) -> (i64, f64) {
        self.flush();
        let mut active_end = 0;
        for (s, live) in self.active.iter().enumerate() {
            let live_next = live + self.d_active[s * self.stride + t + 1];
            if live_next == 0 {
                // No loan left: clear the rounding dust of the running sums.
                self.outstanding[s] = 0.0;
            }
            active_end += live_next;
        }
        (active_end, self.outstanding())
    }
}

/// Add `amount` to the months `lo ..= hi` of a difference array (nothing if empty).
#[inline]
fn add_interval(diff: &mut [f64], lo: i64, hi: i64, amount: f64) {
    if lo <= hi {
        diff[lo as usize] += amount;
        diff[hi as usize + 1] -= amount;
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::schedule::Schedule;

    /// A segment of `term` months, 2 of grace, at 12% a year, with no hazard unless `pd` > 0.
    pub(in crate::engine) fn segment(term: usize, pd: f64) -> SegmentModel {
        let schedule = Schedule::new(term, 2, 0.12);
        SegmentModel {
            term,
            grace: 2,
            monthly_rate: schedule.monthly_rate(),
            annuity_factor: schedule.annuity_factor(),
            schedule,
            annual_pd: [pd, pd],
            seasoning: vec![1.0],
            followup_hazard: 0.0,
            followup_min_age: 0,
            prepay_hazard: 0.0,
            size_mu: 0.0,
            size_sigma: 0.0,
            mean_size: 10_000.0,
            min_size: 1_000.0,
            origination_fee: 0.0,
            recovery_mean: 0.25,
            recovery: None,
            recovery_lag: 3,
            jobs_per_loan: 1.0,
            initial_ages: 1,
        }
    }

    /// Draws whose uniforms all lead with zeros: the smallest, no event at any hazard below
    /// 36 a month.
    fn quiet() -> LoanDraws {
        LoanDraws::from_words(0, 7)
    }

    /// Draws whose uniforms all lead with ones: within 2^-16 of 1, so an exponential below
    /// 2^-15, an event in the first month at risk at any monthly hazard above that.
    fn eventful() -> LoanDraws {
        LoanDraws::from_words(u64::MAX, 7)
    }

    fn book(segments: &[SegmentModel], months: usize) -> Book<'_> {
        let mut book = Book::new(BookTerms {
            segments,
            months,
            span: months,
            earliest_start: 0,
            followup: FollowupModel {
                referral_share: 0.5,
                size_multiplier: 1.0,
            },
            size_cap: 50_000.0,
        });
        book.begin_path(&vec![0.0; months / 12], 0.1);
        book
    }

    /// A loan that never leaves early pays exactly its schedule through the per-segment sums:
    /// the principal back by maturity, interest `i·B(a)` each month.
    #[test]
    fn a_loan_to_maturity_repays_its_principal() {
        let segments = [segment(12, 0.0)];
        let mut book = book(&segments, 24);
        book.place(0, false, 0, 10_000.0, 10_000.0, quiet());
        let (mut repaid, mut interest) = (0.0, 0.0);
        for t in 0..24 {
            let live = book.open_month(t);
            assert_eq!(live, (t < 12) as i64, "month {t}");
            let month = book.collect(t);
            let expected = 0.01 * 10_000.0 * segments[0].schedule.balance_factor(t);
            assert!((month.interest - expected).abs() < 1e-9, "month {t}");
            repaid += month.repaid;
            interest += month.interest;
            book.close_month(t);
        }
        assert!((repaid - 10_000.0).abs() < 1e-9, "{repaid}");
        assert!(interest > 0.0);
        assert_eq!(book.outstanding(), 0.0);
    }

    /// A default writes off the balance at that month and brings the mean recovery after the
    /// segment's lag; the loan pays nothing from then on.
    #[test]
    fn a_default_writes_off_and_recovers_later() {
        let segments = [segment(12, 0.5)];
        let mut book = book(&segments, 24);
        // The largest draws default in the first month at risk.
        book.place(0, false, 0, 10_000.0, 10_000.0, eventful());
        let first = {
            book.open_month(0);
            book.collect(0)
        };
        assert_eq!(first.defaults, 1);
        assert_eq!(first.written_off, 10_000.0);
        assert_eq!(first.repaid + first.interest, 0.0);
        let (active, outstanding) = book.close_month(0);
        assert_eq!((active, outstanding), (0, 0.0));
        for t in 1..24 {
            book.open_month(t);
            let month = book.collect(t);
            let recovered = if t == 3 { 2_500.0 } else { 0.0 };
            assert_eq!(month.recovered, recovered, "month {t}");
            book.close_month(t);
        }
    }

    /// Loans that meet no event, summed per (segment, start) by `place`, leave the marks that
    /// one loan at a time leaves: the same live counts exactly, the same money to rounding,
    /// for the initial book's many starts, a grace period, and loans that outlive the horizon.
    #[test]
    fn pending_sums_leave_the_marks_of_one_loan_at_a_time() {
        let segments = [segment(12, 0.0), segment(30, 0.0)];
        let earliest = -20;
        let months = 24;
        let terms = BookTerms {
            segments: &segments,
            months,
            span: months,
            earliest_start: earliest,
            followup: FollowupModel {
                referral_share: 0.5,
                size_multiplier: 1.0,
            },
            size_cap: 50_000.0,
        };
        let (mut summed, mut single) = (Book::new(terms), Book::new(terms));
        for b in [&mut summed, &mut single] {
            b.begin_path(&vec![0.0; months / 12], 0.1);
        }
        let loans: Vec<(usize, i64, f64)> = (0..400)
            .map(|i| {
                // Initial-book loans are younger than their term, so still live in month 0.
                let s = i % 2;
                let start = (earliest + (i as i64 * 7) % 46).max(1 - segments[s].term as i64);
                (s, start, 1_000.0 + 37.0 * i as f64)
            })
            .collect();
        for &(s, start, size) in &loans {
            let balance = size
                * segments[s]
                    .schedule
                    .balance_factor((-start).max(0) as usize);
            let fate = summed.place(s, false, start, size, balance, quiet());
            assert!(fate.exit.is_none() && fate.request_month.is_none());
            single.place_with_event(s, false, start, size, balance, quiet());
        }
        assert!(!summed.pending.is_empty(), "the loans were summed");
        let (x, y) = (summed.outstanding(), single.outstanding());
        assert!((x - y).abs() <= 1e-9 * y, "outstanding {x} {y}");
        for t in 0..months {
            assert_eq!(summed.open_month(t), single.open_month(t), "month {t}");
            let (a, b) = (summed.collect(t), single.collect(t));
            for (x, y) in [(a.interest, b.interest), (a.repaid, b.repaid)] {
                assert!(
                    (x - y).abs() <= 1e-9 * y.abs().max(1.0),
                    "month {t}: {x} {y}"
                );
            }
            let (live_a, book_a) = summed.close_month(t);
            let (live_b, book_b) = single.close_month(t);
            assert_eq!(live_a, live_b, "month {t}");
            assert!(
                (book_a - book_b).abs() <= 1e-9 * book_b.max(1.0),
                "month {t}"
            );
        }
    }
}
