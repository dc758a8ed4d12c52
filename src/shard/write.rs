//! Computing one shard: its balanced share of the stream of work units' paths
//! ([`Shard::share`], [`crate::shard_ranges`]) simulated by the one driver, every outcome
//! written as a record of `outcomes.bin` as it comes, and `shard.json` beside it; the folder is
//! written aside and moved into place like a result folder ([`OutputDir`]).

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::format::{self, OUTCOMES_BIN, Piece, SHARD_JSON, ShardFile};
use super::recipe;
use super::spec::Shard;
use crate::error::{Arg, Error, Work};
use crate::output::{self, OutputDir, OutputError, RUN, RunInfo, Stopwatch};
use crate::resources;
use crate::scenario::Scenario;
use crate::simulate::{Observer, Options, Pool, shard_ranges};
use crate::study::Study;

/// A shard written.
#[derive(Debug)]
pub struct Written {
    /// The shard folder.
    pub folder: PathBuf,
    pub shard: Shard,
    /// Paths it computed, of how many in the whole work.
    pub paths: u64,
    pub paths_total: u64,
    /// Units (variants) it holds a piece of.
    pub units: usize,
    pub info: RunInfo,
}

/// The folder of shard `shard` in `shards` (the folder of all the work's shards).
pub fn shard_folder(shards: &Path, shard: Shard) -> PathBuf {
    shards.join(shard.folder_name())
}

/// The default folder of a run's shards: `output/<meta.name>-shards`.
pub fn default_run_shards(scenario: &Scenario) -> PathBuf {
    Path::new("output").join(format!("{}-shards", scenario.name()))
}

/// The default folder of a study's shards: `output/<meta.name>-<kind>-shards`.
pub fn default_study_shards(base: &Scenario, kind: &str) -> PathBuf {
    Path::new("output").join(format!("{}-{kind}-shards", base.name()))
}

/// The recipe of a run: its scenario and whether `paths.csv` is written.
pub(crate) fn run_recipe(scenario: &Scenario, paths_csv: bool) -> Value {
    json!({"scenario": recipe::scenario(scenario), "paths_csv": paths_csv})
}

/// Compute shard `shard` of a run of `scenario` into its folder in `shards`.
pub fn run(
    scenario: &Scenario,
    paths_csv: bool,
    shard: Shard,
    shards: &Path,
    options: &Options,
    observer: &dyn Observer,
) -> Result<Written, Error> {
    let recipe = run_recipe(scenario, paths_csv);
    if recipe::scenario_from(&recipe["scenario"])? != *scenario {
        return Err(not_rebuilt("the scenario"));
    }
    let paths = scenario.spec().simulation.paths as u64;
    write(
        RUN,
        recipe,
        &[scenario],
        paths,
        shard,
        shards,
        options,
        observer,
    )
}

/// Compute shard `shard` of `study` into its folder in `shards`.
pub fn study<S: Study>(
    study: &S,
    shard: Shard,
    shards: &Path,
    options: &Options,
    observer: &dyn Observer,
) -> Result<Written, Error> {
    let Some(recipe) = study.recipe() else {
        return Err(Error::Input(format!(
            "a `{}` study cannot be run in shards by this microfolio",
            S::KIND
        )));
    };
    // What the merge will rebuild must be this very study.
    let again = S::from_recipe(recipe)?;
    let same = |a: &[crate::study::Variant], b: &[crate::study::Variant]| {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.name == y.name && x.scenario == y.scenario)
    };
    if !same(again.variants(), study.variants()) {
        return Err(not_rebuilt("the study"));
    }
    let units: Vec<&Scenario> = study.variants().iter().map(|v| &v.scenario).collect();
    write(
        S::KIND,
        recipe.clone(),
        &units,
        study.paths(),
        shard,
        shards,
        options,
        observer,
    )
}

fn not_rebuilt(what: &str) -> Error {
    Error::Input(format!(
        "{what} does not read back the same from its recipe, so its shards could not be merged; \
         please report this with the scenario"
    ))
}

/// The fingerprinted description of a work of `kind`: units `units`, each paths `0..paths`.
pub(crate) fn work_json(kind: &str, recipe: Value, units: &[&Scenario], paths: u64) -> Value {
    let seed = units.first().map_or(0, |s| s.spec().simulation.seed);
    json!({
        "kind": kind,
        "seed": seed,
        "paths": paths,
        "units": units.len(),
        "engine": output::engine_versions(),
        "layout": format::layout(),
        "recipe": recipe,
    })
}

