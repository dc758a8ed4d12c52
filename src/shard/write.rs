//! Computing one shard: its balanced share ([`Shard::share`]) of the work's stream — the work
//! units' paths ([`crate::shard_ranges`]) simulated by the one driver, every outcome written
//! into `outcomes.bin` by column in blocks of paths as it comes, nothing kept, so that a task's
//! memory does not grow with its paths; or a design's points ([`Design`]), whole, each written
//! as its mean and standard error per metric — and `shard.json` beside it. The folder is
//! written aside and moved into place like a result folder ([`OutputDir`]).

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::format::{
    self, Column, IndexRef, OUTCOMES_BIN, Piece, SHARD_JSON, ShardFile, Span, Stream,
};
use super::recipe;
use super::spec::Shard;
use crate::engine::PathOutcome;
use crate::error::{Arg, Error, Work};
use crate::output::{self, OutputDir, OutputError, PathsFormat, RUN, RunInfo, Stopwatch};
use crate::resources;
use crate::run::RunOptions;
use crate::scenario::Scenario;
use crate::simulate::{self, Observer, Options, Pool, shard_ranges};
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
    /// Units it holds a piece of: variants (or the run), variants at draws, or the design's
    /// points.
    pub units: usize,
    /// What a unit is called in messages, in the singular: `run`, `variant`, `variant draw` or
    /// `point`.
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

/// The recipe of a run: its scenario, whether the file of paths is written and in which
/// format, and whether the run draws its `[[uncertain]]` parameters per path.
pub(crate) fn run_recipe(
    scenario: &Scenario,
    paths_csv: bool,
    paths_format: PathsFormat,
    uncertain: bool,
) -> Value {
    json!({
        "scenario": recipe::scenario(scenario),
        "paths_csv": paths_csv,
        "paths_format": paths_format.name(),
        "uncertain": uncertain,
    })
}

/// The work a shard computes a share of.
enum Units<'a> {
    /// Units of paths `0..paths` each, of these scenarios (a run, a study's variants), a
    /// record per path. `uncertain`: a run that draws its parameters per path, whose unit 0
    /// has a model for every path ([`crate::run::path_model`]) and unit 1 is its paired
    /// point-value run.
    Paths {
        scenarios: &'a [&'a Scenario],
        paths: u64,
        uncertain: bool,
        /// A study's base, whose `tail` shift every unit samples with; `None` for a run.
        base: Option<&'a Scenario>,
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

    /// Refuse more shards than the stream has items: some would be empty.
    fn fits(&self, shard: Shard) -> Result<(), Error> {
        let total = self.total();
        if shard.count <= total.max(1) {
            return Ok(());
        }
        let what = match self {
            Units::Paths { .. } => crate::study::paths_text(total),
            Units::Points(_) => format!("{} design points", crate::format::count(total as f64)),
        };
        Err(Error::argument(
            Arg::Shard,
            shard,
            format!(
                "{} shards of {what} would leave some empty; give at most {total} shards",
                shard.count,
            ),
        ))
    }
}

/// Refuse, before any work (`--plan`), more shards of a run of `scenario` than it has paths
/// (with parameter uncertainty, `uncertain`, twice: its paired point-value run's too), as its
/// shards would.
pub fn run_fits(scenario: &Scenario, uncertain: bool, shard: Shard) -> Result<(), Error> {
    let both = [scenario, scenario];
    let units = Units::Paths {
        scenarios: run_units(&both, uncertain),
        paths: scenario.spec().simulation.paths as u64,
        uncertain,
        base: None,
    };
    units.fits(shard)
}

/// Paths that shard `shard` of a run of `scenario` computes (for a progress bar): its share
/// of the run's paths, with parameter uncertainty (`uncertain`) of the drawn paths and their
/// paired point-value run's.
pub fn run_share_paths(scenario: &Scenario, uncertain: bool, shard: Shard) -> u64 {
    let paths = scenario.spec().simulation.paths as u64;
    let share = shard.share(paths * run_unit_count(uncertain));
    share.end - share.start
}

/// Refuse, before any work (`--plan`), more shards of `study` than its stream has items (a
/// design's points: a calibration's next wave may have fewer than `--points`), as its shards
/// would.
pub fn study_fits<S: Study>(study: &S, shard: Shard) -> Result<(), Error> {
    let scenarios: Vec<&Scenario> = study.variants().iter().map(|v| &v.scenario).collect();
    let units = match study.design() {
        Some(d) => Units::Points(d),
        None => Units::Paths {
            scenarios: &scenarios,
            paths: study.paths(),
            uncertain: false,
            base: Some(study.base()),
        },
    };
    units.fits(shard)
}

