//! Tornado studies: each parameter moved alone to a low and a high value, everything else at
//! the scenario's values, every variant on the same paths as the baseline. For each metric the
//! swing of its mean is shown as horizontal bars sorted by size, around the baseline's mean.
//!
//! The parameters are those of the scenario's `[sensitivity]` section, or by default every
//! numeric parameter of the segments, the credit cycle, follow-up financing and funding, moved
//! by ±20% of its value (the spread). Where that is meaningless or not allowed the default list
//! says so rather than guess:
//!
//! - a parameter that is 0 is skipped: ±20% of 0 is 0, so it has no swing (list it in
//!   `[sensitivity]` with absolute values to move it);
//! - a segment's `share` is skipped when that segment is the only one with a positive share:
//!   shares are normalised, so scaling it changes nothing;
//! - counts (`term_months`, `grace_months`, the lags and ages) are rounded to whole months; a
//!   side that rounds back to the scenario's value is left out;
//! - fractions bounded by 1 (rates, fees, shares of a whole, `recovery_mean`) are clamped to
//!   0..1, and a side that the clamp takes back to the scenario's value is left out;
//! - a side that makes the scenario invalid (e.g. `cash_target` below `min_cash`, a
//!   persistence of 1.08) is left out, with the rule it breaks.
//!
//! Lists (`credit_cycle.shifts`, `segment.*.seasoning`) are not moved. The swing of a
//! parameter is the extent of its bar, `max − min` of the baseline's mean and the means at its
//! low and high values, so that a parameter whose low and high both move the metric the same
//! way is not shown as having none. Each end carries the paired 95% confidence interval of its
//! difference from the baseline.

mod page;

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::MetricStats;
use super::paired::Paired;
use super::params::{apply, show_value};
use super::{MAX_VARIANTS, ResultSource, Study, StudyResults, Variant, run_variants_from};
use crate::charts::ChartError;
use crate::charts::study::{self as draw, Interval, StudyChart, Texts, TornadoChart, TornadoRow};
use crate::error::{Arg, Error};
use crate::metrics::Scalar;
use crate::output::RunInfo;
use crate::output::csv::{CsvWriter, number};
use crate::scenario::{Override, Scenario, key_label, key_unit};
use crate::shard::recipe;

/// File name of the tornado's table.
pub const TORNADO_CSV: &str = "tornado.csv";
/// The default move of each parameter: ±20% of its value.
pub const DEFAULT_SPREAD: f64 = 0.2;
/// The sections whose numeric parameters the default list moves.
pub const DEFAULT_SECTIONS: [&str; 5] =
    ["segment", "credit_cycle", "followup", "funding", "facility"];
/// The metrics of a tornado when none are asked for.
pub const DEFAULT_METRICS: [Scalar; 2] = [Scalar::CostToState, Scalar::NetLoss];
/// Parameters drawn in a chart (all are in the table).
pub const CHART_ROWS: usize = 12;

/// A parameter of the tornado and its two settings (a side is `None` when it was left out).
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoParam {
    pub key: String,
    /// Its value in the scenario.
    pub value: f64,
    pub whole: bool,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Why a side was left out, clamped or rounded.
    pub notes: Vec<String>,
}

/// A parameter of the default list that is not moved at all, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub key: String,
    pub value: f64,
    pub reason: String,
}

/// Where the parameters come from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    /// The scenario's `[sensitivity]` section.
    Scenario,
    /// The default list, moved by ± this fraction of each value.
    Default { spread: f64 },
}

/// A tornado, checked and ready to run. Variant 0 is the baseline; then each parameter's low
/// and high settings that are not left out.
#[derive(Debug, Clone)]
pub struct Tornado {
    base: Scenario,
    params: Vec<TornadoParam>,
    skipped: Vec<Skipped>,
    source: Source,
    metrics: Vec<Scalar>,
    variants: Vec<Variant>,
    /// For each variant after the baseline: (parameter, high side?).
    plan: Vec<(usize, bool)>,
    /// What the tornado was made from, for its shards ([`Study::recipe`]).
    recipe: Value,
}

