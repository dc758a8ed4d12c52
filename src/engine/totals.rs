//! What one path adds up to: each month's record summed over the year (the yearly metrics)
//! and over the horizon (the scalar metrics of [`crate::metrics`]), the run-off's months after
//! it, and the state's ledger (`ledger.rs`) into the state's whole account (docs/model.md
//! §10, §11.5).
//!
//! Only this file knows which metric is built from which flow, so a metric is added here and
//! in `metrics.rs` and nowhere else.

use super::book::BookMonth;
use super::ledger::{BmkbFlows, Ledger};
use super::lender::RunningCosts;
use crate::metrics::{Scalar, Yearly};
use crate::model::{Model, StateModel};

/// The loans granted and refused in one month.
#[derive(Debug, Default)]
pub(super) struct Grants {
    pub granted: u32,
    pub followups: u32,
    pub rationed: u32,
    pub disbursed: f64,
    pub fees: f64,
    pub jobs: f64,
}

impl Grants {
    pub fn grant(&mut self, size: f64, fee: f64, jobs: f64) {
        self.granted += 1;
        self.disbursed += size;
        self.fees += fee;
        self.jobs += jobs;
    }
}

/// Everything one month did, as the totals and the trace read it.
#[derive(Debug)]
pub(super) struct Month {
    pub month: usize,
    pub capital_start: f64,
    pub book: BookMonth,
    /// BMKB claims paid to the lender (step 1), premiums the state received and claims it paid
    /// in the month (both channels).
    pub claims_received: f64,
    pub bmkb_premiums: f64,
    pub bmkb_claims: f64,
    pub costs: RunningCosts,
    /// Per-new-loan and coaching costs of the loans granted.
    pub new_loan_costs: f64,
    /// The state loan repaid from cash in the run-off (step 7), and capital the state
    /// injected at the month's end (a resolution), both moving capital.
    pub state_repaid: f64,
    pub injection: f64,
    /// The state loan and injections outstanding at step 5.
    pub state_lent: f64,
    pub grants: Grants,
    /// Whether lending was open during the month, and whether it ended short of cash.
    pub lending_open: bool,
    pub shortfall: bool,
    pub active_start: i64,
    pub active_end: i64,
    pub cash_end: f64,
    pub book_end: f64,
    pub debt_end: f64,
    pub capital_end: f64,
}

#[derive(Debug, Default)]
struct YearFlows {
    active_at_start: i64,
    new_loans: u64,
    new_volume: f64,
    defaults: u64,
    net_loss: f64,
    graduations: u64,
    rationed: u64,
    bmkb_premiums: f64,
    bmkb_claims: f64,
    /// The year's side of [`Scalar::Oss`]: interest and fees earned; operating and funding
    /// costs; BMKB claims received (net loss is `net_loss` above).
    income: f64,
    costs: f64,
    claims_received: f64,
}

/// The BMKB's account of a path beyond what the months record (docs/model.md §10).
pub(super) struct BmkbTotals<'a> {
    /// Claims on defaults within the horizon that fall due after it, nominal and discounted.
    pub pending: f64,
    pub pending_pv: f64,
    /// Credits guaranteed in the horizon.
    pub guarantees: u64,
    /// Exposure at each year end.
    pub exposure: &'a [f64],
    /// The flows by month for the ledger, and after a run-off the exposures after the horizon.
    pub flows: BmkbFlows<'a>,
}

/// Sums over the months after the horizon (docs/model.md §11.2), which close the capital the
/// state settles on: `settlement_capital = K_T + interest − costs − net loss + claims`.
#[derive(Debug, Default)]
pub(super) struct RunOffTotals {
    pub interest: f64,
    pub costs: f64,
    pub net_loss: f64,
    pub claims_received: f64,
}

impl RunOffTotals {
    /// Add a month after the horizon.
    pub fn add(&mut self, m: &Month) {
        self.interest += m.book.interest;
        self.costs += m.costs.operating + m.costs.funding;
        self.net_loss += m.book.written_off - m.book.recovered;
        self.claims_received += m.claims_received;
    }
}

/// Sums over the horizon, and the yearly metrics as each year closes.
#[derive(Debug, Default)]
pub(super) struct Totals {
    granted: u64,
    followups: u64,
    rationed: u64,
    volume: f64,
    defaults: u64,
    gross_loss: f64,
    recoveries: f64,
    graduations: u64,
    prepayments: u64,
    interest: f64,
    fees: f64,
    operating_costs: f64,
    funding_costs: f64,
    jobs: f64,
    claims_received: f64,
    bmkb_premiums: f64,
    bmkb_premiums_pv: f64,
    bmkb_claims: f64,
    bmkb_claims_pv: f64,
    min_capital: f64,
    depleted: bool,
    months_closed: u64,
    months_short: u64,
    peak_debt: f64,
    year: YearFlows,
    /// Year-major, as in [`super::PathOutcome::yearly`].
    yearly: Vec<f64>,
}

