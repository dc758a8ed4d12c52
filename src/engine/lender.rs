//! The lender's month (docs/model.md §5): cash, external debt under the state guarantee, capital,
//! and the rules that decide whether a loan can be granted and whether lending stays open.
//!
//! The lender sees its books only through the amounts they pay in and the principal they
//! hold, so it does not change when a second book is added beside the first.

use crate::model::LenderModel;

/// The lender's balance sheet, between and during months.
pub(super) struct Lender<'m> {
    terms: &'m LenderModel,
    pub cash: f64,
    pub debt: f64,
    /// `K_t`: cash plus book minus debt, as of the last month's close.
    pub capital: f64,
    /// Whether loans may be granted this month (decided at the previous close).
    pub lending_open: bool,
}

/// The running costs of one month (docs/model.md §5 step 5).
#[derive(Debug, Clone, Copy)]
pub(super) struct RunningCosts {
    /// Fixed and per-active-loan operating costs.
    pub operating: f64,
    /// Interest and guarantee fee on the debt, interest on the state loan.
    pub funding: f64,
}

impl<'m> Lender<'m> {
    /// The balance sheet at month 0, holding a book of `book` euros: debt drawn, within the
    /// guarantee room, so that cash starts at `min_cash` where capital alone does not reach it.
    pub fn open(terms: &'m LenderModel, book: f64, has_loans: bool) -> Lender<'m> {
        let capital = terms.initial_capital;
        let debt = terms
            .guarantee_room
            .min((book + terms.min_cash - capital).max(0.0));
        Lender {
            terms,
            cash: capital + debt - book,
            debt,
            capital,
            lending_open: lending_allowed(capital, book, has_loans, terms.min_capital_ratio),
        }
    }

    pub fn receive(&mut self, amount: f64) {
        self.cash += amount;
    }

    /// Pay step 5's costs for a month that started with `active_loans` live.
    pub fn pay_running_costs(&mut self, active_loans: i64) -> RunningCosts {
        let t = self.terms;
        let operating =
            t.fixed_costs_per_month + t.cost_per_active_loan_per_month * active_loans as f64;
        let funding = self.debt * t.debt_rate_per_year / 12.0 + t.state_loan_interest_per_month;
        self.cash -= operating + funding;
        RunningCosts { operating, funding }
    }

    /// docs/model.md §5 step 6: grant iff lending is open and cash after the loan, with debt drawn
    /// up to the room, stays at or above `min_cash`. On success, pays out `size` less the
    /// `fee` plus the cost of a new loan.
    pub fn try_lend(&mut self, size: f64, fee: f64) -> bool {
        if !self.lending_open {
            return false;
        }
        let t = self.terms;
        let after = self.cash - size + fee - t.cost_per_new_loan;
        if after + (t.guarantee_room - self.debt).max(0.0) < t.min_cash {
            return false;
        }
        self.cash = after;
        true
    }

    /// Step 7: keep at least `min_cash` if the room allows; repay debt above the target.
    /// Returns whether cash is still short of `min_cash`.
    pub fn fund(&mut self) -> bool {
        let t = self.terms;
        if self.cash < t.min_cash {
            let need = t.min_cash - self.cash;
            let room = (t.guarantee_room - self.debt).max(0.0);
            if need <= room {
                self.debt += need;
                self.cash = t.min_cash;
            } else {
                self.debt += room;
                self.cash += room;
            }
        } else if self.cash > t.cash_target {
            let repay = (self.cash - t.cash_target).min(self.debt);
            self.debt -= repay;
            self.cash -= repay;
        }
        self.cash < t.min_cash
    }

    /// Step 8: capital at the month's end, with `book` outstanding, and whether lending is
    /// open next month.
    pub fn close_month(&mut self, book: f64, has_loans: bool) {
        self.capital = self.cash + book - self.debt;
        self.lending_open =
            lending_allowed(self.capital, book, has_loans, self.terms.min_capital_ratio);
    }
}

/// docs/model.md §5 step 8.
fn lending_allowed(capital: f64, book: f64, has_loans: bool, min_ratio: f64) -> bool {
    capital >= 0.0 && (!has_loans || book <= 0.0 || capital / book >= min_ratio)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms() -> LenderModel {
        LenderModel {
            initial_capital: 1_000.0,
            state_loan: 800.0,
            state_loan_interest_per_month: 0.0,
            guarantee_room: 500.0,
            debt_rate_per_year: 0.12,
            min_cash: 100.0,
            cash_target: 300.0,
            min_capital_ratio: 0.1,
            fixed_costs_per_month: 0.0,
            cost_per_active_loan_per_month: 0.0,
            cost_per_new_loan: 10.0,
        }
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
        assert!(!l.fund());
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
        assert!(!l.fund());
        assert_eq!((l.debt, l.cash), (100.0, 300.0));
        l.receive(-1_000.0);
        assert!(l.fund());
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
}
