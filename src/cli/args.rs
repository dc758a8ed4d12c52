//! The command line's arguments, as clap parses them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "microfolio",
    version,
    about = "Monte Carlo simulator of microcredit portfolios"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Simulate a scenario and write its results to a folder.
    Run(RunArgs),
    /// Check a scenario without running it; print the resolved scenario as TOML on stdout.
    Validate(ValidateArgs),
    /// Redraw the charts and report.html of an earlier run from its data files.
    Report(ReportArgs),
    /// Sweep one parameter (a line) or two (a grid) on common random numbers.
    Sweep(SweepArgs),
    /// Compare policies on common random numbers: paired differences with their uncertainty.
    Compare(CompareArgs),
    /// Move each sensitivity parameter alone to a low and a high value: a tornado chart.
    Tornado(TornadoArgs),
    /// Put the shards of a run or a study (`--shard`) back together into its result folder.
    Merge(MergeArgs),
    /// Sobol' indices of the scenario's uncertain parameters ([[uncertain]]): which estimates
    /// drive which outcome, and how much is noise.
    Sobol(SobolArgs),
    /// Morris screening of the scenario's uncertain parameters: elementary effects, μ* and σ,
    /// at a fraction of a Sobol' study's cost.
    Morris(MorrisArgs),
    /// History matching: which sets of the scenario's uncertain parameters ([[uncertain]]) the
    /// public record (a targets file) does not rule out, in waves; writes calibrated.toml.
    Calibrate(CalibrateArgs),
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Shard folders, folders of shard folders, or patterns such as 'shards/shard-*'.
    #[arg(required = true, value_name = "SHARD_DIR")]
    pub shards: Vec<PathBuf>,
    /// Result folder [default: the folder the run or study would have written].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Nothing on stdout.
    #[arg(long, short)]
    pub quiet: bool,
    /// For the shards of a run: write the file of paths as `csv` (paths.csv) or `parquet`
    /// (paths.parquet), whatever the shards' command asked for.
    #[arg(long, value_name = "csv|parquet")]
    pub paths_format: Option<String>,
    /// For the shards of a run: write no file of paths, whatever the shards' command asked for.
    #[arg(long, conflicts_with = "paths_format")]
    pub no_paths_csv: bool,
}

/// Options every run and study shares.
#[derive(Args, Debug)]
pub struct WorkArgs {
    /// Number of paths (overrides simulation.paths; with `run --target-se`, the most it runs);
    /// every variant of a study runs the same paths.
    #[arg(long, value_parser = whole::<u64>)]
    pub paths: Option<u64>,
    /// Seed (overrides simulation.seed), of every variant of a study.
    #[arg(long, value_parser = whole::<u64>)]
    pub seed: Option<u64>,
    /// How the paths' credit cycles are drawn (overrides simulation.sampling), for every
    /// variant of a study: `plain`, `rqmc` (randomised quasi-Monte Carlo: scrambled Sobol'
    /// points) or `tail` (importance sampling of the tail, weighted paths, one fit for every
    /// variant; docs/model.md §12; not yet with `--uncertain`).
    #[arg(long, value_name = "plain|rqmc|tail")]
    pub sampling: Option<String>,
    /// Output folder [default: output/<meta.name> for a run, output/<meta.name>-<study> for a
    /// study].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads [default: all cores].
    #[arg(long, value_parser = whole::<usize>)]
    pub threads: Option<usize>,
    /// No progress bar and no summary on stdout.
    #[arg(long, short)]
    pub quiet: bool,
    /// Compute only shard I of N (counted from 0) into OUT/shard-IIII-of-NNNN (shard 2 of 8:
    /// shard-0002-of-0008), for `microfolio merge`; `auto/N` takes I from the task of a Slurm
    /// job array or a Kubernetes Indexed Job, `auto` I and N from a Slurm job array of all N
    /// tasks. With it, --out is the folder of all the shards [default:
    /// output/<meta.name>[-<study>]-shards].
    #[arg(long, value_name = "I/N|auto/N|auto")]
    pub shard: Option<String>,
    /// With --shard: compute nothing, print what the shards and their merge will need (memory
    /// of a task and of the merge, disk) as key=value lines.
    #[arg(long, requires = "shard")]
    pub plan: bool,
}

