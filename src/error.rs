//! The one error family of the library: what can go wrong in a run or a study, and whether it is
//! the user's input ([`ErrorKind::BadInput`]), a failure while working ([`ErrorKind::Failure`])
//! or a stop the caller asked for ([`ErrorKind::Interrupted`]).
//!
//! Messages name scenario keys and values, never command-line flags: an argument a front end
//! passed on (a swept parameter, a variant, a metric list, ...) is an [`Error::Argument`] that
//! says which one ([`Arg`]) and as what it was given, so that the front end can name its own
//! flag for it.

use std::fmt;

use crate::charts::ChartError;
use crate::output::OutputError;
use crate::report::ReportError;
use crate::resources;
use crate::scenario::ScenarioError;

/// An argument of a run or a study, as the library receives it from a front end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    /// A swept parameter `KEY=v1,v2,...` or `KEY=lo:hi:n` of a sweep.
    Param,
    /// A variant `NAME: key=value,...` of a comparison.
    Variant,
    /// A comma-separated list of metrics.
    Metrics,
    /// The tornado's move of each default parameter, as a fraction of its value.
    Spread,
    /// The number of worker threads.
    Threads,
    /// Which shard of the work to run (`I/N`, `auto`, `auto/N`).
    Shard,
    /// Base samples of a Sobol' design.
    Samples,
    /// Paths simulated at each point of a design.
    PathsPerPoint,
    /// Bootstrap resamples of an index.
    Bootstrap,
    /// Confidence level of an interval.
    Confidence,
    /// Trajectories of a Morris design.
    Trajectories,
    /// Grid levels of a Morris design.
    Levels,
    /// Paths per variant of a study.
    Paths,
    /// Points per wave of a calibration.
    Points,
    /// Waves of a calibration.
    Waves,
    /// The implausibility cut-off of a calibration.
    Cutoff,
    /// The result folder a calibration continues from.
    Continue,
    /// Draws of the uncertain parameters of a study with parameter uncertainty.
    Draws,
    /// Paths simulated at each draw of a study with parameter uncertainty.
    PathsPerDraw,
    /// The outcome of a value-of-information analysis (`--voi`).
    Voi,
    /// The target standard error of a run (`--target-se METRIC=VALUE`).
    TargetSe,
}

impl Arg {
    /// What the library calls the argument in its own messages.
    pub fn noun(self) -> &'static str {
        match self {
            Arg::Param => "swept parameter",
            Arg::Variant => "variant",
            Arg::Metrics => "metrics",
            Arg::Spread => "spread",
            Arg::Threads => "threads",
            Arg::Shard => "shard",
            Arg::Samples => "base samples",
            Arg::PathsPerPoint => "paths per point",
            Arg::Bootstrap => "bootstrap resamples",
            Arg::Confidence => "confidence level",
            Arg::Trajectories => "trajectories",
            Arg::Levels => "levels",
            Arg::Paths => "paths",
            Arg::Points => "points per wave",
            Arg::Waves => "waves",
            Arg::Cutoff => "cut-off",
            Arg::Continue => "folder to continue from",
            Arg::Draws => "draws",
            Arg::PathsPerDraw => "paths per draw",
            Arg::Voi => "value-of-information outcome",
            Arg::TargetSe => "target standard error",
        }
    }
}

/// How a caller should treat an error (the command line maps these to exit codes 2, 1, 130).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A scenario, an argument or an output folder that cannot be used; nothing was written.
    BadInput,
    /// Something failed while working (a full disk, a thread that could not start).
    Failure,
    /// The observer asked to stop; nothing was written.
    Interrupted,
}

/// The work whose memory is estimated: a run of some paths, or a study of variants × paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    Run {
        paths: u64,
    },
    Study {
        variants: usize,
        paths: u64,
    },
    /// The merge of a run's shards.
    Merge {
        paths: u64,
    },
}

