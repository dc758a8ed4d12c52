//! The registry of outcomes reported per path ([`Scalar`]) and per report year ([`Yearly`])
//! (docs/model.md §7): for each its public name, human label, unit, direction and whether it values
//! the book at par. Every fact is an exhaustive `match` in this file, so adding a metric makes
//! the compiler ask each question once; charts, tables, CSV headers, summaries and studies
//! derive from here and never match metric names as strings. The names are the public
//! interface of `summary.json`, `paths.csv` and `timeseries.csv`.

use crate::scenario::Settlement;
pub use crate::units::Unit;

/// Which way an outcome is better, from the point of view of a policy maker who wants the
/// lender to reach entrepreneurs at little risk and cost to the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// More is worse: losses, defaults, rationing, what the state pays.
    HigherWorse,
    /// More is better: entrepreneurs reached, jobs, capital, self-sufficiency.
    HigherBetter,
}

impl Direction {
    /// The words used in files: `higher_worse`, `higher_better`.
    pub fn name(self) -> &'static str {
        match self {
            Direction::HigherWorse => "higher_worse",
            Direction::HigherBetter => "higher_better",
        }
    }
}

macro_rules! metric_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($(#[$vdoc])* $variant,)+ }

        impl $name {
            /// Every metric, in output order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];
            /// Number of metrics.
            pub const COUNT: usize = $name::ALL.len();

            /// The public name.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            /// The metric with this public name.
            pub fn from_name(name: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|m| m.name() == name)
            }

            /// Position in [`Self::ALL`].
            #[inline]
            pub fn index(self) -> usize {
                self as usize
            }

            /// The label with its unit, for an axis or a table header: `Net loss (€)`.
            pub fn label_with_unit(self) -> String {
                self.unit().label(self.label())
            }
        }
    };
}

