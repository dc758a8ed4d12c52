//! The lender's month (docs/model.md §5, §11): cash, debt drawn from its funding facilities,
//! capital and the state loan, and the rules that decide whether a loan can be granted,
//! whether lending stays open, when the lender is resolved and how it settles with its
//! funders and the state.
//!
//! The lender sees its books only through the amounts they pay in and the principal they
//! hold, so it does not change when a second book is added beside the first. Its life has
//! three phases: open (lending while its capital allows), in run-off (lending no more, its
//! book running off: after the horizon under `state.settlement = "run_off"`, or within it once
//! wound down) and settled (gone: nothing more happens to it).

use crate::model::{FacilityModel, LenderModel};
use crate::scenario::ResolutionRule;

/// Where the lender is in its life (docs/model.md §11.2, §11.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Open,
    RunOff,
    Settled,
}

/// The lender's balance sheet, between and during months.
pub(super) struct Lender<'m> {
    terms: &'m LenderModel,
    pub cash: f64,
    /// `D`: the debt drawn from all facilities, `Σ debts`.
    pub debt: f64,
    /// `D_f` per facility, in the listed order.
    debts: Vec<f64>,
    /// What step 6 may still draw: `Σ_f max(0, limit_f − D_f) − Σ_f excess_f`, kept as the
    /// debts change (once or twice a month) rather than summed for every request.
    room_left: f64,
    /// The report year whose facility limits hold now.
    year: usize,
    /// `K_t`: cash plus book minus debt, as of the last month's close.
    pub capital: f64,
    /// Whether loans may be granted this month (decided at the previous close).
    pub lending_open: bool,
    pub phase: Phase,
    /// `L`: the state loan and every injection lent since (docs/model.md §11.3).
    pub state_lent: f64,
    /// `R`: what the run-off has repaid of `L` from cash (docs/model.md §11.2).
    pub state_repaid: f64,
    /// Month-ends in a row at which the resolution's trigger held.
    below_trigger: u32,
    /// What the state has injected so far.
    pub injected: f64,
}

/// The running costs of one month (docs/model.md §5 step 5).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct RunningCosts {
    /// Fixed and per-active-loan operating costs.
    pub operating: f64,
    /// Interest and guarantee fees on the debt, interest on the state loan.
    pub funding: f64,
    /// Of `funding`: the facilities' guarantee fees and the state loan's interest, both paid
    /// to the state (docs/model.md §11.4).
    pub fees: f64,
    pub state_interest: f64,
}

/// What step 7 did: whether cash is still short of `min_cash`, and what it repaid of the state
/// loan (in run-off only).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Funded {
    pub short: bool,
    pub state_repaid: f64,
}

/// What the resolution did at a month's end (docs/model.md §11.3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Resolved {
    /// Nothing: the trigger did not complete.
    No,
    /// The state lent this much capital.
    Injected(f64),
    /// The lender winds down from the next month.
    WoundDown,
}

/// The settlement of the state's and the funders' claims on the lender (docs/model.md §11.1,
/// §11.2), on its capital `K` with the run-off's repayments `R` counted back.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Settlement {
    /// The capital the state settles on, `K + R`.
    pub capital: f64,
    /// The facilities' debt at settlement.
    pub debt: f64,
    /// `S − lenders_loss`: what the state pays under its guarantees (and the costs the lender
    /// could not pay beyond its debt).
    pub guarantee_call: f64,
    /// The funders' own loss on the unguaranteed part of the shortfall.
    pub lenders_loss: f64,
    /// `L − clamp(K + R, 0, L)`.
    pub state_loan_loss: f64,
    /// What the state gets of `L` at settlement: `clamp(K + R, 0, L) − R` (negative when the
    /// run-off's repayments exceed what the capital allows).
    pub state_repaid: f64,
    /// `Σ guaranteed_share_f × D_f` just before settlement.
    pub exposure: f64,
}

