//! Every chart of every kind fits: each is drawn once more on a recording backend
//! (`microfolio::charts::fit`) that logs the box of every text measured with the embedded
//! font, and no box may leave the 800 × 500 canvas or lie over another. No browser: the boxes
//! are what the PNG backend draws and a browser lays out the SVG with the same metrics.
//!
//! The charts come from small but real runs and studies of the shipped scenarios, and from
//! their results bent to be hard to lay out (every Morris point in one spot, long names, many
//! variants), so that a layout that only works on friendly numbers fails here.

mod common;

use common::*;
use microfolio::charts::fit::{TextBox, problems};
use microfolio::charts::{RunData, draw_all};
use microfolio::metrics::Scalar;
use microfolio::study::compare::Compare;
use microfolio::study::morris::{Morris, MorrisSettings};
use microfolio::study::params::{SweepParam, VariantSpec};
use microfolio::study::sobol::{Sobol, SobolSettings};
use microfolio::study::sweep::Sweep;
use microfolio::study::tornado::Tornado;
use microfolio::{Options, RunOptions, Scenario, Silent, Study};

fn options() -> Options {
    Options {
        threads: Some(2),
        memory_budget: None,
    }
}

/// Every problem of every chart, one per line, naming the chart.
fn misfits<'a>(charts: impl IntoIterator<Item = (String, &'a [TextBox])>) -> Vec<String> {
    charts
        .into_iter()
        .flat_map(|(name, boxes)| {
            problems(boxes)
                .into_iter()
                .map(move |p| format!("{name}: {p}"))
        })
        .collect()
}

/// The charts of a study, drawn from its results.
fn study_misfits<S: Study>(label: &str, study: &S, results: &S::Results) -> Vec<String> {
    let charts = study
        .draw(results)
        .unwrap_or_else(|e| panic!("{label}: {e}"));
    assert!(!charts.is_empty(), "{label}: no chart");
    misfits(
        charts
            .iter()
            .map(|c| (format!("{label} {}", c.file), c.text_boxes.as_slice())),
    )
}

fn assert_fit(all: Vec<String>) {
    assert!(
        all.is_empty(),
        "{} problems:\n{}",
        all.len(),
        all.join("\n")
    );
}

/// A run's charts, drawn from its result folder as `run` and `report` draw them.
fn run_misfits(scenario: &Scenario, uncertain: bool) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("r");
    let options = RunOptions {
        threads: Some(2),
        uncertain,
        ..RunOptions::default()
    };
    microfolio::run(scenario, &folder, &options, &Silent).unwrap();
    let drawn = draw_all(&RunData::load(&folder).unwrap()).unwrap();
    misfits(
        drawn
            .charts
            .iter()
            .map(|c| (format!("run {}", c.name), c.text_boxes.as_slice())),
    )
}

#[test]
fn the_charts_of_a_run_fit() {
    let mut all = run_misfits(&shipped("baseline", &["simulation.paths=200"]), false);
    all.extend(run_misfits(
        &shipped("uncertainty", &["simulation.paths=200"]),
        true,
    ));
    // A name as long as a scenario may have.
    let long = format!("meta.name=\"{}\"", "a_very_long_scenario_name".repeat(4));
    all.extend(run_misfits(
        &shipped("recession", &["simulation.paths=100", &long]),
        false,
    ));
    assert_fit(all);
}

#[test]
fn the_charts_of_sweeps_fit() {
    let base = shipped("referral_policy", &[])
        .with_run_size(Some(60), None)
        .unwrap();
    let param = |s: &str| s.parse::<SweepParam>().unwrap();
    let line = Sweep::new(&base, vec![param("followup.referral_share=0:1:5")], vec![]).unwrap();
    let r = line.compute(&options(), &Silent).unwrap();
    let mut all = study_misfits("sweep", &line, &r);
    let grid = Sweep::new(
        &base,
        vec![
            param("followup.referral_share=0.2,0.5,0.8"),
            param("bmkb.graduate_share=0:1:5"),
        ],
        Scalar::ALL.to_vec(),
    )
    .unwrap();
    let r = grid.compute(&options(), &Silent).unwrap();
    all.extend(study_misfits("grid", &grid, &r));
    // A fine grid: cells too small for their values.
    let fine = Sweep::new(
        &base.with_run_size(Some(8), None).unwrap(),
        vec![
            param("segment.micro_starter.annual_pd=0.04:0.09:11"),
            param("funding.min_cash=1e6:3e6:9"),
        ],
        vec![Scalar::CostToState, Scalar::Oss],
    )
    .unwrap();
    let r = fine.compute(&options(), &Silent).unwrap();
    all.extend(study_misfits("fine grid", &fine, &r));
    assert_fit(all);
}

