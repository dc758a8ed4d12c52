//! A calibration's `report.html`: what the record pins down and what it does not, in plain
//! words, then the waves, every target's observation band against the model's range before
//! (wave 1, the prior) and after (the kept sets), every parameter's prior against its kept
//! range, and which target rules out most of the prior on its own (the observation that, made
//! more precise, would rule out most).

use std::fmt::Write as _;

use super::files::{self, target_ranges};
use super::waves::WAVE_COLUMNS;
use super::{Calibrated, Calibration};
use crate::charts::study::StudyChart;
use crate::format::plain as show_value;
use crate::report::escape as esc;
use crate::study::report;

fn cell(x: Option<f64>) -> String {
    x.map_or("—".to_string(), show_value)
}

pub(super) fn html(c: &Calibration, r: &Calibrated, charts: &[StudyChart]) -> String {
    let base = c.problem.base();
    let h = &r.history;
    let mut out = String::new();
    report::head(
        &mut out,
        &format!("{}: calibrated to the record", base.name()),
        "history matching",
        &base.spec().meta.description,
    );
    let kept: Vec<_> = h.kept().collect();
    let s = &c.settings;
    let _ = writeln!(
        out,
        "<dl class=\"meta\"><dt>Targets</dt><dd>{} from <code>{}</code></dd>\
         <dt>Waves</dt><dd>{} of at most {}, {} points each, {} paths per point (the same path \
         indices at every point, seed {}); {}</dd>\
         <dt>Cut-off</dt><dd>{} on the {} implausibility</dd>\
         <dt>Run</dt><dd>{} threads, {:.1} s ({:.1}M loans/s)</dd>",
        c.targets.targets.len(),
        esc(&c.targets.file),
        h.waves.len(),
        s.waves,
        s.points,
        s.paths_per_point,
        base.spec().simulation.seed,
        esc(&h.stop_text()),
        s.cutoff,
        if s.measure == super::Measure::Largest {
            "largest"
        } else {
            "second largest"
        },
        r.run.threads,
        r.run.wall_seconds,
        r.run.loans_per_second() / 1e6,
    );
    report::sampling_entry(&mut out, base, false, None);
    out.push_str("</dl>\n");

    // In plain words.
    out.push_str("<h2>What the record pins down</h2>\n<ul>");
    let left = h.waves.last().map_or(1.0, |w| w.space_left);
    let _ = write!(
        out,
        "<li>{} sets of the parameters are kept; about {:.2}% of the prior is not ruled out by \
         the record.</li>",
        kept.len(),
        100.0 * left
    );
    let param_ranges = files::param_ranges(c, h);
    let mut constrained: Vec<(String, f64)> = c
        .problem
        .params()
        .iter()
        .zip(&param_ranges)
        .filter_map(|(p, r)| r.share.map(|share| (p.name.clone(), share)))
        .collect();
    constrained.sort_by(|a, b| a.1.total_cmp(&b.1));
    let pinned: Vec<String> = constrained
        .iter()
        .filter(|(_, share)| *share < 0.5)
        .map(|(n, share)| {
            format!(
                "<code>{}</code> ({:.0}% of its prior range)",
                esc(n),
                100.0 * share
            )
        })
        .collect();
    let free: Vec<String> = constrained
        .iter()
        .filter(|(_, share)| *share >= 0.8)
        .map(|(n, _)| format!("<code>{}</code>", esc(n)))
        .collect();
    if !pinned.is_empty() {
        let _ = write!(
            out,
            "<li>Narrowed to less than half their prior 5–95% range: {}.</li>",
            pinned.join(", ")
        );
    }
    if !free.is_empty() {
        let _ = write!(
            out,
            "<li>Not pinned down (the kept sets span most of the prior): {}.</li>",
            free.join(", ")
        );
    }
    let ranges: Vec<_> = (0..c.targets.targets.len())
        .map(|t| target_ranges(c, h, t))
        .collect();
    let most = |f: fn(&files::TargetRanges) -> f64| {
        ranges
            .iter()
            .enumerate()
            .map(|(t, r)| (t, f(r)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    };
    if let Some((t, share)) = most(|r| r.ruled_out_wave1) {
        let _ = write!(
            out,
            "<li>The target that rules out most of the prior on its own is <code>{}</code> \
             ({:.0}% of wave 1's points).</li>",
            esc(&c.targets.targets[t].name),
            100.0 * share
        );
    }
    if let Some((t, share)) = most(|r| r.ruled_out_if_sharper) {
        let _ = write!(
            out,
            "<li>The further observation that would rule out most: <code>{}</code> known to \
             half its present errors (observation and discrepancy) would rule out {:.0}% of the \
             kept sets.</li>",
            esc(&c.targets.targets[t].name),
            100.0 * share
        );
    }
    out.push_str("</ul>\n");

    for ch in charts {
        report::figure(&mut out, ch);
    }

    out.push_str("<h2>Waves</h2>\n<table><tr>");
    for c in WAVE_COLUMNS {
        let _ = write!(out, "<th>{c}</th>");
    }
    out.push_str("</tr>");
    for w in &h.waves {
        out.push_str("<tr>");
        for cell in w.cells() {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>\n");

    out.push_str(
        "<h2>Targets</h2>\n<p>The observation band is the observed value ± 3 × the observation \
         and discrepancy errors together; the model's ranges are the 5–95% range of the points' \
         means in wave 1 (the prior) and among the kept sets.</p>\n<table><tr><th class=\"l\">target</th>\
         <th class=\"l\">reads</th><th>observed</th><th>band</th><th>prior range</th><th>kept range</th>\
         <th>ruled out alone (wave 1)</th><th>kept sets ruled out at half the errors</th><th class=\"l\">source</th></tr>",
    );
    for (t, rr) in files::targets_with_ranges(c, h) {
        let sd = (t.obs_sd().powi(2) + t.discrepancy_sd().powi(2)).sqrt();
        let _ = write!(
            out,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{} – {}</td>\
             <td>{} – {}</td><td>{} – {}</td><td>{:.0}%</td><td>{:.0}%</td><td class=\"wrap\">{}</td></tr>",
            esc(&t.name),
            esc(&t.describe()),
            show_value(t.observed),
            show_value(t.observed - 3.0 * sd),
            show_value(t.observed + 3.0 * sd),
            cell(rr.prior.map(|x| x.0)),
            cell(rr.prior.map(|x| x.1)),
            cell(rr.kept.map(|x| x.0)),
            cell(rr.kept.map(|x| x.1)),
            100.0 * rr.ruled_out_wave1,
            100.0 * rr.ruled_out_if_sharper,
            esc(&t.source)
        );
    }
    out.push_str("</table>\n");

    out.push_str(
        "<h2>Parameters</h2>\n<table><tr><th class=\"l\">parameter</th><th class=\"l\">prior</th>\
         <th>prior 5–95%</th><th>kept 5–95%</th><th>share of the prior range</th></tr>",
    );
    for (p, r) in c.problem.params().iter().zip(&param_ranges) {
        let (kr, share) = (r.kept, r.share);
        let _ = write!(
            out,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{} – {}</td><td>{} – {}</td><td>{}</td></tr>",
            esc(&p.name),
            esc(&p.distribution.describe()),
            show_value(p.distribution.quantile(0.05)),
            show_value(p.distribution.quantile(0.95)),
            cell(kr.map(|x| x.0)),
            cell(kr.map(|x| x.1)),
            share.map_or("—".into(), |s| format!("{:.0}%", 100.0 * s))
        );
    }
    out.push_str("</table>\n");
    report::scenario_block(&mut out, "The scenario calibrated", base);
    report::footer(
        &mut out,
        "<code>points.csv</code>, <code>kept.csv</code>, <code>targets.csv</code>, \
         <code>waves.csv</code>",
    );
    out
}
