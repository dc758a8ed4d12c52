//! The one driver of the engine: runs, studies and shards all simulate *work units* — a model
//! and a range of path indices — through [`Pool::simulate`] (or [`simulate`] on the current
//! rayon pool). A run is one unit, a study one unit per variant, and a shard of either is a
//! sub-range of its units' paths: select the units and cut their ranges, nothing else changes.
//!
//! The determinism contract: the units run one after another as one stream of paths, cut into
//! chunks of [`CHUNK_PATHS`] consecutive paths (a chunk may hold the last paths of one unit and
//! the first of the next); rayon spreads a chunk's blocks of at most [`BLOCK_PATHS`] paths of
//! one unit over the threads, and the outcomes are collected in index order. Because a path
//! depends on (seed, index) alone, the results are bit-identical for any thread count, and a
//! run over paths `0..N` equals runs over `0..k` and `k..N` appended ([`Results::append`]).
//! A unit may also build a model per path ([`Pool::simulate_per_path`]): that model depends on
//! (seed, index) too, so the contract holds.

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::engine::{PathOutcome, Workspace};
use crate::error::{Arg, Error, Work};
use crate::model::Model;
use crate::output::LeftBehind;
use crate::resources;
use crate::results::{Results, Shape};
use crate::scenario::Scenario;

/// Paths per chunk ([`crate::resources::CHUNK_PATHS`], with the memory it bounds).
pub use crate::resources::CHUNK_PATHS;

/// Paths per block within a chunk: the unit of work of one thread, sharing one workspace.
pub const BLOCK_PATHS: u64 = 8;

/// Builds the model of one path, for work whose model differs by path (a run with parameter
/// uncertainty: [`Pool::simulate_per_path`]). Called on the worker threads.
pub type PathModel<'a> = &'a (dyn Fn(u64) -> Result<Model, Error> + Sync);

/// A work unit of the driver: paths `paths` of `model`. (Not a unit of measurement, which is
/// [`crate::units::Unit`].)
#[derive(Debug, Clone)]
pub struct WorkUnit<'a> {
    pub model: &'a Model,
    pub paths: Range<u64>,
}

impl<'a> WorkUnit<'a> {
    /// Paths `paths` of `model`.
    pub fn new(model: &'a Model, paths: Range<u64>) -> WorkUnit<'a> {
        WorkUnit { model, paths }
    }

    /// Number of paths (0 for an empty or reversed range).
    pub fn len(&self) -> u64 {
        self.paths.end.saturating_sub(self.paths.start)
    }

    /// Whether the unit has no path.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The units of `units` cut to `paths`, a range of the stream of all their paths one unit
/// after another (the first unit's paths are `0..len`, the next unit's follow): the work of one
/// shard of a run or a study. Units the range does not reach are left out; the others keep
/// their own path indices, so a shard's results are those of the whole work for its paths.
pub fn shard<'a>(units: &[WorkUnit<'a>], paths: Range<u64>) -> Vec<WorkUnit<'a>> {
    let ranges: Vec<Range<u64>> = units.iter().map(|u| u.paths.clone()).collect();
    shard_ranges(&ranges, paths)
        .into_iter()
        .map(|(i, paths)| WorkUnit {
            model: units[i].model,
            paths,
        })
        .collect()
}

/// [`shard`] on the units' path ranges alone: (unit, its paths within `paths`), for units whose
/// models are built only when they run (the units of a study's shard).
pub fn shard_ranges(units: &[Range<u64>], paths: Range<u64>) -> Vec<(usize, Range<u64>)> {
    let mut offset = 0;
    let mut out = Vec::new();
    for (i, u) in units.iter().enumerate() {
        let len = u.end.saturating_sub(u.start);
        let (lo, hi) = (offset, offset + len);
        offset = hi;
        let (from, to) = (paths.start.max(lo), paths.end.min(hi));
        if from < to {
            out.push((i, u.start + (from - lo)..u.start + (to - lo)));
        }
    }
    out
}

