//! Known answers for the global-sensitivity library (src/gsa/): Sobol' indices of the Ishigami
//! function and of Sobol's G function against their closed forms, Morris effects of linear
//! functions, the noise floor against a dummy parameter, and determinism.
//!
//! Tolerances. A design is fixed by its seed, so each check passes or fails the same way every
//! run; the false-alarm rate is that of the seed's draw. Each index must lie within 5 bootstrap
//! standard deviations of its closed form (the bootstrap sd is SALib's half-width divided by
//! z_0.975): with about 60 indices checked here, Bonferroni at 5 sd (two-sided 5.7e-7 each)
//! gives a family-wise false-alarm rate below 1e-4 for normal errors, the project's rate. The bootstrap treats base rows as
//! independent, which overstates the error of a scrambled Sobol' design, so the true rate is
//! lower still. The bootstrap sd itself is checked to be small, so the tolerance is not vacuous.

use std::f64::consts::PI;

use microfolio::gsa::indices::SobolIndices;
use microfolio::gsa::{
    Estimate, Groups, MorrisDesign, MorrisOptions, SaltelliDesign, SobolOptions,
    flag_against_dummy, morris_effects, sobol_indices,
};

const Z975: f64 = 1.959_963_984_540_054;

/// The index is within 5 bootstrap sd of `truth`, and the bootstrap sd is below `max_sd`.
fn check(what: &str, e: &Estimate, truth: f64, max_sd: f64) {
    let sd = e.half_width / Z975;
    assert!(sd < max_sd, "{what}: bootstrap sd {sd} ≥ {max_sd}");
    assert!(
        (e.value - truth).abs() <= 5.0 * sd + 1e-12,
        "{what}: {} vs closed form {truth} (bootstrap sd {sd})",
        e.value
    );
    assert!(
        e.low <= e.value + 1e-12 && e.value <= e.high + 1e-12,
        "{what}: {e:?}"
    );
}

fn evaluate(design: &SaltelliDesign, f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    design.points().map(|u| f(&u)).collect()
}

fn ishigami(u: &[f64]) -> f64 {
    let (a, b) = (7.0, 0.1);
    let x: Vec<f64> = u.iter().map(|&u| -PI + 2.0 * PI * u).collect();
    x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
}

/// Ishigami's indices in closed form (Ishigami and Homma 1990; Sobol' and Levitan 1999).
fn ishigami_truth() -> ([f64; 3], [f64; 3], f64) {
    let (a, b) = (7.0f64, 0.1f64);
    let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
    let v2 = a * a / 8.0;
    let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
    let v = v1 + v2 + v13;
    (
        [v1 / v, v2 / v, 0.0],
        [(v1 + v13) / v, v2 / v, v13 / v],
        v13 / v,
    )
}

#[test]
fn ishigami_closed_form_is_the_published_one() {
    let (s1, st, s13) = ishigami_truth();
    let round = |x: f64| (x * 1e4).round() / 1e4;
    assert_eq!(s1.map(round), [0.3139, 0.4424, 0.0]);
    assert_eq!(st.map(round), [0.5576, 0.4424, 0.2437]);
    assert_eq!(round(s13), 0.2437);
}

#[test]
fn ishigami_indices() {
    let design = SaltelliDesign::new(Groups::singletons(3), 1 << 13, true, 2026).unwrap();
    let y = evaluate(&design, ishigami);
    let si = sobol_indices(&design, &y, &SobolOptions::default()).unwrap();
    let (s1, st, s13) = ishigami_truth();
    for i in 0..3 {
        check(&format!("S1_{}", i + 1), &si.first[i], s1[i], 0.02);
        check(&format!("ST_{}", i + 1), &si.total[i], st[i], 0.02);
    }
    check("S2_13", si.second_order(0, 2).unwrap(), s13, 0.03);
    check("S2_12", si.second_order(0, 1).unwrap(), 0.0, 0.03);
    check("S2_23", si.second_order(1, 2).unwrap(), 0.0, 0.03);
    // The variance of [f(A); f(B)] is near the closed form a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2.
    let v = 49.0 / 8.0 + 0.1 * PI.powi(4) / 5.0 + 0.01 * PI.powi(8) / 18.0 + 0.5;
    assert!(
        (si.variance / v - 1.0).abs() < 0.03,
        "{} vs {v}",
        si.variance
    );
}

