//! The files of a shard folder (docs/cluster.md, "The shard format"):
//!
//! - `shard.json`: the format, the fingerprint of the work (what determines its numbers: the
//!   recipe of the run or study with the scenarios' content but not the names their files were
//!   given by, seed, paths, units, engine and sampling-crate versions, which stream the shards
//!   cut and the layout of the outcomes, with a short hash of it), the work as it was given
//!   (the recipe with the file names and the order of the overrides as typed, the command),
//!   which shard of how many it is, its pieces (each a range of paths of one unit, or of a
//!   design's points, and where they are in `outcomes.bin`), where the index of CRC-32s is, how
//!   its work went (threads, wall time, start), and a CRC-32 of all that.
//! - `outcomes.bin`: for a work of [`Stream::Paths`] (runs, and studies of variants) the
//!   outcomes of every path **by column in blocks of paths**, like Parquet's row groups: a
//!   piece's paths are cut into blocks of [`block_paths`] paths (the last may hold fewer), and a
//!   block holds one *column chunk* after another — the loans simulated of its paths (u64), their
//!   weights (f64: the likelihood ratio of `tail` sampling, 1 under any other), then per scalar
//!   metric a bit per path saying whether it is defined (bit `k % 8` of byte `k / 8`)
//!   and the values (f64, 0 where undefined), then per yearly row and yearly metric the values
//!   (f64) — every value little-endian, exactly what the engine produced ([`PathOutcome`]), bit
//!   for bit. After the last block comes the **index**: the CRC-32 of every chunk (u32, block by
//!   block, column by column), whose own CRC-32 `shard.json` holds. So a merge reads one column
//!   of all paths at a time, checking each chunk's CRC before its values are used, and a shard
//!   task holds one block at a time. A work of [`Stream::Points`] (Sobol' and Morris designs)
//!   has one record per point: a bit per metric of the study saying whether its standard error
//!   is defined, then per metric the mean over the point's paths and its standard error (f64) —
//!   what the single-process study keeps of a point, no more — with the piece's CRC-32 in
//!   `shard.json`.
//!
//! The path layout comes from the metric registry ([`Scalar::ALL`], [`Yearly::ALL`]) and the
//! yearly rows of the work ([`crate::Shape`]): a metric or a row added there is in every shard
//! without a change here, and shards of another layout are refused.

use std::ops::Range;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use crate::engine::PathOutcome;
use crate::metrics::{Scalar, Yearly};
use crate::output::{self, RunInfo};

/// The file names of a shard folder.
pub const SHARD_JSON: &str = "shard.json";
pub const OUTCOMES_BIN: &str = "outcomes.bin";

/// The format named in `shard.json`. Version 6 adds every path's weight (`tail` sampling,
/// docs/model.md §12), a column after the loans. Version 5 adds to a run with parameter uncertainty its
/// paired point-value run, a second unit of the same paths; version 4 adds to every path the columns of who bore the
/// loss (`segments` per piece of paths); version 3 lays paths out by column in blocks with an
/// index of CRC-32s, checksums `shard.json` and fingerprints the work's content; version 2 added
/// the `stream` of the work, pieces of points and a run's `uncertain`. Shards of other versions
/// are refused by their format, not as damaged.
pub const FORMAT: &str = "microfolio-shard 6";

/// The result kind of a shard folder (in its manifest).
pub const KIND: &str = "shard";

/// Largest `shard.json` read: a recipe holds scenario files of at most 1 MiB each.
pub const MAX_SHARD_JSON: u64 = 64 << 20;

/// Values (8 bytes each) a block holds at most, whatever its yearly rows: about 8 MiB.
const BLOCK_VALUES: u64 = 1 << 20;

/// Paths per block of a work of `rows` yearly rows and `segments` segments: as many as keep a
/// block within about 8 MiB of values, a multiple of 512 from 512 to 8,192 (3,072 for ten years
/// and the row after them).
pub fn block_paths(rows: usize, segments: usize) -> u64 {
    let per_path = columns(rows, segments) as u64;
    (BLOCK_VALUES / per_path / 512 * 512).clamp(512, 8192)
}

/// Column chunks of a block of paths of `rows` yearly rows and `segments` segments: the loans,
/// the weights, every scalar metric, every yearly metric of every row, and every value of who bore the loss
/// ([`crate::segments`]).
pub fn columns(rows: usize, segments: usize) -> usize {
    2 + Scalar::COUNT + Yearly::COUNT * rows + crate::segments::values_per_path(segments)
}

/// A column of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// Loans simulated on each path (u64).
    Loans,
    /// Each path's weight (f64; 1 unless the sampling is `tail`).
    Weight,
    /// A scalar metric: defined bits, then values.
    Scalar(Scalar),
    /// A yearly metric in one row.
    Yearly { row: usize, metric: Yearly },
    /// Value `k` of who bore the loss ([`crate::segments`]), after every yearly row.
    Segment(usize),
}

