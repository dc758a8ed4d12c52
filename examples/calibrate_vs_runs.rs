//! A calibration wave's throughput against plain runs of the same points (issue 25: the
//! study's loans per second within 10% of a plain run's; docs/performance.md).
//!
//! A plain run at the scenario's point values does other work than a wave: under the prior
//! many points ration far more requests, and a rationed request costs time but is no loan. So
//! this compares like with like, in one process, alternating `REPS` times:
//!
//! - (a) the wave: `Calibration::evaluate` on the first wave's `POINTS` points (a model built
//!   and checked per point, `PATHS` paths each, the targets' statistics);
//! - (b) the same points as plain runs: for each, the scenario at the point's values with
//!   `PATHS` paths, simulated by `simulate_run` (what `microfolio run` simulates, without its
//!   files), one after another.
//!
//! and prints each one's seconds and million loans per second per core, and the ratio (a)/(b).
//! Both simulate the same loans (checked). What (a) leaves out and `microfolio calibrate` adds
//! is its files, charts and report, a few seconds a calibration.
//!
//! ```text
//! cargo run --release --example calibrate_vs_runs -- \
//!     scenarios/history.toml scenarios/history_targets.toml 512 32 3 2
//! ```
//!
//! Wall times drift with the machine's load. An optional last argument, `wave`, `runs` or
//! `setup`, does one side once (or only the setup) and prints nothing else, for counting
//! instructions instead, which no load changes:
//!
//! ```text
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/calibrate_vs_runs ... 16 32 1 1 wave
//! ```

use std::path::Path;
use std::time::Instant;

use microfolio::study::calibrate::implausibility::Measure;
use microfolio::study::calibrate::targets::Targets;
use microfolio::study::calibrate::waves::{self, Region, WaveSettings};
use microfolio::study::calibrate::{Calibration, CalibrationSettings};
use microfolio::{Options, Pool, Scenario, Silent, simulate_run};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !(6..=7).contains(&args.len()) {
        eprintln!(
            "usage: calibrate_vs_runs SCENARIO TARGETS POINTS PATHS REPS THREADS [wave|runs|setup]"
        );
        std::process::exit(2);
    }
    let number = |i: usize| -> u64 {
        args[i].parse().unwrap_or_else(|_| {
            eprintln!("calibrate_vs_runs: `{}` is not a whole number", args[i]);
            std::process::exit(2)
        })
    };
    let (points, paths, reps, threads) = (number(2), number(3), number(4), number(5) as usize);
    let scenario = Scenario::load(Path::new(&args[0]), &[]).unwrap_or_else(|e| fail(e));
    let targets = Targets::load(Path::new(&args[1]), &scenario).unwrap_or_else(|e| fail(e));
    let settings = CalibrationSettings {
        points: points as usize,
        paths_per_point: paths,
        waves: 1,
        ..CalibrationSettings::default()
    };
    let calibration = Calibration::new(&scenario, targets, settings).unwrap_or_else(|e| fail(e));
    let problem = calibration.problem();
    let wave = WaveSettings {
        points: points as usize,
        waves: 1,
        cutoff: settings.cutoff,
        measure: Measure::Largest,
        seed: problem.seed(),
    };
    let (units, _, _) = waves::design(&Region::cube(problem.dimensions()), &[], &wave, 1)
        .unwrap_or_else(|e| fail(e));
    let options = Options {
        threads: Some(threads),
        memory_budget: None,
    };
    let pool = Pool::new(&options).unwrap_or_else(|e| fail(e));
    let scenarios: Vec<Scenario> = units
        .iter()
        .map(|u| problem.scenario(u, paths, None).unwrap_or_else(|e| fail(e)))
        .collect();

    let evaluate = || {
        let (_, loans) = calibration
            .evaluate(&units, &options, &Silent)
            .unwrap_or_else(|e| fail(e));
        loans
    };
    let runs = || -> u64 {
        let loans = scenarios.iter().map(|s| {
            let (results, _) = simulate_run(s, &pool, &Silent, None).unwrap_or_else(|e| fail(e));
            results.loans_simulated()
        });
        loans.sum()
    };
    match args.get(6).map(String::as_str) {
        None => {}
        Some("wave") => {
            println!("{} loans", evaluate());
            return;
        }
        Some("runs") => {
            println!("{} loans", runs());
            return;
        }
        Some("setup") => return,
        Some(other) => fail(format!(
            "`{other}`: the last argument is wave, runs or setup"
        )),
    }

    let per_core = |loans: u64, seconds: f64| loans as f64 / seconds / threads as f64 / 1e6;
    println!(
        "{points} points × {paths} paths, {threads} threads\n\
         round  wave s  wave Mloans/s/core  runs s  runs Mloans/s/core  ratio"
    );
    let mut ratios = Vec::new();
    for round in 1..=reps {
        let start = Instant::now();
        let wave_loans = evaluate();
        let wave_s = start.elapsed().as_secs_f64();

        let start = Instant::now();
        let run_loans = runs();
        let runs_s = start.elapsed().as_secs_f64();
        assert_eq!(
            wave_loans, run_loans,
            "the wave and the runs simulate the same loans"
        );

        let (a, b) = (per_core(wave_loans, wave_s), per_core(run_loans, runs_s));
        ratios.push(a / b);
        println!(
            "{round:>5}  {wave_s:>6.1}  {a:>18.2}  {runs_s:>6.1}  {b:>17.2}  {:>5.3}",
            a / b
        );
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "ratio wave / runs: min {:.3}, median {:.3}, max {:.3}",
        ratios[0],
        ratios[ratios.len() / 2],
        ratios[ratios.len() - 1]
    );
}

fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("calibrate_vs_runs: {e}");
    std::process::exit(2)
}