metric_enum! {
    /// Scalar outcomes of one path (the `summary.json` metric names).
    Scalar {
        /// Loans granted in the horizon, follow-up loans included.
        LoansGranted = "loans_granted",
        /// Of which follow-up loans.
        FollowupLoans = "followup_loans",
        /// `loans_granted - followup_loans`.
        EntrepreneursFinanced = "entrepreneurs_financed",
        /// Euros disbursed.
        VolumeGranted = "volume_granted",
        /// `volume_granted / loans_granted`; undefined when nothing is granted.
        MeanLoanSize = "mean_loan_size",
        /// Requests not granted.
        LoansRationed = "loans_rationed",
        /// Loans that defaulted in the horizon, initial book included.
        Defaults = "defaults",
        /// `defaults / (initial_book.loans + loans_granted)`.
        DefaultRate = "default_rate",
        /// Principal written off, euros.
        GrossLoss = "gross_loss",
        /// Recoveries received in the horizon, euros.
        Recoveries = "recoveries",
        /// `gross_loss - recoveries`.
        NetLoss = "net_loss",
        /// `net_loss / (book_0 + volume_granted)`.
        LossRate = "loss_rate",
        /// Follow-up needs met by other financiers.
        Graduations = "graduations",
        /// Other early repayments.
        Prepayments = "prepayments",
        /// `K_T`: capital at the end (book at par, pending recoveries left out).
        FinalCapital = "final_capital",
        /// The lowest of `K_0 .. K_T`.
        MinCapital = "min_capital",
        /// 1 if some `K_t < 0`, else 0.
        CapitalDepleted = "capital_depleted",
        /// Months in which lending was closed.
        MonthsLendingClosed = "months_lending_closed",
        /// Months ending with cash below `min_cash`.
        MonthsLiquidityShortfall = "months_liquidity_shortfall",
        /// The highest of `D_0 .. D_T`.
        PeakExternalDebt = "peak_external_debt",
        /// `peak_external_debt / guarantee_room` (0 when the room is 0).
        PeakGuaranteeUse = "peak_guarantee_use",
        /// `max(0, -K_T)`: debt the assets cannot repay, paid by the state.
        GuaranteeCall = "guarantee_call",
        /// `state_loan - clamp(K_T, 0, state_loan)`.
        StateLoanLoss = "state_loan_loss",
        /// `guarantee_call + state_loan_loss`.
        CostToState = "cost_to_state",
        /// Operational self-sufficiency; undefined when its denominator is 0.
        Oss = "oss",
        /// Sum of `jobs_per_loan` over new (not follow-up) loans granted: each firm once.
        JobsSupported = "jobs_supported",
        /// Credits the BMKB guaranteed in the horizon: the lender's own and graduates' bank
        /// loans (docs/model.md §10).
        BmkbGuarantees = "bmkb_guarantees",
        /// BMKB premiums the state received, both channels, euros.
        BmkbPremiums = "bmkb_premiums",
        /// BMKB claims the state paid within the horizon, both channels, euros.
        BmkbClaims = "bmkb_claims",
        /// Claims on defaults within the horizon falling due after it, euros.
        BmkbClaimsPending = "bmkb_claims_pending",
        /// Claims paid to the lender on its own backed loans within the horizon, euros.
        BmkbClaimsReceived = "bmkb_claims_received",
        /// `bmkb_claims + bmkb_claims_pending - bmkb_premiums`.
        BmkbNetCost = "bmkb_net_cost",
        /// The state's BMKB exposure at the horizon, euros.
        BmkbExposureEnd = "bmkb_exposure_end",
        /// Interest the state forgoes on the state loan, at its own cost of funds, euros.
        StateLoanSubsidy = "state_loan_subsidy",
        /// `cost_to_state + bmkb_net_cost + state_loan_subsidy`, nominal.
        StateCostTotal = "state_cost_total",
        /// `cost_to_state` discounted from the horizon's last month.
        CostToStatePv = "cost_to_state_pv",
        /// `bmkb_net_cost`, every flow discounted at its month.
        BmkbNetCostPv = "bmkb_net_cost_pv",
        /// `state_loan_subsidy`, discounted month by month.
        StateLoanSubsidyPv = "state_loan_subsidy_pv",
        /// `state_cost_total` in present value: the channels' present values summed.
        StateCostTotalPv = "state_cost_total_pv",
        /// Guarantee fees the state received on the facilities' debt, to settlement, euros
        /// (docs/model.md §11.1).
        GuaranteeFees = "guarantee_fees",
        /// `guarantee_fees` discounted month by month.
        GuaranteeFeesPv = "guarantee_fees_pv",
        /// The funders' own loss on the unguaranteed part of a shortfall at settlement.
        LendersLoss = "lenders_loss",
        /// `T_s`: the month index at which the state settles (`T` at par).
        SettlementMonth = "settlement_month",
        /// `max(0, T_s − T)`: months of run-off after the horizon.
        RunOffMonths = "run_off_months",
        /// Write-offs minus recoveries in the months after the horizon, euros.
        RunOffNetLoss = "run_off_net_loss",
        /// Interest the book paid in the months after the horizon, euros.
        RunOffInterest = "run_off_interest",
        /// Running costs paid in the months after the horizon, euros.
        RunOffCosts = "run_off_costs",
        /// BMKB claims the lender received in the months after the horizon, euros.
        RunOffClaimsReceived = "run_off_claims_received",
        /// `K_{T_s} + R`: the capital the state settles on (`K_T` at par).
        SettlementCapital = "settlement_capital",
        /// `R`: what the run-off repaid of the state loan from cash before settlement.
        StateLoanRepaidRunOff = "state_loan_repaid_run_off",
        /// All the state got back of the state loan and its injections.
        StateLoanRepaid = "state_loan_repaid",
        /// Interest the state received on the state loan, to settlement.
        StateLoanInterest = "state_loan_interest",
        /// 1 if the lender was resolved (wound down or recapitalised), else 0.
        Resolved = "resolved",
        /// The month at whose end the resolution's trigger first completed; undefined when
        /// never.
        ResolutionMonth = "resolution_month",
        /// What the state lent the lender as capital in a resolution, in all.
        StateRecapitalisation = "state_recapitalisation",
        /// The highest `Σ guaranteed_share × D` from month 0 to settlement.
        PeakGuaranteeExposure = "peak_guarantee_exposure",
        /// The ledger's own present value: `state_loan − Σ_t DF(t) × state_net_cash_t`.
        StateCashCostPv = "state_cash_cost_pv",
    }
}

