//! Comparisons of policies: two or more variants on common random numbers. The first variant
//! is the reference A; for every other variant B and every scalar outcome: each variant's
//! mean, the paired difference B − A with its standard error and 95% confidence interval, the
//! standard error independent draws would give and how many times smaller the paired one is,
//! and, for outcomes with a direction ([`super::paired::direction`]), the share of paths on
//! which B is worse than A (and better; the rest are ties).
//!
//! Variants are scenario files or the first file with overrides (`name: key=value,...`,
//! [`VariantSpec`]). Every variant runs with the reference's seed and number of paths (or the
//! study's own): a file's own seed and paths are replaced, and the report says so.
//!
//! With parameter uncertainty ([`Compare::with_uncertainty`], `compare --uncertain`) the paths
//! are nested in draws of the reference's `[[uncertain]]` parameters ([`super::nested`]): the
//! table keeps its columns, its intervals clustered by draw, and adds per variant and metric
//! the probability over draws that the variant is better and the share of the difference's
//! variance that is parameter uncertainty; `draws.csv` has every draw's means. With
//! [`Compare::with_voi`] (`--voi OUTCOME`) it adds the value of information of the choice
//! between the variants ([`super::voi`]): `voi.csv`, an entry of `summary.json` and a section
//! of the report.

mod page;
mod voi_page;

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::MetricStats;
use super::nested::{DRAWS_CSV, DrawResults, DrawStats, DrawnWork, Draws, Maker, Nesting};
use super::paired::{Paired, direction};
use super::params::{VariantSpec, apply, check_overrides};
use super::voi::{Outcome, VOI_CSV, Voi};

/// The outcome of `--voi` in the recipe's object of flags under parameter uncertainty.
const VOI_KEY: &str = "voi";
use super::{KEY_METRICS, ResultSource, Study, StudyResults, Variant, run_variants_from};
use crate::charts::ChartError;
use crate::charts::study::{self as draw, Forest, ForestRow, Interval, StudyChart, Texts};
use crate::error::{Arg, Error};
use crate::format::{count, pct};
use crate::metrics::Scalar;
use crate::output::csv::{CsvWriter, number};
use crate::output::{self, RunInfo};
use crate::rqmc::SeMethod;
use crate::scenario::Scenario;
use crate::shard::recipe;
use crate::units::Column;

/// File name of the comparison's table.
pub const COMPARE_CSV: &str = "compare.csv";
/// Folder of the variants' resolved scenarios.
pub const VARIANTS_DIR: &str = "variants";

/// A comparison, checked and ready to run.
#[derive(Debug, Clone)]
pub struct Compare {
    variants: Vec<Variant>,
    /// Where each variant comes from, for the report.
    sources: Vec<String>,
    chart_metrics: Vec<Scalar>,
    notes: Vec<String>,
    /// What the comparison was made from, for its shards ([`Study::recipe`]).
    recipe: Value,
    /// How each variant is made at a draw of the uncertain parameters.
    makers: Vec<Maker>,
    /// With parameter uncertainty: the draws and their paths.
    nesting: Option<Nesting>,
    /// With parameter uncertainty: the outcome of a value of information.
    voi: Option<Outcome>,
}

/// One variant's outcome.
#[derive(Debug, Clone)]
pub struct VariantOutcome {
    /// Per metric of [`Scalar::ALL`]: statistics over the paths where it is defined.
    pub stats: Vec<Option<MetricStats>>,
    /// Per metric of [`Scalar::ALL`]: the paired comparison with the reference (empty for the
    /// reference itself).
    pub paired: Vec<Option<Paired>>,
}

/// What a comparison produced, in variant order (the reference first).
#[derive(Debug, Clone)]
pub struct CompareResults {
    pub variants: Vec<VariantOutcome>,
    pub run: RunInfo,
    /// With parameter uncertainty: what the draws gave.
    pub draws: Option<DrawResults>,
    /// With `--voi`: the value of information of the choice between the variants.
    pub voi: Option<Voi>,
    /// Under tail sampling: the effective sample size of the reference's paths' weights.
    pub effective_sample_size: Option<f64>,
}

