//! Studies of variants under parameter uncertainty (`compare --uncertain`): draws of the
//! scenario's `[[uncertain]]` parameters, each run by every variant on the same paths, and the
//! statistics that separate what the parameters do from Monte Carlo noise.
//!
//! Draw `d` (0..K) takes the values [`Scenario::uncertain_draw`]`(d)` of the reference (one
//! independent draw, or with `uncertain_sets` one kept set), and runs paths `0..M` under the
//! seed [`problem::dummy_seed`]`(seed, d)`: every variant runs those very paths at those very
//! values (common random numbers within a draw), while two draws' paths are independent, so
//! that the spread of the draws' means is parameter uncertainty plus the known noise of `M`
//! paths. A variant made of `--variant` overrides takes the drawn values first and its own
//! settings after them: a key it sets is its own, not drawn. A variant given as its own file
//! applies the same values through its own `[[uncertain]]` section, which must name the same
//! parameters in the same order.
//!
//! The work is `K·V` units, unit `d·V + v` variant `v` at draw `d` ([`DrawnWork`]): what one
//! process simulates, and the stream its shards cut; a merge fills the [`Draws`] from the
//! shards' columns ([`Draws::new`], [`Draws::push`]) as a simulation does, and the study's flags
//! under uncertainty travel in its recipe ([`recipe`]).
//!
//! Per variant B ≠ A and metric, with `d̄_k` the mean of `B − A` over draw `k`'s paths where
//! both are defined: the mean difference is over every path, as without uncertainty; its
//! standard error is `sd(d̄_k) / √K` (paths of a draw share its parameters, so they are not
//! independent: the draws are the independent units, a cluster each); P(better over draws) is
//! the share of draws whose `d̄_k` has the better sign, a tie (`d̄_k = 0`) counting one half;
//! and the parameter share is the one-way random-effects (ANOVA) decomposition of one path's
//! difference: `σ²_w` the mean of the draws' within-draw variances, `σ²_b = max(0, var(d̄_k) −
//! σ²_w / M)`, share `σ²_b / (σ²_b + σ²_w)`. Under rqmc (docs/model.md §12) each draw's paths
//! take the Sobol' points of the draw's seed, the same for every variant: the draws stay
//! independent units, so the standard errors over draws hold as they are; only the noise of a
//! draw's mean is no longer `σ²_w / M` but the mean over draws of the square of the draw's own
//! randomisations' standard error of `B − A` ([`crate::rqmc::SeMethod`]), which `σ²_b` subtracts
//! instead.

use std::ops::Range;

use serde_json::{Value, json};

use super::paired::{Direction, Paired, t_quantile};
use super::problem::dummy_seed;
use super::{MetricStats, SizeWarning};
use crate::error::{Arg, Error, Work};
use crate::metrics::Scalar;
use crate::model::Model;
use crate::output::csv::{CsvWriter, number};
use crate::output::{RunInfo, Stopwatch};
use crate::rqmc::SeMethod;
use crate::scenario::{Override, Scenario};
use crate::simulate::{Observer, Options, Pool};
use crate::stats::{Summary, mean_sd};

/// File name of the draws' table: per draw and variant, the drawn values and every metric's
/// mean over the draw's paths.
pub const DRAWS_CSV: &str = "draws.csv";

/// Draws of a study with parameter uncertainty when none are asked for.
pub const DEFAULT_DRAWS: u64 = 100;
/// Paths per draw when none are asked for.
pub const DEFAULT_PATHS_PER_DRAW: u64 = 100;

/// The nesting of paths in draws: `draws` draws of the parameters, `paths_per_draw` paths each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nesting {
    pub draws: u64,
    pub paths_per_draw: u64,
}

impl Nesting {
    /// Draws below which the probabilities over draws and the parameter share are coarse.
    pub const FEW_DRAWS: u64 = 20;
    /// Paths per draw below which a draw's mean is mostly noise.
    pub const FEW_PATHS_PER_DRAW: u64 = 16;