impl Column {
    /// Its place among the chunks of a block of `rows` yearly rows.
    pub fn index(self, rows: usize) -> usize {
        match self {
            Column::Loans => 0,
            Column::Weight => 1,
            Column::Scalar(m) => 2 + m.index(),
            Column::Yearly { row, metric } => {
                2 + Scalar::COUNT + row * Yearly::COUNT + metric.index()
            }
            Column::Segment(k) => 2 + Scalar::COUNT + Yearly::COUNT * rows + k,
        }
    }

    /// The column at place `c` of a block of `rows` rows and `segments` segments.
    pub fn at(c: usize, rows: usize, segments: usize) -> Option<Column> {
        if c == 0 {
            Some(Column::Loans)
        } else if c == 1 {
            Some(Column::Weight)
        } else if c <= 1 + Scalar::COUNT {
            Some(Column::Scalar(Scalar::ALL[c - 2]))
        } else if c < 2 + Scalar::COUNT + Yearly::COUNT * rows {
            let k = c - 2 - Scalar::COUNT;
            Some(Column::Yearly {
                row: k / Yearly::COUNT,
                metric: Yearly::ALL[k % Yearly::COUNT],
            })
        } else {
            let k = c - 2 - Scalar::COUNT - Yearly::COUNT * rows;
            (k < crate::segments::values_per_path(segments)).then_some(Column::Segment(k))
        }
    }

    /// Bytes of its chunk in a block of `n` paths.
    pub fn bytes(self, n: usize) -> usize {
        match self {
            Column::Scalar(_) => n.div_ceil(8) + 8 * n,
            _ => 8 * n,
        }
    }

    /// What it is, in messages: `loans simulated`, `net_loss`, `capital in row 3`,
    /// `net_loss of segment 2` (of a scenario of `segments` segments).
    pub fn describe(self, segments: usize) -> String {
        match self {
            Column::Loans => "loans simulated".into(),
            Column::Weight => "weight".into(),
            Column::Scalar(m) => m.name().into(),
            Column::Yearly { row, metric } => {
                format!("{} in yearly row {}", metric.name(), row + 1)
            }
            Column::Segment(k) => {
                use crate::segments::{Channel, Field};
                match k.checked_sub(Field::COUNT * segments) {
                    None => format!(
                        "{} of segment {}",
                        Field::ALL[k % Field::COUNT].name(),
                        k / Field::COUNT + 1
                    ),
                    Some(c) => format!(
                        "the BMKB's claims of channel {}",
                        Channel::ALL.get(c).map_or("?", |c| c.name())
                    ),
                }
            }
        }
    }
}

/// Bytes of a block of `n` paths of `rows` yearly rows and `segments` segments.
pub fn block_bytes(n: usize, rows: usize, segments: usize) -> u64 {
    let values = Yearly::COUNT * rows + crate::segments::values_per_path(segments);
    (16 * n + Scalar::COUNT * (n.div_ceil(8) + 8 * n) + values * 8 * n) as u64
}

/// Where each chunk of a block of `n` paths starts within the block, and the block's end.
pub fn chunk_offsets(n: usize, rows: usize, segments: usize) -> Vec<u64> {
    let mut at = 0u64;
    let columns = columns(rows, segments);
    let mut out = Vec::with_capacity(columns + 1);
    for c in 0..columns {
        out.push(at);
        at += Column::at(c, rows, segments)
            .expect("a column of the block")
            .bytes(n) as u64;
    }
    out.push(at);
    out
}

/// Append the chunk of column `column` of `outcomes` (one block, in path order) to `out`.
pub fn encode_chunk(outcomes: &[PathOutcome], column: Column, out: &mut Vec<u8>) {
    match column {
        Column::Loans => {
            for o in outcomes {
                out.extend_from_slice(&o.loans_simulated.to_le_bytes());
            }
        }
        Column::Weight => {
            for o in outcomes {
                out.extend_from_slice(&o.weight.to_bits().to_le_bytes());
            }
        }
        Column::Scalar(m) => {
            let k = m.index();
            let start = out.len();
            out.resize(start + outcomes.len().div_ceil(8), 0);
            for (i, o) in outcomes.iter().enumerate() {
                if o.scalars[k].is_some() {
                    out[start + i / 8] |= 1 << (i % 8);
                }
            }
            for o in outcomes {
                out.extend_from_slice(&o.scalars[k].unwrap_or(0.0).to_bits().to_le_bytes());
            }
        }
        Column::Yearly { row, metric } => {
            let j = row * Yearly::COUNT + metric.index();
            for o in outcomes {
                out.extend_from_slice(&o.yearly[j].to_bits().to_le_bytes());
            }
        }
        Column::Segment(k) => {
            for o in outcomes {
                out.extend_from_slice(&o.segments[k].to_bits().to_le_bytes());
            }
        }
    }
}

