//! The files of a calibration's result folder: `points.csv` (every point of every wave),
//! `kept.csv` (the kept sets of the last wave, which `calibrated.toml` draws from),
//! `targets.csv` (each target with the model's range before and after), `waves.csv` (what
//! each wave ruled out, and by which target) and `calibrated.toml`; and `summary.json`'s own
//! entries. Every table is one header row and plain numbers, for R, pandas or a spreadsheet.

use serde_json::{Value, json};

use super::implausibility::implausibility;
use super::targets::{Spread, Target};
use super::waves::{History, Judged};
use super::{Calibrated, Calibration};
use crate::output::csv::{CsvWriter, number};

pub const POINTS_CSV: &str = "points.csv";
pub const KEPT_CSV: &str = "kept.csv";
pub const TARGETS_CSV: &str = "targets.csv";
pub const WAVES_CSV: &str = "waves.csv";
pub const CALIBRATED_TOML: &str = "calibrated.toml";

/// The 5% and 95% quantiles of `values` (linear between order statistics); `None` when empty.
pub fn range(values: &[f64]) -> Option<(f64, f64)> {
    let q = |s: &[f64], p: f64| {
        let h = p * (s.len() - 1) as f64;
        let (i, f) = (h.floor() as usize, h - h.floor());
        if i + 1 < s.len() {
            s[i] + f * (s[i + 1] - s[i])
        } else {
            s[i]
        }
    };
    let mut s: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if s.is_empty() {
        return None;
    }
    s.sort_by(f64::total_cmp);
    Some((q(&s, 0.05), q(&s, 0.95)))
}

/// Every file but `summary.json`, `scenario.toml` and the report, by name.
pub(super) fn all(c: &Calibration, r: &Calibrated) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![
        (
            POINTS_CSV.to_string(),
            points_csv(c, &r.history).into_bytes(),
        ),
        (KEPT_CSV.to_string(), kept_csv(c, &r.history).into_bytes()),
        (
            TARGETS_CSV.to_string(),
            targets_csv(c, &r.history).into_bytes(),
        ),
        (WAVES_CSV.to_string(), waves_csv(c, &r.history).into_bytes()),
    ];
    // What a continuation reads (super::resume), exactly.
    let history = super::resume::history_csv(c, &r.history);
    files.push((
        super::CALIBRATION_JSON.to_string(),
        super::resume::calibration_json(c, &r.history, &history).into_bytes(),
    ));
    files.push((super::HISTORY_CSV.to_string(), history.into_bytes()));
    if r.history.kept().next().is_some() {
        files.push((CALIBRATED_TOML.to_string(), calibrated_toml(c).into_bytes()));
    }
    files
}

fn values(c: &Calibration, p: &Judged) -> Vec<f64> {
    c.problem.values(&p.unit)
}

/// `points.csv`: one row per point of every wave, its parameters' values and unit
/// coordinates, each target's mean, standard error, spread over the paths and implausibility,
/// the measure and whether it was kept.
fn points_csv(c: &Calibration, h: &History) -> String {
    let params = c.problem.params();
    let targets = &c.targets.targets;
    let mut header = vec![
        "wave".to_string(),
        "point".into(),
        "kept".into(),
        "measure".into(),
    ];
    header.extend(params.iter().map(|p| p.name.clone()));
    header.extend(params.iter().map(|p| format!("u_{}", p.name)));
    for t in targets {
        for s in ["mean", "se", "sd_paths", "implausibility"] {
            header.push(format!("{}.{s}", t.name));
        }
    }
    let mut out = CsvWriter::text_file(header);
    for p in &h.points {
        let mut row = vec![
            p.wave.to_string(),
            p.index.to_string(),
            u8::from(p.kept).to_string(),
            number(p.measure.is_finite().then_some(p.measure)),
        ];
        row.extend(values(c, p).into_iter().map(|v| number(Some(v))));
        row.extend(p.unit.iter().map(|u| number(Some(*u))));
        for (s, i) in p.stats.iter().zip(&p.implausibility) {
            let defined = |x: f64| x.is_finite().then_some(x);
            row.push(number(defined(s.mean)));
            row.push(number(defined(s.se())));
            row.push(number(defined(s.var_paths.sqrt())));
            row.push(number(defined(*i)));
        }
        out.push(row);
    }
    out.into_string()
}

/// `kept.csv`: the kept sets of the last wave, a row each: the set's index, where it came from,
/// and each parameter's value under its name (the columns `uncertain_sets` reads).
fn kept_csv(c: &Calibration, h: &History) -> String {
    let params = c.problem.params();
    let mut header = vec!["set".to_string(), "wave".into(), "point".into()];
    header.extend(params.iter().map(|p| p.name.clone()));
    let mut out = CsvWriter::text_file(header);
    for (k, p) in h.kept().enumerate() {
        let mut row = vec![k.to_string(), p.wave.to_string(), p.index.to_string()];
        row.extend(values(c, p).into_iter().map(|v| number(Some(v))));
        out.push(row);
    }
    out.into_string()
}

