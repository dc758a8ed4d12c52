//! The command line: argument parsing, progress bar, the human summary, exit codes. Glue only;
//! the model lives in the library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use microfolio::format::{count, eur, pct};
use microfolio::job::{self, Completed, RunError, RunOptions};
use microfolio::metrics::Scalar;
use microfolio::output::OutputError;
use microfolio::report::ReportError;
use microfolio::run::Observer;
use microfolio::scenario::{Override, Scenario};

/// Exit code for bad input: a scenario, an argument or an output folder that cannot be used.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for a failure while running (e.g. the disk filled up).
pub const EXIT_FAILURE: u8 = 1;

#[derive(Parser, Debug)]
#[command(
    name = "microfolio",
    version,
    about = "Monte Carlo simulator of microcredit portfolios"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Simulate a scenario and write its results to a folder.
    Run(RunArgs),
    /// Check a scenario without running it; print the resolved scenario as TOML on stdout.
    Validate(ScenarioArgs),
    /// Redraw the charts and report.html of an earlier run from its data files.
    Report(ReportArgs),
    /// Sweep one parameter (a line) or two (a grid) on common random numbers.
    Sweep(SweepArgs),
    /// Compare policies on common random numbers: paired differences with their uncertainty.
    Compare(CompareArgs),
    /// Move each sensitivity parameter alone to a low and a high value: a tornado chart.
    Tornado(TornadoArgs),
}

/// Options every study shares.
#[derive(Args, Debug)]
struct StudyRunArgs {
    /// Paths per variant (overrides simulation.paths); every variant runs the same paths.
    #[arg(long)]
    paths: Option<u64>,
    /// Seed of every variant (overrides simulation.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Output folder [default: output/<meta.name>-<study>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads [default: all cores].
    #[arg(long)]
    threads: Option<usize>,
    /// No progress bar and no summary on stdout.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct SweepArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// A swept parameter by its dotted path: `KEY=v1,v2,...` or `KEY=lo:hi:n` (n evenly spaced
    /// values). Once for a line, twice for a grid (at most 10,000 variants).
    #[arg(long = "param", value_name = "KEY=VALUES")]
    params: Vec<String>,
    /// Metrics to report, comma-separated, or `all` [default: ten key outcomes].
    #[arg(long, value_name = "M1,M2")]
    metrics: Option<String>,
    #[command(flatten)]
    run: StudyRunArgs,
}

#[derive(Args, Debug)]
struct CompareArgs {
    /// Scenario files; the first is the reference A, each other one a variant B.
    #[arg(required = true, value_name = "SCENARIO")]
    scenarios: Vec<PathBuf>,
    /// Override a value in every scenario file by its dotted path. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// A variant of the first scenario: `'NAME: key=value,key=value'`. Repeatable.
    #[arg(long = "variant", value_name = "'NAME: KEY=VALUE,...'")]
    variants: Vec<String>,
    /// Metrics drawn in the chart, comma-separated, or `all` (the table has every metric)
    /// [default: ten key outcomes].
    #[arg(long, value_name = "M1,M2")]
    metrics: Option<String>,
    #[command(flatten)]
    run: StudyRunArgs,
}

#[derive(Args, Debug)]
struct TornadoArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// The metric whose swing is charted; repeatable or comma-separated
    /// [default: cost_to_state and net_loss].
    #[arg(long = "metric", value_name = "M")]
    metrics: Vec<String>,
    /// For the default parameter list (no [sensitivity] section): move each parameter by ±
    /// this fraction of its value [default: 0.2].
    #[arg(long)]
    spread: Option<f64>,
    #[command(flatten)]
    run: StudyRunArgs,
}

#[derive(Args, Debug)]
struct ReportArgs {
    /// A result folder written by `microfolio run`.
    folder: PathBuf,
}

#[derive(Args, Debug)]
struct ScenarioArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Override a scenario value by its dotted path, e.g. `funding.guarantee_room=150e6` or
    /// `segment.starter.annual_pd=0.08`. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

