//! The report page of a Morris screening: the parameters, which ones matter for each outcome
//! said in words, the μ*–σ chart and a table per metric, and the resolved scenario.

use std::fmt::Write as _;

use super::{Morris, MorrisResults};
use crate::charts::PAR_NOTE;
use crate::charts::study::StudyChart;
use crate::report::escape as esc;
use crate::study::problem::DUMMY;
use crate::study::report::{design_meta, figure, footer, head, scenario_block};

/// The report of a Morris screening.
pub(super) fn html(s: &Morris, r: &MorrisResults, charts: &[StudyChart]) -> String {
    let base = s.problem().base();
    let spec = base.spec();
    let settings = s.settings();
    let names = s.problem().group_names();
    let mut h = String::with_capacity(96 * 1024);
    head(
        &mut h,
        &format!("{}: which estimates matter", base.name()),
        "Morris screening",
        &spec.meta.description,
    );
    design_meta(
        &mut h,
        base,
        &format!(
            "{} trajectories on {} levels, {} groups (the dummy included)",
            settings.trajectories,
            settings.levels,
            names.len()
        ),
        (s.design().len(), settings.paths_per_point),
        &r.run,
        (settings.bootstrap, settings.confidence),
    );
    h.push_str(
        "<p class=\"note\">How to read this: an elementary effect is the change of the expected \
         outcome when one parameter moves by a fixed step of its range, everything else held; it \
         is scaled to the parameter's whole range. μ* (the mean absolute effect) ranks the \
         parameters by influence; σ (the standard deviation of the effects) is large when the \
         effect depends on where the others are — interactions or a curved effect. The \
         parameter <code>dummy</code> drives nothing; its points run their paths under another \
         seed, so its μ* is the Monte Carlo noise of the paths per point. A parameter whose μ* \
         interval does not lie above the dummy's is marked ≈ noise. Screening ranks; a Sobol' \
         study (<code>microfolio sobol</code>) then apportions the variance.</p>\n",
    );
    h.push_str("<h2>Which estimates matter</h2>\n<ul>\n");
    for me in &r.per_metric {
        let e = &me.effects;
        let mut order: Vec<usize> = (0..names.len() - 1).collect();
        order.sort_by(|&a, &b| e.mu_star[b].value.total_cmp(&e.mu_star[a].value));
        let unit = super::column(me);
        let top: Vec<String> = order
            .iter()
            .filter(|&&g| me.above_dummy[g])
            .take(3)
            .map(|&g| {
                format!(
                    "<b>{}</b> (μ* {}, σ {})",
                    esc(&names[g]),
                    unit.value(e.mu_star[g].value),
                    unit.value(e.sigma[g])
                )
            })
            .collect();
        let noise = unit.value(e.mu_star[names.len() - 1].value);
        // The two largest effects within noise of each other: the design cannot rank them.
        let tied = match order.as_slice() {
            [a, b, ..] if me.above_dummy[*a] && e.mu_star[*a].low <= e.mu_star[*b].high => format!(
                " <b>{}</b> and <b>{}</b> are within noise of each other (their μ* intervals \
                 overlap): this screening cannot tell which matters more.",
                esc(&names[*a]),
                esc(&names[*b])
            ),
            _ => String::new(),
        };
        let _ = if top.is_empty() {
            writeln!(
                h,
                "<li>{}: no parameter stands out from the noise floor (μ* of the dummy {noise}); \
                 run more paths per point.</li>",
                esc(me.metric.label())
            )
        } else {
            writeln!(
                h,
                "<li>{}: {} matter most; the noise floor (the dummy's μ*) is {noise}.{tied}</li>",
                esc(me.metric.label()),
                top.join(", ")
            )
        };
    }
    h.push_str("</ul>\n");
    for (k, me) in r.per_metric.iter().enumerate() {
        let e = &me.effects;
        let unit = super::column(me);
        let _ = writeln!(h, "<h2>{}</h2>", esc(me.metric.label()));
        if let Some(c) = charts.get(k) {
            figure(&mut h, c);
        }
        let _ = writeln!(
            h,
            "<div class=\"scroll\"><table id=\"morris-{}\">\n<thead><tr><th class=\"l\">\
             Parameter</th><th>μ*</th><th>μ* interval</th><th>μ</th><th>σ</th>\
             <th class=\"l\">Above noise</th></tr></thead>\n<tbody>",
            me.metric.name()
        );
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by(|&a, &b| e.mu_star[b].value.total_cmp(&e.mu_star[a].value));
        for g in order {
            let above = if names[g] == DUMMY && g == names.len() - 1 {
                "(noise floor)"
            } else if me.above_dummy[g] {
                "yes"
            } else {
                "≈ noise"
            };
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td>{}</td><td>{} – {}</td><td>{}</td><td>{}</td>\
                 <td class=\"l\">{above}</td></tr>",
                esc(&names[g]),
                unit.value(e.mu_star[g].value),
                unit.value(e.mu_star[g].low),
                unit.value(e.mu_star[g].high),
                unit.value(e.mu[g]),
                unit.value(e.sigma[g]),
            );
        }
        h.push_str("</tbody>\n</table></div>\n");
        if me.metric.at_par(spec.state.settlement) {
            let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(PAR_NOTE));
        }
    }
    scenario_block(&mut h, "Base scenario", base);
    footer(
        &mut h,
        "<code>morris.csv</code>, <code>design.csv</code>, <code>points.csv</code>, \
         <code>problem.json</code>",
    );
    h
}