/// A metric at one setting of a parameter: its mean and its paired difference from the
/// baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Side {
    pub mean: f64,
    pub paired: Paired,
}

impl Side {
    /// The 95% confidence interval of the mean at this setting, from the paired interval of
    /// its difference from the baseline.
    pub fn interval(&self, baseline: f64) -> Interval {
        let (lo, hi) = self
            .paired
            .ci
            .unwrap_or((self.paired.diff, self.paired.diff));
        Interval {
            value: self.mean,
            lo: baseline + lo,
            hi: baseline + hi,
        }
    }
}

/// One parameter's result on one metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    /// Index into [`Tornado::params`].
    pub param: usize,
    pub low: Option<Side>,
    pub high: Option<Side>,
    /// `max − min` of the baseline's mean and the means at the two settings.
    pub swing: f64,
}

/// What a tornado produced.
#[derive(Debug, Clone)]
pub struct TornadoResults {
    /// Per metric: the baseline's statistics.
    pub baseline: Vec<Option<MetricStats>>,
    /// Per metric: a bar per parameter, largest swing first (ties by key).
    pub bars: Vec<Vec<Bar>>,
    pub run: RunInfo,
    /// Under tail sampling: the effective sample size of the baseline's paths' weights.
    pub effective_sample_size: Option<f64>,
}

impl StudyResults for TornadoResults {
    fn run(&self) -> &RunInfo {
        &self.run
    }

    fn effective_sample_size(&self) -> Option<f64> {
        self.effective_sample_size
    }
}

/// The default settings of one parameter, or why it is skipped.
fn default_settings(
    base: &Scenario,
    key: &str,
    value: f64,
    whole: bool,
    spread: f64,
) -> Result<TornadoParam, String> {
    if value == 0.0 {
        return Err(format!(
            "0 in the scenario: ±{}% of 0 is still 0 (list it in [sensitivity] with a low and a high \
             value to move it)",
            percent(spread)
        ));
    }
    let spec = base.spec();
    if let Some(rest) = key.strip_prefix("segment.")
        && rest.ends_with(".share")
        && spec.segments.iter().filter(|s| s.share > 0.0).count() <= 1
    {
        return Err(
            "the only segment with a positive share: shares are normalised, so scaling it changes nothing"
                .into(),
        );
    }
    let delta = spread * value.abs();
    let mut notes = Vec::new();
    let mut side = |raw: f64, name: &str| -> Option<f64> {
        let mut v = raw;
        if whole {
            v = v.round();
        }
        if crate::scenario::key_at_most_one(key) && !(0.0..=1.0).contains(&v) {
            let clamped = v.clamp(0.0, 1.0);
            if clamped != value {
                notes.push(format!(
                    "{name} clamped to {} (the key's range is 0 to 1)",
                    show_value(clamped)
                ));
            }
            v = clamped;
        }
        if v == value {
            notes.push(format!(
                "{name} left out: {} moves it back to the scenario's value {}",
                if whole {
                    "rounding to whole months"
                } else {
                    "the range of the key"
                },
                show_value(value)
            ));
            return None;
        }
        match base.with_overrides(&[Override::number(key, v, whole)]) {
            Ok(_) => Some(v),
            Err(e) => {
                notes.push(format!(
                    "{name} {} left out: the scenario would be invalid: {}",
                    show_value(v),
                    e.describe()
                ));
                None
            }
        }
    };
    let low = side(value - delta, "low");
    let high = side(value + delta, "high");
    if low.is_none() && high.is_none() {
        return Err(notes.join("; "));
    }
    Ok(TornadoParam {
        key: key.to_string(),
        value,
        whole,
        low,
        high,
        notes,
    })
}

