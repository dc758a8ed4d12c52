//! Studies under randomised quasi-Monte Carlo (`simulation.sampling = "rqmc"`, docs/model.md
//! §12, docs/studies.md): a comparison of a scenario with itself finds no difference and no
//! error; on Vasicek's one-period portfolio a comparison's means and paired difference meet
//! their exact values within the randomisations' standard errors, which are far smaller than
//! plain sampling's; the standard errors a study reports are `randomisation_se` of its per-path
//! columns, bit for bit; and what a study cannot take is refused.
//!
//! The statistical check raises a false alarm with probability at most 1e-4 as a family
//! (Bonferroni), with fixed seeds: the standard error of `R` randomisations has `R - 1`
//! degrees of freedom, so the critical value is Student's t, not the normal's.

mod common;

use common::*;
use microfolio::rqmc::randomisation_se;
use microfolio::study::paired::Paired;
use microfolio::study::params::{SweepParam, VariantSpec};
use microfolio::{Compare, Model, Scalar, Scenario, Silent, Study, Sweep, simulate_range};

/// Student's t with 31 degrees of freedom at `1 - 1e-4 / (2 × 4)`: at most four comparisons
/// (scipy.stats.t.ppf(1 - 1e-4 / 8, 31)).
const T_31_FOUR: f64 = 4.947;

/// Vasicek's portfolio (10,000 new loans, PD 5%, one year) sampled by rqmc with
/// `randomisations` randomisations.
fn vasicek(randomisations: u64, sampling: &str) -> Scenario {
    shipped(
        "vasicek",
        &[
            &format!("simulation.sampling=\"{sampling}\""),
            &format!("simulation.rqmc_randomisations={randomisations}"),
        ],
    )
}

