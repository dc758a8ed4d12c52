//! Sweeps: one parameter over a list or range of values (a line), or two over the grid of
//! their values, every variant on the same paths. For each variant and metric: the mean over
//! paths with its standard error, and the 5%, 50% and 95% quantiles over paths.
//!
//! The standard error of each mean is that of its own variant. Differences between values are
//! known far more precisely than two such errors suggest, because the variants share their
//! paths (see the module [`super`]): each variant also carries its paired difference from the
//! first variant (the lowest values), shown in the report.
//!
//! With parameter uncertainty ([`Sweep::with_uncertainty`], `sweep --uncertain`) the paths are
//! nested in draws of the base's `[[uncertain]]` parameters as in a comparison
//! ([`super::nested`]): the swept values beat drawn values of the same keys, the standard errors
//! are clustered by draw, and against the first variant each variant gains the probability
//! over draws that it is better and the parameter share of the difference's variance.

mod page;

use std::fmt::Write as _;

use serde_json::{Value, json};

pub use super::MetricStats;
use super::nested::{DRAWS_CSV, DrawResults, DrawStats, DrawnWork, Draws, Maker, Nesting};
use super::paired::{Paired, direction};
use super::params::{SweepParam, apply, show_value};
use super::{
    KEY_METRICS, MAX_VARIANTS, ResultSource, Study, StudyResults, Variant, run_variants_from,
};
use crate::charts::ChartError;
use crate::charts::study::{self as draw, Heatmap, LinePoint, StudyChart, SweepLine, Texts};
use crate::error::{Arg, Error};
use crate::format::count;
use crate::metrics::Scalar;
use crate::output::RunInfo;
use crate::output::csv::{CsvWriter, number};
use crate::scenario::{Override, Scenario, key_label, key_unit};
use crate::shard::recipe;
use crate::units::Column;

/// File name of the sweep's table.
pub const SWEEP_CSV: &str = "sweep.csv";
/// Variants shown in the table for a terminal (`sweep.csv` has them all).
pub const SUMMARY_ROWS: usize = 40;

/// A sweep, checked and ready to run: every variant is built and validated.
#[derive(Debug, Clone)]
pub struct Sweep {
    base: Scenario,
    params: Vec<SweepParam>,
    whole: Vec<bool>,
    metrics: Vec<Scalar>,
    variants: Vec<Variant>,
    /// What the sweep was made from, for its shards ([`Study::recipe`]).
    recipe: Value,
    /// Each variant's overrides, applied after a draw's values.
    makers: Vec<Maker>,
    /// With parameter uncertainty: the draws and their paths.
    nesting: Option<Nesting>,
    /// Which variants set drawn keys themselves, with parameter uncertainty.
    notes: Vec<String>,
}

/// One variant's outcome: its parameter values (in the order of the swept parameters) and, per metric of the
/// sweep, its statistics (`None` where the metric is defined on no path) and its paired
/// difference from the first variant (the lowest values), on the same paths.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    pub values: Vec<f64>,
    pub stats: Vec<Option<MetricStats>>,
    /// Per metric: this variant − the first, path by path (`None` for the first itself).
    pub change: Vec<Option<Paired>>,
}

/// What a sweep produced.
#[derive(Debug, Clone)]
pub struct SweepResults {
    /// In variant order: the first parameter's values outermost.
    pub points: Vec<SweepPoint>,
    pub run: RunInfo,
    /// With parameter uncertainty: what the draws gave.
    pub draws: Option<DrawResults>,
    /// Under tail sampling: the effective sample size of the first variant's paths' weights.
    pub effective_sample_size: Option<f64>,
}

impl StudyResults for SweepResults {
    fn run(&self) -> &RunInfo {
        &self.run
    }

    fn effective_sample_size(&self) -> Option<f64> {
        self.effective_sample_size
    }
}

