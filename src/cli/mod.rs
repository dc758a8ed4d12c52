//! The command line: argument parsing ([`args`]), progress bar ([`progress`]), what is printed
//! ([`print`]), and exit codes. Glue only; the model lives in the library, whose errors name
//! keys and values: this module names the flags that gave them.

mod args;
mod print;
mod progress;
mod shard;

use std::io::Write;
use std::process::ExitCode;

use args::{
    CalibrateArgs, Command, CompareArgs, MorrisArgs, ReportArgs, RunArgs, ScenarioArgs, SobolArgs,
    SweepArgs, TornadoArgs, ValidateArgs, VariantsWork, WorkArgs,
};
use microfolio::output::PathsFormat;
use microfolio::precision::TargetSe;
use microfolio::report::ReportError;
use microfolio::scenario::{Sampling, shorten, shorten_words};
use microfolio::study::morris::{Morris, MorrisSettings};
use microfolio::study::params::{SweepParam, VariantSpec};
use microfolio::study::sobol::{Sobol, SobolSettings};
use microfolio::study::voi::Outcome;
use microfolio::study::{self, parse_metrics};
use microfolio::{
    Arg, Compare, Error, ErrorKind, Options, Override, RunOptions, Scalar, Scenario, ScenarioError,
    Study, Sweep, Tornado, Work,
};
use progress::Bar;

/// Exit code for bad input: a scenario, an argument or an output folder that cannot be used.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for a failure while running (e.g. the disk filled up).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code after Ctrl-C, as shells expect (128 + SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Parse arguments, run, and map every error to a message on stderr and an exit code.
pub fn main() -> ExitCode {
    progress::handle_interrupts();
    let cli = match args::parse() {
        Ok(cli) => cli,
        Err(e) => return args::refused(e),
    };
    match cli.command {
        Command::Run(args) => run(args),
        Command::Validate(args) => validate(args),
        Command::Report(args) => report(args),
        Command::Sweep(args) => sweep(args),
        Command::Compare(args) => compare(args),
        Command::Tornado(args) => tornado(args),
        Command::Merge(args) => shard::merge(args),
        Command::Sobol(args) => sobol(args),
        Command::Morris(args) => morris(args),
        Command::Calibrate(args) => calibrate(args),
    }
}

fn fail(code: u8, message: impl std::fmt::Display) -> ExitCode {
    // Nothing more can be done if stderr cannot be written either: no panic, just the code.
    let _ = writeln!(std::io::stderr(), "microfolio: error: {message}");
    ExitCode::from(code)
}

/// A note on stderr (never a panic if stderr is gone).
fn note(message: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "microfolio: note: {message}");
}

/// A warning on stderr: the work goes on, but the user should know.
fn warn(message: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "microfolio: warning: {message}");
}

/// The exit of a command whose output to stdout (`written`) failed or not. A closed pipe
/// (`| head`) is the reader's choice to stop reading, not a failure; any other write error (a
/// full disk, `> /dev/full`) is one message and exit code 1. `saved` says what is safely on
/// disk anyway, if anything.
fn printed(written: std::io::Result<()>, saved: Option<&std::path::Path>) -> ExitCode {
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let saved = saved.map_or(String::new(), |folder| {
                format!(" (the results are saved in {})", folder.display())
            });
            fail(
                EXIT_FAILURE,
                format!("cannot write to standard output: {e}{saved}"),
            )
        }
    }
}

/// The flag of an argument; `metrics` is the command's own (`--metrics`, `--metric`).
fn flag(arg: Arg, metrics: &str) -> &str {
    match arg {
        Arg::Param => "--param",
        Arg::Variant => "--variant",
        Arg::Metrics => metrics,
        Arg::Spread => "--spread",
        Arg::Threads => "--threads",
        Arg::Shard => "--shard",
        Arg::Samples => "--samples",
        Arg::PathsPerPoint => "--paths-per-point",
        Arg::Bootstrap => "--bootstrap",
        Arg::Confidence => "--confidence",
        Arg::Trajectories => "--trajectories",
        Arg::Levels => "--levels",
        Arg::Paths => "--paths",
        Arg::Points => "--points",
        Arg::Waves => "--waves",
        Arg::Cutoff => "--cutoff",
        Arg::Continue => "--continue",
        Arg::Draws => "--draws",
        Arg::PathsPerDraw => "--paths-per-draw",
        Arg::Voi => "--voi",
        Arg::TargetSe => "--target-se",
    }
}