impl<'m> Lender<'m> {
    /// The balance sheet at month 0, holding a book of `book` euros: debt drawn from the
    /// facilities in order, within their first-year limits, so that cash starts at `min_cash`
    /// where capital alone does not reach it.
    pub fn open(terms: &'m LenderModel, book: f64, has_loans: bool) -> Lender<'m> {
        let capital = terms.initial_capital;
        let mut lender = Lender {
            terms,
            cash: 0.0,
            debt: 0.0,
            debts: vec![0.0; terms.facilities.len()],
            room_left: 0.0,
            year: 0,
            capital,
            lending_open: lending_allowed(capital, book, has_loans, terms.min_capital_ratio),
            phase: Phase::Open,
            state_lent: terms.state_loan,
            state_repaid: 0.0,
            below_trigger: 0,
            injected: 0.0,
        };
        let need = (book + terms.min_cash - capital).max(0.0);
        let debt = match terms.facilities.as_slice() {
            [one] => one.limit(0).min(need),
            _ => {
                lender.draw(need);
                lender.debt
            }
        };
        if let [_] = terms.facilities.as_slice() {
            lender.debts[0] = debt;
        }
        lender.debt = debt;
        lender.cash = capital + debt - book;
        lender.update_room();
        lender
    }

    /// The facilities' debts, in the listed order.
    #[cfg(test)]
    pub fn debts(&self) -> &[f64] {
        &self.debts
    }

    /// Month `t` begins: the facilities' limits of its report year hold.
    #[inline]
    pub fn begin_month(&mut self, t: usize) {
        let year = t / 12;
        if year != self.year {
            self.year = year;
            self.update_room();
        }
    }

    pub fn receive(&mut self, amount: f64) {
        self.cash += amount;
    }

    /// Pay step 5's costs for a month that started with `active_loans` live: the fixed costs
    /// (their run-off share in run-off), per active loan, each facility's interest and fee on
    /// its debt at the month's start, and the state loan's interest on what is still lent.
    /// A settled lender pays nothing.
    pub fn pay_running_costs(&mut self, active_loans: i64) -> RunningCosts {
        let t = self.terms;
        let fixed = match self.phase {
            Phase::Open => t.fixed_costs_per_month,
            Phase::RunOff => t.run_off_fixed_costs_per_month,
            Phase::Settled => return RunningCosts::default(),
        };
        let operating = fixed + t.cost_per_active_loan_per_month * active_loans as f64;
        let (interest, fees) = self.interest_and_fees();
        let state_interest = (self.state_lent - self.state_repaid) * t.state_loan_rate / 12.0;
        let funding = interest + fees + state_interest;
        self.cash -= operating + funding;
        RunningCosts {
            operating,
            funding,
            fees,
            state_interest,
        }
    }

    /// The month's interest and guarantee fees on the facilities' debts.
    fn interest_and_fees(&self) -> (f64, f64) {
        let (mut interest, mut fees) = (0.0, 0.0);
        for (f, &d) in self.terms.facilities.iter().zip(&self.debts) {
            interest += d * f.rate / 12.0;
            fees += d * f.guaranteed_share * f.guarantee_fee / 12.0;
        }
        (interest, fees)
    }

    /// docs/model.md §5 step 6: grant iff lending is open and cash after the loan, with the
    /// facilities' room drawn, stays at or above `min_cash`. On success, pays out `size` less
    /// the `fee` plus the cost of a new loan.
    #[inline]
    pub fn try_lend(&mut self, size: f64, fee: f64) -> bool {
        if !self.lending_open {
            return false;
        }
        let t = self.terms;
        let after = self.cash - size + fee - t.cost_per_new_loan;
        if after + self.room_left < t.min_cash {
            return false;
        }
        self.cash = after;
        true
    }

    /// Step 7: keep at least `min_cash` if the facilities allow; repay any excess over a
    /// fallen limit from cash above `min_cash`, then debt with cash above the target (in
    /// run-off the target is `min_cash`, and what is left repays the state loan).
    pub fn fund(&mut self) -> Funded {
        let t = self.terms;
        let mut funded = Funded::default();
        match self.phase {
            Phase::Settled => return funded,
            Phase::Open | Phase::RunOff if self.cash < t.min_cash => {
                let need = t.min_cash - self.cash;
                match t.facilities.as_slice() {
                    // One facility: the very operations of the model before facilities.
                    [one] => {
                        let room = (one.limit(self.year) - self.debt).max(0.0);
                        if need <= room {
                            self.debt += need;
                            self.cash = t.min_cash;
                        } else {
                            self.debt += room;
                            self.cash += room;
                        }
                        self.debts[0] = self.debt;
                    }
                    _ => {
                        let drawn = self.draw(need);
                        if drawn == need {
                            self.cash = t.min_cash;
                        } else {
                            self.cash += drawn;
                        }
                    }
                }
            }
            Phase::Open | Phase::RunOff => {
                self.repay_excess();
                let target = match self.phase {
                    Phase::Open => t.cash_target,
                    _ => t.min_cash,
                };
                if self.cash > target {
                    let repay = (self.cash - target).min(self.debt);
                    match t.facilities.as_slice() {
                        [_] => self.debts[0] -= repay,
                        _ => self.repay_in_reverse(repay),
                    }
                    self.debt = self.total_debt(self.debt - repay);
                    self.cash -= repay;
                }
                if self.phase == Phase::RunOff && self.cash > t.min_cash {
                    let owed = self.state_lent - self.state_repaid;
                    let repaid = (self.cash - t.min_cash).min(owed).max(0.0);
                    self.state_repaid += repaid;
                    self.cash -= repaid;
                    funded.state_repaid = repaid;
                }
            }
        }
        self.update_room();
        funded.short = self.cash < t.min_cash;
        funded
    }

    /// Draw up to `need` from the facilities with headroom, in the listed order; the amount
    /// drawn.
    fn draw(&mut self, need: f64) -> f64 {
        let mut left = need;
        for (f, d) in self.terms.facilities.iter().zip(self.debts.iter_mut()) {
            if left <= 0.0 {
                break;
            }
            let x = left.min((f.limit(self.year) - *d).max(0.0));
            *d += x;
            left -= x;
        }
        self.debt = self.debts.iter().sum();
        need - left
    }

    /// Repay `amount` (at most the debt) from the facilities, the last listed first.
    fn repay_in_reverse(&mut self, amount: f64) {
        let mut left = amount;
        for d in self.debts.iter_mut().rev() {
            let x = left.min(*d);
            *d -= x;
            left -= x;
        }
    }

    /// The debt after a change whose total was computed as `single`: for one facility that
    /// very number (bit for bit the model before facilities), else the sum of the debts.
    fn total_debt(&self, single: f64) -> f64 {
        match self.debts.as_slice() {
            [_] => single,
            debts => debts.iter().sum(),
        }
    }

    /// A facility's debt above its limit, where that limit has fallen below an earlier
    /// year's (docs/model.md §11.1).
    fn excess(&self, f: &FacilityModel, d: f64) -> f64 {
        if f.fallen(self.year) {
            (d - f.limit(self.year)).max(0.0)
        } else {
            0.0
        }
    }

    /// Repay the facilities' excesses over fallen limits from cash above `min_cash`, the last
    /// listed first.
    fn repay_excess(&mut self) {
        let t = self.terms;
        if !t.facilities.iter().any(|f| f.fallen(self.year)) {
            return;
        }
        for (f, d) in t.facilities.iter().zip(self.debts.iter_mut()).rev() {
            if f.fallen(self.year) {
                let excess = (*d - f.limit(self.year)).max(0.0);
                let x = excess.min((self.cash - t.min_cash).max(0.0));
                *d -= x;
                self.cash -= x;
            }
        }
        self.debt = self.debts.iter().sum();
    }

    /// Recompute what step 6 may still draw.
    fn update_room(&mut self) {
        let t = self.terms;
        self.room_left = match t.facilities.as_slice() {
            [one] => (one.limit(self.year) - self.debt).max(0.0) - self.excess(one, self.debt),
            facilities => facilities
                .iter()
                .zip(&self.debts)
                .map(|(f, &d)| (f.limit(self.year) - d).max(0.0) - self.excess(f, d))
                .sum(),
        };
    }

    /// Step 8: capital at the month's end, with `book` outstanding, and whether lending is
    /// open next month (never again once the lender runs off). A settled lender's stocks stay
    /// as they were at settlement.
    pub fn close_month(&mut self, book: f64, has_loans: bool) {
        if self.phase == Phase::Settled {
            return;
        }
        self.capital = self.cash + book - self.debt;
        self.lending_open = self.phase == Phase::Open
            && lending_allowed(self.capital, book, has_loans, self.terms.min_capital_ratio);
    }

    /// docs/model.md §11.3, at the end of a month of the horizon, after step 8: count the
    /// month towards the trigger, and when the trigger completes, inject capital or wind the
    /// lender down.
    pub fn resolve(&mut self, book: f64, has_loans: bool) -> Resolved {
        let r = &self.terms.resolution;
        if r.rule == ResolutionRule::None || self.phase != Phase::Open {
            return Resolved::No;
        }
        let empty = !has_loans || book <= 0.0;
        let below = if empty {
            self.capital < 0.0
        } else {
            self.capital < r.trigger_ratio * book
        };
        self.below_trigger = if below { self.below_trigger + 1 } else { 0 };
        if self.below_trigger < r.trigger_months {
            return Resolved::No;
        }
        self.below_trigger = 0;
        if r.rule == ResolutionRule::Recapitalise && self.injected < r.max_injection {
            let wanted = (r.target_ratio * if empty { 0.0 } else { book } - self.capital).max(0.0);
            let amount = wanted.min(r.max_injection - self.injected);
            self.injected += amount;
            self.state_lent += amount;
            self.cash += amount;
            self.capital += amount;
            self.lending_open =
                lending_allowed(self.capital, book, has_loans, self.terms.min_capital_ratio);
            return Resolved::Injected(amount);
        }
        self.run_off();
        Resolved::WoundDown
    }

    /// From the next month the lender lends no more and runs its book off.
    pub fn run_off(&mut self) {
        self.phase = Phase::RunOff;
        self.lending_open = false;
    }

    /// Settle now on the capital of the last close (docs/model.md §11.1, §11.2): the funders
    /// bear the shortfall up to their debt pro rata, the state its guaranteed share and
    /// anything beyond the debt, and the state loan comes back as far as the capital (with the
    /// run-off's repayments counted back) allows. The lender is gone after.
    pub fn settle(&mut self) -> Settlement {
        let base = self.capital + self.state_repaid;
        let shortfall = (-base).max(0.0);
        let d = self.debt;
        let mut lenders_loss = 0.0;
        let mut exposure = 0.0;
        if d > 0.0 {
            let borne = shortfall.min(d);
            // Facilities of one guaranteed share summed first, their share of the debt taken
            // before the product: one facility at share 1 loses exactly nothing, and facilities
            // of one share lose exactly that share of what they bear.
            let mut groups: Vec<(f64, f64)> = Vec::new();
            for (f, &debt) in self.terms.facilities.iter().zip(&self.debts) {
                exposure += f.guaranteed_share * debt;
                match groups.iter_mut().find(|g| g.0 == f.guaranteed_share) {
                    Some(g) => g.1 += debt,
                    None => groups.push((f.guaranteed_share, debt)),
                }
            }
            for (share, debt) in groups {
                lenders_loss += (1.0 - share) * borne * (debt / d);
            }
        }
        let lent = self.state_lent;
        let recovered = base.clamp(0.0, lent);
        self.phase = Phase::Settled;
        self.lending_open = false;
        Settlement {
            capital: base,
            debt: d,
            guarantee_call: shortfall - lenders_loss,
            lenders_loss,
            state_loan_loss: lent - recovered,
            state_repaid: recovered - self.state_repaid,
            exposure,
        }
    }

    /// `Σ guaranteed_share_f × D_f`: the state's outstanding guarantee now.
    pub fn exposure(&self) -> f64 {
        if self.phase == Phase::Settled {
            return 0.0;
        }
        self.terms
            .facilities
            .iter()
            .zip(&self.debts)
            .map(|(f, d)| f.guaranteed_share * d)
            .sum()
    }
}

/// docs/model.md §5 step 8.
fn lending_allowed(capital: f64, book: f64, has_loans: bool, min_ratio: f64) -> bool {
    capital >= 0.0 && (!has_loans || book <= 0.0 || capital / book >= min_ratio)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FacilityModel, ResolutionModel};