fn compare(base: &Scenario, variant: &str, paths: u64) -> (Compare, Vec<Vec<f64>>) {
    let spec: VariantSpec = variant.parse().unwrap();
    let c = Compare::new(
        std::slice::from_ref(base),
        &[spec],
        Some(paths),
        None,
        vec![],
    )
    .unwrap();
    // Every variant's defaults, path by path, simulated on their own.
    let columns = c
        .variants()
        .iter()
        .map(|v| {
            let r = simulate_range(&Model::new(&v.scenario), 0..paths);
            r.scalar(Scalar::Defaults)
                .map(|x| x.unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    (c, columns)
}

#[test]
fn a_scenario_compared_with_itself_under_rqmc_differs_by_nothing_with_no_error() {
    // A variant that sets a key to the value it has: the same paths on the same points.
    let (c, _) = compare(
        &vasicek(8, "rqmc"),
        "same: segment.pool.annual_pd=0.05",
        128,
    );
    let r = c.compute(&on_threads(2), &Silent).unwrap();
    no_difference(&r.variants[1].paired);
}

#[test]
fn a_comparison_under_rqmc_meets_vasiceks_answer_with_the_randomisations_errors() {
    // 32 randomisations of 64 points each; B raises the PD from 5% to 8%. The mean number of
    // defaults of a pool of n loans is n × PD (E[Binomial(n, PD(X))] = n E[PD(X)] = n p).
    let (randomisations, paths) = (32u64, 2048u64);
    let base = vasicek(randomisations, "rqmc");
    let n = base.spec().initial_book.loans as f64;
    let (c, columns) = compare(&base, "riskier: segment.pool.annual_pd=0.08", paths);
    let r = c.compute(&on_threads(2), &Silent).unwrap();
    let d = Scalar::Defaults.index();
    let check = |what: &str, mean: f64, se: f64, expected: f64| {
        assert!(se > 0.0, "{what}: no spread between randomisations");
        let t = (mean - expected) / se;
        assert!(
            t.abs() < T_31_FOUR,
            "{what}: {mean} against {expected} (se {se:.3e}, t={t:.2}, limit {T_31_FOUR})"
        );
    };
    let (a, b) = (
        r.variants[0].stats[d].unwrap(),
        r.variants[1].stats[d].unwrap(),
    );
    check("defaults of A", a.mean, a.se.unwrap(), n * 0.05);
    check("defaults of B", b.mean, b.se.unwrap(), n * 0.08);
    let paired = r.variants[1].paired[d].unwrap();
    check("B − A", paired.diff, paired.se.unwrap(), n * 0.03);

    // The errors reported are the randomisations' of the per-path columns, bit for bit.
    let diff: Vec<f64> = columns[0]
        .iter()
        .zip(&columns[1])
        .map(|(x, y)| y - x)
        .collect();
    assert_eq!(paired.se, randomisation_se(&diff, 0, randomisations));
    assert_eq!(a.se, randomisation_se(&columns[0], 0, randomisations));
    assert_eq!(b.se, randomisation_se(&columns[1], 0, randomisations));
    let independent =
        [&columns[0], &columns[1]].map(|c| randomisation_se(c, 0, randomisations).unwrap().powi(2));
    assert_eq!(
        paired.se_independent,
        Some((independent[0] + independent[1]).sqrt())
    );

    // And it pays: the plain formula's error of the same paths' differences, and a plain
    // comparison of as many paths, are several times larger.
    let same_paths = Paired::of(&columns[0], &columns[1], None).unwrap();
    let (plain, _) = compare(
        &vasicek(randomisations, "plain"),
        "riskier: segment.pool.annual_pd=0.08",
        paths,
    );
    let plain = plain.compute(&on_threads(2), &Silent).unwrap().variants[1].paired[d].unwrap();
    let rqmc = paired.se.unwrap();
    for (what, se) in [
        ("sd / sqrt(n) of the same paths", same_paths.se.unwrap()),
        ("a plain comparison", plain.se.unwrap()),
    ] {
        assert!(rqmc * 3.0 < se, "rqmc se {rqmc:.3e}, {what} {se:.3e}");
    }
}

#[test]
fn a_sweeps_errors_under_rqmc_are_the_randomisations_of_its_columns() {
    let (randomisations, paths) = (8u64, 96u64);
    let base = vasicek(randomisations, "rqmc")
        .with_run_size(Some(paths), None)
        .unwrap();
    let param: SweepParam = "segment.pool.annual_pd=0.05,0.07".parse().unwrap();
    let sweep = Sweep::new(&base, vec![param], vec![Scalar::Defaults, Scalar::NetLoss]).unwrap();
    let r = sweep.compute(&on_threads(1), &Silent).unwrap();
    let column = |v: usize, m: Scalar| -> Vec<f64> {
        let s = &sweep.variants()[v].scenario;
        simulate_range(&Model::new(s), 0..paths)
            .scalar(m)
            .map(|x| x.unwrap_or(f64::NAN))
            .collect()
    };
    for (k, m) in [Scalar::Defaults, Scalar::NetLoss].into_iter().enumerate() {
        let (a, b) = (column(0, m), column(1, m));
        let d: Vec<f64> = a.iter().zip(&b).map(|(x, y)| y - x).collect();
        let change = r.points[1].change[k].unwrap();
        assert_eq!(
            change.se,
            randomisation_se(&d, 0, randomisations),
            "{}",
            m.name()
        );
        assert_eq!(
            r.points[0].stats[k].unwrap().se,
            randomisation_se(&a, 0, randomisations)
        );
    }
}

#[test]
fn a_comparison_under_parameter_uncertainty_takes_rqmc() {
    // Each draw's paths take the points of the draw's seed, the same for every variant: a
    // variant equal to the reference differs by nothing at every draw; one that differs has
    // an error over draws and a parameter share.
    let s = shipped(
        "uncertainty",
        &[
            "simulation.sampling=\"rqmc\"",
            "simulation.rqmc_randomisations=4",
            "simulation.horizon_years=2",
        ],
    );
    let specs: Vec<VariantSpec> = [
        "same: bmkb.graduate_share=0.3",
        "more: bmkb.graduate_share=0.9",
    ]
    .iter()
    .map(|v| v.parse().unwrap())
    .collect();
    let nesting = microfolio::study::nested::Nesting::new(6, 8).unwrap();
    let c = Compare::new(std::slice::from_ref(&s), &specs, None, None, vec![])
        .unwrap()
        .with_uncertainty(nesting)
        .unwrap();
    let r = c.compute(&on_threads(2), &Silent).unwrap();
    let d = Scalar::StateCostTotalPv.index();
    let same = r.variants[1].paired[d].unwrap();
    assert_eq!((same.diff, same.se), (0.0, Some(0.0)));
    let more = r.variants[2].paired[d].unwrap();
    assert!(more.se.unwrap() > 0.0, "{more:?}");
    let draws = r.draws.as_ref().unwrap();
    let k = draws
        .metrics
        .iter()
        .position(|m| *m == Scalar::StateCostTotalPv)
        .unwrap();
    let share = draws.stats[2][k].unwrap().param_share.unwrap();
    assert!((0.0..=1.0).contains(&share), "{share}");
}

#[test]
fn what_a_study_cannot_take_under_rqmc_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let scenario = |name: &str| root().join("scenarios").join(name).display().to_string();
    let vasicek = scenario("vasicek.toml");
    let text = std::fs::read_to_string(&vasicek).unwrap();
    let other = |name: &str, simulation: &str| {
        let path = d.join(name);
        let body = text
            .replace("name = \"vasicek\"", &format!("name = \"{name}\""))
            .replace("[simulation]\n", &format!("[simulation]\n{simulation}\n"));
        std::fs::write(&path, body).unwrap();
        path.display().to_string()
    };
    let fewer = other("fewer", "sampling = \"rqmc\"\nrqmc_randomisations = 8");
    let plain = other("plain", "sampling = \"plain\"");
    let rqmc = other("rqmc", "sampling = \"rqmc\"");
    // Variants must share the sampling and its randomisations (the same Sobol' points).
    refused(
        d,
        &["compare", &rqmc, &fewer, "--paths", "8"],
        &[
            "fewer",
            "\"rqmc\" with 8 randomisations",
            "\"rqmc\" with 16",
            "common random numbers",
        ],
    );
    refused(
        d,
        &["compare", &rqmc, &plain, "--paths", "8"],
        &["variant plain", "\"plain\"", "simulation.sampling"],
    );
    // A variant cannot set them.
    refused(
        d,
        &[
            "compare",
            &rqmc,
            "--variant",
            "r: simulation.rqmc_randomisations=8",
            "--paths",
            "8",
        ],
        &["simulation.rqmc_randomisations", "cannot vary"],
    );
    // The flag takes the samplings there are, on every command that runs paths and validate.
    refused(
        d,
        &["validate", &vasicek, "--sampling", "stratified"],
        &["--sampling stratified", "allowed: plain, rqmc, tail"],
    );
    let out = microfolio(d, &["validate", &vasicek, "--sampling", "rqmc"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("sampling = \"rqmc\""), "{text}");
    // A sweep takes tail too, not yet with parameter uncertainty (tests/tail_studies.rs).
    let uncertain = scenario("uncertainty.toml");
    refused(
        d,
        &[
            "sweep",
            &uncertain,
            "--param",
            "bmkb.graduate_share=0.3,0.9",
            "--uncertain",
            "--draws",
            "4",
            "--paths-per-draw",
            "4",
            "--sampling",
            "tail",
        ],
        &[
            "uncertainty.toml",
            "simulation.sampling",
            "tail",
            "a sweep study with --uncertain does not take it",
        ],
    );
}
