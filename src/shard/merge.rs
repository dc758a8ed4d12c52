//! Putting shards back together: read every shard's `shard.json`, refuse shards of different
//! work (their fingerprints differ) and shards that leave paths out or hold them twice (named
//! by folder and by shard I/N), then read the records in path order — whatever the order the
//! shards were given in — into the results a single process would have kept, and write the
//! result folder through the very code a run or a study writes it with. Only the fields that
//! record how the work went (threads, wall time, start, loans per second) can differ.

use std::fs::{self, File};
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::format::{self, OUTCOMES_BIN, Piece, SHARD_JSON, ShardFile, Span, Stream};
use super::recipe;
use crate::error::{Error, Work};
use crate::output::{self, OutputDir, OutputError, PathsCsv, RUN, RunInfo};
use crate::results::{Results, Shape};
use crate::run;
use crate::scenario::Scenario;
use crate::simulate::{CHUNK_PATHS, Observer};
use crate::study::problem::PointOutcomes;
use crate::study::{self, ResultSource, Study};
use crate::{Compare, Morris, Sobol, Sweep, Tornado};

/// A merged result folder.
#[derive(Debug)]
pub struct Merged {
    /// `run`, or the kind of study.
    pub kind: String,
    pub folder: PathBuf,
    pub shards: usize,
    /// Paths of all units together.
    pub paths: u64,
    /// Units: variants (or the run), or a design's points, as `unit_name` says.
    pub units: usize,
    /// What a unit is called in messages, in the singular: `run`, `variant` or `point`.
    pub unit_name: &'static str,
    /// What the run's report wants the user to know, or the study's table for a terminal.
    pub notes: Vec<String>,
    pub table: String,
}

/// The shard folders named by `args`: each a shard folder (holding `shard.json`), a folder of
/// shard folders, or a pattern with `*` and `?` in its last part (`shards/shard-*`) when the
/// shell has not expanded it.
pub fn shard_folders(args: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for arg in args {
        let name = arg
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !arg.exists() && name.contains(['*', '?']) {
            let parent = match arg.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let found = sorted_entries(&parent)
                .into_iter()
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| wildcard(&name, &n.to_string_lossy()))
                        && p.join(SHARD_JSON).is_file()
                })
                .collect::<Vec<_>>();
            if found.is_empty() {
                return Err(Error::Input(format!(
                    "{}: no shard folder matches",
                    arg.display()
                )));
            }
            out.extend(found);
        } else if arg.join(SHARD_JSON).is_file() {
            out.push(arg.clone());
        } else if arg.is_dir() {
            let found: Vec<PathBuf> = sorted_entries(arg)
                .into_iter()
                .filter(|p| p.join(SHARD_JSON).is_file())
                .collect();
            if found.is_empty() {
                return Err(Error::Input(format!(
                    "{}: is neither a shard folder (with {SHARD_JSON}) nor a folder of shard folders",
                    arg.display()
                )));
            }
            out.extend(found);
        } else {
            return Err(Error::Input(format!(
                "{}: no such shard folder",
                arg.display()
            )));
        }
    }
    Ok(out)
}

/// The visible entries of a folder, sorted.
fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