/// A library error as the command line says it, naming the flags of the arguments involved
/// (`metrics` is the command's flag for a list of metrics), with its exit code.
fn failed(e: Error, metrics: &str) -> ExitCode {
    let code = match e.kind() {
        ErrorKind::BadInput => EXIT_BAD_INPUT,
        ErrorKind::Failure => EXIT_FAILURE,
        ErrorKind::Interrupted => EXIT_INTERRUPTED,
    };
    let message = match &e {
        Error::Argument {
            arg,
            given,
            message,
        } => {
            let flag = flag(*arg, metrics);
            let given: Vec<String> = given
                .iter()
                .map(|g| match arg {
                    Arg::Variant => format!("{flag} '{}'", shorten(g)),
                    _ => format!("{flag} {}", shorten(g)),
                })
                .collect();
            format!("{}: {message}", given.join(" × "))
        }
        Error::Missing {
            arg,
            context,
            example,
        } => format!("{context} {} {example}", flag(*arg, metrics)),
        Error::Inapplicable {
            arg,
            given,
            context,
            applies_to,
        } => {
            let flag = flag(*arg, metrics);
            let given = shorten(given);
            format!("{flag} {given}: {context}; {flag} applies only to {applies_to}")
        }
        Error::TooLarge {
            work: Work::Study { .. },
            ..
        } => format!("{e} (--paths)"),
        Error::Scenario(e) => scenario_message(e),
        Error::Output(microfolio::OutputError::Refused { .. }) => {
            format!("{e}; choose another --out")
        }
        other => other.to_string(),
    };
    fail(code, message)
}

fn report(args: ReportArgs) -> ExitCode {
    // A study folder holds no per-path data to draw from: say so rather than name a missing key.
    if let Some(study) = study::kind_of_folder(&args.folder) {
        return fail(
            EXIT_BAD_INPUT,
            format!(
                "{}: is the folder of a `microfolio {study}` study, whose charts and report are drawn when the study runs; \
                 `microfolio report` redraws the folders of `microfolio run`",
                args.folder.display()
            ),
        );
    }
    match microfolio::report::render(&args.folder) {
        Ok(done) => {
            for n in &done.notes {
                note(n);
            }
            let mut out = std::io::stdout().lock();
            let charts = done.charts.len() / 2;
            let mut text = format!(
                "redrew {charts} chart{} (SVG and PNG) in {}\n",
                if charts == 1 { "" } else { "s" },
                args.folder.join(microfolio::report::CHARTS_DIR).display()
            );
            for t in &done.tables {
                text.push_str(&format!("table:  {}\n", t.display()));
            }
            text.push_str(&format!("report: {}\n", done.report.display()));
            let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
            printed(written, None)
        }
        // Missing or corrupt data is bad input; a chart or file that cannot be written is not.
        Err(e @ ReportError::Data(_)) => fail(EXIT_BAD_INPUT, e),
        Err(e) => fail(EXIT_FAILURE, e),
    }
}

/// A scenario error as the command line says it: an override is the `--set` it came from.
fn scenario_message(e: &ScenarioError) -> String {
    match e {
        ScenarioError::Override { spec, message } => {
            format!("--set {}: {}", shorten(spec), shorten_words(message))
        }
        ScenarioError::Value {
            from_override: true,
            ..
        } => e.to_string().replacen(
            &format!("({})", microfolio::scenario::OVERRIDDEN),
            "(set on the command line)",
            1,
        ),
        other => other.to_string(),
    }
}

/// The `--set` overrides.
fn overrides(set: &[String]) -> Result<Vec<Override>, ExitCode> {
    set.iter()
        .map(|s| s.parse::<Override>())
        .collect::<Result<_, _>>()
        .map_err(|e| fail(EXIT_BAD_INPUT, scenario_message(&e)))
}

fn load(args: &ScenarioArgs) -> Result<Scenario, ExitCode> {
    let overrides = overrides(&args.set)?;
    Scenario::load(&args.scenario, &overrides)
        .map_err(|e| fail(EXIT_BAD_INPUT, scenario_message(&e)))
}

