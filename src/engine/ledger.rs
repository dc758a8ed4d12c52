//! The state's ledger of one path (docs/model.md §11.4, §11.5): its cash flows with the lender
//! and through the BMKB, budget year by budget year and after the horizon, the settlement,
//! and the state's whole account from them.
//!
//! The lender's flows to and from the state (the state loan's interest, the facilities'
//! guarantee fees, capital injected in a resolution, the state loan repaid, the guarantee
//! called at settlement) are recorded month by month as the months run; the BMKB's premiums
//! and claims are read from the guarantees' month arrays at the end, by the rules of the
//! settlement (claims pending at the horizon under par, every credit to its end after a
//! run-off). Rows are the horizon's report years and then the rows after it ([`Shape`]).

use super::lender::Settlement;
use crate::model::Model;
use crate::results::Shape;

/// The lender's flows with the state in one month, as the month's record gives them.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct StateFlows {
    /// Interest on the state loan and its injections.
    pub interest: f64,
    /// The facilities' guarantee fees.
    pub fees: f64,
    /// Capital the state lent at the month's end (a resolution).
    pub injection: f64,
    /// The state loan repaid from cash in the run-off.
    pub advance: f64,
    /// The state loan and injections outstanding in the month (at step 5), for the subsidy.
    pub lent: f64,
}

/// The settlement of one path and when it came.
#[derive(Debug, Clone, Copy)]
pub(super) struct Settled {
    /// `T_s`: the month index at which the state settles; the settlement is dated `T_s − 1`.
    pub month: usize,
    pub terms: Settlement,
    /// Whether it came after a run-off (the BMKB's credits then count to their end).
    pub run_off: bool,
}

/// What the BMKB owes and earns after a path, month by month (both channels).
pub(super) struct BmkbFlows<'a> {
    pub premiums: &'a [f64],
    /// Claims on defaults within the horizon, by due month (those due after it are pending
    /// under par).
    pub claims: &'a [f64],
    /// Claims on defaults after the horizon, by due month: a run-off's only.
    pub late_claims: &'a [f64],
    /// Exposure at each row's end month after the horizon (and at settlement).
    pub exposure_after: &'a [f64],
}

/// The state's flows of one path by month, and the account they add up to.
pub(super) struct Ledger {
    shape: Shape,
    months: usize,
    /// Per month of the state's account: the lender's net flow to the state (interest, fees,
    /// advances and the settlement's transfers, less injections).
    net: Vec<f64>,
    /// Per row: each flow of the lender's, and the facility guarantee exposure at the row's
    /// end.
    interest: Vec<f64>,
    fees: Vec<f64>,
    injections: Vec<f64>,
    repaid: Vec<f64>,
    call: Vec<f64>,
    exposure: Vec<f64>,
    /// Sums over the months to settlement.
    pub interest_total: f64,
    pub fees_total: f64,
    pub fees_pv: f64,
    pub injected: f64,
    pub advances: f64,
    /// `Σ_t (discount_rate − state_loan_rate)/12 × L_t`, nominal and discounted. The nominal
    /// sum is taken run by run of constant `L_t` (a product per run), so that a state loan
    /// never repaid nor added to gives `monthly × months` exactly, as before §11.
    subsidy: f64,
    subsidy_pv: f64,
    run: (f64, u64),
    pub peak_exposure: f64,
    pub settled: Option<Settled>,
    pub resolution_month: Option<usize>,
}

impl Ledger {
    /// An empty ledger of a path of `model` whose facilities' guarantee starts at `exposure`.
    pub fn new(model: &Model, exposure: f64) -> Ledger {
        let rows = model.shape.rows;
        Ledger {
            shape: model.shape,
            months: model.months,
            net: vec![0.0; model.span.max(model.months)],
            interest: vec![0.0; rows],
            fees: vec![0.0; rows],
            injections: vec![0.0; rows],
            repaid: vec![0.0; rows],
            call: vec![0.0; rows],
            exposure: vec![0.0; rows],
            interest_total: 0.0,
            fees_total: 0.0,
            fees_pv: 0.0,
            injected: 0.0,
            advances: 0.0,
            subsidy: 0.0,
            subsidy_pv: 0.0,
            run: (0.0, 0),
            peak_exposure: exposure,
            settled: None,
            resolution_month: None,
        }
    }

    /// The row of month `t`: its report year within the horizon; after it the one `after` row,
    /// or with run-off years the run-off's year (the last row for anything later).
    pub fn row_of(&self, t: usize) -> usize {
        let years = self.shape.years;
        if t < self.months {
            t / 12
        } else if self.shape.run_off_years {
            (years + (t - self.months) / 12).min(self.shape.rows - 1)
        } else {
            years
        }
    }