#[test]
fn the_charts_of_comparisons_and_tornados_fit() {
    let base = shipped("referral_policy", &[]);
    let spec = |s: &str| s.parse::<VariantSpec>().unwrap();
    let two = Compare::new(
        std::slice::from_ref(&base),
        &[
            spec("refer_less: followup.referral_share=0.2"),
            spec("refer_more: followup.referral_share=0.8"),
        ],
        Some(60),
        None,
        Scalar::ALL.to_vec(),
    )
    .unwrap();
    let r = two.compute(&options(), &Silent).unwrap();
    let mut all = study_misfits("compare all", &two, &r);
    let one = Compare::new(
        std::slice::from_ref(&base),
        &[spec(
            "a_rather_long_variant_name_for_a_policy: followup.referral_share=0.8",
        )],
        Some(60),
        None,
        vec![],
    )
    .unwrap();
    let r = one.compute(&options(), &Silent).unwrap();
    all.extend(study_misfits("compare one", &one, &r));
    let many: Vec<VariantSpec> = (1..=5)
        .map(|k| {
            spec(&format!(
                "share_{k}: followup.referral_share={}",
                k as f64 / 6.0
            ))
        })
        .collect();
    let five = Compare::new(std::slice::from_ref(&base), &many, Some(30), None, vec![]).unwrap();
    let r = five.compute(&options(), &Silent).unwrap();
    all.extend(study_misfits("compare five", &five, &r));

    let small = base.with_run_size(Some(40), None).unwrap();
    let t = Tornado::new(&small, vec![], None).unwrap();
    let r = t.compute(&options(), &Silent).unwrap();
    all.extend(study_misfits("tornado", &t, &r));
    // The default list: every parameter of the baseline at ±20%.
    let baseline = shipped("baseline", &[])
        .with_run_size(Some(12), None)
        .unwrap();
    let t = Tornado::new(&baseline, vec![Scalar::NetLoss, Scalar::Oss], None).unwrap();
    let r = t.compute(&options(), &Silent).unwrap();
    all.extend(study_misfits("tornado default", &t, &r));
    assert_fit(all);
}

#[test]
fn the_charts_of_sobol_and_morris_studies_fit() {
    let base = shipped("uncertainty", &[]);
    let metrics = vec![
        Scalar::CostToState,
        Scalar::StateCostTotalPv,
        Scalar::CapitalDepleted,
        Scalar::EntrepreneursFinanced,
    ];
    let sobol = Sobol::new(
        &base,
        metrics.clone(),
        SobolSettings {
            samples: 8,
            paths_per_point: 2,
            bootstrap: 50,
            ..SobolSettings::default()
        },
    )
    .unwrap();
    let r = sobol.compute(&options(), &Silent).unwrap();
    let mut all = study_misfits("sobol", &sobol, &r);
    let morris = Morris::new(
        &base,
        metrics,
        MorrisSettings {
            trajectories: 4,
            paths_per_point: 2,
            bootstrap: 50,
            ..MorrisSettings::default()
        },
    )
    .unwrap();
    let r = morris.compute(&options(), &Silent).unwrap();
    all.extend(study_misfits("morris", &morris, &r));
    // Every group at one spot, that of the largest effect: the labels must still find room.
    let mut crowded = r.clone();
    for me in &mut crowded.per_metric {
        let e = &mut me.effects;
        let top = (0..e.mu.len())
            .max_by(|&a, &b| e.mu_star[a].value.total_cmp(&e.mu_star[b].value))
            .unwrap();
        let (mu, star, sigma) = (e.mu[top], e.mu_star[top], e.sigma[top]);
        for g in 0..e.mu.len() {
            e.mu[g] = mu;
            e.mu_star[g] = star;
            e.sigma[g] = sigma;
        }
    }
    all.extend(study_misfits("morris crowded", &morris, &crowded));
    assert_fit(all);
}