impl Totals {
    /// Totals of a path of `rows` yearly rows that starts with `capital` and `debt`.
    pub fn new(rows: usize, capital: f64, debt: f64) -> Totals {
        Totals {
            min_capital: capital,
            depleted: capital < 0.0,
            peak_debt: debt,
            yearly: vec![0.0; rows * Yearly::COUNT],
            ..Totals::default()
        }
    }

    /// Loans granted over the path so far.
    pub fn granted(&self) -> u64 {
        self.granted
    }

    pub fn add(&mut self, m: &Month, state: &StateModel) {
        if m.month % 12 == 0 {
            self.year = YearFlows {
                active_at_start: m.active_start,
                ..YearFlows::default()
            };
        }
        let g = &m.grants;
        let b = &m.book;
        self.granted += g.granted as u64;
        self.followups += g.followups as u64;
        self.rationed += g.rationed as u64;
        self.volume += g.disbursed;
        self.fees += g.fees;
        self.jobs += g.jobs;
        self.gross_loss += b.written_off;
        self.recoveries += b.recovered;
        self.claims_received += m.claims_received;
        let df = state.discount[m.month];
        self.bmkb_premiums += m.bmkb_premiums;
        self.bmkb_premiums_pv += m.bmkb_premiums * df;
        self.bmkb_claims += m.bmkb_claims;
        self.bmkb_claims_pv += m.bmkb_claims * df;
        self.interest += b.interest;
        self.operating_costs += m.costs.operating + m.new_loan_costs;
        self.funding_costs += m.costs.funding;
        self.months_closed += (!m.lending_open) as u64;
        self.months_short += m.shortfall as u64;
        self.defaults += b.defaults as u64;
        self.prepayments += b.prepayments as u64;
        self.graduations += b.graduations as u64;
        self.min_capital = self.min_capital.min(m.capital_end);
        self.depleted |= m.capital_end < 0.0;
        self.peak_debt = self.peak_debt.max(m.debt_end);

        let year = &mut self.year;
        year.new_loans += g.granted as u64;
        year.new_volume += g.disbursed;
        year.defaults += b.defaults as u64;
        year.net_loss += b.written_off - b.recovered;
        year.graduations += b.graduations as u64;
        year.rationed += g.rationed as u64;
        year.bmkb_premiums += m.bmkb_premiums;
        year.bmkb_claims += m.bmkb_claims;
        year.income += b.interest + g.fees;
        year.costs += m.costs.operating + m.new_loan_costs + m.costs.funding;
        year.claims_received += m.claims_received;
        if m.month % 12 == 11 {
            self.close_year(m);
        }
    }

    fn close_year(&mut self, m: &Month) {
        let year = &self.year;
        let row = &mut self.yearly[(m.month / 12) * Yearly::COUNT..][..Yearly::COUNT];
        // The stocks after the year's last month: an injection at its end (docs/model.md
        // §11.3) included, as in the capital at the horizon.
        let (capital, cash) = if m.injection != 0.0 {
            (m.capital_end + m.injection, m.cash_end + m.injection)
        } else {
            (m.capital_end, m.cash_end)
        };
        row[Yearly::Book.index()] = m.book_end;
        row[Yearly::ActiveLoans.index()] = m.active_end as f64;
        row[Yearly::Capital.index()] = capital;
        row[Yearly::ExternalDebt.index()] = m.debt_end;
        row[Yearly::Cash.index()] = cash;
        row[Yearly::CapitalRatio.index()] = if m.active_end > 0 && m.book_end > 0.0 {
            capital / m.book_end
        } else {
            0.0
        };
        row[Yearly::NewLoans.index()] = year.new_loans as f64;
        row[Yearly::NewVolume.index()] = year.new_volume;
        row[Yearly::Defaults.index()] = year.defaults as f64;
        row[Yearly::NetLoss.index()] = year.net_loss;
        row[Yearly::Graduations.index()] = year.graduations as f64;
        row[Yearly::Rationed.index()] = year.rationed as f64;
        row[Yearly::DefaultRate.index()] = if year.active_at_start > 0 {
            year.defaults as f64 / year.active_at_start as f64
        } else {
            0.0
        };
        row[Yearly::BmkbPremiums.index()] = year.bmkb_premiums;
        row[Yearly::BmkbClaims.index()] = year.bmkb_claims;
        // The year's own operational self-sufficiency, as the horizon's (docs/model.md §10):
        // what a lender's annual accounts report, and what the record's "break-even in 2014"
        // speaks to (docs/calibration.md). 0 when the year has no costs, as the ratios above.
        let costs = year.costs + year.net_loss - year.claims_received;
        row[Yearly::Oss.index()] = if costs > 0.0 {
            year.income / costs
        } else {
            0.0
        };
    }