/// Sobol's G function `∏ (|4u − 2| + a_i) / (1 + a_i)`.
fn g_function(a: &[f64]) -> impl Fn(&[f64]) -> f64 + '_ {
    move |u: &[f64]| {
        u.iter()
            .zip(a)
            .map(|(&u, &a)| ((4.0 * u - 2.0).abs() + a) / (1.0 + a))
            .product()
    }
}

/// Partial variances `V_i = 1 / (3 (1 + a_i)²)` and the total `∏ (1 + V_i) − 1`.
fn g_variances(a: &[f64]) -> (Vec<f64>, f64) {
    let vi: Vec<f64> = a.iter().map(|a| 1.0 / (3.0 * (1.0 + a).powi(2))).collect();
    let v = vi.iter().map(|v| 1.0 + v).product::<f64>() - 1.0;
    (vi, v)
}

#[test]
fn g_function_indices_for_several_a() {
    for (a, seed) in [
        (vec![0.0, 1.0, 4.5, 9.0, 99.0], 1u64),
        (vec![0.0, 0.5, 3.0, 9.0, 99.0, 99.0], 2),
        (vec![1.0, 1.0, 2.0], 3),
    ] {
        let k = a.len();
        let design = SaltelliDesign::new(Groups::singletons(k), 1 << 12, true, seed).unwrap();
        let y = evaluate(&design, g_function(&a));
        let si = sobol_indices(&design, &y, &SobolOptions::default()).unwrap();
        let (vi, v) = g_variances(&a);
        for i in 0..k {
            let others: f64 = (0..k).filter(|&j| j != i).map(|j| 1.0 + vi[j]).product();
            check(&format!("a={a:?} S1_{i}"), &si.first[i], vi[i] / v, 0.03);
            check(
                &format!("a={a:?} ST_{i}"),
                &si.total[i],
                vi[i] * others / v,
                0.03,
            );
            for j in (i + 1)..k {
                let s2 = si.second_order(i, j).unwrap();
                check(&format!("a={a:?} S2_{i}{j}"), s2, vi[i] * vi[j] / v, 0.04);
            }
        }
    }
}

/// A group's first-order index is the closed index of its members, `∏(1 + V_i) − 1` over the
/// group, and its total index is 1 minus the closed index of the rest.
#[test]
fn grouped_g_function_indices() {
    let a = [0.0, 1.0, 4.5, 9.0];
    let groups = Groups::from_labels(&["front", "back", "front", "back"]).unwrap();
    let design = SaltelliDesign::new(groups, 1 << 12, false, 11).unwrap();
    assert_eq!(design.len(), 4096 * 4);
    let y = evaluate(&design, g_function(&a));
    let si = sobol_indices(&design, &y, &SobolOptions::default()).unwrap();
    let (vi, v) = g_variances(&a);
    let closed = |members: &[usize]| members.iter().map(|&i| 1.0 + vi[i]).product::<f64>() - 1.0;
    let (front, back) = (closed(&[0, 2]) / v, closed(&[1, 3]) / v);
    check("S1_front", &si.first[0], front, 0.03);
    check("S1_back", &si.first[1], back, 0.03);
    check("ST_front", &si.total[0], 1.0 - back, 0.03);
    check("ST_back", &si.total[1], 1.0 - front, 0.03);
    assert!(si.second.is_empty());
}