fn word(bytes: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().expect("8 bytes"))
}

/// The loans of a loans chunk of `n` paths.
pub fn decode_loans(bytes: &[u8], n: usize) -> impl Iterator<Item = u64> + '_ {
    (0..n).map(move |i| word(bytes, i))
}

/// The values of a scalar chunk of `n` paths, `None` where undefined.
pub fn decode_scalar(bytes: &[u8], n: usize) -> impl Iterator<Item = Option<f64>> + '_ {
    let (mask, values) = bytes.split_at(n.div_ceil(8));
    (0..n)
        .map(move |i| (mask[i / 8] & (1 << (i % 8)) != 0).then(|| f64::from_bits(word(values, i))))
}

/// The values of a yearly chunk of `n` paths.
pub fn decode_values(bytes: &[u8], n: usize) -> impl Iterator<Item = f64> + '_ {
    (0..n).map(move |i| f64::from_bits(word(bytes, i)))
}

/// The outcomes of a whole block of `n` paths from `first` on, of `rows` yearly rows and
/// `segments` segments, from its bytes (chunks at [`chunk_offsets`]).
pub fn decode_block(
    first: u64,
    n: usize,
    rows: usize,
    segments: usize,
    bytes: &[u8],
) -> Vec<PathOutcome> {
    let offsets = chunk_offsets(n, rows, segments);
    let chunk = |c: usize| &bytes[offsets[c] as usize..offsets[c + 1] as usize];
    let values = crate::segments::values_per_path(segments);
    let mut out: Vec<PathOutcome> = decode_loans(chunk(0), n)
        .enumerate()
        .map(|(i, loans)| PathOutcome {
            index: first + i as u64,
            scalars: [None; Scalar::COUNT],
            yearly: vec![0.0; Yearly::COUNT * rows],
            segments: vec![0.0; values],
            loans_simulated: loans,
            weight: 1.0,
        })
        .collect();
    let weights = chunk(Column::Weight.index(rows));
    for (o, w) in out.iter_mut().zip(decode_values(weights, n)) {
        o.weight = w;
    }
    for k in 0..values {
        let c = Column::Segment(k).index(rows);
        for (o, v) in out.iter_mut().zip(decode_values(chunk(c), n)) {
            o.segments[k] = v;
        }
    }
    for m in Scalar::ALL {
        let c = Column::Scalar(*m).index(rows);
        for (o, v) in out.iter_mut().zip(decode_scalar(chunk(c), n)) {
            o.scalars[m.index()] = v;
        }
    }
    for row in 0..rows {
        for metric in Yearly::ALL {
            let c = Column::Yearly {
                row,
                metric: *metric,
            };
            let j = row * Yearly::COUNT + metric.index();
            for (o, v) in out.iter_mut().zip(decode_values(chunk(c.index(rows)), n)) {
                o.yearly[j] = v;
            }
        }
    }
    out
}

/// The CRC-32 of some bytes.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(bytes);
    h.finalize()
}

/// Which stream a work's shards cut, named in its fingerprint (`work.stream`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Every unit's paths one after another, stored by column in blocks of paths.
    Paths,
    /// A design's points, each reduced over its paths to one record.
    Points,
}

impl Stream {
    pub fn name(self) -> &'static str {
        match self {
            Stream::Paths => "paths",
            Stream::Points => "points",
        }
    }

    /// The stream named in a fingerprint.
    pub fn of_work(work: &Value) -> Option<Stream> {
        match work["stream"].as_str()? {
            "paths" => Some(Stream::Paths),
            "points" => Some(Stream::Points),
            _ => None,
        }
    }
}

/// The layout of a path stream's outcomes, part of the fingerprint.
pub fn layout() -> Value {
    json!({
        "byte_order": "little-endian",
        "blocks": "per piece, blocks of block_paths paths (the last may hold fewer); per block, \
                   column chunks: loans_simulated u64 per path; per scalar, defined bits then f64 \
                   per path; per yearly row and yearly metric, f64 per path; then the index, a \
                   CRC-32 u32 per chunk",
        "scalars": Scalar::ALL.iter().map(|m| m.name()).collect::<Vec<_>>(),
        "yearly": Yearly::ALL.iter().map(|m| m.name()).collect::<Vec<_>>(),
        "segments": "after the yearly rows, f64 per path for each of: per segment (as the \
                     scenario lists them) loans_granted, defaults, net_loss; then the BMKB's \
                     claims of graduates' bank loans and of the lender's own loans",
    })
}

/// Bytes of one point's record with `metrics` metrics.
pub fn point_record_bytes(metrics: usize) -> usize {
    metrics.div_ceil(8) + 16 * metrics
}

/// The record layout of a point stream of `metrics`, part of the fingerprint.
pub fn point_layout(metrics: &[Scalar]) -> Value {
    pairs_layout(
        "defined-se bits, per metric: mean f64 and standard error f64 over the point's paths",
        metrics.iter().map(|m| m.name().to_string()).collect(),
    )
}