    fn terms_with(facilities: Vec<FacilityModel>) -> LenderModel {
        LenderModel {
            initial_capital: 1_000.0,
            state_loan: 800.0,
            state_loan_rate: 0.0,
            facilities,
            min_cash: 100.0,
            cash_target: 300.0,
            min_capital_ratio: 0.1,
            fixed_costs_per_month: 0.0,
            run_off_fixed_costs_per_month: 0.0,
            cost_per_active_loan_per_month: 0.0,
            cost_per_new_loan: 10.0,
            resolution: ResolutionModel {
                rule: ResolutionRule::None,
                trigger_ratio: 0.0,
                trigger_months: 3,
                target_ratio: 0.1,
                max_injection: 0.0,
            },
        }
    }

    fn terms() -> LenderModel {
        terms_with(vec![FacilityModel::constant("room", 500.0, 1.0, 0.12, 0.0)])
    }

    /// Debt is drawn at the start only as far as capital does not reach `min_cash`.
    #[test]
    fn opening_draws_debt_up_to_min_cash() {
        let t = terms();
        let l = Lender::open(&t, 1_200.0, true);
        assert_eq!((l.debt, l.cash, l.capital), (300.0, 100.0, 1_000.0));
        assert!(l.lending_open);
        let l = Lender::open(&t, 500.0, true);
        assert_eq!((l.debt, l.cash), (0.0, 500.0));
    }