/// A dummy that drives nothing gets exactly 0 on a noiseless model and is flagged as noise;
/// with noise at each point the dummy's ST estimates the noise share, and only the indices
/// above that floor are flagged distinguishable.
#[test]
fn dummy_parameter_shows_the_noise_floor() {
    let design = SaltelliDesign::new(Groups::singletons(4), 1 << 12, false, 5).unwrap();
    let clean = evaluate(&design, |u| ishigami(&u[..3]));
    let si = sobol_indices(&design, &clean, &SobolOptions::default()).unwrap();
    assert_eq!((si.first[3].value, si.total[3].value), (0.0, 0.0));
    assert_eq!((si.total[3].low, si.total[3].high), (0.0, 0.0));
    assert_eq!(flag_against_dummy(&si.total, 3), [true, true, true, false]);
    assert_eq!(flag_against_dummy(&si.first, 3), [true, true, false, false]);

    // Independent noise of sd 1 at each point (variance 1 against Ishigami's 13.84): the
    // dummy's Jansen ST estimates 1 / (V + 1).
    let noisy: Vec<f64> = clean
        .iter()
        .enumerate()
        .map(|(i, y)| y + microfolio::math::norm_inv(hash_uniform(i as u64)))
        .collect();
    let sn = sobol_indices(&design, &noisy, &SobolOptions::default()).unwrap();
    let total_var = 49.0 / 8.0 + 0.1 * PI.powi(4) / 5.0 + 0.01 * PI.powi(8) / 18.0 + 0.5 + 1.0;
    check("noisy ST_dummy", &sn.total[3], 1.0 / total_var, 0.01);
    assert!(sn.total[3].low > 0.0);
    assert_eq!(flag_against_dummy(&sn.total, 3), [true, true, true, false]);
    // x3's first-order index is 0 in truth: it stays within the noise.
    assert!(!flag_against_dummy(&sn.first, 3)[2]);
}

/// A uniform number in (0, 1) from an index (SplitMix64), for reproducible noise.
fn hash_uniform(i: u64) -> f64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

#[test]
fn same_seed_same_indices_on_any_thread_count() {
    let design = SaltelliDesign::new(Groups::singletons(3), 1 << 10, true, 8).unwrap();
    let y = evaluate(&design, ishigami);
    let options = SobolOptions {
        resamples: 300,
        confidence: 0.9,
        seed: 17,
    };
    let on = |threads: usize| -> SobolIndices {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| sobol_indices(&design, &y, &options).unwrap())
    };
    let one = on(1);
    assert_eq!(one, on(2));
    assert_eq!(one, on(3));
    let again = SaltelliDesign::new(Groups::singletons(3), 1 << 10, true, 8).unwrap();
    assert_eq!(evaluate(&again, ishigami), y);
    let other = sobol_indices(
        &design,
        &y,
        &SobolOptions {
            seed: 18,
            ..options
        },
    )
    .unwrap();
    assert_eq!(other.first[0].value, one.first[0].value);
    assert_ne!(other.first[0].low, one.first[0].low);
}

#[test]
fn constant_outcomes_give_zero_indices() {
    let design = SaltelliDesign::new(Groups::singletons(2), 8, true, 1).unwrap();
    let si = sobol_indices(&design, &vec![3.5; design.len()], &SobolOptions::default()).unwrap();
    assert!(si.constant);
    assert!(
        si.first
            .iter()
            .chain(&si.total)
            .all(|e| e.value == 0.0 && e.high == 0.0)
    );
}

#[test]
fn bad_outcomes_and_options_are_refused() {
    let design = SaltelliDesign::new(Groups::singletons(2), 8, false, 1).unwrap();
    let ok = vec![1.0; design.len()];
    let options = SobolOptions::default();
    let err = sobol_indices(&design, &ok[1..], &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        "31 outcomes for a design of 32 points: one outcome per point, in design order"
    );
    let mut nan = ok.clone();
    nan[5] = f64::NAN;
    assert!(
        sobol_indices(&design, &nan, &options)
            .unwrap_err()
            .to_string()
            .contains("design point 5 is NaN")
    );
    for confidence in [0.0, 1.0, f64::NAN] {
        let o = SobolOptions {
            confidence,
            ..options
        };
        assert!(sobol_indices(&design, &ok, &o).is_err());
    }
    let o = SobolOptions {
        resamples: 1,
        ..options
    };
    assert!(sobol_indices(&design, &ok, &o).is_err());
}

