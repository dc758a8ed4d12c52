//! The repayment schedule of one loan (docs/model.md §4): interest only during the grace months,
//! then a level annuity that repays the principal by maturity.
//!
//! Everything is per euro of original principal, so one table serves every loan of a segment:
//! the balance factor `B(a)/P` depends only on the segment and the age `a`.

/// Terms that make no schedule: no month, no month after the grace months, or a rate that is
/// not a finite number above -1200% a year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScheduleError {
    pub term: usize,
    pub grace: usize,
    pub annual_rate: f64,
}

impl std::fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "term_months = {}, grace_months = {}, interest_rate = {}: allowed: a term of at least \
             1 month, fewer grace months than the term, and a finite rate above -12",
            self.term, self.grace, self.annual_rate
        )
    }
}

impl std::error::Error for ScheduleError {}

/// Repayment schedule of a loan of term `n` months, `g` grace months and annual rate `r`.
#[derive(Debug, Clone)]
pub struct Schedule {
    term: usize,
    grace: usize,
    monthly_rate: f64,
    /// Monthly payment per euro of principal in the annuity phase (ages `g .. n-1`).
    annuity_factor: f64,
    /// `B(a)/P` for `a = 0 ..= n`, with `B(n) = 0`.
    balance: Vec<f64>,
}

impl Schedule {
    /// The schedule for a term of `term` months (>= 1), `grace` months of interest only
    /// (< term) and a finite annual interest rate `annual_rate` above -1200%.
    pub fn try_new(term: usize, grace: usize, annual_rate: f64) -> Result<Schedule, ScheduleError> {
        if term == 0 || grace >= term || !annual_rate.is_finite() || annual_rate / 12.0 <= -1.0 {
            return Err(ScheduleError {
                term,
                grace,
                annual_rate,
            });
        }
        Ok(Schedule::new(term, grace, annual_rate))
    }

    /// [`Schedule::try_new`] for terms a validated scenario guarantees.
    pub(crate) fn new(term: usize, grace: usize, annual_rate: f64) -> Schedule {
        assert!(term >= 1 && grace < term, "term {term}, grace {grace}");
        let i = annual_rate / 12.0;
        let m = term - grace;
        // Closed forms rather than the recursion B(a+1) = B(a)(1+i) - A, so that no rounding
        // accumulates over long terms, written with ln_1p/exp_m1 so that tiny rates (down to
        // subnormal ones) keep their precision instead of collapsing (1+i)^m - 1 to 0:
        //   A/P = i / (1 - (1+i)^-m),   B(g+k)/P = ((1+i)^m - (1+i)^k) / ((1+i)^m - 1).
        let log_growth = i.ln_1p();
        let growth_m_minus_1 = (m as f64 * log_growth).exp_m1();
        let annuity_factor = if i == 0.0 {
            1.0 / m as f64
        } else {
            i / -(-(m as f64) * log_growth).exp_m1()
        };
        let balance = (0..=term)
            .map(|a| {
                if a < grace {
                    1.0
                } else if a == term {
                    0.0
                } else {
                    let k = (a - grace) as f64;
                    if i == 0.0 {
                        1.0 - k / m as f64
                    } else {
                        (growth_m_minus_1 - (k * log_growth).exp_m1()) / growth_m_minus_1
                    }
                }
            })
            .collect();
        Schedule {
            term,
            grace,
            monthly_rate: i,
            annuity_factor,
            balance,
        }
    }

    /// Term in months.
    pub fn term(&self) -> usize {
        self.term
    }

    /// Interest-only months.
    pub fn grace(&self) -> usize {
        self.grace
    }

    /// Monthly interest rate `r/12`.
    pub fn monthly_rate(&self) -> f64 {
        self.monthly_rate
    }

    /// Payment per euro of principal in each month of the annuity phase.
    pub fn annuity_factor(&self) -> f64 {
        self.annuity_factor
    }