#[derive(Args, Debug)]
pub struct SweepArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// A swept parameter by its dotted path: `KEY=v1,v2,...` or `KEY=lo:hi:n` (n evenly spaced
    /// values). Once for a line, twice for a grid (at most 10,000 variants).
    #[arg(long = "param", value_name = "KEY=VALUES")]
    pub params: Vec<String>,
    /// Metrics to report, comma-separated, or `all` [default: ten key outcomes].
    #[arg(long, value_name = "M1,M2")]
    pub metrics: Option<String>,
    #[command(flatten)]
    pub work: VariantsWork,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Scenario files; the first is the reference A, each other one a variant B.
    #[arg(required = true, value_name = "SCENARIO")]
    pub scenarios: Vec<PathBuf>,
    /// Override a value in every scenario file by its dotted path. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// A variant of the first scenario: `'NAME: key=value,key=value'`. Repeatable.
    #[arg(long = "variant", value_name = "'NAME: KEY=VALUE,...'")]
    pub variants: Vec<String>,
    /// Metrics drawn in the chart, comma-separated, or `all` (the table has every metric)
    /// [default: ten key outcomes].
    #[arg(long, value_name = "M1,M2")]
    pub metrics: Option<String>,
    /// With --uncertain: the value of information of the choice between the variants on
    /// OUTCOME, a metric with a direction (`state_cost_total_pv`) or `net:LAMBDA:BENEFIT:COST`
    /// (LAMBDA × BENEFIT − COST): the EVPI, and the EVPPI of every uncertain parameter and group
    /// (voi.csv, summary.json, the report).
    #[arg(long, value_name = "OUTCOME")]
    pub voi: Option<String>,
    #[command(flatten)]
    pub work: VariantsWork,
}

/// The work of a study of variants (`sweep`, `compare`): its paths, or with `--uncertain` its
/// draws of the uncertain parameters and the paths of each.
#[derive(Args, Debug)]
pub struct VariantsWork {
    #[command(flatten)]
    pub uncertainty: UncertainArgs,
    #[command(flatten)]
    pub run: WorkArgs,
}

/// Parameter uncertainty in a study of variants.
#[derive(Args, Debug)]
pub struct UncertainArgs {
    /// Nest the paths in draws of the (first) scenario's [[uncertain]] parameters: every variant
    /// runs each draw's values on the same paths, and the table adds the probability over
    /// draws that a variant is better and the share of the difference's variance that is
    /// parameter uncertainty (draws.csv has every draw's means). Replaces --paths.
    #[arg(long)]
    pub uncertain: bool,
    /// With --uncertain: draws of the uncertain parameters [default: 100].
    #[arg(long, value_name = "K", value_parser = whole::<u64>)]
    pub draws: Option<u64>,
    /// With --uncertain: paths at each draw, the same for every variant [default: 100].
    #[arg(long, value_name = "M", value_parser = whole::<u64>)]
    pub paths_per_draw: Option<u64>,
}

#[derive(Args, Debug)]
pub struct TornadoArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The metric whose swing is charted; repeatable or comma-separated
    /// [default: cost_to_state and net_loss].
    #[arg(long = "metric", value_name = "M")]
    pub metrics: Vec<String>,
    /// For the default parameter list (no [sensitivity] section): move each parameter by ±
    /// this fraction of its value [default: 0.2].
    #[arg(long, value_parser = number)]
    pub spread: Option<f64>,
    #[command(flatten)]
    pub run: WorkArgs,
}

/// Options of the studies over a design of points (`sobol`, `morris`).
#[derive(Args, Debug)]
pub struct DesignArgs {
    /// Paths simulated at each point; every point runs the same path indices [default: 64].
    #[arg(long, value_name = "M", value_parser = whole::<u64>)]
    pub paths_per_point: Option<u64>,
    /// Metrics to analyse, comma-separated, or `all` [default: cost_to_state,
    /// capital_depleted, entrepreneurs_financed].
    #[arg(long, value_name = "M1,M2")]
    pub metrics: Option<String>,
    /// Bootstrap resamples of the indices (Sobol') or of μ* (Morris) [default: 1000].
    #[arg(long, value_name = "B", value_parser = whole::<usize>)]
    pub bootstrap: Option<usize>,
    /// Confidence level of the bootstrap intervals [default: 0.95].
    #[arg(long, value_name = "LEVEL", value_parser = number)]
    pub confidence: Option<f64>,
}

#[derive(Args, Debug)]
pub struct SobolArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Base samples N of Saltelli's design, a power of two [default: 256]; the design has
    /// N × (groups + 2) points, the dummy parameter counted as a group.
    #[arg(long, value_name = "N", value_parser = whole::<usize>)]
    pub samples: Option<usize>,
    /// Second-order indices too (doubles the points but for two per base sample).
    #[arg(long)]
    pub second_order: bool,
    #[command(flatten)]
    pub design: DesignArgs,
    #[command(flatten)]
    pub run: WorkArgs,
}

#[derive(Args, Debug)]
pub struct MorrisArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Trajectories r through the grid [default: 20]; the design has r × (groups + 1) points,
    /// the dummy parameter counted as a group.
    #[arg(long, value_name = "R", value_parser = whole::<usize>)]
    pub trajectories: Option<usize>,
    /// Levels p of the grid, an even number [default: 4].
    #[arg(long, value_name = "P", value_parser = whole::<usize>)]
    pub levels: Option<usize>,
    #[command(flatten)]
    pub design: DesignArgs,
    #[command(flatten)]
    pub run: WorkArgs,
}

