//! Sobol' studies: variance-based global sensitivity of the scenario's outcomes to its
//! uncertain parameters (the `[[uncertain]]` section), with the estimators of [`crate::gsa`].
//!
//! Saltelli's design over the parameters and a dummy ([`super::problem`]) gives `N (g + 2)`
//! points (`N (2g + 2)` with second order), `g` the groups with the dummy. Each point is the
//! scenario with its parameters at the point's values, run on the same `M` paths with the same
//! seed (common random numbers); its outcome per metric is the mean over those paths (for
//! `capital_depleted`, the share of paths). The indices — first order (Saltelli et al. 2010),
//! total (Jansen 1999), second order (Saltelli 2002) — come with normal bootstrap intervals
//! (the estimate ± SALib's half-width, [`crate::gsa::Estimate`]); an index whose interval does not lie above the dummy's is flagged as not
//! distinguishable from the noise `M` paths leave.
//!
//! The study keeps one mean and one standard error per point and metric: memory grows with
//! points × metrics, never with points × paths, and each point's model exists only while its
//! paths run.

mod page;

use serde::Serialize;
use serde_json::{Value, json};

use super::SizeWarning;
pub use super::problem::{
    DEFAULT_METRICS, DESIGN_CSV, MAX_PATHS_PER_POINT, POINTS_CSV, PROBLEM_JSON,
};
use super::problem::{
    DUMMY, DesignSettings, DesignStudy, PointOutcomes, PointResults, PointStudy, Problem,
    ranked_groups,
};
use crate::charts::ChartError;
use crate::charts::study::{self as draw, Forest, ForestRow, Interval, StudyChart, Texts};
use crate::error::{Arg, Error};
use crate::gsa::{self, Role, SaltelliDesign, SobolIndices, SobolOptions};
use crate::metrics::Scalar;
use crate::output::csv::{CsvWriter, number};
use crate::shard::recipe;
use crate::units::{Column, Unit};

/// File name of the study's table.
pub const SOBOL_CSV: &str = "sobol.csv";

/// Defaults of the flags.
pub const DEFAULT_SAMPLES: usize = 256;
pub const DEFAULT_PATHS_PER_POINT: u64 = 64;
pub const DEFAULT_BOOTSTRAP: usize = 1000;
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

/// Most points of a design (the memory check comes on top): a 100-parameter second-order
/// design on 2^14 base samples.
pub const MAX_POINTS: usize = 4_000_000;

/// The study's settings, recorded in its recipe field by field.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SobolSettings {
    /// Base samples `N`, a power of two.
    pub samples: usize,
    /// Paths per point `M`.
    pub paths_per_point: u64,
    pub second_order: bool,
    /// Bootstrap resamples.
    pub bootstrap: usize,
    /// Confidence level of the intervals.
    pub confidence: f64,
}

impl Default for SobolSettings {
    fn default() -> Self {
        SobolSettings {
            samples: DEFAULT_SAMPLES,
            paths_per_point: DEFAULT_PATHS_PER_POINT,
            second_order: false,
            bootstrap: DEFAULT_BOOTSTRAP,
            confidence: DEFAULT_CONFIDENCE,
        }
    }
}

impl DesignSettings for SobolSettings {
    fn common(&self) -> (u64, usize, f64) {
        (self.paths_per_point, self.bootstrap, self.confidence)
    }
}

/// A Sobol' study, checked and ready to run ([`DesignStudy::new`]).
pub type Sobol = DesignStudy<SaltelliDesign, SobolSettings>;

/// One metric's result.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricIndices {
    pub metric: Scalar,
    pub indices: SobolIndices,
    /// Per group: whether its S1 and ST stand out from the dummy's.
    pub s1_above_dummy: Vec<bool>,
    pub st_above_dummy: Vec<bool>,
    /// The mean of the outcome over the points.
    pub mean: f64,
}

/// What a Sobol' study produced.
pub type SobolResults = PointResults<MetricIndices>;

/// Whether a point of a Saltelli design takes the dummy's coordinate from `B`: the dummy is a
/// parameter whose `A` value is the study's paths and whose `B` value is other paths.
fn dummy_from_b(role: Role, dummy: usize) -> bool {
    match role {
        Role::A => false,
        Role::B => true,
        Role::AB(i) => i == dummy,
        Role::BA(i) => i != dummy,
    }
}