    /// Record month `t` of a lender not yet settled: its flows with the state, and its
    /// facility guarantee `exposure` at the month's end. `discount` is the state's `DF(t)`,
    /// `subsidy_per_month` its `(discount_rate − state_loan_rate) / 12`.
    pub fn add_month(
        &mut self,
        t: usize,
        f: &StateFlows,
        exposure: f64,
        discount: f64,
        subsidy_per_month: f64,
    ) {
        let row = self.row_of(t);
        self.interest[row] += f.interest;
        self.fees[row] += f.fees;
        self.injections[row] += f.injection;
        self.repaid[row] += f.advance;
        self.net[t] += f.interest + f.fees + f.advance - f.injection;
        self.interest_total += f.interest;
        self.fees_total += f.fees;
        self.fees_pv += f.fees * discount;
        self.injected += f.injection;
        self.advances += f.advance;
        if f.lent != self.run.0 {
            self.close_run(subsidy_per_month);
            self.run.0 = f.lent;
        }
        self.run.1 += 1;
        self.subsidy_pv += discount * (subsidy_per_month * f.lent);
        self.peak_exposure = self.peak_exposure.max(exposure);
        if t % 12 == 11 || t + 1 == self.months {
            self.exposure[row] = exposure;
        }
    }

    /// Add the subsidy of the run of months at one `L` now ending.
    fn close_run(&mut self, subsidy_per_month: f64) {
        if self.run.1 > 0 {
            self.subsidy += subsidy_per_month * self.run.0 * self.run.1 as f64;
        }
        self.run.1 = 0;
    }

    /// The state settles at month `month` (`T_s`; dated `T_s − 1`) on `terms`.
    pub fn settle(&mut self, month: usize, terms: Settlement, run_off: bool, subsidy: f64) {
        self.close_run(subsidy);
        let at = month.max(1) - 1;
        let row = self.row_of(at);
        self.repaid[row] += terms.state_repaid;
        self.call[row] += terms.guarantee_call;
        self.net[at] += terms.state_repaid - terms.guarantee_call;
        // The one row `after` holds the exposure just before a settlement at or after the
        // horizon (under par, the horizon's own). The run-off's years, like the horizon's, hold
        // it at each year's end: none after the settlement.
        if month >= self.months && !self.shape.run_off_years {
            let row = self.row_of(month);
            self.exposure[row] = terms.exposure;
        }
        self.settled = Some(Settled {
            month,
            terms,
            run_off,
        });
    }

    /// The state's nominal interest subsidy and its present value.
    pub fn subsidy(&self) -> (f64, f64) {
        (self.subsidy, self.subsidy_pv)
    }

    /// The ledger's yearly rows into `yearly` (row-major, [`crate::metrics::Yearly`]), with the
    /// BMKB's flows by the settlement's rules; returns `Σ_t DF(t) × state_net_cash_t`.
    pub fn write_rows(&self, bmkb: &BmkbFlows, discount: &[f64], yearly: &mut [f64]) -> f64 {
        use crate::metrics::Yearly as Y;
        let count = Y::COUNT;
        let run_off = self.settled.is_some_and(|s| s.run_off);
        let (years, rows) = (self.shape.years, self.shape.rows);
        // The BMKB's flows after the horizon by row; within it the months' own records hold
        // them already (the yearly metrics of the horizon).
        let mut premiums = vec![0.0; rows];
        let mut claims = vec![0.0; rows];
        let mut pv = 0.0;
        let span = self.net.len().max(bmkb.premiums.len());
        for (t, df) in discount.iter().enumerate().take(span) {
            let p = bmkb.premiums.get(t).copied().unwrap_or(0.0);
            let mut c = bmkb.claims.get(t).copied().unwrap_or(0.0);
            if run_off {
                c += bmkb.late_claims.get(t).copied().unwrap_or(0.0);
            }
            let lender = self.net.get(t).copied().unwrap_or(0.0);
            let net = lender + p - c;
            if net != 0.0 {
                pv += df * net;
            }
            if t >= self.months {
                let row = self.row_of(t);
                premiums[row] += p;
                claims[row] += c;
            }
        }
        for row in 0..rows {
            let at = |m: Y| row * count + m.index();
            if row >= years {
                yearly[at(Y::BmkbPremiums)] = premiums[row];
                yearly[at(Y::BmkbClaims)] = claims[row];
                yearly[at(Y::BmkbExposure)] =
                    bmkb.exposure_after.get(row - years).copied().unwrap_or(0.0);
            }
            let (p, c) = (yearly[at(Y::BmkbPremiums)], yearly[at(Y::BmkbClaims)]);
            yearly[at(Y::StateLoanInterest)] = self.interest[row];
            yearly[at(Y::GuaranteeFees)] = self.fees[row];
            yearly[at(Y::StateRecapitalisation)] = self.injections[row];
            yearly[at(Y::StateLoanRepaid)] = self.repaid[row];
            yearly[at(Y::GuaranteeCall)] = self.call[row];
            yearly[at(Y::GuaranteeExposure)] = self.exposure[row];
            yearly[at(Y::StateNetCash)] =
                self.interest[row] + self.fees[row] + p - c - self.injections[row]
                    + self.repaid[row]
                    - self.call[row];
        }
        pv
    }
}
