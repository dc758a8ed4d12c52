//! One path of the lender's future, month by month (docs/model.md §3–§6).
//!
//! Each loan's fate is drawn once, when the loan is created: its default, follow-up-need and
//! prepayment months come from exponential draws against cumulative hazards (docs/model.md §4), so
//! no loan is visited month by month. A loan then only leaves marks in per-month arrays: the
//! months in which its principal pays interest only or an annuity, the month and amount of its
//! exit, its recovery, its follow-up request. The month loop reads those arrays per segment,
//! so a path costs O(loans + months × segments), not O(loans × months).
//!
//! Why the aggregates are exact: within a segment every paying loan pays `i·B(a)` interest, and
//! `i·P` (grace) or `A·P` (annuity) in all. The segment's interest is therefore `i` times its
//! book after the month's exits, and its payments are `i·ΣP(grace) + A·ΣP(annuity)`; both
//! sums are kept as difference arrays over months.
//!
//! Randomness: four streams per path, each seeded from (seed, path index, purpose) only — the
//! credit cycle, the initial book, new demand, and follow-up loans (a fifth, drawn before the
//! path's model is built, holds the values of uncertain parameters: `crate::uncertainty`). Every
//! request takes the same words whether or not it is granted, so that scenarios that differ in
//! one parameter keep their draws aligned (common random numbers); what only some loans need
//! (the rest of a uniform, a recovery rate, the BMKB's draws) each loan reads from a key of its
//! own, lazily (`draws.rs`).
//!
//! The parts: `streams` seeds the random streams and `draws` takes a loan's draws from them;
//! `applicant` draws a new loan's segment and size; `hazards` draws the credit cycle and the
//! default hazards it implies; `fate` decides a loan's fate; `book` holds the loans' marks and
//! reads a month of them; `lender` keeps the balance sheet and its rules; `bmkb` the state's
//! BMKB guarantees; `ledger` the state's flows and the settlement; `totals` sums the months
//! into the path's metrics. [`Workspace`] runs a path's months through them, one named step
//! each, in the order of docs/model.md §5.
//!
//! After the horizon (docs/model.md §11.2): a lender that settles at par settles there; one
//! that runs off stops lending and its book runs off month by month until nothing is live or
//! due. The horizon's months are simulated by the very same code either way, so every outcome
//! within the horizon is the same to the bit; the loans that may outlive the horizon are kept
//! as they are placed (their draws, size, segment, start), and at the horizon placed again
//! with fates over their whole lives, which continue their own draws (`Book::place_run_off`).

mod applicant;
mod bmkb;
mod book;
mod draws;
mod fate;
mod hazards;
pub use hazards::DEFENSIVE_SHARE;
mod ledger;
mod lender;
mod streams;
mod totals;

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::metrics::{Scalar, Yearly};
use crate::model::Model;
use crate::scenario::Settlement;
use applicant::SegmentPicker;
use bmkb::{Backed, Channel, Guarantees};
use book::{Book, BookTerms, Gate};
use draws::{LoanDraws, Purpose};
use fate::{Exit, Fate};
use ledger::{BmkbFlows, Ledger, StateFlows};
use lender::{Lender, Phase, Resolved};
use streams::MonthStreams;
use streams::stream;
use totals::{BmkbTotals, Grants, Month, RunOffTotals, Totals};

/// What one path produced.
#[derive(Debug, Clone, PartialEq)]
pub struct PathOutcome {
    /// Path index (its random streams depend on this and the seed alone).
    pub index: u64,
    /// Scalar metrics indexed by [`Scalar::index`]; `None` where undefined.
    pub scalars: [Option<f64>; Scalar::COUNT],
    /// Yearly metrics, row-major: `yearly[row * Yearly::COUNT + metric]`, the horizon's years
    /// and then the ledger's rows after it ([`crate::Shape`]).
    pub yearly: Vec<f64>,
    /// Who bore the loss (docs/model.md §7): per segment its loans granted, defaults and net
    /// loss, then the BMKB's claims per channel, laid out by [`crate::segments`].
    pub segments: Vec<f64>,
    /// Initial-book loans plus loans granted: the throughput unit.
    pub loans_simulated: u64,
    /// The path's likelihood ratio under `tail` sampling (docs/model.md §12); 1 otherwise.
    pub weight: f64,
}