#[derive(Args, Debug)]
struct RunArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// Number of paths (overrides simulation.paths).
    #[arg(long)]
    paths: Option<u64>,
    /// Seed (overrides simulation.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Output folder [default: output/<meta.name>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads [default: all cores].
    #[arg(long)]
    threads: Option<usize>,
    /// No progress bar and no summary on stdout.
    #[arg(long, short)]
    quiet: bool,
    /// Do not write paths.csv (for very large runs).
    #[arg(long)]
    no_paths_csv: bool,
}

/// Parse arguments, run, and map every error to a message on stderr and an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(args),
        Command::Validate(args) => validate(args),
        Command::Report(args) => report(args),
        Command::Sweep(args) => studies::sweep(args),
        Command::Compare(args) => studies::compare(args),
        Command::Tornado(args) => studies::tornado(args),
    }
}

fn report(args: ReportArgs) -> ExitCode {
    // A study folder holds no per-path data to draw from: say so rather than name a missing key.
    for (file, study) in [
        ("sweep.csv", "sweep"),
        ("compare.csv", "compare"),
        ("tornado.csv", "tornado"),
    ] {
        if args.folder.join(file).is_file() {
            return fail(
                EXIT_BAD_INPUT,
                format!(
                    "{}: is the folder of a `microfolio {study}` study, whose charts and report are drawn when the study runs; \
                     `microfolio report` redraws the folders of `microfolio run`",
                    args.folder.display()
                ),
            );
        }
    }
    match microfolio::report::render(&args.folder) {
        Ok(done) => {
            for note in &done.notes {
                eprintln!("microfolio: note: {note}");
            }
            println!("{} charts and {}", done.charts.len(), done.report.display());
            ExitCode::SUCCESS
        }
        // Missing or corrupt data is bad input; a chart or file that cannot be written is not.
        Err(e @ ReportError::Data(_)) => fail(EXIT_BAD_INPUT, e),
        Err(e) => fail(EXIT_FAILURE, e),
    }
}

fn fail(code: u8, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("microfolio: error: {message}");
    ExitCode::from(code)
}

fn load(args: &ScenarioArgs) -> Result<Scenario, ExitCode> {
    let overrides: Vec<Override> = args
        .set
        .iter()
        .map(|s| s.parse::<Override>())
        .collect::<Result<_, _>>()
        .map_err(|e| fail(EXIT_BAD_INPUT, e))?;
    Scenario::load(&args.scenario, &overrides).map_err(|e| fail(EXIT_BAD_INPUT, e))
}

fn validate(args: ScenarioArgs) -> ExitCode {
    match load(&args) {
        Err(code) => code,
        Ok(scenario) => {
            let text = microfolio::output::scenario_toml(&scenario);
            if std::io::stdout().lock().write_all(text.as_bytes()).is_err() {
                return ExitCode::from(EXIT_FAILURE);
            }
            eprintln!("{}: valid", args.scenario.display());
            ExitCode::SUCCESS
        }
    }
}

/// Exit code after Ctrl-C, as shells expect (128 + SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;

/// The study commands: glue between the arguments and `microfolio::study`.
mod studies {
    use super::*;
    use microfolio::study::compare::Compare;
    use microfolio::study::params::{SweepParam, VariantSpec};
    use microfolio::study::sweep::Sweep;
    use microfolio::study::tornado::Tornado;
    use microfolio::study::{
        self, Done, Progress as StudyProgressReport, StudyError, StudyObserver, StudyOptions,
        StudyRun,
    };

    /// The progress bar over variants × paths, and Ctrl-C.
    struct StudyProgress {
        bar: Option<ProgressBar>,
        interrupted: Arc<AtomicBool>,
    }

    impl StudyObserver for StudyProgress {
        fn progress(&self, p: StudyProgressReport) {
            if let Some(bar) = &self.bar {
                bar.set_position(p.paths_done);
                bar.set_message(format!(
                    "variant {}/{}",
                    (p.variants_done + 1).min(p.variants_total),
                    p.variants_total
                ));
            }
        }

