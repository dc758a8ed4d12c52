//! The value-of-information section of a comparison's report (`--voi`): in words which
//! estimate is worth measuring first and what the decision could gain, then the variants'
//! expected net benefits and the table of `voi.csv` with the EVPI.

use std::fmt::Write as _;

use crate::format::pct;
use crate::report::escape as esc;
use crate::study::voi::{BIAS, Estimate, Voi};

/// Append the section to the report `h`.
pub(super) fn section(h: &mut String, voi: &Voi) {
    let a = &voi.analysis;
    let _ = writeln!(
        h,
        "<h2>Value of information</h2>\n<p>{}</p>",
        esc(&voi.verdict())
    );
    let _ = writeln!(
        h,
        "<p class=\"note\">The decision picks the variant with the highest expected net benefit \
         over the draws, where a draw's net benefit is {}. The expected value of perfect \
         information (EVPI) is what the decision would gain on average, per decision, if every \
         uncertain parameter were known before it is made; the EVPPI of a parameter or group is \
         what knowing that one alone would gain. Both are in the outcome's own unit. They come \
         from the regression method of Strong, Oakley &amp; Brennan (2014): each variant's net \
         benefit less the reference's, regressed on the parameter (a cubic spline) or the group \
         (an additive model) over the {} draws. The direct EVPI takes each draw's means as if \
         they were exact and counts their Monte Carlo noise as information, so it is larger on \
         average. A regression needs ten draws per coefficient: a row marked “too few draws” \
         needs more. {} Intervals: 2.5% to 97.5% of {} bootstrap resamples of the draws.</p>",
        esc(&voi.outcome.describe()),
        a.draws,
        esc(BIAS),
        a.resamples
    );
    h.push_str(
        "<table id=\"voi-decision\">\n<thead><tr><th class=\"l\">Variant</th><th>Expected net \
         benefit</th><th>Best on draws</th></tr></thead>\n<tbody>\n",
    );
    for (v, name) in voi.variants.iter().enumerate() {
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}{}</td><td>{}</td><td>{}</td></tr>",
            esc(name),
            if v == a.chosen { " (chosen)" } else { "" },
            esc(&voi.amount(a.expected[v])),
            pct(a.p_best[v], 0)
        );
    }
    h.push_str("</tbody>\n</table>\n");
    h.push_str(
        "<table id=\"voi\">\n<thead><tr><th class=\"l\">Known before deciding</th><th>Value \
         per decision</th><th>95% interval</th><th>Share of the EVPI</th></tr></thead>\n\
         <tbody>\n",
    );
    // Shares of the regression's EVPI, or of the direct one when the draws are too few for
    // the regression on every parameter.
    let total = a.evpi.unwrap_or(a.evpi_direct).value;
    let row = |h: &mut String, label: &str, e: Option<Estimate>| {
        let Some(e) = e else {
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td>–</td><td>too few draws</td><td>–</td></tr>",
                esc(label)
            );
            return;
        };
        let share = if total > 0.0 {
            pct(e.value / total, 0)
        } else {
            "–".to_string()
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{} to {}</td><td>{share}</td></tr>",
            esc(label),
            esc(&voi.amount(e.value)),
            esc(&voi.amount(e.low)),
            esc(&voi.amount(e.high)),
        );
    };
    for r in &a.rows {
        let label = if r.members.len() > 1 {
            format!("{} (group: {})", r.name, r.members.join(", "))
        } else {
            r.name.clone()
        };
        row(h, &label, r.evppi);
    }
    row(h, "every parameter: EVPI (regression)", a.evpi);
    row(
        h,
        "every parameter: EVPI direct from the draws' means (biased up by their noise)",
        Some(a.evpi_direct),
    );
    h.push_str("</tbody>\n</table>\n");
}