impl PathOutcome {
    /// A scalar metric (`None` where undefined).
    pub fn scalar(&self, m: Scalar) -> Option<f64> {
        self.scalars[m.index()]
    }

    /// A yearly metric for row `year` (0-based: a report year, or a ledger row after them).
    pub fn yearly(&self, year: usize, m: Yearly) -> f64 {
        self.yearly[year * Yearly::COUNT + m.index()]
    }
}

/// One month's bookkeeping, recorded only when a trace is asked for (tests, debugging).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonthTrace {
    pub month: usize,
    /// `K_t` and `K_{t+1}`.
    pub capital_start: f64,
    pub capital_end: f64,
    pub interest: f64,
    pub origination_fees: f64,
    pub recoveries: f64,
    /// BMKB claims paid to the lender on its own backed loans (docs/model.md §10), with the
    /// recoveries at step 1.
    pub claims_received: f64,
    /// BMKB premiums received and claims paid by the state this month, both channels.
    pub bmkb_premiums: f64,
    pub bmkb_claims: f64,
    pub graduations: u32,
    /// Costs of step 5: fixed, per active loan, external interest, guarantee fee, state loan.
    pub running_costs: f64,
    /// The state loan repaid from cash in the run-off (step 7), and capital the state injected
    /// at the month's end in a resolution (after `capital_end`): both move capital.
    pub state_repaid: f64,
    pub injection: f64,
    /// Per-new-loan and coaching costs of the loans granted this month.
    pub new_loan_costs: f64,
    pub write_offs: f64,
    /// Scheduled principal repaid (step 4), prepaid principal (step 3), disbursed (step 6).
    pub principal_repaid: f64,
    pub principal_prepaid: f64,
    pub disbursed: f64,
    pub cash_end: f64,
    pub book_end: f64,
    pub debt_end: f64,
    pub active_start: i64,
    pub active_end: i64,
    pub lending_open: bool,
    pub granted: u32,
    pub rationed: u32,
    pub defaults: u32,
}

/// Per-thread scratch space for simulating paths; reused so that a path allocates almost
/// nothing. Results depend only on the model and the path index, never on what the workspace
/// simulated before.
pub struct Workspace<'m> {
    model: &'m Model,
    /// The lender's loans.
    book: Book<'m>,
    /// The path's systemic factor per year.
    cycle: Vec<f64>,
    /// With rqmc, the path's yearly innovations from its Sobol' point (scratch space).
    cycle_normals: Vec<f64>,
    /// The BMKB's guarantees on the lender's loans and its graduates' bank loans.
    guarantees: Guarantees<'m>,
    /// A loan's segment from its segment uniform.
    picker: SegmentPicker,
    /// Scratch: per segment, what a month's loop needs for its new loans; per segment and
    /// age, the gates of the initial book.
    new_loans: Vec<NewLoans>,
    initial_gates: Vec<Gate>,
    /// Where the lender may run off: the loans that may outlive the horizon, in the order
    /// they were placed, to place again at the horizon (docs/model.md §11.2).
    kept: Vec<Kept>,
    /// Loans granted per segment on this path (follow-up loans in their parent's segment),
    /// counted where they are granted.
    granted: Vec<u64>,
}

/// A loan kept for the run-off: what decides its fate and marks.
#[derive(Debug, Clone, Copy)]
struct Kept {
    draws: LoanDraws,
    size: f64,
    start: i32,
    segment: u16,
    followup: bool,
    /// Granted by the lender (not the initial book): it may be BMKB-backed.
    granted: bool,
}

/// What the month's loop needs of one segment for its new applicants, in one place.
#[derive(Debug, Clone, Copy)]
struct NewLoans {
    gate: Gate,
    fee_rate: f64,
    jobs: f64,
    /// Whether a loan that meets no event needs nothing more: no BMKB backing to draw.
    plain: bool,
    /// Whether the loan may outlive the horizon of a lender that may run off: kept.
    keep: bool,
}

