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
//! path's model is built, holds the values of uncertain parameters: `crate::uncertainty`). Every request draws its
//! whole fate whether or not it is granted, so that scenarios that differ in one parameter keep
//! their draws aligned (common random numbers).
//!
//! The parts: `streams` seeds the random streams; `hazards` draws the credit cycle and the
//! default hazards it implies; `fate` decides a loan's fate; `book` holds the loans' marks and
//! reads a month of them; `lender` keeps the balance sheet and its rules; `totals` sums the
//! months into the path's metrics. [`Workspace`] runs a path's months through them, one named
//! step each, in the order of docs/model.md §5.

mod bmkb;
mod book;
mod fate;
mod hazards;
mod lender;
mod streams;
mod totals;

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

use rand_xoshiro::Xoshiro256PlusPlus;

use crate::metrics::{Scalar, Yearly};
use crate::model::{Model, SegmentModel};
use bmkb::{Backed, Channel, GraduateDraws, Guarantees};
use book::{Book, BookTerms};
use fate::{Exit, Fate, FateDraws};
use lender::Lender;
use streams::MonthStreams;
pub use streams::{PARAMETERS, stream};
use totals::{BmkbTotals, Grants, Month, Totals};

/// What one path produced.
#[derive(Debug, Clone, PartialEq)]
pub struct PathOutcome {
    /// Path index (its random streams depend on this and the seed alone).
    pub index: u64,
    /// Scalar metrics indexed by [`Scalar::index`]; `None` where undefined.
    pub scalars: [Option<f64>; Scalar::COUNT],
    /// Yearly metrics, year-major: `yearly[year * Yearly::COUNT + metric]`.
    pub yearly: Vec<f64>,
    /// Initial-book loans plus loans granted: the throughput unit.
    pub loans_simulated: u64,
}

impl PathOutcome {
    /// A scalar metric (`None` where undefined).
    pub fn scalar(&self, m: Scalar) -> Option<f64> {
        self.scalars[m.index()]
    }

    /// A yearly metric for report year `year` (0-based).
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
    /// The BMKB's guarantees on the lender's loans and its graduates' bank loans.
    guarantees: Guarantees<'m>,
    /// The path's stream of graduates' bank loans (docs/model.md §10 channel a).
    graduate: Xoshiro256PlusPlus,
}

