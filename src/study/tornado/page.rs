//! The report page of a tornado: where the parameters come from, the charts, a table of swings
//! per metric, the parameters not moved and the base scenario.

use std::fmt::Write as _;

use super::{Side, Source, Tornado, TornadoResults};
use crate::charts::PAR_NOTE;
use crate::charts::study::StudyChart;
use crate::report::escape as esc;
use crate::scenario::key_unit;
use crate::study::params::show_value;
use crate::study::report::{crn_note, figure, footer, head, key_cell, meta, scenario_block};
use crate::units::Column;

/// The report of a tornado.
pub(super) fn html(t: &Tornado, r: &TornadoResults, charts: &[StudyChart]) -> String {
    let base = t.base();
    let metrics: Vec<&str> = t.metrics().iter().map(|m| m.label()).collect();
    let mut h = String::with_capacity(96 * 1024);
    head(
        &mut h,
        &format!("{}: tornado of {}", base.name(), metrics.join(", ")),
        "sensitivity tornado",
        &base.spec().meta.description,
    );
    let source = match t.source() {
        Source::Scenario => "the scenario's [sensitivity] section".to_string(),
        Source::Default { spread } => format!(
            "every numeric parameter of the segments, credit cycle, follow-up and funding, ±{}% \
             (the default list)",
            show_value((spread * 100.0 * 1e6).round() / 1e6)
        ),
    };
    meta(
        &mut h,
        base,
        t.variants().len(),
        r,
        &[
            ("Scenario", esc(base.name())),
            (
                "Parameters",
                format!("{} from {}", t.params().len(), esc(&source)),
            ),
        ],
        false,
    );
    crn_note(&mut h, base);
    h.push_str("<h2>Charts</h2>\n");
    for c in charts {
        figure(&mut h, c);
    }
    for (k, m) in t.metrics().iter().enumerate() {
        let name = m.name();
        let label = esc(m.label());
        let unit = m.unit();
        let Some(b) = r.baseline[k] else {
            let _ = writeln!(
                h,
                "<h2>{label}</h2>\n<p class=\"note\">Undefined on every path of the baseline.</p>"
            );
            continue;
        };
        // One precision per column of the outcome: the means at the low and high values
        // (with the baseline's), the changes, the swings.
        let sides = || {
            r.bars[k]
                .iter()
                .flat_map(|bar| [bar.low, bar.high])
                .flatten()
        };
        let means: Vec<f64> = std::iter::once(b.mean)
            .chain(sides().map(|s| s.mean))
            .collect();
        let means = Column::of(unit, &means);
        let changes: Vec<f64> = sides().map(|s| s.paired.diff).collect();
        let changes = Column::of(unit, &changes);
        let swings: Vec<f64> = r.bars[k].iter().map(|bar| bar.swing).collect();
        let swings = Column::of(unit, &swings);
        let _ = write!(
            h,
            "<h2>Swings of {label}</h2>\n<p>Baseline mean {}. Each parameter alone at \
             its low and high value; the change is the mean paired difference from the baseline \
             with its 95% confidence interval.</p>\n<div class=\"wide\"><table id=\"tornado-{name}\">\n\
             <thead><tr><th>Rank</th><th class=\"l\">Parameter</th><th>Scenario</th><th>Low</th>\
             <th>High</th><th>Mean at low<br><span class=\"dim\">change ± 95% CI</span></th>\
             <th>Mean at high<br><span class=\"dim\">change ± 95% CI</span></th><th>Swing</th>\
             <th class=\"l\">Note</th></tr></thead>\n<tbody>\n",
            means.value(b.mean)
        );
        for (rank, bar) in r.bars[k].iter().enumerate() {
            let p = &t.params()[bar.param];
            let ps = key_unit(&p.key).whole(p.whole);
            let settings: Vec<f64> = [Some(p.value), p.low, p.high]
                .into_iter()
                .flatten()
                .collect();
            let settings = Column::of(ps, &settings);
            let setting = |v: Option<f64>| v.map_or("–".to_string(), |v| settings.value(v));
            let at = |s: Option<Side>| {
                s.map_or("–".to_string(), |s| {
                    let change = match s.paired.ci {
                        Some((lo, hi)) => format!(
                            "{} ± {}",
                            changes.change(s.paired.diff),
                            unit.change_error((hi - lo) / 2.0)
                        ),
                        None => changes.change(s.paired.diff),
                    };
                    format!(
                        "{}<br><span class=\"dim\">{change}</span>",
                        means.value(s.mean)
                    )
                })
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"l n\">{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td><td>{}</td><td>{}</td><td class=\"l wrap\">{}</td></tr>",
                rank + 1,
                key_cell(&p.key),
                settings.value(p.value),
                setting(p.low),
                setting(p.high),
                at(bar.low),
                at(bar.high),
                swings.value(bar.swing),
                esc(&p.notes.join("; ")),
            );
        }
        h.push_str("</tbody>\n</table></div>\n");
        if m.at_par(base.spec().state.settlement) {
            let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(PAR_NOTE));
        }
    }
    if !t.skipped().is_empty() {
        h.push_str(
            "<h2>Parameters not moved</h2>\n<table id=\"skipped\">\n<thead><tr><th class=\"l\">\
             Parameter</th><th>Scenario</th><th class=\"l\">Why</th></tr></thead>\n<tbody>\n",
        );
        for s in t.skipped() {
            let _ = writeln!(
                h,
                "<tr><td class=\"l n\">{}</td><td>{}</td><td class=\"l wrap\">{}</td></tr>",
                key_cell(&s.key),
                key_unit(&s.key).value(s.value),
                esc(&s.reason)
            );
        }
        h.push_str(
            "</tbody>\n</table>\n<p>Lists (<code>credit_cycle.shifts</code>, \
             <code>segment.*.seasoning</code>) and the sections not in the default list (meta, \
             simulation, initial book, origination, costs, BMKB, state, resolution) are not \
             moved; list any numeric key in the scenario's <code>[sensitivity]</code> section to \
             move it.</p>\n",
        );
    }
    scenario_block(&mut h, "Base scenario", base);
    footer(&mut h, "<code>tornado.csv</code>");
    h
}