        fn should_stop(&self) -> bool {
            self.interrupted.load(Ordering::Relaxed)
        }
    }

    impl StudyProgress {
        fn new(total_paths: u64, quiet: bool) -> StudyProgress {
            let show = !quiet && std::io::stderr().is_terminal();
            let bar = show.then(|| {
                let bar = ProgressBar::new(total_paths);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{bar:40.cyan/blue} {pos}/{len} paths  {msg}  {per_sec}  ETA {eta}",
                    )
                    .expect("a valid template"),
                );
                bar
            });
            let interrupted = Arc::new(AtomicBool::new(false));
            let flag = interrupted.clone();
            // As for `run`: without the handler Ctrl-C still ends the process, and the staging
            // folder it leaves is hidden and never looks like a result.
            let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
            StudyProgress { bar, interrupted }
        }

        fn finish(&self) {
            if let Some(bar) = &self.bar {
                bar.finish_and_clear();
            }
        }
    }

    fn options(run: &StudyRunArgs) -> Result<StudyOptions, ExitCode> {
        if run.threads == Some(0) {
            return Err(fail(
                EXIT_BAD_INPUT,
                "--threads 0: allowed: a whole number >= 1",
            ));
        }
        Ok(StudyOptions {
            threads: run.threads,
            memory_budget: None,
        })
    }

    fn study_failed(e: StudyError) -> ExitCode {
        match e {
            e @ StudyError::Interrupted { .. } => fail(EXIT_INTERRUPTED, e),
            e if e.is_bad_input() => fail(EXIT_BAD_INPUT, e),
            e => fail(EXIT_FAILURE, e),
        }
    }

    fn load_sized(args: &ScenarioArgs, run: &StudyRunArgs) -> Result<Scenario, ExitCode> {
        let scenario = load(args)?;
        scenario
            .with_run_size(run.paths, run.seed)
            .map_err(|e| fail(EXIT_BAD_INPUT, e))
    }

    fn done_lines(out: &mut impl Write, folder: &std::path::Path) {
        let _ = writeln!(out, "results: {}", folder.display());
        let _ = writeln!(
            out,
            "report:  {}",
            folder.join(microfolio::report::REPORT_HTML).display()
        );
    }

    fn headline(out: &mut impl Write, what: &str, variants: usize, paths: u64, run: &StudyRun) {
        let _ = writeln!(
            out,
            "{what}: {} variants × {} paths in {:.1} s on {} threads (common random numbers)",
            count(variants as f64),
            count(paths as f64),
            run.wall_seconds,
            run.threads
        );
    }

    pub(super) fn sweep(args: SweepArgs) -> ExitCode {
        let scenario = match load_sized(&args.scenario, &args.run) {
            Ok(s) => s,
            Err(code) => return code,
        };
        let options = match options(&args.run) {
            Ok(o) => o,
            Err(code) => return code,
        };
        let plan = (|| {
            let params = args
                .params
                .iter()
                .map(|p| p.parse::<SweepParam>())
                .collect::<Result<Vec<_>, _>>()?;
            let metrics = match &args.metrics {
                Some(list) => study::parse_metrics(list, "--metrics")?,
                None => Vec::new(),
            };
            Sweep::new(&scenario, params, metrics)
        })();
        let sweep = match plan {
            Ok(s) => s,
            Err(e) => return study_failed(e),
        };
        let destination = args
            .run
            .out
            .clone()
            .unwrap_or_else(|| study::default_folder(&scenario, "sweep"));
        let total = sweep.variants().len() as u64 * sweep.paths();
        let progress = StudyProgress::new(total, args.run.quiet);
        let outcome = sweep.run(&destination, &options, &progress);
        progress.finish();
        match outcome {
            Ok(Done { folder, results }) => {
                if !args.run.quiet {
                    let mut out = std::io::stdout().lock();
                    let keys: Vec<&str> = sweep.params().iter().map(|p| p.key.as_str()).collect();
                    headline(
                        &mut out,
                        &format!("{}: sweep of {}", scenario.name(), keys.join(" × ")),
                        sweep.variants().len(),
                        sweep.paths(),
                        &results.run,
                    );
                    done_lines(&mut out, &folder);
                }
                ExitCode::SUCCESS
            }
            Err(e) => study_failed(e),
        }
    }

    pub(super) fn compare(args: CompareArgs) -> ExitCode {
        let overrides: Vec<Override> = match args
            .set
            .iter()
            .map(|s| s.parse::<Override>())
            .collect::<Result<_, _>>()
        {
            Ok(o) => o,
            Err(e) => return fail(EXIT_BAD_INPUT, e),
        };
        let mut scenarios = Vec::new();
        for path in &args.scenarios {
            match Scenario::load(path, &overrides) {
                Ok(s) => scenarios.push(s),
                Err(e) => return fail(EXIT_BAD_INPUT, e),
            }
        }
        let options = match options(&args.run) {
            Ok(o) => o,
            Err(code) => return code,
        };
        let plan = (|| {
            let specs = args
                .variants
                .iter()
                .map(|v| v.parse::<VariantSpec>())
                .collect::<Result<Vec<_>, _>>()?;
            let metrics = match &args.metrics {
                Some(list) => study::parse_metrics(list, "--metrics")?,
                None => Vec::new(),
            };
            Compare::new(&scenarios, &specs, args.run.paths, args.run.seed, metrics)
        })();
        let compare = match plan {
            Ok(c) => c,
            Err(e) => return study_failed(e),
        };
        let destination = args
            .run
            .out
            .clone()
            .unwrap_or_else(|| study::default_folder(compare.reference(), "compare"));
        if !args.run.quiet {
            for note in compare.notes() {
                eprintln!("microfolio: note: {note}");
            }
        }
        let total = compare.variants().len() as u64 * compare.paths();
        let progress = StudyProgress::new(total, args.run.quiet);
        let outcome = compare.run(&destination, &options, &progress);
        progress.finish();
        match outcome {
            Ok(Done { folder, results }) => {
                if !args.run.quiet {
                    let mut out = std::io::stdout().lock();
                    headline(
                        &mut out,
                        &format!("{}: comparison", compare.reference().name()),
                        compare.variants().len(),
                        compare.paths(),
                        &results.run,
                    );
                    let a = &compare.variants()[0].name;
                    for (k, v) in compare.variants().iter().enumerate().skip(1) {
                        let b = &v.name;
                        let (wa, wb) =
                            (a.chars().count().max(10) + 2, b.chars().count().max(10) + 2);
                        let _ = writeln!(out, "\n{b} − {a}:");
                        let _ = writeln!(
                            out,
                            "{:<28}{a:>wa$}{b:>wb$}{:>12}{:>26}{:>8}{:>10}",
                            "", "B − A", "95% CI", "ratio", "P(worse)"
                        );
                        for m in compare.chart_metrics() {
                            let name = m.name();
                            let scale = microfolio::charts::study::Scale::of_metric(name);
                            let mean = |i: usize| {
                                results
                                    .stats(i, *m)
                                    .map_or("–".to_string(), |s| scale.value(s.mean))
                            };
                            let p = results.paired(k, *m);
                            let _ = writeln!(
                                out,
                                "{name:<28}{:>wa$}{:>wb$}{:>12}{:>26}{:>8}{:>10}",
                                mean(0),
                                mean(k),
                                p.map_or("–".to_string(), |p| scale.signed(p.diff)),
                                p.and_then(|p| p.ci).map_or("–".to_string(), |(lo, hi)| {
                                    format!("{} to {}", scale.signed(lo), scale.signed(hi))
                                }),
                                p.and_then(|p| p.se_ratio())
                                    .map_or("–".to_string(), |r| format!("{r:.1}×")),
                                p.and_then(|p| p.p_worse)
                                    .map_or("–".to_string(), |x| pct(x, 1)),
                            );
                        }
                    }
                    let _ = writeln!(
                        out,
                        "(ratio: how many times smaller the paired standard error is than with independent draws)"
                    );
                    done_lines(&mut out, &folder);
                }
                ExitCode::SUCCESS
            }
            Err(e) => study_failed(e),
        }
    }

    pub(super) fn tornado(args: TornadoArgs) -> ExitCode {
        let scenario = match load_sized(&args.scenario, &args.run) {
            Ok(s) => s,
            Err(code) => return code,
        };
        let options = match options(&args.run) {
            Ok(o) => o,
            Err(code) => return code,
        };
        let plan = (|| {
            let mut metrics = Vec::new();
            for list in &args.metrics {
                for m in study::parse_metrics(list, "--metric")? {
                    if !metrics.contains(&m) {
                        metrics.push(m);
                    }
                }
            }
            if let Some(s) = args.spread
                && !s.is_finite()
            {
                return Err(StudyError::Input(format!(
                    "--spread {s}: allowed: a fraction above 0 and below 1"
                )));
            }
            Tornado::new(&scenario, metrics, args.spread)
        })();
        let tornado = match plan {
            Ok(t) => t,
            Err(e) => return study_failed(e),
        };
        let destination = args
            .run
            .out
            .clone()
            .unwrap_or_else(|| study::default_folder(&scenario, "tornado"));
        let total = tornado.variants().len() as u64 * tornado.paths();
        let progress = StudyProgress::new(total, args.run.quiet);
        let outcome = tornado.run(&destination, &options, &progress);
        progress.finish();
        match outcome {
            Ok(Done { folder, results }) => {
                if !args.run.quiet {
                    let mut out = std::io::stdout().lock();
                    headline(
                        &mut out,
                        &format!(
                            "{}: tornado of {} parameters",
                            scenario.name(),
                            tornado.params().len()
                        ),
                        tornado.variants().len(),
                        tornado.paths(),
                        &results.run,
                    );
                    for (k, m) in tornado.metrics().iter().enumerate() {
                        let name = m.name();
                        let scale = microfolio::charts::study::Scale::of_metric(name);
                        let Some(base) = results.baseline[k] else {
                            let _ = writeln!(out, "\n{name}: undefined on every path");
                            continue;
                        };
                        let _ = writeln!(
                            out,
                            "\n{name}: baseline mean {}; largest swings:",
                            scale.value(base.mean)
                        );
                        for bar in results.bars[k].iter().take(8) {
                            let p = &tornado.params()[bar.param];
                            let ps =
                                microfolio::charts::study::Scale::of_parameter(&p.key, p.whole);
                            let side =
                                |s: Option<f64>, at: Option<microfolio::study::tornado::Side>| {
                                    match (s, at) {
                                        (Some(v), Some(at)) => {
                                            format!("{} → {}", ps.value(v), scale.value(at.mean))
                                        }
                                        _ => "–".to_string(),
                                    }
                                };
                            let _ = writeln!(
                                out,
                                "  {:<44}{:>26}{:>26}  swing {}",
                                p.key,
                                side(p.low, bar.low),
                                side(p.high, bar.high),
                                scale.value(bar.swing)
                            );
                        }
                    }
                    if !tornado.skipped().is_empty() {
                        let _ = writeln!(
                            out,
                            "\n{} parameters not moved (see the report for why)",
                            tornado.skipped().len()
                        );
                    }
                    done_lines(&mut out, &folder);
                }
                ExitCode::SUCCESS
            }
            Err(e) => study_failed(e),
        }
    }
}

