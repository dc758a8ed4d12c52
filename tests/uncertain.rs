//! Runs with parameter uncertainty (`run --uncertain`, docs/scenarios.md "Uncertain
//! parameters"): the section changes nothing without the flag; with it every path draws its own
//! values from a stream of its own (common random numbers for the rest of the path), on any
//! thread count the same; `paths.csv`, `summary.json` and the report show them; the shipped
//! study runs.

mod common;

use std::path::Path;

use common::{microfolio, root, scenario, shipped};
use microfolio::{RunOptions, Scenario, Silent};

const BASE: &str = "[simulation]\nhorizon_years = 3\npaths = 300\n[initial_book]\nloans = 200\n\
    [origination]\nloans_per_year = 300\n[credit_cycle]\nasset_correlation = 0.1\n\
    [[segment]]\nname = \"a\"\nannual_pd = 0.05\nrecovery_sd = 0.1\nfollowup_rate = 0.05\n\
    [[segment]]\nname = \"b\"\nannual_pd = 0.02\nshare = 0.5\n";

const SECTION: &str = "[[uncertain]]\nname = \"pd_level\"\n\
    keys = [\"segment.a.annual_pd\", \"segment.b.annual_pd\"]\nhow = \"scale\"\n\
    dist = \"lognormal\"\nmean = 1\nsd = 0.3\nhigh = 3\n\
    [[uncertain]]\nname = \"recovery\"\nkeys = [\"segment.a.recovery_mean\"]\n\
    dist = \"beta\"\nmean = 0.3\nsd = 0.1\n";

fn run(s: &Scenario, out: &Path, threads: usize, uncertain: bool) -> String {
    let options = RunOptions {
        threads: Some(threads),
        uncertain,
        ..RunOptions::default()
    };
    microfolio::run(s, out, &options, &Silent).unwrap_or_else(|e| panic!("{e}"));
    std::fs::read_to_string(out.join("paths.csv")).unwrap()
}

/// The metric cells of `paths.csv`: every column up to the parameters'.
fn metric_cells(csv: &str, parameters: usize) -> Vec<String> {
    csv.lines()
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            cells[..cells.len() - parameters].join(",")
        })
        .collect()
}

#[test]
fn without_the_flag_the_section_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let plain = run(&scenario(BASE, &[]), &dir.path().join("plain"), 2, false);
    let with = scenario(&format!("{BASE}{SECTION}"), &[]);
    assert_eq!(with.uncertain().len(), 2);
    assert_eq!(plain, run(&with, &dir.path().join("with"), 2, false));
    let summary = std::fs::read_to_string(dir.path().join("with/summary.json")).unwrap();
    assert!(!summary.contains("\"uncertain\""));
}

/// With every parameter certain to be its base value (a one-value discrete distribution), an
/// uncertain run is the plain run path for path: drawing the parameters moved no other draw.
#[test]
fn drawing_parameters_leaves_every_other_draw_of_a_path_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let plain = run(&scenario(BASE, &[]), &dir.path().join("plain"), 2, false);
    let certain = scenario(
        &format!(
            "{BASE}[[uncertain]]\nname = \"pd\"\nkeys = [\"segment.a.annual_pd\"]\n\
             dist = \"discrete\"\nvalues = [0.05]\n"
        ),
        &[],
    );
    let drawn = run(&certain, &dir.path().join("certain"), 2, true);
    assert!(drawn.lines().next().unwrap().ends_with(",uncertain.pd"));
    assert_eq!(
        metric_cells(&drawn, 1)[1..],
        plain.lines().collect::<Vec<_>>()[1..]
    );
}

