//! The value of information of a comparison (`compare --uncertain --voi OUTCOME`,
//! docs/studies.md) against answers known in advance:
//!
//! - a linear-Gaussian decision between two options, `INB = a + b θ1 + c θ2 + e` with θ1, θ2
//!   independent N(0, 1) and noise e ~ N(0, s²): EVPPI(θ1) = σ φ(a/σ) + a Φ(a/σ) − max(0, a)
//!   with σ = |b|, the same with σ = |c| for θ2 and σ = √(b² + c²) for both (the EVPI by
//!   regression), while the direct EVPI takes the noise for information, σ = √(b² + c² + s²).
//!   The estimates of independent replicates average within a few standard errors of these
//!   (the standard error from the replicates' spread), and the bootstrap's interval is as wide
//!   as that spread says;
//! - a parameter of two values is fitted by its value means, exactly;
//! - an option better on every draw: EVPI and every EVPPI exactly 0, in the library and
//!   through the binary (a variant whose fixed costs are below every drawn value, as in
//!   decisions.rs);
//! - the files, the summary, the report's words and the terminal's line, the refusals, and the
//!   same numbers on one thread and on two.

mod common;

use common::*;
use microfolio::math::norm_cdf;
use microfolio::metrics::Scalar;
use microfolio::study::compare::{Compare, CompareResults};
use microfolio::study::nested::{DrawResults, Nesting};
use microfolio::study::params::VariantSpec;
use microfolio::study::voi::{Outcome, Problem, Voi};
use microfolio::{Silent, Study};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// E[max(0, a + σ Z)] − max(0, a): the value of learning a normal term of sd σ before
/// choosing between 0 and a.
fn closed_form(a: f64, sigma: f64) -> f64 {
    let z = a / sigma;
    let pdf = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    sigma * pdf + a * norm_cdf(z) - a.max(0.0)
}

/// `k` draws of the linear-Gaussian decision, from `seed`.
fn linear_gaussian(k: usize, seed: u64, (a, b, c, s): (f64, f64, f64, f64)) -> Problem {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut normal = || -> f64 { StandardNormal.sample(&mut rng) };
    let (mut t1, mut t2, mut inb) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..k {
        let (x, y, e) = (normal(), normal(), normal());
        t1.push(x);
        t2.push(y);
        inb.push(a + b * x + c * y + s * e);
    }
    Problem {
        parameters: vec!["t1".into(), "t2".into()],
        groups: vec![("both".into(), vec![0, 1])],
        values: vec![t1, t2],
        net_benefit: vec![vec![0.0; k], inb],
    }
}

