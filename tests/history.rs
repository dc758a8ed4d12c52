//! The history check (docs/calibration.md, "History check"): `scenarios/history.toml` replays
//! the baseline's lender from its founding in 2009 to 2024 with an empty book and the demand
//! path the baseline implies, and its lending is compared with the public record of the 2022
//! ministry letter: about 22,300 credits averaging €20,000, the number granted more than
//! doubling between the first evaluation (2016) and the second.
//!
//! The bands are the calibration's acceptance bands, stated in docs/calibration.md, not fitted
//! to the result: ±15% on the count ("about" a round figure, and corona bridge and TOA credits
//! left out of it), ±10% on the mean size, and a ratio above 2. The Monte Carlo error of the
//! means over 400 paths is far smaller than the bands (the standard error of the count is
//! about 10 credits), so a failure here means the calibration moved, not bad luck; the test
//! also checks that.

mod common;

use common::*;
use microfolio::metrics::{Scalar, Yearly};

/// The public record [EZK 2022].
const CREDITS_TO_2021: f64 = 22_300.0;
const MEAN_CREDIT: f64 = 20_000.0;

const PATHS: u64 = 400;

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn se(xs: &[f64]) -> f64 {
    let m = mean(xs);
    let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
    (var / xs.len() as f64).sqrt()
}

#[test]
fn history_lands_near_the_public_record() {
    let s = shipped("history", &[]);
    assert_eq!(s.spec().meta.start_year, 2009);
    assert_eq!(s.months(), 16 * 12, "2009-2024");
    let r = run(&s, PATHS);

    // Credits granted, follow-up credits included (each is a credit in the lender's count),
    // by report years: 2009-2021 are years 0..13, 2009-2015 (before the 2016 evaluation) 0..7.
    let to = |years: usize| -> Vec<f64> {
        (0..PATHS as usize)
            .map(|p| (0..years).map(|y| r.yearly(y, Yearly::NewLoans)[p]).sum())
            .collect()
    };
    let (to_2015, to_2021) = (to(7), to(13));
    let granted: Vec<f64> = r.scalar(Scalar::LoansGranted).map(Option::unwrap).collect();
    assert_eq!(
        to(16),
        granted,
        "yearly new loans add up to the loans granted"
    );
    // The mean credit to 2021, as the letter's figure.
    let volume: Vec<f64> = (0..PATHS as usize)
        .map(|p| (0..13).map(|y| r.yearly(y, Yearly::NewVolume)[p]).sum())
        .collect();
    let size: Vec<f64> = volume.iter().zip(&to_2021).map(|(v, n)| v / n).collect();

    let credits = mean(&to_2021);
    let ratio = credits / mean(&to_2015);
    let size_mean = mean(&size);
    println!(
        "history: {credits:.0} credits to 2021 (public ~22,300), mean €{size_mean:.0} \
         (public €20,000), 2021/2015 cumulative ratio {ratio:.3} (public: more than 2)"
    );
    assert!(
        se(&to_2021) < 0.01 * CREDITS_TO_2021,
        "the MC error is far below the band"
    );
    assert!(
        (credits / CREDITS_TO_2021 - 1.0).abs() < 0.15,
        "cumulative credits to 2021: {credits:.0}, public about {CREDITS_TO_2021}"
    );
    assert!(
        (size_mean / MEAN_CREDIT - 1.0).abs() < 0.10,
        "mean credit: €{size_mean:.0}, public €{MEAN_CREDIT}"
    );
    assert!(
        ratio > 2.0,
        "credits more than doubled after 2015: ratio {ratio:.3}"
    );
}