/// Why a run or a study could not be made or did not complete.
#[derive(Debug)]
pub enum Error {
    /// A scenario that cannot be used.
    Scenario(ScenarioError),
    /// An argument that cannot be used: which one, each value given (two for a pair of swept
    /// parameters, none for one that was not given), and why.
    Argument {
        arg: Arg,
        given: Vec<String>,
        message: String,
    },
    /// A required argument was not given: the message is `context`, the argument, `example`
    /// (e.g. "a sweep needs a" · swept parameter · "KEY=v1,v2,... or KEY=lo:hi:n").
    Missing {
        arg: Arg,
        context: String,
        example: String,
    },
    /// An argument given where it does not apply: `context`, and what it applies to.
    Inapplicable {
        arg: Arg,
        given: String,
        context: String,
        applies_to: String,
    },
    /// Other input that cannot be used (two variants of one name, a study without variants);
    /// the message names it.
    Input(String),
    /// The output folder cannot be used or written.
    Output(OutputError),
    /// The charts or the report of a run could not be made from the files it had just
    /// written; nothing was written.
    Report(ReportError),
    /// A chart of a study could not be drawn; nothing was written.
    Chart(ChartError),
    /// The thread pool could not be built.
    Threads(String),
    /// The work would need more memory than the machine has; nothing was started.
    TooLarge {
        work: Work,
        needed: u64,
        available: u64,
    },
    /// The observer asked to stop; nothing was written.
    Interrupted { paths_done: u64, paths_total: u64 },
    /// The observer asked to stop work that simulates nothing (a merge of shards), named here
    /// ("merging the shards"): a count of paths would be of paths computed long before.
    Stopped(&'static str),
}

impl Error {
    /// Whether the error is the user's input, a failure, or a requested stop.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Scenario(_)
            | Error::Argument { .. }
            | Error::Missing { .. }
            | Error::Inapplicable { .. }
            | Error::Input(_)
            | Error::Output(OutputError::Refused { .. })
            | Error::TooLarge { .. } => ErrorKind::BadInput,
            Error::Interrupted { .. } | Error::Stopped(_) => ErrorKind::Interrupted,
            Error::Output(_) | Error::Report(_) | Error::Chart(_) | Error::Threads(_) => {
                ErrorKind::Failure
            }
        }
    }

    /// An argument error about one value as given.
    pub(crate) fn argument(arg: Arg, given: impl fmt::Display, message: impl Into<String>) -> Self {
        Error::Argument {
            arg,
            given: vec![given.to_string()],
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Scenario(e) => write!(f, "{e}"),
            Error::Argument {
                arg,
                given,
                message,
            } => {
                write!(f, "{} {}: {message}", arg.noun(), given.join(" × "))
            }
            Error::Missing {
                arg,
                context,
                example,
            } => write!(f, "{context} {} {example}", arg.noun()),
            Error::Inapplicable {
                arg,
                given,
                context,
                applies_to,
            } => write!(
                f,
                "{noun} {given}: {context}; the {noun} applies only to {applies_to}",
                noun = arg.noun()
            ),
            Error::Input(m) => write!(f, "{m}"),
            Error::Output(e) => write!(f, "{e}"),
            Error::Report(e) => write!(f, "{e}"),
            Error::Chart(e) => write!(f, "{e}"),
            Error::Threads(e) => write!(f, "cannot start worker threads: {e}"),
            Error::TooLarge {
                work,
                needed,
                available,
            } => {
                let needed_mb = needed.div_ceil(1 << 20);
                let (needed, available) = (resources::bytes(*needed), resources::bytes(*available));
                match work {
                    Work::Run { paths } => write!(
                        f,
                        "simulation.paths = {paths}: the run would need about {needed} of memory, \
                         more than the {available} available; run fewer paths (results of runs \
                         over path ranges can be appended with the library)"
                    ),
                    Work::Merge { paths } => write!(
                        f,
                        "merging the shards of a run of {paths} paths would need about {needed} \
                         of memory, more than the {available} available here (the job's memory \
                         limit, or the machine's free memory); give the merge at least {needed} \
                         (Slurm: sbatch --mem={}M, as cluster/submit.sh does)",
                        needed_mb
                    ),
                    Work::Study { variants, paths } => write!(
                        f,
                        "{variants} variants × {paths} paths: the study would need about {needed} \
                         of memory, more than the {available} available; run fewer paths"
                    ),
                }
            }
            Error::Interrupted {
                paths_done,
                paths_total,
            } => write!(
                f,
                "interrupted after {paths_done} of {paths_total} paths; no result was written"
            ),
            Error::Stopped(what) => write!(
                f,
                "interrupted while {what}; no result was written, and the shards are as they were"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Scenario(e) => Some(e),
            Error::Output(e) => Some(e),
            Error::Report(e) => Some(e),
            Error::Chart(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ScenarioError> for Error {
    fn from(e: ScenarioError) -> Self {
        Error::Scenario(e)
    }
}

impl From<OutputError> for Error {
    fn from(e: OutputError) -> Self {
        Error::Output(e)
    }
}

impl From<ReportError> for Error {
    fn from(e: ReportError) -> Self {
        Error::Report(e)
    }
}

impl From<ChartError> for Error {
    fn from(e: ChartError) -> Self {
        Error::Chart(e)
    }
}
