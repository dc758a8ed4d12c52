//! Who bears the loss, in a result folder (docs/model.md §7, "Per segment"): the `segments`
//! block of `summary.json` and `segments.csv`, both from the per-path values of
//! [`crate::segments`] read one column at a time, so that a merge of shards writes them from
//! its shards through the same code as a run from memory.
//!
//! The lender's `net_loss` is allocated to the segments and the BMKB's `bmkb_claims` to its
//! channels, each by the Euler allocation over the tail set of its own total (the metric's
//! column, the very values `summary.json` summarises), at the level of the report's VaR.

use serde_json::{Value, json};

use super::csv::{CsvWriter, number};
use crate::error::Error;
use crate::metrics::Scalar;
use crate::results::OutcomeColumns;
use crate::scenario::Scenario;
use crate::segments::{
    Allocation, Channel, Field, TAIL_LEVEL, allocate, channel_value, segment_value,
};

/// The file name of the table in a result folder.
pub const SEGMENTS_CSV: &str = "segments.csv";

/// The columns of `segments.csv`.
pub const HEADER: [&str; 9] = [
    "group",
    "name",
    "loans_granted",
    "defaults",
    "mean",
    "share_of_mean",
    "es_contribution",
    "share_of_es",
    "tail_paths",
];

/// One part's row: a segment's (or a channel's) means over all paths and its contribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub name: String,
    /// Means over paths of loans granted and defaults (segments only).
    pub loans_granted: Option<f64>,
    pub defaults: Option<f64>,
    /// Mean loss (net loss, or claims) and contribution to the expected shortfall.
    pub mean: f64,
    pub es_contribution: f64,
}

/// The allocation of one total to its parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocated {
    /// The metric allocated: `net_loss` or `bmkb_claims`.
    pub total: Scalar,
    pub parts: Vec<Part>,
    pub mean: f64,
    pub tail_min: f64,
    pub es: f64,
    pub tail_paths: usize,
}

/// Who bore the loss over a run's paths.
#[derive(Debug, Clone, PartialEq)]
pub struct WhoBears {
    pub segments: Allocated,
    pub channels: Allocated,
}

/// `part / whole`, undefined where the whole is 0.
fn share(part: f64, whole: f64) -> Option<f64> {
    (whole != 0.0).then(|| part / whole)
}

/// Who bore the loss of `scenario`'s paths in `results`; `None` with no paths.
pub fn who_bears(
    scenario: &Scenario,
    results: &dyn OutcomeColumns,
) -> Result<Option<WhoBears>, Error> {
    let names: Vec<String> = scenario
        .spec()
        .segments
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let n = names.len();
    // Weighted paths (`tail` sampling) weigh every mean and the tail.
    let weights = crate::output::Method::of(scenario)?.weights(results)?;
    let mean = |v: &[f64]| match &weights {
        Some(w) => crate::tail::estimate::regression_mean(v, w).0,
        None => v.iter().sum::<f64>() / v.len() as f64,
    };
    let allocate = |total: &[f64], parts: &[Vec<f64>], q| match &weights {
        Some(w) => crate::segments::allocate_weighted(total, parts, q, w),
        None => allocate(total, parts, q),
    };
    let net: Vec<Vec<f64>> = (0..n)
        .map(|s| results.segment_column(segment_value(s, Field::NetLoss)))
        .collect::<Result<_, _>>()?;
    let total = results.scalar_column(Scalar::NetLoss)?;
    let Some(by_segment) = allocate(&total, &net, TAIL_LEVEL) else {
        return Ok(None);
    };
    let mut parts = Vec::with_capacity(n);
    for (s, name) in names.into_iter().enumerate() {
        let granted = results.segment_column(segment_value(s, Field::LoansGranted))?;
        let defaults = results.segment_column(segment_value(s, Field::Defaults))?;
        parts.push(Part {
            name,
            loans_granted: Some(mean(&granted)),
            defaults: Some(mean(&defaults)),
            mean: by_segment.means[s],
            es_contribution: by_segment.contributions[s],
        });
    }
    let segments = allocated(Scalar::NetLoss, mean(&total), by_segment, parts);
    let claims: Vec<Vec<f64>> = Channel::ALL
        .iter()
        .map(|c| results.segment_column(channel_value(n, *c)))
        .collect::<Result<_, _>>()?;
    let total = results.scalar_column(Scalar::BmkbClaims)?;
    let by_channel = allocate(&total, &claims, TAIL_LEVEL).expect("paths, as above");
    let parts = Channel::ALL
        .iter()
        .map(|c| Part {
            name: c.name().to_string(),
            loans_granted: None,
            defaults: None,
            mean: by_channel.means[*c as usize],
            es_contribution: by_channel.contributions[*c as usize],
        })
        .collect();
    let channels = allocated(Scalar::BmkbClaims, mean(&total), by_channel, parts);
    Ok(Some(WhoBears { segments, channels }))
}

fn allocated(total: Scalar, mean: f64, a: Allocation, parts: Vec<Part>) -> Allocated {
    Allocated {
        total,
        parts,
        mean,
        tail_min: a.tail_min,
        es: a.es,
        tail_paths: a.tail_paths,
    }
}

impl Allocated {
    fn json(&self, parts_key: &str) -> Value {
        let parts: Vec<Value> = self
            .parts
            .iter()
            .map(|p| {
                let mut v = json!({ "name": p.name });
                if let (Some(g), Some(d)) = (p.loans_granted, p.defaults) {
                    v["loans_granted"] = json!(g);
                    v["defaults"] = json!(d);
                }
                v["mean"] = json!(p.mean);
                v["share_of_mean"] = json!(share(p.mean, self.mean));
                v["es_contribution"] = json!(p.es_contribution);
                v["share_of_es"] = json!(share(p.es_contribution, self.es));
                v
            })
            .collect();
        json!({
            "metric": self.total.name(),
            "mean": self.mean,
            "tail_min": self.tail_min,
            "es": self.es,
            "tail_paths": self.tail_paths,
            parts_key: parts,
        })
    }

    fn rows(&self, group: &str, out: &mut CsvWriter<Vec<u8>>) {
        let tail = self.tail_paths as f64;
        for p in &self.parts {
            out.push([
                group.to_string(),
                p.name.clone(),
                number(p.loans_granted),
                number(p.defaults),
                number(Some(p.mean)),
                number(share(p.mean, self.mean)),
                number(Some(p.es_contribution)),
                number(share(p.es_contribution, self.es)),
                number(Some(tail)),
            ]);
        }
        out.push([
            "total".to_string(),
            self.total.name().to_string(),
            String::new(),
            String::new(),
            number(Some(self.mean)),
            number(share(self.mean, self.mean)),
            number(Some(self.es)),
            number(share(self.es, self.es)),
            number(Some(tail)),
        ]);
    }
}

impl WhoBears {
    /// The `segments` block of `summary.json`.
    pub fn json(&self) -> Value {
        json!({
            "tail_level": TAIL_LEVEL,
            "net_loss": self.segments.json("by_segment"),
            "bmkb_claims": self.channels.json("by_channel"),
        })
    }

    /// The text of `segments.csv`: a row per segment and the `net_loss` total, then a row per
    /// BMKB channel and the `bmkb_claims` total.
    pub fn csv(&self) -> String {
        let mut out = CsvWriter::text_file(HEADER);
        self.segments.rows("segment", &mut out);
        self.channels.rows("bmkb_channel", &mut out);
        out.into_string()
    }
}