    /// A loan is granted iff cash after it, with the rest of the room drawn, stays at or above
    /// `min_cash`; a refused loan changes nothing.
    #[test]
    fn grants_within_cash_and_room() {
        let t = terms();
        let mut l = Lender::open(&t, 500.0, true);
        // 500 cash + 500 room − 100 floor: 900 can go out, fee and cost included.
        assert!(!l.try_lend(891.0, 0.0));
        assert_eq!(l.cash, 500.0);
        assert!(l.try_lend(890.0, 0.0));
        assert_eq!(l.cash, -400.0);
        // Funding then draws the room, and cash is back at the floor.
        assert!(!l.fund().short);
        assert_eq!((l.debt, l.cash), (500.0, 100.0));
        l.lending_open = false;
        assert!(!l.try_lend(1.0, 0.0));
    }

    /// Above the target, cash repays debt; beyond the room, cash stays short.
    #[test]
    fn funding_repays_above_target_and_reports_shortfall() {
        let t = terms();
        let mut l = Lender::open(&t, 1_200.0, true);
        l.receive(400.0);
        assert!(!l.fund().short);
        assert_eq!((l.debt, l.cash), (100.0, 300.0));
        l.receive(-1_000.0);
        assert!(l.fund().short);
        assert_eq!((l.debt, l.cash), (500.0, -300.0));
    }