#[test]
fn a_linear_gaussian_decision_has_its_closed_form() {
    let (a, b, c, s) = (0.5, 1.0, 2.0, 1.0);
    let truth = [
        closed_form(a, b),
        closed_form(a, c),
        closed_form(a, (b * b + c * c).sqrt()),
        closed_form(a, (b * b + c * c).sqrt()),
        closed_form(a, (b * b + c * c + s * s).sqrt()),
    ];
    // Independent replicates: their mean against the truth, within z standard errors of the
    // mean (five estimates tested together at a family error rate of 1e-4).
    let replicates = 12;
    let k = 1000;
    let estimates: Vec<[f64; 5]> = (0..replicates)
        .map(|r| {
            let an = linear_gaussian(k, 100 + r, (a, b, c, s)).analyse(0, 1);
            [
                an.rows[0].evppi.unwrap().value,
                an.rows[1].evppi.unwrap().value,
                an.rows[2].evppi.unwrap().value,
                an.evpi.unwrap().value,
                an.evpi_direct.value,
            ]
        })
        .collect();
    let z = z_crit(1e-4, truth.len());
    let mut sds = [0.0; 5];
    for i in 0..truth.len() {
        let column: Vec<f64> = estimates.iter().map(|e| e[i]).collect();
        let (mean, sd) = microfolio::stats::mean_sd(&column);
        let (sd, want) = (sd.unwrap(), truth[i]);
        sds[i] = sd;
        let se = sd / (replicates as f64).sqrt();
        assert!(
            (mean - want).abs() < z * se,
            "estimate {i}: mean {mean} of {replicates} replicates, closed form {want}, se {se}"
        );
    }
    // The direct EVPI met the closed form of σ = √(b² + c² + s²), not that of the parameters
    // alone: the noise's upward bias, which the regression does not have.
    assert!(truth[4] > truth[3]);
    // The bootstrap's 95% interval of one replicate is about ±1.96 sd of the estimates: its
    // half-width within a factor 2 of the replicates' (their sd itself is known to ±25%).
    let one = linear_gaussian(k, 7, (a, b, c, s)).analyse(200, 3);
    for (e, sd) in [
        (one.rows[0].evppi.unwrap(), sds[0]),
        (one.rows[1].evppi.unwrap(), sds[1]),
        (one.evpi.unwrap(), sds[3]),
    ] {
        let half = (e.high - e.low) / 2.0 / 1.96;
        assert!(half > sd / 2.0 && half < sd * 2.0, "{e:?} against sd {sd}");
        assert!(e.low <= e.value && e.value <= e.high, "{e:?}");
    }
    // Deterministic: the same seed, the same numbers.
    assert_eq!(one, linear_gaussian(k, 7, (a, b, c, s)).analyse(200, 3));
}

/// The noise floor is what parameters unrelated to the outcome get: on a decision that no
/// parameter moves (an incremental net benefit of pure noise), the real parameters' EVPPIs are
/// themselves such dummies, and about one in ten lies above the floor's 90th percentile; where
/// a parameter drives the decision its EVPPI stands far above the floor; with one option
/// better on every draw the floor is exactly 0.
#[test]
fn the_noise_floor_is_what_an_unrelated_parameter_gets() {
    let (k, n) = (400, 30);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let mut normal = || -> f64 { StandardNormal.sample(&mut rng) };
    let values: Vec<Vec<f64>> = (0..n)
        .map(|_| (0..k).map(|_| norm_cdf(normal())).collect())
        .collect();
    let noise: Vec<f64> = (0..k).map(|_| normal()).collect();
    let problem = Problem {
        parameters: (0..n).map(|i| format!("p{i}")).collect(),
        groups: Vec::new(),
        values,
        net_benefit: vec![vec![0.0; k], noise],
    };
    let an = problem.analyse(0, 5);
    let floor = an.floor.unwrap();
    assert!(floor.median > 0.0 && floor.p90 >= floor.median, "{floor:?}");
    let above = an
        .rows
        .iter()
        .filter(|r| r.evppi.unwrap().value > floor.p90)
        .count();
    // Binomial(30, 0.1) above 9 has probability 0.002.
    assert!(
        above <= 9,
        "{above} of {n} unrelated parameters above the floor's p90"
    );
    // A parameter that drives the decision: far above its floor.
    let lg = linear_gaussian(1000, 3, (0.5, 1.0, 2.0, 1.0)).analyse(0, 1);
    let f = lg.floor.unwrap();
    assert!(
        lg.rows[0].evppi.unwrap().value > 4.0 * f.p90,
        "{:?} against {f:?}",
        lg.rows[0].evppi
    );
    // Better on every draw: nothing to fit but a constant above 0.
    let dominant = Problem {
        parameters: vec!["p".into()],
        groups: Vec::new(),
        values: vec![(0..k).map(|i| i as f64).collect()],
        net_benefit: vec![vec![0.0; k], (0..k).map(|i| 5.0 + (i % 7) as f64).collect()],
    };
    let f = dominant.analyse(0, 1).floor.unwrap();
    assert_eq!((f.median, f.p90), (0.0, 0.0));
}