/// Morris on a linear function of parameters on their own ranges: μ = coefficient × range,
/// μ* = |coefficient| × range, σ = 0, exactly (up to rounding).
#[test]
fn morris_on_a_linear_function() {
    let coef = [2.0, -3.0, 0.5, 0.0];
    let ranges = [(0.0, 1.0), (10.0, 30.0), (-1.0, 1.0), (5.0, 6.0)];
    let f = |u: &[f64]| -> f64 {
        u.iter()
            .zip(coef.iter().zip(&ranges))
            .map(|(&u, (&c, &(lo, hi)))| c * (lo + (hi - lo) * u))
            .sum()
    };
    for levels in [4, 6, 10] {
        let design = MorrisDesign::new(Groups::singletons(4), 12, levels, 3).unwrap();
        let y: Vec<f64> = design.points().map(f).collect();
        let me = morris_effects(&design, &y, &MorrisOptions::default()).unwrap();
        for i in 0..4 {
            let want = coef[i] * (ranges[i].1 - ranges[i].0);
            let tol = 1e-9 * (1.0 + want.abs());
            assert!(
                (me.mu[i] - want).abs() < tol,
                "p={levels} mu_{i}: {}",
                me.mu[i]
            );
            assert!((me.mu_star[i].value - want.abs()).abs() < tol);
            assert!(me.sigma[i] < tol, "p={levels} sigma_{i}: {}", me.sigma[i]);
            assert!((me.mu_star[i].high - me.mu_star[i].low) < tol);
        }
    }
    // A group moves its members together: its effect is the sum of theirs.
    let groups = Groups::from_labels(&["g", "g", "h", "i"]).unwrap();
    let design = MorrisDesign::new(groups, 10, 4, 9).unwrap();
    let y: Vec<f64> = design.points().map(f).collect();
    let me = morris_effects(&design, &y, &MorrisOptions::default()).unwrap();
    assert!((me.mu[0] - (2.0 - 60.0)).abs() < 1e-9);
    assert!(me.sigma[0] < 1e-9);
}

/// Morris on an interaction `u1 u2`: the effect of u1 is the value of u2, which varies, so
/// σ > 0; a parameter that drives nothing has μ* = 0 and is flagged as noise.
#[test]
fn morris_sees_interactions_and_the_dummy() {
    let design = MorrisDesign::new(Groups::singletons(3), 40, 4, 12).unwrap();
    let y: Vec<f64> = design.points().map(|u| u[0] * u[1]).collect();
    let me = morris_effects(&design, &y, &MorrisOptions::default()).unwrap();
    assert!(me.sigma[0] > 0.1 && me.sigma[1] > 0.1);
    assert_eq!(me.mu_star[2].value, 0.0);
    assert_eq!(flag_against_dummy(&me.mu_star, 2), [true, true, false]);
    // μ* of u1 is E|u2| over the levels the trajectories visit: between 0 and 1.
    assert!(me.mu_star[0].value > 0.2 && me.mu_star[0].value < 0.8);
    let again = MorrisDesign::new(Groups::singletons(3), 40, 4, 12).unwrap();
    assert_eq!(
        again.points().collect::<Vec<_>>(),
        design.points().collect::<Vec<_>>()
    );
}

/// The design and the analysis cost nothing next to simulation: a k = 65 design at N = 1024
/// (68,608 points) is built and analysed with 200 resamples in well under a second.
#[test]
fn large_designs_are_cheap() {
    let k = 65;
    let start = std::time::Instant::now();
    let design = SaltelliDesign::new(Groups::singletons(k), 1024, false, 4).unwrap();
    let a: Vec<f64> = (0..k).map(|i| i as f64).collect();
    let y = evaluate(&design, g_function(&a));
    let options = SobolOptions {
        resamples: 200,
        ..SobolOptions::default()
    };
    let si = sobol_indices(&design, &y, &options).unwrap();
    assert_eq!(si.first.len(), k);
    assert!(
        start.elapsed().as_secs_f64() < 10.0,
        "{:?}",
        start.elapsed()
    );
}
