//! Putting shards back together. First every shard's header: its `shard.json` (a regular file
//! of bounded size, intact by its checksum), its fingerprint against the others' (shards of
//! different work are refused), which shards are there (a missing or repeated one is named, in
//! time linear in the shards, with the command that reruns it), how its pieces tile the work,
//! the size of its `outcomes.bin` and the CRC-32 of its index — all before a value is read.
//! Then the values, whatever the order the shards were given in, each column chunk's CRC-32
//! checked before its values are used: a run's merge reads **one column of all paths at a
//! time** (the loans, the file of paths block by block, then each metric for `summary.json` and
//! `timeseries.csv`), so its memory is about 8 bytes a path however many metrics and years; a
//! study's merge reads one variant at a time into the results its study keeps on one machine.
//! The result folder is written through the very code a run or a study writes it with, into a
//! staging folder that a failure removes: damage found anywhere commits nothing. Only the
//! fields that record how the work went (threads, wall time, start, loans per second) can
//! differ from a single process's.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::format::{
    self, Column, MAX_SHARD_JSON, OUTCOMES_BIN, Piece, SHARD_JSON, ShardFile, Span, Stream,
};
use super::recipe;
use crate::engine::PathOutcome;
use crate::error::{Error, Work};
use crate::metrics::{Scalar, Yearly};
use crate::output::{OutputDir, OutputError, PathsFormat, PathsWriter, RUN, RunInfo};
use crate::results::{OutcomeColumns, Results, Shape};
use crate::run;
use crate::scenario::Scenario;
use crate::simulate::Observer;
use crate::study::calibrate::Calibration;
use crate::study::nested::Draws;
use crate::study::problem::PointOutcomes;
use crate::study::{self, ResultSource, Standing, Study};
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
        } else if arg.exists() {
            // A file given where a folder belongs (often the shard's own shard.json).
            return Err(Error::Input(format!(
                "{}: is a file, not a shard folder; give the folder that holds {SHARD_JSON} \
                 (or a folder of such folders)",
                arg.display()
            )));
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

/// Where two fingerprints differ, as `key: a vs b` by dotted path, down to the first differing
/// line of a text (a scenario's TOML) with its table: `recipe.scenario.toml: [simulation]:
/// `seed = 7` vs `seed = 9``, `recipe.scenario.toml: [[funding.facility]] "eib": `limit = …``.
pub(crate) fn differences(a: &Value, b: &Value) -> Vec<String> {
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
            // The line's table, and the item's name in a list of tables (`[[segment]]`,
            // `[[funding.facility]]`), so that `limit = …` says which facility's.
            let (mut table, mut item) = (None, None);
            let mut line = "one text is longer".to_string();
            for (p, q) in x.lines().zip(y.lines()) {
                if p != q {
                    line = format!("`{}` vs `{}`", short(p.into()), short(q.into()));
                    break;
                }
                let t = p.trim();
                if t.starts_with('[') {
                    (table, item) = (Some(t), None);
                } else if let Some(name) = t.strip_prefix("name = ") {
                    item = Some(name);
                }
            }
            let context = match (table, item) {
                (Some(t), Some(n)) if t.starts_with("[[") => format!(" {t} {n}"),
                (Some(t), _) => format!(" {t}"),
                _ => String::new(),
            };
            out.push(format!("{at}:{context}: {line}"));
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

/// A shard read: its folder, what its `shard.json` says, and (once checked) the CRC-32 of every
/// chunk of its `outcomes.bin`.
struct Found {
    folder: PathBuf,
    file: ShardFile,
    crcs: Vec<u32>,
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

    fn bin(&self) -> PathBuf {
        self.folder.join(OUTCOMES_BIN)
    }
}

/// A shard file that is not a regular file of at most `max` bytes: its size, or why not.
fn regular_file(path: &Path, max: u64) -> Result<u64, Error> {
    let meta = fs::symlink_metadata(path)
        .map_err(|e| Error::Input(format!("{}: cannot be read: {e}", path.display())))?;
    if !meta.is_file() {
        return Err(Error::Input(format!(
            "{}: is not a regular file; the shard is damaged, rerun it",
            path.display()
        )));
    }
    if meta.len() > max {
        return Err(Error::Input(format!(
            "{}: {} bytes, more than a shard's {max}; the shard is damaged, rerun it",
            path.display(),
            meta.len()
        )));
    }
    Ok(meta.len())
}

fn read_shard(folder: &Path) -> Result<Found, Error> {
    let path = folder.join(SHARD_JSON);
    regular_file(&path, MAX_SHARD_JSON)?;
    // Read through the same bound: a file that grows after its size was looked at is not
    // read past it.
    let text = crate::output::folder::read_bounded(&path, MAX_SHARD_JSON).map_err(|why| {
        Error::Input(format!(
            "{}: {why}; the shard is damaged, rerun it",
            path.display()
        ))
    })?;
    let file = ShardFile::parse(&text).map_err(|why| {
        // Every reason ends with what to do: most are damage, to be computed again.
        let advice = if why.contains("rerun") || why.contains("again") {
            ""
        } else {
            "; the shard is damaged, rerun it"
        };
        Error::Input(format!("{}: {why}{advice}", path.display()))
    })?;
    // What the merge rebuilds the work from must be the work of the fingerprint.
    if format::content(&file.given["recipe"]) != file.work["recipe"] {
        return Err(Error::Input(format!(
            "{}: its recipe as given is not the recipe of its fingerprint; the shard is damaged, \
             rerun it",
            path.display()
        )));
    }
    Ok(Found {
        folder: folder.to_path_buf(),
        file,
        crcs: Vec::new(),
    })
}

/// A text as a shell word: quoted unless it is plain.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// A path made absolute against the current folder (for a command to run elsewhere).
fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map_or_else(|_| path.to_path_buf(), |d| d.join(path))
    }
}