/// The record layout of a point stream whose records hold the pairs of values `pairs` (a
/// value and another that may be undefined, as a metric's mean and standard error), described
/// by `record`: what [`encode_point`] writes. A merge sizes the records by the pairs listed
/// under `metrics`.
pub fn pairs_layout(record: &str, pairs: Vec<String>) -> Value {
    json!({
        "byte_order": "little-endian",
        "record": record,
        "metrics": pairs,
    })
}

/// Append the record of one point to `out`: per metric its mean and standard error.
pub fn encode_point(values: &[(f64, Option<f64>)], out: &mut Vec<u8>) {
    let mut mask = vec![0u8; values.len().div_ceil(8)];
    for (k, (_, se)) in values.iter().enumerate() {
        if se.is_some() {
            mask[k / 8] |= 1 << (k % 8);
        }
    }
    out.extend_from_slice(&mask);
    for (mean, se) in values {
        out.extend_from_slice(&mean.to_bits().to_le_bytes());
        out.extend_from_slice(&se.unwrap_or(0.0).to_bits().to_le_bytes());
    }
}

/// One point's values from its record (of [`point_record_bytes`]`(metrics)` bytes).
pub fn decode_point(metrics: usize, record: &[u8]) -> Vec<(f64, Option<f64>)> {
    let mask_bytes = metrics.div_ceil(8);
    let word = |at: usize| {
        f64::from_bits(u64::from_le_bytes(
            record[at..at + 8].try_into().expect("8 bytes"),
        ))
    };
    (0..metrics)
        .map(|k| {
            let at = mask_bytes + 16 * k;
            let defined = record[k / 8] & (1 << (k % 8)) != 0;
            (word(at), defined.then(|| word(at + 8)))
        })
        .collect()
}

/// A short hash of the fingerprint (FNV-1a, 64 bits, in hex) to name it in messages; shards
/// are compared by their whole fingerprints, not by this.
pub fn fingerprint_id(work: &Value) -> String {
    let text = serde_json::to_string(work).expect("JSON values always serialise");
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// A recipe's content, which the fingerprint holds: every scenario of it (an object of `file`,
/// `overridden`, `toml` and `extends`, [`super::recipe::scenario`]) without the names its file
/// and the file it extends were given by, and with its overridden keys sorted, each once. The
/// resolved TOML holds every value (and `sets` the checksum of the kept sets a calibrated
/// scenario draws from, whose file the TOML names), so `scenarios/baseline.toml` and
/// `./scenarios/baseline.toml`, or two `--set` flags in either order, are the same work.
pub fn content(recipe: &Value) -> Value {
    match recipe {
        Value::Object(m) if super::recipe::is_scenario(m) => {
            let mut keys: Vec<Value> = m["overridden"].as_array().cloned().unwrap_or_default();
            keys.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            keys.dedup();
            // What it extends, by name and changed keys (its report says so), not by path.
            let extends = match &m["extends"] {
                Value::Object(e) => json!({"name": e.get("name"), "changed": e.get("changed")}),
                _ => Value::Null,
            };
            // The sets a calibrated scenario draws from, by content: the TOML names their file.
            json!({"overridden": keys, "toml": m["toml"], "extends": extends, "sets": m["sets"]})
        }
        // A file read whole (a calibration's targets) is its text.
        Value::Object(m) if super::recipe::is_file(m) => json!({"text": m["text"]}),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), content(v)))
                .collect::<Map<String, Value>>(),
        ),
        Value::Array(v) => Value::Array(v.iter().map(content).collect()),
        other => other.clone(),
    }
}

/// What a piece of a shard holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    /// Paths `paths` of unit `unit`, of `rows` yearly rows and `segments` segments, in blocks
    /// of `block_paths` paths.
    Paths {
        unit: usize,
        paths: Range<u64>,
        rows: usize,
        segments: usize,
        block_paths: u64,
    },
    /// Points `points` of a design: one record per point, with their CRC-32.
    Points { points: Range<u64>, crc32: u32 },
}

impl Span {
    /// Its paths or points.
    pub fn records(&self) -> u64 {
        let r = match self {
            Span::Paths { paths, .. } => paths,
            Span::Points { points, .. } => points,
        };
        r.end.saturating_sub(r.start)
    }

    /// Where it starts in the stream of the work, whose units have `paths` paths each.
    pub fn stream_start(&self, paths: u64) -> u64 {
        match self {
            Span::Paths { unit, paths: r, .. } => (*unit as u64).saturating_mul(paths) + r.start,
            Span::Points { points, .. } => points.start,
        }
    }