    /// Step 8: lending closes below the capital ratio or with negative capital.
    #[test]
    fn lending_closes_below_the_capital_ratio() {
        let t = terms();
        let mut l = Lender::open(&t, 500.0, true);
        l.close_month(10_000.0, true);
        assert_eq!(l.capital, 10_500.0);
        assert!(l.lending_open);
        l.cash = -9_500.0;
        l.close_month(10_000.0, true);
        assert!(!l.lending_open, "capital 500 on a book of 10,000");
    }

    /// Debt is drawn from the facilities in the listed order and repaid the last first; the
    /// grant rule counts every facility's headroom.
    #[test]
    fn facilities_draw_in_order_and_repay_in_reverse() {
        let t = terms_with(vec![
            FacilityModel::constant("a", 200.0, 0.8, 0.12, 0.0),
            FacilityModel::constant("b", 300.0, 0.5, 0.06, 0.0),
        ]);
        let mut l = Lender::open(&t, 1_350.0, true);
        // 450 needed: all of a, 250 of b.
        assert_eq!(l.debts(), [200.0, 250.0]);
        assert_eq!((l.debt, l.cash), (450.0, 100.0));
        assert!(
            !l.try_lend(51.0, 0.0),
            "50 of room and nothing above the floor"
        );
        assert!(l.try_lend(40.0, 0.0));
        l.fund();
        assert_eq!(l.debts(), [200.0, 300.0]);
        // 400 received: cash 500, 200 above the target repays b first, then a.
        l.receive(400.0);
        l.fund();
        assert_eq!(l.debts(), [200.0, 100.0]);
        l.receive(200.0);
        l.fund();
        assert_eq!(l.debts(), [100.0, 0.0]);
        assert_eq!(l.cash, 300.0);
        // Interest: 100 × 12% / 12.
        assert_eq!(l.interest_and_fees(), (1.0, 0.0));
    }

