//! The report page of a sweep: what was swept, the charts, the tables of means by value and
//! the base scenario.

use std::fmt::Write as _;

use super::{Sweep, SweepPoint, SweepResults};
use crate::charts::study::StudyChart;
use crate::format::count;
use crate::metrics::Scalar;
use crate::report::escape as esc;
use crate::scenario::{key_label, key_unit};
use crate::study::params::{SweepParam, show_value};
use crate::study::report::{crn_note, figure, footer, head, mean_pm, meta, scenario_block};
use crate::units::Column;

/// Rows of a sweep's table shown in the report; the CSV has them all.
const MAX_TABLE_ROWS: usize = 400;
/// Metrics per table of a sweep, so that a table fits the page's width.
const SWEEP_TABLE_METRICS: usize = 4;

/// The tables of a sweep's means: the swept values first, then up to
/// [`SWEEP_TABLE_METRICS`] metrics per table, so that no table is wider than the page.
fn sweep_tables(h: &mut String, params: &[SweepParam], metrics: &[Scalar], points: &[SweepPoint]) {
    for (t, chunk) in metrics.chunks(SWEEP_TABLE_METRICS).enumerate() {
        let offset = t * SWEEP_TABLE_METRICS;
        let id = if t == 0 {
            "sweep".to_string()
        } else {
            format!("sweep-{}", t + 1)
        };
        let _ = write!(h, "<div class=\"wide\"><table id=\"{id}\">\n<thead><tr>");
        for p in params {
            let _ = write!(
                h,
                "<th class=\"l\">{}</th>",
                esc(&key_unit(&p.key).label(&key_label(&p.key)))
            );
        }
        for m in chunk {
            let _ = write!(h, "<th>{}</th>", esc(&m.label_with_unit()));
        }
        h.push_str("</tr></thead>\n<tbody>\n");
        let shown = &points[..points.len().min(MAX_TABLE_ROWS)];
        // One precision per column: the swept values, each metric's means and changes.
        let value_columns: Vec<Column> = params
            .iter()
            .map(|p| Column::of(key_unit(&p.key), &p.values))
            .collect();
        let columns: Vec<(Column, Column)> = chunk
            .iter()
            .enumerate()
            .map(|(k, m)| {
                let means: Vec<f64> = shown
                    .iter()
                    .filter_map(|p| p.stats[offset + k].map(|s| s.mean))
                    .collect();
                let changes: Vec<f64> = shown
                    .iter()
                    .filter_map(|p| p.change[offset + k].map(|c| c.diff))
                    .collect();
                (Column::of(m.unit(), &means), Column::of(m.unit(), &changes))
            })
            .collect();
        for point in shown {
            h.push_str("<tr>");
            for (column, v) in value_columns.iter().zip(&point.values) {
                let _ = write!(h, "<td class=\"l\">{}</td>", esc(&column.value(*v)));
            }
            for (k, m) in chunk.iter().enumerate() {
                let (st, change) = (&point.stats[offset + k], &point.change[offset + k]);
                let unit = m.unit();
                let (means, changes) = &columns[k];
                let mut cell =
                    st.map_or("–".to_string(), |st| mean_pm(means, unit, st.mean, st.se));
                if let Some(c) = change {
                    let _ = write!(cell, "<br><span class=\"dim\">Δ {}", changes.change(c.diff));
                    if let Some((lo, hi)) = c.ci {
                        let _ = write!(cell, " ± {}", unit.change_error((hi - lo) / 2.0));
                    }
                    cell.push_str("</span>");
                }
                let _ = write!(h, "<td>{cell}</td>");
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody>\n</table></div>\n");
    }
}

/// The report of a sweep.
pub(super) fn html(s: &Sweep, r: &SweepResults, charts: &[StudyChart]) -> String {
    let base = s.base();
    let labels: Vec<String> = s.params().iter().map(|p| key_label(&p.key)).collect();
    let mut h =
        String::with_capacity(64 * 1024 + charts.iter().map(|c| c.svg.len()).sum::<usize>());
    head(
        &mut h,
        &format!("{}: sweep of {}", base.name(), labels.join(" × ")),
        "sensitivity sweep",
        &base.spec().meta.description,
    );
    let params: Vec<(&str, String)> = s
        .params()
        .iter()
        .map(|p| {
            let values: Vec<String> = p.values.iter().map(|v| show_value(*v)).collect();
            let shown = if values.len() > 12 {
                format!(
                    "{}, …, {} ({} values)",
                    values[..3].join(", "),
                    values[values.len() - 1],
                    values.len()
                )
            } else {
                values.join(", ")
            };
            (
                "Swept",
                format!("<code>{}</code> = {}", esc(&p.key), esc(&shown)),
            )
        })
        .collect();
    let mut extra = vec![("Scenario", esc(base.name()))];
    extra.extend(params);
    meta(
        &mut h,
        base,
        s.variants().len(),
        r,
        &extra,
        s.nesting().is_some(),
    );
    crn_note(&mut h, base);
    if let Some(n) = s.nesting() {
        let _ = writeln!(
            h,
            "<p class=\"note\">With parameter uncertainty: {} draws of the uncertain parameters, \
             each run by every variant on the same {} paths under the draw's own seed; a swept \
             key that a parameter draws keeps its swept value. Standard errors and intervals \
             come from the draws' means (a draw's paths share its parameters). \
             <code>sweep.csv</code> adds, against the first row, the share of draws on which a \
             variant is better (ties one half) and the share of the difference's variance that \
             is parameter uncertainty; <code>draws.csv</code> has every draw's means.</p>",
            n.draws, n.paths_per_draw
        );
        for note in crate::study::Study::notes(s) {
            let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(note));
        }
    }
    h.push_str("<h2>Charts</h2>\n");
    for c in charts {
        figure(&mut h, c);
    }
    if let Some(note) = crate::charts::par_note_for(s.metrics(), base.spec().state.settlement) {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(&note));
    }
    let first: Vec<String> = s
        .params()
        .iter()
        .map(|p| {
            format!(
                "{} = {}",
                key_label(&p.key),
                key_unit(&p.key).value(p.values[0])
            )
        })
        .collect();
    let _ = write!(
        h,
        "<h2>Means by value</h2>\n<p>First line: the mean over paths ± the half-width of its 95% \
         confidence interval (1.96 standard errors of that variant alone). Second line, Δ: the \
         change from the first row ({}) on the same paths ± the half-width of its paired 95% \
         interval, which common random numbers make far narrower than the two means' intervals \
         suggest. Quantiles p05, p50 and p95 are in <code>sweep.csv</code>.</p>\n",
        esc(&first.join(", "))
    );
    sweep_tables(&mut h, s.params(), s.metrics(), &r.points);
    if r.points.len() > MAX_TABLE_ROWS {
        let _ = writeln!(
            h,
            "<p class=\"note\">The first {MAX_TABLE_ROWS} of {} variants are shown; all are in \
             <code>sweep.csv</code>.</p>",
            count(r.points.len() as f64)
        );
    }
    scenario_block(&mut h, "Base scenario", base);
    footer(&mut h, "<code>sweep.csv</code>");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::MetricStats;
    use crate::study::paired::Paired;

    #[test]
    fn a_sweep_table_holds_a_few_metrics_with_labels_and_points() {
        let params: Vec<SweepParam> = vec!["followup.referral_share=0,0.5".parse().unwrap()];
        let metrics = [
            Scalar::DefaultRate,
            Scalar::CostToState,
            Scalar::MonthsLendingClosed,
            Scalar::Oss,
            Scalar::NetLoss,
            Scalar::JobsSupported,
        ];
        let stats = MetricStats {
            n: 100,
            mean: 0.53,
            se: Some(0.01),
            p05: 0.0,
            p50: 0.5,
            p95: 1.0,
        };
        let change = Paired::of(&[0.1, 0.2, 0.3], &[0.2, 0.32, 0.41], None);
        let points: Vec<SweepPoint> = [0.0, 0.5]
            .iter()
            .enumerate()
            .map(|(i, v)| SweepPoint {
                values: vec![*v],
                stats: vec![Some(stats); metrics.len()],
                change: vec![if i == 0 { None } else { change }; metrics.len()],
            })
            .collect();
        let mut h = String::new();
        sweep_tables(&mut h, &params, &metrics, &points);
        let tables: Vec<&str> = h.split("<table").skip(1).collect();
        assert_eq!(tables.len(), 2);
        for table in &tables {
            let header = &table[..table.find("</tr>").unwrap()];
            assert!(
                header.matches("</th>").count() <= 1 + SWEEP_TABLE_METRICS,
                "{header}"
            );
            assert!(header.contains("Referral share (%)"), "{header}");
        }
        assert!(h.contains("Default rate (%)") && h.contains("Lending closed (months)"));
        assert!(!h.contains("followup.referral_share") && !h.contains("default_rate"));
        // The swept value in its unit; a mean of months with its decimals; a change of a
        // percentage in points.
        assert!(h.contains("<td class=\"l\">50.0%</td>"), "{h}");
        assert!(h.contains("0.530 <span"), "{h}");
        assert!(h.contains("Δ +11.0 pp ± 2.48 pp"), "{h}");
    }
}