/// Per parameter, its kept sets' 5–95% range, in the parameter's units and on the unit
/// coordinate (`None` when nothing is kept), and the share of the prior's 5–95% range (0.9 on
/// the unit coordinate) the kept range spans: below 1, the record constrains the parameter.
pub(super) struct ParamRange {
    pub kept: Option<(f64, f64)>,
    pub kept_unit: Option<(f64, f64)>,
    pub share: Option<f64>,
}

pub(super) fn param_ranges(c: &Calibration, h: &History) -> Vec<ParamRange> {
    let kept: Vec<&Judged> = h.kept().collect();
    c.problem
        .params()
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let units: Vec<f64> = kept.iter().map(|k| k.unit[i]).collect();
            let values: Vec<f64> = units.iter().map(|&u| p.distribution.quantile(u)).collect();
            let kept_unit = range(&units);
            ParamRange {
                kept: range(&values),
                kept_unit,
                share: kept_unit.map(|(a, b)| (b - a) / 0.9),
            }
        })
        .collect()
}

/// Per target, the 5–95% range of the points' means in wave 1 (the prior) and among the kept
/// sets, the share of wave 1's points it alone rules out, and the share of the kept sets a
/// sharper observation of it would rule out ([`sharper`]).
pub(super) struct TargetRanges {
    pub prior: Option<(f64, f64)>,
    pub kept: Option<(f64, f64)>,
    pub ruled_out_wave1: f64,
    pub ruled_out_if_sharper: f64,
}

/// How much sharper [`sharper`] makes a target's observation and discrepancy errors.
pub const SHARPER: f64 = 0.5;

/// The share of the kept sets that target `t` would rule out if its observation and
/// discrepancy errors were [`SHARPER`] times what they are, the same value observed: which
/// further observation would rule out most, without simulating again (each kept point's
/// statistics are kept). The paths' spread and the Monte Carlo error stay as they are, so a
/// target whose spread over the paths dominates gains little from a better observation.
pub(super) fn sharper(c: &Calibration, h: &History, t: usize) -> f64 {
    let target = &c.targets.targets[t];
    let scale = |s: Spread| match s {
        Spread::Absolute(x) => Spread::Absolute(SHARPER * x),
        Spread::Relative(x) => Spread::Relative(SHARPER * x),
    };
    let sharp = Target {
        error: scale(target.error),
        discrepancy: scale(target.discrepancy),
        ..target.clone()
    };
    let kept: Vec<&Judged> = h.kept().collect();
    let ruled = kept
        .iter()
        .filter(|p| {
            let i = implausibility(&sharp, &p.stats[t]);
            i.is_nan() || i > c.settings.cutoff
        })
        .count();
    ruled as f64 / kept.len().max(1) as f64
}

pub(super) fn target_ranges(c: &Calibration, h: &History, t: usize) -> TargetRanges {
    let first: Vec<f64> = h
        .points
        .iter()
        .filter(|p| p.wave == 1)
        .map(|p| p.stats[t].mean)
        .collect();
    let kept: Vec<f64> = h.kept().map(|p| p.stats[t].mean).collect();
    let ruled = h
        .waves
        .first()
        .map_or(0.0, |w| w.ruled_out_by[t] as f64 / w.points.max(1) as f64);
    TargetRanges {
        prior: range(&first),
        kept: range(&kept),
        ruled_out_wave1: ruled,
        ruled_out_if_sharper: sharper(c, h, t),
    }
}

