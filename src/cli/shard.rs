//! The command line of shards (docs/cluster.md): `--shard I/N|auto|auto/N` on `run` and the
//! studies, which computes one shard into the folder of the work's shards, and `microfolio
//! merge`, which puts the shards back together into the result folder.

use std::io::Write;
use std::process::ExitCode;

use microfolio::format::count;
use microfolio::output::PathsFormat;
use microfolio::shard::{self, Invocation, Shard};
use microfolio::{Options, RunOptions, Scenario, Study};

use super::args::{MergeArgs, WorkArgs};
use super::progress::Bar;
use super::{EXIT_BAD_INPUT, fail, failed, note, printed};

fn options(work: &WorkArgs) -> Options {
    Options {
        threads: work.threads,
        memory_budget: None,
    }
}

/// This process's command, for the shard's record (the merge's rerun command).
fn invocation() -> Invocation {
    Invocation::from_args(std::env::args().skip(1))
}

/// Print a plan (`--plan`).
fn plan(plan: shard::plan::Plan) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let text = out
        .write_all(plan.to_text().as_bytes())
        .and_then(|()| out.flush());
    printed(text, None)
}

/// Shard `text` of a run of `scenario` run with `options`.
pub fn run(scenario: &Scenario, work: &WorkArgs, text: &str, options: &RunOptions) -> ExitCode {
    let s = match Shard::from_env(text) {
        Ok(s) => s,
        Err(e) => return failed(e, ""),
    };
    if work.plan {
        // A count the shards would refuse is refused before anything is submitted.
        if let Err(e) = shard::run_fits(scenario, options.uncertain, s) {
            return failed(e, "");
        }
        return plan(shard::plan::run(scenario, options, s.count));
    }
    let shards = work
        .out
        .clone()
        .unwrap_or_else(|| shard::default_run_shards(scenario, options.uncertain));
    let share = shard::run_share_paths(scenario, options.uncertain, s);
    let bar = Bar::new(share, work.quiet, None);
    let outcome = shard::run(scenario, options, s, &shards, &invocation(), &bar);
    bar.finish();
    written(outcome, work.quiet, scenario.name(), "")
}

/// Shard `text` of `study`.
pub fn study<S: Study>(study: &S, work: &WorkArgs, text: &str, metrics: &str) -> ExitCode {
    let s = match Shard::from_env(text) {
        Ok(s) => s,
        Err(e) => return failed(e, metrics),
    };
    if work.plan {
        if let Err(e) = shard::study_fits(study, s) {
            return failed(e, metrics);
        }
        return plan(shard::plan::study(
            study,
            s.count,
            work.threads.unwrap_or(1),
        ));
    }
    let shards = work
        .out
        .clone()
        .unwrap_or_else(|| shard::default_study_shards(study.base(), S::KIND));
    let bar = Bar::new(shard::study_share_paths(study, s), work.quiet, None);
    let outcome = shard::study(study, s, &shards, &options(work), &invocation(), &bar);
    bar.finish();
    written(outcome, work.quiet, &study.title(), metrics)
}

/// `1 variant`, `3 variants`, `2,048 paths`.
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", count(n as f64))
    }
}

fn written(
    outcome: Result<shard::Written, microfolio::Error>,
    quiet: bool,
    title: &str,
    metrics: &str,
) -> ExitCode {
    match outcome {
        Ok(_) if quiet => ExitCode::SUCCESS,
        Ok(w) => {
            let mut out = std::io::stdout().lock();
            let text = writeln!(
                out,
                "{title}: shard {} ({} of {} paths, {}) in {:.1} s on {} threads\nshard:   {}",
                w.shard,
                count(w.paths as f64),
                count(w.paths_total as f64),
                counted(w.units, w.unit_name),
                w.info.wall_seconds,
                w.info.threads,
                w.folder.display()
            )
            .and_then(|()| out.flush());
            printed(text, Some(&w.folder))
        }
        Err(e) => failed(e, metrics),
    }
}

/// `microfolio merge SHARD_DIR... [--out DIR]`.
pub fn merge(args: MergeArgs) -> ExitCode {
    let folders = match shard::shard_folders(&args.shards) {
        Ok(f) => f,
        Err(e) => return fail(EXIT_BAD_INPUT, e),
    };
    let paths = match (&args.paths_format, args.no_paths_csv) {
        (_, true) => Some(None),
        (Some(name), false) => match PathsFormat::parse(name) {
            Ok(f) => Some(Some(f)),
            Err(why) => {
                return fail(
                    EXIT_BAD_INPUT,
                    format!(
                        "--paths-format {}: {why}",
                        microfolio::scenario::shorten(name)
                    ),
                );
            }
        },
        (None, false) => None,
    };
    let bar = Bar::new(0, true, None);
    match shard::merge(&folders, args.out.as_deref(), paths, &bar) {
        Ok(_) if args.quiet => ExitCode::SUCCESS,
        Ok(m) => {
            for n in &m.notes {
                note(n);
            }
            let mut out = std::io::stdout().lock();
            let units = if m.unit_name == "run" {
                String::new()
            } else {
                format!("{}, ", counted(m.units, m.unit_name))
            };
            let text = writeln!(
                out,
                "merged {} of a {} ({units}{} in all)",
                counted(m.shards, "shard"),
                m.kind,
                counted(m.paths as usize, "path")
            )
            .and_then(|()| out.write_all(m.table.as_bytes()))
            .and_then(|()| writeln!(out, "results: {}", m.folder.display()))
            .and_then(|()| out.flush());
            printed(text, Some(&m.folder))
        }
        Err(e) => failed(e, ""),
    }
}
