//! The report of a run: `charts/*.svg|png` and one self-contained `report.html` in the run's
//! result folder, rebuilt from the folder's data files alone (docs/model.md §7), so that `run` and a
//! later redraw share one code path and produce the same bytes.
//!
//! The HTML has no scripts and loads nothing: styles are inline and every chart is embedded as
//! SVG, so the file can be mailed or archived on its own and opens offline in any browser.
//! Numbers are written as on the charts (`crate::format`).

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::charts::data::RunMeta;
use crate::charts::{
    self, ALL_CHARTS, Chart, ChartError, DataError, PAR_NOTE, RANK_CONFIDENCE, RunData,
};
use crate::format::{count, pct};
use crate::metrics::{HEADLINE, Scalar, Yearly};
use crate::uncertainty::rank::{OutcomeRanks, RankCorrelation};
use crate::units::Unit;

/// Name of the report file in a result folder.
pub const REPORT_HTML: &str = "report.html";
/// Folder of the chart files in a result folder.
pub const CHARTS_DIR: &str = "charts";
/// The rank correlations of a run with parameter uncertainty, as a table (`metric,parameter,
/// rho,low,high,n`): what its `rank_*` charts show.
pub const RANK_CORRELATIONS_CSV: &str = "rank_correlations.csv";

/// What [`render`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderSummary {
    /// Every chart file written (SVG and PNG), in report order.
    pub charts: Vec<PathBuf>,
    /// Tables written beside the data (`rank_correlations.csv` of a run with parameter
    /// uncertainty).
    pub tables: Vec<PathBuf>,
    /// The report.
    pub report: PathBuf,
    /// Things the user should know, e.g. that histograms were skipped for want of `paths.csv`.
    pub notes: Vec<String>,
}

/// Why the charts or the report could not be made. The message always names the file.
#[derive(Debug)]
pub enum ReportError {
    /// A data file is missing or corrupt, or the folder is not a result folder, or a file
    /// stands where the charts or the report belong: the user's input, not a failure.
    Data(DataError),
    /// A chart could not be drawn.
    Chart { file: PathBuf, message: String },
    /// A file could not be written.
    Write { file: PathBuf, error: io::Error },
}

impl std::fmt::Display for ReportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReportError::Data(e) => write!(f, "{e}"),
            ReportError::Chart { file, message } => {
                write!(f, "{}: cannot draw: {message}", file.display())
            }
            ReportError::Write { file, error } => {
                write!(f, "{}: cannot write: {error}", file.display())
            }
        }
    }
}

impl std::error::Error for ReportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReportError::Data(e) => Some(e),
            ReportError::Chart { .. } => None,
            ReportError::Write { error, .. } => Some(error),
        }
    }
}

impl From<DataError> for ReportError {
    fn from(e: DataError) -> Self {
        ReportError::Data(e)
    }
}