#[derive(Args, Debug)]
pub struct CalibrateArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The targets file: the observations, their errors and sources (docs/calibration.md,
    /// "History matching").
    #[arg(long, value_name = "TARGETS.toml")]
    pub targets: PathBuf,
    /// Points per wave [default: 512].
    #[arg(long, value_name = "N", value_parser = whole::<usize>)]
    pub points: Option<usize>,
    /// Paths simulated at each point, the same path indices at every point [default: 32].
    #[arg(long, value_name = "M", value_parser = whole::<u64>)]
    pub paths_per_point: Option<u64>,
    /// Waves at most; they stop earlier when the kept share changes by less than 5 points
    /// [default: 4].
    #[arg(long, value_name = "W", value_parser = whole::<usize>)]
    pub waves: Option<usize>,
    /// The largest implausibility a kept point may have [default: 3].
    #[arg(long, value_name = "C", value_parser = number)]
    pub cutoff: Option<f64>,
    /// Keep a point by its second largest implausibility: one target may be missed.
    #[arg(long)]
    pub second: bool,
    /// Continue the waves of this result folder of the same calibration (same scenario, --set,
    /// targets and flags): with --shard, compute a shard of its next wave; without, run its
    /// remaining waves (docs/calibration.md, "In shards, one wave at a time").
    #[arg(long = "continue", value_name = "DIR")]
    pub continue_from: Option<PathBuf>,
    #[command(flatten)]
    pub run: WorkArgs,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// A result folder written by `microfolio run`.
    pub folder: PathBuf,
}

#[derive(Args, Debug)]
pub struct ScenarioArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Override a scenario value by its dotted path, e.g. `funding.facility.eib.rate=0.03` or
    /// `segment.micro_starter.annual_pd=0.08` (segments and facilities by their name).
    /// Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The resolved scenario's meta.name [default: with --set, the scenario's name followed by
    /// each key and value set, e.g. baseline-referral_share-0.8, so that its results never take
    /// the place of the scenario's own].
    #[arg(long)]
    pub name: Option<String>,
    /// How the paths' credit cycles are drawn (overrides simulation.sampling): `plain`,
    /// `rqmc` or `tail`, as for `run`.
    #[arg(long, value_name = "plain|rqmc|tail")]
    pub sampling: Option<String>,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub run: WorkArgs,
    /// Do not write the file of paths (paths.csv or paths.parquet; for very large runs).
    #[arg(long)]
    pub no_paths_csv: bool,
    /// The file of per-path outcomes: `csv` (paths.csv) or `parquet` (paths.parquet, columnar
    /// and compressed; in every build with the default features).
    #[arg(long, value_name = "csv|parquet", default_value = "csv")]
    pub paths_format: String,
    /// Draw the scenario's [[uncertain]] parameters anew for every path (parameter
    /// uncertainty); without it the section is ignored. Its results go to
    /// output/<meta.name>-uncertain by default.
    #[arg(long)]
    pub uncertain: bool,
    /// Replace the result in the default folder even if another scenario file wrote it.
    #[arg(long)]
    pub replace: bool,
    /// Simulate in batches (256 paths, then doubling) until the standard error of the mean of
    /// METRIC, as summary.json reports it, is at or below VALUE (in the metric's unit: euros, a
    /// fraction for a percentage), e.g. cost_to_state=50e3; --paths (simulation.paths) is then
    /// the limit. The same seed stops at the same paths on any threads (docs/model.md §12.1).
    #[arg(long, value_name = "METRIC=VALUE")]
    pub target_se: Option<String>,
}

/// The command line as parsed: `--paths`, which the studies over a design refuse (their
/// points run `--paths-per-point`), is hidden from their help.
pub fn parse() -> Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let command = ["sobol", "morris"].iter().fold(Cli::command(), |c, name| {
        c.mut_subcommand(name, |s| s.mut_arg("paths", |a| a.hide(true)))
    });
    Cli::from_arg_matches(&command.try_get_matches()?)
}

/// A value as a scenario file reads it (TOML's numbers: `10000`, `10_000`, `1e4`, `0.2`).
fn toml_number(text: &str) -> Option<toml::Value> {
    let mut table: toml::Table = toml::from_str(&format!("v = {}", text.trim())).ok()?;
    table
        .remove("v")
        .filter(|v| matches!(v, toml::Value::Integer(_) | toml::Value::Float(_)))
}