/// Compute shard `shard` of a run of `scenario` into its folder in `shards`, as `run` with
/// `options` (the file of paths, `--uncertain`, threads) would: `options.uncertain`, the run
/// draws its `[[uncertain]]` parameters per path. `invocation` is kept for the merge's
/// messages.
pub fn run(
    scenario: &Scenario,
    options: &RunOptions,
    shard: Shard,
    shards: &Path,
    invocation: &Invocation,
    observer: &dyn Observer,
) -> Result<Written, Error> {
    let uncertain = options.uncertain;
    if let Some(t) = &options.target_se {
        t.check(uncertain, true)?;
    }
    crate::run::can_draw(scenario, uncertain)?;
    let recipe = run_recipe(scenario, options.paths_csv, options.paths_format, uncertain);
    if recipe::scenario_from(&recipe["scenario"])? != *scenario {
        return Err(not_rebuilt("the scenario"));
    }
    // With parameter uncertainty the run is two units: the drawn paths, then the same paths
    // at the point values (the report's point-value column).
    let both = [scenario, scenario];
    let units = Units::Paths {
        scenarios: run_units(&both, uncertain),
        paths: scenario.spec().simulation.paths as u64,
        uncertain,
        base: None,
    };
    let options = options.options();
    let to = Destination {
        shard,
        shards,
        options: &options,
        invocation,
        observer,
    };
    write(RUN, recipe, seed_of(scenario), &units, &to)
}