impl Sweep {
    /// Check the parameters against `base` and build every variant. `base` carries the seed and
    /// paths of the study (apply the study's paths and seed first, [`Scenario::with_run_size`]). `metrics` empty: [`KEY_METRICS`].
    pub fn new(
        base: &Scenario,
        params: Vec<SweepParam>,
        metrics: Vec<Scalar>,
    ) -> Result<Sweep, Error> {
        let bad = |message: String| Error::Argument {
            arg: Arg::Param,
            given: params.iter().map(|p| p.spec.clone()).collect(),
            message,
        };
        match params.len() {
            0 => {
                return Err(Error::Missing {
                    arg: Arg::Param,
                    context: "a sweep needs a".into(),
                    example: "KEY=v1,v2,... or KEY=lo:hi:n".into(),
                });
            }
            1 | 2 => {}
            _ => {
                return Err(bad(
                    "a sweep varies one parameter (a line) or two (a grid)".into()
                ));
            }
        }
        if params.len() == 2 && params[0].key == params[1].key {
            return Err(bad("both sweep the same key".into()));
        }
        let size: usize = params.iter().map(|p| p.values.len()).product();
        if size > MAX_VARIANTS {
            let dims: Vec<String> = params.iter().map(|p| p.values.len().to_string()).collect();
            return Err(bad(format!(
                "{} = {} variants; a sweep runs at most {}",
                dims.join(" × "),
                count(size as f64),
                count(MAX_VARIANTS as f64)
            )));
        }
        let whole = params
            .iter()
            .map(|p| p.check(base.spec()).map(|v| v.whole))
            .collect::<Result<Vec<bool>, _>>()?;
        let stripped = base.without_sensitivity();
        let mut variants = Vec::with_capacity(size);
        let mut makers = Vec::with_capacity(size);
        let grid: Vec<Vec<f64>> = match params.as_slice() {
            [a] => a.values.iter().map(|x| vec![*x]).collect(),
            [a, b] => a
                .values
                .iter()
                .flat_map(|x| b.values.iter().map(move |y| vec![*x, *y]))
                .collect(),
            _ => unreachable!("checked above"),
        };
        for values in grid {
            let overrides: Vec<Override> = params
                .iter()
                .zip(&values)
                .zip(&whole)
                .map(|((p, v), w)| Override::number(&p.key, *v, *w))
                .collect();
            let settings: Vec<(String, String)> = params
                .iter()
                .zip(&values)
                .map(|(p, v)| (p.key.clone(), show_value(*v)))
                .collect();
            let scenario = apply(&stripped, &overrides).map_err(|why| {
                bad(match params.as_slice() {
                    [_] => format!("value {}: {why}", show_value(values[0])),
                    _ => format!(
                        "values {}: {why}",
                        settings
                            .iter()
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                })
            })?;
            let name = settings
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",");
            variants.push(Variant {
                name,
                settings,
                scenario,
            });
            makers.push(Maker::Overrides(overrides));
        }
        let metrics = if metrics.is_empty() {
            KEY_METRICS.to_vec()
        } else {
            metrics
        };
        let recipe = json!({
            "base": recipe::scenario(base),
            "params": params.iter().map(|p| p.spec.as_str()).collect::<Vec<_>>(),
            "metrics": recipe::metrics(&metrics),
        });
        Ok(Sweep {
            base: base.clone(),
            params,
            whole,
            metrics,
            variants,
            recipe,
            makers,
            nesting: None,
            notes: Vec::new(),
        })
    }

    /// The sweep with parameter uncertainty: `nesting.draws` draws of the base's uncertain
    /// parameters, each run by every variant on `nesting.paths_per_draw` paths
    /// ([`super::nested`]); refused for a base without an `[[uncertain]]` section.
    pub fn with_uncertainty(mut self, nesting: Nesting) -> Result<Sweep, Error> {
        super::nested::check(&self.base, &self.makers, "sweep")?;
        let seed = Some(self.base.spec().simulation.seed as u64);
        self.base = self.base.with_run_size(Some(nesting.paths()), seed)?;
        for v in &mut self.variants {
            v.scenario = v.scenario.with_run_size(Some(nesting.paths()), seed)?;
        }
        let names: Vec<&str> = self.variants.iter().map(|v| v.name.as_str()).collect();
        self.notes = super::nested::override_notes(&names, &self.overridden_keys());
        self.nesting = Some(nesting);
        self.recipe[super::nested::RECIPE_KEY] = super::nested::recipe(nesting);
        Ok(self)
    }