/// Whether `text` matches `pattern`, where `*` is any run of characters and `?` any one.
fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < t.len() {
        if i < p.len() && (p[i] == '?' || p[i] == t[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

/// A shard read: its folder and what its `shard.json` says.
struct Found {
    folder: PathBuf,
    file: ShardFile,
}

impl Found {
    fn name(&self) -> String {
        format!(
            "{} (shard {}/{})",
            self.folder.display(),
            self.file.index,
            self.file.count
        )
    }
}

fn read_shard(folder: &Path) -> Result<Found, Error> {
    let path = folder.join(SHARD_JSON);
    let text = fs::read_to_string(&path)
        .map_err(|e| Error::Input(format!("{}: cannot be read: {e}", path.display())))?;
    let file = ShardFile::parse(&text).map_err(|why| {
        Error::Input(format!("{}: not a microfolio shard: {why}", path.display()))
    })?;
    Ok(Found {
        folder: folder.to_path_buf(),
        file,
    })
}

/// Where two fingerprints differ, as `key: a vs b` by dotted path, down to the first differing
/// line of a text (a scenario's TOML): `recipe.scenario.toml: `seed = 7` vs `seed = 9``.
fn differences(a: &Value, b: &Value) -> Vec<String> {
    let mut out = Vec::new();
    differ(a, b, "", &mut out);
    out
}

fn differ(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
    let key = |k: &str| {
        if at.is_empty() {
            k.to_string()
        } else {
            format!("{at}.{k}")
        }
    };
    let short = |v: String| {
        if v.chars().count() > 80 {
            format!("{}…", v.chars().take(80).collect::<String>())
        } else {
            v
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => differ(p, q, &key(k), out),
                    (p, q) => out.push(format!(
                        "{}: {} vs {}",
                        key(k),
                        p.map_or("nothing".into(), |v| short(v.to_string())),
                        q.map_or("nothing".into(), |v| short(v.to_string()))
                    )),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                differ(p, q, &key(&i.to_string()), out);
            }
        }
        (Value::String(x), Value::String(y)) if x.contains('\n') && x != y => {
            let line = x
                .lines()
                .zip(y.lines())
                .find(|(p, q)| p != q)
                .map(|(p, q)| format!("`{}` vs `{}`", short(p.into()), short(q.into())))
                .unwrap_or_else(|| "one text is longer".into());
            out.push(format!("{at}: {line}"));
        }
        _ if a != b => out.push(format!(
            "{at}: {} vs {}",
            short(a.to_string()),
            short(b.to_string())
        )),
        _ => {}
    }
}

/// At most ten items, then how many more.
fn list(items: &[String]) -> String {
    let mut text = items
        .iter()
        .take(10)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > 10 {
        text.push_str(&format!(" and {} more", items.len() - 10));
    }
    text
}

/// Check that `shards` are of one work and hold each of its paths once; sort them into path
/// order.
fn check(shards: &mut [Found]) -> Result<(), Error> {
    shards.sort_by(|a, b| {
        (a.file.stream, a.file.count, &a.folder).cmp(&(b.file.stream, b.file.count, &b.folder))
    });
    let first = &shards[0];
    for s in &shards[1..] {
        if s.file.work != first.file.work {
            return Err(Error::Input(format!(
                "{} and {} are shards of different work (fingerprints {} and {}): {}; merge only \
                 the shards of one run or study",
                first.name(),
                s.name(),
                format::fingerprint_id(&first.file.work),
                format::fingerprint_id(&s.file.work),
                differences(&first.file.work, &s.file.work)
                    .iter()
                    .take(6)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            )));
        }
    }
    let work = &first.file.work;
    let stream = Stream::of_work(work).ok_or_else(|| {
        Error::Input(format!(
            "{}: its fingerprint names no stream of paths or points; was shard.json edited?",
            first.name()
        ))
    })?;
    let units = work["units"].as_u64().unwrap_or(0);
    let paths = work["paths"].as_u64().unwrap_or(0);
    let (total, item) = match stream {
        Stream::Paths => (units * paths, "paths"),
        Stream::Points => (units, "points"),
    };
    let metrics = work["layout"]["metrics"].as_array().map_or(0, Vec::len);
    // Shards of one N: name the missing and repeated shards.
    let n = first.file.count;
    if shards.iter().all(|s| s.file.count == n) {
        let mut twice = Vec::new();
        for w in shards.windows(2) {
            if w[0].file.index == w[1].file.index {
                twice.push(format!(
                    "shard {}/{n} in both {} and {}",
                    w[0].file.index,
                    w[0].folder.display(),
                    w[1].folder.display()
                ));
            }
        }
        if !twice.is_empty() {
            return Err(Error::Input(format!(
                "shards given twice: {}; give each shard once",
                list(&twice)
            )));
        }
        let missing: Vec<String> = (0..n)
            .filter(|i| !shards.iter().any(|s| s.file.index == *i))
            .map(|i| {
                let share = super::Shard { index: i, count: n }.share(total);
                format!(
                    "shard {i}/{n} ({}, {item} {}..{} of the work)",
                    super::Shard { index: i, count: n }.folder_name(),
                    share.start,
                    share.end
                )
            })
            .collect();
        if !missing.is_empty() {
            return Err(Error::Input(format!(
                "{} of {n} shards missing: {}; rerun those tasks (Slurm: sbatch --array=<their \
                 indices>) and merge again",
                missing.len(),
                list(&missing)
            )));
        }
    }
    // Any mix of N: the shards' shares must tile the stream of paths (or points).
    let mut next = 0;
    let mut previous: Option<&Found> = None;
    for s in shards.iter() {
        let (a, b) = s.file.stream;
        if a > next {
            return Err(Error::Input(format!(
                "{item} {next}..{a} of the work are in no shard given (the shards before and after \
                 them: {} and {})",
                previous.map_or("none".to_string(), Found::name),
                s.name()
            )));
        }
        if a < next {
            return Err(Error::Input(format!(
                "{item} {a}..{} are in two shards: {} and {}; give each shard once",
                next.min(b),
                previous.map_or("?".to_string(), Found::name),
                s.name()
            )));
        }
        // Its pieces must cover its share exactly, with records of the right size.
        let mut at = a;
        let uncovered = || {
            Error::Input(format!(
                "{}: its pieces do not cover its {item} {a}..{b}; the shard is damaged, rerun it",
                s.name()
            ))
        };
        for p in &s.file.pieces {
            let size = match (&p.span, stream) {
                (Span::Paths { years, .. }, Stream::Paths) => format::record_bytes(*years),
                (Span::Points(_), Stream::Points) => format::point_record_bytes(metrics),
                _ => return Err(uncovered()),
            };
            let records = p.span.records();
            if p.span.stream_start(paths) != at || p.bytes != records * size as u64 {
                return Err(uncovered());
            }
            at += records;
        }
        if at != b {
            return Err(uncovered());
        }
        next = b;
        previous = Some(s);
    }
    if next != total {
        return Err(Error::Input(format!(
            "{item} {next}..{total} of the work are in no shard given (the last shard given: {})",
            previous.map_or("none".to_string(), Found::name)
        )));
    }
    Ok(())
}

/// The records of every shard in path order, read unit by unit.
struct Reader<'a> {
    shards: &'a [Found],
    /// The next piece: (shard, piece).
    at: (usize, usize),
    open: Option<(usize, BufReader<File>)>,
}

impl Reader<'_> {
    /// The `outcomes.bin` of the current shard, opened at the current piece's records, and
    /// its path for messages.
    fn open_piece(&mut self, piece: &Piece) -> Result<(&mut BufReader<File>, PathBuf), Error> {
        let shard = &self.shards[self.at.0];
        let bin = shard.folder.join(OUTCOMES_BIN);
        if self.open.as_ref().is_none_or(|(i, _)| *i != self.at.0) {
            let f = File::open(&bin).map_err(|e| damaged(&bin, format!("cannot be read: {e}")))?;
            self.open = Some((self.at.0, BufReader::with_capacity(1 << 20, f)));
        }
        let (_, file) = self.open.as_mut().expect("opened above");
        file.seek(SeekFrom::Start(piece.offset))
            .map_err(|e| damaged(&bin, e.to_string()))?;
        Ok((file, bin))
    }

    /// The next piece, moving on to the next shard at the end of one; `None` after the last.
    fn peek(&mut self) -> Option<Piece> {
        while let Some(shard) = self.shards.get(self.at.0) {
            match shard.file.pieces.get(self.at.1) {
                Some(piece) => return Some(piece.clone()),
                None => self.at = (self.at.0 + 1, 0),
            }
        }
        None
    }

    /// The complete results of unit `unit` (of `paths` paths from 0), handing each chunk of
    /// outcomes to `on_chunk` as it is read.
    fn unit(
        &mut self,
        unit: usize,
        shape: Shape,
        mut on_chunk: impl FnMut(&[crate::engine::PathOutcome]) -> Result<(), Error>,
    ) -> Result<Results, Error> {
        let years = shape.rows;
        let mut results = Results::empty(0, shape);
        let size = format::record_bytes(years);
        let mut buf = vec![0u8; size * CHUNK_PATHS as usize];
        while let Some(piece) = self.peek() {
            let Span::Paths {
                unit: u,
                paths: range,
                years: y,
            } = piece.span.clone()
            else {
                break;
            };
            if u != unit {
                break;
            }
            let (file, bin) = self.open_piece(&piece)?;
            if y != years {
                return Err(damaged(
                    &bin,
                    format!("unit {unit} has {y} yearly rows, its scenario {years}"),
                ));
            }
            let before = results.loans_simulated();
            let crc = read_records(file, &bin, range.clone(), size, &mut buf, |index, bytes| {
                let outcomes: Vec<_> = bytes
                    .chunks_exact(size)
                    .enumerate()
                    .map(|(k, r)| format::decode(index + k as u64, years, r))
                    .collect();
                results.push(&outcomes);
                on_chunk(&outcomes)
            })?;
            if crc != piece.crc32 {
                return Err(damaged(
                    &bin,
                    format!(
                        "the records of unit {unit}, paths {}..{}, do not match their CRC-32",
                        range.start, range.end
                    ),
                ));
            }
            if results.loans_simulated() - before != piece.loans_simulated {
                return Err(damaged(
                    &bin,
                    format!(
                        "the loans of unit {unit}, paths {}..{}, do not add up",
                        range.start, range.end
                    ),
                ));
            }
            self.at.1 += 1;
        }
        Ok(results)
    }

    /// Every point's outcome of a design of `metrics` metrics, per metric in point order, and
    /// the loans of all the points.
    fn points(&mut self, metrics: usize) -> Result<(Vec<PointOutcomes>, u64), Error> {
        let mut outcomes = vec![PointOutcomes::default(); metrics];
        let mut loans = 0;
        let size = format::point_record_bytes(metrics);
        let mut buf = vec![0u8; size * CHUNK_PATHS as usize];
        while let Some(piece) = self.peek() {
            let Span::Points(range) = piece.span.clone() else {
                break;
            };
            let (file, bin) = self.open_piece(&piece)?;
            let crc = read_records(file, &bin, range.clone(), size, &mut buf, |_, bytes| {
                for record in bytes.chunks_exact(size) {
                    for (o, (mean, se)) in outcomes
                        .iter_mut()
                        .zip(format::decode_point(metrics, record))
                    {
                        o.mean.push(mean);
                        o.se.push(se);
                    }
                }
                Ok(())
            })?;
            if crc != piece.crc32 {
                return Err(damaged(
                    &bin,
                    format!(
                        "the records of points {}..{} do not match their CRC-32",
                        range.start, range.end
                    ),
                ));
            }
            loans += piece.loans_simulated;
            self.at.1 += 1;
        }
        Ok((outcomes, loans))
    }
}

