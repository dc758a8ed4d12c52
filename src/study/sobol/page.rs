//! The report page of a Sobol' study: the uncertain parameters, what drives each outcome said
//! in words (the largest total indices, interactions, how much is noise), a chart and a table
//! of the indices per metric, and the resolved scenario.

use std::fmt::Write as _;

use super::{MetricIndices, Sobol, SobolResults};
use crate::charts::PAR_NOTE;
use crate::charts::study::StudyChart;
use crate::format::count;
use crate::report::escape as esc;
use crate::study::problem::DUMMY;
use crate::study::report::{design_meta, figure, footer, head, metric_cell, scenario_block};

/// What the indices of one metric say, in words.
fn reading(s: &Sobol, mi: &MetricIndices) -> String {
    let names = s.problem().group_names();
    let column = super::column(mi);
    let pct = |x: f64| column.value(x);
    let ix = &mi.indices;
    let dummy = names.len() - 1;
    if ix.constant {
        return format!(
            "{} is the same at every point of the design: none of the uncertain parameters moves \
             it.",
            esc(mi.metric.label())
        );
    }
    let mut order: Vec<usize> = (0..dummy).collect();
    order.sort_by(|&a, &b| ix.total[b].value.total_cmp(&ix.total[a].value));
    let drivers: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&g| mi.st_above_dummy[g])
        .collect();
    let mut text = String::new();
    if drivers.is_empty() {
        let _ = write!(
            text,
            "No parameter's total index stands out from the noise floor for {}: with these \
             paths per point the design cannot tell the parameters' effects from Monte Carlo \
             noise. Run more paths per point.",
            esc(mi.metric.label())
        );
    } else {
        let named: Vec<String> = drivers
            .iter()
            .take(3)
            .map(|&g| {
                format!(
                    "<b>{}</b> (ST {}, S1 {})",
                    esc(&names[g]),
                    pct(ix.total[g].value),
                    pct(ix.first[g].value)
                )
            })
            .collect();
        let _ = write!(
            text,
            "{} is driven most by {}.",
            esc(mi.metric.label()),
            named.join(", ")
        );
        // The largest two within noise of each other: the design cannot rank them.
        if let [a, b, ..] = order.as_slice() {
            if mi.st_above_dummy[*a] && ix.total[*a].low <= ix.total[*b].high {
                let _ = write!(
                    text,
                    " <b>{}</b> and <b>{}</b> are within noise of each other (their total \
                     indices' intervals overlap): this design cannot tell which matters more.",
                    esc(&names[*a]),
                    esc(&names[*b])
                );
            }
        }
        let sum_s1: f64 = (0..dummy).map(|g| ix.first[g].value).sum();
        let _ = write!(
            text,
            " The first-order indices add up to {}: {}",
            pct(sum_s1),
            if sum_s1 > 1.0 {
                "more than the whole variance. The excess is estimation noise (the estimators \
                 are unbiased only as the base sample grows), so this design cannot say whether \
                 the parameters act alone or together; run more base samples."
            } else if sum_s1 > 0.85 {
                "the parameters act mostly alone, and fixing the top one at its true value \
                 would remove about its S1 of the variance."
            } else {
                "a good part of the variance comes from parameters acting together (the gap \
                 between ST and S1 of each shows where)."
            }
        );
        let quiet: Vec<&str> = order
            .iter()
            .filter(|&&g| !mi.st_above_dummy[g])
            .map(|&g| names[g].as_str())
            .collect();
        if !quiet.is_empty() {
            let _ = write!(
                text,
                " Not distinguishable from noise: {} — for this outcome these may be fixed at \
                 any plausible value.",
                esc(&quiet.join(", "))
            );
        }
    }
    let _ = write!(
        text,
        " The dummy's total index is {} [{}, {}]: that share of the variance over the design \
         is the Monte Carlo noise of {} paths per point.",
        pct(ix.total[dummy].value),
        pct(ix.total[dummy].low),
        pct(ix.total[dummy].high),
        count(s.settings().paths_per_point as f64)
    );
    text
}