/// Indices as Slurm's `--array` takes them: `1,3,5-9`.
fn ranges(indices: &[u64]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let mut j = i;
        while j + 1 < indices.len() && indices[j + 1] == indices[j] + 1 {
            j += 1;
        }
        out.push(if j > i {
            format!("{}-{}", indices[i], indices[j])
        } else {
            indices[i].to_string()
        });
        i = j + 1;
    }
    out.join(",")
}

/// How to compute the shards `missing` of `n` again: the command that made the shards given,
/// on Slurm through `cluster/submit.sh` (which merges again when they are done) and by hand.
fn rerun_advice(shards: &[Found], missing: &[u64], n: u64, out: Option<&Path>) -> String {
    let given = &shards[0].file.given;
    let Some(command) = given["command"].as_array().and_then(|c| {
        c.iter()
            .map(|a| a.as_str().map(shell_word))
            .collect::<Option<Vec<_>>>()
    }) else {
        return "rerun those shards with the command that made the others and merge again".into();
    };
    let command = command.join(" ");
    let parent = |s: &Found| s.folder.parent().map(Path::to_path_buf);
    let folder = parent(&shards[0])
        .filter(|p| {
            shards
                .iter()
                .all(|s| parent(s).as_deref() == Some(p.as_path()))
        })
        .map_or("SHARDS_DIR".to_string(), |p| {
            shell_word(&absolute(&p).display().to_string())
        });
    let result = out.map_or("RESULT_DIR".to_string(), |o| {
        shell_word(&absolute(o).display().to_string())
    });
    let indices = ranges(missing);
    let from = given["directory"]
        .as_str()
        .map_or(String::new(), |d| format!(" from {}", shell_word(d)));
    format!(
        "rerun them{from}: on Slurm `cluster/submit.sh --indices {indices} {n} {folder} \
         {result} {command}` (which merges again when they are done), or each by hand \
         `microfolio {command} --shard {}/{n} --out {folder}`, then merge again",
        missing[0]
    )
}