/// Read the data files of the result folder `folder` (`summary.json`, `timeseries.csv`,
/// `scenario.toml` and, if present, `paths.csv`), and write `folder/charts/*.svg|png` and
/// `folder/report.html`. Nothing is written unless every chart was drawn; chart files of an
/// earlier render that this one does not produce (histograms, once `paths.csv` is gone) are
/// removed so the folder never mixes two renders — but only those the folder's manifest lists:
/// a file microfolio did not write is never removed or written over, whatever its name.
pub fn render(folder: &Path) -> Result<RenderSummary, ReportError> {
    let data = RunData::load(folder)?;
    // What microfolio wrote here and may change (below); a damaged manifest is refused before
    // anything is drawn.
    let owned = crate::output::folder::owned_files(folder).map_err(refused)?;
    // What will be written over must be of the right kind, before anything is drawn: a file
    // where `charts/` belongs is the user's, not a chart folder.
    for (name, folder_wanted) in [(CHARTS_DIR, true), (REPORT_HTML, false)] {
        let path = folder.join(name);
        if let Ok(m) = fs::symlink_metadata(&path) {
            let (ok, is) = if folder_wanted {
                (m.is_dir(), "is not a folder")
            } else {
                (m.is_file(), "is not a regular file")
            };
            if !ok {
                return Err(ReportError::Data(DataError {
                    file: path,
                    position: None,
                    problem: format!(
                        "{is}, so the report cannot be written there; move it away and try again"
                    ),
                }));
            }
        }
    }
    let drawn = charts::draw_all(&data).map_err(|e: ChartError| ReportError::Chart {
        file: folder.join(CHARTS_DIR).join(e.chart),
        message: e.message,
    })?;
    let parameters = data
        .paths
        .as_ref()
        .map_or_else(Vec::new, |p| p.parameter_names());
    let html = html(&data, &drawn, &parameters);

    // `report` changes only microfolio's own files: what the folder's manifest lists (or, with
    // none, a run's files of before manifests). A user's file where a chart, the table or the
    // report goes is refused by name before anything is written, and one of a name microfolio
    // uses but did not write is never removed as stale.
    let chart_file = |name: &str, ext: &str| format!("{CHARTS_DIR}/{name}.{ext}");
    let mut targets: Vec<String> = drawn
        .charts
        .iter()
        .flat_map(|c| [chart_file(&c.name, "svg"), chart_file(&c.name, "png")])
        .collect();
    if !drawn.ranks.is_empty() {
        targets.push(RANK_CORRELATIONS_CSV.to_string());
    }
    targets.push(REPORT_HTML.to_string());
    let foreign: Vec<&String> = targets
        .iter()
        .filter(|t| !owned.contains(*t) && fs::symlink_metadata(folder.join(t)).is_ok())
        .collect();
    if !foreign.is_empty() {
        let names: Vec<&str> = foreign.iter().take(5).map(|s| s.as_str()).collect();
        let more = if foreign.len() > 5 {
            format!(" and {} more", foreign.len() - 5)
        } else {
            String::new()
        };
        return Err(ReportError::Data(DataError {
            file: folder.to_path_buf(),
            position: None,
            problem: format!(
                "holds {}{more}, which microfolio did not write (its {} does not list them), \
                 where the report would write; nothing was changed: move them elsewhere and try \
                 again",
                names.join(", "),
                crate::output::MANIFEST
            ),
        }));
    }

    let dir = folder.join(CHARTS_DIR);
    fs::create_dir_all(&dir).map_err(|error| ReportError::Write {
        file: dir.clone(),
        error,
    })?;
    let mut written = Vec::new();
    for chart in &drawn.charts {
        for (ext, bytes) in [("svg", chart.svg.as_bytes()), ("png", chart.png.as_slice())] {
            let file = dir.join(format!("{}.{ext}", chart.name));
            write_file(&file, bytes)?;
            written.push(file);
        }
    }
    let names = ALL_CHARTS.iter().map(|n| n.to_string());
    for name in names.chain(charts::uncertain_charts()) {
        if drawn.charts.iter().all(|c| c.name != name) {
            for ext in ["svg", "png"] {
                if owned.contains(&chart_file(&name, ext)) {
                    remove_stale(&dir.join(format!("{name}.{ext}")))?;
                }
            }
        }
    }
    let mut tables = Vec::new();
    let table = folder.join(RANK_CORRELATIONS_CSV);
    if drawn.ranks.is_empty() {
        if owned.contains(RANK_CORRELATIONS_CSV) {
            remove_stale(&table)?;
        }
    } else {
        let csv = crate::uncertainty::rank::to_csv(&parameters, &drawn.ranks);
        write_file(&table, csv.as_bytes())?;
        tables.push(table);
    }
    let report = folder.join(REPORT_HTML);
    write_file(&report, html.as_bytes())?;
    // A finished folder redrawn in place keeps a manifest that lists what it holds (a folder
    // being staged gets its manifest when it is committed).
    let all: Vec<PathBuf> = written
        .iter()
        .chain(&tables)
        .chain([&report])
        .cloned()
        .collect();
    crate::output::note_written(folder, &all).map_err(refused)?;
    Ok(RenderSummary {
        charts: written,
        tables,
        report,
        notes: drawn.notes,
    })
}

/// A folder the report may not change, as bad input: nothing was written.
fn refused(e: crate::output::OutputError) -> ReportError {
    match e {
        crate::output::OutputError::Refused { path, reason } => ReportError::Data(DataError {
            file: path,
            position: None,
            problem: reason,
        }),
        crate::output::OutputError::Io { path, error } => ReportError::Write { file: path, error },
    }
}

/// Remove a file of an earlier render that this one does not produce; absent is fine.
fn remove_stale(file: &Path) -> Result<(), ReportError> {
    match fs::remove_file(file) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(ReportError::Write {
            file: file.to_path_buf(),
            error,
        }),
        _ => Ok(()),
    }
}

/// Write through a temporary file and a rename, so that a reader (or a crash) never sees half
/// a chart.
fn write_file(file: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A name of microfolio's own, made new (never over a file that is there): a full disk or
    // a kill leaves nothing of the user's changed, and a leftover is recognised as microfolio's
    // by the next run into the folder.
    let tmp = file.with_file_name(crate::output::folder::temporary_name(&name));
    let fail = |error| ReportError::Write {
        file: file.to_path_buf(),
        error,
    };
    let written = (|| -> io::Result<()> {
        use std::io::Write as _;
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.flush()?;
        fs::rename(&tmp, file)
    })();
    written.map_err(|error| {
        let _ = fs::remove_file(&tmp);
        fail(error)
    })
}