/// A whole number flag, written as in a scenario file: `10000`, `10_000` or `1e4`.
fn whole<T: TryFrom<u64>>(text: &str) -> Result<T, String> {
    let example = "a whole number, such as 10000, 10_000 or 1e4";
    let value = match toml_number(text) {
        Some(toml::Value::Integer(i)) if i < 0 => return Err(format!("{example}, not negative")),
        Some(toml::Value::Integer(i)) => u64::try_from(i).ok(),
        Some(toml::Value::Float(x)) if x >= 0.0 && x.fract() == 0.0 && x < 1.8e19 => Some(x as u64),
        Some(toml::Value::Float(x)) if x < 0.0 => return Err(format!("{example}, not negative")),
        Some(_) => return Err(format!("{example}, without a fraction")),
        None if text.contains(',') => {
            return Err(format!(
                "{example} (no commas: write 10_000 for ten thousand)"
            ));
        }
        None => None,
    };
    value
        .and_then(|v| T::try_from(v).ok())
        .ok_or_else(|| format!("expected {example}"))
}

/// A number flag, written as in a scenario file: `0.2`, `2e-1`.
fn number(text: &str) -> Result<f64, String> {
    match toml_number(text) {
        Some(toml::Value::Integer(i)) => Ok(i as f64),
        Some(toml::Value::Float(x)) if x.is_finite() => Ok(x),
        _ => match microfolio::scenario::percent_hint(text) {
            Some(hint) => Err(format!("expected a number; {hint}")),
            None => Err("expected a number, such as 0.2 or 2e-1".to_string()),
        },
    }
}

/// What clap found wrong with the arguments, said by clap (help and version too), except an
/// unknown command: clap's guess for `rn` is `tornado`, so the guess is made here, by the
/// fewest letters changed, and said in one line.
pub fn refused(e: clap::Error) -> std::process::ExitCode {
    use clap::CommandFactory;
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    // A value our own parser refused: one line in the house style, naming the flag and value.
    if e.kind() == ErrorKind::ValueValidation {
        if let (Some(ContextValue::String(arg)), Some(ContextValue::String(value))) = (
            e.get(ContextKind::InvalidArg),
            e.get(ContextKind::InvalidValue),
        ) {
            let flag = arg.split([' ', '=']).next().unwrap_or(arg);
            let why = std::error::Error::source(&e).map_or(String::new(), |s| s.to_string());
            return super::fail(
                super::EXIT_BAD_INPUT,
                format!("{flag} {}: {why}", microfolio::scenario::shorten(value)),
            );
        }
    }
    if e.kind() == ErrorKind::InvalidSubcommand {
        if let Some(ContextValue::String(given)) = e.get(ContextKind::InvalidSubcommand) {
            let cli = Cli::command();
            let names: Vec<&str> = cli
                .get_subcommands()
                .map(|c| c.get_name())
                .filter(|n| *n != "help")
                .collect();
            let guess = names
                .iter()
                .map(|n| (edit_distance(given, n), *n))
                .filter(|(d, n)| *d <= 2.max(n.len() / 3))
                .min();
            let hint = guess.map_or(String::new(), |(_, n)| format!("; did you mean `{n}`?"));
            let message = format!(
                "unknown command `{}`{hint} (commands: {}; `microfolio --help` says more)",
                microfolio::scenario::shorten(given),
                names.join(", ")
            );
            return super::fail(super::EXIT_BAD_INPUT, message);
        }
    }
    // Help and version go to stdout with exit 0, usage errors to stderr with exit 2.
    let code = if e.use_stderr() {
        super::EXIT_BAD_INPUT
    } else {
        0
    };
    if e.print().is_err() && code == 0 {
        return super::fail(super::EXIT_FAILURE, "cannot write to standard output");
    }
    std::process::ExitCode::from(code)
}

/// The fewest single-letter insertions, deletions and substitutions that turn `a` into `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn numbers_read_as_in_scenario_files() {
        use super::{number, whole};
        assert_eq!(whole::<u64>("10000"), Ok(10_000));
        assert_eq!(whole::<u64>("10_000"), Ok(10_000));
        assert_eq!(whole::<u64>("1e4"), Ok(10_000));
        assert!(whole::<u64>("10,000").unwrap_err().contains("no commas"));
        assert!(
            whole::<u64>("2.5")
                .unwrap_err()
                .contains("without a fraction")
        );
        assert!(whole::<u64>("-3").unwrap_err().contains("not negative"));
        assert!(whole::<u64>("many").unwrap_err().contains("10_000 or 1e4"));
        assert_eq!(number("0.2"), Ok(0.2));
        assert_eq!(number("2e-1"), Ok(0.2));
        assert!(number("20%").unwrap_err().contains("write 0.2 for 20%"));
    }

    #[test]
    fn edit_distance_counts_letters_changed() {
        assert_eq!(edit_distance("rn", "run"), 1);
        assert_eq!(edit_distance("rn", "tornado"), 5);
        assert_eq!(edit_distance("", "run"), 3);
        assert_eq!(edit_distance("valdiate", "validate"), 2);
    }
}
