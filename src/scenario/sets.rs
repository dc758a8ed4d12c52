//! `uncertain_sets`: the `[[uncertain]]` parameters drawn jointly from a file of sets, the kept
//! sets of a calibration (`kept.csv`, docs/calibration.md "History matching"), rather than each
//! from its own distribution. The record rules out combinations, not single values (a high cost
//! level is consistent with the record only with a high fee, say), so the sets must be drawn
//! whole: path `i` of a run takes set `mix(seed, i) mod n`, a choice that depends on the seed
//! and the path index alone, as every draw of a path does.
//!
//! The file is a CSV with a header row and a column per parameter under its name (other
//! columns are ignored), read relative to the scenario file; every value must lie within its
//! parameter's distribution, which stays the prior the sets were kept from. Once read, the
//! scenario holds the file's absolute path, so that the resolved `scenario.toml` a run writes
//! into its result folder reads the same sets from anywhere on the machine.

use std::path::Path;
use std::sync::Arc;

use super::Uncertain;
use super::error::ScenarioError;
use super::spec::ScenarioSpec;
use super::validate::Check;
use crate::random::{GOLDEN, mix};

/// Most sets in a file.
pub const MAX_SETS: usize = 1_000_000;

/// Largest file of sets read.
pub const MAX_SETS_BYTES: u64 = 256 << 20;

/// The sets, a row each, a value per parameter in the section's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Sets(Arc<Vec<Vec<f64>>>);

impl Sets {
    /// Every set.
    pub fn rows(&self) -> &[Vec<f64>] {
        &self.0
    }

    /// The CRC-32 of every value's bits, row by row, in hex: what a shard's fingerprint holds of
    /// the sets, since the scenario holds only the file's path and the file may change between
    /// two shards of one work, or before their merge.
    pub fn checksum(&self) -> String {
        let mut h = crc32fast::Hasher::new();
        for row in self.0.iter() {
            h.update(&(row.len() as u64).to_le_bytes());
            for v in row {
                h.update(&v.to_bits().to_le_bytes());
            }
        }
        format!("{:08x}", h.finalize())
    }

    /// The set path `path` takes under `seed`.
    pub fn draw(&self, seed: u64, path: u64) -> &[f64] {
        let n = self.0.len() as u64;
        // Sets are at most a million: the modulo's bias is below 2^-40.
        let k = mix(seed ^ 0x5e75_0000_0000_0000 ^ GOLDEN.wrapping_mul(path.wrapping_add(1))) % n;
        &self.0[k as usize]
    }
}

/// Read the sets `spec.uncertain_sets` names (relative to the scenario file `c.file`), and
/// write the file's absolute path into `spec`. `None` when the scenario names none.
pub(super) fn load(
    spec: &mut ScenarioSpec,
    params: &[Uncertain],
    c: &Check,
) -> Result<Option<Sets>, ScenarioError> {
    let Some(name) = spec.uncertain_sets.clone() else {
        return Ok(None);
    };
    let fail = |why: String| c.fail("uncertain_sets", format!("\"{name}\""), &why);
    if params.is_empty() {
        return Err(fail(
            "a file of sets only with an [[uncertain]] section, whose parameters are its columns"
                .into(),
        ));
    }
    let path = Path::new(&name);
    let path = if path.is_absolute() {
        path.to_path_buf()
    } else {
        Path::new(c.file)
            .parent()
            .unwrap_or(Path::new(""))
            .join(path)
    };
    let meta = std::fs::metadata(&path).map_err(|e| {
        fail(format!(
            "a readable CSV file of sets, relative to the scenario file ({}: {e})",
            path.display()
        ))
    })?;
    if !meta.is_file() || meta.len() > MAX_SETS_BYTES {
        return Err(fail(format!(
            "a regular file of at most {MAX_SETS_BYTES} bytes ({} is not)",
            path.display()
        )));
    }
    let mut reader = ::csv::Reader::from_path(&path)
        .map_err(|e| fail(format!("a readable CSV file of sets ({e})")))?;
    let header = reader
        .headers()
        .map_err(|e| fail(format!("a CSV file with a header row ({e})")))?
        .clone();
    let columns: Vec<usize> = params
        .iter()
        .map(|p| {
            header.iter().position(|h| h == p.name).ok_or_else(|| {
                fail(format!(
                    "a column under the name of every uncertain parameter, but `{}` has none",
                    p.name
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record =
            record.map_err(|e| fail(format!("a well-formed CSV file (line {line}: {e})")))?;
        if rows.len() == MAX_SETS {
            return Err(fail(format!("at most {MAX_SETS} sets")));
        }
        let mut row = Vec::with_capacity(params.len());
        for (p, &col) in params.iter().zip(&columns) {
            let text = record.get(col).unwrap_or("");
            let v: f64 = text.trim().parse().map_err(|_| {
                fail(format!(
                    "numbers in every row (line {line}: `{}` = `{text}`)",
                    p.name
                ))
            })?;
            let s = p.distribution.support();
            if !(v.is_finite() && v >= s.low && v <= s.high) {
                return Err(fail(format!(
                    "values within each parameter's distribution (line {line}: `{}` = {v}, \
                     outside {s})",
                    p.name
                )));
            }
            row.push(v);
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(fail("at least one set (the file has none)".into()));
    }
    let absolute = std::path::absolute(&path).unwrap_or(path);
    spec.uncertain_sets = Some(absolute.display().to_string());
    Ok(Some(Sets(Arc::new(rows))))
}