/// Check that `shards` are of one work and hold each of its paths (or points) once, and that
/// each shard's `outcomes.bin` is the size its `shard.json` says and its index intact; sort
/// them into stream order. `out` is the merge's result folder, for the rerun command.
fn check(shards: &mut [Found], out: Option<&Path>) -> Result<(), Error> {
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
        Stream::Paths => (units.saturating_mul(paths), "paths"),
        Stream::Points => (units, "points"),
    };
    let metrics = work["layout"]["metrics"].as_array().map_or(0, Vec::len);
    // Shards of one N, sorted by index: the repeated ones are neighbours, the missing ones the
    // gaps, found in one pass.
    let n = first.file.count;
    if shards.iter().all(|s| s.file.count == n) {
        let twice: Vec<String> = shards
            .windows(2)
            .filter(|w| w[0].file.index == w[1].file.index)
            .map(|w| {
                format!(
                    "shard {}/{n} in both {} and {}",
                    w[0].file.index,
                    w[0].folder.display(),
                    w[1].folder.display()
                )
            })
            .collect();
        if !twice.is_empty() {
            return Err(Error::Input(format!(
                "shards given twice: {}; give each shard once",
                list(&twice)
            )));
        }
        let mut missing = Vec::new();
        let mut next = 0;
        for i in shards.iter().map(|s| s.file.index).chain([n]) {
            missing.extend(next..i.min(n));
            next = i + 1;
        }
        if !missing.is_empty() {
            let mut named = missing
                .iter()
                .take(10)
                .map(|&i| {
                    let shard = super::Shard { index: i, count: n };
                    let share = shard.share(total);
                    format!(
                        "shard {i}/{n} ({}, {item} {}..{} of the work)",
                        shard.folder_name(),
                        share.start,
                        share.end
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            if missing.len() > 10 {
                named.push_str(&format!(" and {} more", missing.len() - 10));
            }
            return Err(Error::Input(format!(
                "{} of {n} shards missing: {named}; {}",
                missing.len(),
                rerun_advice(shards, &missing, n, out)
            )));
        }
    }
    // Each shard's index of its count names its share of the stream: a shard.json whose
    // counts were changed together with its checksum is still refused.
    for s in shards.iter() {
        let (i, n) = (s.file.index, s.file.count);
        let share = (i < n && n <= super::MAX_SHARDS)
            .then(|| super::Shard { index: i, count: n }.share(total));
        if share.map(|r| (r.start, r.end)) != Some(s.file.stream) {
            return Err(Error::Input(format!(
                "{}: shard {i} of {n} holds {item} {}..{} of the work, not the share of shard \
                 {i}/{n}; the shard is damaged, rerun it",
                s.folder.join(SHARD_JSON).display(),
                s.file.stream.0,
                s.file.stream.1
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
        next = b;
        previous = Some(s);
    }
    if next != total {
        return Err(Error::Input(format!(
            "{item} {next}..{total} of the work are in no shard given (the last shard given: {})",
            previous.map_or("none".to_string(), Found::name)
        )));
    }
    for s in shards.iter_mut() {
        check_outcomes(s, stream, paths, metrics)?;
    }
    Ok(())
}

/// Check that shard `s`'s pieces cover its share exactly and lie one after another in its
/// `outcomes.bin`, which must be a regular file of the size `shard.json` gives; read its index
/// of chunk CRC-32s (of the size its pieces imply) and check it against its own CRC-32.
fn check_outcomes(s: &mut Found, stream: Stream, paths: u64, metrics: usize) -> Result<(), Error> {
    let (a, b) = s.file.stream;
    let damaged_json = |why: &str| {
        Error::Input(format!(
            "{}: {why}; the shard is damaged, rerun it ({})",
            s.folder.join(SHARD_JSON).display(),
            s.name()
        ))
    };
    let mut at = a;
    let mut offset = 0u64;
    let mut crcs = 0u64;
    for p in &s.file.pieces {
        match (&p.span, stream) {
            (Span::Paths { block_paths, .. }, Stream::Paths)
                if (1..=1 << 20).contains(block_paths) => {}
            (Span::Points { .. }, Stream::Points) => {}
            _ => return Err(damaged_json("a piece of another kind than its work's")),
        }
        let (bytes, chunks) = p.span.expected(metrics);
        if p.span.stream_start(paths) != at || p.offset != offset || p.bytes != bytes {
            return Err(damaged_json(&format!(
                "its pieces do not cover its share {a}..{b} of the work one after another"
            )));
        }
        at += p.span.records();
        offset += bytes;
        crcs += chunks;
    }
    if at != b {
        return Err(damaged_json(&format!(
            "its pieces do not cover its share {a}..{b} of the work"
        )));
    }
    // Every count: the loans its pieces hold are the loans it says it simulated (for a
    // design's points, which keep no loans per point, the one check there is besides the
    // checksum).
    let loans = s
        .file
        .pieces
        .iter()
        .try_fold(0u64, |sum, p| sum.checked_add(p.loans_simulated));
    if loans != Some(s.file.run.loans_simulated) {
        return Err(damaged_json(&format!(
            "its pieces hold {} loans, but it says it simulated {}",
            loans.map_or("more than 2^64".to_string(), |l| l.to_string()),
            s.file.run.loans_simulated
        )));
    }
    let index = s.file.outcomes_index;
    let expected = match (stream, index) {
        (Stream::Paths, Some(i)) if i.offset == offset && i.bytes == 4 * crcs => offset + i.bytes,
        (Stream::Points, None) => offset,
        _ => return Err(damaged_json("its index is not where its pieces end")),
    };
    if s.file.outcomes_bytes != expected {
        return Err(damaged_json(
            "the size it gives outcomes.bin is not its pieces'",
        ));
    }
    let bin = s.bin();
    let size = regular_file(&bin, u64::MAX)?;
    if size != expected {
        return Err(damaged(
            &bin,
            format!(
                "{size} bytes where {} gives {expected} ({}); truncated, or more appended",
                SHARD_JSON,
                if size < expected {
                    "too few"
                } else {
                    "too many"
                }
            ),
        ));
    }
    if let Some(i) = index {
        let mut file = open(&bin)?;
        let mut bytes = vec![0u8; i.bytes as usize];
        file.seek(SeekFrom::Start(i.offset))
            .and_then(|_| file.read_exact(&mut bytes))
            .map_err(|e| damaged(&bin, format!("its index cannot be read: {e}")))?;
        if format::crc32(&bytes) != i.crc32 {
            return Err(damaged(&bin, "its index does not match its CRC-32".into()));
        }
        s.crcs = bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect();
    }
    Ok(())
}

fn open(bin: &Path) -> Result<File, Error> {
    File::open(bin).map_err(|e| damaged(bin, format!("cannot be read: {e}")))
}

/// A shard's `outcomes.bin` that cannot be used, and why.
fn damaged(bin: &Path, why: String) -> Error {
    Error::Input(format!(
        "{}: {why}; the shard is damaged, rerun it",
        bin.display()
    ))
}

/// A piece of paths of a shard, placed: the shard, the piece, where its chunks' CRC-32s start
/// in the shard's index.
#[derive(Clone, Copy)]
struct Placed<'a> {
    shard: &'a Found,
    piece: &'a Piece,
    first_crc: usize,
}

impl<'a> Placed<'a> {
    /// The pieces of paths of unit `unit` of `shards` (in stream order), in path order.
    fn of_unit(shards: &'a [Found], unit: usize) -> Vec<Placed<'a>> {
        let mut out = Vec::new();
        for s in shards {
            let mut first_crc = 0;
            for piece in &s.file.pieces {
                if let Span::Paths {
                    unit: u,
                    rows,
                    segments,
                    ..
                } = piece.span
                {
                    if u == unit {
                        out.push(Placed {
                            shard: s,
                            piece,
                            first_crc,
                        });
                    }
                    first_crc += piece.span.blocks().len() * format::columns(rows, segments);
                }
            }
        }
        out
    }

    fn rows(&self) -> usize {
        match self.piece.span {
            Span::Paths { rows, .. } => rows,
            Span::Points { .. } => 0,
        }
    }

    fn segments(&self) -> usize {
        match self.piece.span {
            Span::Paths { segments, .. } => segments,
            Span::Points { .. } => 0,
        }
    }

    /// Where block `b` of `n` paths starts in `outcomes.bin`.
    fn block_offset(&self, b: usize) -> u64 {
        let full = match self.piece.span {
            Span::Paths { block_paths, .. } => block_paths as usize,
            Span::Points { .. } => 0,
        };
        self.piece.offset + b as u64 * format::block_bytes(full, self.rows(), self.segments())
    }

    /// The CRC-32 of chunk `c` of block `b`.
    fn crc(&self, b: usize, c: usize) -> u32 {
        self.shard.crcs[self.first_crc + b * format::columns(self.rows(), self.segments()) + c]
    }
}

/// The outcomes of one unit of paths in shards, read one column of all paths at a time
/// (docs/cluster.md, "The shard format"), each chunk's CRC-32 checked before its values are
/// used.
struct ShardColumns<'a> {
    pieces: Vec<Placed<'a>>,
    shape: Shape,
    first_path: u64,
    paths: u64,
    loans: u64,
    observer: &'a dyn Observer,
}

impl<'a> ShardColumns<'a> {
    /// Unit `unit` of `shards`, of `shape`: its pieces must have its yearly rows and segments.
    fn new(
        shards: &'a [Found],
        unit: usize,
        shape: Shape,
        observer: &'a dyn Observer,
    ) -> Result<ShardColumns<'a>, Error> {
        let pieces = Placed::of_unit(shards, unit);
        for p in &pieces {
            if (p.rows(), p.segments()) != (shape.rows, shape.segments) {
                return Err(damaged(
                    &p.shard.bin(),
                    format!(
                        "unit {unit} has {} yearly rows and {} segments here, its scenario {} and {}",
                        p.rows(),
                        p.segments(),
                        shape.rows,
                        shape.segments
                    ),
                ));
            }
        }
        let range = |p: &Placed| match &p.piece.span {
            Span::Paths { paths, .. } => paths.clone(),
            Span::Points { .. } => 0..0,
        };
        Ok(ShardColumns {
            first_path: pieces.first().map_or(0, |p| range(p).start),
            paths: pieces.iter().map(|p| range(p).end - range(p).start).sum(),
            loans: pieces.iter().map(|p| p.piece.loans_simulated).sum(),
            pieces,
            shape,
            observer,
        })
    }

    fn stop(&self) -> Result<(), Error> {
        if self.observer.should_stop() {
            return Err(Error::Stopped("merging the shards"));
        }
        Ok(())
    }

    /// Hand `each` the chunks of columns `columns` (consecutive) of every block in path
    /// order: the block's first path, its paths and the chunks' bytes (at
    /// [`format::chunk_offsets`] from the first chunk's), every CRC-32 checked.
    fn blocks(
        &self,
        columns: std::ops::Range<usize>,
        mut each: impl FnMut(u64, usize, &[u8], &[u64]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut buf = Vec::new();
        for p in &self.pieces {
            let bin = p.shard.bin();
            let mut file = open(&bin)?;
            for (b, (first, n)) in p.piece.span.blocks().into_iter().enumerate() {
                // Before every block (a few MiB), not every piece: a piece of a million paths
                // is read column after column for seconds, and Ctrl-C must not wait for it.
                self.stop()?;
                let offsets = format::chunk_offsets(n, self.shape.rows, self.shape.segments);
                let (from, to) = (offsets[columns.start], offsets[columns.end]);
                buf.resize((to - from) as usize, 0);
                file.seek(SeekFrom::Start(p.block_offset(b) + from))
                    .and_then(|_| file.read_exact(&mut buf))
                    .map_err(|e| damaged(&bin, format!("cannot be read: {e}")))?;
                for c in columns.clone() {
                    let chunk =
                        &buf[(offsets[c] - from) as usize..(offsets[c + 1] - from) as usize];
                    let column =
                        Column::at(c, self.shape.rows, self.shape.segments).expect("a column");
                    if format::crc32(chunk) != p.crc(b, c) {
                        return Err(damaged(
                            &bin,
                            format!(
                                "the values of {} for paths {first}..{} do not match their CRC-32",
                                column.describe(self.shape.segments),
                                first + n as u64
                            ),
                        ));
                    }
                    if let Some(why) = impossible(column, chunk, n) {
                        return Err(damaged(
                            &bin,
                            format!(
                                "{} on path {}: {why}",
                                column.describe(self.shape.segments),
                                first + why.path as u64
                            ),
                        ));
                    }
                }
                let relative: Vec<u64> = offsets[columns.start..=columns.end]
                    .iter()
                    .map(|o| o - from)
                    .collect();
                each(first, n, &buf, &relative)?;
            }
        }
        Ok(())
    }

    /// One column of all paths, as f64 with `decode` per chunk.
    fn column<T>(
        &self,
        column: Column,
        mut decode: impl FnMut(&[u8], usize, &mut Vec<T>),
    ) -> Result<Vec<T>, Error> {
        let mut out = Vec::with_capacity(self.paths as usize);
        let c = column.index(self.shape.rows);
        self.blocks(c..c + 1, |_, n, bytes, _| {
            decode(bytes, n, &mut out);
            Ok(())
        })?;
        Ok(out)
    }

    /// Check that every piece's loans add up to what its shard says.
    fn check_loans(&self) -> Result<(), Error> {
        for p in &self.pieces {
            let one = ShardColumns {
                pieces: vec![*p],
                ..*self
            };
            let loans: u64 = one
                .column(Column::Loans, |bytes, n, out: &mut Vec<u64>| {
                    out.push(format::decode_loans(bytes, n).sum())
                })?
                .iter()
                .sum();
            if loans != p.piece.loans_simulated {
                return Err(damaged(
                    &p.shard.bin(),
                    format!(
                        "the loans of its paths do not add up to the {} its shard.json gives",
                        p.piece.loans_simulated
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Hand `each` the outcomes of every block of paths, in path order, without their yearly
    /// values: what the file of paths is written from.
    fn scalars(
        &self,
        mut each: impl FnMut(&[PathOutcome]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.blocks(0..2 + Scalar::COUNT, |first, n, bytes, offsets| {
            let chunk = |c: usize| &bytes[offsets[c] as usize..offsets[c + 1] as usize];
            let mut outcomes: Vec<PathOutcome> = format::decode_loans(chunk(0), n)
                .enumerate()
                .map(|(i, loans)| PathOutcome {
                    index: first + i as u64,
                    scalars: [None; Scalar::COUNT],
                    yearly: Vec::new(),
                    segments: Vec::new(),
                    loans_simulated: loans,
                    weight: 1.0,
                })
                .collect();
            let weights = chunk(Column::Weight.index(0));
            for (o, w) in outcomes.iter_mut().zip(format::decode_values(weights, n)) {
                o.weight = w;
            }
            for m in Scalar::ALL {
                let c = Column::Scalar(*m).index(0);
                for (o, v) in outcomes.iter_mut().zip(format::decode_scalar(chunk(c), n)) {
                    o.scalars[m.index()] = v;
                }
            }
            each(&outcomes)
        })
    }

    /// The whole unit's results, block by block (a study keeps them as on one machine).
    fn results(&self) -> Result<Results, Error> {
        let mut results = Results::empty(self.first_path, self.shape);
        let (rows, segments) = (self.shape.rows, self.shape.segments);
        self.blocks(0..format::columns(rows, segments), |first, n, bytes, _| {
            results.push(&format::decode_block(first, n, rows, segments, bytes));
            Ok(())
        })?;
        Ok(results)
    }
}

impl OutcomeColumns for ShardColumns<'_> {
    fn first_path(&self) -> u64 {
        self.first_path
    }

    fn paths(&self) -> u64 {
        self.paths
    }

    fn shape(&self) -> Shape {
        self.shape
    }

    fn loans_simulated(&self) -> u64 {
        self.loans
    }

    fn scalar_column(&self, m: Scalar) -> Result<Vec<f64>, Error> {
        self.column(Column::Scalar(m), |bytes, n, out| {
            out.extend(format::decode_scalar(bytes, n).map(|v| v.unwrap_or(f64::NAN)))
        })
    }

    fn yearly_column(&self, row: usize, m: Yearly) -> Result<Vec<f64>, Error> {
        self.column(Column::Yearly { row, metric: m }, |bytes, n, out| {
            out.extend(format::decode_values(bytes, n))
        })
    }

    fn segment_column(&self, k: usize) -> Result<Vec<f64>, Error> {
        self.column(Column::Segment(k), |bytes, n, out| {
            out.extend(format::decode_values(bytes, n))
        })
    }

    fn weight_column(&self) -> Result<Vec<f64>, Error> {
        self.column(Column::Weight, |bytes, n, out| {
            out.extend(format::decode_values(bytes, n))
        })
    }
}

/// A value in a column chunk that the engine never writes, and on which path of the block.
struct Impossible {
    path: usize,
    what: &'static str,
}

impl std::fmt::Display for Impossible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.what)
    }
}

/// The first value of a chunk of `n` paths that the engine never writes: a value that is not
/// a finite number, an outcome undefined that is always defined, or an undefined one whose
/// value is not 0. Checked after the chunk's CRC-32, so only a shard rewritten with its
/// checksums has one; the merge would otherwise write it into the result and fail on its own
/// staging folder (exit 1, naming a hidden path) rather than name the shard.
fn impossible(column: Column, chunk: &[u8], n: usize) -> Option<Impossible> {
    let at = |path: usize, what: &'static str| Some(Impossible { path, what });
    match column {
        Column::Loans => None,
        Column::Weight => format::decode_values(chunk, n)
            .position(|w| !(w.is_finite() && w > 0.0))
            .and_then(|i| at(i, "a weight that is not a positive finite number")),
        Column::Scalar(m) => {
            let may_be_undefined = crate::charts::data::MAY_BE_UNDEFINED.contains(&m);
            let (_, values) = chunk.split_at(n.div_ceil(8));
            for (i, v) in format::decode_scalar(chunk, n).enumerate() {
                match v {
                    Some(x) if !x.is_finite() => {
                        return at(i, "a value that is not a finite number");
                    }
                    None if !may_be_undefined => {
                        return at(i, "undefined, but this outcome is always defined");
                    }
                    None if format::decode_values(values, n).nth(i) != Some(0.0) => {
                        return at(
                            i,
                            "undefined, but its value is not the 0 of an undefined one",
                        );
                    }
                    _ => {}
                }
            }
            None
        }
        Column::Yearly { .. } | Column::Segment(_) => format::decode_values(chunk, n)
            .position(|x| !x.is_finite())
            .and_then(|i| at(i, "a value that is not a finite number")),
    }
}

/// Every point's outcome of a design of `metrics` metrics, per metric in point order, and the
/// loans of all the points, each piece's CRC-32 checked before its values are used.
fn read_points(shards: &[Found], metrics: usize) -> Result<(Vec<PointOutcomes>, u64), Error> {
    let mut outcomes = vec![PointOutcomes::default(); metrics];
    let mut loans = 0;
    let size = format::point_record_bytes(metrics);
    for s in shards {
        let bin = s.bin();
        let mut file = open(&bin)?;
        for p in &s.file.pieces {
            let Span::Points { points, crc32 } = &p.span else {
                continue;
            };
            let mut bytes = vec![0u8; p.bytes as usize];
            file.seek(SeekFrom::Start(p.offset))
                .and_then(|_| file.read_exact(&mut bytes))
                .map_err(|e| damaged(&bin, format!("cannot be read: {e}")))?;
            if format::crc32(&bytes) != *crc32 {
                return Err(damaged(
                    &bin,
                    format!(
                        "the records of points {}..{} do not match their CRC-32",
                        points.start, points.end
                    ),
                ));
            }
            for record in bytes.chunks_exact(size) {
                for (o, (mean, se)) in outcomes
                    .iter_mut()
                    .zip(format::decode_point(metrics, record))
                {
                    o.mean.push(mean);
                    o.se.push(se);
                }
            }
            loans += p.loans_simulated;
        }
    }
    Ok((outcomes, loans))
}

/// Merge the shard folders `folders` into the result folder `out` (default: the folder the
/// run or study would have written), as the single process would have written it.
/// `file_of_paths`, for the shards of a run, replaces the file of paths their command asked for: `None` for
/// none (`--no-paths-csv`) or a format — the folder is then the one the command with that
/// choice writes on one machine (the numbers do not depend on it).
pub fn merge(
    folders: &[PathBuf],
    out: Option<&Path>,
    file_of_paths: Option<Option<PathsFormat>>,
    observer: &dyn Observer,
) -> Result<Merged, Error> {
    if folders.is_empty() {
        return Err(Error::Input("no shard folder to merge".into()));
    }
    let mut shards = folders
        .iter()
        .map(|f| read_shard(f))
        .collect::<Result<Vec<_>, _>>()?;
    check(&mut shards, out)?;
    let work = shards[0].file.work.clone();
    let kind = work["kind"].as_str().unwrap_or_default().to_string();
    // The work as the first shard's command gave it (file names, the order of overrides): its
    // content is every shard's.
    let recipe = shards[0].file.given["recipe"].clone();
    let paths = work["paths"].as_u64().unwrap_or(0);
    let units = work["units"].as_u64().unwrap_or(0) as usize;
    let run = format::merged_run(&shards.iter().map(|s| &s.file.run).collect::<Vec<_>>());
    let mut merged = Merged {
        kind: kind.clone(),
        folder: PathBuf::new(),
        shards: shards.len(),
        paths: paths.saturating_mul(units as u64),
        units,
        unit_name: match Stream::of_work(&work) {
            Some(Stream::Points) => "point",
            _ if kind == RUN => "run",
            _ => "variant",
        },
        notes: Vec::new(),
        table: String::new(),
    };
    if file_of_paths.is_some() && kind != RUN {
        return Err(Error::Input(format!(
            "the file of paths is chosen for the shards of a run, not of a `{kind}` study, which \
             writes none"
        )));
    }
    match kind.as_str() {
        RUN => {
            let scenario = recipe::scenario_at(&recipe, "scenario")?;
            let paths_file = recipe::bool_at(&recipe, "paths_csv")?;
            let format = PathsFormat::parse(
                recipe["paths_format"]
                    .as_str()
                    .ok_or_else(|| recipe::damaged("paths_format"))?,
            )
            .map_err(|why| Error::Input(format!("the shards' paths_format: {why}")))?;
            let uncertain = recipe::bool_at(&recipe, "uncertain")?;
            let dest = out.map_or_else(
                || run::default_folder(&scenario, uncertain),
                Path::to_path_buf,
            );
            let (folder, notes) = merge_run(
                &scenario,
                file_of_paths.unwrap_or(paths_file.then_some(format)),
                uncertain,
                &dest,
                &shards,
                run,
                observer,
            )?;
            merged.folder = folder;
            merged.notes = notes;
        }
        Sweep::KIND => merge_study::<Sweep>(&recipe, out, &shards, run, observer, &mut merged)?,
        Compare::KIND => merge_study::<Compare>(&recipe, out, &shards, run, observer, &mut merged)?,
        Tornado::KIND => merge_study::<Tornado>(&recipe, out, &shards, run, observer, &mut merged)?,
        Sobol::KIND => merge_study::<Sobol>(&recipe, out, &shards, run, observer, &mut merged)?,
        Morris::KIND => merge_study::<Morris>(&recipe, out, &shards, run, observer, &mut merged)?,
        Calibration::KIND => {
            merge_study::<Calibration>(&recipe, out, &shards, run, observer, &mut merged)?
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

/// The result folder of a run from its shards, one column of all paths at a time; `paths_file`:
/// the file of paths the run writes, if any; `uncertain`: the run drew its parameters per path,
/// whose values the file of paths shows (drawn again: they are a function of seed and path).
fn merge_run(
    scenario: &Scenario,
    paths_file: Option<PathsFormat>,
    uncertain: bool,
    dest: &Path,
    shards: &[Found],
    info: RunInfo,
    observer: &dyn Observer,
) -> Result<(PathBuf, Vec<String>), Error> {
    let paths = scenario.spec().simulation.paths as u64;
    let shape = crate::model::shape(scenario.spec());
    let columns = ShardColumns::new(shards, 0, shape, observer)?;
    if columns.paths != paths || columns.first_path != 0 {
        return Err(Error::Input(format!(
            "the shards hold {} paths, but their recipe makes a run of {paths}",
            columns.paths
        )));
    }
    let needed = crate::resources::merge_memory(scenario, paths_file.is_some(), uncertain);
    if let Some(available) = crate::resources::available_memory()
        && needed > available
    {
        return Err(Error::TooLarge {
            work: Work::Merge { paths },
            needed,
            available,
        });
    }
    let folder = OutputDir::create(dest, RUN)?;
    columns.check_loans()?;
    if let Some(format) = paths_file {
        let path = folder.file(format.file());
        let io = |error| {
            Error::Output(OutputError::Io {
                path: path.clone(),
                error,
            })
        };
        let parameters = if uncertain { scenario.uncertain() } else { &[] };
        let names = crate::run::extra_columns(scenario, parameters);
        let mut writer = PathsWriter::create(format, &path, &names).map_err(io)?;
        columns.scalars(|chunk| {
            writer
                .write_with(chunk, |o| crate::run::extra_cells(scenario, parameters, o))
                .map_err(io)
        })?;
        writer.finish().map_err(io)?;
    }
    // With parameter uncertainty, unit 1 holds the paired run at the point values.
    let point = if uncertain {
        Some(ShardColumns::new(shards, 1, shape, observer)?)
    } else {
        None
    };
    if let Some(p) = &point {
        p.check_loans()?;
    }
    let info = RunInfo {
        loans_simulated: columns.loans + point.as_ref().map_or(0, |p| p.loans),
        ..info
    };
    let point = point.as_ref().map(|p| p as &dyn OutcomeColumns);
    run::write_files(
        folder, scenario, &columns, point, &info, uncertain, None, observer,
    )
}

/// The result folder of a study from its shards: the variants' results in variant order, or a
/// design's points' outcomes in point order (`sobol`, `morris`), handed to the study, which
/// computes its results (and bootstraps) as on one machine.
fn merge_study<S: Study>(
    recipe: &Value,
    out: Option<&Path>,
    shards: &[Found],
    run: RunInfo,
    observer: &dyn Observer,
    merged: &mut Merged,
) -> Result<(), Error> {
    let study = S::from_recipe(recipe)?;
    let (folder, results) = match study.design() {
        Some(design) => {
            same_units::<S>(merged, "points", design.points(), design.paths_per_point())?;
            let folder = study_folder(&study, out)?;
            let (outcomes, loans) = read_points(shards, design.pairs())?;
            if observer.should_stop() {
                return Err(Error::Stopped("merging the shards"));
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
        None if study.drawn().is_some() => {
            merged.unit_name = super::write::DRAWN_UNIT;
            merge_drawn(&study, out, shards, run, observer, merged)?
        }
        None => {
            same_units::<S>(merged, "variants", study.variants().len(), study.paths())?;
            // Every unit's pieces checked against its rows before a value is read.
            let units = study
                .variants()
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let shape = crate::model::shape(v.scenario.spec());
                    ShardColumns::new(shards, i, shape, observer)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let folder = study_folder(&study, out)?;
            let mut next = |i: usize| -> Result<Results, Error> {
                if observer.should_stop() {
                    return Err(Error::Stopped("merging the shards"));
                }
                units[i].check_loans()?;
                units[i].results()
            };
            let given = ResultSource::Given {
                results: &mut next,
                run,
            };
            (folder, study.compute_from(given)?)
        }
    };
    merged.table = study.summarise(&results);
    let standing = study.standing(&results);
    let done = study::write_folder(&study, folder, results, observer)?;
    merged.folder = done.folder;
    match standing {
        Some(Standing::Done(text)) => merged.notes.push(text),
        Some(Standing::GoesOn(text)) => merged.notes.push(format!(
            "{text}; {}",
            continue_advice(shards, &merged.folder)
        )),
        None => {}
    }
    Ok(())
}

/// The result folder and results of a study with parameter uncertainty from its shards
/// ([`Study::drawn`]): every unit — a variant at a draw — read in unit order, its loans and
/// scalar outcomes block by block, into the draws the study keeps on one machine
/// ([`Draws`]), which it computes its results from as on one machine.
fn merge_drawn<S: Study>(
    study: &S,
    out: Option<&Path>,
    shards: &[Found],
    run: RunInfo,
    observer: &dyn Observer,
    merged: &Merged,
) -> Result<(OutputDir, S::Results), Error> {
    let drawn = study.drawn().expect("a study with parameter uncertainty");
    let nesting = drawn.nesting;
    let units = drawn.units()?;
    same_units::<S>(
        merged,
        "variant draws",
        units.scenarios.len(),
        nesting.paths_per_draw,
    )?;
    // Every unit's pieces checked against its rows before a value is read.
    let columns = units
        .scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| ShardColumns::new(shards, i, crate::model::shape(s.spec()), observer))
        .collect::<Result<Vec<_>, _>>()?;
    let needed = crate::resources::drawn_merge_memory(&drawn);
    if let Some(available) = crate::resources::available_memory()
        && needed > available
    {
        return Err(Error::TooLarge {
            work: Work::Study {
                variants: drawn.makers.len(),
                paths: nesting.paths(),
            },
            needed,
            available,
        });
    }
    let folder = study_folder(study, out)?;
    let mut draws = Draws::new(nesting, units.values, units.seeds, drawn.makers.len());
    let mut loans = 0;
    for (u, unit) in columns.iter().enumerate() {
        unit.check_loans()?;
        unit.scalars(|chunk| {
            for m in Scalar::ALL {
                draws.push(u, *m, chunk.iter().map(|o| o.scalars[m.index()]));
            }
            Ok(())
        })?;
        loans += unit.loans;
    }
    let run = RunInfo {
        loans_simulated: loans,
        ..run
    };
    let results = study.compute_from(ResultSource::Drawn { draws, run })?;
    Ok((folder, results))
}

/// How to compute the next step of a study that goes on from its merged result folder
/// `folder` (a calibration's next wave): the command that made the shards given, continuing
/// from the folder instead of the folder it continued, in shards on Slurm or by hand.
fn continue_advice(shards: &[Found], folder: &Path) -> String {
    let given = &shards[0].file.given;
    let Some(words) = given["command"].as_array().and_then(|c| {
        c.iter()
            .map(|a| a.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
    }) else {
        return format!(
            "compute its shards with the command that made these, adding --continue {}, and \
             merge them",
            shell_word(&absolute(folder).display().to_string())
        );
    };
    let mut command = Vec::new();
    let mut words = words.into_iter();
    while let Some(w) = words.next() {
        match w.as_str() {
            "--continue" => {
                words.next();
            }
            _ if w.starts_with("--continue=") => {}
            _ => command.push(shell_word(&w)),
        }
    }
    command.push("--continue".into());
    command.push(shell_word(&absolute(folder).display().to_string()));
    let command = command.join(" ");
    let from = given["directory"]
        .as_str()
        .map_or(String::new(), |d| format!(" from {}", shell_word(d)));
    format!(
        "compute its shards{from} on Slurm with `cluster/submit.sh N SHARDS_DIR RESULT_DIR \
         {command}`, or each by hand `microfolio {command} --shard I/N --out SHARDS_DIR` and \
         merge them (a new SHARDS_DIR for each wave: a merge refuses the shards of two waves together)"
    )
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

#[cfg(test)]
mod tests {
    use super::{Found, check, ranges, shell_word, wildcard};
    use crate::output::RunInfo;
    use crate::shard::format::ShardFile;
    use serde_json::json;
    use std::path::PathBuf;
    use std::time::{Duration, Instant, UNIX_EPOCH};

    /// `n` shards of one work, `missing` and `twice` aside: what `check` sees before it opens
    /// a file.
    fn shards(n: u64, missing: &[u64], twice: &[u64]) -> Vec<Found> {
        let work = json!({"kind": "run", "stream": "paths", "units": 1, "paths": n * 10});
        let one = |i: u64, copy: bool| Found {
            folder: PathBuf::from(if copy { "copy" } else { "shards" })
                .join(format!("shard-{i:06}-of-{n:06}")),
            file: ShardFile {
                work: work.clone(),
                given: json!({"command": ["run", "a.toml"], "directory": "/x"}),
                index: i,
                count: n,
                stream: (i * 10, i * 10 + 10),
                pieces: Vec::new(),
                outcomes_bytes: 0,
                outcomes_index: None,
                run: RunInfo {
                    threads: 1,
                    wall_seconds: 1.0,
                    started: UNIX_EPOCH + Duration::from_secs(i),
                    loans_simulated: 0,
                },
            },
            crcs: Vec::new(),
        };
        let mut out: Vec<Found> = (0..n)
            .filter(|i| !missing.contains(i))
            .map(|i| one(i, false))
            .chain(twice.iter().map(|i| one(*i, true)))
            .collect();
        // Given in a scrambled order.
        out.reverse();
        out.swap(0, n as usize / 2);
        out
    }

    #[test]
    fn missing_and_repeated_shards_are_found_in_one_pass() {
        // 200,000 shards: comparing every shard with every other would take hours.
        let n = 200_000;
        let mut given = shards(n, &[7, 123_456, 123_457, 199_999], &[]);
        let started = Instant::now();
        let e = check(&mut given, None).unwrap_err().to_string();
        assert!(
            e.starts_with(
                "4 of 200000 shards missing: shard 7/200000 (shard-000007-of-200000, paths 70..80"
            ) && e.contains("shard 123456/200000")
                && e.contains("shard 199999/200000")
                && e.contains("--indices 7,123456-123457,199999 200000"),
            "{e}"
        );
        let first = started.elapsed();
        let mut given = shards(n, &[], &[31_415]);
        let started = Instant::now();
        let e = check(&mut given, None).unwrap_err().to_string();
        assert!(e.contains("shard 31415/200000 in both"), "{e}");
        let second = started.elapsed();
        eprintln!("check of 200,000 shards: {first:?} and {second:?}");
        assert!(
            first + second < Duration::from_secs(10),
            "{first:?}, {second:?}"
        );
    }

    #[test]
    fn rerun_indices_and_shell_words() {
        assert_eq!(ranges(&[1, 3, 5, 6, 7, 9]), "1,3,5-7,9");
        assert_eq!(ranges(&[0]), "0");
        assert_eq!(
            shell_word("scenarios/baseline.toml"),
            "scenarios/baseline.toml"
        );
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
    }

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
