//! Charts and report of a run: drawn for a sample run, well-formed (SVG parses as XML, PNG
//! decodes and is not blank), titled and labelled, embedded in a self-contained report, and
//! reproduced byte for byte when a folder is redrawn. Missing or corrupt data files give an
//! error that names the file.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use microfolio::RunOptions;
use microfolio::Silent;
use microfolio::charts::ALL_CHARTS;
use microfolio::report::{self, REPORT_HTML};
use microfolio::scenario::{Origin, Scenario};

mod common;
use common::shipped_names;

/// A small scenario under stress, so that the state pays on some paths and every chart has
/// something to show. The name has characters that must be escaped in SVG and HTML.
const SAMPLE: &str = r#"
[meta]
name = "sample & <stress>"
description = "A small stressed lender for the chart tests."
start_year = 2030
[simulation]
horizon_years = 6
paths = 300
seed = 7
[funding]
state_loan = 8e6
guarantee_room = 40e6
[initial_book]
loans = 2000
max_age_months = 48
[origination]
loans_per_year = 600
[credit_cycle]
asset_correlation = 0.2
persistence = 0.3
shifts = [0, -1.0, -1.5]
[bmkb]
enabled = true
[[segment]]
name = "micro"
mean_size = 14000
size_cv = 0.8
term_months = 60
annual_pd = 0.08
recovery_sd = 0.2
bmkb_share = 0.3
"#;

const NAME_ESCAPED: &str = "sample &amp; &lt;stress&gt;";

/// The sample run, simulated once per test binary; tests copy its data files.
fn sample_run() -> &'static Path {
    static RUN: OnceLock<PathBuf> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("charts-sample-run");
        let _ = fs::remove_dir_all(&dir);
        let scenario = Scenario::parse(SAMPLE, &Origin::new("sample.toml"), &[])
            .expect("sample scenario is valid");
        microfolio::run(&scenario, &dir, &RunOptions::default(), &Silent).expect("sample run");
        dir
    })
}

/// A fresh copy of the sample run's data files (no charts, no report).
fn copy_of_sample() -> tempfile::TempDir {
    let src = sample_run();
    let tmp = tempfile::tempdir().unwrap();
    for name in [
        "summary.json",
        "timeseries.csv",
        "paths.csv",
        "scenario.toml",
    ] {
        fs::copy(src.join(name), tmp.path().join(name)).unwrap();
    }
    tmp
}