/// The scenario with `--sampling`, `--paths` and `--seed` applied.
fn load_sized(args: &ScenarioArgs, work: &WorkArgs) -> Result<Scenario, ExitCode> {
    let args = ScenarioArgs {
        scenario: args.scenario.clone(),
        set: with_sampling(&args.set, work.sampling.as_deref())?,
    };
    load(&args)?
        .with_run_size(work.paths, work.seed)
        .map_err(|e| fail(EXIT_BAD_INPUT, scenario_message(&e)))
}

/// The `--set` values with `--sampling` after them: the flag is `--set
/// simulation.sampling=...`, checked as a flag of its own (every command that runs paths has
/// it).
fn with_sampling(set: &[String], sampling: Option<&str>) -> Result<Vec<String>, ExitCode> {
    let mut set = set.to_vec();
    if let Some(sampling) = sampling {
        if !Sampling::NAMES.contains(&sampling) {
            return Err(fail(
                EXIT_BAD_INPUT,
                format!(
                    "--sampling {}: allowed: {}",
                    shorten(sampling),
                    Sampling::NAMES.join(", ")
                ),
            ));
        }
        set.push(format!("simulation.sampling={sampling}"));
    }
    Ok(set)
}

/// The metrics of every list given (each comma-separated, or `all`), each once.
fn metrics(lists: &[String]) -> Result<Vec<Scalar>, Error> {
    let mut metrics = Vec::new();
    for list in lists {
        not_a_probability(list)?;
        for m in parse_metrics(list)? {
            if !metrics.contains(&m) {
                metrics.push(m);
            }
        }
    }
    Ok(metrics)
}

/// Refuse a probability of `summary.json` given as a metric, saying what to use instead: a
/// study compares means over paths, and a probability is the share of paths on which an
/// outcome is above zero. (`capital_depleted` and `resolved` are both: 0 or 1 on each path,
/// their mean is the probability.)
fn not_a_probability(list: &str) -> Result<(), Error> {
    for name in list.split(',').map(str::trim) {
        let instead = microfolio::output::PROBABILITIES
            .iter()
            .find(|(p, m)| *p == name && m.name() != name)
            .map(|(_, m)| m.name());
        if let Some(instead) = instead {
            return Err(Error::Argument {
                arg: Arg::Metrics,
                given: vec![list.to_string()],
                message: format!(
                    "`{name}` is a probability in summary.json, not an outcome of each path that a \
                     study can compare; use `{instead}` (its mean over paths), or \
                     `capital_depleted` (0 or 1 on each path, so its mean is a probability)"
                ),
            });
        }
    }
    Ok(())
}

fn validate(args: ValidateArgs) -> ExitCode {
    let scenario_args = match with_sampling(&args.scenario.set, args.sampling.as_deref()) {
        Ok(set) => ScenarioArgs {
            scenario: args.scenario.scenario.clone(),
            set,
        },
        Err(code) => return code,
    };
    let overrides = match overrides(&scenario_args.set) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let loaded = match load(&scenario_args) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // A file made with --set is a variant: it names itself after its changes (or --name), so
    // that running it never takes the place of the scenario's own results.
    let scenario = match loaded.as_variant(&overrides, args.name.as_deref()) {
        Ok(s) => s,
        Err(e) => return fail(EXIT_BAD_INPUT, scenario_message(&e)),
    };
    let text = microfolio::output::scenario_toml(&scenario);
    let mut out = std::io::stdout().lock();
    let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    if written.is_ok() {
        let _ = writeln!(
            std::io::stderr(),
            "{}: valid",
            args.scenario.scenario.display()
        );
        if scenario.name() != loaded.name() {
            note(format!(
                "the resolved scenario is named `{}` (meta.name){}, so that its results go to {}, \
                 not to {}; --name NAME chooses another",
                scenario.name(),
                if args.name.is_some() {
                    ""
                } else {
                    " after the keys set"
                },
                microfolio::default_folder(&scenario, false).display(),
                microfolio::default_folder(&loaded, false).display()
            ));
        }
    }
    printed(written, None)
}