/// Progress bar on stderr (when stderr is a terminal) and Ctrl-C: the first Ctrl-C asks the
/// engine to stop after the current chunk of paths, so that nothing half-written is left.
struct Progress {
    bar: Option<ProgressBar>,
    interrupted: Arc<AtomicBool>,
}

impl Observer for Progress {
    fn paths_done(&self, done: u64, _total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    fn should_stop(&self) -> bool {
        self.interrupted.load(Ordering::Relaxed)
    }
}

fn run(args: RunArgs) -> ExitCode {
    let scenario = match load(&args.scenario) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let scenario = match scenario.with_run_size(args.paths, args.seed) {
        Ok(s) => s,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    if args.threads == Some(0) {
        return fail(EXIT_BAD_INPUT, "--threads 0: allowed: a whole number >= 1");
    }
    let destination = args
        .out
        .clone()
        .unwrap_or_else(|| job::default_folder(&scenario));
    let paths = scenario.spec().simulation.paths as u64;
    let show_bar = !args.quiet && std::io::stderr().is_terminal();
    let bar = show_bar.then(|| {
        let bar = ProgressBar::new(paths);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40.cyan/blue} {pos}/{len} paths  {per_sec}  ETA {eta}",
            )
            .expect("a valid template"),
        );
        bar
    });
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = interrupted.clone();
    // If the handler cannot be installed (e.g. one is already set), Ctrl-C still ends the
    // process, and the staging folder it leaves is hidden and never looks like a result.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    let progress = Progress { bar, interrupted };
    let options = RunOptions {
        threads: args.threads,
        paths_csv: !args.no_paths_csv,
        memory_budget: None,
    };
    let outcome = job::run(&scenario, &destination, &options, &progress);
    if let Some(bar) = &progress.bar {
        bar.finish_and_clear();
    }
    match outcome {
        Ok(done) => {
            if !args.quiet {
                for note in &done.notes {
                    eprintln!("microfolio: note: {note}");
                }
                print_summary(&scenario, &done);
            }
            ExitCode::SUCCESS
        }
        Err(RunError::Output(e @ OutputError::Refused { .. })) => fail(EXIT_BAD_INPUT, e),
        Err(e @ RunError::TooLarge { .. }) => fail(EXIT_BAD_INPUT, e),
        Err(e @ RunError::Interrupted { .. }) => fail(EXIT_INTERRUPTED, e),
        Err(e) => fail(EXIT_FAILURE, e),
    }
}