/// How far the driver has come, reported between chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Paths finished, over all units.
    pub paths_done: u64,
    /// Paths of all units.
    pub paths_total: u64,
    /// Units whose every path is finished.
    pub units_done: usize,
    pub units_total: usize,
}

/// Hooks for a front end, called from the driving thread between chunks of paths.
pub trait Observer {
    /// Called after each chunk.
    fn progress(&self, _progress: Progress) {}
    /// Return true to stop after the current chunk (e.g. on Ctrl-C).
    fn should_stop(&self) -> bool {
        false
    }
    /// Called after each batch of a run to a target standard error (`run --target-se`): the
    /// standard error so far against the target ([`crate::precision::Status`]).
    fn precision(&self, _status: &crate::precision::Status) {}
    /// A flag the worker threads read before each path, so that a stop takes effect within a
    /// path's time rather than a chunk's (e.g. set by a Ctrl-C handler). By default `None`:
    /// only [`Observer::should_stop`] is asked, between chunks. A stop never changes results:
    /// the work ends with [`Error::Interrupted`] and the paths of the chunk are dropped.
    fn stop_flag(&self) -> Option<&AtomicBool> {
        None
    }
    /// The result is in place, but the earlier result it replaced could not be removed and is
    /// left in a hidden folder (what to tell the user: [`LeftBehind`]'s `Display`). By default
    /// nothing is said.
    fn left_behind(&self, _left: &LeftBehind) {}
}

/// Move a finished result folder into place, unless a stop was asked for while its files were
/// written: then the earlier result stays and the work ends as interrupted after all its `paths`
/// (every one was simulated; none is kept). Tells the observer where an earlier result it
/// replaced but could not remove is left.
pub fn commit_unless_stopped(
    folder: crate::output::OutputDir,
    observer: &dyn Observer,
    paths: u64,
) -> Result<std::path::PathBuf, Error> {
    if observer.should_stop() {
        return Err(Error::Interrupted {
            paths_done: paths,
            paths_total: paths,
        });
    }
    let (folder, left) = folder.commit()?;
    if let Some(left) = &left {
        observer.left_behind(left);
    }
    Ok(folder)
}

/// An observer that does nothing.
pub struct Silent;
impl Observer for Silent {}

/// The worker threads and the memory a run or a study may use.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Worker threads (at least 1); `None` uses every core.
    pub threads: Option<usize>,
    /// Refuse work whose estimated memory exceeds this many bytes; `None` uses the memory the
    /// system reports available (no check where it cannot tell).
    pub memory_budget: Option<u64>,
}

impl Options {
    /// Refuse options no pool should have, before any work or folder is made: threads from 1
    /// to 256, or to four times the cores where that is more (docs/scenarios.md, "Limits").
    /// More threads than cores only add memory and switching; thousands take minutes to start.
    pub fn check(&self) -> Result<(), Error> {
        /// Threads allowed on any machine.
        const MAX_THREADS: usize = 256;
        let Some(threads) = self.threads else {
            return Ok(());
        };
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let most = MAX_THREADS.max(4 * cores);
        if !(1..=most).contains(&threads) {
            let beyond = if most > MAX_THREADS {
                format!(" (four times the {cores} cores)")
            } else {
                " (or to four times the cores, on a machine where that is more)".to_string()
            };
            return Err(Error::argument(
                Arg::Threads,
                threads,
                format!("allowed: a whole number from 1 to {most}{beyond}"),
            ));
        }
        Ok(())
    }
}

/// A thread pool built from [`Options`], with the memory budget to check work against.
pub struct Pool {
    pool: rayon::ThreadPool,
    memory_budget: Option<u64>,
}

impl Pool {
    /// Build the pool; 0 threads is refused.
    pub fn new(options: &Options) -> Result<Pool, Error> {
        options.check()?;
        let mut builder = rayon::ThreadPoolBuilder::new();
        if let Some(n) = options.threads {
            builder = builder.num_threads(n);
        }
        let pool = builder.build().map_err(|e| Error::Threads(e.to_string()))?;
        Ok(Pool {
            pool,
            memory_budget: options.memory_budget,
        })
    }

