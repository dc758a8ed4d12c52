//! Benchmarks of the engine on the shipped baseline, reported in the domain's unit: loans
//! simulated (initial book plus loans granted) per second. With one thread that is loans per
//! second per core; the `threads` bench shows the speed-up from 1 to 2 threads. The hot pieces
//! of a path have their own: the fate of one loan, a month's demand, one path.
//!
//! Run with `cargo bench --bench engine`.

use divan::Bencher;
use divan::counter::ItemsCount;
use microfolio::Model;
use microfolio::engine::Workspace;
use microfolio::scenario::Scenario;
use microfolio::simulate_range;
use microfolio::stats::Summary;

fn main() {
    divan::main();
}

fn baseline() -> Model {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
    Model::new(&Scenario::load(std::path::Path::new(path), &[]).expect("the baseline is valid"))
}

/// Paths per measured iteration of the whole-run benches.
const PATHS: u64 = 256;

/// One path at a time on one core, reusing the workspace: the engine's inner cost.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn one_path(bencher: Bencher) {
    let model = baseline();
    let mut ws = Workspace::new(&model);
    let loans = ws.simulate(0).loans_simulated;
    // The same path each time, so that the counter is exact.
    bencher
        .counter(ItemsCount::new(loans))
        .bench_local(|| divan::black_box(ws.simulate(divan::black_box(0))));
}

/// The fate of one loan: its two words, the test of their leading bits against its start's
/// no-event cuts, and for a loan that may meet an event the months of its events and its marks
/// on the book (1,000 loans granted in month 12, segments in turn, per iteration).
#[divan::bench(sample_count = 50)]
fn fate_of_one_loan(bencher: Bencher) {
    const LOANS: usize = 1_000;
    let model = baseline();
    let mut ws = Workspace::new(&model);
    bencher
        .counter(ItemsCount::new(LOANS))
        .bench_local(|| divan::black_box(ws.place_fates(12, divan::black_box(LOANS))));
}

/// A month's new demand: the Poisson count, then each applicant's two words, segment and
/// log-normal size (about 200 applicants in month 0 of the baseline), counted in applicants.
#[divan::bench(sample_count = 50)]
fn a_months_demand(bencher: Bencher) {
    let model = baseline();
    let mut ws = Workspace::new(&model);
    let n = ws.draw_demand(0, 0);
    bencher
        .counter(ItemsCount::new(n))
        .bench_local(|| divan::black_box(ws.draw_demand(divan::black_box(0), 0)));
}

/// A whole run of `PATHS` paths on a pool of 1 or 2 threads (driver, chunking and collection
/// included).
#[divan::bench(args = [1, 2], sample_count = 5, sample_size = 1)]
fn threads(bencher: Bencher, threads: usize) {
    let model = baseline();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let loans = simulate_range(&model, 0..PATHS).loans_simulated();
    bencher
        .counter(ItemsCount::new(loans))
        .bench(|| pool.install(|| divan::black_box(simulate_range(&model, 0..PATHS))));
}

/// Summary statistics of one metric over 100,000 paths (sorting dominates).
#[divan::bench(sample_count = 20)]
fn summary_of_100k(bencher: Bencher) {
    let values: Vec<Option<f64>> = (0..100_000u64)
        .map(|i| Some(((i * 2_654_435_761) % 1_000_003) as f64))
        .collect();
    bencher
        .counter(ItemsCount::new(values.len()))
        .bench(|| Summary::of(divan::black_box(values.iter().copied())));
}
