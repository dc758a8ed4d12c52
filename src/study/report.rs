//! `report.html` of a study: one self-contained page in the style of a run's report (no
//! scripts, no external assets, every chart inline as SVG): what was varied, how the variants
//! share their paths, the charts, the tables of results and the resolved base scenario.

use std::fmt::Write as _;

use super::compare::{Compare, CompareResults};
use super::params::{SweepParam, show_value};
use super::sweep::{Sweep, SweepPoint, SweepResults};
use super::tornado::{Source, Tornado, TornadoResults};
use super::{StudyRun, Variant};
use crate::charts::PAR_NOTE;
use crate::charts::study::StudyChart;
use crate::format::{count, pct};
use crate::metrics::{Direction, Scalar};
use crate::output;
use crate::report::{STYLE, escape as esc};
use crate::scenario::{Scenario, key_label, key_unit};

/// Rows of a sweep's table shown in the report; the CSV has them all.
const MAX_TABLE_ROWS: usize = 400;
/// Metrics per table of a sweep, so that a table fits the page's width.
const SWEEP_TABLE_METRICS: usize = 4;

fn head(h: &mut String, title: &str, kicker: &str, description: &str) {
    let title = esc(title);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} — microfolio</title>\n<style>{STYLE}\
         details{{margin:.4em 0}}summary{{cursor:pointer;color:#0072B2}}\
         td.l,th.l{{text-align:left}}.dim{{color:#666;font-size:.88em}}\
         td.wrap{{white-space:normal;min-width:12em;font-size:.9em}}\
         td.n{{white-space:normal;min-width:8em}}</style>\n</head>\n<body>\n\
         <p class=\"kicker\">microfolio · {}</p>\n<h1>{title}</h1>\n",
        esc(kicker)
    );
    if !description.trim().is_empty() {
        let _ = writeln!(h, "<p class=\"lead\">{}</p>", esc(description.trim()));
    }
}

/// The facts of the run: what was run, how, when.
fn meta(
    h: &mut String,
    base: &Scenario,
    variants: usize,
    run: &StudyRun,
    extra: &[(&str, String)],
) {
    let spec = base.spec();
    h.push_str("<dl class=\"meta\">");
    for (k, v) in extra {
        let _ = write!(h, "<dt>{}</dt><dd>{}</dd>", esc(k), v);
    }
    let _ = write!(
        h,
        "<dt>Variants</dt><dd>{}</dd>\
         <dt>Paths per variant</dt><dd>{}</dd>\
         <dt>Seed</dt><dd>{}</dd>\
         <dt>Horizon</dt><dd>{} years, {}–{}</dd>\
         <dt>Run</dt><dd>{} on {} threads, {:.1} s ({:.1}M loans/s); started {}</dd>\
         <dt>Engine</dt><dd>microfolio {}</dd>",
        count(variants as f64),
        count(spec.simulation.paths as f64),
        spec.simulation.seed,
        spec.simulation.horizon_years,
        spec.meta.start_year,
        spec.meta.start_year + spec.simulation.horizon_years - 1,
        count((variants as u64 * spec.simulation.paths as u64) as f64) + " paths",
        run.threads,
        run.wall_seconds,
        run.loans_simulated as f64 / run.wall_seconds.max(1e-9) / 1e6,
        esc(&output::iso_utc(run.started)),
        env!("CARGO_PKG_VERSION"),
    );
    if !base.overridden_keys().is_empty() {
        let _ = write!(
            h,
            "<dt>Set on the command line</dt><dd>{}</dd>",
            esc(&base.overridden_keys().join(", "))
        );
    }
    h.push_str("</dl>\n");
}

fn crn_note(h: &mut String, base: &Scenario) {
    let sim = &base.spec().simulation;
    let _ = writeln!(
        h,
        "<p class=\"note\">Common random numbers: every variant runs the same {} with seed \
         {}, so path <i>i</i> of each variant meets the same borrowers with the same luck, and the \
         differences between variants come from their parameters, not from the draws.</p>",
        super::paths_text(sim.paths as u64),
        sim.seed
    );
}

fn figure(h: &mut String, c: &StudyChart) {
    let _ = write!(
        h,
        "<figure id=\"{}\">\n{}\n<figcaption>{} <span style=\"color:#666\">(charts/{}.svg, .png)</span></figcaption>\n</figure>\n",
        esc(&c.file),
        c.svg.trim(),
        esc(&c.caption),
        esc(&c.file)
    );
}

fn scenario_block(h: &mut String, title: &str, scenario: &Scenario) {
    let _ = write!(
        h,
        "<h2>{}</h2>\n<p>Every key of the scenario the variants are made from, with defaults and \
         overrides applied, as in <code>scenario.toml</code>.</p>\n<pre>{}</pre>\n",
        esc(title),
        esc(&output::scenario_toml(scenario))
    );
}

fn footer(h: &mut String, files: &str) {
    let _ = write!(
        h,
        "<footer>Written by microfolio {}. The data are in {files} and <code>summary.json</code>; \
         the charts are also in <code>charts/</code> as SVG and PNG.</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
}

/// `mean ± half-width of the 95% interval`.
fn mean_pm(metric: Scalar, mean: f64, se: Option<f64>) -> String {
    let unit = metric.unit();
    match se {
        Some(se) if se > 0.0 => format!(
            "{} <span class=\"dim\">± {}</span>",
            unit.value(mean),
            unit.error(1.96 * se)
        ),
        _ => unit.value(mean),
    }
}

/// A scenario key's label, with the key itself as typed beneath it; in a cell of class
/// `l n`, which may wrap.
fn key_cell(key: &str) -> String {
    format!(
        "{}<br><span class=\"dim\"><code>{}</code></span>",
        esc(&key_label(key)),
        esc(key)
    )
}

/// A metric's label, its dagger if it values the book at par, and its name beneath it; in a
/// cell of class `l n`, which may wrap.
fn metric_cell(m: Scalar) -> String {
    format!(
        "{}{}<br><span class=\"dim\"><code>{}</code></span>",
        esc(m.label()),
        if m.at_par() { " †" } else { "" },
        m.name()
    )
}

fn settings(v: &Variant) -> String {
    v.settings
        .iter()
        .map(|(k, x)| format!("<code>{}</code> = {}", esc(k), esc(x)))
        .collect::<Vec<_>>()
        .join(", ")
}

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
        for point in points.iter().take(MAX_TABLE_ROWS) {
            h.push_str("<tr>");
            for (p, v) in params.iter().zip(&point.values) {
                let _ = write!(
                    h,
                    "<td class=\"l\">{}</td>",
                    esc(&key_unit(&p.key).value(*v))
                );
            }
            for (k, m) in chunk.iter().enumerate() {
                let (st, change) = (&point.stats[offset + k], &point.change[offset + k]);
                let unit = m.unit();
                let mut cell = st.map_or("–".to_string(), |st| mean_pm(*m, st.mean, st.se));
                if let Some(c) = change {
                    let _ = write!(cell, "<br><span class=\"dim\">Δ {}", unit.change(c.diff));
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
pub(super) fn sweep(s: &Sweep, r: &SweepResults, charts: &[StudyChart]) -> String {
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
    meta(&mut h, base, s.variants().len(), &r.run, &extra);
    crn_note(&mut h, base);
    h.push_str("<h2>Charts</h2>\n");
    for c in charts {
        figure(&mut h, c);
    }
    if let Some(note) = crate::charts::par_note_for(s.metrics()) {
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

fn direction_words(m: Scalar) -> &'static str {
    match m.direction() {
        Some(Direction::HigherWorse) => "↑",
        Some(Direction::HigherBetter) => "↓",
        None => "–",
    }
}

/// The report of a comparison.
pub(super) fn compare(c: &Compare, r: &CompareResults, charts: &[StudyChart]) -> String {
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
        &r.run,
        &[("Reference (A)", esc(reference))],
    );
    crn_note(&mut h, base);
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
             <th>P(better)</th></tr></thead>\n<tbody>\n",
            k,
            a = esc(reference),
            b = esc(&v.name)
        );
        for m in Scalar::ALL {
            let unit = m.unit();
            let show = |x: Option<f64>| x.map_or("–".to_string(), |x| unit.value(x));
            let se = |x: Option<f64>| x.map_or("–".to_string(), |x| unit.change_error(x));
            let p = r.paired(k, *m);
            let diff = match p {
                None => "–".to_string(),
                Some(p) => match p.ci {
                    Some((lo, hi)) => format!(
                        "{}<br><span class=\"dim\">{} to {}</span>",
                        unit.change(p.diff),
                        unit.change(lo),
                        unit.change(hi)
                    ),
                    None => unit.change(p.diff),
                },
            };
            let _ = writeln!(
                h,
                "<tr><td class=\"l n\">{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td>{diff}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                metric_cell(*m),
                direction_words(*m),
                show(r.stats(0, *m).map(|s| s.mean)),
                show(r.stats(k, *m).map(|s| s.mean)),
                se(p.and_then(|p| p.se)),
                se(p.and_then(|p| p.se_independent)),
                p.and_then(|p| p.se_ratio())
                    .map_or("–".to_string(), |x| format!("{x:.1}×")),
                p.and_then(|p| p.p_worse)
                    .map_or("–".to_string(), |x| pct(x, 1)),
                p.and_then(|p| p.p_better)
                    .map_or("–".to_string(), |x| pct(x, 1)),
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
    footer(&mut h, "<code>compare.csv</code>");
    h
}

/// The report of a tornado.
pub(super) fn tornado(t: &Tornado, r: &TornadoResults, charts: &[StudyChart]) -> String {
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
        &r.run,
        &[
            ("Scenario", esc(base.name())),
            (
                "Parameters",
                format!("{} from {}", t.params().len(), esc(&source)),
            ),
        ],
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
        let _ = write!(
            h,
            "<h2>Swings of {label}</h2>\n<p>Baseline mean {}. Each parameter alone at \
             its low and high value; the change is the mean paired difference from the baseline \
             with its 95% confidence interval.</p>\n<div class=\"wide\"><table id=\"tornado-{name}\">\n\
             <thead><tr><th>Rank</th><th class=\"l\">Parameter</th><th>Scenario</th><th>Low</th>\
             <th>High</th><th>Mean at low<br><span class=\"dim\">change ± 95% CI</span></th>\
             <th>Mean at high<br><span class=\"dim\">change ± 95% CI</span></th><th>Swing</th>\
             <th class=\"l\">Note</th></tr></thead>\n<tbody>\n",
            unit.value(b.mean)
        );
        for (rank, bar) in r.bars[k].iter().enumerate() {
            let p = &t.params()[bar.param];
            let ps = key_unit(&p.key).whole(p.whole);
            let setting = |v: Option<f64>| v.map_or("–".to_string(), |v| ps.value(v));
            let at = |s: Option<super::tornado::Side>| {
                s.map_or("–".to_string(), |s| {
                    let change = match s.paired.ci {
                        Some((lo, hi)) => format!(
                            "{} ± {}",
                            unit.change(s.paired.diff),
                            unit.change_error((hi - lo) / 2.0)
                        ),
                        None => unit.change(s.paired.diff),
                    };
                    format!(
                        "{}<br><span class=\"dim\">{change}</span>",
                        unit.value(s.mean)
                    )
                })
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"l n\">{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td><td>{}</td><td>{}</td><td class=\"l wrap\">{}</td></tr>",
                rank + 1,
                key_cell(&p.key),
                ps.value(p.value),
                setting(p.low),
                setting(p.high),
                at(bar.low),
                at(bar.high),
                unit.value(bar.swing),
                esc(&p.notes.join("; ")),
            );
        }
        h.push_str("</tbody>\n</table></div>\n");
        if m.at_par() {
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
             simulation, initial book, origination, costs) are not moved; list any numeric key in \
             the scenario's <code>[sensitivity]</code> section to move it.</p>\n",
        );
    }
    scenario_block(&mut h, "Base scenario", base);
    footer(&mut h, "<code>tornado.csv</code>");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::paired::Paired;
    use crate::study::sweep::MetricStats;

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
        assert!(h.contains("0.53 <span"), "{h}");
        assert!(h.contains("Δ +11.0 pp ± 2.48 pp"), "{h}");
    }
}