#[test]
fn a_parameter_of_two_values_is_fitted_by_its_value_means() {
    let k = 40;
    let theta: Vec<f64> = (0..k).map(|i| f64::from(u8::from(i % 3 == 0))).collect();
    let inb: Vec<f64> = (0..k)
        .map(|i| -1.0 + 3.0 * theta[i] + ((i * 7919) % 13) as f64 / 13.0 - 0.5)
        .collect();
    let mean = |on: f64| {
        let x: Vec<f64> = (0..k).filter(|&i| theta[i] == on).map(|i| inb[i]).collect();
        x.iter().sum::<f64>() / x.len() as f64
    };
    let fitted: Vec<f64> = theta.iter().map(|t| mean(*t)).collect();
    let want = fitted.iter().map(|g| g.max(0.0)).sum::<f64>() / k as f64
        - (fitted.iter().sum::<f64>() / k as f64).max(0.0);
    let p = Problem {
        parameters: vec!["switch".into()],
        groups: Vec::new(),
        values: vec![theta],
        net_benefit: vec![vec![0.0; k], inb],
    };
    let an = p.analyse(0, 1);
    assert!(want > 0.1);
    let got = an.rows[0].evppi.unwrap().value;
    assert!((got - want).abs() < 1e-9, "{got} against {want}");
}

#[test]
fn an_option_better_on_every_draw_has_no_value_of_information() {
    let mut p = linear_gaussian(200, 5, (0.0, 1.0, 1.0, 0.5));
    // Option 1 ahead by at least 1 on every draw, by an amount that varies with both.
    p.net_benefit[1] = p.values[0]
        .iter()
        .zip(&p.values[1])
        .map(|(x, y)| 1.0 + x * x + 0.1 * y.abs())
        .collect();
    let an = p.analyse(50, 2);
    assert_eq!(an.chosen, 1);
    assert_eq!(an.p_best, vec![0.0, 1.0]);
    assert_eq!(an.evpi_direct.value, 0.0);
    assert_eq!(an.evpi.unwrap().value, 0.0);
    for r in &an.rows {
        assert_eq!(r.evppi.unwrap().value, 0.0, "{}", r.name);
    }
    assert!(an.overshoot.is_empty());
}

#[test]
fn an_undefined_mean_refuses_the_value_of_information() {
    let base = scenario(GSA_SMALL, &[]);
    let (k, metrics) = (10, vec![Scalar::NetLoss]);
    let mut means = vec![vec![vec![Some(1.0); k]]; 2];
    means[1][0][4] = None;
    let draws = DrawResults {
        metrics,
        values: vec![vec![0.05, 1.0, 0.3]; k],
        seeds: vec![0; k],
        means,
        stats: vec![Vec::new(), vec![None]],
    };
    let e = Voi::of_draws(Outcome::Metric(Scalar::NetLoss), &base, &["a", "b"], &draws)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("net_loss is undefined on every path of draw 4 of variant b"),
        "{e}"
    );
}

/// [`GSA_SMALL`] with `pd` and `recovery` in one group, `credit`.
fn grouped() -> String {
    GSA_SMALL
        .replace("name = \"pd\"\n", "name = \"pd\"\ngroup = \"credit\"\n")
        .replace(
            "name = \"recovery\"\n",
            "name = \"recovery\"\ngroup = \"credit\"\n",
        )
}

fn compare_voi(spec: &str, outcome: &str, draws: u64, threads: usize) -> (Compare, CompareResults) {
    let base = scenario(&grouped(), &[]);
    let specs: Vec<VariantSpec> = vec![spec.parse().unwrap()];
    let c = Compare::new(&[base], &specs, None, None, Vec::new())
        .unwrap()
        .with_uncertainty(Nesting::new(draws, 2).unwrap())
        .unwrap()
        .with_voi(outcome.parse().unwrap())
        .unwrap();
    let r = c.compute(&on_threads(threads), &Silent).unwrap();
    (c, r)
}