    /// Its blocks of paths: (first path, paths); none for points.
    pub fn blocks(&self) -> Vec<(u64, usize)> {
        match self {
            Span::Paths {
                paths, block_paths, ..
            } if *block_paths > 0 => {
                let mut out = Vec::new();
                let mut at = paths.start;
                while at < paths.end {
                    let n = (paths.end - at).min(*block_paths);
                    out.push((at, n as usize));
                    at += n;
                }
                out
            }
            _ => Vec::new(),
        }
    }

    /// Bytes its records take in `outcomes.bin` with `metrics` metrics per point, and the
    /// CRC-32s its chunks add to the index.
    pub fn expected(&self, metrics: usize) -> (u64, u64) {
        match self {
            Span::Paths { rows, segments, .. } => {
                let blocks = self.blocks();
                let bytes = blocks
                    .iter()
                    .map(|(_, n)| block_bytes(*n, *rows, *segments))
                    .sum();
                (bytes, (blocks.len() * columns(*rows, *segments)) as u64)
            }
            Span::Points { .. } => (self.records() * point_record_bytes(metrics) as u64, 0),
        }
    }
}

/// One span of a shard, and where its records are.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub span: Span,
    pub offset: u64,
    pub bytes: u64,
    pub loans_simulated: u64,
}

impl Piece {
    fn to_json(&self) -> Value {
        let mut v = match &self.span {
            Span::Paths {
                unit,
                paths,
                rows,
                segments,
                block_paths,
            } => json!({
                "unit": unit,
                "paths": [paths.start, paths.end],
                "rows": rows,
                "segments": segments,
                "block_paths": block_paths,
            }),
            Span::Points { points, crc32 } => json!({
                "points": [points.start, points.end],
                "crc32": crc32,
            }),
        };
        v["offset"] = json!(self.offset);
        v["bytes"] = json!(self.bytes);
        v["loans_simulated"] = json!(self.loans_simulated);
        v
    }

    fn from_json(v: &Value) -> Option<Piece> {
        let n = |k: &str| v[k].as_u64();
        let range = |k: &str| Some(v[k][0].as_u64()?..v[k][1].as_u64()?);
        let span = if v.get("points").is_some() {
            Span::Points {
                points: range("points")?,
                crc32: u32::try_from(n("crc32")?).ok()?,
            }
        } else {
            Span::Paths {
                unit: usize::try_from(n("unit")?).ok()?,
                paths: range("paths")?,
                rows: usize::try_from(n("rows")?).ok()?,
                segments: usize::try_from(n("segments")?).ok()?,
                block_paths: n("block_paths")?,
            }
        };
        Some(Piece {
            span,
            offset: n("offset")?,
            bytes: n("bytes")?,
            loans_simulated: n("loans_simulated")?,
        })
    }
}

/// Where the index of chunk CRC-32s is in `outcomes.bin`, and its own CRC-32.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexRef {
    pub offset: u64,
    pub bytes: u64,
    pub crc32: u32,
}

/// What `shard.json` says.
#[derive(Debug, Clone)]
pub struct ShardFile {
    /// The fingerprinted description of the whole work (the same in every shard of it).
    pub work: Value,
    /// The work as this shard's command gave it: `recipe` (with the scenarios' file names and
    /// the order of the overrides as typed), `command` (the arguments, without those of the
    /// shard itself) and `directory` (where it ran), or `null` where unknown.
    pub given: Value,
    pub index: u64,
    pub count: u64,
    /// The shard's share of the work's stream (of all units' paths, or of a design's points).
    pub stream: (u64, u64),
    pub pieces: Vec<Piece>,
    /// Bytes of `outcomes.bin`, and where its index is (none for a design's points).
    pub outcomes_bytes: u64,
    pub outcomes_index: Option<IndexRef>,
    pub run: RunInfo,
}

impl ShardFile {
    /// The text of `shard.json`: its fields, and last a CRC-32 of them all (`checksum`).
    pub fn to_text(&self) -> String {
        let started = self
            .run
            .started
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let mut v = json!({
            "format": FORMAT,
            "written_by": format!("microfolio {}", env!("CARGO_PKG_VERSION")),
            "fingerprint": fingerprint_id(&self.work),
            "shard": {
                "index": self.index,
                "count": self.count,
                "stream": [self.stream.0, self.stream.1],
            },
            "pieces": self.pieces.iter().map(Piece::to_json).collect::<Vec<_>>(),
            "outcomes": {
                "bytes": self.outcomes_bytes,
                "index": self.outcomes_index.map(|i| json!({
                    "offset": i.offset,
                    "bytes": i.bytes,
                    "crc32": i.crc32,
                })),
            },
            "run": {
                "threads": self.run.threads,
                "wall_time_seconds": self.run.wall_seconds,
                "started_utc": output::iso_utc(self.run.started),
                "started_unix_ms": started.as_millis() as u64,
                "loans_simulated": self.run.loans_simulated,
            },
            "given": self.given,
            "work": self.work,
        });
        let sum = checksum(&v);
        v["checksum"] = json!(sum);
        let mut text = serde_json::to_string_pretty(&v).expect("JSON values always serialise");
        text.push('\n');
        text
    }

