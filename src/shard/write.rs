//! Computing one shard: its balanced share ([`Shard::share`]) of the work's stream — the work
//! units' paths ([`crate::shard_ranges`]) simulated by the one driver, every outcome written as
//! a record of `outcomes.bin` as it comes; or a design's points ([`Design`]), whole, each
//! written as its mean and standard error per metric — and `shard.json` beside it. The folder
//! is written aside and moved into place like a result folder ([`OutputDir`]).

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::format::{self, OUTCOMES_BIN, Piece, SHARD_JSON, ShardFile, Span, Stream};
use super::recipe;
use super::spec::Shard;
use crate::error::{Arg, Error, Work};
use crate::output::{self, OutputDir, OutputError, RUN, RunInfo, Stopwatch};
use crate::resources;
use crate::scenario::Scenario;
use crate::simulate::{Observer, Options, Pool, shard_ranges};
use crate::study::{Design, Study};

/// A shard written.
#[derive(Debug)]
pub struct Written {
    /// The shard folder.
    pub folder: PathBuf,
    pub shard: Shard,
    /// Paths it computed, of how many in the whole work (a design's: points × paths per point).
    pub paths: u64,
    pub paths_total: u64,
    /// Units it holds a piece of: variants (or the run), or the design's points.
    pub units: usize,
    /// What a unit is called in messages, in the singular: `run`, `variant` or `point`.
    pub unit_name: &'static str,
    pub info: RunInfo,
}

/// The folder of shard `shard` in `shards` (the folder of all the work's shards).
pub fn shard_folder(shards: &Path, shard: Shard) -> PathBuf {
    shards.join(shard.folder_name())
}

/// The default folder of a run's shards: `output/<meta.name>-shards`, and
/// `output/<meta.name>-uncertain-shards` for a run with parameter uncertainty.
pub fn default_run_shards(scenario: &Scenario, uncertain: bool) -> PathBuf {
    let suffix = if uncertain { "-uncertain" } else { "" };
    Path::new("output").join(format!("{}{suffix}-shards", scenario.name()))
}

/// The default folder of a study's shards: `output/<meta.name>-<kind>-shards`.
pub fn default_study_shards(base: &Scenario, kind: &str) -> PathBuf {
    Path::new("output").join(format!("{}-{kind}-shards", base.name()))
}

/// The recipe of a run: its scenario, whether `paths.csv` is written and whether the run draws
/// its `[[uncertain]]` parameters per path.
pub(crate) fn run_recipe(scenario: &Scenario, paths_csv: bool, uncertain: bool) -> Value {
    json!({
        "scenario": recipe::scenario(scenario),
        "paths_csv": paths_csv,
        "uncertain": uncertain,
    })
}

/// The work a shard computes a share of.
enum Units<'a> {
    /// Units of paths `0..paths` each, of these scenarios (a run, a study's variants), a
    /// record per path. `uncertain`: the one unit is a run that draws its parameters per path,
    /// whose every path has its own model ([`crate::run::path_model`]).
    Paths {
        scenarios: &'a [&'a Scenario],
        paths: u64,
        uncertain: bool,
    },
    /// The points of a design, whole, a record per point.
    Points(&'a dyn Design),
}

impl Units<'_> {
    /// Items of the stream the shards cut: paths, or points.
    fn total(&self) -> u64 {
        match self {
            Units::Paths {
                scenarios, paths, ..
            } => scenarios.len() as u64 * paths,
            Units::Points(d) => d.points() as u64,
        }
    }
}

/// Compute shard `shard` of a run of `scenario` into its folder in `shards`; `uncertain`: the
/// run draws its `[[uncertain]]` parameters per path (`run --uncertain`).
pub fn run(
    scenario: &Scenario,
    paths_csv: bool,
    uncertain: bool,
    shard: Shard,
    shards: &Path,
    options: &Options,
    observer: &dyn Observer,
) -> Result<Written, Error> {
    crate::run::can_draw(scenario, uncertain)?;
    let recipe = run_recipe(scenario, paths_csv, uncertain);
    if recipe::scenario_from(&recipe["scenario"])? != *scenario {
        return Err(not_rebuilt("the scenario"));
    }
    let units = Units::Paths {
        scenarios: &[scenario],
        paths: scenario.spec().simulation.paths as u64,
        uncertain,
    };
    write(
        RUN,
        recipe,
        seed_of(scenario),
        &units,
        shard,
        shards,
        options,
        observer,
    )
}

/// The seed of a scenario's paths.
fn seed_of(scenario: &Scenario) -> u64 {
    scenario.spec().simulation.seed as u64
}