/// A run into the default folder may replace a result only of its own scenario file: one that
/// another file wrote (two files with one meta.name) is refused, naming that file and the keys
/// in which the two differ, unless --replace.
fn owned_or_refused(scenario: &Scenario, folder: &std::path::Path) -> Result<(), ExitCode> {
    let Some(writer) = microfolio::written_by(folder) else {
        return Ok(());
    };
    if microfolio::same_file(&writer, scenario.file()) {
        return Ok(());
    }
    let earlier =
        std::fs::read_to_string(folder.join(microfolio::output::SCENARIO_TOML)).unwrap_or_default();
    let now = scenario.spec().to_toml();
    let keys = match microfolio::scenario::differences(&earlier, &now) {
        Some(d) if d.is_empty() => "the same values".to_string(),
        Some(d) => {
            let shown: Vec<String> = d
                .iter()
                .take(4)
                .map(|(k, a, b)| {
                    let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "(unset)".into());
                    format!("{k} ({} → {})", shorten(&v(a)), shorten(&v(b)))
                })
                .collect();
            let more = d.len().saturating_sub(shown.len());
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!("{}{more}", shown.join(", "))
        }
        None => "keys the earlier scenario.toml no longer shows".to_string(),
    };
    Err(fail(
        EXIT_BAD_INPUT,
        format!(
            "{} holds the result of {writer}, which {} would replace (both are named `{}`); they \
             differ in {keys}. Give {} a meta.name of its own, or choose --out DIR, or --replace \
             to replace it",
            folder.display(),
            scenario.file(),
            scenario.name(),
            scenario.file()
        ),
    ))
}

fn run(args: RunArgs) -> ExitCode {
    let scenario = match load_sized(&args.scenario, &args.run) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let paths_format = match PathsFormat::parse(&args.paths_format) {
        Ok(f) => f,
        Err(why) => {
            return fail(
                EXIT_BAD_INPUT,
                format!("--paths-format {}: {why}", shorten(&args.paths_format)),
            );
        }
    };
    let target_se = match args.target_se.as_deref().map(str::parse::<TargetSe>) {
        None => None,
        Some(Ok(t)) => match t.check(args.uncertain, args.run.shard.is_some()) {
            Ok(()) => Some(t),
            Err(e) => return failed(e, ""),
        },
        Some(Err(e)) => return failed(e, ""),
    };
    let options = RunOptions {
        threads: args.run.threads,
        paths_csv: !args.no_paths_csv,
        paths_format,
        memory_budget: None,
        uncertain: args.uncertain,
        target_se,
    };
    if let Some(text) = &args.run.shard {
        return shard::run(&scenario, &args.run, text, &options);
    }
    let destination = match &args.run.out {
        Some(out) => out.clone(),
        None => {
            let folder = microfolio::default_folder(&scenario, args.uncertain);
            if !args.replace {
                if let Err(code) = owned_or_refused(&scenario, &folder) {
                    return code;
                }
            }
            folder
        }
    };
    // With --uncertain the paired point-value run follows the draws on the same paths.
    let paths =
        scenario.spec().simulation.paths as u64 * microfolio::shard::run_unit_count(args.uncertain);
    let bar = Bar::new(paths, args.run.quiet, None);
    if let Some(t) = &target_se {
        bar.aiming_at(t);
    }
    let outcome = microfolio::run(&scenario, &destination, &options, &bar);
    bar.finish();
    match outcome {
        Ok(done) => {
            if args.run.quiet {
                return ExitCode::SUCCESS;
            }
            for n in &done.notes {
                note(n);
            }
            printed(
                print::run(&scenario, &done, args.uncertain),
                Some(&done.folder),
            )
        }
        Err(e) => failed(e, ""),
    }
}

/// Every study: run the planned study into its folder with a progress bar, then print its
/// headline and table. `metrics` is the command's flag for a list of metrics.
fn study<S: Study>(plan: Result<S, Error>, run: &WorkArgs, metrics: &str) -> ExitCode {
    let study = match plan {
        Ok(s) => s,
        Err(e) => return failed(e, metrics),
    };
    // Refused before any plan, shard or warning (the library refuses it too).
    if let Err(e) = microfolio::study::study_sampling(&study) {
        return failed(e, metrics);
    }
    if !run.quiet {
        for w in study.warnings() {
            warn(format!(
                "{} {}: {}; {} or more would do (the study runs as asked)",
                flag(w.arg, metrics),
                w.given,
                w.why,
                w.enough
            ));
        }
    }
    if let Some(text) = &run.shard {
        return shard::study(&study, run, text, metrics);
    }
    let destination = run
        .out
        .clone()
        .unwrap_or_else(|| study::default_folder(study.base(), S::KIND));
    if !run.quiet {
        for n in study.notes() {
            note(n);
        }
    }
    let bar = Bar::new(study.paths_total(), run.quiet, Some(study.unit_name()));
    let options = Options {
        threads: run.threads,
        memory_budget: None,
    };
    let outcome = microfolio::run_study(&study, &destination, &options, &bar);
    bar.finish();
    match outcome {
        Ok(_) if run.quiet => ExitCode::SUCCESS,
        Ok(done) => printed(print::study(&study, &done), Some(&done.folder)),
        Err(e) => failed(e, metrics),
    }
}