#[test]
fn the_same_on_any_thread_count() {
    let spec = "same: costs.fixed_per_year=2e5";
    let (c, one) = compare_voi(spec, "final_capital", 20, 1);
    let (_, two) = compare_voi(spec, "final_capital", 20, 2);
    assert_eq!(c.files(&one), c.files(&two));
    assert_eq!(c.summary(&one)["voi"], c.summary(&two)["voi"]);
}

#[test]
fn voi_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("decide.toml"), grouped()).unwrap();
    let cheap = "cheap: costs.fixed_per_year=5e4";
    let args = |extra: &[&'static str]| {
        let mut a = vec!["compare", "decide.toml", "--variant", cheap];
        a.extend_from_slice(extra);
        a
    };
    refused(
        dir.path(),
        &args(&["--voi", "final_capital"]),
        &["--voi final_capital", "--uncertain"],
    );
    refused(
        dir.path(),
        &args(&["--uncertain", "--voi", "final_capitol"]),
        &["--voi final_capitol", "unknown metric `final_capitol`"],
    );
    refused(
        dir.path(),
        &args(&["--uncertain", "--voi", "loans_granted"]),
        &["--voi loans_granted", "no direction"],
    );
    refused(
        dir.path(),
        &args(&[
            "--uncertain",
            "--voi",
            "net:x:entrepreneurs_financed:net_loss",
        ]),
        &["--voi net:x:entrepreneurs_financed:net_loss", "LAMBDA `x`"],
    );
    refused(
        dir.path(),
        &args(&["--uncertain", "--draws", "15", "--voi", "net_loss"]),
        &["--draws 15", "at least 20"],
    );
    // In shards it is computed by the merge (tests/shards.rs).
    // Below every drawn cost: better on every draw, no value of information.
    let out = microfolio(
        dir.path(),
        &args(&[
            "--uncertain",
            "--draws",
            "40",
            "--paths-per-draw",
            "2",
            "--voi",
            "final_capital",
            "--out",
            "dominated",
        ]),
    );
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "value of information on final_capital: decide for cheap; EVPI €0 (€0 to €0); \
             direct from the draws' means €0"
        ),
        "{stdout}"
    );
    let folder = dir.path().join("dominated");
    let csv = std::fs::read_to_string(folder.join("voi.csv")).unwrap();
    assert_eq!(
        csv,
        "parameter,evppi,low,high\npd,0,0,0\nfixed_costs,0,0,0\nrecovery,0,0,0\ncredit,0,0,0\n"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("summary.json")).unwrap())
            .unwrap();
    let voi = &summary["voi"];
    assert_eq!(voi["outcome"], "final_capital");
    assert_eq!(voi["chosen"], "cheap");
    assert_eq!(voi["evpi"]["value"], 0.0);
    assert_eq!(voi["evpi_direct"]["value"], 0.0);
    assert_eq!(voi["rows"][3]["members"][1], "recovery");
    assert!(voi["bias"].as_str().unwrap().contains("biased upward"));
    assert!(voi["method"].as_str().unwrap().contains("Strong, Oakley"));
    let report = std::fs::read_to_string(folder.join("report.html")).unwrap();
    assert!(
        report.contains(
            "cheap is ahead on every draw, so the expected value of perfect information (EVPI) \
             is 0"
        ),
        "the report's words"
    );
    // The reference's own fixed costs against the drawn ones: the sign of the difference is
    // the drawn costs', which are worth measuring first.
    let out = microfolio(
        dir.path(),
        &[
            "compare",
            "decide.toml",
            "--variant",
            "same: costs.fixed_per_year=2e5",
            "--uncertain",
            "--draws",
            "40",
            "--paths-per-draw",
            "2",
            "--voi",
            "final_capital",
            "--out",
            "costs",
            "--quiet",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let folder = dir.path().join("costs");
    let report = std::fs::read_to_string(folder.join("report.html")).unwrap();
    assert!(
        report.contains("The estimate worth measuring first is fixed_costs"),
        "the report's words"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("summary.json")).unwrap())
            .unwrap();
    assert!(summary["voi"]["evpi"]["value"].as_f64().unwrap() > 0.0);
}
