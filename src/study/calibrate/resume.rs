//! A calibration that goes on from a result folder: run in shards one wave at a time, each
//! wave's merge writing the folder the next wave's shards continue from, or its remaining waves
//! in one process (`calibrate --continue DIR`; docs/calibration.md, "In shards, one wave at a
//! time"). The folder holds what a continuation needs, exactly:
//!
//! - `history.csv`: every point of every wave so far, its unit coordinates and each target's
//!   statistics at it (paths on which it is defined, mean, variance over the paths, the date's
//!   widening, and under rqmc the randomisations' standard error of the mean), every number
//!   written shortest-round-trip (`NaN` where undefined), so that it
//!   reads back bit for bit. `points.csv` shows the same points for people (a standard error, a
//!   spread), not the exact state.
//! - `calibration.json`: what the calibration is — its scenario, its targets file's text and its
//!   settings, as a shard's recipe records them — with the waves run, whether they stopped, and
//!   the CRC-32 of `history.csv`.
//!
//! A history read back is *replayed* through the waves ([`waves::next`], [`waves::record`]):
//! every design is a function of the history before it and the seed, so the replayed points
//! must be the file's points, bit for bit, or the file is refused (edited, or written by a
//! microfolio that designs otherwise). What the replay gives is the history a single process
//! had in memory after those waves, and the next wave it would have run.

use std::path::Path;

use serde_json::{Value, json};

use super::Calibration;
use super::implausibility::TargetStats;
use super::waves::{self, History, Planned, Stop};
use crate::error::{Arg, Error};
use crate::output::csv::{CsvRows, CsvWriter};
use crate::rqmc::SeMethod;
use crate::shard::format;

pub const HISTORY_CSV: &str = "history.csv";
pub const CALIBRATION_JSON: &str = "calibration.json";

/// The format named in `calibration.json`.
pub const FORMAT: &str = "microfolio-calibration 1";

/// Largest `calibration.json` read: a scenario and a targets file of at most 1 MiB each.
const MAX_CALIBRATION_JSON: u64 = 16 << 20;

/// Largest `history.csv` a continuation reads (a million points of twenty targets).
const MAX_HISTORY: u64 = 2 << 30;

/// Largest `history.csv` a calibration's shards carry: each `shard.json` records it twice (in
/// the work's fingerprint and as given) and may have at most [`format::MAX_SHARD_JSON`].
pub const MAX_SHARDED_HISTORY: usize = (format::MAX_SHARD_JSON / 3) as usize;

/// The waves run so far, as a continuation found them.
#[derive(Debug, Clone)]
pub struct Previous {
    pub history: History,
    /// `history.csv` as read: what the shards of the next wave record.
    pub text: String,
}

/// A number as `history.csv` writes it: Rust's shortest text that reads back as the same
/// double (`NaN`, `inf` and `-inf` too).
fn exact(x: f64) -> String {
    format!("{x}")
}

/// The statistics of a target in `history.csv`: under rqmc one more, the randomisations'
/// standard error of the mean (under tail the weighted mean's, `tail_se`);
/// standard error of the mean.
fn columns(c: &Calibration) -> &'static [&'static str] {
    match c.method {
        // Never tail: a calibration refuses it (`study::sampling`).
        SeMethod::Paths => &["n", "mean", "var_paths", "date_sd"],
        SeMethod::Weighted => &["n", "mean", "var_paths", "date_sd", "tail_se"],
        SeMethod::Randomisations(_) => &["n", "mean", "var_paths", "date_sd", "rqmc_se"],
    }
}

/// `history.csv` of `h`.
pub(super) fn history_csv(c: &Calibration, h: &History) -> String {
    let mut header = vec!["wave".to_string(), "point".into()];
    header.extend(c.problem.params().iter().map(|p| format!("u_{}", p.name)));
    for t in &c.targets.targets {
        for s in columns(c) {
            header.push(format!("{}.{s}", t.name));
        }
    }
    let mut out = CsvWriter::text_file(header);
    for p in &h.points {
        let mut row = vec![p.wave.to_string(), p.index.to_string()];
        row.extend(p.unit.iter().map(|u| exact(*u)));
        for s in &p.stats {
            row.push(s.n.to_string());
            row.extend([s.mean, s.var_paths, s.date_sd].map(exact));
            row.extend(s.rqmc_se.map(exact));
        }
        out.push(row);
    }
    out.into_string()
}

/// `calibration.json` of `h`, whose `history.csv` is `history`.
pub(super) fn calibration_json(c: &Calibration, h: &History, history: &str) -> String {
    let v = json!({
        "format": FORMAT,
        "calibration": c.identity(),
        "waves_run": h.waves.len(),
        "points": h.points.len(),
        "stopped": h.stop.map(Stop::describe),
        "next_wave": h.stop.is_none().then_some(h.waves.len() + 1),
        "history": {
            "file": HISTORY_CSV,
            "crc32": format::crc32(history.as_bytes()),
        },
    });
    let mut text = serde_json::to_string_pretty(&v).expect("JSON values always serialise");
    text.push('\n');
    text
}