impl<'m> Workspace<'m> {
    /// Scratch space for simulating paths of `model`.
    pub fn new(model: &'m Model) -> Workspace<'m> {
        Workspace {
            model,
            book: Book::new(BookTerms::lender(model)),
            cycle: Vec::with_capacity(model.years),
            guarantees: Guarantees::new(model),
            graduate: stream(model.seed, 0, streams::BMKB_GRADUATE),
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
        self.draw_credit_cycle(index);
        self.graduate = stream(model.seed, index, streams::BMKB_GRADUATE);
        self.place_initial_book(index);
        let book_0 = self.book.outstanding();
        let mut lender = Lender::open(&model.lender, book_0, model.initial_loans > 0);
        let mut totals = Totals::new(model.years, lender.capital, lender.debt);
        let mut streams = MonthStreams::new(model.seed, index);
        for t in 0..model.months {
            let month = self.simulate_month(t, &mut lender, &mut streams);
            totals.add(&month, &model.state);
            if let Some(trace) = trace.as_deref_mut() {
                trace.push(MonthTrace::of(&month));
            }
        }
        let loans_simulated = model.initial_loans + totals.granted();
        let mut exposure = vec![0.0; model.years];
        self.guarantees.exposure(&model.segments, &mut exposure);
        let bmkb = BmkbTotals {
            pending: self.guarantees.pending,
            pending_pv: self.guarantees.pending_pv,
            guarantees: self.guarantees.count,
            exposure: &exposure,
        };
        let (scalars, yearly) = totals.finish(
            &model.lender,
            &model.state,
            model.initial_loans,
            book_0,
            lender.capital,
            &bmkb,
        );
        PathOutcome {
            index,
            scalars,
            yearly,
            loans_simulated,
        }
    }

    /// docs/model.md §3: the systemic factor per calendar year, and from it each segment's monthly
    /// default hazards for the path.
    fn draw_credit_cycle(&mut self, index: u64) {
        let model = self.model;
        let mut rng = stream(model.seed, index, streams::CYCLE);
        hazards::draw_cycle(&model.cycle, &mut rng, &mut self.cycle);
        self.book
            .begin_path(&self.cycle, model.cycle.asset_correlation);
        self.guarantees
            .begin_path(&self.cycle, model.cycle.asset_correlation);
    }

    /// docs/model.md §4, §6: the loans on the book at month 0, of ages drawn uniformly.
    fn place_initial_book(&mut self, index: u64) {
        let model = self.model;
        let mut rng = stream(model.seed, index, streams::BOOK);
        for _ in 0..model.initial_loans {
            let Application { segment, size, .. } = Application::draw(model, &mut rng);
            let seg = &model.segments[segment];
            let ages = seg.initial_ages;
            let age = ((rng.random::<f64>() * ages as f64) as usize).min(ages - 1);
            let draws = FateDraws::draw(&mut rng);
            let balance = size * seg.schedule.balance_factor(age);
            let fate = self
                .book
                .place(segment, false, -(age as i64), size, balance, &draws);
            self.bank_loan_on_graduation(segment, size, &fate);
        }
    }

    /// docs/model.md §10 channel (a): a loan that graduates becomes a bank loan, BMKB-backed
    /// with probability `graduate_share`. Its draws are taken for every graduation while BMKB
    /// is on, backed or not.
    // Every loan passes here and few graduate: the test inline, the work out of line.
    #[inline(always)]
    fn bank_loan_on_graduation(&mut self, segment: usize, size: f64, fate: &Fate) {
        if let Some((month, Exit::Graduation)) = fate.exit
            && self.model.bmkb.enabled
        {
            self.graduate_to_bank(segment, size, month);
        }
    }

    #[inline(never)]
    fn graduate_to_bank(&mut self, segment: usize, size: f64, month: i64) {
        let model = self.model;
        let draws = GraduateDraws::draw(&mut self.graduate);
        self.guarantees.graduate(
            segment,
            size,
            month,
            model.followup.size_multiplier,
            model.size_cap,
            &draws,
        );
    }

    /// docs/model.md §5: one month of the lender and its book.
    fn simulate_month(
        &mut self,
        t: usize,
        lender: &mut Lender,
        streams: &mut MonthStreams,
    ) -> Month {
        let capital_start = lender.capital;
        let lending_open = lender.lending_open;
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
        self.grant_followups(t, lender, streams, &mut grants);
        self.grant_new_demand(t, lender, streams, &mut grants);
        let shortfall = lender.fund();
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
            grants,
            lending_open,
            shortfall,
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
        let bmkb = self.model.bmkb.enabled;
        // Placing a loan adds requests only for months after `t`, so month `t`'s list stays put.
        for i in 0..self.book.requests(t).len() {
            let request = self.book.requests(t)[i];
            let draws = FateDraws::draw(&mut streams.followup);
            let backed_u = bmkb.then(|| streams.bmkb_followup.random::<f64>());
            let application = Application {
                segment: request.segment as usize,
                size: request.size,
                followup: true,
            };
            if self.offer(t, &application, &draws, backed_u, lender, grants) {
                grants.followups += 1;
            }
        }
    }

    /// Step 6, then the new applications of month `t`.
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
        let rng = &mut streams.demand;
        let n = poisson.sample(rng) as u64;
        for _ in 0..n {
            let application = Application::draw(model, rng);
            let draws = FateDraws::draw(rng);
            let backed_u = model
                .bmkb
                .enabled
                .then(|| streams.bmkb_demand.random::<f64>());
            self.offer(t, &application, &draws, backed_u, lender, grants);
        }
    }

    /// Offer the loan asked for in month `t`: if the lender can grant it, it goes on the book
    /// from month `t + 1` (BMKB-backed iff `backed_u` is below the segment's `bmkb_share`);
    /// otherwise it is rationed.
    fn offer(
        &mut self,
        t: usize,
        application: &Application,
        draws: &FateDraws,
        backed_u: Option<f64>,
        lender: &mut Lender,
        grants: &mut Grants,
    ) -> bool {
        let &Application {
            segment,
            size,
            followup,
        } = application;
        let seg = &self.model.segments[segment];
        let fee = seg.origination_fee * size;
        if !lender.try_lend(size, fee) {
            grants.rationed += 1;
            return false;
        }
        // docs/model.md §10: each firm's jobs once, with its first loan.
        let jobs = if followup { 0.0 } else { seg.jobs_per_loan };
        grants.grant(size, fee, jobs);
        let fate = self
            .book
            .place(segment, followup, t as i64 + 1, size, size, draws);
        if let Some(u) = backed_u
            && u < self.model.bmkb.own_share[segment]
        {
            self.guarantees.back(&Backed {
                channel: Channel::Own,
                segment,
                seg,
                terms: self.model.bmkb.own_terms[segment],
                grant: t as i64,
                size,
                exit: fate.exit.map(|(month, _)| month),
                default_recovery: match fate.exit {
                    Some((_, Exit::Default)) => Some(seg.recovery_rate(draws.recovery_key)),
                    _ => None,
                },
            });
        }
        self.bank_loan_on_graduation(segment, size, &fate);
        true
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

/// A loan asked for: by a new applicant (or an initial-book borrower) or as a follow-up.
struct Application {
    segment: usize,
    size: f64,
    followup: bool,
}

impl Application {
    /// docs/model.md §4: a new applicant's segment (one uniform against the shares) and loan size.
    // Out of line this cost 3% of a path: it runs once per loan, between two calls that are.
    #[inline(always)]
    fn draw<R: Rng>(model: &Model, rng: &mut R) -> Application {
        let segment = pick_segment(&model.share_cdf, rng.random());
        let size = draw_size(
            &model.segments[segment],
            model.size_cap,
            StandardNormal.sample(rng),
        );
        Application {
            segment,
            size,
            followup: false,
        }
    }
}

/// Segment index for a uniform draw `u` in [0, 1): the first whose cumulative share exceeds
/// `u` (the last if none does). Counted without branches, which a random `u` would mispredict:
/// the cumulative shares rise, so those at or below `u` are the ones before it.
#[inline]
fn pick_segment(cdf: &[f64], u: f64) -> usize {
    let (_, below) = cdf.split_last().expect("at least one segment");
    below.iter().map(|&c| (c <= u) as usize).sum()
}

/// docs/model.md §4: log-normal size with the segment's mean and CV, clamped to [min_size, cap].
#[inline]
fn draw_size(seg: &SegmentModel, cap: f64, z: f64) -> f64 {
    let raw = if seg.size_sigma == 0.0 {
        seg.mean_size
    } else {
        (seg.size_mu + seg.size_sigma * z).exp()
    };
    raw.max(seg.min_size).min(cap)
}

/// Simulate one path with a fresh workspace (convenient, slower than reusing a [`Workspace`]).
pub fn simulate_path(model: &Model, index: u64) -> PathOutcome {
    Workspace::new(model).simulate(index)
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
                let draws = FateDraws::draw(&mut rng);
                let size = model.segments[s].mean_size;
                self.book.place(s, false, t as i64 + 1, size, size, &draws);
            }
            (0..model.months)
                .map(|m| self.book.collect(m).defaults)
                .sum()
        }

        /// Draw month `t`'s new demand of path `index` — the number of applicants, each one's
        /// segment, size and fate draws — without granting any. Returns the number drawn.
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
                let application = Application::draw(model, &mut rng);
                let draws = FateDraws::draw(&mut rng);
                total += application.size * draws.default_u;
            }
            std::hint::black_box(total);
            n
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The count agrees with the first cumulative share above `u`, zero shares included.
    #[test]
    fn pick_segment_takes_the_first_share_above_the_draw() {
        let first_above =
            |cdf: &[f64], u: f64| cdf.iter().position(|&c| u < c).unwrap_or(cdf.len() - 1);
        let cdfs: [&[f64]; 4] = [
            &[1.0],
            &[0.55, 0.88, 1.0],
            &[0.0, 0.5, 0.5, 1.0, 1.0],
            &[0.3, 0.3, 1.0],
        ];
        for cdf in cdfs {
            for k in 0..=1000 {
                let u = (k as f64 / 1000.0).min(1.0 - f64::EPSILON / 2.0);
                assert_eq!(pick_segment(cdf, u), first_above(cdf, u), "{cdf:?} {u}");
            }
            for &c in cdf {
                assert_eq!(pick_segment(cdf, c), first_above(cdf, c), "{cdf:?} at {c}");
            }
        }
    }
}
