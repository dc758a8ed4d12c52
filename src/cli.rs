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
    }
}

fn report(args: ReportArgs) -> ExitCode {
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