#[test]
fn an_uncertain_run_is_the_same_on_any_thread_count_and_records_its_draws() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(&format!("{BASE}{SECTION}"), &[]);
    let one = run(&s, &dir.path().join("one"), 1, true);
    let two = run(&s, &dir.path().join("two"), 2, true);
    assert_eq!(one, two);
    let plain = run(&s, &dir.path().join("plain"), 2, false);
    assert_ne!(metric_cells(&one, 2), metric_cells(&plain, 0));
    // The columns hold each path's draw, which depends on (seed, path) alone.
    let lines: Vec<&str> = one.lines().collect();
    assert!(lines[0].ends_with(",uncertain.pd_level,uncertain.recovery"));
    for (i, line) in lines[1..].iter().enumerate() {
        let cells: Vec<f64> = line
            .rsplit(',')
            .take(2)
            .map(|c| c.parse().unwrap())
            .collect();
        let drawn = s.uncertain_draw(i as u64);
        assert_eq!(cells, [drawn[1], drawn[0]]);
    }
    // summary.json records the section; the report draws the rank correlations, and
    // `report` redraws them, and their table, from the folder alone, byte for byte.
    let folder = dir.path().join("two");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["uncertain"][0]["name"], "pd_level");
    assert_eq!(summary["uncertain"][1]["dist"], "beta");
    let mut drawn: Vec<std::path::PathBuf> = std::fs::read_dir(folder.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("rank_")
        })
        .collect();
    assert!(drawn.len() >= 20, "{drawn:?}");
    drawn.push(folder.join("rank_correlations.csv"));
    drawn.push(folder.join("report.html"));
    let first: Vec<Vec<u8>> = drawn.iter().map(|p| std::fs::read(p).unwrap()).collect();
    for p in &drawn {
        std::fs::remove_file(p).unwrap();
    }
    assert!(String::from_utf8_lossy(&first[first.len() - 1]).contains("Parameter uncertainty"));
    let again = microfolio(dir.path(), &["report", folder.to_str().unwrap()]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    for (p, bytes) in drawn.iter().zip(&first) {
        assert!(
            std::fs::read(p).unwrap() == *bytes,
            "{} differs",
            p.display()
        );
    }
}

/// Every key outcome of the report gets a row per parameter in `rank_correlations.csv`, in
/// the report's order, and a chart when it varies over the paths (otherwise a note says why
/// not); the report says in words what drives each. The numbers are Spearman's coefficients of
/// the `paths.csv` columns.
/// Average ranks counted directly (`#below + (#equal + 1) / 2`), then Pearson's coefficient
/// by the textbook formula: Spearman's coefficient with ties, independently of the library.
fn direct_spearman(x: &[f64], y: &[f64]) -> f64 {
    let ranks = |v: &[f64]| -> Vec<f64> {
        v.iter()
            .map(|a| {
                let below = v.iter().filter(|b| *b < a).count() as f64;
                let equal = v.iter().filter(|b| *b == a).count() as f64;
                below + (equal + 1.0) / 2.0
            })
            .collect()
    };
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    let mean = (n + 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mean) * (b - mean);
        sxx += (a - mean) * (a - mean);
        syy += (b - mean) * (b - mean);
    }
    sxy / (sxx * syy).sqrt()
}