fn sweep(args: SweepArgs) -> ExitCode {
    let run = &args.work.run;
    let nesting = match nesting(&args.work) {
        Ok(n) => n,
        Err(code) => return code,
    };
    let scenario = match load_sized(&args.scenario, run) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let plan = (|| {
        let params = args
            .params
            .iter()
            .map(|p| p.parse::<SweepParam>())
            .collect::<Result<Vec<_>, _>>()?;
        let sweep = Sweep::new(&scenario, params, metrics(args.metrics.as_slice())?)?;
        match nesting {
            Some(n) => sweep.with_uncertainty(n),
            None => Ok(sweep),
        }
    })();
    study(plan, run, "--metrics")
}

fn compare(args: CompareArgs) -> ExitCode {
    let run = &args.work.run;
    let voi = match args.voi.as_deref().map(str::parse::<Outcome>).transpose() {
        Ok(v) => v,
        Err(e) => return failed(e, "--metrics"),
    };
    let nesting = match nesting(&args.work) {
        Ok(n) => n,
        Err(code) => return code,
    };
    let set = with_sampling(&args.set, run.sampling.as_deref());
    let overrides = match set.and_then(|set| overrides(&set)) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let mut scenarios = Vec::new();
    for path in &args.scenarios {
        match Scenario::load(path, &overrides) {
            Ok(s) => scenarios.push(s),
            Err(e) => return fail(EXIT_BAD_INPUT, scenario_message(&e)),
        }
    }
    let plan = (|| {
        let specs = args
            .variants
            .iter()
            .map(|v| v.parse::<VariantSpec>())
            .collect::<Result<Vec<_>, _>>()?;
        let metrics = metrics(args.metrics.as_slice())?;
        let compare = Compare::new(&scenarios, &specs, run.paths, run.seed, metrics)?;
        let compare = match nesting {
            Some(n) => compare.with_uncertainty(n)?,
            None => compare,
        };
        match voi {
            Some(outcome) => compare.with_voi(outcome),
            None => Ok(compare),
        }
    })();
    study(plan, run, "--metrics")
}

fn tornado(args: TornadoArgs) -> ExitCode {
    let scenario = match load_sized(&args.scenario, &args.run) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let plan = metrics(&args.metrics).and_then(|m| Tornado::new(&scenario, m, args.spread));
    study(plan, &args.run, "--metric")
}

fn sobol(args: SobolArgs) -> ExitCode {
    if let Some(code) = no_paths_flag(&args.run, "Sobol'") {
        return code;
    }
    let scenario = match load_sized(&args.scenario, &args.run) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let defaults = SobolSettings::default();
    let settings = SobolSettings {
        samples: args.samples.unwrap_or(defaults.samples),
        paths_per_point: args
            .design
            .paths_per_point
            .unwrap_or(defaults.paths_per_point),
        second_order: args.second_order,
        bootstrap: args.design.bootstrap.unwrap_or(defaults.bootstrap),
        confidence: args.design.confidence.unwrap_or(defaults.confidence),
    };
    let plan =
        metrics(args.design.metrics.as_slice()).and_then(|m| Sobol::new(&scenario, m, settings));
    study(plan, &args.run, "--metrics")
}