metric_enum! {
    /// Outcomes per path and report year (`timeseries.csv`).
    Yearly {
        /// Outstanding principal at the year's end.
        Book = "book",
        /// Loans on the book at the year's end.
        ActiveLoans = "active_loans",
        /// Capital at the year's end.
        Capital = "capital",
        /// External debt at the year's end.
        ExternalDebt = "external_debt",
        /// Cash at the year's end.
        Cash = "cash",
        /// Capital over book (0 when the book is empty).
        CapitalRatio = "capital_ratio",
        /// Loans granted in the year.
        NewLoans = "new_loans",
        /// Euros granted in the year.
        NewVolume = "new_volume",
        /// Defaults in the year.
        Defaults = "defaults",
        /// Write-offs minus recoveries received in the year.
        NetLoss = "net_loss",
        /// Graduations in the year.
        Graduations = "graduations",
        /// Requests rationed in the year.
        Rationed = "rationed",
        /// Defaults in the year over loans live at the start of the year (0 when none are).
        DefaultRate = "default_rate",
        /// The year's operational self-sufficiency: interest and fees over operating and
        /// funding costs plus net loss net of BMKB claims received, all of the year (0 when
        /// that is not positive). Before the BMKB's and the ledger's metrics: the lender's own.
        Oss = "oss",
        /// BMKB premiums received in the year, both channels.
        BmkbPremiums = "bmkb_premiums",
        /// BMKB claims paid in the year, both channels.
        BmkbClaims = "bmkb_claims",
        /// The state's BMKB exposure at the year's end.
        BmkbExposure = "bmkb_exposure",
        /// The state's net cash from the lender and the BMKB in the year (docs/model.md §11.4).
        StateNetCash = "state_net_cash",
        /// Interest received on the state loan in the year.
        StateLoanInterest = "state_loan_interest",
        /// Guarantee fees received in the year.
        GuaranteeFees = "guarantee_fees",
        /// Capital the state lent in a resolution in the year.
        StateRecapitalisation = "state_recapitalisation",
        /// The state loan repaid in the year: the run-off's advances and the settlement's
        /// balance.
        StateLoanRepaid = "state_loan_repaid",
        /// What the state paid under its facility guarantees in the year (at settlement).
        GuaranteeCall = "guarantee_call",
        /// The state's outstanding facility guarantee at the year's end.
        GuaranteeExposure = "guarantee_exposure",
    }
}

/// The key outcomes a run's report leads with, in the report's order: its headline table, and
/// the outcomes whose rank correlation with each uncertain parameter a run with parameter
/// uncertainty reports (with [`Scalar::CapitalDepleted`], the headline probability).
pub const HEADLINE: [Scalar; 17] = [
    Scalar::EntrepreneursFinanced,
    Scalar::LoansGranted,
    Scalar::VolumeGranted,
    Scalar::JobsSupported,
    Scalar::LoansRationed,
    Scalar::DefaultRate,
    Scalar::NetLoss,
    Scalar::LossRate,
    Scalar::FinalCapital,
    Scalar::MinCapital,
    Scalar::PeakGuaranteeUse,
    Scalar::CostToState,
    Scalar::BmkbNetCost,
    Scalar::StateLoanSubsidy,
    Scalar::StateCostTotal,
    Scalar::StateCostTotalPv,
    Scalar::Oss,
];