#[test]
fn every_headline_outcome_gets_its_rank_correlations() {
    let dir = tempfile::tempdir().unwrap();
    // Fixed costs of up to €30m a year against €44.7m of capital deplete it on about half the
    // paths: `capital_depleted` is 0 or 1, all ties.
    let fixed = "[[uncertain]]\nname = \"fixed_costs\"\nkeys = [\"costs.fixed_per_year\"]\n\
                 dist = \"uniform\"\nlow = 0\nhigh = 3e7\n";
    let s = scenario(&format!("{BASE}{SECTION}{fixed}"), &[]);
    let names = ["pd_level", "recovery", "fixed_costs"];
    let k = names.len();
    let folder = dir.path().join("r");
    let paths = run(&s, &folder, 2, true);
    let csv = std::fs::read_to_string(folder.join("rank_correlations.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("metric,parameter,rho,low,high,n"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let mut expected = microfolio::metrics::HEADLINE.to_vec();
    expected.push(microfolio::metrics::Scalar::CapitalDepleted);
    assert_eq!(rows.len(), k * expected.len());
    let html = std::fs::read_to_string(folder.join("report.html")).unwrap();
    let header: Vec<&str> = paths.lines().next().unwrap().split(',').collect();
    let column = |name: &str| -> Vec<Option<f64>> {
        let k = header.iter().position(|h| *h == name).unwrap();
        paths
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(k).unwrap().parse().ok())
            .collect()
    };
    for (i, metric) in expected.iter().enumerate() {
        let y = column(metric.name());
        let defined = y.iter().flatten().count().to_string();
        for (j, parameter) in names.iter().enumerate() {
            let row = &rows[k * i + j];
            assert_eq!(row[..2], [metric.name(), parameter], "{row:?}");
            assert_eq!(row[5], defined, "{row:?}");
            let x: Vec<f64> = column(&format!("uncertain.{parameter}"))
                .into_iter()
                .map(Option::unwrap)
                .collect();
            let r = microfolio::uncertainty::rank::spearman(&x, &y, 0.95);
            let cells = r.map_or(["".to_string(), "".into(), "".into()], |r| {
                [r.rho, r.low, r.high].map(|v| v.to_string())
            });
            assert_eq!(row[2..5], cells, "{row:?}");
        }
        let chart = folder.join(format!("charts/rank_{}.svg", metric.name()));
        let varies = (0..k).any(|j| !rows[k * i + j][2].is_empty());
        assert_eq!(chart.exists(), varies, "{}", metric.name());
        if !varies {
            assert!(html.contains(&format!("rank_{}: ", metric.name())));
        }
        let label = metric.label().replace('\'', "&#39;");
        assert!(html.contains(&format!("<li><b>{label}</b>: ")), "{label}");
    }
    // With ties: the library's coefficient is the direct one (to rounding), and the fixed
    // costs drive depletion (a correlation of about 0.87 here; 0.7 is far outside its
    // interval of about ±0.03).
    let depleted: Vec<f64> = column("capital_depleted")
        .into_iter()
        .map(Option::unwrap)
        .collect();
    let shares = depleted.iter().sum::<f64>() / depleted.len() as f64;
    assert!((0.2..0.8).contains(&shares), "{shares}");
    let row = rows
        .iter()
        .position(|r| r[..2] == ["capital_depleted", "fixed_costs"])
        .unwrap();
    let costs: Vec<f64> = column("uncertain.fixed_costs")
        .into_iter()
        .map(Option::unwrap)
        .collect();
    let rho: f64 = rows[row][2].parse().unwrap();
    assert!(
        (rho - direct_spearman(&costs, &depleted)).abs() < 1e-12,
        "{rho}"
    );
    assert!(rho > 0.7, "{rho}");
    assert!(html.contains("<li><b>Capital depleted</b>: driven most by <code>fixed_costs</code>"));
    // The PD level drives the net loss by construction (see below).
    assert!(
        html.contains("<li><b>Net loss</b>: driven most by <code>pd_level</code>"),
        "{}",
        &html[html.find("<ul id=\"drivers\">").unwrap()..]
    );
}

/// A PD drawn higher makes more defaults: the rank correlation of the PD level with the
/// default count is clearly positive (its 95% interval above 0.3; at 300 paths the interval
/// is about ±0.11 wide, and with a 30% spread of the PD its correlation is far above 0.5).
#[test]
fn the_rank_correlation_finds_the_parameter_that_drives_an_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(&format!("{BASE}{SECTION}"), &[]);
    let csv = run(&s, &dir.path().join("r"), 2, true);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (defaults, pd) = (col("defaults"), col("uncertain.pd_level"));
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let x: Vec<f64> = rows.iter().map(|r| r[pd].parse().unwrap()).collect();
    let y: Vec<Option<f64>> = rows.iter().map(|r| r[defaults].parse().ok()).collect();
    let r = microfolio::uncertainty::rank::spearman(&x, &y, 0.95).unwrap();
    assert!(r.low > 0.3, "{r:?}");
}

