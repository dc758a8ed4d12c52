//! Who bears the loss (docs/model.md §7, "Per segment"): on every path the segments' loans
//! granted and defaults add up to the lender's exactly and their net losses to `net_loss`
//! within the rounding of the sums, the BMKB's claims by channel to `bmkb_claims`, under
//! either settlement; and the Euler contributions written to a result equal a direct
//! computation from the per-path values over the tail set the report's ES uses.

mod common;

use common::*;
use microfolio::Results;
use microfolio::charts::{Tail, TailStats};
use microfolio::metrics::Scalar;
use microfolio::output::segments::who_bears;
use microfolio::segments::{Channel, Field, channel_value, segment_value};

/// Three segments of different risk, follow-up loans and graduations, BMKB on both channels,
/// a cycle that makes the tail.
const THREE: &str = r#"
[simulation]
horizon_years = 4
seed = 11
[funding]
state_loan = 30e6
guarantee_room = 60e6
[initial_book]
loans = 400
max_age_months = 24
[origination]
loans_per_year = 900
[credit_cycle]
asset_correlation = 0.15
persistence = 0.5
[followup]
referral_share = 0.5
[bmkb]
enabled = true
graduate_share = 0.7
claim_lag_months = 6
[state]
settlement = "run_off"
[[segment]]
name = "starter"
share = 0.5
mean_size = 12000
term_months = 48
annual_pd = 0.09
recovery_mean = 0.2
recovery_sd = 0.1
followup_rate = 0.15
bmkb_share = 0.3
[[segment]]
name = "existing"
share = 0.3
mean_size = 25000
term_months = 60
annual_pd = 0.05
recovery_mean = 0.3
followup_rate = 0.1
[[segment]]
name = "mkb"
share = 0.2
mean_size = 60000
term_months = 72
annual_pd = 0.03
recovery_mean = 0.35
bmkb_share = 0.5
"#;

fn column(r: &Results, m: Scalar) -> Vec<f64> {
    r.scalar(m).map(|v| v.expect("defined")).collect()
}

/// Every path: counts exactly, money to a relative 1e-9 of the sums it is made of (the
/// segments are summed loan by loan, the metric month by month).
fn adds_up(r: &Results, segments: usize) {
    let granted = column(r, Scalar::LoansGranted);
    let defaults = column(r, Scalar::Defaults);
    let net = column(r, Scalar::NetLoss);
    let scale: Vec<f64> = column(r, Scalar::GrossLoss)
        .iter()
        .zip(column(r, Scalar::Recoveries))
        .map(|(g, rec)| g + rec)
        .collect();
    let claims = column(r, Scalar::BmkbClaims);
    let sum = |field: Field, k: usize| -> f64 {
        (0..segments)
            .map(|s| r.segment_values(segment_value(s, field))[k])
            .sum()
    };
    let mut graduates = 0.0;
    for k in 0..r.paths() as usize {
        assert_eq!(sum(Field::LoansGranted, k), granted[k], "path {k}");
        assert_eq!(sum(Field::Defaults, k), defaults[k], "path {k}");
        let diff = sum(Field::NetLoss, k) - net[k];
        assert!(diff.abs() <= 1e-9 * scale[k], "path {k}: {diff}");
        let by_channel: f64 = Channel::ALL
            .iter()
            .map(|c| r.segment_values(channel_value(segments, *c))[k])
            .sum();
        assert!(
            (by_channel - claims[k]).abs() <= 1e-9 * claims[k].abs(),
            "path {k}: {by_channel} {}",
            claims[k]
        );
        graduates += r.segment_values(channel_value(segments, Channel::Graduates))[k];
    }
    assert!(graduates > 0.0, "the graduates' channel claims something");
}

#[test]
fn segments_add_up_to_the_lenders_outcomes_on_every_path() {
    for settlement in ["run_off", "par"] {
        let s = scenario(THREE, &[&format!("state.settlement={settlement}")]);
        let r = run(&s, 300);
        adds_up(&r, 3);
        // Every segment lost something somewhere: the test is not vacuous.
        for seg in 0..3 {
            let lost: f64 = r
                .segment_values(segment_value(seg, Field::NetLoss))
                .iter()
                .sum();
            assert!(lost > 0.0, "{settlement}: segment {seg}");
        }
    }
    // A lender that runs out of room rations and is wound down within the horizon.
    let tight = scenario(
        THREE,
        &[
            "funding.guarantee_room=15e6",
            "resolution.rule=wind_down",
            "segment.starter.annual_pd=0.3",
        ],
    );
    adds_up(&run(&tight, 100), 3);
}

/// The tail set is the ⌈(1 − q)N⌉ largest net losses, ties to the lower path; each
/// contribution is the segment's mean over it, computed here from scratch, and their sum is
/// the expected shortfall, the one the report's histogram of `net_loss` marks.
#[test]
fn contributions_are_the_segments_means_over_the_tail() {
    let s = scenario(THREE, &[]);
    let n = 450;
    let r = run(&s, n);
    let who = who_bears(&s, &r).unwrap().expect("paths");
    let net = column(&r, Scalar::NetLoss);
    let mut order: Vec<usize> = (0..n as usize).collect();
    order.sort_by(|&a, &b| net[b].partial_cmp(&net[a]).unwrap().then(a.cmp(&b)));
    let k = (n as usize).div_ceil(100);
    assert_eq!(who.segments.tail_paths, k);
    let tail = &order[..k];
    let es = tail.iter().map(|&i| net[i]).sum::<f64>() / k as f64;
    assert_eq!(who.segments.es, es);
    let mut total = 0.0;
    for (seg, part) in who.segments.parts.iter().enumerate() {
        let v = r.segment_values(segment_value(seg, Field::NetLoss));
        let direct = tail.iter().map(|&i| v[i]).sum::<f64>() / k as f64;
        assert!(
            (part.es_contribution - direct).abs() <= 1e-12 * direct.abs(),
            "{seg}"
        );
        let mean = v.iter().sum::<f64>() / n as f64;
        assert!((part.mean - mean).abs() <= 1e-12 * mean.abs(), "{seg}");
        total += part.es_contribution;
    }
    assert!((total - es).abs() <= 1e-9 * es, "{total} {es}");
    let mut sorted = net.clone();
    sorted.sort_by(f64::total_cmp);
    let report = TailStats::of(&sorted, Tail::Upper).es99;
    assert!((report - es).abs() <= 1e-9 * es, "{report} {es}");
    // The BMKB's claims over the tail of their own total.
    let channels: f64 = who.channels.parts.iter().map(|p| p.es_contribution).sum();
    assert!((channels - who.channels.es).abs() <= 1e-9 * who.channels.es);
}