/// Text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What the label of a headline outcome ([`HEADLINE`]) leaves unsaid, for its row in the
/// headline table. A dagger marks those that value the book at par.
fn headline_more(metric: Scalar) -> &'static str {
    match metric {
        Scalar::LoansGranted => " (incl. follow-up loans)",
        Scalar::DefaultRate => " (share of loans ever on the book)",
        Scalar::NetLoss => " (write-offs − recoveries)",
        Scalar::LossRate => " (net loss / initial book + volume)",
        Scalar::MinCapital => " in the horizon",
        Scalar::CostToState => " (state loan lost + guarantee call)",
        Scalar::BmkbNetCost => " (claims paid and pending − premiums)",
        Scalar::StateLoanSubsidy => " (interest forgone on the state loan)",
        Scalar::StateCostTotal => " (the three above, less guarantee fees)",
        Scalar::Oss => " (OSS, loss net of BMKB claims received)",
        _ => "",
    }
}

/// ` †` after an outcome that values the book at par (docs/model.md §7).
fn dagger(at_par: bool) -> &'static str {
    if at_par { " †" } else { "" }
}

const PROBABILITIES: [(&str, &str); 6] = [
    (
        "state_loan_not_repaid_in_full",
        "State loan not repaid in full (at settlement)",
    ),
    (
        "guarantee_called",
        "Guarantee called (the state pays a facility at settlement)",
    ),
    (
        "capital_depleted",
        "Capital depleted (below zero at some month end of the horizon)",
    ),
    ("resolved", "Lender resolved (wound down or recapitalised)"),
    ("lending_closed", "Lending closed in some month"),
    ("liquidity_shortfall", "Liquidity shortfall in some month"),
];

/// Columns of the yearly table: metric and statistic (the mean, or the 5% quantile).
/// (The mean capital ratio is left out: a mean of ratios is dominated by paths whose book has
/// run down, and says little.)
const YEARLY: [(Yearly, Stat); 11] = [
    (Yearly::Book, Stat::Mean),
    (Yearly::ActiveLoans, Stat::Mean),
    (Yearly::Capital, Stat::Mean),
    (Yearly::Capital, Stat::P05),
    (Yearly::ExternalDebt, Stat::Mean),
    (Yearly::NewLoans, Stat::Mean),
    (Yearly::NewVolume, Stat::Mean),
    (Yearly::Defaults, Stat::Mean),
    (Yearly::DefaultRate, Stat::Mean),
    (Yearly::NetLoss, Stat::Mean),
    (Yearly::Rationed, Stat::Mean),
];

/// A statistic of the yearly table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stat {
    Mean,
    P05,
}

const CSS: &str = "\
:root{color-scheme:light}\
body{font-family:'DejaVu Sans',Verdana,'Segoe UI',Helvetica,Arial,sans-serif;color:#111;\
background:#fff;margin:0 auto;padding:24px 28px 48px;max-width:1000px;line-height:1.45}\
h1{font-size:1.7em;margin:0 0 .2em}h2{font-size:1.25em;margin:1.8em 0 .5em;\
border-bottom:2px solid #0072B2;padding-bottom:.15em}\
p.lead{font-size:1.05em;margin:.2em 0 .8em;color:#333;overflow-wrap:anywhere}\
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.15em 1.2em;margin:.6em 0;\
font-size:.92em}dl.meta dt{color:#555}dl.meta dd{margin:0;overflow-wrap:anywhere;min-width:0}\
table{border-collapse:collapse;margin:.4em 0 .6em;font-size:.92em}\
th,td{padding:.3em .7em;border-bottom:1px solid #ddd;text-align:right;\
font-variant-numeric:tabular-nums;white-space:nowrap}\
th{background:#f2f2f2;font-weight:600;white-space:normal;vertical-align:bottom}th:first-child,td:first-child{text-align:left}\
tbody tr:nth-child(even){background:#fafafa}\
.wide{overflow-x:auto}.wide table{font-size:.84em}.wide th,.wide td{padding:.25em .45em}.kicker{font-size:.85em;color:#555;letter-spacing:.04em;text-transform:uppercase;margin:0}\
.note{font-size:.9em;color:#333;background:#fff8e6;border-left:4px solid #E69F00;\
padding:.4em .8em;margin:.6em 0}\
figure{margin:1.2em 0 1.8em;break-inside:avoid;page-break-inside:avoid}\
figure svg{display:block;width:100%;max-width:800px;height:auto;border:1px solid #e4e4e4}\
figcaption{font-size:.9em;color:#333;margin-top:.35em;max-width:800px;overflow-wrap:anywhere}\
pre{background:#f6f6f6;border:1px solid #e4e4e4;padding:.8em;font-size:.82em;overflow-x:auto;\
line-height:1.35}\
footer{margin-top:2.5em;font-size:.85em;color:#555}\
@media print{body{padding:0;max-width:none}h2{break-after:avoid}.wide{overflow:visible}}";