impl PointStudy for Sobol {
    const NAME: &'static str = "Sobol'";
    const KIND: &'static str = "sobol";
    const GIVES: &'static str = "Sobol' indices";
    const TABLE: &'static str = SOBOL_CSV;
    const ROLE_COLUMNS: [&'static str; 2] = ["role", "base_row"];
    type Design = SaltelliDesign;
    type Settings = SobolSettings;
    type PerMetric = MetricIndices;

    /// Saltelli's design of `settings.samples` base samples, a power of two; at most
    /// [`MAX_POINTS`] points.
    fn design_for(
        problem: &Problem,
        settings: &SobolSettings,
    ) -> Result<(SaltelliDesign, usize), Error> {
        // Said in the scenario's terms: its parameters, not the design's (which counts the
        // dummy the study adds).
        let most = gsa::saltelli::MAX_PARAMETERS - 1;
        if problem.params().len() > most {
            return Err(Error::Input(format!(
                "{}: {} uncertain parameters, and a Sobol' study takes at most {most} (its \
                 sequence has {} dimensions, two per parameter and two for the noise floor); \
                 screen them first with `microfolio morris`, which takes up to a thousand",
                problem.base().file(),
                problem.params().len(),
                2 * gsa::saltelli::MAX_PARAMETERS
            )));
        }
        let groups = problem.groups();
        let n = settings.samples;
        if n < 2 || !n.is_power_of_two() {
            return Err(Error::argument(
                Arg::Samples,
                n,
                "allowed: a power of two of at least 2 (Saltelli's design on a Sobol' sequence: \
                 256, 512, 1024, ...)",
            ));
        }
        let points = SaltelliDesign::points_for(groups.count(), n, settings.second_order)
            .filter(|p| *p <= MAX_POINTS);
        let Some(points) = points else {
            return Err(Error::argument(
                Arg::Samples,
                n,
                format!(
                    "{n} base samples × ({} groups + 2{}) points is more than the {} points a \
                     study may have; take fewer samples",
                    groups.count(),
                    if settings.second_order {
                        ", doubled for second order"
                    } else {
                        ""
                    },
                    crate::format::count(MAX_POINTS as f64)
                ),
            ));
        };
        let design = SaltelliDesign::new(groups, n, settings.second_order, problem.seed())
            .map_err(|e| Error::Input(format!("{}: {e}", problem.base().file())))?;
        Ok((design, points))
    }

    fn settings_from(r: &Value) -> Result<SobolSettings, Error> {
        Ok(SobolSettings {
            samples: recipe::u64_at(r, "samples")? as usize,
            paths_per_point: recipe::u64_at(r, "paths_per_point")?,
            second_order: recipe::bool_at(r, "second_order")?,
            bootstrap: recipe::u64_at(r, "bootstrap")? as usize,
            confidence: recipe::f64_at(r, "confidence")?,
        })
    }

    fn point_count(&self) -> usize {
        self.design.len()
    }

    fn unit_point(&self, p: usize) -> Vec<f64> {
        self.design.point(p)
    }

    /// `Some(base row)` for the points that take the dummy from `B`.
    fn other_paths(&self, p: usize) -> Option<u64> {
        let dummy = self.design.groups().count() - 1;
        dummy_from_b(self.design.role(p), dummy).then(|| self.design.base_row(p) as u64)
    }

    fn role_cells(&self, p: usize) -> [String; 2] {
        [
            self.design.role(p).to_string(),
            self.design.base_row(p).to_string(),
        ]
    }

    /// The design, two numbers per point and metric, and the bootstrap's resampled estimates.
    fn kept_bytes(&self) -> u64 {
        let points = self.design.len() as u64;
        let k = self.design.params() as u64;
        let g = self.design.groups().count() as u64;
        let per_metric_estimates = if self.settings.second_order {
            2 * g + g * g / 2
        } else {
            2 * g
        };
        2 * self.design.base_samples() as u64 * k * 8
            + points * self.core.metrics.len() as u64 * 16
            + self.settings.bootstrap as u64 * per_metric_estimates * 8
    }

    /// The indices of every group, and whether S1 and ST stand out from the dummy's.
    fn analyse(&self, metric: Scalar, outcomes: &PointOutcomes) -> Result<MetricIndices, Error> {
        let dummy = self.design.groups().count() - 1;
        let y = &outcomes.mean;
        let options = SobolOptions {
            resamples: self.settings.bootstrap,
            confidence: self.settings.confidence,
            seed: self.core.problem.seed(),
        };
        let ix = gsa::sobol_indices(&self.design, y, &options)
            .map_err(|e| Error::Input(format!("{}: {e}", metric.name())))?;
        Ok(MetricIndices {
            metric,
            s1_above_dummy: gsa::flag_against_dummy(&ix.first, dummy),
            st_above_dummy: gsa::flag_against_dummy(&ix.total, dummy),
            mean: y.iter().sum::<f64>() / y.len() as f64,
            indices: ix,
        })
    }

    /// `sobol.csv`: per metric and group, S1 and ST with their intervals, SALib's normal
    /// half-widths and whether each stands out from the dummy; then the S2 rows (`a:b`).
    fn table(&self, r: &SobolResults) -> String {
        let names = self.core.problem.group_names();
        let mut out = CsvWriter::text_file([
            "metric",
            "parameter",
            "S1",
            "S1_low",
            "S1_high",
            "ST",
            "ST_low",
            "ST_high",
            "S1_conf",
            "ST_conf",
            "S1_above_dummy",
            "ST_above_dummy",
            "S2",
            "S2_low",
            "S2_high",
            "S2_conf",
        ]);
        let x = |v: f64| number(Some(v));
        let empty = String::new;
        for mi in &r.per_metric {
            let ix = &mi.indices;
            for (g, name) in names.iter().enumerate() {
                let (s1, st) = (ix.first[g], ix.total[g]);
                out.push([
                    mi.metric.name().to_string(),
                    name.clone(),
                    x(s1.value),
                    x(s1.low),
                    x(s1.high),
                    x(st.value),
                    x(st.low),
                    x(st.high),
                    x(s1.half_width),
                    x(st.half_width),
                    mi.s1_above_dummy[g].to_string(),
                    mi.st_above_dummy[g].to_string(),
                    empty(),
                    empty(),
                    empty(),
                    empty(),
                ]);
            }
            for s2 in &ix.second {
                let e = s2.estimate;
                let mut row = vec![
                    mi.metric.name().to_string(),
                    format!("{}:{}", names[s2.i], names[s2.j]),
                ];
                row.extend(std::iter::repeat_with(empty).take(10));
                row.extend([x(e.value), x(e.low), x(e.high), x(e.half_width)]);
                out.push(row);
            }
        }
        out.into_string()
    }

    fn size_warning(&self) -> Option<SizeWarning> {
        SizeWarning::below(
            Arg::Samples,
            self.settings.samples as u64,
            64,
            DEFAULT_SAMPLES as u64,
            "so small a base sample leaves the indices' intervals tens of percentage points \
             wide, and a first-order index can come out below 0 or their sum above 100%",
        )
    }

    fn summary(&self) -> Value {
        json!({
            "design": {
                "method": "Saltelli (2002, 2010) on a scrambled Sobol' sequence",
                "base_samples": self.settings.samples,
                "points": self.design.len(),
                "paths_per_point": self.settings.paths_per_point,
                "second_order": self.settings.second_order,
                "groups": self.core.problem.group_names(),
                "dummy": format!("`{DUMMY}`: drives no key; points that take it from B run their paths under a fresh seed per base row (design.csv, column seed) instead of {}", self.core.problem.seed()),
            },
            "estimators": {
                "S1": "Saltelli et al. (2010)",
                "ST": "Jansen (1999)",
                "S2": "Saltelli (2002)",
                "intervals": format!("normal bootstrap: the estimate ± z × the sd of {} resamples of the base rows (SALib's *_conf), confidence {}", self.settings.bootstrap, self.settings.confidence),
            },
        })
    }

    /// The indices S1 and ST of every group, largest ST first.
    fn chart(&self, mi: &MetricIndices, names: &[String]) -> Result<StudyChart, ChartError> {
        let ix = &mi.indices;
        // Largest total index first; the dummy last, as the floor to read the others by.
        let mut order: Vec<usize> = (0..names.len() - 1).collect();
        order.sort_by(|&a, &b| ix.total[b].value.total_cmp(&ix.total[a].value));
        order.push(names.len() - 1);
        let rows: Vec<ForestRow> = order
            .iter()
            .map(|&g| ForestRow {
                label: names[g].clone(),
                entries: vec![Some(interval(ix.first[g])), Some(interval(ix.total[g]))],
            })
            .collect();
        let annotations: Vec<String> = order
            .iter()
            .map(|&g| {
                if g == names.len() - 1 {
                    "noise floor".to_string()
                } else if !mi.st_above_dummy[g] {
                    "≈ noise".to_string()
                } else {
                    String::new()
                }
            })
            .collect();
        let series = ["first order S1".to_string(), "total ST".to_string()];
        let texts = Texts {
            title: format!("What drives {}", mi.metric.label()),
            facts: format!(
                "Sobol' indices with {:.0}% bootstrap intervals · {} points × {} paths",
                self.settings.confidence * 100.0,
                crate::format::count(self.design.len() as f64),
                crate::format::count(self.settings.paths_per_point as f64)
            ),
            footnote: Some(format!(
                "Shares of the variance, over the design, of each point's mean {}. The \
                 dummy parameter drives nothing: its total index is the share that is Monte \
                 Carlo noise of {} paths per point.",
                lower_first(mi.metric.label()),
                crate::format::count(self.settings.paths_per_point as f64)
            )),
        };
        let figure = Forest {
            texts,
            x_desc: "share of variance".to_string(),
            series: &series,
            rows: &rows,
            annotations: &annotations,
            unit: crate::units::Unit::Percent,
            clip: false,
        };
        draw::chart(
            format!("sobol_{}", mi.metric.name()),
            format!(
                "First-order (S1) and total (ST) Sobol' indices of {}, largest ST first, with {:.0}% bootstrap intervals; the dummy parameter is the noise floor.",
                mi.metric.label(),
                self.settings.confidence * 100.0
            ),
            &figure,
        )
    }

    fn page(&self, results: &SobolResults, charts: &[StudyChart]) -> String {
        page::html(self, results, charts)
    }

    /// The groups by total index with S1, ST and their intervals.
    fn summarise(&self, out: &mut String, mi: &MetricIndices, names: &[String]) {
        let column = column(mi);
        let pct = |x: f64| column.value(x);
        let ix = &mi.indices;
        let heading = format!(
            "{}: Sobol' indices (S1 first order, ST total; {:.0}% intervals)",
            mi.metric.name(),
            self.settings.confidence * 100.0
        );
        let line = |g: usize| {
            let (s1, st) = (ix.first[g], ix.total[g]);
            format!(
                "S1 {:>7} [{:>7}, {:>7}]   ST {:>7} [{:>7}, {:>7}]",
                pct(s1.value),
                pct(s1.low),
                pct(s1.high),
                pct(st.value),
                pct(st.low),
                pct(st.high)
            )
        };
        let size = |g: usize| ix.total[g].value;
        ranked_groups(out, &heading, names, &mi.st_above_dummy, size, line);
    }
}

/// The precision of one metric's indices and their intervals, in one column (percent): the
/// digits of the largest index, and as many more as tell neighbouring indices apart, by total
/// index.
pub(super) fn column(mi: &MetricIndices) -> Column {
    let ix = &mi.indices;
    let all: Vec<f64> = ix
        .first
        .iter()
        .chain(&ix.total)
        .chain(ix.second.iter().map(|s| &s.estimate))
        .map(|e| e.value)
        .collect();
    let largest = all
        .iter()
        .filter(|x| x.is_finite())
        .fold(0.0f64, |m, x| m.max(x.abs()));
    let mut order: Vec<usize> = (0..ix.total.len()).collect();
    order.sort_by(|&a, &b| ix.total[b].value.total_cmp(&ix.total[a].value));
    let totals: Vec<f64> = order.iter().map(|&g| ix.total[g].value).collect();
    let firsts: Vec<f64> = order.iter().map(|&g| ix.first[g].value).collect();
    Column::new(Unit::Percent, [&totals[..], &firsts[..], &[largest][..]])
}

/// A label inside a sentence: `Cost to the state` as `cost to the state` (an abbreviation
/// such as `OSS` or `BMKB` keeps its capitals).
pub(crate) fn lower_first(label: &str) -> String {
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => a
            .to_lowercase()
            .chain(std::iter::once(b))
            .chain(chars)
            .collect(),
        _ => label.to_string(),
    }
}

fn interval(e: gsa::Estimate) -> Interval {
    Interval {
        value: e.value,
        lo: e.low,
        hi: e.high,
    }
}
