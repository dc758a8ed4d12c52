//! The HTML kit of a study's `report.html`: one self-contained page in the style of a run's
//! report (no scripts, no external assets, every chart inline as SVG). Here are the pieces
//! every study's page is made of — the head, the facts of the run, the note on common random
//! numbers, a figure, the resolved scenario, the footer, and the cells of its tables; each
//! study assembles its own page from them (`sweep/page.rs`, `compare/page.rs`,
//! `tornado/page.rs`). The kit knows no study: adding one needs no edit here.

use std::fmt::Write as _;

use super::{StudyResults, Variant};
use crate::charts::study::StudyChart;
use crate::format::count;
use crate::metrics::Scalar;
use crate::output::{self, RunInfo};
use crate::report::{STYLE, escape as esc};
use crate::rqmc::SeMethod;
use crate::scenario::{Scenario, key_label};
use crate::units::{Column, Unit};

pub(super) fn head(h: &mut String, title: &str, kicker: &str, description: &str) {
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

/// The facts of the run: what was run, how, when (the study's `results`: how it ran and, under
/// tail sampling, its effective sample size). `drawn`: the study nests its paths in draws of
/// the uncertain parameters.
pub(super) fn meta(
    h: &mut String,
    base: &Scenario,
    variants: usize,
    results: &dyn StudyResults,
    extra: &[(&str, String)],
    drawn: bool,
) {
    let run = results.run();
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
        run.loans_per_second() / 1e6,
        esc(&output::iso_utc(run.started)),
        env!("CARGO_PKG_VERSION"),
    );
    sampling_entry(h, base, drawn, results.effective_sample_size());
    if let Some(l) = base.lineage() {
        let _ = write!(
            h,
            "<dt>Extends</dt><dd>{}</dd>",
            crate::report::extends_line(l)
        );
    }
    if !base.overridden_keys().is_empty() {
        let _ = write!(
            h,
            "<dt>Set on the command line</dt><dd>{}</dd>",
            esc(&base.overridden_keys().join(", "))
        );
    }
    h.push_str("</dl>\n");
}

/// The facts of a study over a design of points: the design in words (`design`), its `points`
/// of `paths_per_point` paths each, the seed, horizon and run, the bootstrap intervals of
/// `bootstrap` resamples at `confidence`, and what the scenario extends.
pub(super) fn design_meta(
    h: &mut String,
    base: &Scenario,
    design: &str,
    (points, paths_per_point): (usize, u64),
    run: &RunInfo,
    (bootstrap, confidence): (usize, f64),
) {
    let spec = base.spec();
    let _ = write!(
        h,
        "<dl class=\"meta\"><dt>Design</dt><dd>{design}: {} points</dd>\
         <dt>Paths per point</dt><dd>{} (the same path indices at every point)</dd>\
         <dt>Seed</dt><dd>{}</dd><dt>Horizon</dt><dd>{} years, {}–{}</dd>\
         <dt>Run</dt><dd>{} paths on {} threads, {:.1} s ({:.1}M loans/s); started {}</dd>\
         <dt>Intervals</dt><dd>normal bootstrap (the estimate ± z × the sd of {} resamples, \
         SALib's <code>_conf</code>), {:.0}%</dd>\
         <dt>Engine</dt><dd>microfolio {}</dd>",
        count(points as f64),
        count(paths_per_point as f64),
        spec.simulation.seed,
        spec.simulation.horizon_years,
        spec.meta.start_year,
        spec.meta.start_year + spec.simulation.horizon_years - 1,
        count(points as f64 * paths_per_point as f64),
        run.threads,
        run.wall_seconds,
        run.loans_per_second() / 1e6,
        esc(&output::iso_utc(run.started)),
        bootstrap,
        confidence * 100.0,
        env!("CARGO_PKG_VERSION"),
    );
    // A design's points each weight their own paths: no one effective sample size.
    sampling_entry(h, base, false, None);
    if let Some(l) = base.lineage() {
        let _ = write!(
            h,
            "<dt>Extends</dt><dd>{}</dd>",
            crate::report::extends_line(l)
        );
    }
    h.push_str("</dl>\n");
}

/// The `Sampling` entry of the facts: which sampling made the numbers, and how their standard
/// errors are made (docs/model.md §12; `tail` has its own entry); with `drawn`
/// (paths nested in draws of the uncertain parameters) they are over the draws either way;
/// under tail `ess` is the effective sample size of the study's paths, if it has one.
pub(super) fn sampling_entry(h: &mut String, base: &Scenario, drawn: bool, ess: Option<f64>) {
    let text = match super::method_of(base) {
        SeMethod::Weighted => return tail_entry(h, base, ess),
        SeMethod::Randomisations(r) if drawn => format!(
            "randomised quasi-Monte Carlo on the credit cycle, {r} randomisations, each draw's \
             paths on the points of its own seed: the standard errors are over the draws, the \
             independent units, and the parameter share subtracts the draws' own \
             randomisations' noise"
        ),
        SeMethod::Randomisations(r) => format!(
            "randomised quasi-Monte Carlo on the credit cycle, {r} randomisations: every \
             standard error, of a mean or of a paired difference, is the randomisations' (the \
             standard deviation of their {r} own means over √{r}), and a paired interval uses \
             Student's t with {} degrees of freedom",
            r - 1
        ),
        _ if drawn => "plain Monte Carlo: independent paths; the standard errors are over the \
                       draws, the independent units"
            .to_string(),
        _ => "plain Monte Carlo: independent paths, every standard error sd / √n".to_string(),
    };
    let _ = write!(h, "<dt>Sampling</dt><dd>{text}</dd>");
}