    /// The yearly metrics, and the scalar metrics of a path of `model` that started with
    /// loans worth `book_0` and had capital `final_capital` at the horizon, with the BMKB's
    /// account `bmkb`, the months after the horizon `run_off` and the state's `ledger`.
    pub fn finish(
        mut self,
        model: &Model,
        book_0: f64,
        final_capital: f64,
        bmkb: &BmkbTotals,
        run_off: &RunOffTotals,
        ledger: &Ledger,
    ) -> ([Option<f64>; Scalar::COUNT], Vec<f64>) {
        let (lender, state) = (&model.lender, &model.state);
        let initial_loans = model.initial_loans;
        for (j, &x) in bmkb.exposure.iter().enumerate() {
            self.yearly[j * Yearly::COUNT + Yearly::BmkbExposure.index()] = x;
        }
        let cash_pv = ledger.write_rows(&bmkb.flows, &state.discount, &mut self.yearly);
        let settled = ledger
            .settled
            .expect("every path settles, at par or after its run-off");
        let s = &settled.terms;
        let net_loss = self.gross_loss - self.recoveries;
        let ratio = |num: f64, den: f64| (den > 0.0).then(|| num / den);
        let guarantee_call = s.guarantee_call;
        let state_loan_loss = s.state_loan_loss;
        let mut v = [None; Scalar::COUNT];
        let mut set = |m: Scalar, x: Option<f64>| v[m.index()] = x;
        set(Scalar::LoansGranted, Some(self.granted as f64));
        set(Scalar::FollowupLoans, Some(self.followups as f64));
        set(
            Scalar::EntrepreneursFinanced,
            Some((self.granted - self.followups) as f64),
        );
        set(Scalar::VolumeGranted, Some(self.volume));
        set(
            Scalar::MeanLoanSize,
            ratio(self.volume, self.granted as f64),
        );
        set(Scalar::LoansRationed, Some(self.rationed as f64));
        set(Scalar::Defaults, Some(self.defaults as f64));
        set(
            Scalar::DefaultRate,
            ratio(self.defaults as f64, (initial_loans + self.granted) as f64),
        );
        set(Scalar::GrossLoss, Some(self.gross_loss));
        set(Scalar::Recoveries, Some(self.recoveries));
        set(Scalar::NetLoss, Some(net_loss));
        set(Scalar::LossRate, ratio(net_loss, book_0 + self.volume));
        set(Scalar::Graduations, Some(self.graduations as f64));
        set(Scalar::Prepayments, Some(self.prepayments as f64));
        set(Scalar::FinalCapital, Some(final_capital));
        set(Scalar::MinCapital, Some(self.min_capital));
        set(Scalar::CapitalDepleted, Some(self.depleted as u8 as f64));
        set(Scalar::MonthsLendingClosed, Some(self.months_closed as f64));
        set(
            Scalar::MonthsLiquidityShortfall,
            Some(self.months_short as f64),
        );
        set(Scalar::PeakExternalDebt, Some(self.peak_debt));
        // The room is the largest yearly sum of the facilities' limits in the horizon.
        let room = (0..model.years)
            .map(|y| lender.room_in(y))
            .fold(0.0, f64::max);
        set(
            Scalar::PeakGuaranteeUse,
            Some(if room > 0.0 {
                self.peak_debt / room
            } else {
                0.0
            }),
        );
        set(Scalar::GuaranteeCall, Some(guarantee_call));
        set(Scalar::StateLoanLoss, Some(state_loan_loss));
        let cost_to_state = guarantee_call + state_loan_loss;
        set(Scalar::CostToState, Some(cost_to_state));
        // docs/model.md §10: the lender's loss net of the BMKB claims it received. Without
        // claims the subtraction is of an exact zero, so the ratio keeps every bit.
        set(
            Scalar::Oss,
            ratio(
                self.interest + self.fees,
                self.operating_costs + self.funding_costs + net_loss - self.claims_received,
            ),
        );
        set(Scalar::JobsSupported, Some(self.jobs));
        // docs/model.md §10, §11.5: the state's whole account, nominal and discounted. Under
        // par the BMKB's flows are those of the horizon and the claims pending at it (summed as
        // the months ran, as before §11); after a run-off every credit runs to its end.
        let (premiums, premiums_pv, claims, claims_pv, pending, pending_pv) = if settled.run_off {
            let f = &bmkb.flows;
            let (mut p, mut p_pv, mut c, mut c_pv) = (0.0, 0.0, 0.0, 0.0);
            for (t, df) in state.discount.iter().enumerate() {
                let premium = f.premiums.get(t).copied().unwrap_or(0.0);
                let claim = f.claims.get(t).copied().unwrap_or(0.0)
                    + f.late_claims.get(t).copied().unwrap_or(0.0);
                p += premium;
                p_pv += premium * df;
                c += claim;
                c_pv += claim * df;
            }
            (p, p_pv, c, c_pv, 0.0, 0.0)
        } else {
            (
                self.bmkb_premiums,
                self.bmkb_premiums_pv,
                self.bmkb_claims,
                self.bmkb_claims_pv,
                bmkb.pending,
                bmkb.pending_pv,
            )
        };
        let bmkb_net_cost = claims + pending - premiums;
        let bmkb_net_cost_pv = claims_pv + pending_pv - premiums_pv;
        let cost_to_state_pv = cost_to_state * state.discount[settled.month - 1];
        let (subsidy, subsidy_pv) = ledger.subsidy();
        set(Scalar::BmkbGuarantees, Some(bmkb.guarantees as f64));
        set(Scalar::BmkbPremiums, Some(premiums));
        set(Scalar::BmkbClaims, Some(claims));
        set(Scalar::BmkbClaimsPending, Some(pending));
        set(Scalar::BmkbClaimsReceived, Some(self.claims_received));
        set(Scalar::BmkbNetCost, Some(bmkb_net_cost));
        set(
            Scalar::BmkbExposureEnd,
            Some(bmkb.exposure.last().copied().unwrap_or(0.0)),
        );
        set(Scalar::StateLoanSubsidy, Some(subsidy));
        set(
            Scalar::StateCostTotal,
            Some(cost_to_state + bmkb_net_cost + subsidy - ledger.fees_total),
        );
        set(Scalar::CostToStatePv, Some(cost_to_state_pv));
        set(Scalar::BmkbNetCostPv, Some(bmkb_net_cost_pv));
        set(Scalar::StateLoanSubsidyPv, Some(subsidy_pv));
        set(
            Scalar::StateCostTotalPv,
            Some(cost_to_state_pv + bmkb_net_cost_pv + subsidy_pv - ledger.fees_pv),
        );
        // docs/model.md §11: the ledger's own outcomes.
        let horizon = model.months;
        set(Scalar::GuaranteeFees, Some(ledger.fees_total));
        set(Scalar::GuaranteeFeesPv, Some(ledger.fees_pv));
        set(Scalar::LendersLoss, Some(s.lenders_loss));
        set(Scalar::SettlementMonth, Some(settled.month as f64));
        set(
            Scalar::RunOffMonths,
            Some(settled.month.saturating_sub(horizon) as f64),
        );
        set(Scalar::RunOffNetLoss, Some(run_off.net_loss));
        set(Scalar::RunOffInterest, Some(run_off.interest));
        set(Scalar::RunOffCosts, Some(run_off.costs));
        set(Scalar::RunOffClaimsReceived, Some(run_off.claims_received));
        set(Scalar::SettlementCapital, Some(s.capital));
        set(Scalar::StateLoanRepaidRunOff, Some(ledger.advances));
        set(
            Scalar::StateLoanRepaid,
            Some(ledger.advances + s.state_repaid),
        );
        set(Scalar::StateLoanInterest, Some(ledger.interest_total));
        set(
            Scalar::Resolved,
            Some(ledger.resolution_month.is_some() as u8 as f64),
        );
        set(
            Scalar::ResolutionMonth,
            ledger.resolution_month.map(|m| m as f64),
        );
        set(Scalar::StateRecapitalisation, Some(ledger.injected));
        set(Scalar::PeakGuaranteeExposure, Some(ledger.peak_exposure));
        set(Scalar::StateCashCostPv, Some(lender.state_loan - cash_pv));
        (v, self.yearly)
    }
}