/// A fraction as a percentage without float noise: 0.2 → `20`, 0.125 → `12.5`.
fn percent(fraction: f64) -> String {
    show_value((fraction * 100.0 * 1e6).round() / 1e6)
}

impl Tornado {
    /// The parameters from `base`'s `[sensitivity]` section, or the default list moved by
    /// ±`spread` (default [`DEFAULT_SPREAD`]; only for the default list). `metrics` empty:
    /// [`DEFAULT_METRICS`]. `base` carries the study's seed and paths.
    pub fn new(
        base: &Scenario,
        metrics: Vec<Scalar>,
        spread: Option<f64>,
    ) -> Result<Tornado, Error> {
        let allowed = "allowed: a fraction above 0 and below 1 (0.2 moves each parameter by ±20%)";
        if let Some(s) = spread
            && !s.is_finite()
        {
            return Err(Error::argument(Arg::Spread, s, allowed));
        }
        let listed = &base.spec().sensitivity.parameters;
        let stripped = base.without_sensitivity();
        let mut params = Vec::new();
        let mut skipped = Vec::new();
        let source = if listed.is_empty() {
            let spread = spread.unwrap_or(DEFAULT_SPREAD);
            if !(spread > 0.0 && spread < 1.0) {
                return Err(Error::argument(Arg::Spread, spread, allowed));
            }
            for (key, p) in stripped.spec().parameters_in(&DEFAULT_SECTIONS) {
                match default_settings(&stripped, &key, p.value, p.whole, spread) {
                    Ok(param) => params.push(param),
                    Err(reason) => skipped.push(Skipped {
                        key,
                        value: p.value,
                        reason,
                    }),
                }
            }
            Source::Default { spread }
        } else {
            if let Some(s) = spread {
                return Err(Error::Inapplicable {
                    arg: Arg::Spread,
                    given: s.to_string(),
                    context: format!(
                        "{} lists its parameters in [sensitivity] with their own low and high values",
                        base.file()
                    ),
                    applies_to: "the default list".into(),
                });
            }
            for p in listed {
                let current = stripped
                    .spec()
                    .parameter(&p.key)
                    .map_err(|why| Error::Input(format!("sensitivity.parameters: {why}")))?;
                params.push(TornadoParam {
                    key: p.key.clone(),
                    value: current.value,
                    whole: current.whole,
                    low: Some(p.low),
                    high: Some(p.high),
                    notes: Vec::new(),
                });
            }
            Source::Scenario
        };
        if params.is_empty() {
            return Err(Error::Input(format!(
                "{}: no parameter to move (every default parameter is skipped: {})",
                base.file(),
                skipped
                    .iter()
                    .map(|s| format!("{}: {}", s.key, s.reason))
                    .collect::<Vec<_>>()
                    .join("; ")
            )));
        }
        let mut variants = vec![Variant {
            name: "baseline".to_string(),
            settings: Vec::new(),
            scenario: stripped.clone(),
        }];
        let mut plan = Vec::new();
        for (i, p) in params.iter().enumerate() {
            for (high, v) in [(false, p.low), (true, p.high)] {
                let Some(v) = v else { continue };
                let side = if high { "high" } else { "low" };
                let context = match source {
                    Source::Scenario => format!(
                        "sensitivity.parameters[{i}] ({}) {side} = {}",
                        p.key,
                        show_value(v)
                    ),
                    Source::Default { .. } => format!("{} {side} = {}", p.key, show_value(v)),
                };
                let scenario = apply(&stripped, &[Override::number(&p.key, v, p.whole)])
                    .map_err(|why| Error::Input(format!("{context}: {why}")))?;
                variants.push(Variant {
                    name: format!("{}={}", p.key, show_value(v)),
                    settings: vec![(p.key.clone(), show_value(v))],
                    scenario,
                });
                plan.push((i, high));
            }
        }
        if variants.len() > MAX_VARIANTS {
            return Err(Error::Input(format!(
                "{} variants: a tornado runs at most {MAX_VARIANTS}",
                variants.len()
            )));
        }
        let metrics = if metrics.is_empty() {
            DEFAULT_METRICS.to_vec()
        } else {
            metrics
        };
        let recipe = json!({
            "base": recipe::scenario(base),
            "metrics": recipe::metrics(&metrics),
            "spread": spread,
        });
        Ok(Tornado {
            base: base.clone(),
            params,
            skipped,
            source,
            metrics,
            variants,
            plan,
            recipe,
        })
    }