/// Every text node of an SVG document, after checking that it parses as XML.
fn svg_texts(path: &Path) -> Vec<String> {
    let text = fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{} is not well-formed XML: {e}", path.display()));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "text")
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

/// Title start and axis titles expected on each chart.
const EXPECTED: [(&str, &str, &str, &str); 9] = [
    (
        "fan_capital",
        "Capital at year end",
        "Year (value at year end)",
        "Capital (€)",
    ),
    (
        "fan_book",
        "Loan book at year end",
        "Year (value at year end)",
        "Outstanding principal (€)",
    ),
    (
        "fan_external_debt",
        "External debt and guarantee room",
        "Year (value at year end)",
        "External debt (€)",
    ),
    (
        "fan_default_rate",
        "Yearly default rate",
        "Year",
        "Defaults / loans live at year start (%)",
    ),
    (
        "fan_net_loss",
        "Yearly net loss",
        "Year",
        "Write-offs − recoveries (€)",
    ),
    (
        "fan_active_loans",
        "Active loans at year end",
        "Year (value at year end)",
        "Loans on the book (number)",
    ),
    (
        "hist_final_capital",
        "Final capital after 6 years",
        "Capital at the horizon (€)",
        "Share of paths (%)",
    ),
    (
        "hist_net_loss",
        "Net loss over 6 years",
        "Net loss: write-offs − recoveries (€)",
        "Share of paths (%)",
    ),
    (
        "hist_cost_to_state",
        "Cost to the state after 6 years",
        "Guarantee call + state-loan loss (€)",
        "Share of paths (%)",
    ),
];

#[test]
fn charts_are_drawn_titled_and_labelled() {
    let dir = copy_of_sample();
    let summary = report::render(dir.path()).expect("render");
    assert!(summary.notes.is_empty(), "{:?}", summary.notes);
    assert_eq!(summary.charts.len(), 2 * ALL_CHARTS.len());
    for (name, title, x_desc, y_desc) in EXPECTED {
        let texts = svg_texts(&dir.path().join("charts").join(format!("{name}.svg")));
        let want_title = format!("{title} — sample & <stress>, 300 paths");
        assert!(
            texts.contains(&want_title),
            "{name}: no title `{want_title}` in {texts:?}"
        );
        for label in [x_desc, y_desc] {
            assert!(
                texts.iter().any(|t| t == label),
                "{name}: no axis title `{label}`"
            );
        }
        if name.starts_with("fan_") {
            // Calendar years from meta.start_year on the x axis.
            for year in ["2030", "2035"] {
                assert!(texts.iter().any(|t| t == year), "{name}: no year {year}");
            }
            for legend in [
                "90% of paths (p05–p95)",
                "50% of paths (p25–p75)",
                "median",
                "mean",
            ] {
                assert!(
                    texts.iter().any(|t| t == legend),
                    "{name}: no legend `{legend}`"
                );
            }
        } else {
            for mark in ["mean", "VaR", "ES"] {
                assert!(texts.iter().any(|t| t == mark), "{name}: no mark `{mark}`");
            }
        }
        // Money ticks carry euros with a magnitude, rates percent.
        let ticks_with = |s: &str| texts.iter().filter(|t| t.contains(s)).count();
        match name {
            "fan_default_rate" => assert!(ticks_with("%") >= 3, "{name}: {texts:?}"),
            "fan_active_loans" => assert!(ticks_with("€") == 0, "{name}: {texts:?}"),
            _ => assert!(ticks_with("€") >= 3, "{name}: {texts:?}"),
        }
    }
    let debt = svg_texts(&dir.path().join("charts/fan_external_debt.svg"));
    assert!(debt.iter().any(|t| t == "guarantee room €40m"), "{debt:?}");
    let cost = svg_texts(&dir.path().join("charts/hist_cost_to_state.svg"));
    assert!(
        cost.iter()
            .any(|t| t.starts_with("P(cost to the state > 0) = ")),
        "{cost:?}"
    );
    for mark in ["p95 €", "p99 = VaR 99% €", "ES beyond p99 €"] {
        assert!(
            cost.iter().any(|t| t.starts_with(mark)),
            "no `{mark}` in {cost:?}"
        );
    }
    let capital = svg_texts(&dir.path().join("charts/hist_final_capital.svg"));
    assert!(
        capital.iter().any(|t| t.starts_with("p01 = VaR 99% ")),
        "{capital:?}"
    );
    assert!(
        capital.iter().any(|t| t.starts_with("Book valued at par")),
        "{capital:?}"
    );
}

#[test]
fn pngs_decode_and_are_not_blank() {
    let dir = copy_of_sample();
    report::render(dir.path()).expect("render");
    for name in ALL_CHARTS {
        let path = dir.path().join("charts").join(format!("{name}.png"));
        let decoder = png::Decoder::new(std::io::BufReader::new(fs::File::open(&path).unwrap()));
        let mut reader = decoder.read_info().expect("PNG header");
        let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
        let info = reader.next_frame(&mut buf).expect("PNG data");
        assert_eq!((info.width, info.height), (800, 500), "{name}");
        assert_eq!(info.color_type, png::ColorType::Rgb, "{name}");
        let pixels: Vec<[u8; 3]> = buf[..info.buffer_size()]
            .chunks_exact(3)
            .map(|p| [p[0], p[1], p[2]])
            .collect();
        let distinct: HashSet<[u8; 3]> = pixels.iter().copied().collect();
        assert!(
            distinct.len() > 40,
            "{name}: only {} colours",
            distinct.len()
        );
        let inked = pixels.iter().filter(|p| **p != [255, 255, 255]).count();
        let share = inked as f64 / pixels.len() as f64;
        assert!(
            (0.03..0.9).contains(&share),
            "{name}: {share:.3} of pixels inked"
        );
        // The title is drawn with the embedded font: dark anti-aliased pixels in its band.
        let title_ink = pixels[800 * 8..800 * 34]
            .iter()
            .filter(|p| p.iter().all(|c| *c < 100))
            .count();
        assert!(
            title_ink > 300,
            "{name}: no title text ({title_ink} dark pixels)"
        );
    }
}

#[test]
fn report_is_self_contained_and_holds_every_chart_and_table() {
    let dir = copy_of_sample();
    report::render(dir.path()).expect("render");
    let html = fs::read_to_string(dir.path().join(REPORT_HTML)).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(&format!("<h1>{NAME_ESCAPED}</h1>")));
    assert!(html.contains("A small stressed lender for the chart tests."));
    for fact in [
        "<dt>Seed</dt><dd>7</dd>",
        "<dt>Paths</dt><dd>300</dd>",
        "microfolio 0.1",
    ] {
        assert!(html.contains(fact), "no `{fact}`");
    }
    // Every chart inline as SVG.
    assert_eq!(html.matches("<svg ").count(), ALL_CHARTS.len());
    for name in ALL_CHARTS {
        assert!(
            html.contains(&format!("<figure id=\"{name}\">\n<svg ")),
            "{name} not inline"
        );
    }
    // Headline table and probabilities.
    for needle in [
        "<table id=\"headline\">",
        "Final capital †",
        "Cost to the state †",
        "<table id=\"probabilities\">",
        "Capital depleted",
        "Guarantee called",
        "Lending closed",
        "Book valued at par: losses still embedded in the book at the horizon are not included.",
        "<table id=\"yearly\">",
        "<td>2035</td>",
        "<table id=\"metrics\">",
        "Resolved scenario",
        "[[segment]]",
    ] {
        assert!(html.contains(needle), "report lacks `{needle}`");
    }
    // Numbers formatted as on the charts.
    assert!(html.contains("<td>€"), "no euro amounts");
    // Nothing loaded from elsewhere and no scripts.
    for banned in ["<script", "<link", "<img", "src=", "@import", "url("] {
        assert!(!html.contains(banned), "report has `{banned}`");
    }
    let outside: Vec<&str> = html
        .match_indices("http")
        .map(|(i, _)| &html[i..(i + 40).min(html.len())])
        .filter(|s| !s.starts_with("http://www.w3.org/2000/svg"))
        .collect();
    assert!(outside.is_empty(), "external references: {outside:?}");
}