/// The units of a run of `both[0]`: the run, and with parameter uncertainty its paired
/// point-value run after it.
fn run_units<'a>(both: &'a [&'a Scenario; 2], uncertain: bool) -> &'a [&'a Scenario] {
    if uncertain { &both[..] } else { &both[..1] }
}

/// Units of a run's shards: 2 with parameter uncertainty (the drawn paths, then the point
/// values'), else 1.
pub fn run_unit_count(uncertain: bool) -> u64 {
    if uncertain { 2 } else { 1 }
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

/// Compute shard `shard` of `study` into its folder in `shards`; `invocation` is kept for the
/// merge's messages.
pub fn study<S: Study>(
    study: &S,
    shard: Shard,
    shards: &Path,
    options: &Options,
    invocation: &Invocation,
    observer: &dyn Observer,
) -> Result<Written, Error> {
    crate::study::study_sampling(study)?;
    let Some(recipe) = study.recipe() else {
        return Err(Error::Input(format!(
            "a `{}` study cannot be run in shards by this microfolio",
            S::KIND
        )));
    };
    let to = Destination {
        shard,
        shards,
        options,
        invocation,
        observer,
    };
    // What the merge will rebuild must be this very study.
    let again = S::from_recipe(recipe)?;
    let seed = seed_of(study.base());
    if let Some(design) = study.design() {
        let same = again.base() == study.base()
            && again.design().is_some_and(|d| {
                d.layout() == design.layout()
                    && d.paths_per_point() == design.paths_per_point()
                    && d.points() == design.points()
                    && (0..d.points()).all(|p| d.row(p) == design.row(p))
            });
        if !same {
            return Err(not_rebuilt("the study"));
        }
        return write(S::KIND, recipe.clone(), seed, &Units::Points(design), &to);
    }
    if let Some(drawn) = study.drawn() {
        // With parameter uncertainty the units are the variants at the draws, each of its
        // own values and seed ([`crate::study::nested`]).
        let units = drawn.units()?;
        let rebuilt = again.drawn().map(|d| d.units()).transpose()?;
        let same = rebuilt.is_some_and(|a| {
            a.scenarios == units.scenarios && a.values == units.values && a.seeds == units.seeds
        }) && names(again.variants()) == names(study.variants());
        if !same {
            return Err(not_rebuilt("the study"));
        }
        let scenarios: Vec<&Scenario> = units.scenarios.iter().collect();
        let units = Units::Paths {
            scenarios: &scenarios,
            paths: drawn.nesting.paths_per_draw,
            uncertain: false,
            base: None,
        };
        let written = write(S::KIND, recipe.clone(), seed, &units, &to)?;
        return Ok(Written {
            unit_name: DRAWN_UNIT,
            ..written
        });
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
        base: Some(study.base()),
    };
    write(S::KIND, recipe.clone(), seed, &units, &to)
}

/// What a unit of a study with parameter uncertainty is called in messages, in the singular:
/// one variant at one draw.
pub(crate) const DRAWN_UNIT: &str = "variant draw";

/// The variants' names.
fn names(variants: &[crate::study::Variant]) -> Vec<&str> {
    variants.iter().map(|v| v.name.as_str()).collect()
}

fn not_rebuilt(what: &str) -> Error {
    Error::Input(format!(
        "{what} does not read back the same from its recipe, so its shards could not be merged; \
         please report this with the scenario"
    ))
}

/// The fingerprinted description of a work of `kind`: `units` units of `paths` paths each
/// (points of a design, each of `paths` paths), the stream the shards cut and the layout of
/// its outcomes. The recipe is kept by its content ([`format::content`]).
fn work_json(kind: &str, recipe: &Value, seed: u64, units: &Units) -> Value {
    let (stream, count, paths, layout) = match units {
        Units::Paths {
            scenarios, paths, ..
        } => (Stream::Paths, scenarios.len(), *paths, format::layout()),
        Units::Points(d) => (Stream::Points, d.points(), d.paths_per_point(), d.layout()),
    };
    json!({
        "kind": kind,
        "seed": seed,
        "stream": stream.name(),
        "paths": paths,
        "units": count,
        "engine": output::engine_versions(),
        "layout": layout,
        "recipe": format::content(recipe),
    })
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

/// `outcomes.bin` as it is written: bytes appended in order, counted.
struct Out {
    file: BufWriter<File>,
    path: PathBuf,
    bytes: u64,
}

impl Out {
    fn create(path: PathBuf) -> Result<Out, Error> {
        let file = File::create(&path).map_err(io(&path))?;
        Ok(Out {
            file: BufWriter::with_capacity(1 << 20, file),
            path,
            bytes: 0,
        })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.bytes += bytes.len() as u64;
        self.file.write_all(bytes).map_err(io(&self.path))
    }

    /// Flush and sync the file; its bytes.
    fn finish(self) -> Result<u64, Error> {
        let path = self.path;
        self.file
            .into_inner()
            .map_err(|e| io(&path)(e.into_error()))?
            .sync_all()
            .map_err(io(&path))?;
        Ok(self.bytes)
    }
}

/// A piece of paths while the shard runs: its unit, paths and rows, the block being filled,
/// and what it has written.
struct PieceWriter {
    unit: usize,
    paths: Range<u64>,
    rows: usize,
    segments: usize,
    block_paths: u64,
    block: Vec<PathOutcome>,
    offset: u64,
    loans: u64,
    started: bool,
    done: bool,
}

/// The outcomes of a shard's pieces of paths, written by column in blocks of paths as they come
/// (docs/cluster.md, "The shard format"), with the CRC-32 of every chunk for the index: one
/// block of outcomes is held at a time.
struct Blocks {
    out: Out,
    pieces: Vec<PieceWriter>,
    index: Vec<u32>,
    chunk: Vec<u8>,
}

impl Blocks {
    /// Append `outcomes` (in path order) to piece `k`; pieces come one after another, so the
    /// pieces before `k` are complete.
    fn push(&mut self, k: usize, outcomes: &[PathOutcome]) -> Result<(), Error> {
        for j in 0..k {
            self.finish_piece(j)?;
        }
        if !self.pieces[k].started {
            self.pieces[k].started = true;
            self.pieces[k].offset = self.out.bytes;
        }
        for o in outcomes {
            let piece = &mut self.pieces[k];
            piece.loans += o.loans_simulated;
            piece.block.push(o.clone());
            if piece.block.len() as u64 == piece.block_paths {
                self.flush(k)?;
            }
        }
        Ok(())
    }

    /// Write piece `k`'s last, partial block, once.
    fn finish_piece(&mut self, k: usize) -> Result<(), Error> {
        if !self.pieces[k].done {
            self.flush(k)?;
            self.pieces[k].done = true;
        }
        Ok(())
    }

    /// Write the block of piece `k`, column by column, each chunk's CRC-32 into the index.
    fn flush(&mut self, k: usize) -> Result<(), Error> {
        let piece = &mut self.pieces[k];
        if piece.block.is_empty() {
            return Ok(());
        }
        for c in 0..format::columns(piece.rows, piece.segments) {
            self.chunk.clear();
            let column = Column::at(c, piece.rows, piece.segments).expect("a column of the block");
            format::encode_chunk(&piece.block, column, &mut self.chunk);
            self.index.push(format::crc32(&self.chunk));
            self.out.write(&self.chunk)?;
        }
        piece.block.clear();
        Ok(())
    }

    /// Every piece complete, the index written after the blocks: the pieces and the index's
    /// place and CRC-32.
    fn finish(mut self) -> Result<(Vec<Piece>, u64, IndexRef), Error> {
        for k in 0..self.pieces.len() {
            self.finish_piece(k)?;
        }
        let index_offset = self.out.bytes;
        let index: Vec<u8> = self.index.iter().flat_map(|c| c.to_le_bytes()).collect();
        self.out.write(&index)?;
        let bytes = self.out.finish()?;
        let mut pieces = Vec::with_capacity(self.pieces.len());
        let mut ends = self
            .pieces
            .iter()
            .map(|p| p.offset)
            .skip(1)
            .chain([index_offset]);
        for p in &self.pieces {
            let end = ends.next().expect("an end per piece");
            pieces.push(Piece {
                span: Span::Paths {
                    unit: p.unit,
                    paths: p.paths.clone(),
                    rows: p.rows,
                    segments: p.segments,
                    block_paths: p.block_paths,
                },
                offset: p.offset,
                bytes: end - p.offset,
                loans_simulated: p.loans,
            });
        }
        Ok((
            pieces,
            bytes,
            IndexRef {
                offset: index_offset,
                bytes: index.len() as u64,
                crc32: format::crc32(&index),
            },
        ))
    }
}

/// How a shard's command was given, kept in `shard.json` beside the fingerprint (not part of
/// it) so that a merge can say how to rerun a missing shard: the command's arguments without
/// those that choose the shard, its folder, threads and output, and the folder it ran in.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    pub command: Option<Vec<String>>,
    pub directory: Option<PathBuf>,
}

impl Invocation {
    /// This process's command line (its arguments after the program, as `args`), without the
    /// shard's own options (`--shard`, `--out`, `--threads`, `--quiet`), and its working folder.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Invocation {
        let mut command = Vec::new();
        let mut args = args.into_iter();
        while let Some(a) = args.next() {
            let (flag, inline) = match a.split_once('=') {
                Some((f, _)) if f.starts_with("--") => (f.to_string(), true),
                _ => (a.clone(), false),
            };
            match flag.as_str() {
                "--shard" | "--out" | "--threads" => {
                    if !inline {
                        args.next();
                    }
                }
                "--quiet" | "-q" => {}
                _ => command.push(a),
            }
        }
        Invocation {
            command: Some(command),
            directory: std::env::current_dir().ok(),
        }
    }

    fn to_json(&self, recipe: &Value) -> Value {
        json!({
            "recipe": recipe,
            "command": self.command,
            "directory": self.directory.as_ref().map(|d| d.display().to_string()),
        })
    }
}

/// Where and how a shard is computed, the same for a run's and a study's: which shard, into
/// the folder of shards `shards`, on a pool of `options`, the command that ran it kept for the
/// merge's messages, and the observer of its progress.
struct Destination<'a> {
    shard: Shard,
    shards: &'a Path,
    options: &'a Options,
    invocation: &'a Invocation,
    observer: &'a dyn Observer,
}