impl<'m> Workspace<'m> {
    /// Scratch space for simulating paths of `model`.
    pub fn new(model: &'m Model) -> Workspace<'m> {
        Workspace {
            model,
            book: Book::new(BookTerms::lender(model)),
            cycle: Vec::with_capacity(model.years),
            cycle_normals: Vec::new(),
            guarantees: Guarantees::new(model),
            picker: SegmentPicker::new(&model.share_cdf),
            new_loans: Vec::with_capacity(model.segments.len()),
            initial_gates: Vec::new(),
            kept: Vec::new(),
            granted: vec![0; model.segments.len()],
        }
    }

    /// Simulate path `index` and return its outcomes.
    pub fn simulate(&mut self, index: u64) -> PathOutcome {
        self.run(index, None)
    }

    /// Simulate path `index`, recording every month's bookkeeping.
    pub fn simulate_traced(&mut self, index: u64) -> (PathOutcome, Vec<MonthTrace>) {
        let mut trace = Vec::with_capacity(self.model.months);
        let out = self.run(index, Some(&mut trace));
        (out, trace)
    }

    fn run(&mut self, index: u64, mut trace: Option<&mut Vec<MonthTrace>>) -> PathOutcome {
        let model = self.model;
        let horizon = model.months;
        self.kept.clear();
        self.granted.fill(0);
        let weight = self.draw_credit_cycle(index);
        self.place_initial_book(index);
        let book_0 = self.book.outstanding();
        let mut lender = Lender::open(&model.lender, book_0, model.initial_loans > 0);
        let mut totals = Totals::new(model.shape.rows, lender.capital, lender.debt);
        let mut ledger = Ledger::new(model, lender.exposure());
        let mut run_off = RunOffTotals::default();
        let mut streams = MonthStreams::new(model.seed, index);
        // Loans live at the start of the coming month (after the last close).
        let mut live = model.initial_loans as i64;
        let mut final_capital = lender.capital;
        let mut t = 0;
        loop {
            if t == horizon {
                final_capital = lender.capital;
                if lender.phase == Phase::Open {
                    match model.state.settlement {
                        Settlement::Par => {
                            ledger.settle(t, lender.settle(), false, model.state.subsidy_per_month);
                        }
                        Settlement::RunOff => lender.run_off(),
                    }
                }
                if lender.phase == Phase::RunOff {
                    self.place_run_off();
                }
            }
            if lender.phase == Phase::RunOff
                && live == 0
                && self.book.last_recovery() < t as i64
                && self.guarantees.last_received < t as i64
            {
                ledger.settle(t, lender.settle(), true, model.state.subsidy_per_month);
            }
            if t >= horizon && lender.phase == Phase::Settled {
                break;
            }
            let settled = lender.phase == Phase::Settled;
            let mut month = self.simulate_month(t, &mut lender, &mut streams);
            live = month.active_end;
            if t < horizon {
                match lender.resolve(month.book_end, month.active_end > 0) {
                    Resolved::No => {}
                    resolved => {
                        ledger.resolution_month.get_or_insert(t);
                        if let Resolved::Injected(amount) = resolved {
                            month.injection = amount;
                        }
                    }
                }
                totals.add(&month, &model.state);
            } else {
                run_off.add(&month);
            }
            if !settled {
                let flows = StateFlows {
                    interest: month.costs.state_interest,
                    fees: month.costs.fees,
                    injection: month.injection,
                    advance: month.state_repaid,
                    lent: month.state_lent,
                };
                ledger.add_month(
                    t,
                    &flows,
                    lender.exposure(),
                    model.state.discount[t],
                    model.state.subsidy_per_month,
                );
            }
            if let Some(trace) = trace.as_deref_mut() {
                trace.push(MonthTrace::of(&month));
            }
            t += 1;
        }
        let loans_simulated = model.initial_loans + totals.granted();
        let mut exposure = vec![0.0; model.years];
        self.guarantees.exposure(&model.segments, &mut exposure);
        let exposure_after = self.exposure_after(&ledger, &exposure);
        let g = &self.guarantees;
        let bmkb = BmkbTotals {
            pending: g.pending,
            pending_pv: g.pending_pv,
            guarantees: g.count,
            exposure: &exposure,
            flows: BmkbFlows {
                premiums: &g.premiums,
                claims: &g.claims,
                late_claims: &g.late_claims,
                exposure_after: &exposure_after,
            },
        };
        let run_off_settled = ledger.settled.is_some_and(|s| s.run_off);
        let (scalars, yearly) =
            totals.finish(model, book_0, final_capital, &bmkb, &run_off, &ledger);
        PathOutcome {
            index,
            scalars,
            yearly,
            segments: self.who_bore_the_loss(run_off_settled),
            loans_simulated,
            weight,
        }
    }

    /// docs/model.md §7, "Per segment": the path's row of [`crate::segments`], from the
    /// counts and sums kept where each loan was granted, written off or recovered and each
    /// claim written, and the BMKB's claims of the account the path settled (those of a
    /// run-off's whole account, or under par those paid in the horizon, as `bmkb_claims`).
    fn who_bore_the_loss(&self, run_off: bool) -> Vec<f64> {
        use crate::segments::{Channel as Ch, Field, channel_value, segment_value};
        let n = self.model.segments.len();
        let mut row = vec![0.0; crate::segments::values_per_path(n)];
        let losses = self.book.segment_losses();
        for s in 0..n {
            row[segment_value(s, Field::LoansGranted)] = self.granted[s] as f64;
            row[segment_value(s, Field::Defaults)] = losses.defaults[s] as f64;
            row[segment_value(s, Field::NetLoss)] = losses.written_off[s] - losses.recovered[s];
        }
        let claims = self.guarantees.claims_by_channel(run_off);
        row[channel_value(n, Ch::Graduates)] = claims[Channel::Bank as usize];
        row[channel_value(n, Ch::Own)] = claims[Channel::Own as usize];
        row
    }

    /// docs/model.md §11.4: the BMKB's exposure in each row after the horizon. The one row
    /// `after` holds it at settlement (under par, at the horizon); with the run-off's years,
    /// each row's at its last month. Credits are followed after the horizon only where the
    /// lender may run off; under par the first row after the horizon holds the exposure at it.
    fn exposure_after(&self, ledger: &Ledger, horizon: &[f64]) -> Vec<f64> {
        let model = self.model;
        let shape = model.shape;
        let after = shape.rows - shape.years;
        let at_horizon = horizon.last().copied().unwrap_or(0.0);
        let run_off = ledger.settled.is_some_and(|s| s.run_off);
        if !run_off {
            let mut out = vec![0.0; after];
            out[0] = at_horizon;
            return out;
        }
        let t = model.months as i64;
        let settled = ledger.settled.map_or(t, |s| s.month as i64);
        let at = |m: i64| self.guarantees.exposure_at(&model.segments, m);
        if shape.run_off_years {
            (0..after as i64).map(|k| at(t + 12 * k + 11)).collect()
        } else {
            vec![at(settled.max(t) - 1)]
        }
    }

    /// docs/model.md §11.2: at the horizon the book runs off. The loans that may outlive it
    /// are placed again over their whole lives; those live at `T` leave their marks from `T`
    /// on, their BMKB guarantees run on, and a graduation after the horizon becomes a bank
    /// loan as within it.
    fn place_run_off(&mut self) {
        let model = self.model;
        self.book.begin_run_off();
        let kept = std::mem::take(&mut self.kept);
        let bmkb = &model.bmkb;
        for k in &kept {
            let segment = k.segment as usize;
            let start = k.start as i64;
            let Some(fate) = self
                .book
                .place_run_off(segment, k.followup, start, k.size, k.draws)
            else {
                continue;
            };
            if k.granted
                && bmkb.enabled
                && bmkb.own_share[segment] > 0.0
                && k.draws.uniform(Purpose::Backed) < bmkb.own_share[segment]
            {
                let seg = &model.segments[segment];
                self.guarantees.run_off(&Backed {
                    channel: Channel::Own,
                    segment,
                    seg,
                    terms: bmkb.own_terms[segment],
                    grant: start - 1,
                    size: k.size,
                    exit: fate.exit.map(|(month, _)| month),
                    default_recovery: match fate.exit {
                        Some((_, Exit::Default)) => {
                            Some(seg.recovery_rate(k.draws.seed(Purpose::Recovery)))
                        }
                        _ => None,
                    },
                });
            }
            self.bank_loan_on_graduation(segment, k.size, &fate, k.draws);
        }
        self.kept = kept;
    }

    /// Keep a loan placed now for the run-off.
    #[inline]
    fn keep(&mut self, segment: usize, followup: bool, start: i64, size: f64, draws: LoanDraws) {
        self.kept.push(Kept {
            draws,
            size,
            start: start as i32,
            segment: segment as u16,
            followup,
            granted: start > 0,
        });
    }

    /// docs/model.md §3: the systemic factor per calendar year, and from it each segment's monthly
    /// default hazards for the path. Returns the path's likelihood ratio (§12; 1 unless `tail`).
    fn draw_credit_cycle(&mut self, index: u64) -> f64 {
        let model = self.model;
        let mut rng = stream(model.seed, index, streams::CYCLE);
        let mut normals = std::mem::take(&mut self.cycle_normals);
        let weight =
            hazards::draw_cycle(&model.cycle, index, &mut rng, &mut normals, &mut self.cycle);
        self.cycle_normals = normals;
        self.book
            .begin_path(&self.cycle, model.cycle.asset_correlation);
        self.guarantees
            .begin_path(&self.cycle, model.cycle.asset_correlation);
        weight
    }

    /// docs/model.md §4, §6: the loans on the book at month 0, of ages drawn uniformly.
    fn place_initial_book(&mut self, index: u64) {
        let model = self.model;
        // A local generator, so that its state stays in registers through the loop.
        let mut rng = stream(model.seed, index, streams::BOOK);
        let ages = model
            .segments
            .iter()
            .map(|seg| seg.initial_ages)
            .max()
            .unwrap_or(0);
        let mut gates = std::mem::take(&mut self.initial_gates);
        gates.clear();
        for (s, seg) in model.segments.iter().enumerate() {
            gates.extend((0..ages).map(|age| {
                let age = age.min(seg.initial_ages - 1);
                self.book.gate(s, false, -(age as i64))
            }));
        }
        for _ in 0..model.initial_loans {
            let draws = LoanDraws::draw(&mut rng);
            let segment = self.picker.pick(draws);
            let seg = &model.segments[segment];
            let size = applicant::size(seg, model.size_cap, StandardNormal.sample(&mut rng));
            // floor(u · ages) for the 53-bit uniform u, in integers: exact, and a few
            // instructions where the floating-point product and conversion take many.
            let age = (((rng.next_u64() >> 11) as u128 * seg.initial_ages as u128) >> 53) as usize;
            let gate = &gates[segment * ages + age];
            let live = if gate.passes(draws) {
                self.book.place_quiet(gate, size);
                true
            } else {
                self.place_initial_with_event(segment, age, size, draws)
            };
            // A loan that may outlive the horizon of a lender that may run off is kept for it,
            // unless it left the book within the horizon.
            if live && model.may_run_off && seg.term as i64 - 1 - age as i64 >= model.months as i64
            {
                self.keep(segment, false, -(age as i64), size, draws);
            }
        }
        self.initial_gates = gates;
    }

    /// An initial-book loan of `age` months whose draws may meet an event; whether it is still
    /// on the book at the horizon's end.
    #[inline(never)]
    fn place_initial_with_event(
        &mut self,
        segment: usize,
        age: usize,
        size: f64,
        draws: LoanDraws,
    ) -> bool {
        let balance = size * self.model.segments[segment].schedule.balance_factor(age);
        let fate = self
            .book
            .place_with_event(segment, false, -(age as i64), size, balance, draws);
        self.bank_loan_on_graduation(segment, size, &fate, draws);
        fate.exit.is_none()
    }

    /// docs/model.md §10 channel (a): a loan that graduates becomes a bank loan, BMKB-backed
    /// with probability `graduate_share`, whose draws are in the graduating loan's key.
    // Every loan passes here and few graduate: the test inline, the work out of line.
    #[inline(always)]
    fn bank_loan_on_graduation(
        &mut self,
        segment: usize,
        size: f64,
        fate: &Fate,
        draws: LoanDraws,
    ) {
        if let Some((month, Exit::Graduation)) = fate.exit
            && self.model.bmkb.enabled
        {
            self.graduate_to_bank(segment, size, month, draws);
        }
    }

    #[inline(never)]
    fn graduate_to_bank(&mut self, segment: usize, size: f64, month: i64, draws: LoanDraws) {
        let model = self.model;
        self.guarantees.graduate(
            segment,
            size,
            month,
            model.followup.size_multiplier,
            model.size_cap,
            draws,
        );
    }

    /// docs/model.md §5: one month of the lender and its book (after the horizon, of its
    /// run-off: no request arises and none is granted).
    fn simulate_month(
        &mut self,
        t: usize,
        lender: &mut Lender,
        streams: &mut MonthStreams,
    ) -> Month {
        lender.begin_month(t);
        let capital_start = lender.capital;
        let lending_open = lender.lending_open;
        let state_lent = lender.state_lent - lender.state_repaid;
        let active_start = self.book.open_month(t);
        // Steps 1–4: recoveries and BMKB claims, then exits and regular payments.
        let book = self.book.collect(t);
        lender.receive(book.recovered);
        let claims_received = self.guarantees.received[t];
        // Only when there is one, so that a scenario without BMKB adds not even a zero.
        if claims_received != 0.0 {
            lender.receive(claims_received);
        }
        lender.receive(book.prepaid + book.interest + book.repaid);
        let costs = lender.pay_running_costs(active_start);
        let mut grants = Grants::default();
        if t < self.model.months {
            self.grant_followups(t, lender, streams, &mut grants);
            self.grant_new_demand(t, lender, streams, &mut grants);
        }
        let funded = lender.fund();
        let (active_end, book_end) = self.book.close_month(t);
        lender.close_month(book_end, active_end > 0);
        Month {
            month: t,
            capital_start,
            book,
            claims_received,
            bmkb_premiums: self.guarantees.premiums[t],
            bmkb_claims: self.guarantees.claims[t],
            costs,
            new_loan_costs: grants.granted as f64 * self.model.lender.cost_per_new_loan,
            state_repaid: funded.state_repaid,
            injection: 0.0,
            state_lent,
            grants,
            lending_open,
            shortfall: funded.short,
            active_start,
            active_end,
            cash_end: lender.cash,
            book_end,
            debt_end: lender.debt,
            capital_end: lender.capital,
        }
    }

    /// Step 6, first the follow-up requests falling due in month `t`, in the order their
    /// parents were created.
    fn grant_followups(
        &mut self,
        t: usize,
        lender: &mut Lender,
        streams: &mut MonthStreams,
        grants: &mut Grants,
    ) {
        let model = self.model;
        // Placing a loan adds requests only for months after `t`, so month `t`'s list stays put.
        for i in 0..self.book.requests(t).len() {
            let request = self.book.requests(t)[i];
            let draws = LoanDraws::draw(&mut streams.followup);
            let segment = request.segment as usize;
            let seg = &model.segments[segment];
            let (size, fee) = (request.size, seg.origination_fee * request.size);
            if !lender.try_lend(size, fee) {
                grants.rationed += 1;
                continue;
            }
            // docs/model.md §10: each firm's jobs once, with its first loan.
            grants.grant(size, fee, 0.0);
            grants.followups += 1;
            self.granted[segment] += 1;
            let gate = self.book.gate(segment, true, t as i64 + 1);
            let keep = model.may_run_off && t + seg.term >= model.months;
            self.place_granted(t, &gate, segment, true, size, draws, keep);
        }
    }

    /// Step 6, then the new applications of month `t`.
    ///
    /// Every applicant of the month starts in `t + 1`, so what the loop needs of each segment
    /// is gathered first; a loan that meets no event and needs no BMKB draw is then settled in
    /// the loop, and only the others leave it.
    fn grant_new_demand(
        &mut self,
        t: usize,
        lender: &mut Lender,
        streams: &mut MonthStreams,
        grants: &mut Grants,
    ) {
        let model = self.model;
        let Some(poisson) = &model.demand[t / 12] else {
            return;
        };
        // A local generator, so that its state stays in registers through the loop.
        let mut rng = streams.demand.clone();
        let n = poisson.sample(&mut rng) as u64;
        let bmkb = &model.bmkb;
        let mut new_loans = std::mem::take(&mut self.new_loans);
        new_loans.clear();
        new_loans.extend(model.segments.iter().enumerate().map(|(s, seg)| NewLoans {
            gate: self.book.gate(s, false, t as i64 + 1),
            fee_rate: seg.origination_fee,
            jobs: seg.jobs_per_loan,
            plain: !(bmkb.enabled && bmkb.own_share[s] > 0.0),
            keep: model.may_run_off && t + seg.term >= model.months,
        }));
        for _ in 0..n {
            let draws = LoanDraws::draw(&mut rng);
            let segment = self.picker.pick(draws);
            let z: f64 = StandardNormal.sample(&mut rng);
            let size = applicant::size(&model.segments[segment], model.size_cap, z);
            let terms = &new_loans[segment];
            let fee = terms.fee_rate * size;
            if !lender.try_lend(size, fee) {
                grants.rationed += 1;
                continue;
            }
            grants.grant(size, fee, terms.jobs);
            self.granted[segment] += 1;
            if terms.plain & terms.gate.passes(draws) {
                self.book.place_quiet(&terms.gate, size);
                if terms.keep {
                    self.keep(segment, false, t as i64 + 1, size, draws);
                }
            } else {
                let keep = terms.keep;
                self.place_granted(t, &terms.gate, segment, false, size, draws, keep);
            }
        }
        streams.demand = rng;
        self.new_loans = new_loans;
    }

    /// A loan granted in month `t`, whose gate is `gate`, goes on the book from month `t + 1`:
    /// its fate, its BMKB backing (with BMKB on, iff its backing uniform is below the
    /// segment's `bmkb_share`) and a graduate's bank loan; with `keep`, kept for the run-off
    /// unless it leaves the book within the horizon.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn place_granted(
        &mut self,
        t: usize,
        gate: &Gate,
        segment: usize,
        followup: bool,
        size: f64,
        draws: LoanDraws,
        keep: bool,
    ) {
        let fate = self
            .book
            .place_at(gate, segment, followup, t as i64 + 1, size, size, draws);
        let bmkb = &self.model.bmkb;
        // The share first: with none, the uniform need not be computed.
        if bmkb.enabled
            && bmkb.own_share[segment] > 0.0
            && draws.uniform(Purpose::Backed) < bmkb.own_share[segment]
        {
            let seg = &self.model.segments[segment];
            self.guarantees.back(&Backed {
                channel: Channel::Own,
                segment,
                seg,
                terms: bmkb.own_terms[segment],
                grant: t as i64,
                size,
                exit: fate.exit.map(|(month, _)| month),
                default_recovery: match fate.exit {
                    Some((_, Exit::Default)) => {
                        Some(seg.recovery_rate(draws.seed(Purpose::Recovery)))
                    }
                    _ => None,
                },
            });
        }
        self.bank_loan_on_graduation(segment, size, &fate, draws);
        if keep && fate.exit.is_none() {
            self.keep(segment, followup, t as i64 + 1, size, draws);
        }
    }
}

