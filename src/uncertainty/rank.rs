//! Spearman's rank correlation of an uncertain parameter with an outcome, over the paths of a
//! run, with a confidence interval: what the report's tornado of parameter importance shows
//! (the "regression / rank correlation" sensitivity of @RISK and of probabilistic sensitivity
//! analysis in health economics).
//!
//! The coefficient is Pearson's correlation of the ranks, ties given their mean rank. The
//! interval is Fisher's z transform with the variance of Fieller, Hartley and Pearson (1957)
//! for Spearman's coefficient: `atanh(r) ± z_{α/2} √(1.06 / (n − 3))`, mapped back by `tanh`.
//! With many ties (an outcome that is 0 or 1 on every path, such as `capital_depleted`) the
//! coefficient is still exact; the interval is then an approximation.
//!
//! [`table`] correlates every parameter with every outcome of a run, ranking each parameter
//! once; [`to_csv`] writes the table as the run's `rank_correlations.csv`.

use crate::math::norm_inv;
use crate::metrics::Scalar;

/// A rank correlation and its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankCorrelation {
    /// Spearman's coefficient, in [-1, 1].
    pub rho: f64,
    pub low: f64,
    pub high: f64,
    /// Pairs it was computed from.
    pub n: usize,
}

/// Ranks from 1, ties given their mean rank; `x` must hold no NaN.
pub fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut out = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && x[order[j + 1]] == x[order[i]] {
            j += 1;
        }
        // Positions i..=j (0-based) share the mean of ranks i + 1 ..= j + 1.
        let mean = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            out[k] = mean;
        }
        i = j + 1;
    }
    out
}

/// Pearson's correlation of two equally long series; `None` when either is constant.
fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    (sxx > 0.0 && syy > 0.0).then(|| (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

/// The coefficient and its interval from the ranks of the `n` pairs.
fn from_ranks(rx: &[f64], ry: &[f64], confidence: f64) -> Option<RankCorrelation> {
    let n = rx.len();
    if n < 4 {
        return None;
    }
    let rho = pearson(rx, ry)?;
    let z = norm_inv(0.5 + confidence / 2.0);
    let se = (1.06 / (n as f64 - 3.0)).sqrt();
    // atanh(±1) is infinite: the interval of a perfect correlation is the point itself.
    if rho.abs() == 1.0 {
        return Some(RankCorrelation {
            rho,
            low: rho,
            high: rho,
            n,
        });
    }
    let centre = rho.atanh();
    Some(RankCorrelation {
        rho,
        low: (centre - z * se).tanh().min(rho),
        high: (centre + z * se).tanh().max(rho),
        n,
    })
}

/// Spearman's rank correlation of the pairs `(x, y)` whose outcome is defined (`y` not
/// `None`), with a two-sided interval at `confidence` (e.g. 0.95). `None` with fewer than 4
/// defined pairs or when either series is constant over them (no ordering to correlate).
pub fn spearman(x: &[f64], y: &[Option<f64>], confidence: f64) -> Option<RankCorrelation> {
    let (xs, ys): (Vec<f64>, Vec<f64>) = x
        .iter()
        .zip(y)
        .filter_map(|(&a, b)| b.filter(|v| !v.is_nan() && !a.is_nan()).map(|b| (a, b)))
        .unzip();
    from_ranks(&ranks(&xs), &ranks(&ys), confidence)
}

/// The rank correlations of every parameter with one outcome of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeRanks {
    pub metric: Scalar,
    /// Paths on which the outcome is defined.
    pub n: usize,
    /// One per parameter, in the parameters' order; `None` where there is no ordering to
    /// correlate (the outcome is the same on every path, or defined on fewer than 4).
    pub by_parameter: Vec<Option<RankCorrelation>>,
}

impl OutcomeRanks {
    /// The parameter with the strongest correlation (largest |ρ|; the first on a tie).
    pub fn strongest(&self) -> Option<(usize, RankCorrelation)> {
        self.by_parameter
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.map(|r| (i, r)))
            .fold(
                None,
                |best: Option<(usize, RankCorrelation)>, (i, r)| match best {
                    Some((_, b)) if b.rho.abs() >= r.rho.abs() => best,
                    _ => Some((i, r)),
                },
            )
    }
}

/// The rank correlation of each parameter (`parameters[j]`: its value on every path, never
/// NaN) with each outcome (`outcomes[m]`: its value on every path, NaN where undefined), at
/// `confidence`. A parameter is ranked once for all the outcomes defined on every path, and
/// again, over the defined paths only, for an outcome that is not.
pub fn table(
    parameters: &[&[f64]],
    outcomes: &[(Scalar, &[f64])],
    confidence: f64,
) -> Vec<OutcomeRanks> {
    let full: Vec<Vec<f64>> = parameters.iter().map(|x| ranks(x)).collect();
    outcomes
        .iter()
        .map(|&(metric, y)| {
            let defined: Vec<usize> = (0..y.len()).filter(|&i| !y[i].is_nan()).collect();
            let ry = ranks(&defined.iter().map(|&i| y[i]).collect::<Vec<_>>());
            let by_parameter = if defined.len() == y.len() {
                full.iter()
                    .map(|rx| from_ranks(rx, &ry, confidence))
                    .collect()
            } else {
                parameters
                    .iter()
                    .map(|x| {
                        let rx = ranks(&defined.iter().map(|&i| x[i]).collect::<Vec<_>>());
                        from_ranks(&rx, &ry, confidence)
                    })
                    .collect()
            };
            OutcomeRanks {
                metric,
                n: defined.len(),
                by_parameter,
            }
        })
        .collect()
}