impl Scalar {
    /// The human label: `Cost to the state`.
    pub fn label(self) -> &'static str {
        use Scalar::*;
        match self {
            LoansGranted => "Loans granted",
            FollowupLoans => "Follow-up loans",
            EntrepreneursFinanced => "Entrepreneurs financed",
            VolumeGranted => "Volume granted",
            MeanLoanSize => "Mean loan size",
            LoansRationed => "Loan requests rationed",
            Defaults => "Defaults",
            DefaultRate => "Default rate",
            GrossLoss => "Gross loss",
            Recoveries => "Recoveries",
            NetLoss => "Net loss",
            LossRate => "Loss rate",
            Graduations => "Graduations",
            Prepayments => "Prepayments",
            FinalCapital => "Final capital",
            MinCapital => "Lowest capital",
            CapitalDepleted => "Capital depleted",
            MonthsLendingClosed => "Lending closed",
            MonthsLiquidityShortfall => "Liquidity shortfall",
            PeakExternalDebt => "Peak external debt",
            PeakGuaranteeUse => "Peak use of the guarantee room",
            GuaranteeCall => "Guarantee call",
            StateLoanLoss => "Loss on the state loan",
            CostToState => "Cost to the state",
            Oss => "Operational self-sufficiency",
            JobsSupported => "Jobs supported",
            BmkbGuarantees => "BMKB guarantees",
            BmkbPremiums => "BMKB premiums",
            BmkbClaims => "BMKB claims paid",
            BmkbClaimsPending => "BMKB claims pending",
            BmkbClaimsReceived => "BMKB claims received by the lender",
            BmkbNetCost => "BMKB net cost",
            BmkbExposureEnd => "BMKB exposure at the horizon",
            StateLoanSubsidy => "State loan interest subsidy",
            StateCostTotal => "State's total cost",
            CostToStatePv => "Cost to the state (PV)",
            BmkbNetCostPv => "BMKB net cost (PV)",
            StateLoanSubsidyPv => "State loan interest subsidy (PV)",
            StateCostTotalPv => "State's total cost (PV)",
            GuaranteeFees => "Guarantee fees",
            GuaranteeFeesPv => "Guarantee fees (PV)",
            LendersLoss => "Funders' own loss",
            SettlementMonth => "Settlement month",
            RunOffMonths => "Run-off after the horizon",
            RunOffNetLoss => "Net loss in the run-off",
            RunOffInterest => "Interest in the run-off",
            RunOffCosts => "Running costs in the run-off",
            RunOffClaimsReceived => "BMKB claims received in the run-off",
            SettlementCapital => "Capital at settlement",
            StateLoanRepaidRunOff => "State loan repaid in the run-off",
            StateLoanRepaid => "State loan repaid",
            StateLoanInterest => "State loan interest received",
            Resolved => "Lender resolved",
            ResolutionMonth => "Resolution month",
            StateRecapitalisation => "State recapitalisation",
            PeakGuaranteeExposure => "Peak facility guarantee exposure",
            StateCashCostPv => "State's cash cost (PV)",
        }
    }

    /// What the values measure. `capital_depleted` is 0 or 1 per path, so its mean is a
    /// probability, written in percent.
    pub fn unit(self) -> Unit {
        use Scalar::*;
        match self {
            VolumeGranted
            | MeanLoanSize
            | GrossLoss
            | Recoveries
            | NetLoss
            | FinalCapital
            | MinCapital
            | PeakExternalDebt
            | GuaranteeCall
            | StateLoanLoss
            | CostToState
            | BmkbPremiums
            | BmkbClaims
            | BmkbClaimsPending
            | BmkbClaimsReceived
            | BmkbNetCost
            | BmkbExposureEnd
            | StateLoanSubsidy
            | StateCostTotal
            | CostToStatePv
            | BmkbNetCostPv
            | StateLoanSubsidyPv
            | StateCostTotalPv
            | GuaranteeFees
            | GuaranteeFeesPv
            | LendersLoss
            | RunOffNetLoss
            | RunOffInterest
            | RunOffCosts
            | RunOffClaimsReceived
            | SettlementCapital
            | StateLoanRepaidRunOff
            | StateLoanRepaid
            | StateLoanInterest
            | StateRecapitalisation
            | PeakGuaranteeExposure
            | StateCashCostPv => Unit::Money,
            DefaultRate | LossRate | CapitalDepleted | PeakGuaranteeUse | Resolved => Unit::Percent,
            MonthsLendingClosed
            | MonthsLiquidityShortfall
            | SettlementMonth
            | RunOffMonths
            | ResolutionMonth => Unit::Months,
            Oss => Unit::Ratio,
            LoansGranted
            | FollowupLoans
            | EntrepreneursFinanced
            | LoansRationed
            | Defaults
            | Graduations
            | Prepayments
            | JobsSupported
            | BmkbGuarantees => Unit::Count,
        }
    }

    /// Which way the outcome is better. `None` where more is neither better nor worse in
    /// itself: volumes and counts that grow with the lender's size (`loans_granted`,
    /// `volume_granted`, `peak_external_debt`, `peak_guarantee_use`), the mix of follow-up
    /// financing that a policy such as the referral share sets on purpose (`followup_loans`,
    /// `graduations`), and outcomes that move with others (`recoveries` rise with defaults,
    /// `prepayments`, `mean_loan_size`). On the BMKB side, what the state pays is worse;
    /// the premiums, the guarantees written, the exposure and the claims the lender receives
    /// grow with the scheme's use and are neither.
    pub fn direction(self) -> Option<Direction> {
        use Scalar::*;
        match self {
            LoansRationed
            | Defaults
            | DefaultRate
            | GrossLoss
            | NetLoss
            | LossRate
            | CapitalDepleted
            | MonthsLendingClosed
            | MonthsLiquidityShortfall
            | GuaranteeCall
            | StateLoanLoss
            | CostToState
            | BmkbClaims
            | BmkbClaimsPending
            | BmkbNetCost
            | StateLoanSubsidy
            | StateCostTotal
            | CostToStatePv
            | BmkbNetCostPv
            | StateLoanSubsidyPv
            | StateCostTotalPv
            | LendersLoss
            | RunOffNetLoss
            | RunOffCosts
            | Resolved
            | StateRecapitalisation
            | StateCashCostPv => Some(Direction::HigherWorse),
            EntrepreneursFinanced
            | JobsSupported
            | FinalCapital
            | MinCapital
            | Oss
            | SettlementCapital
            | StateLoanRepaid => Some(Direction::HigherBetter),
            LoansGranted
            | FollowupLoans
            | VolumeGranted
            | MeanLoanSize
            | Recoveries
            | Graduations
            | Prepayments
            | PeakExternalDebt
            | PeakGuaranteeUse
            | BmkbGuarantees
            | BmkbPremiums
            | BmkbClaimsReceived
            | BmkbExposureEnd
            | GuaranteeFees
            | GuaranteeFeesPv
            | SettlementMonth
            | RunOffMonths
            | RunOffInterest
            | RunOffClaimsReceived
            | StateLoanRepaidRunOff
            | StateLoanInterest
            | ResolutionMonth
            | PeakGuaranteeExposure => None,
        }
    }

    /// Whether the outcome values the book at par at the horizon, leaving out losses still
    /// embedded in it (docs/model.md §7): capital at the horizon always, and under a
    /// settlement at par also the settlement and what the state pays through the lender (and
    /// so the state's totals, which include it). After a run-off (docs/model.md §11.2) the
    /// state settles on an empty book, valued at nothing but cash.
    pub fn at_par(self, settlement: Settlement) -> bool {
        use Scalar::*;
        match self {
            FinalCapital => true,
            GuaranteeCall | StateLoanLoss | CostToState | StateCostTotal | CostToStatePv
            | StateCostTotalPv | LendersLoss | SettlementCapital | StateLoanRepaid
            | StateCashCostPv => settlement == Settlement::Par,
            LoansGranted
            | FollowupLoans
            | EntrepreneursFinanced
            | VolumeGranted
            | MeanLoanSize
            | LoansRationed
            | Defaults
            | DefaultRate
            | GrossLoss
            | Recoveries
            | NetLoss
            | LossRate
            | Graduations
            | Prepayments
            | MinCapital
            | CapitalDepleted
            | MonthsLendingClosed
            | MonthsLiquidityShortfall
            | PeakExternalDebt
            | PeakGuaranteeUse
            | Oss
            | JobsSupported
            | BmkbGuarantees
            | BmkbPremiums
            | BmkbClaims
            | BmkbClaimsPending
            | BmkbClaimsReceived
            | BmkbNetCost
            | BmkbExposureEnd
            | StateLoanSubsidy
            | BmkbNetCostPv
            | StateLoanSubsidyPv
            | GuaranteeFees
            | GuaranteeFeesPv
            | SettlementMonth
            | RunOffMonths
            | RunOffNetLoss
            | RunOffInterest
            | RunOffCosts
            | RunOffClaimsReceived
            | StateLoanRepaidRunOff
            | StateLoanInterest
            | Resolved
            | ResolutionMonth
            | StateRecapitalisation
            | PeakGuaranteeExposure => false,
        }
    }
}