impl MonthTrace {
    fn of(m: &Month) -> MonthTrace {
        MonthTrace {
            month: m.month,
            capital_start: m.capital_start,
            capital_end: m.capital_end,
            interest: m.book.interest,
            origination_fees: m.grants.fees,
            recoveries: m.book.recovered,
            claims_received: m.claims_received,
            bmkb_premiums: m.bmkb_premiums,
            bmkb_claims: m.bmkb_claims,
            graduations: m.book.graduations,
            running_costs: m.costs.operating + m.costs.funding,
            state_repaid: m.state_repaid,
            injection: m.injection,
            new_loan_costs: m.new_loan_costs,
            write_offs: m.book.written_off,
            principal_repaid: m.book.repaid,
            principal_prepaid: m.book.prepaid,
            disbursed: m.grants.disbursed,
            cash_end: m.cash_end,
            book_end: m.book_end,
            debt_end: m.debt_end,
            active_start: m.active_start,
            active_end: m.active_end,
            lending_open: m.lending_open,
            granted: m.grants.granted,
            rationed: m.grants.rationed,
            defaults: m.book.defaults,
        }
    }
}

/// Simulate one path with a fresh workspace (convenient, slower than reusing a [`Workspace`]).
pub fn simulate_path(model: &Model, index: u64) -> PathOutcome {
    Workspace::new(model).simulate(index)
}