/// The whole report.
fn html(data: &RunData, drawn: &charts::Charts, parameters: &[String]) -> String {
    let (charts, notes) = (&drawn.charts, &drawn.notes);
    let m = &data.meta;
    let mut h =
        String::with_capacity(64 * 1024 + charts.iter().map(|c| c.svg.len()).sum::<usize>());
    let name = esc(&m.name);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{name} — microfolio report</title>\n<style>{CSS}</style>\n</head>\n<body>\n\
         <p class=\"kicker\">microfolio · Monte Carlo report</p>\n<h1>{name}</h1>\n"
    );
    if !m.description.trim().is_empty() {
        let _ = writeln!(h, "<p class=\"lead\">{}</p>", esc(m.description.trim()));
    }
    let _ = write!(
        h,
        "<dl class=\"meta\">\
         <dt>Paths</dt><dd>{}</dd>\
         <dt>Seed</dt><dd>{}</dd>\
         <dt>Horizon</dt><dd>{} years, {}–{}</dd>\
         <dt>Engine</dt><dd>{}</dd>\
         <dt>Run started</dt><dd>{}</dd>",
        count(m.paths as f64),
        m.seed,
        m.horizon_years,
        m.start_year,
        m.start_year + i64::from(m.horizon_years) - 1,
        engine_line(m),
        esc(m.started_utc.as_deref().unwrap_or("not recorded")),
    );
    if m.sampling == crate::scenario::Sampling::Rqmc {
        let _ = write!(
            h,
            "<dt>Sampling</dt><dd>randomised quasi-Monte Carlo on the credit cycle, {} \
             randomisations; standard errors from the randomisations</dd>",
            m.randomisations
        );
    }
    if let Some(t) = &m.tail {
        let _ = write!(
            h,
            "<dt>Sampling</dt><dd>importance sampling of the tail: the credit cycle's yearly \
             innovations of four paths in five drawn from a Gaussian fitted to the worst {} of \
             <code>{}</code> (its mean {:.2} standard deviations from 0 over {} cycle years, its \
             covariance fitted on the {} that move the outcome, by a pilot of {} stage{} and {} \
             paths{}), and every statistic, band and bar \
             weighted by the paths' likelihood ratios (docs/model.md §12.2). Effective sample \
             size {} of {} paths: the tail's \
             statistics are the precise ones; the body's (the median, the favourable tail) are \
             less precise than a plain run's</dd>",
            pct(t.probability, 1),
            esc(&t.metric),
            t.shift_norm,
            t.years,
            t.active_years,
            t.pilot_stages,
            if t.pilot_stages == 1 { "" } else { "s" },
            count(t.pilot_paths as f64),
            if t.reached {
                ""
            } else {
                ", which did not reach that tail: the fit goes part of the way"
            },
            count(t.effective_sample_size),
            count(m.paths as f64),
        );
    }
    if let Some(t) = &m.target_se {
        let _ = write!(
            h,
            "<dt>Precision</dt><dd>Run in batches until the standard error of a mean reached \
             a target ({} sampling): {}.</dd>",
            m.sampling.name(),
            esc(&t.sentence())
        );
    }
    if let Some(l) = &m.extends {
        let _ = write!(h, "<dt>Extends</dt><dd>{}</dd>", extends_line(l));
    }
    if !m.overrides.is_empty() {
        let _ = write!(
            h,
            "<dt>Set on the command line</dt><dd>{}</dd>",
            esc(&m.overrides.join(", "))
        );
    }
    h.push_str("</dl>\n");

    headline(&mut h, data);
    for c in charts.iter().filter(|c| c.name == "state_budget") {
        h.push_str("<h2>The state's budget year by year</h2>\n");
        figure(&mut h, c);
        budget_table(&mut h, data);
    }

    h.push_str("<h2>Over the horizon</h2>\n");
    for c in charts.iter().filter(|c| c.name.starts_with("fan_")) {
        figure(&mut h, c);
    }
    for c in charts.iter().filter(|c| c.name == "state_account") {
        h.push_str("<h2>The state's whole account</h2>\n");
        figure(&mut h, c);
    }
    for c in charts.iter().filter(|c| c.name == "who_bears_loss") {
        h.push_str("<h2>Who bears the loss</h2>\n");
        figure(&mut h, c);
    }
    h.push_str("<h2>Distributions over paths</h2>\n");
    for c in charts.iter().filter(|c| c.name.starts_with("hist_")) {
        figure(&mut h, c);
    }
    if !drawn.ranks.is_empty() {
        let file = data.paths.as_ref().map_or("paths.csv", |p| p.file);
        uncertainty(&mut h, &drawn.ranks, parameters, file);
        for c in charts.iter().filter(|c| c.name.starts_with("rank_")) {
            figure(&mut h, c);
        }
    }
    for n in notes {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(n));
    }

    yearly(&mut h, data);
    all_metrics(&mut h, data);

    let _ = write!(
        h,
        "<h2>Resolved scenario</h2>\n<p>Every key, with defaults and overrides applied, as in \
         <code>scenario.toml</code>; <code>microfolio run scenario.toml</code> reproduces the \
         run.</p>\n<pre>{}</pre>\n",
        esc(&data.scenario_toml)
    );
    let _ = write!(
        h,
        "<footer>Drawn by microfolio {} from the data files of this result folder \
         (summary.json, timeseries.csv, {}scenario.toml). The charts are also in \
         <code>charts/</code> as SVG and PNG.</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        data.paths
            .as_ref()
            .map_or(String::new(), |p| format!("{}, ", p.file))
    );
    h
}