/// A point of `history.csv`.
struct Stored {
    wave: usize,
    point: usize,
    unit: Vec<f64>,
    stats: Vec<TargetStats>,
}

/// The points of `history.csv` text, read for `c`'s parameters and targets; why not, at a line.
fn parse(c: &Calibration, text: &str) -> Result<Vec<Stored>, String> {
    let dims = c.problem.params().len();
    let targets = c.targets.targets.len();
    let expected = history_csv(c, &History::default());
    let mut rows = CsvRows::new(text.as_bytes());
    let header = match rows.next_row() {
        Some(Ok((_, h))) => h,
        Some(Err(e)) => return Err(format!("line {}: {}", e.line, e.problem)),
        None => return Err("is empty".into()),
    };
    let header: Vec<&str> = header.iter().collect();
    if header.join(",") != expected.trim_end() {
        return Err(format!(
            "its columns are not those of this calibration's parameters and targets (expected \
             `{}`)",
            crate::scenario::shorten(expected.trim_end())
        ));
    }
    let mut out = Vec::new();
    while let Some(row) = rows.next_row() {
        let (line, record) = row.map_err(|e| format!("line {}: {}", e.line, e.problem))?;
        let bad = |what: &str| format!("line {line}: {what}");
        if record.len() != header.len() {
            return Err(bad(&format!(
                "{} cells, not the header's {}",
                record.len(),
                header.len()
            )));
        }
        let whole = |i: usize| -> Result<usize, String> {
            record[i]
                .parse()
                .map_err(|_| bad(&format!("`{}` is not a whole number", &record[i])))
        };
        let number = |i: usize| -> Result<f64, String> {
            record[i]
                .parse()
                .map_err(|_| bad(&format!("`{}` is not a number", &record[i])))
        };
        let unit = (0..dims)
            .map(|i| number(2 + i))
            .collect::<Result<Vec<_>, _>>()?;
        let stride = columns(c).len();
        let stats = (0..targets)
            .map(|t| {
                let at = 2 + dims + stride * t;
                Ok(TargetStats {
                    n: whole(at)?,
                    mean: number(at + 1)?,
                    var_paths: number(at + 2)?,
                    date_sd: number(at + 3)?,
                    rqmc_se: (stride > 4).then(|| number(at + 4)).transpose()?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        out.push(Stored {
            wave: whole(0)?,
            point: whole(1)?,
            unit,
            stats,
        });
    }
    Ok(out)
}

/// The history of `history.csv` text, replayed through `c`'s waves, and what comes next: the
/// next wave designed, or why the waves stopped. Why not, when the file's points are not those
/// the waves design.
pub(super) fn replay(
    c: &Calibration,
    text: &str,
) -> Result<(History, Result<Planned, Stop>), String> {
    let stored = parse(c, text)?;
    let dims = c.problem.params().len();
    let settings = c.wave_settings();
    let mut history = History::default();
    let mut at = 0;
    loop {
        let next = waves::next(dims, &settings, &history).map_err(|e| e.to_string())?;
        let rest = &stored[at..];
        let planned = match next {
            Ok(p) if !rest.is_empty() => p,
            Err(stop) if !rest.is_empty() => {
                return Err(format!(
                    "it holds points of wave {}, but the waves stopped after wave {} ({})",
                    rest[0].wave,
                    history.waves.len(),
                    stop.describe()
                ));
            }
            next => {
                history.stop = next.as_ref().err().copied();
                return Ok((history, next));
            }
        };
        let n = planned.points.len();
        let ours = rest.iter().take(n);
        let same = rest.len() >= n
            && ours.zip(&planned.points).enumerate().all(|(i, (s, u))| {
                s.wave == planned.wave
                    && s.point == i
                    && s.unit.len() == u.len()
                    && s.unit
                        .iter()
                        .zip(u)
                        .all(|(a, b)| a.to_bits() == b.to_bits())
            });
        if !same {
            return Err(format!(
                "its points of wave {} are not the {n} points the waves design after the waves \
                 before it (the file was edited, or written by a microfolio that designs \
                 otherwise)",
                planned.wave
            ));
        }
        let stats = rest[..n].iter().map(|s| s.stats.clone()).collect();
        waves::record(&mut history, &c.targets.targets, &settings, planned, stats);
        at += n;
    }
}

/// The history in the result folder `folder` of a calibration that `c` is (its scenario,
/// targets and settings), with the text of its `history.csv`; refused, naming `--continue`,
/// when the folder is not such a calibration's, is damaged, or its waves have stopped.
pub(super) fn read_folder(c: &Calibration, folder: &Path) -> Result<(Previous, Planned), Error> {
    let (previous, next) = read_history(c, folder)?;
    match next {
        Ok(planned) => Ok((previous, planned)),
        Err(stop) => Err(Error::argument(
            Arg::Continue,
            folder.display(),
            format!(
                "its waves have stopped after wave {} ({}), so its result is final{}; allowed: \
                 a folder whose waves go on (`stopped` is null in its {CALIBRATION_JSON})",
                previous.history.waves.len(),
                stop.describe(),
                if previous.history.kept().next().is_some() {
                    format!(" ({})", folder.join(super::CALIBRATED_TOML).display())
                } else {
                    String::new()
                }
            ),
        )),
    }
}

/// The history in the result folder `folder` of a calibration that `c` is, replayed, stopped
/// or not, and what comes next; refused as [`read_folder`] refuses but for a stop.
pub(super) fn read_history(
    c: &Calibration,
    folder: &Path,
) -> Result<(Previous, Result<Planned, Stop>), Error> {
    let refuse = |message: String| Error::argument(Arg::Continue, folder.display(), message);
    if !folder.is_dir() {
        return Err(refuse(
            "no such folder; give the result folder of a calibration (a `microfolio calibrate`, \
             or the merge of its shards)"
                .into(),
        ));
    }
    let json_path = folder.join(CALIBRATION_JSON);
    if !json_path.exists() {
        let what = match crate::study::kind_of_folder(folder) {
            Some(kind) if kind == <Calibration as crate::study::Study>::KIND => {
                "a calibration written by a microfolio that did not record its history".into()
            }
            Some(kind) => format!("the result folder of a `microfolio {kind}`"),
            None => "not the result folder of a calibration".to_string(),
        };
        return Err(refuse(format!(
            "{what} (no {CALIBRATION_JSON}); allowed: the result folder of `microfolio \
             calibrate` or of the merge of its shards"
        )));
    }
    let text = crate::output::folder::read_bounded(&json_path, MAX_CALIBRATION_JSON)
        .map_err(|why| refuse(format!("{CALIBRATION_JSON}: {why}")))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| refuse(format!("{CALIBRATION_JSON} is not JSON: {e}")))?;
    if v["format"].as_str() != Some(FORMAT) {
        return Err(refuse(format!(
            "{CALIBRATION_JSON} is of format {}, and this microfolio reads {FORMAT}",
            v["format"]
        )));
    }
    // The same scenario, targets and settings: by content, not by the names of the files.
    let (was, is) = (
        format::content(&v["calibration"]),
        format::content(&c.identity()),
    );
    if was != is {
        // Named as the user gives them: the flags, the scenario and the targets file.
        let differ: Vec<String> = crate::shard::differences(&was, &is)
            .into_iter()
            .map(|d| {
                let named = [
                    ("paths_per_point:", "--paths-per-point:"),
                    ("points:", "--points:"),
                    ("waves:", "--waves:"),
                    ("cutoff:", "--cutoff:"),
                    ("measure:", "--second:"),
                    ("base.", "scenario "),
                    ("targets.text:", "targets file:"),
                ];
                named
                    .iter()
                    .find_map(|(key, flag)| d.strip_prefix(key).map(|rest| format!("{flag}{rest}")))
                    .unwrap_or(d)
            })
            .collect();
        return Err(refuse(format!(
            "it is a calibration of other work than this command's (the folder's vs this \
             command's: {}); continue it with the scenario, --set, targets file and flags it \
             was made with",
            differ
                .iter()
                .take(4)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    let history_path = folder.join(HISTORY_CSV);
    let history = crate::output::folder::read_bounded(&history_path, MAX_HISTORY)
        .map_err(|why| refuse(format!("{HISTORY_CSV}: {why}")))?;
    if v["history"]["crc32"].as_u64() != Some(format::crc32(history.as_bytes()) as u64) {
        return Err(refuse(format!(
            "{HISTORY_CSV} does not match the CRC-32 in {CALIBRATION_JSON} (edited or damaged); \
             make the folder again"
        )));
    }
    let (replayed, next) =
        replay(c, &history).map_err(|why| refuse(format!("{HISTORY_CSV}: {why}")))?;
    Ok((
        Previous {
            history: replayed,
            text: history,
        },
        next,
    ))
}

#[cfg(test)]
mod tests {
    use super::exact;

    #[test]
    fn numbers_read_back_bit_for_bit() {
        let values = [
            0.1 + 0.2,
            -0.0,
            f64::MIN_POSITIVE / 3.0,
            1e300,
            17_276_121.054_183_193,
            0.941_900_451_667_606_8,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for x in values {
            let back: f64 = exact(x).parse().unwrap();
            assert_eq!(back.to_bits(), x.to_bits(), "{x}");
        }
        assert!(exact(f64::NAN).parse::<f64>().unwrap().is_nan());
    }
}