    /// With parameter uncertainty: the draws and their paths.
    pub fn nesting(&self) -> Option<Nesting> {
        self.nesting
    }

    /// Per variant, the keys of uncertain parameters it sets itself.
    pub fn overridden_keys(&self) -> Vec<Vec<String>> {
        self.makers
            .iter()
            .map(|m| m.overridden(&self.base))
            .collect()
    }

    /// The scenario the variants are made from.
    pub fn base(&self) -> &Scenario {
        &self.base
    }

    /// The swept parameters, in the order given.
    pub fn params(&self) -> &[SweepParam] {
        &self.params
    }

    /// The metrics reported.
    pub fn metrics(&self) -> &[Scalar] {
        &self.metrics
    }

    /// Every variant, the first parameter's values outermost.
    pub fn variants(&self) -> &[Variant] {
        &self.variants
    }

    /// Paths per variant.
    pub fn paths(&self) -> u64 {
        self.base.spec().simulation.paths as u64
    }

    /// The parameter values of variant `i`.
    fn values_of(&self, i: usize) -> Vec<f64> {
        match self.params.as_slice() {
            [a] => vec![a.values[i]],
            [a, b] => {
                let n = b.values.len();
                vec![a.values[i / n], b.values[i % n]]
            }
            _ => Vec::new(),
        }
    }

    /// `sweep.csv`: one row per variant and metric; a column per swept parameter named by its
    /// dotted path, then `metric,mean,se,p05,p50,p95` (empty where undefined).
    pub fn csv(&self, results: &SweepResults) -> String {
        let header = self.params.iter().map(|p| p.key.as_str());
        let mut columns = vec!["metric", "mean", "se", "p05", "p50", "p95"];
        if results.draws.is_some() {
            columns.extend(super::nested::COLUMNS);
        }
        let mut out = CsvWriter::text_file(header.chain(columns));
        for (i, point) in results.points.iter().enumerate() {
            for (m, stats) in self.metrics.iter().zip(&point.stats) {
                let s = stats.as_ref();
                let values = point.values.iter().map(|v| show_value(*v));
                let mut row: Vec<String> = values
                    .chain([
                        m.name().to_string(),
                        number(s.map(|s| s.mean)),
                        number(s.and_then(|s| s.se)),
                        number(s.map(|s| s.p05)),
                        number(s.map(|s| s.p50)),
                        number(s.map(|s| s.p95)),
                    ])
                    .collect();
                if let Some(draws) = &results.draws {
                    let d = draws.stats(i, *m);
                    row.extend(DrawStats::cells(d));
                }
                out.push(row);
            }
        }
        out.into_string()
    }

    /// `Title — scenario, 1,000 paths per value`.
    fn title(&self, what: &str) -> String {
        format!(
            "{what} — {}, {} each",
            self.base.name(),
            super::paths_text(self.paths())
        )
    }
}

impl Study for Sweep {
    type Results = SweepResults;
    const KIND: &'static str = "sweep";

    fn base(&self) -> &Scenario {
        &self.base
    }

    /// Without parameter uncertainty (whose draws' means are not weighted).
    fn takes_tail(&self) -> bool {
        self.nesting.is_none()
    }

    fn variants(&self) -> &[Variant] {
        &self.variants
    }

    fn title(&self) -> String {
        let keys: Vec<&str> = self.params.iter().map(|p| p.key.as_str()).collect();
        format!("{}: sweep of {}", self.base.name(), keys.join(" × "))
    }