    /// Checked: at least one draw and one path per draw, and at most 2^32 paths in all.
    pub fn new(draws: u64, paths_per_draw: u64) -> Result<Nesting, Error> {
        if draws == 0 {
            return Err(Error::argument(
                Arg::Draws,
                draws,
                "allowed: a whole number of 1 or more",
            ));
        }
        if paths_per_draw == 0 {
            return Err(Error::argument(
                Arg::PathsPerDraw,
                paths_per_draw,
                "allowed: a whole number of 1 or more",
            ));
        }
        if draws.saturating_mul(paths_per_draw) > u64::from(u32::MAX) {
            return Err(Error::argument(
                Arg::Draws,
                draws,
                format!(
                    "{draws} draws of {paths_per_draw} paths is more paths per variant than a \
                     run may have (2^32)"
                ),
            ));
        }
        Ok(Nesting {
            draws,
            paths_per_draw,
        })
    }

    /// Paths per variant: every draw's.
    pub fn paths(&self) -> u64 {
        self.draws * self.paths_per_draw
    }

    /// The seed of draw `d`'s paths in a study of seed `seed`.
    pub fn seed(seed: u64, d: u64) -> u64 {
        dummy_seed(seed, d)
    }

    /// Draws or paths per draw too few to mean much.
    pub fn warnings(&self) -> Vec<SizeWarning> {
        let draws = SizeWarning::below(
            Arg::Draws,
            self.draws,
            Nesting::FEW_DRAWS,
            100,
            "with so few draws the probability that a variant is better and the parameter \
             share rest on a handful of parameter values",
        );
        let paths = SizeWarning::below(
            Arg::PathsPerDraw,
            self.paths_per_draw,
            Nesting::FEW_PATHS_PER_DRAW,
            64,
            "with so few paths per draw a draw's mean difference is mostly Monte Carlo noise, \
             and the probability that a variant is better leans towards one half",
        );
        draws.into_iter().chain(paths).collect()
    }
}

/// How a variant is made at a draw's values.
#[derive(Debug, Clone)]
pub enum Maker {
    /// A scenario file, with its own `[[uncertain]]` section (the reference is one).
    File(Box<Scenario>),
    /// The reference with these overrides, applied after the drawn values.
    Overrides(Vec<Override>),
}

impl Maker {
    /// The variant at `values` (the reference's draw), run on `paths` under `seed`.
    pub fn at(
        &self,
        reference: &Scenario,
        values: &[f64],
        paths: u64,
        seed: u64,
    ) -> Result<Scenario, crate::scenario::ScenarioError> {
        let at = match self {
            Maker::File(s) => s.at_values(values)?,
            Maker::Overrides(o) => {
                let at = reference.at_values(values)?;
                at.with_overrides(o)?
            }
        };
        at.with_run_size(Some(paths), Some(seed))
    }

    /// The keys of uncertain parameters of `reference` that this variant sets itself.
    pub fn overridden(&self, reference: &Scenario) -> Vec<String> {
        match self {
            Maker::File(_) => Vec::new(),
            Maker::Overrides(o) => o
                .iter()
                .filter(|o| {
                    reference
                        .uncertain()
                        .iter()
                        .any(|p| p.keys.contains(&o.key))
                })
                .map(|o| o.key.clone())
                .collect(),
        }
    }
}

/// Refuse a reference without uncertain parameters, and a file variant whose `[[uncertain]]`
/// section does not name the reference's parameters in its order. `study` names the study.
pub fn check(reference: &Scenario, makers: &[Maker], study: &str) -> Result<(), Error> {
    let names = |s: &Scenario| {
        s.uncertain()
            .iter()
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
    };
    if reference.uncertain().is_empty() {
        return Err(Error::Input(format!(
            "{}: a {study} with parameter uncertainty needs uncertain parameters, and the scenario \
             has no [[uncertain]] section (docs/scenarios.md, \"Uncertain parameters\"; \
             scenarios/uncertainty.toml is an example)",
            reference.file()
        )));
    }
    let want = names(reference);
    for m in makers {
        if let Maker::File(s) = m {
            if names(s) != want {
                return Err(Error::Input(format!(
                    "{}: with parameter uncertainty every scenario file of a {study} takes the \
                     reference's draws, so its [[uncertain]] section must name the same \
                     parameters in the same order ({}), not ({})",
                    s.file(),
                    want.join(", "),
                    names(s).join(", ")
                )));
            }
        }
    }
    Ok(())
}

/// The work of a study of variants under parameter uncertainty, as its units: unit `d·V + v` is
/// variant `v` (of `makers`, the reference first) at draw `d`, paths `0..M` under the seed of
/// draw `d`. What one process simulates, and what the shards of the study cut
/// ([`crate::Study::drawn`]).
#[derive(Debug, Clone, Copy)]
pub struct DrawnWork<'a> {
    pub reference: &'a Scenario,
    pub makers: &'a [Maker],
    pub nesting: Nesting,
}