impl Yearly {
    /// The human label: `Loan book`.
    pub fn label(self) -> &'static str {
        use Yearly::*;
        match self {
            Book => "Loan book",
            ActiveLoans => "Active loans",
            Capital => "Capital",
            ExternalDebt => "External debt",
            Cash => "Cash",
            CapitalRatio => "Capital ratio",
            NewLoans => "New loans",
            NewVolume => "New volume",
            Defaults => "Defaults",
            NetLoss => "Net loss",
            Graduations => "Graduations",
            Rationed => "Requests rationed",
            DefaultRate => "Default rate",
            BmkbPremiums => "BMKB premiums",
            BmkbClaims => "BMKB claims paid",
            BmkbExposure => "BMKB exposure",
            StateNetCash => "State's net cash",
            StateLoanInterest => "State loan interest received",
            GuaranteeFees => "Guarantee fees received",
            StateRecapitalisation => "State recapitalisation",
            StateLoanRepaid => "State loan repaid",
            GuaranteeCall => "Guarantee call paid",
            GuaranteeExposure => "Facility guarantee exposure",
            Oss => "Operational self-sufficiency",
        }
    }

    /// What the values measure.
    pub fn unit(self) -> Unit {
        use Yearly::*;
        match self {
            Book
            | Capital
            | ExternalDebt
            | Cash
            | NewVolume
            | NetLoss
            | BmkbPremiums
            | BmkbClaims
            | BmkbExposure
            | StateNetCash
            | StateLoanInterest
            | GuaranteeFees
            | StateRecapitalisation
            | StateLoanRepaid
            | GuaranteeCall
            | GuaranteeExposure => Unit::Money,
            CapitalRatio | DefaultRate => Unit::Percent,
            ActiveLoans | NewLoans | Defaults | Graduations | Rationed => Unit::Count,
            Oss => Unit::Ratio,
        }
    }

    /// Which way the outcome is better (as for [`Scalar::direction`]).
    pub fn direction(self) -> Option<Direction> {
        use Yearly::*;
        match self {
            Defaults
            | NetLoss
            | Rationed
            | DefaultRate
            | BmkbClaims
            | StateRecapitalisation
            | GuaranteeCall => Some(Direction::HigherWorse),
            Capital | CapitalRatio | StateNetCash | Oss => Some(Direction::HigherBetter),
            Book | ActiveLoans | ExternalDebt | Cash | NewLoans | NewVolume | Graduations
            | BmkbPremiums | BmkbExposure | StateLoanInterest | GuaranteeFees | StateLoanRepaid
            | GuaranteeExposure => None,
        }
    }

    /// Whether the outcome has rows after the horizon: the state's ledger (docs/model.md
    /// §11.4), whose flows go on after it. Every other yearly metric stops at the horizon.
    pub fn beyond_horizon(self) -> bool {
        use Yearly::*;
        match self {
            BmkbPremiums
            | BmkbClaims
            | BmkbExposure
            | StateNetCash
            | StateLoanInterest
            | GuaranteeFees
            | StateRecapitalisation
            | StateLoanRepaid
            | GuaranteeCall
            | GuaranteeExposure => true,
            Book | ActiveLoans | Capital | ExternalDebt | Cash | CapitalRatio | NewLoans
            | NewVolume | Defaults | NetLoss | Graduations | Rationed | DefaultRate | Oss => false,
        }
    }

    /// Whether the outcome values the book at par: capital, at every year end.
    pub fn at_par(self) -> bool {
        use Yearly::*;
        match self {
            Capital | CapitalRatio => true,
            Book
            | ActiveLoans
            | ExternalDebt
            | Cash
            | NewLoans
            | NewVolume
            | Defaults
            | NetLoss
            | Graduations
            | Rationed
            | DefaultRate
            | BmkbPremiums
            | BmkbClaims
            | BmkbExposure
            | StateNetCash
            | StateLoanInterest
            | GuaranteeFees
            | StateRecapitalisation
            | StateLoanRepaid
            | GuaranteeCall
            | GuaranteeExposure
            | Oss => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_indices_match() {
        for (i, m) in Scalar::ALL.iter().enumerate() {
            assert_eq!(m.index(), i);
            assert_eq!(Scalar::from_name(m.name()), Some(*m));
        }
        for (i, m) in Yearly::ALL.iter().enumerate() {
            assert_eq!(m.index(), i);
            assert_eq!(Yearly::from_name(m.name()), Some(*m));
        }
        assert_eq!(Scalar::COUNT, 57);
        assert_eq!(Yearly::COUNT, 24);
    }

    #[test]
    fn the_registry_answers_for_every_metric() {
        assert_eq!(Scalar::Oss.unit(), Unit::Ratio);
        assert_eq!(Scalar::MonthsLendingClosed.unit(), Unit::Months);
        assert_eq!(
            Scalar::CostToState.label_with_unit(),
            "Cost to the state (€)"
        );
        assert_eq!(Scalar::DefaultRate.label_with_unit(), "Default rate (%)");
        assert_eq!(
            Scalar::MonthsLiquidityShortfall.label_with_unit(),
            "Liquidity shortfall (months)"
        );
        assert_eq!(
            Scalar::EntrepreneursFinanced.label_with_unit(),
            "Entrepreneurs financed"
        );
        let at_par = |settlement| -> Vec<&str> {
            Scalar::ALL
                .iter()
                .filter(|m| m.at_par(settlement))
                .map(|m| m.name())
                .collect()
        };
        assert_eq!(
            at_par(Settlement::Par),
            [
                "final_capital",
                "guarantee_call",
                "state_loan_loss",
                "cost_to_state",
                "state_cost_total",
                "cost_to_state_pv",
                "state_cost_total_pv",
                "lenders_loss",
                "settlement_capital",
                "state_loan_repaid",
                "state_cash_cost_pv"
            ]
        );
        // After a run-off the state settles on an empty book: only the horizon's capital is
        // still valued at par.
        assert_eq!(at_par(Settlement::RunOff), ["final_capital"]);
        assert_eq!(
            Scalar::FinalCapital.direction(),
            Some(Direction::HigherBetter)
        );
        assert_eq!(Scalar::Graduations.direction(), None);
        assert_eq!(Yearly::Book.label_with_unit(), "Loan book (€)");
        // Labels are distinct, so that a table or a legend never shows two rows alike.
        let mut labels: Vec<&str> = Scalar::ALL.iter().map(|m| m.label()).collect();
        labels.sort();
        labels.dedup();
        assert_eq!(labels.len(), Scalar::COUNT);
    }
}
