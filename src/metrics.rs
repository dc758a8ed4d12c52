//! Names of the outcomes reported per path and per report year (MODEL.md §7). These names are
//! the public interface of `summary.json`, `paths.csv` and `timeseries.csv`.

macro_rules! metric_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
        /// Sum of `jobs_per_loan` over granted loans.
        JobsSupported = "jobs_supported",
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
        assert_eq!(Scalar::COUNT, 26);
        assert_eq!(Yearly::COUNT, 13);
    }
}