    /// Outstanding principal per euro at the start of age `a`, before that month's payment
    /// (`B(0)/P = 1`, `B(n)/P = 0`).
    #[inline]
    pub fn balance_factor(&self, age: usize) -> f64 {
        self.balance[age.min(self.term)]
    }

    /// Payment per euro at age `a` (interest plus principal; 0 outside `0 .. n`).
    pub fn payment_factor(&self, age: usize) -> f64 {
        if age >= self.term {
            0.0
        } else if age < self.grace {
            self.monthly_rate
        } else {
            self.annuity_factor
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The annuity formula of docs/model.md §4, month by month, to the cent on €20,000.
    fn check_to_the_cent(term: usize, grace: usize, rate: f64) {
        let p = 20_000.0;
        let s = Schedule::new(term, grace, rate);
        let i = rate / 12.0;
        let a = if i == 0.0 {
            p / (term - grace) as f64
        } else {
            p * i / (1.0 - (1.0 + i).powf(-((term - grace) as f64)))
        };
        let mut balance = p;
        let mut paid_principal = 0.0;
        for age in 0..term {
            assert!(
                (s.balance_factor(age) * p - balance).abs() < 0.005,
                "age {age}: {} vs {balance}",
                s.balance_factor(age) * p
            );
            let payment = s.payment_factor(age) * p;
            let interest = balance * i;
            let expected = if age < grace { p * i } else { a };
            assert!((payment - expected).abs() < 0.005, "payment at age {age}");
            let principal = payment - interest;
            paid_principal += principal;
            balance -= principal;
        }
        assert!(balance.abs() < 0.005, "balance after maturity {balance}");
        assert!((paid_principal - p).abs() < 0.005);
        assert_eq!(s.balance_factor(term), 0.0);
    }

    #[test]
    fn annuity_without_grace() {
        check_to_the_cent(60, 0, 0.0975);
    }

    #[test]
    fn annuity_with_grace() {
        check_to_the_cent(84, 3, 0.0825);
    }

    #[test]
    fn zero_rate_is_linear() {
        check_to_the_cent(60, 6, 0.0);
        let s = Schedule::new(10, 0, 0.0);
        assert_eq!(s.balance_factor(5), 0.5);
    }

    #[test]
    fn single_month_and_long_terms() {
        check_to_the_cent(1, 0, 0.08);
        check_to_the_cent(1200, 11, 0.12);
        let s = Schedule::new(2, 1, 0.12);
        assert!((s.payment_factor(1) - 1.01).abs() < 1e-15);
    }

    #[test]
    fn tiny_rates_tend_to_the_linear_schedule() {
        for rate in [1e-300, 5e-324, 1e-12] {
            let s = Schedule::new(60, 3, rate);
            assert!(
                (s.annuity_factor() - 1.0 / 57.0).abs() < 1e-9,
                "rate {rate}"
            );
            assert!(
                (s.balance_factor(33) - (1.0 - 30.0 / 57.0)).abs() < 1e-9,
                "rate {rate}"
            );
            assert!((0..=60).all(|a| s.balance_factor(a).is_finite()));
        }
    }

    #[test]
    fn impossible_terms_are_refused() {
        assert!(Schedule::try_new(0, 0, 0.05).is_err());
        assert!(Schedule::try_new(12, 12, 0.05).is_err());
        assert!(Schedule::try_new(12, 0, f64::NAN).is_err());
        assert!(Schedule::try_new(12, 0, -12.0).is_err());
        assert_eq!(Schedule::try_new(12, 2, 0.05).unwrap().term(), 12);
    }

    #[test]
    fn known_payment() {
        // €20,000 over 60 months at 9.75%: €422.48 a month (any annuity calculator).
        let s = Schedule::new(60, 0, 0.0975);
        assert!((s.annuity_factor() * 20_000.0 - 422.48).abs() < 0.005);
    }
}