/// The human summary on stdout. Write errors (a closed pipe, e.g. `| head`) are ignored: the
/// results are already safely on disk.
fn print_summary(scenario: &Scenario, done: &Completed) {
    let mut out = std::io::stdout().lock();
    let r = &done.results;
    let info = &done.info;
    let per_second = r.loans_simulated() as f64 / info.wall_seconds.max(1e-9);
    let _ = writeln!(
        out,
        "{}: {} paths × {} years in {:.1} s on {} threads: {:.1}M loans/s ({:.1}M per core)",
        scenario.name(),
        count(r.paths() as f64),
        scenario.spec().simulation.horizon_years,
        info.wall_seconds,
        info.threads,
        per_second / 1e6,
        per_second / 1e6 / info.threads as f64
    );
    let _ = writeln!(out, "{:<16}{:>12}{:>12}{:>12}", "", "mean", "p05", "p95");
    type Formatter = fn(f64) -> String;
    let rows: [(Scalar, Formatter); 4] = [
        (Scalar::FinalCapital, eur),
        (Scalar::NetLoss, eur),
        (Scalar::DefaultRate, |x| pct(x, 1)),
        (Scalar::CostToState, eur),
    ];
    for (m, f) in rows {
        let _ = match r.summary(m) {
            Some(s) => writeln!(
                out,
                "{:<16}{:>12}{:>12}{:>12}",
                m.name(),
                f(s.mean),
                f(s.quantile("p05").unwrap_or(f64::NAN)),
                f(s.quantile("p95").unwrap_or(f64::NAN))
            ),
            None => writeln!(out, "{:<16}{:>12}", m.name(), "undefined"),
        };
    }
    let _ = writeln!(
        out,
        "P(capital depleted) {}",
        pct(r.probability_positive(Scalar::CapitalDepleted), 1)
    );
    let _ = writeln!(
        out,
        "(final capital and cost to state value the book at par; losses still embedded in it are not included)"
    );
    let _ = writeln!(out, "results: {}", done.folder.display());
    let _ = writeln!(
        out,
        "report:  {}",
        done.folder.join(microfolio::report::REPORT_HTML).display()
    );
}
