//! The files of a shard folder (docs/cluster.md, "The shard format"):
//!
//! - `shard.json`: the format, the fingerprint of the work (what determines its numbers: the
//!   recipe of the run or study, seed, paths, units, engine and sampling-crate versions and
//!   the layout of a record, with a short hash of it), which shard of how many it is, its
//!   pieces (each a range of paths of one unit, where its records are in `outcomes.bin`, their
//!   CRC-32 and loans) and how its work went (threads, wall time, start).
//! - `outcomes.bin`: one record per path, the pieces one after another in path order, every
//!   value in little-endian order: the loans simulated (u64), a bit per scalar metric saying
//!   whether it is defined (bit `k % 8` of byte `k / 8`), every scalar metric (f64, in the
//!   registry's order, 0 where undefined), then every yearly metric of every report year (f64,
//!   year-major: `year * Yearly::COUNT + metric`). A record is exactly what the engine
//!   produced for the path ([`PathOutcome`]), bit for bit.
//!
//! The layout comes from the metric registry ([`Scalar::ALL`], [`Yearly::ALL`]): a metric added
//! there is in every shard without a change here, and shards of another layout are refused.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::engine::PathOutcome;
use crate::metrics::{Scalar, Yearly};
use crate::output::{self, RunInfo};

/// The file names of a shard folder.
pub const SHARD_JSON: &str = "shard.json";
pub const OUTCOMES_BIN: &str = "outcomes.bin";

/// The format named in `shard.json`.
pub const FORMAT: &str = "microfolio-shard 1";

/// The result kind of a shard folder (in its manifest).
pub const KIND: &str = "shard";

/// Bytes of the bits saying which scalar metrics are defined.
const MASK_BYTES: usize = Scalar::COUNT.div_ceil(8);

/// Bytes of one path's record with `years` report years.
pub fn record_bytes(years: usize) -> usize {
    8 + MASK_BYTES + 8 * Scalar::COUNT + 8 * Yearly::COUNT * years
}

/// The record layout, part of the fingerprint.
pub fn layout() -> Value {
    json!({
        "byte_order": "little-endian",
        "record": "loans_simulated u64, defined-scalar bits, scalars f64, yearly f64 (year-major)",
        "scalars": Scalar::ALL.iter().map(|m| m.name()).collect::<Vec<_>>(),
        "yearly": Yearly::ALL.iter().map(|m| m.name()).collect::<Vec<_>>(),
    })
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

/// One range of paths of one unit in a shard, and where its records are.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub unit: usize,
    pub first_path: u64,
    pub end_path: u64,
    pub years: usize,
    pub offset: u64,
    pub bytes: u64,
    pub crc32: u32,
    pub loans_simulated: u64,
}

impl Piece {
    fn to_json(&self) -> Value {
        json!({
            "unit": self.unit,
            "paths": [self.first_path, self.end_path],
            "years": self.years,
            "offset": self.offset,
            "bytes": self.bytes,
            "crc32": self.crc32,
            "loans_simulated": self.loans_simulated,
        })
    }

    fn from_json(v: &Value) -> Option<Piece> {
        let n = |k: &str| v[k].as_u64();
        Some(Piece {
            unit: usize::try_from(n("unit")?).ok()?,
            first_path: v["paths"][0].as_u64()?,
            end_path: v["paths"][1].as_u64()?,
            years: usize::try_from(n("years")?).ok()?,
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
    /// The shard's share of the stream of all units' paths.
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
    fn shard_json_round_trips() {
        let f = ShardFile {
            work: json!({"kind": "run", "paths": 10}),
            index: 1,
            count: 2,
            stream: (5, 10),
            pieces: vec![Piece {
                unit: 0,
                first_path: 5,
                end_path: 10,
                years: 2,
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
        let e = ShardFile::parse("{\"format\": \"other 9\"}").unwrap_err();
        assert!(e.contains("other 9"), "{e}");
    }
}