    /// Read `shard.json` text; the reason when it is not one, or not intact.
    pub fn parse(text: &str) -> Result<ShardFile, String> {
        let mut v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        match v["format"].as_str() {
            Some(FORMAT) => {}
            Some(other) => {
                return Err(format!(
                    "format `{other}`, which this microfolio ({FORMAT}) does not read; compute \
                     the shards again with this microfolio"
                ));
            }
            None => return Err("no `format`: not a microfolio shard".into()),
        }
        let Some(written) = v.as_object_mut().and_then(|m| m.shift_remove("checksum")) else {
            return Err("no `checksum`: not a microfolio shard".into());
        };
        if written.as_u64() != Some(checksum(&v) as u64) {
            return Err(
                "its content does not match its checksum (edited or damaged); the shard is \
                 damaged, rerun it"
                    .into(),
            );
        }
        let field = |what: &str| format!("no valid `{what}`");
        let n = |x: &Value, what: &str| x.as_u64().ok_or_else(|| field(what));
        let shard = &v["shard"];
        let pieces = v["pieces"]
            .as_array()
            .ok_or_else(|| field("pieces"))?
            .iter()
            .map(|p| Piece::from_json(p).ok_or_else(|| field("pieces")))
            .collect::<Result<Vec<_>, _>>()?;
        let outcomes = &v["outcomes"];
        let index = &outcomes["index"];
        let outcomes_index = if index.is_null() {
            None
        } else {
            Some(IndexRef {
                offset: n(&index["offset"], "outcomes.index.offset")?,
                bytes: n(&index["bytes"], "outcomes.index.bytes")?,
                crc32: u32::try_from(n(&index["crc32"], "outcomes.index.crc32")?)
                    .map_err(|_| field("outcomes.index.crc32"))?,
            })
        };
        let run = &v["run"];
        let run = RunInfo {
            threads: n(&run["threads"], "run.threads")? as usize,
            wall_seconds: run["wall_time_seconds"]
                .as_f64()
                .ok_or_else(|| field("run.wall_time_seconds"))?,
            started: UNIX_EPOCH
                + Duration::from_millis(n(&run["started_unix_ms"], "run.started_unix_ms")?),
            loans_simulated: n(&run["loans_simulated"], "run.loans_simulated")?,
        };
        let work = v["work"].clone();
        if !work.is_object() {
            return Err(field("work"));
        }
        // The name it gives its work is recomputed from the work, not taken on trust: a
        // shard.json whose checksum was made again after an edit still cannot rename its work.
        if v["fingerprint"].as_str() != Some(fingerprint_id(&work).as_str()) {
            return Err(format!(
                "its fingerprint {} is not that of the work it holds ({}): it was edited; the \
                 shard is damaged, rerun it",
                v["fingerprint"].as_str().unwrap_or("(none)"),
                fingerprint_id(&work)
            ));
        }
        let given = v["given"].clone();
        if !given.is_object() {
            return Err(field("given"));
        }
        Ok(ShardFile {
            work,
            given,
            index: n(&shard["index"], "shard.index")?,
            count: n(&shard["count"], "shard.count")?,
            stream: (
                n(&shard["stream"][0], "shard.stream")?,
                n(&shard["stream"][1], "shard.stream")?,
            ),
            pieces,
            outcomes_bytes: n(&outcomes["bytes"], "outcomes.bytes")?,
            outcomes_index,
            run,
        })
    }
}

/// The CRC-32 of a JSON value's compact text (serde_json writes a value it has read back the
/// same, key order and every number's bits included).
fn checksum(v: &Value) -> u32 {
    crc32(
        serde_json::to_string(v)
            .expect("JSON values always serialise")
            .as_bytes(),
    )
}