#[test]
fn the_flag_without_a_section_is_refused_and_the_shipped_study_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = root().join("scenarios/baseline.toml");
    let out = microfolio(
        dir.path(),
        &[
            "run",
            baseline.to_str().unwrap(),
            "--uncertain",
            "--paths",
            "10",
            "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no [[uncertain]] parameter to draw"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let study = shipped("uncertainty", &[]);
    assert!(study.uncertain().len() >= 25);
    // Without the section's draws it is the baseline.
    let base = shipped("baseline", &[]);
    let mut plain = study.spec().clone();
    plain.uncertain.clear();
    plain.meta = base.spec().meta.clone();
    assert_eq!(&plain, base.spec());
}

/// A combination of draws that breaks a rule between keys stops the run with a message that
/// names the rule and the values drawn, and leaves no folder.
#[test]
fn a_combination_that_breaks_a_rule_stops_the_run_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(
        &format!(
            "{BASE}[[uncertain]]\nname = \"floor\"\nkeys = [\"funding.min_cash\"]\n\
             dist = \"uniform\"\nlow = 1e6\nhigh = 5e6\n\
             [[uncertain]]\nname = \"target\"\nkeys = [\"funding.cash_target\"]\n\
             dist = \"uniform\"\nlow = 3e6\nhigh = 9e6\n"
        ),
        &[],
    );
    let out = dir.path().join("broken");
    let options = RunOptions {
        threads: Some(2),
        uncertain: true,
        ..RunOptions::default()
    };
    let e = microfolio::run(&s, &out, &options, &Silent).unwrap_err();
    assert_eq!(e.kind(), microfolio::ErrorKind::BadInput);
    let message = e.to_string();
    assert!(
        message.contains("funding.cash_target")
            && message.contains("with the values path")
            && message.contains("floor = "),
        "{message}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// The benchmark of README "Performance" (benches/sobol-k8.toml): the baseline with exactly
/// eight uncertain estimates and no groups (k = 8), each as `scenarios/uncertainty.toml`
/// declares it.
#[test]
fn the_k8_benchmark_is_the_baseline_with_eight_estimates_of_the_shipped_study() {
    let bench = Scenario::load(&root().join("benches/sobol-k8.toml"), &[])
        .unwrap_or_else(|e| panic!("{e}"));
    let study = shipped("uncertainty", &[]);
    assert_eq!(bench.uncertain().len(), 8);
    for p in bench.uncertain() {
        assert_eq!(p.group, None, "{}", p.name);
        let shipped = study.uncertain().iter().find(|q| q.name == p.name).unwrap();
        assert_eq!(
            (&p.keys, &p.how, &p.distribution),
            (&shipped.keys, &shipped.how, &shipped.distribution)
        );
    }
    let base = shipped("baseline", &[]);
    let mut plain = bench.spec().clone();
    plain.uncertain.clear();
    plain.meta = base.spec().meta.clone();
    assert_eq!(&plain, base.spec());
}

/// The report's point-value column: a run with parameter uncertainty carries its paired run at
/// the scenario's own values, which is, number for number, the run without `--uncertain` on the
/// same paths; the report shows both side by side and says what each is.
#[test]
fn the_point_values_are_the_plain_run_of_the_same_paths() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(&format!("{BASE}{SECTION}"), &[]);
    run(&s, &dir.path().join("plain"), 2, false);
    run(&s, &dir.path().join("drawn"), 1, true);
    let read = |f: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(f)).unwrap()).unwrap()
    };
    let (plain, drawn) = (read("plain/summary.json"), read("drawn/summary.json"));
    assert!(plain.get("point_values").is_none());
    let point = &drawn["point_values"];
    assert_eq!(point["paths"], 300);
    assert_eq!(point["metrics"], plain["metrics"]);
    assert_eq!(point["probabilities"], plain["probabilities"]);
    assert_eq!(point["loans_simulated"], plain["loans_simulated"]);
    // Both runs' loans are counted in the time they took.
    assert_eq!(
        drawn["loans_simulated"].as_u64().unwrap(),
        point["loans_simulated"].as_u64().unwrap() + drawn_loans(&s)
    );
    // The draws move the outcomes: the two columns are not one.
    assert_ne!(drawn["metrics"]["net_loss"], point["metrics"]["net_loss"]);
    let report = std::fs::read_to_string(dir.path().join("drawn/report.html")).unwrap();
    assert!(
        report.contains("At the point values"),
        "no point-value column"
    );
    assert!(report.contains("the same paths (the same loans"));
    let plain_report = std::fs::read_to_string(dir.path().join("plain/report.html")).unwrap();
    assert!(!plain_report.contains("At the point values"));
}

/// Loans the drawn paths of a run with parameter uncertainty simulate, alone.
fn drawn_loans(s: &Scenario) -> u64 {
    let pool = microfolio::Pool::new(&microfolio::Options::default()).unwrap();
    let done = microfolio::simulate_run_with(s, &pool, &Silent, None, true).unwrap();
    assert!(done.point.is_some());
    done.results.loans_simulated()
}