/// A shard's `outcomes.bin` that cannot be used, and why.
fn damaged(bin: &Path, why: String) -> Error {
    Error::Input(format!(
        "{}: {why}; the shard is damaged, rerun it",
        bin.display()
    ))
}

/// Merge the shard folders `folders` into the result folder `out` (default: the folder the
/// run or study would have written), as the single process would have written it.
pub fn merge(
    folders: &[PathBuf],
    out: Option<&Path>,
    observer: &dyn Observer,
) -> Result<Merged, Error> {
    if folders.is_empty() {
        return Err(Error::Input("no shard folder to merge".into()));
    }
    let mut shards = folders
        .iter()
        .map(|f| read_shard(f))
        .collect::<Result<Vec<_>, _>>()?;
    check(&mut shards)?;
    let work = shards[0].file.work.clone();
    let kind = work["kind"].as_str().unwrap_or_default().to_string();
    let recipe = &work["recipe"];
    let paths = work["paths"].as_u64().unwrap_or(0);
    let units = work["units"].as_u64().unwrap_or(0) as usize;
    let run = format::merged_run(&shards.iter().map(|s| &s.file.run).collect::<Vec<_>>());
    let mut reader = Reader {
        shards: &shards,
        at: (0, 0),
        open: None,
    };
    let mut merged = Merged {
        kind: kind.clone(),
        folder: PathBuf::new(),
        shards: shards.len(),
        paths: paths * units as u64,
        units,
        unit_name: match Stream::of_work(&work) {
            Some(Stream::Points) => "point",
            _ if kind == RUN => "run",
            _ => "variant",
        },
        notes: Vec::new(),
        table: String::new(),
    };
    match kind.as_str() {
        RUN => {
            let scenario = recipe::scenario_at(recipe, "scenario")?;
            let paths_csv = recipe::bool_at(recipe, "paths_csv")?;
            let uncertain = recipe::bool_at(recipe, "uncertain")?;
            let dest = out.map_or_else(
                || run::default_folder(&scenario, uncertain),
                Path::to_path_buf,
            );
            let done = merge_run(
                &scenario,
                paths_csv,
                uncertain,
                &dest,
                &mut reader,
                run,
                observer,
            )?;
            merged.folder = done.folder;
            merged.notes = done.notes;
        }
        Sweep::KIND => merge_study::<Sweep>(recipe, out, &mut reader, run, observer, &mut merged)?,
        Compare::KIND => {
            merge_study::<Compare>(recipe, out, &mut reader, run, observer, &mut merged)?
        }
        Tornado::KIND => {
            merge_study::<Tornado>(recipe, out, &mut reader, run, observer, &mut merged)?
        }
        Sobol::KIND => merge_study::<Sobol>(recipe, out, &mut reader, run, observer, &mut merged)?,
        Morris::KIND => {
            merge_study::<Morris>(recipe, out, &mut reader, run, observer, &mut merged)?
        }
        other => {
            return Err(Error::Input(format!(
                "{}: shards of a `{other}` cannot be merged by this microfolio",
                shards[0].name()
            )));
        }
    }
    Ok(merged)
}