/// `baseline.toml (baseline), changing credit_cycle.shifts = [0, 0, -1.5, -1.5]`: what a
/// scenario file extends and every key it changes, for the report's facts.
pub(crate) fn extends_line(l: &crate::scenario::Lineage) -> String {
    // An `[[uncertain]]` section is named by its parameters, not key by key: each sets five
    // or so keys of its own, and a section of thirty would bury the line.
    fn uncertain(k: &str) -> Option<&str> {
        k.strip_prefix("uncertain.")?.split('.').next()
    }
    let mut names: Vec<&str> = Vec::new();
    for (k, _) in &l.changed {
        if let Some(n) = uncertain(k)
            && !names.contains(&n)
        {
            names.push(n);
        }
    }
    let mut changed: Vec<String> = l
        .changed
        .iter()
        .filter(|(k, _)| uncertain(k).is_none())
        .map(|(k, v)| format!("<code>{}</code> = {}", esc(k), esc(v)))
        .collect();
    if !names.is_empty() {
        changed.push(format!(
            "an <code>[[uncertain]]</code> section of {} parameter{} ({})",
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            names
                .iter()
                .map(|n| format!("<code>{}</code>", esc(n)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let changing = if changed.is_empty() {
        "changing no key".to_string()
    } else {
        format!("changing {}", changed.join(", "))
    };
    format!(
        "<code>{}</code> ({}), {changing}",
        esc(&l.parent),
        esc(&l.parent_name)
    )
}

/// `microfolio 0.1.0 (rand 0.9.5, …)`: the version of microfolio once, then the libraries
/// that draw the numbers.
fn engine_line(m: &RunMeta) -> String {
    let libraries: Vec<String> = m
        .engine
        .iter()
        .filter(|(k, _)| k != "microfolio")
        .map(|(k, v)| format!("{} {}", esc(k), esc(v)))
        .collect();
    let mut line = format!("microfolio {}", esc(m.microfolio_version()));
    if !libraries.is_empty() {
        let _ = write!(
            line,
            " <span style=\"color:#555\">({})</span>",
            libraries.join(", ")
        );
    }
    line
}

/// Under the headline of a run with parameter uncertainty: what its two kinds of column are.
const POINT_NOTE: &str = "With parameter uncertainty, every path draws the scenario's uncertain \
    parameters anew: the spread includes how little is known about them. At the point values, \
    the same paths (the same loans' and credit cycle's draws) run at the scenario's own values: \
    the spread there is the credit cycle's and the loans' alone, what a run without \
    --uncertain shows. Where the two means differ, the outcome is not linear in the uncertain \
    parameters; where the ranges differ, the point values understate the risk. The paired run \
    costs about as much again as the draws (summary.json, point_values).";

fn headline(h: &mut String, data: &RunData) {
    let point = data.point.as_ref();
    h.push_str("<h2>Key outcomes</h2>\n");
    // Beside the point values the table has seven columns: in the page's wide frame, which
    // scrolls rather than overflowing the text column on a narrow window.
    if point.is_some() {
        h.push_str("<div class=\"wide\">");
    }
    h.push_str("<table id=\"headline\">\n<thead>");
    match point {
        // A run with parameter uncertainty beside its paired run at the point values.
        Some(_) => h.push_str(
            "<tr><th rowspan=\"2\">Outcome over the horizon</th><th colspan=\"4\">With \
             parameter uncertainty</th><th colspan=\"2\">At the point values</th></tr>\n\
             <tr><th>Mean</th><th>p05</th><th>Median</th><th>p95</th><th>Mean</th>\
             <th>p05 – p95</th></tr>",
        ),
        None => h.push_str(
            "<tr><th>Outcome over the horizon</th><th>Mean</th><th>p05</th><th>Median</th>\
             <th>p95</th></tr>",
        ),
    }
    h.push_str("</thead>\n<tbody>\n");
    for metric in HEADLINE {
        let more = headline_more(metric);
        let unit = metric.unit();
        let cells = match data.metric(metric) {
            Some(s) => [s.mean, s.p05, s.p50, s.p95].map(|x| unit.value(x)),
            None => std::array::from_fn(|_| "–".to_string()),
        };
        let _ = write!(
            h,
            "<tr><td>{}{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            esc(metric.label()),
            esc(more),
            dagger(metric.at_par(data.meta.settlement)),
            cells[0],
            cells[1],
            cells[2],
            cells[3]
        );
        if let Some(p) = point {
            let (mean, range) = match p.metric(metric) {
                Some(s) => (
                    unit.value(s.mean),
                    format!("{} – {}", unit.value(s.p05), unit.value(s.p95)),
                ),
                None => ("–".to_string(), "–".to_string()),
            };
            let _ = write!(h, "<td>{mean}</td><td>{range}</td>");
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
    if point.is_some() {
        h.push_str("</div>\n");
    }
    if point.is_some() {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(POINT_NOTE));
    }
    let settled = match data.meta.settlement {
        crate::scenario::Settlement::Par => {
            "The state settles at the horizon with the book at par."
        }
        crate::scenario::Settlement::RunOff => {
            "The state settles when the book has run off after the horizon: the cost to the \
             state and the state's totals include the run-off's losses, interest and costs \
             (docs/model.md §11.2)."
        }
    };
    let _ = writeln!(
        h,
        "<p class=\"note\">† {} Final capital is K<sub>T</sub> = cash + book − external debt at \
         the horizon; the cost to the state is the guarantee call plus the loss on the state \
         loan. {}</p>",
        esc(PAR_NOTE),
        esc(settled)
    );

    h.push_str(
        "<table id=\"probabilities\">\n<thead><tr><th>Probability over paths</th>\
         <th>Share of paths</th>",
    );
    if point.is_some() {
        h.push_str("<th>At the point values</th>");
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for (key, label) in PROBABILITIES {
        let p = data.probability(key).map_or("–".to_string(), |p| pct(p, 1));
        let _ = write!(h, "<tr><td>{}</td><td>{p}</td>", esc(label));
        if let Some(point) = point {
            let share = point
                .probabilities
                .iter()
                .find(|(n, _)| n == key)
                .map_or("–".to_string(), |(_, p)| pct(*p, 1));
            let _ = write!(h, "<td>{share}</td>");
        }
        h.push_str("</tr>\n");
    }
    if let Some(paths) = data.paths.as_ref() {
        let cost = paths.sorted(Scalar::CostToState).unwrap_or(&[]);
        if !cost.is_empty() {
            let share = paths.share(Scalar::CostToState, |x| x > 0.0).unwrap_or(0.0);
            let _ = writeln!(
                h,
                "<tr><td>Cost to the state &gt; 0 †</td><td>{}</td>{}</tr>",
                pct(share, 1),
                // The file of paths holds the drawn paths only.
                if point.is_some() { "<td>–</td>" } else { "" }
            );
        }
    }
    h.push_str("</tbody>\n</table>\n");
}

/// The section of a run with parameter uncertainty: what it is, then per outcome in words the
/// parameter that drives it most and the next one.
fn uncertainty(h: &mut String, ranks: &[OutcomeRanks], parameters: &[String], file: &str) {
    let level = pct(RANK_CONFIDENCE, 0);
    let _ = write!(
        h,
        "<h2>Parameter uncertainty</h2>\n<p>Every path drew its own values of the \
         scenario's {} uncertain parameters (<code>run --uncertain</code>): the \
         distributions above include that uncertainty. The values drawn are the \
         <code>uncertain.*</code> columns of <code>{}</code>. Which parameter drives \
         each key outcome most, by Spearman's rank correlation ρ over the paths between the \
         value it drew and the outcome ({level} interval; every number is in \
         <code>{RANK_CORRELATIONS_CSV}</code>):</p>\n<ul id=\"drivers\">\n",
        parameters.len(),
        file
    );
    let interval = |r: &RankCorrelation| {
        if r.low == r.high {
            // ±1: the outcome is a monotone function of the parameter alone.
            return format!("ρ = {} exactly", Unit::Ratio.value(r.rho));
        }
        format!(
            "ρ = {}, {level} interval {} to {}",
            Unit::Ratio.value(r.rho),
            Unit::Ratio.value(r.low),
            Unit::Ratio.value(r.high)
        )
    };
    for outcome in ranks {
        let label = esc(outcome.metric.label());
        let _ = write!(h, "<li><b>{label}</b>: ");
        let Some((top, r)) = outcome.strongest() else {
            let _ = writeln!(
                h,
                "the same on every path, so no parameter correlates with it.</li>"
            );
            continue;
        };
        if r.low <= 0.0 && 0.0 <= r.high {
            let _ = writeln!(
                h,
                "no parameter's rank correlation is distinguishable from 0 (the strongest, \
                 <code>{}</code>: {}).</li>",
                esc(&parameters[top]),
                interval(&r)
            );
            continue;
        }
        let way = if r.rho > 0.0 { "raises" } else { "lowers" };
        let _ = write!(
            h,
            "driven most by <code>{}</code> ({}; a higher value {way} it)",
            esc(&parameters[top]),
            interval(&r)
        );
        let next = outcome
            .by_parameter
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != top)
            .filter_map(|(j, r)| r.map(|r| (j, r)))
            .max_by(|a, b| a.1.rho.abs().total_cmp(&b.1.rho.abs()).then(b.0.cmp(&a.0)));
        if let Some((j, r)) = next.filter(|(_, r)| !(r.low <= 0.0 && 0.0 <= r.high)) {
            let _ = write!(
                h,
                ", then <code>{}</code> (ρ = {})",
                esc(&parameters[j]),
                Unit::Ratio.value(r.rho)
            );
        }
        h.push_str(".</li>\n");
    }
    h.push_str("</ul>\n");
}

fn figure(h: &mut String, c: &Chart) {
    let _ = write!(
        h,
        "<figure id=\"{}\">\n{}\n<figcaption>{} <span style=\"color:#666\">(charts/{}.svg, .png)</span></figcaption>\n</figure>\n",
        c.name,
        c.svg.trim(),
        esc(&c.caption),
        c.name
    );
}

fn yearly(h: &mut String, data: &RunData) {
    h.push_str(
        "<h2>Year by year</h2>\n<p>Means over paths (capital also at its 5% quantile). Stocks at \
         year end, flows within the year.</p>\n<div class=\"wide\"><table id=\"yearly\">\n<thead><tr><th>Year</th>",
    );
    for (metric, stat) in YEARLY {
        let p05 = if stat == Stat::P05 { " p05" } else { "" };
        let _ = write!(h, "<th>{}{p05}</th>", esc(metric.label()));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for year in 1..=data.meta.horizon_years {
        let label = data.meta.start_year + i64::from(year) - 1;
        let _ = write!(h, "<tr><td>{label}</td>");
        for (metric, stat) in YEARLY {
            let row = data
                .yearly(metric)
                .and_then(|rows| rows.iter().find(|r| r.year == year));
            let v = row.and_then(|r| match stat {
                Stat::Mean => r.mean,
                Stat::P05 => r.p05,
            });
            let cell = v.map_or("–".to_string(), |x| metric.unit().value(x));
            let _ = write!(h, "<td>{cell}</td>");
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table></div>\n");
}

/// The state's ledger (docs/model.md §11.4) as a table: per budget year and after the horizon,
/// the mean of each flow and of the net cash, and the guarantees outstanding at the year's end.
fn budget_table(h: &mut String, data: &RunData) {
    const COLUMNS: [Yearly; 10] = [
        Yearly::StateLoanInterest,
        Yearly::GuaranteeFees,
        Yearly::BmkbPremiums,
        Yearly::BmkbClaims,
        Yearly::StateRecapitalisation,
        Yearly::StateLoanRepaid,
        Yearly::GuaranteeCall,
        Yearly::StateNetCash,
        Yearly::GuaranteeExposure,
        Yearly::BmkbExposure,
    ];
    h.push_str(
        "<p>Means over paths, nominal euros. Received: interest on the state loan, guarantee \
         fees, BMKB premiums, the state loan repaid; paid: BMKB claims, capital injected, \
         guarantees called. Net cash is what the state receives less what it pays; the \
         guarantees outstanding are at the year's end (after the horizon: just before \
         settlement).</p>\n<div class=\"wide\"><table id=\"budget\">\n<thead><tr>\
         <th>Year</th>",
    );
    for m in COLUMNS {
        let _ = write!(h, "<th>{}</th>", esc(m.label()));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    let years = data.meta.horizon_years as usize;
    let rows = years + data.after(Yearly::StateNetCash).len();
    for row in 0..rows {
        let label = if row >= years && !data.meta.shape.run_off_years {
            "after".to_string()
        } else {
            (data.meta.start_year + row as i64).to_string()
        };
        let _ = write!(h, "<tr><td>{label}</td>");
        for m in COLUMNS {
            let cell = if row < years {
                data.yearly(m).and_then(|r| r.get(row)).and_then(|r| r.mean)
            } else {
                data.after(m).get(row - years).and_then(|r| r.mean)
            };
            let _ = write!(
                h,
                "<td>{}</td>",
                cell.map_or("–".to_string(), |x| Unit::Money.value(x))
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table></div>\n");
}

fn all_metrics(h: &mut String, data: &RunData) {
    h.push_str(
        "<h2>All outcomes</h2>\n<p>Every scalar outcome of <code>summary.json</code> over the \
         paths where it is defined (n).</p>\n<div class=\"wide\"><table id=\"metrics\">\n\
         <thead><tr><th>Outcome</th><th>n</th><th>Mean</th><th>p01</th><th>p05</th><th>p25</th>\
         <th>Median</th><th>p75</th><th>p95</th><th>p99</th></tr></thead>\n<tbody>\n",
    );
    for (metric, summary) in &data.metrics {
        let _ = write!(
            h,
            "<tr><td>{}{} <code style=\"color:#666\">{}</code></td>",
            esc(metric.label()),
            dagger(metric.at_par(data.meta.settlement)),
            metric.name()
        );
        match summary {
            None => h.push_str("<td>0</td><td colspan=\"8\">undefined on every path</td>"),
            Some(s) => {
                let unit = metric.unit();
                let _ = write!(h, "<td>{}</td>", count(s.n as f64));
                for x in [s.mean, s.p01, s.p05, s.p25, s.p50, s.p75, s.p95, s.p99] {
                    let _ = write!(h, "<td>{}</td>", unit.value(x));
                }
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table></div>\n");
    let _ = writeln!(h, "<p class=\"note\">† {}</p>", esc(PAR_NOTE));
}

// ---------------------------------------------------------------------------------------------
// Shared with the reports of sensitivity studies (`crate::study`), so that they look the same.
// ---------------------------------------------------------------------------------------------

/// The report's style sheet.
pub(crate) const STYLE: &str = CSS;

/// Text for HTML content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    esc(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uncertain_section_is_named_by_its_parameters() {
        let l = crate::scenario::Lineage {
            parent: "baseline.toml".into(),
            parent_name: "baseline".into(),
            changed: [
                ("simulation.paths", "10"),
                ("uncertain.rate.dist", "\"uniform\""),
                ("uncertain.rate.low", "0.01"),
                ("uncertain.pd.dist", "\"uniform\""),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .to_vec(),
        };
        assert_eq!(
            extends_line(&l),
            "<code>baseline.toml</code> (baseline), changing <code>simulation.paths</code> = \
             10, an <code>[[uncertain]]</code> section of 2 parameters (<code>rate</code>, \
             <code>pd</code>)"
        );
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }

    #[test]
    fn the_engine_line_names_microfolio_once() {
        let meta = RunMeta {
            name: "n".into(),
            description: String::new(),
            paths: 1,
            seed: 1,
            horizon_years: 1,
            start_year: 2026,
            guarantee_room_eur: 0.0,
            settlement: crate::scenario::Settlement::Par,
            sampling: crate::scenario::Sampling::Plain,
            randomisations: 16,
            tail: None,
            target_se: None,
            shape: crate::results::Shape::horizon(1),
            drawn_keys: Vec::new(),
            engine: [("microfolio", "0.1.0"), ("rand", "0.9.5")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .to_vec(),
            started_utc: None,
            overrides: Vec::new(),
            extends: None,
        };
        let line = engine_line(&meta);
        assert_eq!(line.matches("microfolio").count(), 1, "{line}");
        assert!(line.starts_with("microfolio 0.1.0 ") && line.contains("(rand 0.9.5)"));
    }

    #[test]
    fn the_headline_marks_what_is_valued_at_par() {
        use crate::scenario::Settlement;
        let marked: Vec<Scalar> = HEADLINE
            .into_iter()
            .filter(|m| m.at_par(Settlement::Par))
            .collect();
        assert_eq!(
            marked,
            [
                Scalar::FinalCapital,
                Scalar::CostToState,
                Scalar::StateCostTotal,
                Scalar::StateCostTotalPv
            ]
        );
        let marked: Vec<Scalar> = HEADLINE
            .into_iter()
            .filter(|m| m.at_par(Settlement::RunOff))
            .collect();
        assert_eq!(marked, [Scalar::FinalCapital]);
        assert_eq!(dagger(true), " †");
    }
}