/// The report of a Sobol' study.
pub(super) fn html(s: &Sobol, r: &SobolResults, charts: &[StudyChart]) -> String {
    let base = s.problem().base();
    let spec = base.spec();
    let settings = s.settings();
    let mut h = String::with_capacity(128 * 1024);
    head(
        &mut h,
        &format!("{}: what drives the outcomes", base.name()),
        "Sobol' sensitivity study",
        &spec.meta.description,
    );
    design_meta(
        &mut h,
        base,
        &format!(
            "Saltelli, {} base samples, {} groups (the dummy included){}",
            count(settings.samples as f64),
            s.design().groups().count(),
            if settings.second_order {
                ", with second order"
            } else {
                ""
            }
        ),
        (s.design().len(), settings.paths_per_point),
        &r.run,
        (settings.bootstrap, settings.confidence),
    );
    h.push_str(
        "<p class=\"note\">How to read this: the first-order index S1 of a parameter is the \
         share of the outcome's variance it causes alone — what would go if its true value were \
         known; the total index ST adds every interaction it takes part in — a parameter with \
         ST near 0 can be fixed anywhere in its range. The outcome of a point is the mean over \
         its paths, so the indices are about the <i>expected</i> outcome, not one path's luck. \
         Every point runs the same path indices (common random numbers); the parameter \
         <code>dummy</code> drives no key, and points that take it from the second sample run \
         their paths under another seed, so its indices measure the Monte Carlo noise: an index \
         whose interval does not lie above the dummy's is marked ≈ noise.</p>\n",
    );
    h.push_str(
        "<h2>Uncertain parameters</h2>\n<table id=\"parameters\">\n<thead><tr><th class=\"l\">\
         Parameter</th><th class=\"l\">Group</th><th class=\"l\">Drives</th><th class=\"l\">\
         Distribution</th></tr></thead>\n<tbody>\n",
    );
    for p in s.problem().params() {
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l wrap\">{} \
             <code>{}</code></td><td class=\"l wrap\">{}</td></tr>",
            esc(&p.name),
            esc(p.group_name()),
            p.how.name(),
            esc(&p.keys.join(", ")),
            esc(&p.distribution.describe())
        );
    }
    let _ = writeln!(
        h,
        "<tr><td class=\"l\">{DUMMY}</td><td class=\"l\">{DUMMY}</td><td class=\"l wrap\">no \
         key (the noise floor)</td><td class=\"l wrap\">–</td></tr>\n</tbody>\n</table>"
    );
    h.push_str("<h2>What drives what</h2>\n<ul>\n");
    for mi in &r.per_metric {
        let _ = writeln!(h, "<li>{}</li>", reading(s, mi));
    }
    h.push_str("</ul>\n");
    let names = s.problem().group_names();
    for (k, mi) in r.per_metric.iter().enumerate() {
        let _ = writeln!(
            h,
            "<h2>{}</h2>\n<p>Mean over the design: {}; standard deviation of the point means: {}.</p>",
            esc(mi.metric.label()),
            mi.metric.unit().value(mi.mean),
            mi.metric.unit().value(mi.indices.variance.sqrt())
        );
        if let Some(c) = charts.get(k) {
            figure(&mut h, c);
        }
        let _ = writeln!(
            h,
            "<div class=\"scroll\"><table id=\"sobol-{}\">\n<thead><tr><th class=\"l\">\
             Parameter</th><th>S1</th><th>S1 interval</th><th>ST</th><th>ST interval</th>\
             <th class=\"l\">Above noise</th></tr></thead>\n<tbody>",
            mi.metric.name()
        );
        let ix = &mi.indices;
        let column = super::column(mi);
        let pct = |x: f64| column.value(x);
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by(|&a, &b| ix.total[b].value.total_cmp(&ix.total[a].value));
        for g in order {
            let above = if g == names.len() - 1 {
                "(noise floor)".to_string()
            } else {
                match (mi.s1_above_dummy[g], mi.st_above_dummy[g]) {
                    (true, true) => "S1 and ST".into(),
                    (false, true) => "ST only".into(),
                    (true, false) => "S1 only".into(),
                    (false, false) => "≈ noise".into(),
                }
            };
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td>{}</td><td>{} – {}</td><td>{}</td><td>{} – {}</td>\
                 <td class=\"l\">{}</td></tr>",
                esc(&names[g]),
                pct(ix.first[g].value),
                pct(ix.first[g].low),
                pct(ix.first[g].high),
                pct(ix.total[g].value),
                pct(ix.total[g].low),
                pct(ix.total[g].high),
                above
            );
        }
        h.push_str("</tbody>\n</table></div>\n");
        if !ix.second.is_empty() {
            h.push_str(
                "<details><summary>Second-order indices</summary><table>\n<thead><tr>\
                 <th class=\"l\">Pair</th><th>S2</th><th>Interval</th></tr></thead>\n<tbody>\n",
            );
            for s2 in &ix.second {
                let _ = writeln!(
                    h,
                    "<tr><td class=\"l\">{} × {}</td><td>{}</td><td>{} – {}</td></tr>",
                    esc(&names[s2.i]),
                    esc(&names[s2.j]),
                    pct(s2.estimate.value),
                    pct(s2.estimate.low),
                    pct(s2.estimate.high)
                );
            }
            h.push_str("</tbody>\n</table></details>\n");
        }
        if mi.metric.at_par(spec.state.settlement) {
            let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(PAR_NOTE));
        }
        let _ = writeln!(
            h,
            "<p class=\"dim\">Metric: {}</p>",
            metric_cell(mi.metric, spec.state.settlement)
        );
    }
    scenario_block(&mut h, "Base scenario", base);
    footer(
        &mut h,
        "<code>sobol.csv</code>, <code>design.csv</code>, <code>points.csv</code>, \
         <code>problem.json</code>",
    );
    h
}
