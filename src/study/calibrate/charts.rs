//! A calibration's charts, drawn with the comparison's forest plot (`crate::charts::forest`):
//! every target's observation band against the model's range before (wave 1, the prior) and
//! after (the kept sets), each relative to the observed value so that counts, euros and ratios
//! share one axis; and every parameter's prior 5–95% range against its kept range, on the
//! prior's quantile scale, where a kept range narrower than the prior's is what the record
//! pinned down.

use super::files;
use super::{Calibrated, Calibration};
use crate::charts::ChartError;
use crate::charts::study::{self, Forest, ForestRow, Interval, Pairs, StudyChart, Texts};
use crate::units::Unit;

/// An interval from a range, its midpoint as the value.
fn interval(r: Option<(f64, f64)>) -> Option<Interval> {
    r.map(|(lo, hi)| Interval {
        value: 0.5 * (lo + hi),
        lo,
        hi,
    })
}

pub(super) fn draw(c: &Calibration, r: &Calibrated) -> Result<Vec<StudyChart>, ChartError> {
    let h = &r.history;
    let facts = format!(
        "{} waves of {} points × {} paths; cut-off {}",
        h.waves.len(),
        c.settings.points,
        c.settings.paths_per_point,
        c.settings.cutoff
    );

    let series = [
        "observation band (± 3 sd)".to_string(),
        "model, wave 1 (prior)".to_string(),
        "model, kept sets".to_string(),
    ];
    let rows: Vec<ForestRow> = files::targets_with_ranges(c, h)
        .map(|(t, rr)| {
            let o = t.observed;
            let sd = (t.obs_sd().powi(2) + t.discrepancy_sd().powi(2)).sqrt();
            // Relative to the observed value (the validation refuses no 0, but a ratio of 0
            // has no relative scale: that row is left empty).
            let rel = |x: f64| if o != 0.0 { x / o - 1.0 } else { f64::NAN };
            let rel_range = |x: Option<(f64, f64)>| {
                x.map(|(a, b)| (rel(a), rel(b)))
                    .filter(|(a, b)| a.is_finite() && b.is_finite())
            };
            ForestRow {
                label: t.name.clone(),
                entries: vec![
                    interval(rel_range(Some((o - 3.0 * sd, o + 3.0 * sd)))),
                    interval(rel_range(rr.prior)),
                    interval(rel_range(rr.kept)),
                ],
            }
        })
        .collect();
    let targets = Forest {
        texts: Texts {
            title: "The record against the model, before and after".to_string(),
            facts: facts.clone(),
            footnote: Some(
                "Relative to the observed value. Model ranges: 5–95% of the points' means."
                    .to_string(),
            ),
        },
        x_desc: "Relative to the observed value".to_string(),
        series: &series,
        rows: &rows,
        annotations: &[],
        unit: Unit::Percent,
        clip: false,
    };
    let mut charts = vec![study::chart(
        "calibrate_targets".to_string(),
        "Each target's observation band (the observed value ± 3 × its observation and \
         discrepancy errors together) against the 5–95% range of the model's means over wave \
         1's points (the prior) and over the kept sets, relative to the observed value."
            .to_string(),
        &targets,
    )?];

    let kept: Vec<_> = h.kept().collect();
    let ranges = files::param_ranges(c, h);
    let series = ["prior 5–95%".to_string(), "kept sets 5–95%".to_string()];
    let rows: Vec<ForestRow> = c
        .problem
        .params()
        .iter()
        .zip(&ranges)
        .map(|(p, r)| ForestRow {
            label: p.name.clone(),
            entries: vec![interval(Some((0.05, 0.95))), interval(r.kept_unit)],
        })
        .collect();
    let params = Forest {
        texts: Texts {
            title: "What the record pins down".to_string(),
            facts,
            footnote: Some(
                "On the prior's quantile scale: 0 is the prior's lowest value, 1 its highest."
                    .to_string(),
            ),
        },
        x_desc: "Quantile of the prior".to_string(),
        series: &series,
        rows: &rows,
        annotations: &[],
        unit: Unit::Ratio,
        clip: false,
    };
    charts.push(study::chart(
        "calibrate_parameters".to_string(),
        "Each parameter's prior 5–95% range against the 5–95% range of its kept sets, on the \
         prior's quantile scale: a kept range much narrower than the prior's is what the \
         record pins down; one as wide is what it leaves open."
            .to_string(),
        &params,
    )?);

    // The pairs of the (up to) three parameters whose kept range is narrowest against the
    // prior's.
    let mut order: Vec<(usize, f64)> = ranges
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.share.map(|share| (i, share)))
        .collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let chosen: Vec<usize> = order.iter().take(3).map(|(i, _)| *i).collect();
    if chosen.len() >= 2 {
        let names: Vec<String> = chosen
            .iter()
            .map(|&i| c.problem.params()[i].name.clone())
            .collect();
        let pick = |u: &[f64]| chosen.iter().map(|&i| u[i]).collect::<Vec<f64>>();
        let ruled_out: Vec<Vec<f64>> = h
            .points
            .iter()
            .filter(|p| p.wave == 1 && !p.kept)
            .map(|p| pick(&p.unit))
            .collect();
        let kept_points: Vec<Vec<f64>> = kept.iter().map(|p| pick(&p.unit)).collect();
        let figure = Pairs {
            texts: Texts {
                title: "The most constrained parameters, pair by pair".to_string(),
                facts: format!("{} kept sets; quantiles of each prior", kept_points.len()),
                footnote: None,
            },
            names: &names,
            ruled_out: &ruled_out,
            kept: &kept_points,
        };
        charts.push(study::chart(
            "calibrate_pairs".to_string(),
            "The kept sets (blue) and the first wave's points the record ruled out (grey) for \
             each pair of the parameters whose kept range is narrowest, on the priors' \
             quantile scale: a diagonal cloud is a trade-off the record cannot separate."
                .to_string(),
            &figure,
        )?);
    }

    // The share of each wave's points each target rules out, and all of them together.
    let series: Vec<String> = h.waves.iter().map(|w| format!("wave {}", w.wave)).collect();
    let point = |x: f64| {
        Some(Interval {
            value: x,
            lo: x,
            hi: x,
        })
    };
    let mut rows: Vec<ForestRow> = c
        .targets
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| ForestRow {
            label: t.name.clone(),
            entries: h
                .waves
                .iter()
                .map(|w| point(w.ruled_out_by[i] as f64 / w.points.max(1) as f64))
                .collect(),
        })
        .collect();
    rows.push(ForestRow {
        label: "all targets (not kept)".to_string(),
        entries: h
            .waves
            .iter()
            .map(|w| point(1.0 - w.kept_share()))
            .collect(),
    });
    let waves = Forest {
        texts: Texts {
            title: "What each wave ruled out, and by which target".to_string(),
            facts: format!(
                "{}; prior left after the last wave {:.2}%",
                targets_facts(c, r),
                100.0 * h.waves.last().map_or(1.0, |w| w.space_left)
            ),
            footnote: Some(
                "A later wave samples only what the earlier ones left, so its shares are of that."
                    .to_string(),
            ),
        },
        x_desc: "Share of the wave's points ruled out".to_string(),
        series: &series,
        rows: &rows,
        annotations: &[],
        unit: Unit::Percent,
        clip: false,
    };
    charts.push(study::chart(
        "calibrate_waves".to_string(),
        "The share of each wave's points whose implausibility for a target is above the \
         cut-off, target by target, and the share not kept (ruled out by any target)."
            .to_string(),
        &waves,
    )?);
    Ok(charts)
}

fn targets_facts(c: &Calibration, r: &Calibrated) -> String {
    format!(
        "{} targets, {} waves of {} points",
        c.targets.targets.len(),
        r.history.waves.len(),
        c.settings.points
    )
}