/// The yearly innovations path `index` of `model` draws for its credit cycle (docs/model.md §3,
/// §12), the tail shift added where the model has one, and the path's likelihood ratio: what
/// `tail` sampling's pilot needs of each of its paths, without simulating them again.
pub fn cycle_innovations(model: &Model, index: u64) -> (Vec<f64>, f64) {
    let mut rng = stream(model.seed, index, streams::CYCLE);
    let mut normals = Vec::new();
    let mut factors = Vec::new();
    let cycle = crate::model::CycleModel {
        persistence: 0.0,
        innovation: 1.0,
        shifts: vec![0.0; model.cycle.shifts.len()],
        ..model.cycle.clone()
    };
    // With no persistence and no shift the factors are the innovations themselves.
    let weight = hazards::draw_cycle(&cycle, index, &mut rng, &mut normals, &mut factors);
    (factors, weight)
}

/// The engine's hot pieces one at a time, for the benchmarks (`benches/engine.rs`); not part
/// of the library's interface.
#[doc(hidden)]
pub mod parts {
    use super::*;

    impl Workspace<'_> {
        /// Decide the fates of `n` loans granted in month `t` (segments in turn), from the new-
        /// demand stream of path 0, on path 0's credit cycle; the book is emptied first and
        /// each loan leaves its marks. Returns the number that defaults, for `black_box`.
        #[doc(hidden)]
        pub fn place_fates(&mut self, t: usize, n: usize) -> u32 {
            let model = self.model;
            self.draw_credit_cycle(0);
            let mut rng = stream(model.seed, 0, streams::DEMAND);
            let segments = model.segments.len();
            for i in 0..n {
                let s = i % segments;
                let draws = LoanDraws::draw(&mut rng);
                let size = model.segments[s].mean_size;
                self.book.place(s, false, t as i64 + 1, size, size, draws);
            }
            (0..model.months)
                .map(|m| self.book.collect(m).defaults)
                .sum()
        }

        /// Draw month `t`'s new demand of path `index` — the number of applicants, each one's
        /// two words, segment and size — without granting any. Returns the number drawn.
        #[doc(hidden)]
        pub fn draw_demand(&mut self, index: u64, t: usize) -> u64 {
            let model = self.model;
            let mut rng = stream(model.seed, index, streams::DEMAND);
            let Some(poisson) = &model.demand[t / 12] else {
                return 0;
            };
            let n = poisson.sample(&mut rng) as u64;
            let mut total = 0.0;
            for _ in 0..n {
                let draws = LoanDraws::draw(&mut rng);
                let segment = self.picker.pick(draws);
                let z: f64 = StandardNormal.sample(&mut rng);
                let size = applicant::size(&model.segments[segment], model.size_cap, z);
                total += size * draws.lead(draws::Field::Default) as f64;
            }
            std::hint::black_box(total);
            n
        }
    }
}