/// `rank_correlations.csv`: `metric,parameter,rho,low,high,n`, one row per outcome and
/// parameter in the table's order; the three numbers empty where there is no correlation.
/// Numbers are written in full (the shortest text that reads back as the same `f64`).
pub fn to_csv(parameters: &[String], table: &[OutcomeRanks]) -> String {
    use crate::output::csv::{CsvWriter, number};
    let mut out = CsvWriter::text_file(["metric", "parameter", "rho", "low", "high", "n"]);
    for row in table {
        for (name, r) in parameters.iter().zip(&row.by_parameter) {
            let n = r.map_or(row.n, |r| r.n).to_string();
            out.push([
                row.metric.name(),
                name,
                &number(r.map(|r| r.rho)),
                &number(r.map(|r| r.low)),
                &number(r.map(|r| r.high)),
                &n,
            ]);
        }
    }
    out.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uncertainty::open_unit;
    use rand::SeedableRng;

    #[test]
    fn ties_share_their_mean_rank() {
        assert_eq!(ranks(&[10.0, 20.0, 10.0, 5.0]), [2.5, 4.0, 2.5, 1.0]);
    }

    #[test]
    fn known_coefficients() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let up: Vec<Option<f64>> = x.iter().map(|v: &f64| Some(v.exp())).collect();
        let r = spearman(&x, &up, 0.95).unwrap();
        assert_eq!((r.rho, r.n), (1.0, 6));
        let down: Vec<Option<f64>> = x.iter().map(|v| Some(-v * v)).collect();
        assert_eq!(spearman(&x, &down, 0.95).unwrap().rho, -1.0);
        // R: cor(c(1,2,3,4,5,6), c(2,1,4,3,6,5), method = "spearman") = 0.8285714
        let y = [2.0, 1.0, 4.0, 3.0, 6.0, 5.0].map(Some);
        assert!((spearman(&x, &y, 0.95).unwrap().rho - 0.828_571_428_571_428_6).abs() < 1e-12);
        // Undefined outcomes are left out; a constant series has no rank correlation.
        let gaps = [Some(1.0), None, Some(3.0), Some(2.0), Some(5.0), Some(9.0)];
        assert_eq!(spearman(&x, &gaps, 0.95).unwrap().n, 5);
        assert_eq!(spearman(&x, &[Some(1.0); 6], 0.95), None);
        assert_eq!(spearman(&x[..3], &up[..3], 0.95), None);
    }

    /// For a bivariate normal with correlation ρ, Spearman's coefficient is (6/π) asin(ρ/2).
    /// Over 200 independent samples of 400 pairs, the 95% interval covers it in about 95% of
    /// them: the count of misses is Binomial(200, 0.05) (mean 10, sd 3.1), and at most 22 misses
    /// is a false alarm below 0.1%.
    #[test]
    fn the_interval_covers_the_population_value() {
        let rho: f64 = 0.6;
        let truth = 6.0 / std::f64::consts::PI * (rho / 2.0).asin();
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let mut misses = 0;
        for _ in 0..200 {
            let (mut x, mut y) = (Vec::new(), Vec::new());
            for _ in 0..400 {
                let a = norm_inv(open_unit(&mut rng));
                let b = norm_inv(open_unit(&mut rng));
                x.push(a);
                y.push(Some(rho * a + (1.0 - rho * rho).sqrt() * b));
            }
            let r = spearman(&x, &y, 0.95).unwrap();
            assert!(r.low <= r.rho && r.rho <= r.high);
            if !(r.low..=r.high).contains(&truth) {
                misses += 1;
            }
        }
        assert!(misses <= 22, "{misses} of 200 intervals miss {truth}");
    }

    /// Average ranks counted directly: `#below + (#equal + 1) / 2`.
    fn counted_ranks(x: &[f64]) -> Vec<f64> {
        x.iter()
            .map(|a| {
                let below = x.iter().filter(|b| *b < a).count() as f64;
                let equal = x.iter().filter(|b| *b == a).count() as f64;
                below + (equal + 1.0) / 2.0
            })
            .collect()
    }

    /// Pearson's coefficient by the textbook formula with sums of products.
    fn textbook_pearson(x: &[f64], y: &[f64]) -> f64 {
        let n = x.len() as f64;
        let (sx, sy) = (x.iter().sum::<f64>(), y.iter().sum::<f64>());
        let sxy: f64 = x.iter().zip(y).map(|(a, b)| a * b).sum();
        let sxx: f64 = x.iter().map(|a| a * a).sum();
        let syy: f64 = y.iter().map(|b| b * b).sum();
        (n * sxy - sx * sy) / ((n * sxx - sx * sx).sqrt() * (n * syy - sy * sy).sqrt())
    }

    /// Heavy ties on both sides (a 0/1 outcome like `capital_depleted`, a parameter with five
    /// values): the coefficient is Pearson's of the average ranks, as computed directly.
    #[test]
    fn ties_give_the_pearson_correlation_of_average_ranks() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for _ in 0..300 {
            let level = (open_unit(&mut rng) * 5.0).floor();
            x.push(level);
            // Depleted more often at higher levels.
            y.push(f64::from(open_unit(&mut rng) < 0.1 + 0.15 * level));
        }
        let expected = textbook_pearson(&counted_ranks(&x), &counted_ranks(&y));
        assert!(expected > 0.2, "{expected}");
        let opt: Vec<Option<f64>> = y.iter().map(|v| Some(*v)).collect();
        let r = spearman(&x, &opt, 0.95).unwrap();
        assert!((r.rho - expected).abs() < 1e-12, "{} vs {expected}", r.rho);
        let t = table(&[&x], &[(Scalar::CapitalDepleted, &y)], 0.95);
        assert_eq!(t[0].by_parameter[0], Some(r));
        assert_eq!(t[0].n, 300);
    }

    /// An outcome undefined on some paths (NaN) is correlated over the other paths only, the
    /// parameter re-ranked over them: the same as `spearman` with those outcomes `None`.
    #[test]
    fn the_table_leaves_out_undefined_outcomes() {
        let x: Vec<f64> = (0..40).map(|i| f64::from((i * 17) % 23)).collect();
        let y: Vec<f64> = (0..40)
            .map(|i| {
                if i % 7 == 0 {
                    f64::NAN
                } else {
                    f64::from((i * 5) % 11)
                }
            })
            .collect();
        let always: Vec<f64> = x.iter().map(|v| v.powi(3) + 1.0).collect();
        let t = table(
            &[&x, &always],
            &[(Scalar::Oss, &y), (Scalar::NetLoss, &always)],
            0.9,
        );
        let opt: Vec<Option<f64>> = y.iter().map(|v| (!v.is_nan()).then_some(*v)).collect();
        assert_eq!(t[0].n, 34);
        assert_eq!(t[0].by_parameter[0], spearman(&x, &opt, 0.9));
        assert_eq!(t[0].by_parameter[1], spearman(&always, &opt, 0.9));
        // A monotone transform of the parameter: ρ = 1 exactly, its interval the point.
        let r = t[1].by_parameter[0].unwrap();
        assert_eq!((r.rho, r.low, r.high, r.n), (1.0, 1.0, 1.0, 40));
        assert_eq!(t[1].strongest().map(|(j, _)| j), Some(0));
        // A constant outcome has no correlation, and no strongest parameter.
        let flat = vec![0.0; 40];
        let t = table(&[&x], &[(Scalar::CapitalDepleted, &flat)], 0.95);
        assert_eq!((t[0].by_parameter[0], t[0].strongest()), (None, None));
        let csv = to_csv(&["p".to_string()], &t);
        assert_eq!(
            csv,
            "metric,parameter,rho,low,high,n\ncapital_depleted,p,,,,40\n"
        );
    }

    /// A parameter independent of the outcome: ρ's population value is 0, so its 95% interval
    /// excludes 0 in about 5% of samples. Over 200 independent samples of 400 pairs the misses
    /// are Binomial(200, 0.05); at most 22 is a false alarm below 0.1%. Every |ρ| is small.
    #[test]
    fn an_independent_parameter_has_a_correlation_near_zero() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        let mut misses = 0;
        for _ in 0..200 {
            let x: Vec<f64> = (0..400).map(|_| open_unit(&mut rng)).collect();
            let y: Vec<f64> = (0..400).map(|_| norm_inv(open_unit(&mut rng))).collect();
            let t = table(&[&x], &[(Scalar::NetLoss, &y)], 0.95);
            let r = t[0].by_parameter[0].unwrap();
            // sd of ρ is about 1/√400 = 0.05: 0.25 is five of them.
            assert!(r.rho.abs() < 0.25, "{r:?}");
            if !(r.low..=r.high).contains(&0.0) {
                misses += 1;
            }
        }
        assert!(misses <= 22, "{misses} of 200 intervals exclude 0");
    }

    #[test]
    fn the_csv_writes_every_number_in_full() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let y = [2.0, 1.0, 4.0, 3.0, 6.0, 5.0];
        let t = table(&[&x], &[(Scalar::NetLoss, &y)], 0.95);
        let r = t[0].by_parameter[0].unwrap();
        let csv = to_csv(&["pd".to_string()], &t);
        let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
        assert_eq!(row[..2], ["net_loss", "pd"]);
        let back: Vec<f64> = row[2..5].iter().map(|c| c.parse().unwrap()).collect();
        assert_eq!(back, [r.rho, r.low, r.high]);
        assert_eq!(row[5], "6");
    }
}