/// The units of a [`DrawnWork`]: per draw its values and seed, and per unit its scenario.
#[derive(Debug, Clone)]
pub struct DrawnUnits {
    pub values: Vec<Vec<f64>>,
    pub seeds: Vec<u64>,
    pub scenarios: Vec<Scenario>,
}

impl DrawnWork<'_> {
    /// Every unit's scenario, in unit order; a draw at which a variant is not a valid
    /// scenario is refused, naming the draw and its values.
    pub fn units(&self) -> Result<DrawnUnits, Error> {
        let reference = self.reference;
        let seed = reference.spec().simulation.seed as u64;
        let m = self.nesting.paths_per_draw;
        let values: Vec<Vec<f64>> = (0..self.nesting.draws)
            .map(|d| reference.uncertain_draw(d))
            .collect();
        let seeds: Vec<u64> = (0..self.nesting.draws)
            .map(|d| Nesting::seed(seed, d))
            .collect();
        let mut scenarios = Vec::with_capacity(values.len() * self.makers.len());
        for (d, (x, s)) in values.iter().zip(&seeds).enumerate() {
            for maker in self.makers {
                let at = maker.at(reference, x, m, *s).map_err(|e| {
                    Error::Scenario(crate::run::drawn_on(
                        e,
                        reference.uncertain(),
                        x,
                        &format!("draw {d}"),
                    ))
                })?;
                scenarios.push(at);
            }
        }
        Ok(DrawnUnits {
            values,
            seeds,
            scenarios,
        })
    }

    /// Units: draws × variants.
    pub fn units_count(&self) -> u64 {
        self.nesting.draws * self.makers.len() as u64
    }

    /// Bytes the study keeps of its draws: every path's value of every metric, per variant.
    pub fn kept_bytes(&self) -> u64 {
        self.nesting
            .paths()
            .saturating_mul((self.makers.len() * Scalar::COUNT) as u64 * 8)
    }
}

/// The key of a study's recipe ([`crate::Study::recipe`]) under which are its flags under
/// parameter uncertainty ([`recipe`]); absent without `--uncertain`.
pub const RECIPE_KEY: &str = "uncertain";

/// A study's flags under parameter uncertainty in its recipe, under [`RECIPE_KEY`]: the
/// nesting. Every flag that changes the study's work or results under parameter uncertainty
/// belongs in this object, read back by [`from_recipe`].
pub fn recipe(nesting: Nesting) -> Value {
    json!({
        "draws": nesting.draws,
        "paths_per_draw": nesting.paths_per_draw,
    })
}

/// The nesting of a study's recipe made by [`recipe`]: `None` for a study without parameter
/// uncertainty (no [`RECIPE_KEY`]).
pub fn from_recipe(r: &Value) -> Result<Option<Nesting>, Error> {
    use crate::shard::recipe::{damaged, u64_at};
    match &r[RECIPE_KEY] {
        Value::Null => Ok(None),
        u @ Value::Object(_) => {
            Nesting::new(u64_at(u, "draws")?, u64_at(u, "paths_per_draw")?).map(Some)
        }
        _ => Err(damaged(RECIPE_KEY)),
    }
}

/// A study with parameter uncertainty (`study` names it) given what is not the values of its
/// draws: shards of other work.
pub fn not_drawn(study: &str) -> Error {
    Error::Input(format!(
        "a {study} with parameter uncertainty is computed from the values of its draws; its \
         shards are of other work"
    ))
}

/// What the draws of every variant gave: per variant and metric, the values of every path
/// (draw after draw, `M` each; NaN where undefined), and each draw's parameter values and seed.
#[derive(Debug, Clone)]
pub struct Draws {
    pub nesting: Nesting,
    /// Per draw: the uncertain parameters' values.
    pub values: Vec<Vec<f64>>,
    /// Per draw: the seed of its paths.
    pub seeds: Vec<u64>,
    /// `[variant][metric]`: every path's value.
    pub paths: Vec<Vec<Vec<f64>>>,
}

/// The columns a study's table gains with parameter uncertainty ([`DrawStats::cells`]).
pub const COLUMNS: [&str; 3] = ["draws", "p_better_draws", "param_share"];