    /// [`Sweep::compute`] from the variants' results wherever they come from.
    fn compute_from(&self, source: ResultSource<'_>) -> Result<SweepResults, Error> {
        // Refused unless every variant shares a sampling a sweep takes (plain, rqmc, and tail
        // without parameter uncertainty).
        let method = super::study_sampling(self)?;
        if let Some(nesting) = self.nesting {
            let (draws, run) = match source {
                ResultSource::Simulate { options, observer } => {
                    Draws::simulate(&self.base, &self.makers, nesting, options, observer)?
                }
                ResultSource::Drawn { draws, run } => (draws, run),
                _ => return Err(super::nested::not_drawn("sweep")),
            };
            let (draws, paths) = draws.results(&self.metrics, method);
            let points = paths
                .stats
                .into_iter()
                .zip(paths.paired)
                .enumerate()
                .map(|(i, (stats, change))| SweepPoint {
                    values: self.values_of(i),
                    stats,
                    change: if i == 0 {
                        vec![None; self.metrics.len()]
                    } else {
                        change
                    },
                })
                .collect();
            return Ok(SweepResults {
                points,
                run,
                draws: Some(draws),
                effective_sample_size: None,
            });
        }
        let kept = (self.variants.len() * self.metrics.len() * 128) as u64
            + self.paths() * self.metrics.len() as u64 * 8;
        let mut first: Vec<Vec<f64>> = Vec::new();
        // The first variant's weights, the same as every variant's with its cycle years (tail).
        let mut weights: Vec<f64> = Vec::new();
        let (points, run) = run_variants_from(&self.variants, &self.base, source, kept, |i, r| {
            let columns: Vec<Vec<f64>> = self
                .metrics
                .iter()
                .map(|m| r.scalar(*m).map(|v| v.unwrap_or(f64::NAN)).collect())
                .collect();
            let change = if i == 0 {
                first = columns;
                weights = r.weights().to_vec();
                vec![None; self.metrics.len()]
            } else {
                first
                    .iter()
                    .zip(&columns)
                    .zip(&self.metrics)
                    .map(|((a, b), m)| {
                        let both = [&weights[..], r.weights()];
                        Paired::sampled(a, b, direction(*m), method, r.first_path(), both)
                    })
                    .collect()
            };
            SweepPoint {
                values: self.values_of(i),
                stats: self
                    .metrics
                    .iter()
                    .map(|m| MetricStats::sampled(r, *m, method))
                    .collect(),
                change,
            }
        })?;
        Ok(SweepResults {
            points,
            run,
            draws: None,
            effective_sample_size: (method == crate::rqmc::SeMethod::Weighted)
                .then(|| crate::tail::estimate::effective_sample_size(&weights)),
        })
    }

    /// Its base scenario and flags; with parameter uncertainty, its flags of that under
    /// [`super::nested::RECIPE_KEY`].
    fn recipe(&self) -> Option<&Value> {
        Some(&self.recipe)
    }