    /// Worker threads.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Refuse `work` if it needs more than `needed` bytes of the budget (or of the memory the
    /// system has available), before anything is started.
    pub fn check_memory(&self, work: Work, needed: u64) -> Result<(), Error> {
        match self.memory_budget.or_else(resources::available_memory) {
            Some(available) if needed > available => Err(Error::TooLarge {
                work,
                needed,
                available,
            }),
            _ => Ok(()),
        }
    }

    /// [`simulate`] on this pool.
    pub fn simulate(
        &self,
        units: &[WorkUnit<'_>],
        observer: &dyn Observer,
        on_outcomes: impl FnMut(usize, &[PathOutcome]) -> Result<(), Error>,
        on_unit: impl FnMut(usize, Results) -> Result<(), Error>,
    ) -> Result<(), Error> {
        drive_units(Some(&self.pool), units, observer, on_outcomes, on_unit)
    }

    /// [`Pool::simulate`] over paths `paths` of one unit whose every path has its own model,
    /// built by `model_of(path)` on the worker thread when the path starts and dropped when it
    /// ends (a run with parameter uncertainty). The results have the yearly rows of `shape`,
    /// which every path's model must share. An error from `model_of` ends the work: the first in
    /// path order is returned.
    pub fn simulate_per_path(
        &self,
        paths: Range<u64>,
        shape: Shape,
        model_of: PathModel<'_>,
        observer: &dyn Observer,
        on_outcomes: impl FnMut(usize, &[PathOutcome]) -> Result<(), Error>,
        on_unit: impl FnMut(usize, Results) -> Result<(), Error>,
    ) -> Result<(), Error> {
        drive(
            Some(&self.pool),
            true,
            1,
            |_| paths.clone(),
            |_| Held::PerPath {
                shape,
                build: model_of,
            },
            observer,
            on_outcomes,
            on_unit,
        )
    }

    /// [`Pool::simulate_per_path`] followed, on the same paths, by `point`: a run with parameter
    /// uncertainty and its paired run at the point values (unit 0 the drawn models, unit 1
    /// `point`), one driver, so that one progress bar counts both and a stop ends both.
    pub fn simulate_per_path_and_point(
        &self,
        paths: Range<u64>,
        model_of: PathModel<'_>,
        point: &Model,
        observer: &dyn Observer,
        on_outcomes: impl FnMut(usize, &[PathOutcome]) -> Result<(), Error>,
        on_unit: impl FnMut(usize, Results) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let shape = point.shape;
        drive(
            Some(&self.pool),
            true,
            2,
            |_| paths.clone(),
            |u| match u {
                0 => Held::PerPath {
                    shape,
                    build: model_of,
                },
                _ => Held::Borrowed(point),
            },
            observer,
            on_outcomes,
            on_unit,
        )
    }

    /// [`Pool::simulate`] over paths `paths` of each scenario, whose model is built when its
    /// first path starts and dropped with its outcomes: a study of thousands of variants holds
    /// the models of the few in flight only. With `fit` (a `tail` study's one fit), every
    /// scenario samples with it.
    pub(crate) fn simulate_scenarios(
        &self,
        scenarios: &[&Scenario],
        fit: Option<&crate::tail::TailChoice>,
        paths: Range<u64>,
        observer: &dyn Observer,
        on_unit: impl FnMut(usize, Results) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.simulate_models(
            scenarios.len(),
            paths,
            |i| match fit {
                Some(choice) => choice.model(scenarios[i]),
                None => Model::new(scenarios[i]),
            },
            observer,
            on_unit,
        )
    }
}

impl Pool {
    /// [`Pool::simulate`] over pieces of scenarios, keeping nothing: piece `k` is paths
    /// `pieces[k].1` of scenario `pieces[k].0`, whose model is built when the piece starts (a
    /// shard of a study runs a few variants of thousands) — or, where `pieces[k].2` and
    /// `per_path` is given, the piece's paths each of its own model
    /// ([`Pool::simulate_per_path`]: the drawn unit of a run with parameter uncertainty, beside
    /// its point-value unit). Every outcome goes to `on_outcomes(k, outcomes)` as it comes, in
    /// path order, and `on_piece(k)` says when piece `k` is done. Memory stays that of a chunk
    /// in flight, whatever the paths: what a shard task needs, which writes its outcomes to
    /// disk. `shared`: the scenario whose `tail` fit every piece samples with (a study's
    /// base: one fit for all its variants); `None`, each piece's own scenario's.
    pub(crate) fn stream_pieces(
        &self,
        pieces: &[(&Scenario, Range<u64>, bool)],
        per_path: Option<(Shape, PathModel<'_>)>,
        shared: Option<&Scenario>,
        observer: &dyn Observer,
        on_outcomes: impl FnMut(usize, &[PathOutcome]) -> Result<(), Error>,
        mut on_piece: impl FnMut(usize) -> Result<(), Error>,
    ) -> Result<(), Error> {
        // A `tail` scenario's fit, found before any piece starts (once per scenario).
        let fits = pieces
            .iter()
            .map(|(s, _, _)| crate::tail::choice_if_tail(shared.unwrap_or(s), self, observer))
            .collect::<Result<Vec<_>, Error>>()?;
        drive(
            Some(&self.pool),
            false,
            pieces.len(),
            |k| pieces[k].1.clone(),
            |k| match per_path {
                Some((shape, build)) if pieces[k].2 => Held::PerPath { shape, build },
                _ => Held::Owned(Box::new(match &fits[k] {
                    Some(choice) => choice.model(pieces[k].0),
                    None => Model::new(pieces[k].0),
                })),
            },
            observer,
            on_outcomes,
            |k, _| on_piece(k),
        )
    }

    /// [`Pool::simulate`] over paths `paths` of `count` units whose models `model_of` builds
    /// when the unit's first path starts, dropped with its outcomes: a design of thousands of
    /// points holds the models of the few in flight only.
    pub(crate) fn simulate_models(
        &self,
        count: usize,
        paths: Range<u64>,
        model_of: impl Fn(usize) -> Model,
        observer: &dyn Observer,
        on_unit: impl FnMut(usize, Results) -> Result<(), Error>,
    ) -> Result<(), Error> {
        drive(
            Some(&self.pool),
            true,
            count,
            |_| paths.clone(),
            |i| Held::Owned(Box::new(model_of(i))),
            observer,
            |_, _| Ok(()),
            on_unit,
        )
    }
}

/// Simulate `units` on the current rayon pool. `on_outcomes(u, outcomes)` receives the
/// outcomes of unit `u` as they come, in path order (e.g. to stream `paths.csv`);
/// `on_unit(u, results)` receives each unit's complete results, in unit order, as soon as its
/// last path is done (a study keeps what it needs and drops the rest). An error from either
/// ends the work; so does the observer, with [`Error::Interrupted`].
pub fn simulate(
    units: &[WorkUnit<'_>],
    observer: &dyn Observer,
    on_outcomes: impl FnMut(usize, &[PathOutcome]) -> Result<(), Error>,
    on_unit: impl FnMut(usize, Results) -> Result<(), Error>,
) -> Result<(), Error> {
    drive_units(None, units, observer, on_outcomes, on_unit)
}

/// [`drive`] over the caller's units.
fn drive_units(
    pool: Option<&rayon::ThreadPool>,
    units: &[WorkUnit<'_>],
    observer: &dyn Observer,
    on_outcomes: impl FnMut(usize, &[PathOutcome]) -> Result<(), Error>,
    on_unit: impl FnMut(usize, Results) -> Result<(), Error>,
) -> Result<(), Error> {
    drive(
        pool,
        true,
        units.len(),
        |i| units[i].paths.clone(),
        |i| Held::Borrowed(units[i].model),
        observer,
        on_outcomes,
        on_unit,
    )
}

/// Simulate paths `range` of `model` on the current rayon pool, with no observer and no
/// streaming: the library's simplest entry.
pub fn simulate_range(model: &Model, range: Range<u64>) -> Results {
    let mut kept = None;
    let unit = WorkUnit::new(model, range);
    let done = simulate(
        std::slice::from_ref(&unit),
        &Silent,
        |_, _| Ok(()),
        |_, r| {
            kept = Some(r);
            Ok(())
        },
    );
    match (done, kept) {
        (Ok(()), Some(results)) => results,
        _ => unreachable!("nothing stops a silent run without a sink"),
    }
}

/// A unit's model: the caller's, one built for the unit alone, or one built for each path.
enum Held<'a> {
    Borrowed(&'a Model),
    Owned(Box<Model>),
    PerPath { shape: Shape, build: PathModel<'a> },
}

impl Held<'_> {
    /// The yearly rows of the unit's results.
    fn shape(&self) -> Shape {
        match self {
            Held::Borrowed(m) => m.shape,
            Held::Owned(m) => m.shape,
            Held::PerPath { shape, .. } => *shape,
        }
    }

    /// Simulate paths `start..stop` on the calling thread; `None` if `stopped()` turned true.
    /// The outcomes of paths `start..stop`, or, stopped, `Err` of how many were simulated.
    fn block(
        &self,
        start: u64,
        stop: u64,
        stopped: impl Fn() -> bool,
    ) -> Result<Result<Vec<PathOutcome>, u64>, Error> {
        let shared = match self {
            Held::Borrowed(m) => Some(&**m),
            Held::Owned(m) => Some(&**m),
            Held::PerPath { .. } => None,
        };
        let mut out = Vec::with_capacity((stop - start) as usize);
        // One workspace per block, used by one thread from start to end: no nested
        // parallelism inside, so a thread never holds more than one workspace.
        let mut ws = shared.map(Workspace::new);
        for i in start..stop {
            if stopped() {
                return Ok(Err(i - start));
            }
            out.push(match (&mut ws, self) {
                (Some(ws), _) => ws.simulate(i),
                // The path's own model lives for its path only: memory stays that of a run.
                (None, Held::PerPath { build, shape }) => {
                    let model = build(i)?;
                    // Validation keeps every drawn key off the rows (docs/model.md §11.2); were
                    // one to slip through, the run stops with a message, not a panic.
                    if model.shape != *shape {
                        return Err(Error::Input(format!(
                            "path {i}: its drawn parameters give {} yearly rows where the run's \
                             paths have {}; a run's paths must share their rows",
                            model.shape.rows, shape.rows
                        )));
                    }
                    Workspace::new(&model).simulate(i)
                }
                (None, _) => unreachable!("a shared model has a workspace"),
            });
        }
        Ok(Ok(out))
    }
}

/// A unit whose paths are being simulated.
struct InFlight<'a> {
    unit: usize,
    model: Held<'a>,
    results: Results,
    /// Its paths done so far (kept in `results` or not).
    done: u64,
}

/// The stream of (unit, path) cut into chunks, each chunk's blocks run on `pool` (or the
/// current pool). Unit `i` is paths `paths_of(i)` of `model_of(i)`, asked for when its first
/// path starts. `keep`: collect each unit's outcomes into the results handed to `on_unit`;
/// without it those results hold no paths (a shard task streams its outcomes to disk through
/// `on_outcomes` and keeps nothing, whatever its size).
#[allow(clippy::too_many_arguments)]
fn drive<'m>(
    pool: Option<&rayon::ThreadPool>,
    keep: bool,
    count: usize,
    paths_of: impl Fn(usize) -> Range<u64>,
    model_of: impl Fn(usize) -> Held<'m>,
    observer: &dyn Observer,
    mut on_outcomes: impl FnMut(usize, &[PathOutcome]) -> Result<(), Error>,
    mut on_unit: impl FnMut(usize, Results) -> Result<(), Error>,
) -> Result<(), Error> {
    // Each unit's paths, an empty or reversed range taken as empty.
    let ranges: Vec<Range<u64>> = (0..count)
        .map(|i| {
            let r = paths_of(i);
            r.start..r.end.max(r.start)
        })
        .collect();
    let total: u64 = ranges.iter().map(|r| r.end - r.start).sum();
    let mut flight: VecDeque<InFlight> = VecDeque::new();
    let (mut next_unit, mut next_path) = (0usize, ranges.first().map_or(0, |r| r.start));
    let (mut done, mut units_done) = (0u64, 0usize);
    let flag = observer.stop_flag();
    let stopped = || flag.is_some_and(|f| f.load(Ordering::Relaxed));
    let interrupted = |paths_done| Error::Interrupted {
        paths_done,
        paths_total: total,
    };
    while units_done < count {
        if observer.should_stop() || stopped() {
            return Err(interrupted(done));
        }
        // The next chunk: (slot in `flight`, first path, end).
        let mut blocks: Vec<(usize, u64, u64)> = Vec::new();
        let mut budget = CHUNK_PATHS;
        while budget > 0 && next_unit < count {
            let range = &ranges[next_unit];
            if flight.back().is_none_or(|f| f.unit != next_unit) {
                let model = model_of(next_unit);
                flight.push_back(InFlight {
                    unit: next_unit,
                    results: Results::empty(range.start, model.shape()),
                    model,
                    done: 0,
                });
            }
            let slot = flight.len() - 1;
            let end = (next_path + budget).min(range.end);
            let mut start = next_path;
            while start < end {
                let stop = (start + BLOCK_PATHS).min(end);
                blocks.push((slot, start, stop));
                start = stop;
            }
            budget -= end - next_path;
            next_path = end;
            if next_path == range.end {
                next_unit += 1;
                next_path = ranges.get(next_unit).map_or(0, |r| r.start);
            }
        }
        let in_flight = &flight;
        let compute = || -> Vec<Result<Result<Vec<PathOutcome>, u64>, Error>> {
            blocks
                .par_iter()
                .map(|&(slot, start, stop)| in_flight[slot].model.block(start, stop, stopped))
                .collect()
        };
        let computed = match pool {
            Some(pool) => pool.install(compute),
            None => compute(),
        };
        // The first failure in path order, whichever thread met it first. A stop counts every
        // path simulated, in the blocks that finished and in those it stopped (their outcomes
        // dropped all the same), so that 90% of a one-block run is not "0 of 200".
        let simulated: u64 = blocks
            .iter()
            .zip(&computed)
            .map(|(&(_, start, stop), c)| match c {
                Ok(Ok(_)) => stop - start,
                Ok(Err(n)) => *n,
                Err(_) => 0,
            })
            .sum();
        let mut outcomes = Vec::with_capacity(computed.len());
        for block in computed {
            match block? {
                Ok(chunk) => outcomes.push(chunk),
                Err(_) => return Err(interrupted(done + simulated)),
            }
        }
        for (&(slot, start, stop), chunk) in blocks.iter().zip(&outcomes) {
            let f = &mut flight[slot];
            on_outcomes(f.unit, chunk)?;
            if keep {
                f.results.push(chunk);
            }
            f.done += stop - start;
            done += stop - start;
        }
        while flight.front().is_some_and(|f| {
            let r = &ranges[f.unit];
            f.unit < next_unit && f.done == r.end - r.start
        }) {
            if let Some(f) = flight.pop_front() {
                units_done += 1;
                on_unit(f.unit, f.results)?;
            }
        }
        observer.progress(Progress {
            paths_done: done,
            paths_total: total,
            units_done,
            units_total: count,
        });
    }
    // A stop during the last chunk counts too: the caller must not write a result.
    if observer.should_stop() || stopped() {
        return Err(interrupted(done));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use std::cell::Cell;

    fn model() -> Model {
        let scenario = Scenario::from_toml_str(
            "[simulation]\nhorizon_years = 2\n[initial_book]\nloans = 50\n[origination]\n\
             loans_per_year = 50\n[[segment]]\nname = \"a\"\n",
        )
        .unwrap();
        Model::new(&scenario)
    }

    /// Stops after the first chunk.
    struct StopAfterOne(Cell<bool>);
    impl Observer for StopAfterOne {
        fn progress(&self, _: Progress) {
            self.0.set(true);
        }
        fn should_stop(&self) -> bool {
            self.0.get()
        }
    }

    #[test]
    fn a_stop_is_an_interruption_with_the_paths_done() {
        let m = model();
        let units = [WorkUnit::new(&m, 0..CHUNK_PATHS + 10)];
        let e = simulate(
            &units,
            &StopAfterOne(Cell::new(false)),
            |_, _| Ok(()),
            |_, _| Ok(()),
        )
        .unwrap_err();
        assert!(
            matches!(e, Error::Interrupted { paths_done, paths_total }
                if paths_done == CHUNK_PATHS && paths_total == CHUNK_PATHS + 10),
            "{e}"
        );
    }

    /// Stops by its flag alone, as the command line's Ctrl-C does.
    struct Flag(AtomicBool);
    impl Observer for Flag {
        fn stop_flag(&self) -> Option<&AtomicBool> {
            Some(&self.0)
        }
    }

    #[test]
    fn a_stop_flag_ends_work_of_less_than_a_chunk_even_in_its_last_chunk() {
        let m = model();
        let units = [WorkUnit::new(&m, 0..10)];
        let stopped = Flag(AtomicBool::new(true));
        let e = simulate(&units, &stopped, |_, _| Ok(()), |_, _| Ok(())).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Interrupted {
                    paths_done: 0,
                    paths_total: 10
                }
            ),
            "{e}"
        );
        // Set while the only chunk runs: the work still ends as interrupted.
        let late = Flag(AtomicBool::new(false));
        let e = simulate(
            &units,
            &late,
            |_, _| {
                late.0.store(true, Ordering::Relaxed);
                Ok(())
            },
            |_, _| Ok(()),
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Interrupted {
                    paths_done: 10,
                    paths_total: 10
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn units_straddling_chunks_equal_their_own_runs_and_empty_units_complete() {
        let m = model();
        let units = [
            WorkUnit::new(&m, 5..5),
            WorkUnit::new(&m, 3..300),
            WorkUnit::new(&m, 700..1000),
        ];
        let mut done = Vec::new();
        simulate(
            &units,
            &Silent,
            |_, _| Ok(()),
            |i, r| {
                done.push((i, r));
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(done.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(done[0].1.paths(), 0);
        // Bit for bit (NaN marks undefined values, so `==` on the results would not do).
        let same = |a: &Results, b: &Results| {
            let bits = |r: &Results| -> Vec<u64> {
                crate::metrics::Scalar::ALL
                    .iter()
                    .flat_map(|m| r.scalar(*m).map(|v| v.map_or(u64::MAX, f64::to_bits)))
                    .collect()
            };
            a.first_path() == b.first_path() && a.paths() == b.paths() && bits(a) == bits(b)
        };
        assert!(same(&done[1].1, &simulate_range(&m, 3..300)));
        assert!(same(&done[2].1, &simulate_range(&m, 700..1000)));
    }

    #[test]
    fn shards_cut_the_stream_of_paths() {
        let m = model();
        let units = [WorkUnit::new(&m, 0..100), WorkUnit::new(&m, 0..100)];
        let cut = |r: Range<u64>| -> Vec<Range<u64>> {
            shard(&units, r).into_iter().map(|u| u.paths).collect()
        };
        assert_eq!(cut(0..200), [0..100, 0..100]);
        assert_eq!(cut(50..150), [50..100, 0..50]);
        assert_eq!(cut(100..130), vec![0..30; 1]);
        assert_eq!(cut(0..0), Vec::<Range<u64>>::new());
    }
}