/// The result folder of a run from its shards; `uncertain`: the run drew its parameters per
/// path, whose values `paths.csv` shows (drawn again: they are a function of seed and path).
fn merge_run(
    scenario: &Scenario,
    paths_csv: bool,
    uncertain: bool,
    dest: &Path,
    reader: &mut Reader,
    info: RunInfo,
    observer: &dyn Observer,
) -> Result<crate::Completed, Error> {
    let paths = scenario.spec().simulation.paths as u64;
    let shape = crate::model::shape(scenario.spec());
    let needed = paths
        .saturating_mul(crate::resources::bytes_per_path(shape.rows) + 8)
        .saturating_add(1 << 28);
    if let Some(available) = crate::resources::available_memory()
        && needed > available
    {
        return Err(Error::TooLarge {
            work: Work::Run { paths },
            needed,
            available,
        });
    }
    let folder = OutputDir::create(dest, RUN)?;
    let csv_path = folder.file(output::PATHS_CSV);
    let io = |error| {
        Error::Output(OutputError::Io {
            path: csv_path.clone(),
            error,
        })
    };
    let parameters = if uncertain { scenario.uncertain() } else { &[] };
    let columns: Vec<String> = parameters.iter().map(|p| p.column()).collect();
    let mut csv = if paths_csv {
        Some(PathsCsv::create_with(&csv_path, &columns).map_err(io)?)
    } else {
        None
    };
    let results = reader.unit(0, shape, |chunk| match csv.as_mut() {
        Some(w) => w
            .write_with(chunk, |i| crate::run::draws(scenario, parameters, i))
            .map_err(io),
        None => Ok(()),
    })?;
    if let Some(w) = csv {
        w.finish().map_err(io)?;
    }
    if observer.should_stop() {
        return Err(Error::Interrupted {
            paths_done: paths,
            paths_total: paths,
        });
    }
    let info = RunInfo {
        loans_simulated: results.loans_simulated(),
        ..info
    };
    run::write_folder(folder, scenario, results, info, uncertain, observer)
}