/// Paths that shard `shard` of `study` computes (for a progress bar).
pub fn study_share_paths<S: Study>(study: &S, shard: Shard) -> u64 {
    match study.design() {
        Some(d) => {
            let share = shard.share(d.points() as u64);
            (share.end - share.start) * d.paths_per_point()
        }
        None => {
            let share = shard.share(study.variants().len() as u64 * study.paths());
            share.end - share.start
        }
    }
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
    let seed = seed_of(study.base());
    if let Some(design) = study.design() {
        let same = again.base() == study.base()
            && again.design().is_some_and(|d| {
                d.metrics() == design.metrics()
                    && d.paths_per_point() == design.paths_per_point()
                    && d.points() == design.points()
                    && (0..d.points()).all(|p| d.row(p) == design.row(p))
            });
        if !same {
            return Err(not_rebuilt("the study"));
        }
        return write(
            S::KIND,
            recipe.clone(),
            seed,
            &Units::Points(design),
            shard,
            shards,
            options,
            observer,
        );
    }
    let same = |a: &[crate::study::Variant], b: &[crate::study::Variant]| {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.name == y.name && x.scenario == y.scenario)
    };
    if !same(again.variants(), study.variants()) {
        return Err(not_rebuilt("the study"));
    }
    let scenarios: Vec<&Scenario> = study.variants().iter().map(|v| &v.scenario).collect();
    let seed = scenarios.first().map_or(seed, |s| seed_of(s));
    let units = Units::Paths {
        scenarios: &scenarios,
        paths: study.paths(),
        uncertain: false,
    };
    write(
        S::KIND,
        recipe.clone(),
        seed,
        &units,
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

/// The fingerprinted description of a work of `kind`: `units` units of `paths` paths each
/// (points of a design, each of `paths` paths), the stream the shards cut and the layout of
/// its records.
fn work_json(kind: &str, recipe: Value, seed: u64, units: &Units) -> Value {
    let (stream, count, paths, layout) = match units {
        Units::Paths {
            scenarios, paths, ..
        } => (Stream::Paths, scenarios.len(), *paths, format::layout()),
        Units::Points(d) => (
            Stream::Points,
            d.points(),
            d.paths_per_point(),
            format::point_layout(d.metrics()),
        ),
    };
    json!({
        "kind": kind,
        "seed": seed,
        "stream": stream.name(),
        "paths": paths,
        "units": count,
        "engine": output::engine_versions(),
        "layout": layout,
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

/// Records of a shard as they are written: into `outcomes.bin`, with every piece's CRC-32 and
/// bytes.
struct Records {
    out: BufWriter<File>,
    path: PathBuf,
    pieces: Vec<PieceState>,
}

impl Records {
    fn create(path: PathBuf, pieces: usize) -> Result<Records, Error> {
        let file = File::create(&path).map_err(io(&path))?;
        Ok(Records {
            out: BufWriter::with_capacity(1 << 20, file),
            path,
            pieces: (0..pieces)
                .map(|_| PieceState {
                    crc: crc32fast::Hasher::new(),
                    bytes: 0,
                    loans: 0,
                    years: 0,
                })
                .collect(),
        })
    }

    /// Append `record` (one or more whole records) to piece `k`, the pieces in order.
    fn write(&mut self, k: usize, record: &[u8]) -> Result<(), Error> {
        self.pieces[k].crc.update(record);
        self.pieces[k].bytes += record.len() as u64;
        self.out.write_all(record).map_err(io(&self.path))
    }

    /// Flush and sync the file; the pieces' states.
    fn finish(self) -> Result<Vec<PieceState>, Error> {
        let path = self.path;
        self.out
            .into_inner()
            .map_err(|e| io(&path)(e.into_error()))?
            .sync_all()
            .map_err(io(&path))?;
        Ok(self.pieces)
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + use<> {
    let path = path.to_path_buf();
    move |error| {
        Error::Output(OutputError::Io {
            path: path.clone(),
            error,
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn write(
    kind: &str,
    recipe: Value,
    seed: u64,
    units: &Units,
    shard: Shard,
    shards: &Path,
    options: &Options,
    observer: &dyn Observer,
) -> Result<Written, Error> {
    let total = units.total();
    if shard.count > total.max(1) {
        let what = match units {
            Units::Paths { .. } => crate::study::paths_text(total),
            Units::Points(_) => format!("{} design points", crate::format::count(total as f64)),
        };
        return Err(Error::argument(
            Arg::Shard,
            shard,
            format!(
                "{} shards of {what} would leave some empty; give at most {total} shards",
                shard.count,
            ),
        ));
    }
    let share = shard.share(total);
    let (folder, spans, states, info) = match units {
        Units::Paths {
            scenarios,
            paths,
            uncertain,
        } => {
            let pool = Pool::new(options)?;
            let ranges: Vec<Range<u64>> = vec![0..*paths; scenarios.len()];
            let cut = shard_ranges(&ranges, share.clone());
            let pieces: Vec<(&Scenario, Range<u64>)> = cut
                .iter()
                .map(|(u, r)| (scenarios[*u], r.clone()))
                .collect();
            let needed = pieces
                .iter()
                .map(|(s, r)| resources::estimated_memory_of(s, pool.threads(), r.end - r.start))
                .max()
                .unwrap_or(0);
            pool.check_memory(
                Work::Run {
                    paths: share.end - share.start,
                },
                needed,
            )?;
            let folder = OutputDir::create(&shard_folder(shards, shard), format::KIND)?;
            let (states, info) = simulate_paths(&folder, &pool, &pieces, *uncertain, observer)?;
            let spans = cut
                .into_iter()
                .zip(&states)
                .map(|((unit, paths), w)| Span::Paths {
                    unit,
                    paths,
                    years: w.years,
                })
                .collect::<Vec<_>>();
            (folder, spans, states, info)
        }
        Units::Points(design) => {
            let folder = OutputDir::create(&shard_folder(shards, shard), format::KIND)?;
            let points = share.start as usize..share.end as usize;
            let (outcomes, info) = design.simulate(points, options, observer)?;
            let mut out = Records::create(folder.file(OUTCOMES_BIN), 1)?;
            let mut record = Vec::new();
            for i in 0..(share.end - share.start) as usize {
                record.clear();
                let values: Vec<(f64, Option<f64>)> =
                    outcomes.iter().map(|o| (o.mean[i], o.se[i])).collect();
                format::encode_point(&values, &mut record);
                out.write(0, &record)?;
            }
            let mut states = out.finish()?;
            states[0].loans = info.loans_simulated;
            (folder, vec![Span::Points(share.clone())], states, info)
        }
    };
    let mut offset = 0;
    let mut written = Vec::with_capacity(spans.len());
    for (span, w) in spans.into_iter().zip(states) {
        written.push(Piece {
            span,
            offset,
            bytes: w.bytes,
            crc32: w.crc.finalize(),
            loans_simulated: w.loans,
        });
        offset += w.bytes;
    }
    let held = written.len();
    let file = ShardFile {
        work: work_json(kind, recipe, seed, units),
        index: shard.index,
        count: shard.count,
        stream: (share.start, share.end),
        pieces: written,
        run: info.clone(),
    };
    folder.write(SHARD_JSON, file.to_text().as_bytes())?;
    let done = share.end - share.start;
    let paths = match units {
        Units::Paths { .. } => done,
        Units::Points(d) => done * d.paths_per_point(),
    };
    if observer.should_stop() {
        return Err(Error::Interrupted {
            paths_done: paths,
            paths_total: paths,
        });
    }
    let folder = folder.commit()?;
    Ok(Written {
        folder,
        shard,
        paths,
        paths_total: match units {
            Units::Paths { .. } => total,
            Units::Points(d) => total * d.paths_per_point(),
        },
        units: match units {
            Units::Paths { .. } => held,
            Units::Points(_) => done as usize,
        },
        unit_name: match units {
            Units::Paths { .. } if kind == RUN => "run",
            Units::Paths { .. } => "variant",
            Units::Points(_) => "point",
        },
        info,
    })
}

/// Simulate `pieces` (paths of scenarios) on `pool`, every outcome written as a record of
/// `folder`'s `outcomes.bin` as it comes; `uncertain`: the one piece is of a run that draws its
/// parameters per path. The pieces' states and how the work went.
fn simulate_paths(
    folder: &OutputDir,
    pool: &Pool,
    pieces: &[(&Scenario, Range<u64>)],
    uncertain: bool,
    observer: &dyn Observer,
) -> Result<(Vec<PieceState>, RunInfo), Error> {
    let out = RefCell::new(Records::create(folder.file(OUTCOMES_BIN), pieces.len())?);
    let stopwatch = Stopwatch::start();
    let mut record = Vec::new();
    let on_outcomes = |k: usize, chunk: &[crate::engine::PathOutcome]| {
        record.clear();
        for o in chunk {
            format::encode(o, &mut record);
        }
        out.borrow_mut().write(k, &record)
    };
    let on_unit = |k: usize, results: crate::Results| {
        let mut out = out.borrow_mut();
        out.pieces[k].loans = results.loans_simulated();
        out.pieces[k].years = results.rows();
        Ok(())
    };
    match pieces {
        [(scenario, paths)] if uncertain => {
            let model_of = |i: u64| crate::run::path_model(scenario, i);
            pool.simulate_per_path(
                paths.clone(),
                crate::model::shape(scenario.spec()),
                &model_of,
                observer,
                on_outcomes,
                on_unit,
            )?;
        }
        _ => pool.simulate_pieces(pieces, observer, on_outcomes, on_unit)?,
    }
    let states = out.into_inner().finish()?;
    let loans = states.iter().map(|w| w.loans).sum();
    Ok((states, stopwatch.stop(pool.threads(), loans)))
}
