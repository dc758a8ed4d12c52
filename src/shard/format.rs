//! The files of a shard folder (docs/cluster.md, "The shard format"):
//!
//! - `shard.json`: the format, the fingerprint of the work (what determines its numbers: the
//!   recipe of the run or study, seed, paths, units, engine and sampling-crate versions, which
//!   stream the shards cut and the layout of a record, with a short hash of it), which shard of
//!   how many it is, its pieces (each a range of paths of one unit, or of a design's points;
//!   where its records are in `outcomes.bin`, their CRC-32 and loans) and how its work went
//!   (threads, wall time, start).
//! - `outcomes.bin`: the records of the pieces one after another in stream order, every value
//!   in little-endian order. A work of [`Stream::Paths`] (runs, and studies of variants) has one
//!   record per path: the loans simulated (u64), a bit per scalar metric saying whether it is
//!   defined (bit `k % 8` of byte `k / 8`), every scalar metric (f64, in the registry's order, 0
//!   where undefined), then every yearly metric of every report year (f64, year-major:
//!   `year * Yearly::COUNT + metric`) — exactly what the engine produced for the path
//!   ([`PathOutcome`]), bit for bit. A work of [`Stream::Points`] (Sobol' and Morris designs)
//!   has one record per point: a bit per metric of the study saying whether its standard
//!   error is defined, then per metric the mean over the point's paths and its standard error
//!   (f64) — what the single-process study keeps of a point, no more.
//!
//! The path layout comes from the metric registry ([`Scalar::ALL`], [`Yearly::ALL`]): a metric
//! added there is in every shard without a change here, and shards of another layout are
//! refused.

use std::ops::Range;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::engine::PathOutcome;
use crate::metrics::{Scalar, Yearly};
use crate::output::{self, RunInfo};

/// The file names of a shard folder.
pub const SHARD_JSON: &str = "shard.json";
pub const OUTCOMES_BIN: &str = "outcomes.bin";

/// The format named in `shard.json`. Version 2 added the `stream` of the work, pieces of points
/// and a run's `uncertain`; a version-1 shard is refused by its format, not as damaged.
pub const FORMAT: &str = "microfolio-shard 2";

/// The result kind of a shard folder (in its manifest).
pub const KIND: &str = "shard";

/// Bytes of the bits saying which scalar metrics are defined.
const MASK_BYTES: usize = Scalar::COUNT.div_ceil(8);

/// Bytes of one path's record with `years` report years.
pub fn record_bytes(years: usize) -> usize {
    8 + MASK_BYTES + 8 * Scalar::COUNT + 8 * Yearly::COUNT * years
}

/// Which stream a work's shards cut, named in its fingerprint (`work.stream`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Every unit's paths one after another, a record per path.
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

/// The record layout of a path stream, part of the fingerprint.
pub fn layout() -> Value {
    json!({
        "byte_order": "little-endian",
        "record": "loans_simulated u64, defined-scalar bits, scalars f64, yearly f64 (year-major)",
        "scalars": Scalar::ALL.iter().map(|m| m.name()).collect::<Vec<_>>(),
        "yearly": Yearly::ALL.iter().map(|m| m.name()).collect::<Vec<_>>(),
    })
}

/// Bytes of one point's record with `metrics` metrics.
pub fn point_record_bytes(metrics: usize) -> usize {
    metrics.div_ceil(8) + 16 * metrics
}