/// Read the records of `range` (paths or points), `size` bytes each, from a piece's `file`
/// (`bin` in messages), a chunk at a time through `buf`, handing each chunk's bytes and its
/// first index to `each`; the CRC-32 of all the bytes read.
fn read_records(
    file: &mut impl Read,
    bin: &Path,
    range: std::ops::Range<u64>,
    size: usize,
    buf: &mut [u8],
    mut each: impl FnMut(u64, &[u8]) -> Result<(), Error>,
) -> Result<u32, Error> {
    let mut crc = crc32fast::Hasher::new();
    let mut index = range.start;
    while index < range.end {
        let n = (range.end - index).min(CHUNK_PATHS) as usize;
        let bytes = &mut buf[..n * size];
        file.read_exact(bytes)
            .map_err(|e| damaged(bin, format!("cannot be read: {e}")))?;
        crc.update(bytes);
        each(index, bytes)?;
        index += n as u64;
    }
    Ok(crc.finalize())
}

/// The result folder of a study from its shards: the variants' results in variant order, or a
/// design's points' outcomes in point order (`sobol`, `morris`), handed to the study, which
/// computes its results (and bootstraps) as on one machine.
fn merge_study<S: Study>(
    recipe: &Value,
    out: Option<&Path>,
    reader: &mut Reader,
    run: RunInfo,
    observer: &dyn Observer,
    merged: &mut Merged,
) -> Result<(), Error> {
    let study = S::from_recipe(recipe)?;
    let results = match study.design() {
        Some(design) => {
            same_units::<S>(merged, "points", design.points(), design.paths_per_point())?;
            let folder = study_folder(&study, out)?;
            let (outcomes, loans) = reader.points(design.metrics().len())?;
            if observer.should_stop() {
                return Err(Error::Interrupted {
                    paths_done: merged.paths,
                    paths_total: merged.paths,
                });
            }
            let run = RunInfo {
                loans_simulated: loans,
                ..run
            };
            (
                folder,
                study.compute_from(ResultSource::Points { outcomes, run })?,
            )
        }
        None => {
            same_units::<S>(merged, "variants", study.variants().len(), study.paths())?;
            let folder = study_folder(&study, out)?;
            let shapes: Vec<Shape> = study
                .variants()
                .iter()
                .map(|v| crate::model::shape(v.scenario.spec()))
                .collect();
            let mut next = |i: usize| -> Result<Results, Error> {
                if observer.should_stop() {
                    return Err(Error::Interrupted {
                        paths_done: i as u64 * study.paths(),
                        paths_total: merged.paths,
                    });
                }
                reader.unit(i, shapes[i], |_| Ok(()))
            };
            let given = ResultSource::Given {
                results: &mut next,
                run,
            };
            (folder, study.compute_from(given)?)
        }
    };
    let (folder, results) = results;
    finish(&study, folder, results, observer, merged)
}