/// The `Sampling` entry of the facts of a study under tail sampling (docs/studies.md): the
/// tail aimed at, the one fit for every variant, how every statistic is weighted, and the
/// effective sample size `ess` of the paths' weights.
fn tail_entry(h: &mut String, base: &Scenario, ess: Option<f64>) {
    let sim = &base.spec().simulation;
    let ess = match ess {
        Some(ess) => format!(
            "; effective sample size {} of {} paths",
            count(ess),
            count(sim.paths as f64)
        ),
        None => String::new(),
    };
    let _ = write!(
        h,
        "<dt>Sampling</dt><dd>importance sampling of the tail: the credit cycle's yearly \
         innovations of four paths in five drawn from a Gaussian fitted to the worst {} of {}, \
         the one fit for the base scenario in every variant (or point), and every statistic weighted by the paths' likelihood \
         ratios (means and paired differences by the regression estimator with the weights as \
         control variate, their intervals normal; quantiles from the weighted tail \
         mass){ess}</dd>",
        crate::format::pct(sim.tail_probability, 1),
        esc(&sim.tail_metric),
    );
}

pub(super) fn crn_note(h: &mut String, base: &Scenario) {
    let sim = &base.spec().simulation;
    let points = match super::method_of(base) {
        SeMethod::Randomisations(_) => {
            " and the same scrambled Sobol' point of the credit cycle (randomised quasi-Monte \
             Carlo)"
        }
        SeMethod::Weighted => {
            " and the same shift of the credit cycle (tail sampling: path <i>i</i> carries the \
             same weight in every variant with the base's years)"
        }
        _ => "",
    };
    let _ = writeln!(
        h,
        "<p class=\"note\">Common random numbers: every variant runs the same {} with seed \
         {}{points}, so path <i>i</i> of each variant meets the same borrowers with the same luck, \
         and the differences between variants come from their parameters, not from the draws.</p>",
        super::paths_text(sim.paths as u64),
        sim.seed
    );
}

pub(super) fn figure(h: &mut String, c: &StudyChart) {
    let _ = write!(
        h,
        "<figure id=\"{}\">\n{}\n<figcaption>{} <span style=\"color:#666\">(charts/{}.svg, .png)</span></figcaption>\n</figure>\n",
        esc(&c.file),
        c.svg.trim(),
        esc(&c.caption),
        esc(&c.file)
    );
}

pub(super) fn scenario_block(h: &mut String, title: &str, scenario: &Scenario) {
    let _ = write!(
        h,
        "<h2>{}</h2>\n<p>Every key of the scenario the variants are made from, with defaults and \
         overrides applied, as in <code>scenario.toml</code>.</p>\n<pre>{}</pre>\n",
        esc(title),
        esc(&output::scenario_toml(scenario))
    );
}

pub(super) fn footer(h: &mut String, files: &str) {
    let _ = write!(
        h,
        "<footer>Written by microfolio {}. The data are in {files} and <code>summary.json</code>; \
         the charts are also in <code>charts/</code> as SVG and PNG.</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
}

/// `mean ± half-width of the 95% interval`, the mean at the precision of its `column`.
pub(super) fn mean_pm(column: &Column, unit: Unit, mean: f64, se: Option<f64>) -> String {
    match se {
        Some(se) if se > 0.0 => format!(
            "{} <span class=\"dim\">± {}</span>",
            column.value(mean),
            unit.error(1.96 * se)
        ),
        _ => column.value(mean),
    }
}

/// A scenario key's label, with the key itself as typed beneath it; in a cell of class
/// `l n`, which may wrap.
pub(super) fn key_cell(key: &str) -> String {
    format!(
        "{}<br><span class=\"dim\"><code>{}</code></span>",
        esc(&key_label(key)),
        esc(key)
    )
}

/// A metric's label, its dagger if it values the book at par, and its name beneath it; in a
/// cell of class `l n`, which may wrap.
pub(super) fn metric_cell(m: Scalar, settlement: crate::scenario::Settlement) -> String {
    format!(
        "{}{}<br><span class=\"dim\"><code>{}</code></span>",
        esc(m.label()),
        if m.at_par(settlement) { " †" } else { "" },
        m.name()
    )
}

pub(super) fn settings(v: &Variant) -> String {
    v.settings
        .iter()
        .map(|(k, x)| format!("<code>{}</code> = {}", esc(k), esc(x)))
        .collect::<Vec<_>>()
        .join(", ")
}