    /// The scenario the variants are made from.
    pub fn base(&self) -> &Scenario {
        &self.base
    }

    /// For each variant after the baseline, in order: its parameter (an index into
    /// [`Tornado::params`]) and whether it is the high setting.
    pub fn plan(&self) -> &[(usize, bool)] {
        &self.plan
    }

    /// The moved parameters.
    pub fn params(&self) -> &[TornadoParam] {
        &self.params
    }

    /// Parameters of the default list that are not moved, with the reason.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// Where the parameters come from.
    pub fn source(&self) -> Source {
        self.source
    }

    /// The metrics of the tornado.
    pub fn metrics(&self) -> &[Scalar] {
        &self.metrics
    }

    /// The baseline, then every setting.
    pub fn variants(&self) -> &[Variant] {
        &self.variants
    }

    /// Paths per variant.
    pub fn paths(&self) -> u64 {
        self.base.spec().simulation.paths as u64
    }

    /// `tornado.csv`: per metric, one row per parameter by rank: its value in the scenario,
    /// the low and high settings, the baseline's mean, the means at the settings, the paired
    /// differences from the baseline with their standard errors, the swing, and notes.
    pub fn csv(&self, results: &TornadoResults) -> String {
        let mut out = CsvWriter::text_file([
            "metric",
            "rank",
            "key",
            "value",
            "low",
            "high",
            "baseline",
            "at_low",
            "at_high",
            "diff_low",
            "se_low",
            "diff_high",
            "se_high",
            "swing",
            "note",
        ]);
        for (k, m) in self.metrics.iter().enumerate() {
            let base = results.baseline[k].map(|s| s.mean);
            for (rank, bar) in results.bars[k].iter().enumerate() {
                let p = &self.params[bar.param];
                out.push([
                    m.name().to_string(),
                    (rank + 1).to_string(),
                    p.key.clone(),
                    show_value(p.value),
                    number(p.low),
                    number(p.high),
                    number(base),
                    number(bar.low.map(|s| s.mean)),
                    number(bar.high.map(|s| s.mean)),
                    number(bar.low.map(|s| s.paired.diff)),
                    number(bar.low.and_then(|s| s.paired.se)),
                    number(bar.high.map(|s| s.paired.diff)),
                    number(bar.high.and_then(|s| s.paired.se)),
                    number(base.map(|_| bar.swing)),
                    p.notes.join("; "),
                ]);
            }
        }
        out.into_string()
    }
}

impl Study for Tornado {
    type Results = TornadoResults;
    const KIND: &'static str = "tornado";

    fn base(&self) -> &Scenario {
        &self.base
    }

    fn takes_tail(&self) -> bool {
        true
    }

    fn variants(&self) -> &[Variant] {
        &self.variants
    }

    fn title(&self) -> String {
        format!(
            "{}: tornado of {} parameters",
            self.base.name(),
            self.params.len()
        )
    }

