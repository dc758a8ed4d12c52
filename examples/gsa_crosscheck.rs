//! Writes a design of the global-sensitivity library, outcomes of a test function at its
//! points and the library's estimates as one JSON object on standard output, for the Python
//! test (python/tests/test_gsa_salib.py) to hand to SALib and compare.
//!
//! ```text
//! gsa_crosscheck sobol ishigami|g N SECOND_ORDER(0|1) SEED [LABEL ...]
//! gsa_crosscheck morris LEVELS TRAJECTORIES SEED
//! gsa_crosscheck sequence DIMENSIONS POINTS
//! ```

use std::f64::consts::PI;

use microfolio::gsa::{
    Groups, MorrisDesign, MorrisOptions, SaltelliDesign, Sobol, SobolOptions, morris_effects,
    sobol_indices,
};
use serde_json::json;

fn ishigami(u: &[f64]) -> f64 {
    let x: Vec<f64> = u.iter().map(|&u| -PI + 2.0 * PI * u).collect();
    x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
}

fn g_function(u: &[f64]) -> f64 {
    const A: [f64; 6] = [0.0, 0.5, 3.0, 9.0, 99.0, 99.0];
    u.iter()
        .zip(A)
        .map(|(&u, a)| ((4.0 * u - 2.0).abs() + a) / (1.0 + a))
        .product()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize| -> u64 { args[i].parse().expect("a whole number") };
    let out = match args[0].as_str() {
        "sobol" => {
            let (f, k): (fn(&[f64]) -> f64, usize) = match args[1].as_str() {
                "ishigami" => (ishigami, 3),
                _ => (g_function, 6),
            };
            let labels: Vec<String> = args[5..].to_vec();
            let groups = if labels.is_empty() {
                Groups::singletons(k)
            } else {
                Groups::from_labels(&labels).unwrap()
            };
            let design = SaltelliDesign::new(groups, num(2) as usize, num(3) == 1, num(4)).unwrap();
            let y: Vec<f64> = design.points().map(|u| f(&u)).collect();
            let options = SobolOptions {
                resamples: 200,
                ..SobolOptions::default()
            };
            let si = sobol_indices(&design, &y, &options).unwrap();
            let value =
                |e: &[microfolio::gsa::Estimate]| e.iter().map(|e| e.value).collect::<Vec<_>>();
            json!({
                "num_vars": k,
                "groups": labels,
                "roles": (0..design.len()).map(|i| design.role(i).to_string()).collect::<Vec<_>>(),
                "X": design.points().collect::<Vec<_>>(),
                "Y": y,
                "S1": value(&si.first),
                "ST": value(&si.total),
                "S2": si.second.iter().map(|s| (s.i, s.j, s.estimate.value)).collect::<Vec<_>>(),
            })
        }
        "morris" => {
            let k = 4;
            let design = MorrisDesign::new(
                Groups::singletons(k),
                num(2) as usize,
                num(1) as usize,
                num(3),
            )
            .unwrap();
            let y: Vec<f64> = design
                .points()
                .map(|u| u[0] * u[1] + 3.0 * u[2] - (5.0 * u[3]).sin())
                .collect();
            let me = morris_effects(&design, &y, &MorrisOptions::default()).unwrap();
            json!({
                "num_vars": k,
                "X": design.points().collect::<Vec<_>>(),
                "Y": y,
                "mu": me.mu,
                "mu_star": me.mu_star.iter().map(|e| e.value).collect::<Vec<_>>(),
                "sigma": me.sigma,
            })
        }
        _ => {
            let mut sobol = Sobol::new(num(1) as usize).unwrap();
            json!({ "points": sobol.take_points(num(2) as usize) })
        }
    };
    println!("{out}");
}