#[test]
fn redrawing_a_folder_reproduces_the_same_files() {
    let dir = copy_of_sample();
    let first = report::render(dir.path()).expect("render");
    let read = |files: &[PathBuf]| -> Vec<Vec<u8>> {
        files.iter().map(|f| fs::read(f).unwrap()).collect()
    };
    let mut files = first.charts.clone();
    files.push(first.report.clone());
    let before = read(&files);
    let second = report::render(dir.path()).expect("render again");
    assert_eq!(second.charts, first.charts);
    assert_eq!(read(&files), before, "a redraw changed the files");
}

#[test]
fn without_paths_csv_the_histograms_are_skipped_with_a_note() {
    let dir = copy_of_sample();
    report::render(dir.path()).expect("render");
    assert!(dir.path().join("charts/hist_net_loss.png").exists());
    fs::remove_file(dir.path().join("paths.csv")).unwrap();
    let summary = report::render(dir.path()).expect("render without paths.csv");
    // The fan charts, the state's account, its budget and who bears the loss, drawn from
    // summary.json and timeseries.csv.
    assert_eq!(summary.charts.len(), 2 * 10);
    assert!(
        summary.notes.iter().any(|n| n.contains("paths.csv")),
        "{:?}",
        summary.notes
    );
    for name in ["hist_final_capital", "hist_net_loss", "hist_cost_to_state"] {
        for ext in ["svg", "png"] {
            let stale = dir.path().join("charts").join(format!("{name}.{ext}"));
            assert!(!stale.exists(), "stale {} left", stale.display());
        }
    }
    let html = fs::read_to_string(dir.path().join(REPORT_HTML)).unwrap();
    assert!(html.contains("paths.csv is absent"));
    assert_eq!(html.matches("<svg ").count(), 10);
}