impl StudyResults for CompareResults {
    fn run(&self) -> &RunInfo {
        &self.run
    }

    fn effective_sample_size(&self) -> Option<f64> {
        self.effective_sample_size
    }
}

impl Compare {
    /// How the variants settle, for the notes on par: at par if any of them does.
    pub fn settlement(&self) -> crate::scenario::Settlement {
        use crate::scenario::Settlement;
        if self
            .variants
            .iter()
            .any(|v| v.scenario.spec().state.settlement == Settlement::Par)
        {
            Settlement::Par
        } else {
            Settlement::RunOff
        }
    }
}

impl CompareResults {
    /// The paired comparison of variant `v` (≥ 1) with the reference on `m`.
    pub fn paired(&self, v: usize, m: Scalar) -> Option<&Paired> {
        self.variants
            .get(v)
            .and_then(|o| o.paired.get(m.index()))
            .and_then(Option::as_ref)
    }

    /// The statistics over draws of variant `v` (≥ 1) against the reference on `m`, with
    /// parameter uncertainty.
    pub fn draw_stats(&self, v: usize, m: Scalar) -> Option<&DrawStats> {
        self.draws.as_ref().and_then(|d| d.stats(v, m))
    }

    /// The statistics of variant `v` on `m`.
    pub fn stats(&self, v: usize, m: Scalar) -> Option<&MetricStats> {
        self.variants
            .get(v)
            .and_then(|o| o.stats.get(m.index()))
            .and_then(Option::as_ref)
    }
}