/// Per piece while the shard runs: its CRC-32 and bytes so far, and its loans and years once
/// done.
struct PieceState {
    crc: crc32fast::Hasher,
    bytes: u64,
    loans: u64,
    years: usize,
}

#[allow(clippy::too_many_arguments)]
fn write(
    kind: &str,
    recipe: Value,
    units: &[&Scenario],
    paths: u64,
    shard: Shard,
    shards: &Path,
    options: &Options,
    observer: &dyn Observer,
) -> Result<Written, Error> {
    let total = units.len() as u64 * paths;
    if shard.count > total.max(1) {
        return Err(Error::argument(
            Arg::Shard,
            shard,
            format!(
                "{} shards of {} would leave some empty; give at most {total} shards",
                shard.count,
                crate::study::paths_text(total)
            ),
        ));
    }
    let pool = Pool::new(options)?;
    let threads = pool.threads();
    let share = shard.share(total);
    let ranges: Vec<Range<u64>> = vec![0..paths; units.len()];
    let cut = shard_ranges(&ranges, share.clone());
    let pieces: Vec<(&Scenario, Range<u64>)> =
        cut.iter().map(|(u, r)| (units[*u], r.clone())).collect();
    let needed = pieces
        .iter()
        .map(|(s, r)| resources::estimated_memory_of(s, threads, r.end - r.start))
        .max()
        .unwrap_or(0);
    pool.check_memory(
        Work::Run {
            paths: share.end - share.start,
        },
        needed,
    )?;
    let folder = OutputDir::create(&shard_folder(shards, shard), format::KIND)?;
    let bin = folder.file(OUTCOMES_BIN);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |error| Error::Output(OutputError::Io { path, error })
    };
    let out = RefCell::new(BufWriter::with_capacity(
        1 << 20,
        File::create(&bin).map_err(io(&bin))?,
    ));
    let state: RefCell<Vec<PieceState>> = RefCell::new(
        pieces
            .iter()
            .map(|_| PieceState {
                crc: crc32fast::Hasher::new(),
                bytes: 0,
                loans: 0,
                years: 0,
            })
            .collect(),
    );
    let stopwatch = Stopwatch::start();
    let mut record = Vec::new();
    pool.simulate_pieces(
        &pieces,
        observer,
        |k, chunk| {
            record.clear();
            for o in chunk {
                format::encode(o, &mut record);
            }
            let mut state = state.borrow_mut();
            state[k].crc.update(&record);
            state[k].bytes += record.len() as u64;
            out.borrow_mut().write_all(&record).map_err(io(&bin))
        },
        |k, results| {
            let mut state = state.borrow_mut();
            state[k].loans = results.loans_simulated();
            state[k].years = results.years();
            Ok(())
        },
    )?;
    let out = out.into_inner();
    out.into_inner()
        .map_err(|e| io(&bin)(e.into_error()))?
        .sync_all()
        .map_err(io(&bin))?;
    let mut offset = 0;
    let mut written = Vec::with_capacity(pieces.len());
    let mut loans = 0;
    for ((unit, r), w) in cut.iter().zip(state.into_inner()) {
        loans += w.loans;
        written.push(Piece {
            unit: *unit,
            first_path: r.start,
            end_path: r.end,
            years: w.years,
            offset,
            bytes: w.bytes,
            crc32: w.crc.finalize(),
            loans_simulated: w.loans,
        });
        offset += w.bytes;
    }
    let info = stopwatch.stop(threads, loans);
    let file = ShardFile {
        work: work_json(kind, recipe, units, paths),
        index: shard.index,
        count: shard.count,
        stream: (share.start, share.end),
        pieces: written,
        run: info.clone(),
    };
    folder.write(SHARD_JSON, file.to_text().as_bytes())?;
    if observer.should_stop() {
        return Err(Error::Interrupted {
            paths_done: share.end - share.start,
            paths_total: share.end - share.start,
        });
    }
    let units_held = pieces.len();
    let folder = folder.commit()?;
    Ok(Written {
        folder,
        shard,
        paths: share.end - share.start,
        paths_total: total,
        units: units_held,
        info,
    })
}