    fn drawn(&self) -> Option<DrawnWork<'_>> {
        self.nesting.map(|nesting| DrawnWork {
            reference: &self.base,
            makers: &self.makers,
            nesting,
        })
    }

    fn notes(&self) -> &[String] {
        &self.notes
    }

    fn warnings(&self) -> Vec<super::SizeWarning> {
        super::nested::warnings(self.nesting, self.paths())
    }

    /// The sweep made again from its [`Study::recipe`].
    fn from_recipe(r: &Value) -> Result<Sweep, Error> {
        let params = recipe::strings(r, "params")?
            .iter()
            .map(|p| p.parse::<SweepParam>())
            .collect::<Result<Vec<_>, _>>()?;
        let sweep = Sweep::new(
            &recipe::scenario_at(r, "base")?,
            params,
            recipe::metrics_at(r, "metrics")?,
        )?;
        // Every flag of a sweep under parameter uncertainty is in the recipe's one object of
        // them (`uncertain`, [`super::nested::recipe`]).
        match super::nested::from_recipe(r)? {
            Some(nesting) => sweep.with_uncertainty(nesting),
            None => Ok(sweep),
        }
    }

    fn summary(&self, _results: &SweepResults) -> Value {
        let mut v = json!({
            "parameters": self.params.iter().map(|p| json!({"key": p.key, "values": p.values})).collect::<Vec<_>>(),
            "metrics": self.metrics.iter().map(|m| m.name()).collect::<Vec<_>>(),
        });
        if let Some(n) = self.nesting {
            let keys = self.overridden_keys();
            v["uncertainty"] = super::nested::summary(&self.base, n, &self.variants, &keys);
            v["notes"] = json!(self.notes);
        }
        v
    }

    /// `sweep.csv`, and with parameter uncertainty `draws.csv`.
    fn files(&self, results: &SweepResults) -> Vec<(String, Vec<u8>)> {
        let mut files = vec![(SWEEP_CSV.to_string(), self.csv(results).into_bytes())];
        if let Some(d) = &results.draws {
            let names: Vec<&str> = self.variants.iter().map(|v| v.name.as_str()).collect();
            files.push((
                DRAWS_CSV.to_string(),
                d.csv(&self.base, &names).into_bytes(),
            ));
        }
        files
    }

    /// A chart per metric: a line with bands for one parameter, a heat map for two.
    fn draw(&self, results: &SweepResults) -> Result<Vec<StudyChart>, ChartError> {
        let mut charts = Vec::new();
        let seed = self.base.spec().simulation.seed;
        let facts = format!(
            "Common random numbers: every value runs the same {}, seed {seed}",
            super::paths_text(self.paths())
        );
        for (k, m) in self.metrics.iter().enumerate() {
            let (name, label) = (m.name(), m.label());
            let texts = |what: String| Texts {
                title: self.title(&what),
                facts: facts.clone(),
                footnote: m
                    .at_par(self.base.spec().state.settlement)
                    .then(|| crate::charts::PAR_NOTE.to_string()),
            };
            // A swept key's axis: its label with its unit, `Referral share (%)`.
            let axis = |key: &str| key_unit(key).label(&key_label(key));
            match self.params.as_slice() {
                [p] => {
                    let points: Vec<LinePoint> = results
                        .points
                        .iter()
                        .filter_map(|pt| {
                            pt.stats[k].map(|s| LinePoint {
                                x: pt.values[0],
                                mean: s.mean,
                                ci: s.ci95(),
                                p05: s.p05,
                                p50: s.p50,
                                p95: s.p95,
                            })
                        })
                        .collect();
                    if points.is_empty() {
                        continue;
                    }
                    let line = SweepLine {
                        texts: texts(format!("{label} against {}", axis(&p.key))),
                        x_desc: axis(&p.key),
                        y_desc: m.label_with_unit(),
                        x_unit: key_unit(&p.key).whole(self.whole[0]),
                        y_unit: m.unit(),
                        points: &points,
                    };
                    let caption = format!(
                        "Mean of {label} over paths against {} (solid line), with the 95% \
                         confidence interval of the mean (dark band) and the range of 90% of \
                         paths, p05–p95 (light band); dashed: median.",
                        key_label(&p.key)
                    );
                    charts.push(draw::chart(format!("sweep_{name}"), caption, &line)?);
                }
                [a, b] => {
                    let cells: Vec<Option<f64>> = results
                        .points
                        .iter()
                        .map(|pt| pt.stats[k].map(|s| s.mean))
                        .collect();
                    if cells.iter().all(Option::is_none) {
                        continue;
                    }
                    let map = Heatmap {
                        texts: texts(format!("{}: mean over paths", m.label_with_unit())),
                        x_desc: axis(&a.key),
                        y_desc: axis(&b.key),
                        x_values: &a.values,
                        y_values: &b.values,
                        x_unit: key_unit(&a.key).whole(self.whole[0]),
                        y_unit: key_unit(&b.key).whole(self.whole[1]),
                        value_unit: m.unit(),
                        cells: &cells,
                    };
                    let caption = format!(
                        "Mean of {label} over paths for each combination of {} (across) and {} \
                         (up); the scale is on the right. Standard errors and quantiles are in \
                         sweep.csv.",
                        key_label(&a.key),
                        key_label(&b.key)
                    );
                    charts.push(draw::chart(format!("heatmap_{name}"), caption, &map)?);
                }
                _ => {}
            }
        }
        Ok(charts)
    }

    fn page(&self, results: &SweepResults, charts: &[StudyChart]) -> String {
        page::html(self, results, charts)
    }

    /// The mean of each metric by value, one row per variant (the first [`SUMMARY_ROWS`]).
    fn summarise(&self, results: &SweepResults) -> String {
        let mut out =
            String::from("\nMean over paths (sweep.csv has standard errors and quantiles):\n");
        let key_widths: Vec<usize> = self
            .params
            .iter()
            .map(|p| p.key.chars().count().max(8) + 2)
            .collect();
        let metric_widths: Vec<usize> = self
            .metrics
            .iter()
            .map(|m| m.name().len().max(10) + 2)
            .collect();
        for (p, w) in self.params.iter().zip(&key_widths) {
            let _ = write!(out, "{:<w$}", p.key);
        }
        for (m, w) in self.metrics.iter().zip(&metric_widths) {
            let _ = write!(out, "{:>w$}", m.name());
        }
        out.push('\n');
        let shown = &results.points[..results.points.len().min(SUMMARY_ROWS)];
        let columns: Vec<Column> = (0..self.metrics.len())
            .map(|k| {
                let means: Vec<f64> = shown
                    .iter()
                    .filter_map(|p| p.stats[k].map(|s| s.mean))
                    .collect();
                Column::of(self.metrics[k].unit(), &means)
            })
            .collect();
        for point in shown {
            for (v, w) in point.values.iter().zip(&key_widths) {
                let _ = write!(out, "{:<w$}", show_value(*v));
            }
            for ((column, stats), w) in columns.iter().zip(&point.stats).zip(&metric_widths) {
                let mean = stats.map_or("–".to_string(), |s| column.value(s.mean));
                let _ = write!(out, "{mean:>w$}");
            }
            out.push('\n');
        }
        if results.points.len() > SUMMARY_ROWS {
            let _ = writeln!(
                out,
                "(the first {SUMMARY_ROWS} of {} variants; all are in sweep.csv)",
                count(results.points.len() as f64)
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Scenario {
        Scenario::from_toml_str(
            "[simulation]\npaths = 20\nhorizon_years = 2\n[origination]\nloans_per_year = 100\n\
             [[segment]]\nname = \"a\"\n",
        )
        .unwrap()
    }

    fn p(s: &str) -> SweepParam {
        s.parse().unwrap()
    }

    #[test]
    fn grids_are_built_with_the_first_parameter_outermost() {
        let s = Sweep::new(
            &base(),
            vec![
                p("segment.a.annual_pd=0.02,0.04"),
                p("segment.a.term_months=24:48:3"),
            ],
            vec![],
        )
        .unwrap();
        assert_eq!(s.variants().len(), 6);
        assert_eq!(s.values_of(4), vec![0.04, 36.0]);
        assert_eq!(s.variants()[4].scenario.spec().segments[0].term_months, 36);
        assert_eq!(s.variants()[4].scenario.spec().segments[0].annual_pd, 0.04);
        assert_eq!(s.metrics(), KEY_METRICS);
    }

    #[test]
    fn bad_sweeps_are_refused_naming_the_parameter() {
        let err =
            |params: Vec<SweepParam>| Sweep::new(&base(), params, vec![]).unwrap_err().to_string();
        let e = err(vec![p("segment.a.annual_pd=0.02,0.05,1.2")]);
        assert!(
            e.contains("swept parameter segment.a.annual_pd=0.02,0.05,1.2: value 1.2")
                && e.contains("from 0 up to but not including 1"),
            "{e}"
        );
        let e = err(vec![p("funding.guarantee_rom=1,2")]);
        assert!(e.contains("no key `guarantee_rom`"), "{e}");
        let e = err(vec![p("segment.a.term_months=12:60:6")]);
        assert!(e.contains("whole numbers"), "{e}");
        let e = err(vec![p("a.b=1,2"), p("a.b=3,4")]);
        assert!(e.contains("the same key"), "{e}");
        let e = err(vec![
            p("segment.a.annual_pd=0:0.5:101"),
            p("followup.referral_share=0:1:101"),
        ]);
        assert!(
            e.contains("10,201 variants") && e.contains("at most 10,000"),
            "{e}"
        );
        let e = err(vec![]);
        assert!(e.contains("needs a swept parameter"), "{e}");
        let e = err(vec![p("a.b=1,2"), p("a.c=1,2"), p("a.d=1,2")]);
        assert!(e.contains("one parameter"), "{e}");
    }
}
