//! The report page of a comparison: the variants and where they come from, the chart of the
//! differences, a table of paired differences per variant and every resolved scenario.

use std::fmt::Write as _;

use super::{Compare, CompareResults};
use crate::charts::PAR_NOTE;
use crate::charts::study::StudyChart;
use crate::format::pct;
use crate::metrics::{Direction, Scalar};
use crate::output;
use crate::report::escape as esc;
use crate::study::report::{crn_note, figure, footer, head, meta, metric_cell, settings};
use crate::units::Column;

fn direction_words(m: Scalar) -> &'static str {
    match m.direction() {
        Some(Direction::HigherWorse) => "↑",
        Some(Direction::HigherBetter) => "↓",
        None => "–",
    }
}

/// The report of a comparison.
pub(super) fn html(c: &Compare, r: &CompareResults, charts: &[StudyChart]) -> String {
    let base = c.reference();
    let variants = c.variants();
    let reference = &variants[0].name;
    let others: Vec<&str> = variants[1..].iter().map(|v| v.name.as_str()).collect();
    let mut h = String::with_capacity(96 * 1024);
    head(
        &mut h,
        &format!("{} compared with {reference}", others.join(", ")),
        "policy comparison",
        &base.spec().meta.description,
    );
    meta(
        &mut h,
        base,
        variants.len(),
        r,
        &[("Reference (A)", esc(reference))],
        c.nesting().is_some(),
    );
    crn_note(&mut h, base);
    if let Some(n) = c.nesting() {
        let _ = writeln!(
            h,
            "<p class=\"note\">With parameter uncertainty: {} draws of the uncertain parameters \
             ({}), each run by every variant on the same {} paths under the draw's own seed. \
             The mean difference is over every path; its standard error and interval come from \
             the draws' mean differences, since a draw's paths share its parameters. \
             P(better | draw) is the share of draws whose mean difference is better (ties count \
             one half); the parameter share is how much of one path's difference variance lies \
             between draws (parameter uncertainty) rather than within them (Monte Carlo noise), \
             by a one-way random-effects decomposition clipped at 0. <code>draws.csv</code> has \
             every draw's values and means.</p>",
            n.draws,
            esc(&base
                .uncertain()
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")),
            n.paths_per_draw
        );
    }
    for n in c.notes() {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(n));
    }
    h.push_str(
        "<h2>Variants</h2>\n<table id=\"variants\">\n<thead><tr><th class=\"l\">Variant</th>\
         <th class=\"l\">From</th><th class=\"l\">Settings</th></tr></thead>\n<tbody>\n",
    );
    for (v, source) in variants.iter().zip(c.sources()) {
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>",
            esc(&v.name),
            esc(source),
            if v.settings.is_empty() {
                "as in the file".to_string()
            } else {
                settings(v)
            }
        );
    }
    h.push_str("</tbody>\n</table>\n<h2>Differences</h2>\n");
    for ch in charts {
        figure(&mut h, ch);
    }
    for (k, v) in variants.iter().enumerate().skip(1) {
        let _ = write!(
            h,
            "<h2>{b} − {a}</h2>\n<p>For every outcome: the means of {a} and {b} over paths, the mean \
             of the paired differences {b} − {a} on the same paths with its standard error and 95% \
             confidence interval, the standard error the same comparison would have with \
             independent draws, and how many times smaller the paired one is (its square is how \
             many times more paths independent runs would need). P(worse) is the share of paths \
             on which {b} is worse than {a}, P(better) the share on which it is better; the rest are \
             ties (e.g. no cost to the state in either).</p>\n\
             <div class=\"wide\"><table id=\"compare-{}\">\n<thead><tr><th class=\"l\">Outcome</th>\
             <th>Worse if</th><th>{a}</th><th>{b}</th><th>{b} − {a}<br><span class=\"dim\">95% \
             CI</span></th><th>SE paired</th><th>SE indep.</th><th>Ratio</th><th>P(worse)</th>\
             <th>P(better)</th>{}</tr></thead>\n<tbody>\n",
            k,
            if r.draws.is_some() {
                "<th>P(better | draw)</th><th>Param. share</th>"
            } else {
                ""
            },
            a = esc(reference),
            b = esc(&v.name)
        );
        for m in Scalar::ALL {
            let unit = m.unit();
            let (a_mean, b_mean) = (
                r.stats(0, *m).map(|s| s.mean),
                r.stats(k, *m).map(|s| s.mean),
            );
            // The two means, and the difference with its interval, each as many digits as
            // tell them apart.
            let means: Vec<f64> = [a_mean, b_mean].into_iter().flatten().collect();
            let means = Column::of(unit, &means);
            let show = |x: Option<f64>| x.map_or("–".to_string(), |x| means.value(x));
            let se = |x: Option<f64>| x.map_or("–".to_string(), |x| unit.change_error(x));
            let p = r.paired(k, *m);
            let diff = match p {
                None => "–".to_string(),
                Some(p) => match p.ci {
                    Some((lo, hi)) => {
                        let diffs = Column::of(unit, &[lo, p.diff, hi]);
                        format!(
                            "{}<br><span class=\"dim\">{} to {}</span>",
                            diffs.change(p.diff),
                            diffs.change(lo),
                            diffs.change(hi)
                        )
                    }
                    None => Column::of(unit, &[p.diff]).change(p.diff),
                },
            };
            let _ = writeln!(
                h,
                "<tr><td class=\"l n\">{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td>{diff}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}</tr>",
                metric_cell(*m, c.settlement()),
                direction_words(*m),
                show(a_mean),
                show(b_mean),
                se(p.and_then(|p| p.se)),
                se(p.and_then(|p| p.se_independent)),
                p.and_then(|p| p.se_ratio())
                    .map_or("–".to_string(), |x| format!("{x:.1}×")),
                p.and_then(|p| p.p_worse)
                    .map_or("–".to_string(), |x| pct(x, 1)),
                p.and_then(|p| p.p_better)
                    .map_or("–".to_string(), |x| pct(x, 1)),
                match (r.draws.is_some(), r.draw_stats(k, *m)) {
                    (false, _) => String::new(),
                    (true, d) => format!(
                        "<td>{}</td><td>{}</td>",
                        d.and_then(|d| d.p_better)
                            .map_or("–".to_string(), |x| pct(x, 1)),
                        d.and_then(|d| d.param_share)
                            .map_or("–".to_string(), |x| pct(x, 0)),
                    ),
                },
            );
        }
        h.push_str("</tbody>\n</table></div>\n");
    }
    let _ = writeln!(
        h,
        "<p class=\"note\">† {} “Worse if”: ↑ when a higher value is worse, ↓ when a lower \
         one is, for a policy maker who wants the lender to reach entrepreneurs at little risk and \
         cost to the state; “–” where more is neither better nor worse in itself (volumes, the \
         follow-up mix a policy sets on purpose).</p>",
        esc(PAR_NOTE)
    );
    if let Some(voi) = &r.voi {
        super::voi_page::section(&mut h, voi);
    }
    h.push_str("<h2>Resolved scenarios</h2>\n");
    for v in variants {
        let _ = writeln!(
            h,
            "<details><summary>{} (<code>variants/{}.toml</code>)</summary><pre>{}</pre></details>",
            esc(&v.name),
            esc(&v.name),
            esc(&output::scenario_toml(&v.scenario))
        );
    }
    footer(
        &mut h,
        if r.voi.is_some() {
            "<code>compare.csv</code>, <code>draws.csv</code> and <code>voi.csv</code>"
        } else if r.draws.is_some() {
            "<code>compare.csv</code> and <code>draws.csv</code>"
        } else {
            "<code>compare.csv</code>"
        },
    );
    h
}