/// A study's size warnings: those of its nesting in draws, or else of its paths per variant.
pub fn warnings(nesting: Option<Nesting>, paths: u64) -> Vec<SizeWarning> {
    match nesting {
        Some(n) => n.warnings(),
        None => SizeWarning::paths(paths).into_iter().collect(),
    }
}

/// Per variant B ≠ A and metric, what the draws say beyond the paired comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DrawStats {
    /// Draws with at least one path where both are defined.
    pub draws: usize,
    /// Share of draws whose mean difference has the better sign (ties one half); `None` for
    /// a metric without a direction.
    pub p_better: Option<f64>,
    /// Share of one path's difference variance that is between draws; `None` without
    /// variance, with fewer than two draws or with one path per draw.
    pub param_share: Option<f64>,
}

impl DrawStats {
    /// The cells of [`COLUMNS`] (empty for none).
    pub fn cells(d: Option<&DrawStats>) -> [String; 3] {
        [
            d.map_or(String::new(), |d| d.draws.to_string()),
            number(d.and_then(|d| d.p_better)),
            number(d.and_then(|d| d.param_share)),
        ]
    }
}

impl Draws {
    /// Simulate every variant at every draw. `makers[0]` is the reference. Unit `d·V + v` is
    /// variant `v` at draw `d`; every unit's values are kept.
    pub fn simulate(
        reference: &Scenario,
        makers: &[Maker],
        nesting: Nesting,
        options: &Options,
        observer: &dyn Observer,
    ) -> Result<(Draws, RunInfo), Error> {
        let work = DrawnWork {
            reference,
            makers,
            nesting,
        };
        let DrawnUnits {
            values,
            seeds,
            scenarios,
        } = work.units()?;
        let variants = makers.len();
        let pool = Pool::new(options)?;
        let threads = pool.threads();
        let run = scenarios
            .iter()
            .take(variants)
            .map(|s| crate::resources::estimated_memory(s, threads))
            .max()
            .unwrap_or(0);
        pool.check_memory(
            Work::Study {
                variants,
                paths: nesting.paths(),
            },
            run.saturating_add(work.kept_bytes()),
        )?;
        let stopwatch = Stopwatch::start();
        let mut draws = Draws::new(nesting, values, seeds, variants);
        let mut loans = 0;
        let refs: Vec<&Scenario> = scenarios.iter().collect();
        pool.simulate_models(
            refs.len(),
            0..nesting.paths_per_draw,
            |i| Model::new(refs[i]),
            observer,
            |i, r| {
                loans += r.loans_simulated();
                for metric in Scalar::ALL {
                    draws.push(i, *metric, r.scalar(*metric));
                }
                Ok(())
            },
        )?;
        Ok((draws, stopwatch.stop(threads, loans)))
    }