    /// The shortfall falls on the facilities pro rata to their debts, each at its unguaranteed
    /// share; the state pays the rest, and what is beyond the debt.
    #[test]
    fn a_shortfall_is_split_by_guaranteed_shares() {
        let t = terms_with(vec![
            FacilityModel::constant("a", 400.0, 0.8, 0.0, 0.0),
            FacilityModel::constant("b", 400.0, 0.5, 0.0, 0.0),
        ]);
        let mut l = Lender::open(&t, 1_000.0, true);
        l.debts = vec![300.0, 100.0];
        l.debt = 400.0;
        l.capital = -200.0;
        let s = l.settle();
        // 200 borne: a 150 at 20%, b 50 at 50%.
        assert!((s.lenders_loss - (0.2 * 150.0 + 0.5 * 50.0)).abs() < 1e-9);
        assert!((s.guarantee_call + s.lenders_loss - 200.0).abs() < 1e-9);
        assert_eq!(s.state_loan_loss, 800.0);
        assert_eq!(l.phase, Phase::Settled);
        // Beyond the debt: the state pays what the funders do not bear.
        let mut l = Lender::open(&t, 1_000.0, true);
        l.debts = vec![100.0, 0.0];
        l.debt = 100.0;
        l.capital = -300.0;
        let s = l.settle();
        assert!((s.lenders_loss - 20.0).abs() < 1e-12);
        assert!((s.guarantee_call - 280.0).abs() < 1e-12);
    }

    /// A limit that falls below the debt: nothing more is drawn, the excess is repaid first
    /// from cash above `min_cash`, and the grant rule counts it as spent.
    #[test]
    fn an_excess_over_a_fallen_limit_is_repaid_first() {
        let falling = FacilityModel::new("a", vec![500.0, 200.0], 1.0, 0.0, 0.0);
        let t = terms_with(vec![falling]);
        let mut l = Lender::open(&t, 1_400.0, true);
        assert_eq!(l.debt, 500.0);
        l.begin_month(12);
        // 300 above the limit: room left is −300, so no loan fits even with cash.
        l.receive(250.0);
        assert!(!l.try_lend(1.0, 0.0));
        l.fund();
        // 250 above the floor repays 250 of the excess.
        assert_eq!((l.debt, l.cash), (250.0, 100.0));
    }

    /// The trigger completes after `trigger_months` month-ends in a row below the ratio; a
    /// recapitalisation brings capital to the target within the cap, then a second trigger
    /// winds the lender down.
    #[test]
    fn the_resolution_recapitalises_within_its_cap_then_winds_down() {
        let mut t = terms();
        t.resolution = ResolutionModel {
            rule: ResolutionRule::Recapitalise,
            trigger_ratio: 0.05,
            trigger_months: 2,
            target_ratio: 0.1,
            max_injection: 700.0,
        };
        let mut l = Lender::open(&t, 1_200.0, true);
        l.cash = -800.0;
        l.close_month(10_000.0, true);
        assert_eq!(l.resolve(10_000.0, true), Resolved::No);
        l.close_month(10_000.0, true);
        // Cash −800, a book of 10,000 and debt 300: K = 8,900, well above 5% of the book.
        assert_eq!(l.resolve(10_000.0, true), Resolved::No, "above 5%");
        l.cash = -9_800.0;
        l.close_month(10_000.0, true);
        assert_eq!(l.capital, -100.0);
        assert_eq!(l.resolve(10_000.0, true), Resolved::No);
        l.close_month(10_000.0, true);
        // 10% of 10,000 less −100: 1,100 wanted, the cap gives 700.
        assert_eq!(l.resolve(10_000.0, true), Resolved::Injected(700.0));
        assert_eq!((l.capital, l.state_lent), (600.0, 1_500.0));
        l.cash -= 1_000.0;
        l.close_month(10_000.0, true);
        l.resolve(10_000.0, true);
        l.close_month(10_000.0, true);
        assert_eq!(l.resolve(10_000.0, true), Resolved::WoundDown);
        assert_eq!(l.phase, Phase::RunOff);
        assert!(!l.lending_open);
    }

    /// In run-off the target is `min_cash`: cash above it repays the facilities, then the
    /// state loan, and capital falls with each repayment of the state loan.
    #[test]
    fn the_run_off_repays_the_facilities_then_the_state_loan() {
        let t = terms();
        let mut l = Lender::open(&t, 1_200.0, true);
        l.run_off();
        l.receive(1_000.0);
        let funded = l.fund();
        // 1,000 above the floor: 300 of debt, then 700 of the state loan.
        assert_eq!(l.debt, 0.0);
        assert_eq!(funded.state_repaid, 700.0);
        assert_eq!((l.state_repaid, l.cash), (700.0, 100.0));
        l.close_month(0.0, false);
        assert_eq!(l.capital, 100.0);
        let s = l.settle();
        // Settled on 100 + 700: the state gets 800 in all, 100 of it now.
        assert_eq!(s.state_loan_loss, 0.0);
        assert_eq!(s.state_repaid, 100.0);
    }
}