/// Refuse shards that hold other units than the study their recipe makes: `units` of `what`
/// (variants, points) of `paths` paths each.
fn same_units<S: Study>(
    merged: &Merged,
    what: &str,
    units: usize,
    paths: u64,
) -> Result<(), Error> {
    if units == merged.units && paths * merged.units as u64 == merged.paths {
        return Ok(());
    }
    Err(Error::Input(format!(
        "the shards hold {} units of {} paths, but their recipe makes a {} of {units} {what} of \
         {paths}",
        merged.units,
        merged.paths / merged.units.max(1) as u64,
        S::KIND,
    )))
}

/// The study's result folder: `out`, or the folder the study would have written.
fn study_folder<S: Study>(study: &S, out: Option<&Path>) -> Result<OutputDir, Error> {
    let dest = out.map_or_else(
        || study::default_folder(study.base(), S::KIND),
        Path::to_path_buf,
    );
    Ok(OutputDir::create(&dest, S::KIND)?)
}

/// Write the study's folder from its results, as one machine would, and say what was merged.
fn finish<S: Study>(
    study: &S,
    folder: OutputDir,
    results: S::Results,
    observer: &dyn Observer,
    merged: &mut Merged,
) -> Result<(), Error> {
    merged.table = study.summarise(&results);
    let done = study::write_folder(study, folder, results, observer)?;
    merged.folder = done.folder;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::wildcard;

    #[test]
    fn wildcards() {
        assert!(wildcard("shard-*", "shard-0001-of-0004"));
        assert!(wildcard("shard-000?-of-0004", "shard-0003-of-0004"));
        assert!(wildcard("*", ""));
        assert!(!wildcard("shard-*-of-0008", "shard-0001-of-0004"));
        assert!(wildcard("a*b*c", "aXXbYYc"));
        assert!(!wildcard("a*b*c", "aXXbYY"));
    }
}