/// Break one file of a sample folder and return the error message.
fn error_after(break_it: impl FnOnce(&Path)) -> String {
    let dir = copy_of_sample();
    break_it(dir.path());
    let err = report::render(dir.path()).expect_err("a broken folder must not render");
    assert!(
        !dir.path().join(REPORT_HTML).exists(),
        "report written anyway"
    );
    err.to_string()
}

/// A way to damage a result folder.
type Breaker = Box<dyn FnOnce(&Path)>;

#[test]
fn a_missing_or_corrupt_file_is_named_in_the_error() {
    let cases: Vec<(&str, Breaker)> = vec![
        (
            "summary.json",
            Box::new(|d| fs::remove_file(d.join("summary.json")).unwrap()),
        ),
        (
            "summary.json",
            Box::new(|d| fs::write(d.join("summary.json"), "{\"scenario\": ").unwrap()),
        ),
        (
            "scenario.toml",
            Box::new(|d| fs::remove_file(d.join("scenario.toml")).unwrap()),
        ),
        (
            "scenario.toml",
            Box::new(|d| fs::write(d.join("scenario.toml"), "[meta\nname = 1").unwrap()),
        ),
        (
            "timeseries.csv",
            Box::new(|d| fs::remove_file(d.join("timeseries.csv")).unwrap()),
        ),
        (
            "timeseries.csv",
            Box::new(|d| {
                let p = d.join("timeseries.csv");
                let text = fs::read_to_string(&p).unwrap();
                fs::write(&p, &text[..text.len() / 2]).unwrap();
            }),
        ),
        (
            "paths.csv",
            Box::new(|d| {
                let p = d.join("paths.csv");
                let text = fs::read_to_string(&p).unwrap();
                let kept: Vec<&str> = text.lines().take(100).collect();
                fs::write(&p, kept.join("\n")).unwrap();
            }),
        ),
        (
            "paths.csv",
            Box::new(|d| {
                let p = d.join("paths.csv");
                let text = fs::read_to_string(&p).unwrap();
                // A number that is not one, in a column the charts use.
                let mut lines: Vec<String> = text.lines().map(String::from).collect();
                let col = lines[0]
                    .split(',')
                    .position(|c| c == "final_capital")
                    .unwrap();
                let mut cells: Vec<&str> = lines[1].split(',').collect();
                cells[col] = "1.2.3";
                lines[1] = cells.join(",");
                fs::write(&p, lines.join("\n")).unwrap();
            }),
        ),
    ];
    for (file, break_it) in cases {
        let message = error_after(break_it);
        assert!(
            message.contains(file),
            "error does not name {file}: {message}"
        );
    }
}

/// Every shipped scenario gets every chart, in both formats, and a report that shows them;
/// the BMKB exposure only where the BMKB backs something (not in the Vasicek check).
#[test]
fn shipped_scenarios_get_every_chart() {
    for name in shipped_names() {
        let name = name.as_str();
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.toml"));
        let scenario = Scenario::load(&file, &[])
            .unwrap()
            .with_run_size(Some(60), None)
            .unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(name);
        let done =
            microfolio::run(&scenario, &dir, &RunOptions::default(), &Silent).expect("the run");
        assert!(done.notes.is_empty(), "{name}: {:?}", done.notes);
        let html = fs::read_to_string(dir.join(REPORT_HTML)).unwrap();
        for chart in ALL_CHARTS {
            if name == "vasicek" && chart == "fan_bmkb_exposure" {
                assert!(!dir.join("charts/fan_bmkb_exposure.svg").exists());
                continue;
            }
            for ext in ["svg", "png"] {
                let path = dir.join("charts").join(format!("{chart}.{ext}"));
                assert!(
                    fs::metadata(&path).map(|m| m.len() > 1000).unwrap_or(false),
                    "{name}: {}",
                    path.display()
                );
            }
            assert!(html.contains(chart), "{name}: report lacks {chart}");
        }
    }
}