/// Compute the shard of `to` of the `kind` of work made from `recipe`, its units' outcomes
/// into its folder with its `shard.json`.
fn write(
    kind: &str,
    recipe: Value,
    seed: u64,
    units: &Units,
    to: &Destination,
) -> Result<Written, Error> {
    let Destination {
        shard,
        shards,
        options,
        invocation,
        observer,
    } = *to;
    units.fits(shard)?;
    let total = units.total();
    let share = shard.share(total);
    let (folder, pieces, outcomes_bytes, index, info) = match units {
        Units::Paths {
            scenarios,
            paths,
            uncertain,
            base,
        } => {
            let pool = Pool::new(options)?;
            let ranges: Vec<Range<u64>> = vec![0..*paths; scenarios.len()];
            let cut = shard_ranges(&ranges, share.clone());
            let pieces: Vec<(usize, &Scenario, Range<u64>)> = cut
                .iter()
                .map(|(u, r)| (*u, scenarios[*u], r.clone()))
                .collect();
            let needed = pieces
                .iter()
                .map(|(_, s, _)| resources::streaming_memory(s, pool.threads()))
                .max()
                .unwrap_or(0);
            pool.check_memory(
                Work::Run {
                    paths: share.end - share.start,
                },
                needed,
            )?;
            let folder = OutputDir::create(&shard_folder(shards, shard), format::KIND)?;
            let (pieces, bytes, index, info) =
                simulate_paths(&folder, &pool, &pieces, (*uncertain, *base), observer)?;
            (folder, pieces, bytes, Some(index), info)
        }
        Units::Points(design) => {
            let folder = OutputDir::create(&shard_folder(shards, shard), format::KIND)?;
            let points = share.start as usize..share.end as usize;
            let (outcomes, info) = design.simulate(points, options, observer)?;
            let mut out = Out::create(folder.file(OUTCOMES_BIN))?;
            let mut records = Vec::new();
            for i in 0..(share.end - share.start) as usize {
                let values: Vec<(f64, Option<f64>)> =
                    outcomes.iter().map(|o| (o.mean[i], o.se[i])).collect();
                format::encode_point(&values, &mut records);
            }
            out.write(&records)?;
            let bytes = out.finish()?;
            let piece = Piece {
                span: Span::Points {
                    points: share.clone(),
                    crc32: format::crc32(&records),
                },
                offset: 0,
                bytes,
                loans_simulated: info.loans_simulated,
            };
            (folder, vec![piece], bytes, None, info)
        }
    };
    let held = pieces.len();
    let file = ShardFile {
        work: work_json(kind, &recipe, seed, units),
        given: invocation.to_json(&recipe),
        index: shard.index,
        count: shard.count,
        stream: (share.start, share.end),
        pieces,
        outcomes_bytes,
        outcomes_index: index,
        run: info.clone(),
    };
    folder.write(SHARD_JSON, file.to_text().as_bytes())?;
    let done = share.end - share.start;
    let paths = match units {
        Units::Paths { .. } => done,
        Units::Points(d) => done * d.paths_per_point(),
    };
    let folder = simulate::commit_unless_stopped(folder, observer, paths)?;
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

/// Simulate `pieces` (paths of units' scenarios) on `pool`, every outcome written into
/// `folder`'s `outcomes.bin` by column in blocks as it comes, nothing else kept; `uncertain`:
/// the one piece is of a run that draws its parameters per path. The pieces, the file's bytes,
/// its index and how the work went.
fn simulate_paths(
    folder: &OutputDir,
    pool: &Pool,
    pieces: &[(usize, &Scenario, Range<u64>)],
    (uncertain, base): (bool, Option<&Scenario>),
    observer: &dyn Observer,
) -> Result<(Vec<Piece>, u64, IndexRef, RunInfo), Error> {
    let writers = pieces
        .iter()
        .map(|(unit, scenario, paths)| {
            let shape = crate::model::shape(scenario.spec());
            PieceWriter {
                unit: *unit,
                paths: paths.clone(),
                rows: shape.rows,
                segments: shape.segments,
                block_paths: format::block_paths(shape.rows, shape.segments),
                block: Vec::new(),
                offset: 0,
                loans: 0,
                started: false,
                done: false,
            }
        })
        .collect();
    let blocks = RefCell::new(Blocks {
        out: Out::create(folder.file(OUTCOMES_BIN))?,
        pieces: writers,
        index: Vec::new(),
        chunk: Vec::new(),
    });
    let stopwatch = Stopwatch::start();
    let on_outcomes = |k: usize, chunk: &[PathOutcome]| blocks.borrow_mut().push(k, chunk);
    let on_piece = |k: usize| blocks.borrow_mut().finish_piece(k);
    // A run with parameter uncertainty: unit 0 draws every path's parameters, unit 1 is its
    // paired point-value run, the scenario's own model.
    let scenarios: Vec<(&Scenario, Range<u64>, bool)> = pieces
        .iter()
        .map(|(u, s, r)| (*s, r.clone(), uncertain && *u == 0))
        .collect();
    match pieces.first() {
        Some((_, scenario, _)) if uncertain => {
            let model_of = |i: u64| crate::run::path_model(scenario, i);
            let shape = crate::model::shape(scenario.spec());
            pool.stream_pieces(
                &scenarios,
                Some((shape, &model_of)),
                None,
                observer,
                on_outcomes,
                on_piece,
            )?;
        }
        _ => pool.stream_pieces(&scenarios, None, base, observer, on_outcomes, on_piece)?,
    }
    let (pieces, bytes, index) = blocks.into_inner().finish()?;
    let loans = pieces.iter().map(|p| p.loans_simulated).sum();
    Ok((pieces, bytes, index, stopwatch.stop(pool.threads(), loans)))
}