impl Compare {
    /// The variants: `scenarios` as loaded (the first is the reference A), then each of `specs`
    /// applied to A. `paths` and `seed` are the study's (default: A's). `chart_metrics` empty:
    /// [`KEY_METRICS`].
    pub fn new(
        scenarios: &[Scenario],
        specs: &[VariantSpec],
        paths: Option<u64>,
        seed: Option<u64>,
        chart_metrics: Vec<Scalar>,
    ) -> Result<Compare, Error> {
        let Some(first) = scenarios.first() else {
            return Err(Error::Input("compare needs a scenario file".into()));
        };
        if scenarios.len() + specs.len() < 2 {
            return Err(Error::Missing {
                arg: Arg::Variant,
                context: format!(
                    "{}: nothing to compare; give a second scenario file, or variants of this one \
                     with",
                    first.file()
                ),
                example: "'name: key=value,...'".into(),
            });
        }
        let reference = first.with_run_size(paths, seed)?;
        let sim = reference.spec().simulation.clone();
        let mut notes = Vec::new();
        let names = file_names(scenarios, &mut notes);
        let mut variants = vec![Variant {
            name: names[0].clone(),
            settings: Vec::new(),
            scenario: reference.clone(),
        }];
        let mut sources = vec![reference.file().to_string()];
        let mut makers = vec![Maker::File(Box::new(reference.clone()))];
        for (s, name) in scenarios[1..].iter().zip(&names[1..]) {
            let own = &s.spec().simulation;
            if own.seed != sim.seed || own.paths != sim.paths {
                notes.push(format!(
                    "{} ({}) has seed {} and {} paths of its own; it runs with the study's seed {} and {} \
                     paths, so that every variant meets the same borrowers (common random numbers).",
                    name,
                    s.file(),
                    own.seed,
                    count(own.paths as f64),
                    sim.seed,
                    count(sim.paths as f64)
                ));
            }
            if own.horizon_years != sim.horizon_years {
                notes.push(format!(
                    "{} has a horizon of {} years and {} one of {}: their outcomes cover different periods.",
                    name,
                    own.horizon_years,
                    names[0],
                    sim.horizon_years
                ));
            }
            let scenario = s.with_run_size(Some(sim.paths as u64), Some(sim.seed as u64))?;
            makers.push(Maker::File(Box::new(scenario.clone())));
            variants.push(Variant {
                name: name.clone(),
                settings: Vec::new(),
                scenario,
            });
            sources.push(s.file().to_string());
        }
        let stripped = reference.without_sensitivity();
        for v in specs {
            let bad = |why| Error::argument(Arg::Variant, &v.spec, why);
            check_overrides(reference.spec(), &v.overrides).map_err(bad)?;
            let scenario = apply(&stripped, &v.overrides).map_err(bad)?;
            let settings: Vec<(String, String)> = v
                .overrides
                .iter()
                .map(|o| (o.key.clone(), o.value.to_string()))
                .collect();
            sources.push(format!(
                "{} with {}",
                reference.file(),
                settings
                    .iter()
                    .map(|(k, x)| format!("{k} = {x}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            makers.push(Maker::Overrides(v.overrides.clone()));
            variants.push(Variant {
                name: v.name.clone(),
                settings,
                scenario,
            });
        }
        for (i, v) in variants.iter().enumerate() {
            if variants[..i].iter().any(|w| w.name == v.name) {
                return Err(Error::Input(format!(
                    "two variants are named `{}`; give them distinct names (meta.name of a file, its \
                     file name when two files share a meta.name, or the NAME of a variant 'NAME: \
                     key=value,...')",
                    v.name
                )));
            }
            if !super::params::valid_name(&v.name) {
                return Err(Error::Input(format!(
                    "variant {:?}: a variant's name must be letters, digits, `_`, `-` or `.` (it \
                     names a file)",
                    v.name
                )));
            }
        }
        let chart_metrics = if chart_metrics.is_empty() {
            KEY_METRICS.to_vec()
        } else {
            chart_metrics
        };
        let recipe_metrics = chart_metrics.clone();
        let chart_metrics = headline_first(chart_metrics);
        let recipe = json!({
            "scenarios": scenarios.iter().map(recipe::scenario).collect::<Vec<_>>(),
            "variants": specs.iter().map(|v| v.spec.as_str()).collect::<Vec<_>>(),
            "paths": paths,
            "seed": seed,
            "metrics": recipe::metrics(&recipe_metrics),
        });
        Ok(Compare {
            variants,
            sources,
            chart_metrics,
            notes,
            recipe,
            makers,
            nesting: None,
            voi: None,
        })
    }

    /// The comparison with parameter uncertainty: `nesting.draws` draws of the reference's
    /// uncertain parameters, each run by every variant on `nesting.paths_per_draw` paths
    /// ([`super::nested`]). Refused for a reference without an `[[uncertain]]` section and for
    /// a file variant whose section names other parameters.
    pub fn with_uncertainty(mut self, nesting: Nesting) -> Result<Compare, Error> {
        let reference = self.reference().clone();
        super::nested::check(&reference, &self.makers, "comparison")?;
        let seed = reference.spec().simulation.seed as u64;
        for v in &mut self.variants {
            v.scenario = v
                .scenario
                .with_run_size(Some(nesting.paths()), Some(seed))?;
        }
        self.makers[0] = Maker::File(Box::new(self.variants[0].scenario.clone()));
        let names: Vec<&str> = self.variants.iter().map(|v| v.name.as_str()).collect();
        let notes = super::nested::override_notes(&names, &self.overridden_keys());
        self.notes.extend(notes);
        self.nesting = Some(nesting);
        self.recipe[super::nested::RECIPE_KEY] = super::nested::recipe(nesting);
        Ok(self)
    }

    /// The comparison with the value of information of the choice between its variants on
    /// `outcome` ([`super::voi`]). Refused without parameter uncertainty and with fewer than
    /// [`super::voi::MIN_DRAWS`] draws.
    pub fn with_voi(mut self, outcome: Outcome) -> Result<Compare, Error> {
        let Some(n) = self.nesting else {
            return Err(Error::Inapplicable {
                arg: Arg::Voi,
                given: outcome.to_string(),
                context: "the value of information is made from draws of the uncertain \
                          parameters"
                    .into(),
                applies_to: "a comparison with --uncertain".into(),
            });
        };
        Voi::check_draws(&outcome, n.draws)?;
        self.voi = Some(outcome);
        // With the other flags under parameter uncertainty, so that a merge of shards values
        // the same decision.
        self.recipe[super::nested::RECIPE_KEY][VOI_KEY] = json!(outcome.to_string());
        Ok(self)
    }

    /// The outcome of the value of information, if asked for.
    pub fn voi(&self) -> Option<Outcome> {
        self.voi
    }

    /// With parameter uncertainty: the draws and their paths.
    pub fn nesting(&self) -> Option<Nesting> {
        self.nesting
    }

    /// Per variant, the keys of uncertain parameters it sets itself (its value beats the
    /// drawn one).
    pub fn overridden_keys(&self) -> Vec<Vec<String>> {
        let reference = self.reference();
        self.makers
            .iter()
            .map(|m| m.overridden(reference))
            .collect()
    }

    /// The variants, the reference first.
    pub fn variants(&self) -> &[Variant] {
        &self.variants
    }

    /// The reference scenario A.
    pub fn reference(&self) -> &Scenario {
        &self.variants[0].scenario
    }

    /// Where each variant comes from.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// The metrics drawn in the chart, the headline outcomes among them first (every metric is
    /// in the table).
    pub fn chart_metrics(&self) -> &[Scalar] {
        &self.chart_metrics
    }

    /// What the user should know about the variants (replaced seeds, differing horizons).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Paths per variant.
    pub fn paths(&self) -> u64 {
        self.reference().spec().simulation.paths as u64
    }

    /// `compare.csv`: one row per variant and metric. The reference's rows have its mean only;
    /// every other row has the paired comparison with the reference.
    pub fn csv(&self, results: &CompareResults) -> String {
        let mut header = vec![
            "variant",
            "reference",
            "metric",
            "n",
            "mean",
            "diff",
            "se",
            "ci_low",
            "ci_high",
            "se_independent",
            "se_ratio",
            "p_worse",
            "p_better",
            "direction",
        ];
        let nested = results.draws.is_some();
        if nested {
            header.extend(super::nested::COLUMNS);
        }
        let mut out = CsvWriter::text_file(header);
        let reference = &self.variants[0].name;
        for (v, variant) in self.variants.iter().enumerate() {
            for m in Scalar::ALL {
                let stats = results.stats(v, *m);
                let paired = results.paired(v, *m);
                let n = match (v, paired, stats) {
                    (0, _, Some(s)) => s.n.to_string(),
                    (_, Some(p), _) => p.n.to_string(),
                    _ => "0".to_string(),
                };
                let mut row = vec![
                    variant.name.clone(),
                    if v == 0 {
                        String::new()
                    } else {
                        reference.clone()
                    },
                    m.name().to_string(),
                    n,
                    number(stats.map(|s| s.mean)),
                    number(paired.map(|p| p.diff)),
                    number(paired.and_then(|p| p.se)),
                    number(paired.and_then(|p| p.ci).map(|c| c.0)),
                    number(paired.and_then(|p| p.ci).map(|c| c.1)),
                    number(paired.and_then(|p| p.se_independent)),
                    number(paired.and_then(|p| p.se_ratio())),
                    number(paired.and_then(|p| p.p_worse)),
                    number(paired.and_then(|p| p.p_better)),
                    direction(*m).map_or("", |d| d.name()).to_string(),
                ];
                if nested {
                    let d = results.draw_stats(v, *m);
                    row.extend(DrawStats::cells(d));
                }
                out.push(row);
            }
        }
        out.into_string()
    }

    /// The chart of the differences: per metric and variant, the change of the mean relative
    /// to the reference's, with its 95% confidence interval.
    pub fn chart(&self, results: &CompareResults) -> Result<StudyChart, ChartError> {
        let reference = &self.variants[0].name;
        let mut rows = Vec::new();
        let mut annotations = Vec::new();
        let mut left_out = Vec::new();
        for m in &self.chart_metrics {
            let base = results.stats(0, *m).map(|s| s.mean);
            let Some(base) = base.filter(|b| *b != 0.0) else {
                left_out.push(m.label());
                continue;
            };
            let entries: Vec<Option<Interval>> = (1..self.variants.len())
                .map(|v| {
                    results.paired(v, *m).map(|p| {
                        let (lo, hi) = p.ci.unwrap_or((p.diff, p.diff));
                        Interval {
                            value: p.diff / base.abs(),
                            lo: lo / base.abs(),
                            hi: hi / base.abs(),
                        }
                    })
                })
                .collect();
            annotations.push(if self.variants.len() == 2 {
                results.paired(1, *m).map_or(String::new(), |p| {
                    format!(
                        "{} ({})",
                        m.unit().change(p.diff),
                        crate::units::relative_change(p.diff / base.abs())
                    )
                })
            } else {
                String::new()
            });
            rows.push(ForestRow {
                label: format!(
                    "{}{}",
                    m.label(),
                    if m.at_par(self.settlement()) {
                        " †"
                    } else {
                        ""
                    }
                ),
                entries,
            });
        }
        let series: Vec<String> = self.variants[1..]
            .iter()
            .map(|v| format!("{} − {reference}", v.name))
            .collect();
        let mut facts = match self.nesting {
            None => format!(
                "Paired on common random numbers: {}, seed {}",
                super::paths_text(self.paths()),
                self.reference().spec().simulation.seed
            ),
            Some(n) => format!(
                "Parameter uncertainty: {} draws × {} each, paired within each draw, seed {}",
                count(n.draws as f64),
                super::paths_text(n.paths_per_draw),
                self.reference().spec().simulation.seed
            ),
        };
        let mut more = String::new();
        if !left_out.is_empty() {
            facts.push_str(&format!(
                " · not shown (reference mean 0): {}",
                left_out.join(", ")
            ));
            more.push_str(&format!(
                " Not shown because the reference's mean is 0: {}.",
                left_out.join(", ")
            ));
        }
        let forest = Forest {
            texts: Texts {
                title: format!(
                    "Differences from {reference} — {}",
                    super::paths_text(self.paths())
                ),
                facts,
                footnote: self
                    .chart_metrics
                    .iter()
                    .any(|m| m.at_par(self.settlement()))
                    .then(|| format!("† {}", crate::charts::PAR_NOTE)),
            },
            x_desc: format!("Change of the mean relative to {reference} (95% confidence interval)"),
            series: &series,
            rows: &rows,
            annotations: &annotations,
            unit: crate::units::Unit::Percent,
            clip: true,
        };
        let caption = format!(
            "For each outcome, the mean difference from {reference} on the same paths, as a share \
             of {reference}'s mean, with its 95% confidence interval (paired standard errors); \
             the headline outcomes first, as many as the chart holds (the table has every \
             outcome).{more}{}",
            if self.variants.len() == 2 {
                " On the right: the difference in the outcome's own unit, and relative. An \
                 interval that ends in an arrow goes on beyond the axis."
            } else {
                ""
            }
        );
        draw::chart("compare_differences".to_string(), caption, &forest)
    }
}

impl Compare {
    /// The comparison with parameter uncertainty, from the draws simulated now or read from
    /// its shards.
    fn compute_nested(
        &self,
        nesting: Nesting,
        source: ResultSource<'_>,
    ) -> Result<CompareResults, Error> {
        let (draws, run) = match source {
            ResultSource::Simulate { options, observer } => {
                Draws::simulate(self.reference(), &self.makers, nesting, options, observer)?
            }
            ResultSource::Drawn { draws, run } => (draws, run),
            _ => return Err(super::nested::not_drawn("comparison")),
        };
        let (draws, paths) = draws.results(Scalar::ALL, super::study_sampling(self)?);
        let variants = paths
            .stats
            .into_iter()
            .zip(paths.paired)
            .map(|(stats, paired)| VariantOutcome { stats, paired })
            .collect();
        Ok(CompareResults {
            variants,
            run,
            draws: Some(draws),
            voi: None,
            effective_sample_size: None,
        })
    }
}

impl Compare {
    /// With `--voi`: the value of information from the draws of `results`.
    fn value_of_information(&self, results: &CompareResults) -> Result<Option<Voi>, Error> {
        let (Some(outcome), Some(draws)) = (self.voi, &results.draws) else {
            return Ok(None);
        };
        let names: Vec<&str> = self.variants.iter().map(|v| v.name.as_str()).collect();
        Voi::of_draws(outcome, self.reference(), &names, draws).map(Some)
    }
}

/// The names of the compared files: their `meta.name`, or for files that share one, their file
/// stems (`room150` for `room150.toml`), with a note saying so.
fn file_names(scenarios: &[Scenario], notes: &mut Vec<String>) -> Vec<String> {
    let stem = |s: &Scenario| {
        std::path::Path::new(s.file()).file_stem().map_or_else(
            || s.name().to_string(),
            |x| x.to_string_lossy().into_owned(),
        )
    };
    scenarios
        .iter()
        .map(|s| {
            let sharing: Vec<&Scenario> =
                scenarios.iter().filter(|o| o.name() == s.name()).collect();
            if sharing.len() < 2 {
                return s.name().to_string();
            }
            let note = format!(
                "{} are {} named `{}`: each is compared under its file's stem ({}).",
                sharing
                    .iter()
                    .map(|o| o.file())
                    .collect::<Vec<_>>()
                    .join(" and "),
                if sharing.len() == 2 { "both" } else { "all" },
                s.name(),
                sharing
                    .iter()
                    .map(|o| stem(o))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if !notes.contains(&note) {
                notes.push(note);
            }
            stem(s)
        })
        .collect()
}

/// The chart's metrics: as given, or for every metric (`--metrics all`), those of the headline
/// ([`crate::metrics::HEADLINE`]: outreach, losses, capital and the state's whole account) first,
/// in its order, then the others in the registry's, so that the chart begins with what a
/// study of the scenario is about.
fn headline_first(metrics: Vec<Scalar>) -> Vec<Scalar> {
    if metrics.len() < Scalar::COUNT {
        return metrics;
    }
    let headline = crate::metrics::HEADLINE;
    let mut ordered: Vec<Scalar> = headline
        .iter()
        .copied()
        .filter(|m| metrics.contains(m))
        .collect();
    ordered.extend(metrics.into_iter().filter(|m| !headline.contains(m)));
    ordered
}

impl Study for Compare {
    type Results = CompareResults;
    const KIND: &'static str = "compare";

    fn base(&self) -> &Scenario {
        self.reference()
    }

    fn variants(&self) -> &[Variant] {
        &self.variants
    }

    fn title(&self) -> String {
        format!("{}: comparison", self.reference().name())
    }

    fn notes(&self) -> &[String] {
        &self.notes
    }

    fn warnings(&self) -> Vec<super::SizeWarning> {
        super::nested::warnings(self.nesting, self.paths())
    }

    /// Without parameter uncertainty (whose draws' means are not weighted).
    fn takes_tail(&self) -> bool {
        self.nesting.is_none()
    }

    /// [`Compare::compute`] from the variants' results wherever they come from.
    fn compute_from(&self, source: ResultSource<'_>) -> Result<CompareResults, Error> {
        // Refused unless every variant shares a sampling a comparison takes (plain, rqmc, and
        // tail without parameter uncertainty).
        let method = super::study_sampling(self)?;
        if let Some(nesting) = self.nesting {
            let mut results = self.compute_nested(nesting, source)?;
            results.voi = self.value_of_information(&results)?;
            return Ok(results);
        }
        let kept = self.paths() * Scalar::COUNT as u64 * 8;
        let mut reference: Vec<Vec<f64>> = Vec::new();
        // The reference's weights, the same as every variant's with its cycle years (tail).
        let mut weights: Vec<f64> = Vec::new();
        let base = self.reference();
        let (variants, run) = run_variants_from(&self.variants, base, source, kept, |i, r| {
            let columns: Vec<Vec<f64>> = Scalar::ALL
                .iter()
                .map(|m| r.scalar(*m).map(|v| v.unwrap_or(f64::NAN)).collect())
                .collect();
            let stats = Scalar::ALL
                .iter()
                .map(|m| MetricStats::sampled(r, *m, method))
                .collect();
            if i == 0 {
                reference = columns;
                weights = r.weights().to_vec();
                return VariantOutcome {
                    stats,
                    paired: Vec::new(),
                };
            }
            let paired = Scalar::ALL
                .iter()
                .zip(&columns)
                .map(|(m, b)| {
                    let a = &reference[m.index()];
                    let both = [&weights[..], r.weights()];
                    Paired::sampled(a, b, direction(*m), method, r.first_path(), both)
                })
                .collect();
            VariantOutcome { stats, paired }
        })?;
        Ok(CompareResults {
            variants,
            run,
            draws: None,
            voi: None,
            effective_sample_size: (method == SeMethod::Weighted)
                .then(|| crate::tail::estimate::effective_sample_size(&weights)),
        })
    }

    /// Its scenarios and flags; with parameter uncertainty, its flags of that under
    /// [`super::nested::RECIPE_KEY`].
    fn recipe(&self) -> Option<&Value> {
        Some(&self.recipe)
    }

    fn drawn(&self) -> Option<DrawnWork<'_>> {
        self.nesting.map(|nesting| DrawnWork {
            reference: self.reference(),
            makers: &self.makers,
            nesting,
        })
    }

    /// The comparison made again from its [`Study::recipe`].
    fn from_recipe(r: &Value) -> Result<Compare, Error> {
        let scenarios = r["scenarios"]
            .as_array()
            .ok_or_else(|| recipe::damaged("scenarios"))?
            .iter()
            .map(recipe::scenario_from)
            .collect::<Result<Vec<_>, _>>()?;
        let specs = recipe::strings(r, "variants")?
            .iter()
            .map(|v| v.parse::<VariantSpec>())
            .collect::<Result<Vec<_>, _>>()?;
        let compare = Compare::new(
            &scenarios,
            &specs,
            recipe::optional_u64(r, "paths")?,
            recipe::optional_u64(r, "seed")?,
            recipe::metrics_at(r, "metrics")?,
        )?;
        // Every flag of a comparison under parameter uncertainty is in the recipe's one
        // object of them (`uncertain`, [`super::nested::recipe`]).
        let compare = match super::nested::from_recipe(r)? {
            Some(nesting) => compare.with_uncertainty(nesting)?,
            None => return Ok(compare),
        };
        match &r[super::nested::RECIPE_KEY][VOI_KEY] {
            Value::Null => Ok(compare),
            Value::String(outcome) => compare.with_voi(outcome.parse()?),
            _ => Err(recipe::damaged(VOI_KEY)),
        }
    }

    fn summary(&self, results: &CompareResults) -> Value {
        let mut v = json!({
            "reference": self.variants[0].name,
            "sources": self.sources,
            "notes": self.notes,
        });
        if let Some(n) = self.nesting {
            let keys = self.overridden_keys();
            v["uncertainty"] = super::nested::summary(self.reference(), n, &self.variants, &keys);
        }
        if let Some(voi) = &results.voi {
            v["voi"] = voi.summary();
        }
        v
    }

    /// `compare.csv` and every variant's resolved scenario in `variants/`.
    fn files(&self, results: &CompareResults) -> Vec<(String, Vec<u8>)> {
        let mut files = vec![(COMPARE_CSV.to_string(), self.csv(results).into_bytes())];
        if let Some(d) = &results.draws {
            let names: Vec<&str> = self.variants.iter().map(|v| v.name.as_str()).collect();
            let csv = d.csv(self.reference(), &names);
            files.push((DRAWS_CSV.to_string(), csv.into_bytes()));
        }
        if let Some(voi) = &results.voi {
            files.push((VOI_CSV.to_string(), voi.csv().into_bytes()));
        }
        files.extend(self.variants.iter().map(|v| {
            (
                format!("{VARIANTS_DIR}/{}.toml", v.name),
                output::scenario_toml(&v.scenario).into_bytes(),
            )
        }));
        files
    }

    fn draw(&self, results: &CompareResults) -> Result<Vec<StudyChart>, ChartError> {
        Ok(vec![self.chart(results)?])
    }

    fn page(&self, results: &CompareResults, charts: &[StudyChart]) -> String {
        page::html(self, results, charts)
    }

    /// Per variant B: each chart metric's means, the paired difference B − A with its 95%
    /// interval, how many times smaller the paired standard error is, and P(worse).
    fn summarise(&self, results: &CompareResults) -> String {
        let mut out = String::new();
        let a = &self.variants[0].name;
        for (k, v) in self.variants.iter().enumerate().skip(1) {
            let b = &v.name;
            let (wa, wb) = (a.chars().count().max(10) + 2, b.chars().count().max(10) + 2);
            let _ = writeln!(out, "\n{b} − {a}:");
            let _ = write!(
                out,
                "{:<28}{a:>wa$}{b:>wb$}{:>12}{:>26}{:>8}{:>10}",
                "", "B − A", "95% CI", "ratio", "P(worse)"
            );
            let _ = if results.draws.is_some() {
                writeln!(out, "{:>16}{:>13}", "P(better|draw)", "param share")
            } else {
                writeln!(out)
            };
            for m in &self.chart_metrics {
                let name = m.name();
                let unit = m.unit();
                let both: Vec<f64> = [0, k]
                    .iter()
                    .filter_map(|&i| results.stats(i, *m).map(|s| s.mean))
                    .collect();
                let means = Column::of(unit, &both);
                let mean = |i: usize| {
                    results
                        .stats(i, *m)
                        .map_or("–".to_string(), |s| means.value(s.mean))
                };
                let p = results.paired(k, *m);
                let diffs = p.map_or(Column::of(unit, &[]), |p| {
                    let (lo, hi) = p.ci.unwrap_or((p.diff, p.diff));
                    Column::of(unit, &[lo, p.diff, hi])
                });
                let _ = write!(
                    out,
                    "{name:<28}{:>wa$}{:>wb$}{:>12}{:>26}{:>8}{:>10}",
                    mean(0),
                    mean(k),
                    p.map_or("–".to_string(), |p| diffs.change(p.diff)),
                    p.and_then(|p| p.ci).map_or("–".to_string(), |(lo, hi)| {
                        format!("{} to {}", diffs.change(lo), diffs.change(hi))
                    }),
                    p.and_then(|p| p.se_ratio())
                        .map_or("–".to_string(), |r| format!("{r:.1}×")),
                    p.and_then(|p| p.p_worse)
                        .map_or("–".to_string(), |x| pct(x, 1)),
                );
                let _ = match (results.draws.is_some(), results.draw_stats(k, *m)) {
                    (false, _) => writeln!(out),
                    (true, d) => writeln!(
                        out,
                        "{:>16}{:>13}",
                        d.and_then(|d| d.p_better)
                            .map_or("–".to_string(), |x| pct(x, 1)),
                        d.and_then(|d| d.param_share)
                            .map_or("–".to_string(), |x| pct(x, 0)),
                    ),
                };
            }
        }
        if let Some(n) = self.nesting {
            let _ = writeln!(
                out,
                "(parameter uncertainty: {} draws × {} paths; intervals from the draws' means; \
                 P(better|draw): share of draws whose mean difference is better, ties one half; \
                 param share: of one path's difference variance, the share between draws)",
                n.draws, n.paths_per_draw
            );
        }
        let _ = writeln!(
            out,
            "(ratio: how many times smaller the paired standard error is than with independent draws)"
        );
        if let Some(voi) = &results.voi {
            let _ = writeln!(out, "{}", voi.line());
        }
        out
    }
}