/// How a merged work went: begun when its first shard began, the shards' wall times added
/// (the time one machine would have taken), the most threads any shard had.
pub fn merged_run(runs: &[&RunInfo]) -> RunInfo {
    RunInfo {
        threads: runs.iter().map(|r| r.threads).max().unwrap_or(1),
        wall_seconds: runs.iter().map(|r| r.wall_seconds).sum(),
        started: runs
            .iter()
            .map(|r| r.started)
            .min()
            .unwrap_or(SystemTime::UNIX_EPOCH),
        loans_simulated: runs.iter().map(|r| r.loans_simulated).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(index: u64, rows: usize, segments: usize) -> PathOutcome {
        let mut scalars = [None; Scalar::COUNT];
        scalars[0] = Some(-0.0);
        scalars[2] = Some(f64::from_bits(0x7ff8_0000_0000_1234 + index));
        scalars[Scalar::COUNT - 1] = Some(index as f64 / 3.0);
        if index % 3 == 0 {
            scalars[5] = Some(1e-300 * index as f64);
        }
        PathOutcome {
            index,
            scalars,
            yearly: (0..Yearly::COUNT * rows)
                .map(|i| (i as f64 + index as f64) * 1e-300)
                .collect(),
            segments: (0..crate::segments::values_per_path(segments))
                .map(|i| -(i as f64) - index as f64 / 7.0)
                .collect(),
            loans_simulated: u64::MAX - index,
            weight: 1.0 / (1.0 + index as f64),
        }
    }

    fn bits(o: &PathOutcome) -> (u64, u64, Vec<Option<u64>>) {
        let values = o
            .scalars
            .iter()
            .map(|v| v.map(f64::to_bits))
            .chain(o.yearly.iter().map(|v| Some(v.to_bits())))
            .chain(o.segments.iter().map(|v| Some(v.to_bits())))
            .collect();
        (o.index, o.loans_simulated, values)
    }

    #[test]
    fn blocks_round_trip_bit_for_bit_column_by_column() {
        for (n, rows, segs) in [(1, 0, 1), (13, 3, 2), (8, 10, 3), (700, 2, 1)] {
            let outcomes: Vec<PathOutcome> =
                (0..n as u64).map(|i| outcome(40 + i, rows, segs)).collect();
            let mut bytes = Vec::new();
            let offsets = chunk_offsets(n, rows, segs);
            for (c, offset) in offsets.iter().take(columns(rows, segs)).enumerate() {
                assert_eq!(
                    bytes.len() as u64,
                    *offset,
                    "chunk {c} starts where it should"
                );
                encode_chunk(&outcomes, Column::at(c, rows, segs).unwrap(), &mut bytes);
            }
            assert_eq!(bytes.len() as u64, block_bytes(n, rows, segs));
            assert_eq!(offsets[columns(rows, segs)], block_bytes(n, rows, segs));
            let back = decode_block(40, n, rows, segs, &bytes);
            assert_eq!(
                back.iter().map(bits).collect::<Vec<_>>(),
                outcomes.iter().map(bits).collect::<Vec<_>>()
            );
            // One column alone, as the merge reads it.
            let c = Column::Scalar(Scalar::ALL[5]);
            let at = c.index(rows);
            let chunk = &bytes[offsets[at] as usize..offsets[at + 1] as usize];
            let values: Vec<Option<u64>> = decode_scalar(chunk, n)
                .map(|v| v.map(f64::to_bits))
                .collect();
            let direct: Vec<Option<u64>> = outcomes
                .iter()
                .map(|o| o.scalars[5].map(f64::to_bits))
                .collect();
            assert_eq!(values, direct);
        }
        for c in 0..columns(4, 2) {
            assert_eq!(Column::at(c, 4, 2).unwrap().index(4), c);
        }
        assert_eq!(Column::at(columns(4, 2), 4, 2), None);
    }

    #[test]
    fn blocks_stay_within_a_few_megabytes_whatever_the_rows() {
        // A ten-year path with the ledger's row after the horizon: 11 rows of yearly values.
        let ten = columns(11, 3) as u64;
        assert_eq!(block_paths(11, 3), BLOCK_VALUES / ten / 512 * 512);
        assert!(block_paths(11, 3) >= 2048);
        for rows in [0, 1, 10, 50, 80, 200] {
            let p = block_paths(rows, 3);
            assert!(p % 512 == 0 && (512..=8192).contains(&p), "{rows}: {p}");
            assert!(
                block_bytes(p as usize, rows, 3) <= 16 << 20 || p == 512,
                "{rows}"
            );
        }
        let span = Span::Paths {
            unit: 1,
            paths: 5..20_000,
            rows: 10,
            segments: 3,
            block_paths: 8192,
        };
        assert_eq!(span.blocks(), [(5, 8192), (8197, 8192), (16389, 3611)]);
        assert_eq!(span.expected(0).1, 3 * columns(10, 3) as u64);
    }

    #[test]
    fn point_records_round_trip_bit_for_bit() {
        let values: Vec<(f64, Option<f64>)> = (0..9)
            .map(|k| {
                (
                    k as f64 / 7.0 - 0.5,
                    (k % 3 != 0).then_some(k as f64 * 1e-300),
                )
            })
            .chain([(-0.0, Some(f64::from_bits(0x7ff8_0000_0000_0042)))])
            .collect();
        let mut bytes = Vec::new();
        encode_point(&values, &mut bytes);
        assert_eq!(bytes.len(), point_record_bytes(values.len()));
        let back = decode_point(values.len(), &bytes);
        let bits = |v: &[(f64, Option<f64>)]| -> Vec<(u64, Option<u64>)> {
            v.iter()
                .map(|(m, s)| (m.to_bits(), s.map(f64::to_bits)))
                .collect()
        };
        assert_eq!(bits(&back), bits(&values));
    }

    fn sample() -> ShardFile {
        ShardFile {
            work: json!({"kind": "run", "paths": 10, "x": 0.1 + 0.2}),
            given: json!({"recipe": {"a": 1}, "command": ["run", "a.toml"], "directory": "/x"}),
            index: 1,
            count: 2,
            stream: (5, 10),
            pieces: vec![Piece {
                span: Span::Paths {
                    unit: 0,
                    paths: 5..10,
                    rows: 2,
                    segments: 1,
                    block_paths: 8192,
                },
                offset: 0,
                bytes: block_bytes(5, 2, 1),
                loans_simulated: 9,
            }],
            outcomes_bytes: block_bytes(5, 2, 1) + 4 * columns(2, 1) as u64,
            outcomes_index: Some(IndexRef {
                offset: block_bytes(5, 2, 1),
                bytes: 4 * columns(2, 1) as u64,
                crc32: 77,
            }),
            run: RunInfo {
                threads: 2,
                wall_seconds: 0.123_456_789_012_345_67,
                started: UNIX_EPOCH + Duration::from_millis(1_795_804_394_123),
                loans_simulated: 9,
            },
        }
    }

    #[test]
    fn shard_json_round_trips_and_its_checksum_catches_any_edit() {
        let f = sample();
        let text = f.to_text();
        let back = ShardFile::parse(&text).unwrap();
        assert_eq!(back.work, f.work);
        assert_eq!(back.given, f.given);
        assert_eq!(back.pieces, f.pieces);
        assert_eq!((back.index, back.count, back.stream), (1, 2, (5, 10)));
        assert_eq!(back.outcomes_index, f.outcomes_index);
        assert_eq!(back.outcomes_bytes, f.outcomes_bytes);
        assert_eq!(back.run.started, f.run.started);
        assert_eq!(
            back.run.wall_seconds.to_bits(),
            f.run.wall_seconds.to_bits()
        );
        let points = ShardFile {
            pieces: vec![Piece {
                span: Span::Points {
                    points: 3..7,
                    crc32: 5,
                },
                offset: 0,
                bytes: 4 * point_record_bytes(2) as u64,
                loans_simulated: 11,
            }],
            outcomes_index: None,
            ..f.clone()
        };
        let back = ShardFile::parse(&points.to_text()).unwrap();
        assert_eq!(back.pieces, points.pieces);
        assert_eq!(back.outcomes_index, None);
        // Whitespace does not matter; a changed value does.
        let compact = text.replace("\n  ", "\n").replace("  ", " ");
        assert!(ShardFile::parse(&compact).is_ok());
        let edited = text.replace("\"loans_simulated\": 9", "\"loans_simulated\": 8");
        assert!(edited != text);
        let e = ShardFile::parse(&edited).unwrap_err();
        assert!(e.contains("checksum"), "{e}");
        let e = ShardFile::parse("{\"format\": \"other 9\"}").unwrap_err();
        assert!(e.contains("other 9"), "{e}");
        let e = ShardFile::parse("{\"format\": \"microfolio-shard 3\"}").unwrap_err();
        assert!(
            e.contains("microfolio-shard 3") && e.contains("again"),
            "{e}"
        );
    }

    #[test]
    fn the_fingerprint_holds_content_not_file_names_or_the_order_of_overrides() {
        let parent = |file: &str| json!({"file": file, "name": "b", "changed": [{"key": "x", "value": "1"}]});
        let a = json!({"base": {"file": "scenarios/v.toml", "overridden": ["z.k", "a.k"], "toml": "x = 1\n", "extends": parent("scenarios/b.toml"), "sets": null}, "paths": 4});
        let b = json!({"base": {"file": "./scenarios/v.toml", "overridden": ["a.k", "z.k", "a.k"], "toml": "x = 1\n", "extends": parent("./scenarios/b.toml"), "sets": null}, "paths": 4});
        let c = json!({"base": {"file": "scenarios/v.toml", "overridden": ["z.k", "a.k"], "toml": "x = 2\n", "extends": parent("scenarios/b.toml"), "sets": null}, "paths": 4});
        assert_eq!(content(&a), content(&b));
        assert_ne!(content(&a), content(&c));
        assert_eq!(
            content(&a)["base"],
            json!({"overridden": ["a.k", "z.k"], "toml": "x = 1\n", "extends": {"name": "b", "changed": [{"key": "x", "value": "1"}]}, "sets": null})
        );
        // The kept sets a calibrated scenario draws from are content, by their checksum.
        let mut e = a.clone();
        e["base"]["sets"] = json!("0badf00d");
        assert_ne!(content(&a), content(&e));
        // What a scenario extends is content: another parent is other work.
        let mut d = a.clone();
        d["base"]["extends"]["name"] = json!("other");
        assert_ne!(content(&a), content(&d));
        let list = json!({"scenarios": [a["base"].clone(), c["base"].clone()]});
        assert_eq!(content(&list)["scenarios"][1]["toml"], "x = 2\n");
    }
}