/// Each target with the model's ranges for it, in the order of the targets file.
pub(super) fn targets_with_ranges<'a>(
    c: &'a Calibration,
    h: &'a History,
) -> impl Iterator<Item = (&'a Target, TargetRanges)> + 'a {
    (c.targets.targets.iter().enumerate()).map(move |(i, t)| (t, target_ranges(c, h, i)))
}

/// `targets.csv`: each target as read, its errors as standard deviations, and the model's range
/// before and after.
fn targets_csv(c: &Calibration, h: &History) -> String {
    let mut out = CsvWriter::text_file([
        "name",
        "metric",
        "over",
        "when",
        "observed",
        "obs_sd",
        "discrepancy_sd",
        "date_months",
        "prior_p05",
        "prior_p95",
        "kept_p05",
        "kept_p95",
        "ruled_out_wave1",
        "ruled_out_if_sharper",
        "source",
        "note",
    ]);
    for (t, r) in targets_with_ranges(c, h) {
        out.push([
            t.name.clone(),
            t.metric.name().to_string(),
            t.over.map_or(String::new(), |m| m.name().to_string()),
            t.when.to_string(),
            number(Some(t.observed)),
            number(Some(t.obs_sd())),
            number(Some(t.discrepancy_sd())),
            number(Some(t.date_months)),
            number(r.prior.map(|x| x.0)),
            number(r.prior.map(|x| x.1)),
            number(r.kept.map(|x| x.0)),
            number(r.kept.map(|x| x.1)),
            number(Some(r.ruled_out_wave1)),
            number(Some(r.ruled_out_if_sharper)),
            t.source.clone(),
            t.note.clone(),
        ]);
    }
    out.into_string()
}

/// `waves.csv`: a row per wave.
fn waves_csv(c: &Calibration, h: &History) -> String {
    let mut header: Vec<String> = [
        "wave",
        "points",
        "candidates",
        "rejected",
        "kept",
        "kept_share",
        "box_volume",
        "space_left",
    ]
    .map(str::to_string)
    .to_vec();
    header.extend(
        c.targets
            .targets
            .iter()
            .map(|t| format!("ruled_out_by.{}", t.name)),
    );
    let mut out = CsvWriter::text_file(header);
    for w in &h.waves {
        let mut row = vec![
            w.wave.to_string(),
            w.points.to_string(),
            w.candidates.to_string(),
            w.rejected.to_string(),
            w.kept.to_string(),
            number(Some(w.kept_share())),
            number(Some(w.region.volume())),
            number(Some(w.space_left)),
        ];
        row.extend(w.ruled_out_by.iter().map(|n| n.to_string()));
        out.push(row);
    }
    out.into_string()
}

/// `calibrated.toml`: the scenario, whole, drawing its uncertain parameters jointly from
/// `kept.csv` beside it.
fn calibrated_toml(c: &Calibration) -> String {
    let base = c.problem.base();
    let mut spec = base.spec().clone();
    spec.meta.name = Some(format!("{}-calibrated", base.name()));
    spec.meta.description = format!(
        "{} — its [[uncertain]] parameters drawn jointly from the sets a history match kept \
         (kept.csv), not independently from their priors.",
        spec.meta.description.trim()
    );
    spec.uncertain_sets = Some(KEPT_CSV.to_string());
    format!(
        "# microfolio: the scenario {} calibrated to the targets of {} by `microfolio \
         calibrate`.\n# Each path of `microfolio run calibrated.toml --uncertain` takes one \
         whole set of kept.csv\n# (the parameters drawn jointly); the [[uncertain]] section \
         below is the prior the sets were kept from.\n\n{}",
        base.file(),
        c.targets.file,
        spec.to_toml()
    )
}

/// `summary.json`'s own entries.
pub(super) fn summary(c: &Calibration, r: &Calibrated) -> Value {
    let h = &r.history;
    let s = &c.settings;
    let kept: Vec<&Judged> = h.kept().collect();
    let params: Vec<Value> = c
        .problem
        .params()
        .iter()
        .zip(param_ranges(c, h))
        .map(|(p, r)| {
            json!({
                "name": p.name,
                "prior": p.distribution.describe(),
                "prior_p05": p.distribution.quantile(0.05),
                "prior_p95": p.distribution.quantile(0.95),
                "kept_p05": r.kept.map(|x| x.0),
                "kept_p95": r.kept.map(|x| x.1),
                "kept_share_of_prior_range": r.share,
            })
        })
        .collect();
    let targets: Vec<Value> = targets_with_ranges(c, h)
        .map(|(t, rr)| {
            json!({
                "name": t.name,
                "reads": t.describe(),
                "observed": t.observed,
                "obs_sd": t.obs_sd(),
                "discrepancy_sd": t.discrepancy_sd(),
                "date_months": t.date_months,
                "source": t.source,
                "prior_range": rr.prior.map(|x| [x.0, x.1]),
                "kept_range": rr.kept.map(|x| [x.0, x.1]),
                "ruled_out_wave1": rr.ruled_out_wave1,
                "ruled_out_if_sharper": rr.ruled_out_if_sharper,
            })
        })
        .collect();
    json!({
        "calibration": {
            "method": "history matching without an emulator (Craig et al. 1997; Vernon et al. 2010): waves of scrambled Sobol' designs, each within the widened bounding box of the last wave's kept points, candidates rejected whose nearest point of the last wave was ruled out",
            "implausibility": "|observed - mean| / sqrt(obs_sd^2 + discrepancy_sd^2 + date_sd^2 + var_paths + se^2)",
            "measure": s.measure.name(),
            "cutoff": s.cutoff,
            "targets_file": c.targets.file,
            "points_per_wave": s.points,
            "paths_per_point": s.paths_per_point,
            "waves_at_most": s.waves,
            "waves_run": h.waves.len(),
            // null while the waves go on (a calibration run in shards, one wave at a time).
            "stopped": h.stop.map(|s| s.describe()),
            "next_wave": h.stop.is_none().then_some(h.waves.len() + 1),
            "kept_sets": kept.len(),
            "calibrated_scenario": if kept.is_empty() { Value::Null } else { json!(CALIBRATED_TOML) },
        },
        "waves": h.waves.iter().map(|w| json!({
            "wave": w.wave,
            "points": w.points,
            "candidates": w.candidates,
            "rejected": w.rejected,
            "kept": w.kept,
            "kept_share": w.kept_share(),
            "box_volume": w.region.volume(),
            "space_left": w.space_left,
        })).collect::<Vec<_>>(),
        "parameters": params,
        "targets": targets,
    })
}