/// The record layout of a point stream of `metrics`, part of the fingerprint.
pub fn point_layout(metrics: &[Scalar]) -> Value {
    json!({
        "byte_order": "little-endian",
        "record": "defined-se bits, per metric: mean f64 and standard error f64 over the point's paths",
        "metrics": metrics.iter().map(|m| m.name()).collect::<Vec<_>>(),
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

/// Append the record of `o` to `out`.
pub fn encode(o: &PathOutcome, out: &mut Vec<u8>) {
    out.extend_from_slice(&o.loans_simulated.to_le_bytes());
    let mut mask = [0u8; MASK_BYTES];
    for (k, v) in o.scalars.iter().enumerate() {
        if v.is_some() {
            mask[k / 8] |= 1 << (k % 8);
        }
    }
    out.extend_from_slice(&mask);
    for v in o.scalars {
        out.extend_from_slice(&v.unwrap_or(0.0).to_bits().to_le_bytes());
    }
    for v in &o.yearly {
        out.extend_from_slice(&v.to_bits().to_le_bytes());
    }
}

/// The outcome of path `index` from its record (of [`record_bytes`]`(years)` bytes).
pub fn decode(index: u64, years: usize, record: &[u8]) -> PathOutcome {
    let word = |at: usize| u64::from_le_bytes(record[at..at + 8].try_into().expect("8 bytes"));
    let mask = &record[8..8 + MASK_BYTES];
    let base = 8 + MASK_BYTES;
    let mut scalars = [None; Scalar::COUNT];
    for (k, s) in scalars.iter_mut().enumerate() {
        if mask[k / 8] & (1 << (k % 8)) != 0 {
            *s = Some(f64::from_bits(word(base + 8 * k)));
        }
    }
    let base = base + 8 * Scalar::COUNT;
    let yearly = (0..Yearly::COUNT * years)
        .map(|j| f64::from_bits(word(base + 8 * j)))
        .collect();
    PathOutcome {
        index,
        scalars,
        yearly,
        loans_simulated: word(0),
    }
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

/// What a piece of a shard holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    /// Paths `paths` of unit `unit`, of `years` report years: one record per path.
    Paths {
        unit: usize,
        paths: Range<u64>,
        years: usize,
    },
    /// Points `points` of a design: one record per point.
    Points(Range<u64>),
}

impl Span {
    /// Its records.
    pub fn records(&self) -> u64 {
        let r = match self {
            Span::Paths { paths, .. } => paths,
            Span::Points(points) => points,
        };
        r.end.saturating_sub(r.start)
    }

    /// Where it starts in the stream of the work, whose units have `paths` paths each.
    pub fn stream_start(&self, paths: u64) -> u64 {
        match self {
            Span::Paths { unit, paths: r, .. } => *unit as u64 * paths + r.start,
            Span::Points(points) => points.start,
        }
    }
}

/// One span of a shard, and where its records are.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub span: Span,
    pub offset: u64,
    pub bytes: u64,
    pub crc32: u32,
    pub loans_simulated: u64,
}

impl Piece {
    fn to_json(&self) -> Value {
        let mut v = match &self.span {
            Span::Paths { unit, paths, years } => json!({
                "unit": unit,
                "paths": [paths.start, paths.end],
                "years": years,
            }),
            Span::Points(points) => json!({"points": [points.start, points.end]}),
        };
        v["offset"] = json!(self.offset);
        v["bytes"] = json!(self.bytes);
        v["crc32"] = json!(self.crc32);
        v["loans_simulated"] = json!(self.loans_simulated);
        v
    }

    fn from_json(v: &Value) -> Option<Piece> {
        let n = |k: &str| v[k].as_u64();
        let range = |k: &str| Some(v[k][0].as_u64()?..v[k][1].as_u64()?);
        let span = if v.get("points").is_some() {
            Span::Points(range("points")?)
        } else {
            Span::Paths {
                unit: usize::try_from(n("unit")?).ok()?,
                paths: range("paths")?,
                years: usize::try_from(n("years")?).ok()?,
            }
        };
        Some(Piece {
            span,
            offset: n("offset")?,
            bytes: n("bytes")?,
            crc32: u32::try_from(n("crc32")?).ok()?,
            loans_simulated: n("loans_simulated")?,
        })
    }
}

/// What `shard.json` says.
#[derive(Debug, Clone)]
pub struct ShardFile {
    /// The fingerprinted description of the whole work (the same in every shard of it).
    pub work: Value,
    pub index: u64,
    pub count: u64,
    /// The shard's share of the work's stream (of all units' paths, or of a design's points).
    pub stream: (u64, u64),
    pub pieces: Vec<Piece>,
    pub run: RunInfo,
}

impl ShardFile {
    /// The text of `shard.json`.
    pub fn to_text(&self) -> String {
        let started = self
            .run
            .started
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let v = json!({
            "format": FORMAT,
            "written_by": format!("microfolio {}", env!("CARGO_PKG_VERSION")),
            "fingerprint": fingerprint_id(&self.work),
            "shard": {
                "index": self.index,
                "count": self.count,
                "stream": [self.stream.0, self.stream.1],
            },
            "pieces": self.pieces.iter().map(Piece::to_json).collect::<Vec<_>>(),
            "run": {
                "threads": self.run.threads,
                "wall_time_seconds": self.run.wall_seconds,
                "started_utc": output::iso_utc(self.run.started),
                "started_unix_ms": started.as_millis() as u64,
                "loans_simulated": self.run.loans_simulated,
            },
            "work": self.work,
        });
        let mut text = serde_json::to_string_pretty(&v).expect("JSON values always serialise");
        text.push('\n');
        text
    }

    /// Read `shard.json` text; the reason when it is not one.
    pub fn parse(text: &str) -> Result<ShardFile, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        match v["format"].as_str() {
            Some(FORMAT) => {}
            Some(other) => {
                return Err(format!(
                    "format `{other}`, which this microfolio ({FORMAT}) does not read"
                ));
            }
            None => return Err("no `format`: not a microfolio shard".into()),
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
        Ok(ShardFile {
            work,
            index: n(&shard["index"], "shard.index")?,
            count: n(&shard["count"], "shard.count")?,
            stream: (
                n(&shard["stream"][0], "shard.stream")?,
                n(&shard["stream"][1], "shard.stream")?,
            ),
            pieces,
            run,
        })
    }
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

    #[test]
    fn records_round_trip_bit_for_bit() {
        let years = 3;
        let mut scalars = [None; Scalar::COUNT];
        scalars[0] = Some(-0.0);
        scalars[2] = Some(f64::from_bits(0x7ff8_0000_0000_1234));
        scalars[Scalar::COUNT - 1] = Some(1.0 / 3.0);
        let o = PathOutcome {
            index: 41,
            scalars,
            yearly: (0..Yearly::COUNT * years)
                .map(|i| i as f64 * 1e-300)
                .collect(),
            loans_simulated: u64::MAX - 5,
        };
        let mut bytes = Vec::new();
        encode(&o, &mut bytes);
        assert_eq!(bytes.len(), record_bytes(years));
        let back = decode(41, years, &bytes);
        let bits = |o: &PathOutcome| -> Vec<Option<u64>> {
            o.scalars
                .iter()
                .map(|v| v.map(f64::to_bits))
                .chain(o.yearly.iter().map(|v| Some(v.to_bits())))
                .collect()
        };
        assert_eq!(bits(&back), bits(&o));
        assert_eq!((back.index, back.loans_simulated), (41, o.loans_simulated));
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

    #[test]
    fn shard_json_round_trips() {
        let f = ShardFile {
            work: json!({"kind": "run", "paths": 10}),
            index: 1,
            count: 2,
            stream: (5, 10),
            pieces: vec![Piece {
                span: Span::Paths {
                    unit: 0,
                    paths: 5..10,
                    years: 2,
                },
                offset: 0,
                bytes: 5 * record_bytes(2) as u64,
                crc32: 77,
                loans_simulated: 9,
            }],
            run: RunInfo {
                threads: 2,
                wall_seconds: 0.25,
                started: UNIX_EPOCH + Duration::from_millis(1_795_804_394_123),
                loans_simulated: 9,
            },
        };
        let back = ShardFile::parse(&f.to_text()).unwrap();
        assert_eq!(back.work, f.work);
        assert_eq!(back.pieces, f.pieces);
        assert_eq!((back.index, back.count, back.stream), (1, 2, (5, 10)));
        assert_eq!(back.run.started, f.run.started);
        let points = ShardFile {
            pieces: vec![Piece {
                span: Span::Points(3..7),
                offset: 0,
                bytes: 4 * point_record_bytes(2) as u64,
                crc32: 5,
                loans_simulated: 11,
            }],
            ..f.clone()
        };
        assert_eq!(
            ShardFile::parse(&points.to_text()).unwrap().pieces,
            points.pieces
        );
        let e = ShardFile::parse("{\"format\": \"other 9\"}").unwrap_err();
        assert!(e.contains("other 9"), "{e}");
    }
}