    /// [`Tornado::compute`] from the variants' results wherever they come from.
    fn compute_from(&self, source: ResultSource<'_>) -> Result<TornadoResults, Error> {
        let kept = self.paths() * self.metrics.len() as u64 * 8;
        let mut baseline: Vec<Vec<f64>> = Vec::new();
        let method = super::study_sampling(self)?;
        // The baseline's weights, the same as every variant's with its cycle years (tail).
        let mut weights: Vec<f64> = Vec::new();
        let (outcomes, run) =
            run_variants_from(&self.variants, &self.base, source, kept, |i, r| {
                let columns: Vec<Vec<f64>> = self
                    .metrics
                    .iter()
                    .map(|m| r.scalar(*m).map(|v| v.unwrap_or(f64::NAN)).collect())
                    .collect();
                let stats: Vec<Option<MetricStats>> = self
                    .metrics
                    .iter()
                    .map(|m| MetricStats::sampled(r, *m, method))
                    .collect();
                if i == 0 {
                    baseline = columns;
                    weights = r.weights().to_vec();
                    return (stats, Vec::new());
                }
                let paired: Vec<Option<Paired>> = baseline
                    .iter()
                    .zip(&columns)
                    .map(|(a, b)| {
                        let both = [&weights[..], r.weights()];
                        Paired::sampled(a, b, None, method, r.first_path(), both)
                    })
                    .collect();
                (stats, paired)
            })?;
        let base_stats = outcomes[0].0.clone();
        let mut bars = Vec::new();
        for (k, _) in self.metrics.iter().enumerate() {
            let mut per_param: Vec<Bar> = (0..self.params.len())
                .map(|param| Bar {
                    param,
                    low: None,
                    high: None,
                    swing: 0.0,
                })
                .collect();
            for ((param, high), (stats, paired)) in self.plan.iter().zip(&outcomes[1..]) {
                let side = match (stats[k], paired[k]) {
                    (Some(s), Some(p)) => Some(Side {
                        mean: s.mean,
                        paired: p,
                    }),
                    _ => None,
                };
                if *high {
                    per_param[*param].high = side;
                } else {
                    per_param[*param].low = side;
                }
            }
            if let Some(b) = base_stats[k] {
                for bar in &mut per_param {
                    let ends = [
                        Some(b.mean),
                        bar.low.map(|s| s.mean),
                        bar.high.map(|s| s.mean),
                    ];
                    let (lo, hi) = ends
                        .iter()
                        .flatten()
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                            (lo.min(*x), hi.max(*x))
                        });
                    bar.swing = hi - lo;
                }
            }
            per_param.sort_by(|a, b| {
                b.swing
                    .total_cmp(&a.swing)
                    .then_with(|| self.params[a.param].key.cmp(&self.params[b.param].key))
            });
            bars.push(per_param);
        }
        Ok(TornadoResults {
            baseline: base_stats,
            bars,
            run,
            effective_sample_size: (method == crate::rqmc::SeMethod::Weighted)
                .then(|| crate::tail::estimate::effective_sample_size(&weights)),
        })
    }

    fn recipe(&self) -> Option<&Value> {
        Some(&self.recipe)
    }

    /// The tornado made again from its [`Study::recipe`].
    fn from_recipe(r: &Value) -> Result<Tornado, Error> {
        let spread = match &r["spread"] {
            Value::Null => None,
            v => Some(v.as_f64().ok_or_else(|| recipe::damaged("spread"))?),
        };
        Tornado::new(
            &recipe::scenario_at(r, "base")?,
            recipe::metrics_at(r, "metrics")?,
            spread,
        )
    }

    fn summary(&self, _results: &TornadoResults) -> Value {
        json!({
            "parameters_from": match self.source {
                Source::Scenario => "sensitivity".to_string(),
                Source::Default { spread } => format!("default ±{}%", percent(spread)),
            },
            "parameters": self.params.iter().map(|p| json!({
                "key": p.key, "value": p.value, "low": p.low, "high": p.high, "notes": p.notes,
            })).collect::<Vec<_>>(),
            "skipped": self.skipped.iter().map(|s| json!({
                "key": s.key, "value": s.value, "reason": s.reason,
            })).collect::<Vec<_>>(),
            "metrics": self.metrics.iter().map(|m| m.name()).collect::<Vec<_>>(),
        })
    }

    fn files(&self, results: &TornadoResults) -> Vec<(String, Vec<u8>)> {
        vec![(TORNADO_CSV.to_string(), self.csv(results).into_bytes())]
    }

    /// A tornado chart per metric: the [`CHART_ROWS`] largest swings.
    fn draw(&self, results: &TornadoResults) -> Result<Vec<StudyChart>, ChartError> {
        let mut charts = Vec::new();
        for (k, m) in self.metrics.iter().enumerate() {
            let (name, label) = (m.name(), m.label());
            let Some(base) = results.baseline[k] else {
                continue;
            };
            let unit = m.unit();
            let rows: Vec<TornadoRow> = results.bars[k]
                .iter()
                .take(CHART_ROWS)
                .map(|bar| {
                    let p = &self.params[bar.param];
                    let ps = key_unit(&p.key).whole(p.whole);
                    TornadoRow {
                        label: key_label(&p.key),
                        low_label: p.low.map(|v| ps.value(v)),
                        high_label: p.high.map(|v| ps.value(v)),
                        at_low: bar.low.map(|s| s.interval(base.mean)),
                        at_high: bar.high.map(|s| s.interval(base.mean)),
                    }
                })
                .collect();
            let shown = rows.len();
            let total = self.params.len();
            let moved = match self.source {
                Source::Scenario => "each parameter of [sensitivity] moved alone".to_string(),
                Source::Default { spread } => {
                    format!("each parameter moved alone by ±{}%", percent(spread))
                }
            };
            let facts = if shown < total {
                format!(
                    "Baseline mean {} · {moved} · {shown} largest of {total} shown",
                    unit.value(base.mean)
                )
            } else {
                format!("Baseline mean {} · {moved}", unit.value(base.mean))
            };
            let chart = TornadoChart {
                texts: Texts {
                    title: format!(
                        "Swing of {label} — {}, {} each",
                        self.base.name(),
                        super::paths_text(self.paths())
                    ),
                    facts,
                    footnote: m
                        .at_par(self.base.spec().state.settlement)
                        .then(|| crate::charts::PAR_NOTE.to_string()),
                },
                x_desc: format!("{}: mean over paths", m.label_with_unit()),
                unit,
                baseline: base.mean,
                rows: &rows,
            };
            let caption = format!(
                "Mean of {label} when one parameter is set to its low value (upper bar of each row) or \
                 its high value (lower bar), all else at the scenario's values, on the same paths as \
                 the baseline (the vertical line). The value at the end of a bar is the parameter's \
                 setting; whiskers: 95% confidence interval of the change (paired). Sorted by swing; \
                 every parameter is in tornado.csv."
            );
            charts.push(draw::chart(format!("tornado_{name}"), caption, &chart)?);
        }
        Ok(charts)
    }

    fn page(&self, results: &TornadoResults, charts: &[StudyChart]) -> String {
        page::html(self, results, charts)
    }

    /// Per metric: the baseline's mean and the eight largest swings, each side's setting and
    /// the mean there.
    fn summarise(&self, results: &TornadoResults) -> String {
        let mut out = String::new();
        for (k, m) in self.metrics.iter().enumerate() {
            let name = m.name();
            let scale = m.unit();
            let Some(base) = results.baseline[k] else {
                let _ = writeln!(out, "\n{name}: undefined on every path");
                continue;
            };
            let _ = writeln!(
                out,
                "\n{name}: baseline mean {}; largest swings:",
                scale.value(base.mean)
            );
            for bar in results.bars[k].iter().take(8) {
                let p = &self.params[bar.param];
                let ps = key_unit(&p.key).whole(p.whole);
                let side = |s: Option<f64>, at: Option<Side>| match (s, at) {
                    (Some(v), Some(at)) => format!("{} → {}", ps.value(v), scale.value(at.mean)),
                    _ => "–".to_string(),
                };
                let _ = writeln!(
                    out,
                    "  {:<44}{:>26}{:>26}  swing {}",
                    p.key,
                    side(p.low, bar.low),
                    side(p.high, bar.high),
                    scale.value(bar.swing)
                );
            }
        }
        if !self.skipped.is_empty() {
            let _ = writeln!(
                out,
                "\n{} parameters not moved (see the report for why)",
                self.skipped.len()
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_list_skips_clamps_and_rounds_with_notes() {
        let s = Scenario::from_toml_str(
            "[funding]\nmin_cash = 5e6\ncash_target = 5.5e6\n[credit_cycle]\npersistence = 0.9\n\
             [followup]\nreferral_share = 0.9\n[[segment]]\nname = \"a\"\ngrace_months = 2\n",
        )
        .unwrap();
        let t = Tornado::new(&s, vec![], None).unwrap();
        let param = |k: &str| t.params().iter().find(|p| p.key == k).cloned();
        let skipped = |k: &str| t.skipped().iter().find(|p| p.key == k).cloned();
        // Zero values and a lone share are skipped.
        assert!(
            skipped("funding.state_loan_rate")
                .unwrap()
                .reason
                .contains("0 in the scenario")
        );
        assert!(
            skipped("segment.a.share")
                .unwrap()
                .reason
                .contains("normalised")
        );
        // A fraction bounded by 1 is clamped.
        let r = param("followup.referral_share").unwrap();
        assert_eq!((r.low, r.high), (Some(0.72), Some(1.0)));
        assert!(r.notes[0].contains("clamped to 1"), "{:?}", r.notes);
        // Persistence 1.08 is not allowed: the high side is left out.
        let p = param("credit_cycle.persistence").unwrap();
        assert_eq!(p.high, None);
        assert!(
            p.low.is_some() && p.notes[0].contains("invalid"),
            "{:?}",
            p.notes
        );
        // min_cash +20% = 6e6 is above cash_target 5.5e6: left out.
        assert_eq!(param("funding.min_cash").unwrap().high, None);
        // Counts are rounded: grace 2 → 1.6 → 2 (left out) and 2.4 → 2 (left out): skipped.
        assert!(
            skipped("segment.a.grace_months")
                .unwrap()
                .reason
                .contains("rounding")
        );
        let term = param("segment.a.term_months").unwrap();
        assert_eq!((term.low, term.high), (Some(48.0), Some(72.0)));
        // Lists and other sections are not in the default list.
        assert!(param("credit_cycle.shifts").is_none() && param("segment.a.seasoning").is_none());
        assert!(
            param("costs.fixed_per_year").is_none() && skipped("costs.fixed_per_year").is_none()
        );
        // One variant per side, plus the baseline.
        let sides: usize = t
            .params()
            .iter()
            .map(|p| usize::from(p.low.is_some()) + usize::from(p.high.is_some()))
            .sum();
        assert_eq!(t.variants().len(), 1 + sides);
    }

    #[test]
    fn the_sensitivity_section_is_used_as_given() {
        let s = Scenario::from_toml_str(
            "[[segment]]\nname = \"a\"\n[sensitivity]\nparameters = [{ key = \"segment.a.annual_pd\", low = 0.01, high = 0.09 }]\n",
        )
        .unwrap();
        let t = Tornado::new(&s, vec![], None).unwrap();
        assert_eq!(t.source(), Source::Scenario);
        assert_eq!(t.params().len(), 1);
        assert_eq!(t.variants().len(), 3);
        assert_eq!(t.variants()[2].scenario.spec().segments[0].annual_pd, 0.09);
        assert!(Tornado::new(&s, vec![], Some(0.1)).is_err());
        assert!(
            Tornado::new(
                &Scenario::from_toml_str("[[segment]]\nname = \"a\"\n").unwrap(),
                vec![],
                Some(1.5)
            )
            .is_err()
        );
    }
}