/// The nesting of paths in draws of `--uncertain`, `--draws` and `--paths-per-draw`: `None`
/// without `--uncertain`; the two numbers without it, or `--paths` with it, are refused.
fn nesting(work: &VariantsWork) -> Result<Option<study::nested::Nesting>, ExitCode> {
    let (args, run) = (&work.uncertainty, &work.run);
    use study::nested::{DEFAULT_DRAWS, DEFAULT_PATHS_PER_DRAW, Nesting};
    if !args.uncertain {
        let given = [
            ("--draws", args.draws),
            ("--paths-per-draw", args.paths_per_draw),
        ];
        if let Some((flag, Some(n))) = given.iter().find(|(_, n)| n.is_some()) {
            return Err(fail(
                EXIT_BAD_INPUT,
                format!(
                    "{flag} {n}: draws nest paths only with --uncertain (draws of the scenario's \
                     [[uncertain]] parameters); add --uncertain, or give --paths"
                ),
            ));
        }
        return Ok(None);
    }
    if let Some(paths) = run.paths {
        return Err(fail(
            EXIT_BAD_INPUT,
            format!(
                "--paths {paths}: with --uncertain every variant runs --draws draws of \
                 --paths-per-draw paths (default {DEFAULT_DRAWS} × {DEFAULT_PATHS_PER_DRAW}); \
                 use those flags"
            ),
        ));
    }
    Nesting::new(
        args.draws.unwrap_or(DEFAULT_DRAWS),
        args.paths_per_draw.unwrap_or(DEFAULT_PATHS_PER_DRAW),
    )
    .map(Some)
    .map_err(|e| failed(e, "--metrics"))
}

/// `--paths` of a design study: refused, naming the flag that says how many paths each point
/// runs.
fn no_paths_flag(run: &WorkArgs, study: &str) -> Option<ExitCode> {
    run.paths.map(|paths| {
        fail(
            EXIT_BAD_INPUT,
            format!(
                "--paths {paths}: a {study} study runs --paths-per-point paths at each point of \
                 its design (default {}); use that flag",
                study::sobol::DEFAULT_PATHS_PER_POINT
            ),
        )
    })
}

fn morris(args: MorrisArgs) -> ExitCode {
    if let Some(code) = no_paths_flag(&args.run, "Morris") {
        return code;
    }
    let scenario = match load_sized(&args.scenario, &args.run) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let defaults = MorrisSettings::default();
    let settings = MorrisSettings {
        trajectories: args.trajectories.unwrap_or(defaults.trajectories),
        levels: args.levels.unwrap_or(defaults.levels),
        paths_per_point: args
            .design
            .paths_per_point
            .unwrap_or(defaults.paths_per_point),
        bootstrap: args.design.bootstrap.unwrap_or(defaults.bootstrap),
        confidence: args.design.confidence.unwrap_or(defaults.confidence),
    };
    let plan =
        metrics(args.design.metrics.as_slice()).and_then(|m| Morris::new(&scenario, m, settings));
    study(plan, &args.run, "--metrics")
}

fn calibrate(args: CalibrateArgs) -> ExitCode {
    use microfolio::study::calibrate::{
        Calibration, CalibrationSettings, implausibility::Measure, targets::Targets,
    };
    if let Some(code) = no_paths_flag(&args.run, "calibration") {
        return code;
    }
    let scenario = match load_sized(&args.scenario, &args.run) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let targets = match Targets::load(&args.targets, &scenario) {
        Ok(t) => t,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    let defaults = CalibrationSettings::default();
    let settings = CalibrationSettings {
        points: args.points.unwrap_or(defaults.points),
        paths_per_point: args.paths_per_point.unwrap_or(defaults.paths_per_point),
        waves: args.waves.unwrap_or(defaults.waves),
        cutoff: args.cutoff.unwrap_or(defaults.cutoff),
        measure: if args.second {
            Measure::SecondLargest
        } else {
            Measure::Largest
        },
    };
    let mut run = args.run;
    let plan = Calibration::new(&scenario, targets, settings).and_then(|c| {
        let Some(folder) = &args.continue_from else {
            return Ok(c);
        };
        let c = c.continuing(folder)?;
        if run.shard.is_some() {
            c.shardable(folder)?;
        }
        Ok(c)
    });
    // Each wave's shards in a folder of their own by default: a merge refuses the shards of
    // two waves together.
    if let (Ok(c), Some(_), None) = (&plan, &run.shard, &run.out) {
        run.out = Some(microfolio::shard::default_study_shards(
            c.problem().base(),
            &format!("calibrate-wave{}", c.next_wave()),
        ));
    }
    study(plan, &run, "--metrics")
}