    /// Draws of `variants` variants at draws of `values` and `seeds` with no path yet, to be
    /// filled unit by unit in unit order ([`Draws::push`]): from a simulation, or from the
    /// columns of a study's shards.
    pub fn new(nesting: Nesting, values: Vec<Vec<f64>>, seeds: Vec<u64>, variants: usize) -> Draws {
        let paths = (0..variants)
            .map(|_| {
                (0..Scalar::COUNT)
                    .map(|_| Vec::with_capacity(nesting.paths() as usize))
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>();
        Draws {
            nesting,
            values,
            seeds,
            paths,
        }
    }

    /// Append values of `metric` of unit `unit` (variant `unit % V`), in path order: every
    /// unit's paths in unit order, so that a variant's paths are draw after draw.
    pub fn push(&mut self, unit: usize, metric: Scalar, values: impl Iterator<Item = Option<f64>>) {
        let variants = self.paths.len();
        self.paths[unit % variants][metric.index()].extend(values.map(|v| v.unwrap_or(f64::NAN)));
    }

    /// The paths of draw `d`.
    fn range(&self, d: usize) -> Range<usize> {
        let m = self.nesting.paths_per_draw as usize;
        d * m..(d + 1) * m
    }

    /// Variant `v`'s statistics of `metric` over every path, the standard error of its mean
    /// clustered by draw (`sd` of the draws' means over `√K`).
    pub fn stats(&self, v: usize, metric: Scalar) -> Option<MetricStats> {
        let values = &self.paths[v][metric.index()];
        let mut stats = Summary::of(values.iter().map(|x| (!x.is_nan()).then_some(*x)))
            .map(MetricStats::from)?;
        // The draws are the independent units: the mean's standard error from their means.
        let means: Vec<f64> = self.means(v, metric).into_iter().flatten().collect();
        stats.se = mean_sd(&means).1.map(|sd| sd / (means.len() as f64).sqrt());
        Some(stats)
    }

    /// Variant `v`'s mean of `metric` over each draw's paths (`None` where undefined on all).
    pub fn means(&self, v: usize, metric: Scalar) -> Vec<Option<f64>> {
        let values = &self.paths[v][metric.index()];
        (0..self.values.len())
            .map(|d| {
                let x: Vec<f64> = values[self.range(d)]
                    .iter()
                    .copied()
                    .filter(|x| !x.is_nan())
                    .collect();
                (!x.is_empty()).then(|| mean_sd(&x).0)
            })
            .collect()
    }

    /// Variant `v` (≥ 1) against the reference on `metric`: the paired comparison over every
    /// path with its standard errors clustered by draw, and the statistics over draws.
    pub fn paired(
        &self,
        v: usize,
        metric: Scalar,
        direction: Option<Direction>,
        method: SeMethod,
    ) -> (Option<Paired>, Option<DrawStats>) {
        let (a, b) = (
            &self.paths[0][metric.index()],
            &self.paths[v][metric.index()],
        );
        let Some(mut paired) = Paired::of(a, b, direction) else {
            return (None, None);
        };
        // Per draw: the means of A, B and B − A over the paths where both are defined, and
        // the within-draw variance of B − A.
        let (mut ma, mut mb, mut md, mut within) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        // Under rqmc: per draw, the square of its randomisations' standard error of B − A.
        let mut noise = Vec::new();
        for d in 0..self.values.len() {
            let r = self.range(d);
            if let SeMethod::Randomisations(_) = method {
                // The draw's paths are 0..M under its own seed.
                let column: Vec<f64> = a[r.clone()]
                    .iter()
                    .zip(&b[r.clone()])
                    .map(|(x, y)| y - x)
                    .collect();
                if let Some((se, _)) = method.se(&column, 0) {
                    noise.push(se * se);
                }
            }
            let pairs: Vec<(f64, f64)> = a[r.clone()]
                .iter()
                .zip(&b[r])
                .filter(|(x, y)| !x.is_nan() && !y.is_nan())
                .map(|(x, y)| (*x, *y))
                .collect();
            if pairs.is_empty() {
                continue;
            }
            let xs: Vec<f64> = pairs.iter().map(|p| p.0).collect();
            let ys: Vec<f64> = pairs.iter().map(|p| p.1).collect();
            let ds: Vec<f64> = pairs.iter().map(|p| p.1 - p.0).collect();
            ma.push(mean_sd(&xs).0);
            mb.push(mean_sd(&ys).0);
            let (mean, sd) = mean_sd(&ds);
            md.push(mean);
            if let Some(sd) = sd {
                within.push(sd * sd);
            }
        }
        let k = md.len();
        let root_k = (k as f64).sqrt();
        let sd_of = |x: &[f64]| mean_sd(x).1;
        // The draws are the independent units: the paired interval from their means.
        paired.se = sd_of(&md).map(|s| s / root_k);
        paired.ci = paired.se.map(|s| {
            let t = t_quantile(0.975, (k - 1) as f64);
            (paired.diff - t * s, paired.diff + t * s)
        });
        paired.se_independent = match (sd_of(&ma), sd_of(&mb)) {
            (Some(x), Some(y)) => Some((x * x + y * y).sqrt() / root_k),
            _ => None,
        };
        let p_better = direction.map(|dir| {
            let score: f64 = md
                .iter()
                .map(|&x| {
                    let better = match dir {
                        Direction::HigherBetter => x > 0.0,
                        Direction::HigherWorse => x < 0.0,
                    };
                    if x == 0.0 {
                        0.5
                    } else if better {
                        1.0
                    } else {
                        0.0
                    }
                })
                .sum();
            score / k as f64
        });
        let param_share = match (sd_of(&md), within.is_empty()) {
            (Some(sd_means), false) => {
                let sigma_w = within.iter().sum::<f64>() / within.len() as f64;
                let m = self.nesting.paths_per_draw as f64;
                let noise = match method {
                    // Never tail: parameter uncertainty refuses it (`study::study_sampling`).
                    SeMethod::Paths | SeMethod::Weighted => Some(sigma_w / m),
                    SeMethod::Randomisations(_) if noise.is_empty() => None,
                    SeMethod::Randomisations(_) => {
                        Some(noise.iter().sum::<f64>() / noise.len() as f64)
                    }
                };
                noise.and_then(|noise| {
                    let sigma_b = (sd_means * sd_means - noise).max(0.0);
                    let total = sigma_b + sigma_w;
                    (total > 0.0).then(|| sigma_b / total)
                })
            }
            _ => None,
        };
        (
            Some(paired),
            Some(DrawStats {
                draws: k,
                p_better,
                param_share,
            }),
        )
    }
}

/// What the draws of a study with parameter uncertainty gave beyond its paired table, for the
/// study's metrics: per variant and metric each draw's mean, and the statistics over draws
/// against the first variant.
#[derive(Debug, Clone)]
pub struct DrawResults {
    /// The metrics, in the order of `means` and `stats`.
    pub metrics: Vec<Scalar>,
    /// Per draw: the uncertain parameters' values, and the seed of its paths.
    pub values: Vec<Vec<f64>>,
    pub seeds: Vec<u64>,
    /// `[variant][metric][draw]`: the mean over the draw's paths where the metric is defined.
    pub means: Vec<Vec<Vec<Option<f64>>>>,
    /// `[variant][metric]`: the statistics over draws against the first variant (empty for
    /// the first itself).
    pub stats: Vec<Vec<Option<DrawStats>>>,
}

/// Per variant and metric of [`DrawResults`]: the statistics over every path, and against the
/// first variant the paired comparison clustered by draw (empty for the first).
pub struct PathStats {
    pub stats: Vec<Vec<Option<MetricStats>>>,
    pub paired: Vec<Vec<Option<Paired>>>,
}

impl Draws {
    /// The statistics of every variant on `metrics`, each variant against the first.
    /// Under rqmc (`method`) the parameter share subtracts the randomisations' noise of a
    /// draw's mean.
    pub fn results(self, metrics: &[Scalar], method: SeMethod) -> (DrawResults, PathStats) {
        let variants = self.paths.len();
        let (mut stats, mut paired, mut means, mut by_draw) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for v in 0..variants {
            let (mut p, mut d) = (Vec::new(), Vec::new());
            if v > 0 {
                for m in metrics {
                    let (a, b) = self.paired(v, *m, m.direction(), method);
                    p.push(a);
                    d.push(b);
                }
            }
            paired.push(p);
            by_draw.push(d);
            stats.push(metrics.iter().map(|m| self.stats(v, *m)).collect());
            means.push(metrics.iter().map(|m| self.means(v, *m)).collect());
        }
        let draws = DrawResults {
            metrics: metrics.to_vec(),
            values: self.values,
            seeds: self.seeds,
            means,
            stats: by_draw,
        };
        (draws, PathStats { stats, paired })
    }
}

impl DrawResults {
    /// The statistics over draws of variant `v` (≥ 1) on `m`.
    pub fn stats(&self, v: usize, m: Scalar) -> Option<&DrawStats> {
        let j = self.metrics.iter().position(|x| *x == m)?;
        self.stats.get(v)?.get(j)?.as_ref()
    }

    /// `draws.csv`: per draw and variant (named `names`), the draw's seed and the values of
    /// `reference`'s uncertain parameters, then every metric's mean over the draw's paths
    /// (what a later analysis of the draws regresses on).
    pub fn csv(&self, reference: &Scenario, names: &[&str]) -> String {
        let mut header = vec!["draw".to_string(), "seed".to_string()];
        header.extend(reference.uncertain().iter().map(|p| p.column()));
        header.push("variant".to_string());
        header.extend(self.metrics.iter().map(|m| m.name().to_string()));
        let mut out = CsvWriter::text_file(header);
        for (d, (values, seed)) in self.values.iter().zip(&self.seeds).enumerate() {
            for (v, name) in names.iter().enumerate() {
                let mut row = vec![d.to_string(), seed.to_string()];
                row.extend(values.iter().map(|x| number(Some(*x))));
                row.push(name.to_string());
                row.extend(self.means[v].iter().map(|m| number(m[d])));
                out.push(row);
            }
        }
        out.into_string()
    }
}

/// The `uncertainty` entry of a study's `summary.json`: the nesting, the parameters, which
/// variant sets which drawn keys itself (`overridden`, per variant), and how each statistic is
/// made.
pub fn summary(
    reference: &Scenario,
    nesting: Nesting,
    variants: &[super::Variant],
    overridden: &[Vec<String>],
) -> Value {
    json!({
        "draws": nesting.draws,
        "paths_per_draw": nesting.paths_per_draw,
        "parameters": reference.uncertain().iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        "kept_sets": reference.has_uncertain_sets(),
        "paths": "draw d takes the uncertain values of draw d (uncertain_draw) and runs paths 0..paths_per_draw under the seed of draws.csv, the same for every variant",
        "overridden": variants.iter().zip(overridden).filter(|(_, k)| !k.is_empty()).map(|(v, k)| json!({"variant": v.name, "keys": k})).collect::<Vec<_>>(),
        "intervals": "clustered by draw: the standard error of the mean difference is the sd of the draws' mean differences over the square root of the draws",
        "p_better_draws": "share of draws whose mean difference has the better sign; a tie counts one half",
        "param_share": "one-way random-effects decomposition of one path's difference: between-draw variance (variance of the draws' means less the mean within-draw variance over the paths per draw, clipped at 0) over between plus within",
    })
}

/// The notes of a study whose variants (`names`) set drawn keys themselves.
pub fn override_notes(names: &[&str], overridden: &[Vec<String>]) -> Vec<String> {
    names
        .iter()
        .zip(overridden)
        .filter(|(_, k)| !k.is_empty())
        .map(|(n, k)| {
            format!(
                "{n} sets {} itself: on every draw it keeps its own value, not the drawn one.",
                k.join(", ")
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_rqmc_the_parameter_share_subtracts_the_draws_randomisations_noise() {
        // Two draws of 4 paths, R = 2 (randomisation r: the draw's paths r and r + 2); A is 0,
        // so B − A is B. Draw 0: 1, 3, 1, 3, its randomisations' means 1 and 3, se 1. Draw 1:
        // 5, 5, 7, 7, means 6 and 6, se 0. The draws' means 2 and 6: var 8; each draw's
        // variance over its paths 4/3.
        let m = Scalar::Defaults;
        let mut draws = Draws::new(
            Nesting::new(2, 4).unwrap(),
            vec![vec![0.0], vec![1.0]],
            vec![1, 2],
            2,
        );
        for (unit, values) in [
            [0.0; 4],
            [1.0, 3.0, 1.0, 3.0],
            [0.0; 4],
            [5.0, 5.0, 7.0, 7.0],
        ]
        .iter()
        .enumerate()
        {
            draws.push(unit, m, values.iter().map(|x| Some(*x)));
        }
        let share = |method| {
            draws
                .paired(1, m, None, method)
                .1
                .unwrap()
                .param_share
                .unwrap()
        };
        let within = 4.0 / 3.0;
        // Plain: the noise of a draw's mean is σ²_w / M; rqmc: the mean of the draws' se², 1/2.
        let plain = 8.0 - within / 4.0;
        assert!((share(SeMethod::Paths) - plain / (plain + within)).abs() < 1e-12);
        let rqmc = 8.0 - 0.5;
        let got = share(SeMethod::Randomisations(2));
        assert!((got - rqmc / (rqmc + within)).abs() < 1e-12, "{got}");
    }

    #[test]
    fn the_nesting_reads_back_from_a_recipe_and_damage_is_refused() {
        let n = Nesting::new(7, 3).unwrap();
        let r = json!({ RECIPE_KEY: recipe(n), "paths": null });
        assert_eq!(from_recipe(&r).unwrap(), Some(n));
        // A study without parameter uncertainty has no such object.
        assert_eq!(from_recipe(&json!({"paths": 100})).unwrap(), None);
        for bad in [
            json!({ RECIPE_KEY: 3 }),
            json!({ RECIPE_KEY: {"draws": 7} }),
            json!({ RECIPE_KEY: {"draws": -1, "paths_per_draw": 3} }),
        ] {
            let e = from_recipe(&bad).unwrap_err().to_string();
            assert!(e.contains("was shard.json edited?"), "{e}");
        }
        let e = from_recipe(&json!({ RECIPE_KEY: {"draws": 0, "paths_per_draw": 3} }));
        assert!(e.unwrap_err().to_string().contains("1 or more"));
    }
}
