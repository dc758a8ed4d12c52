//! Which shard a process computes: `I/N` as given, or taken from the scheduler that started
//! it: `auto/N`, the index from the task of a Slurm job array (`SLURM_ARRAY_TASK_ID`, whatever
//! the array: so an array of some indices reruns exactly those shards) or of a Kubernetes
//! Indexed Job (`JOB_COMPLETION_INDEX`), N as given; plain `auto`, index and N from a Slurm
//! array that is all of the work, `0..N-1` (`SLURM_ARRAY_TASK_COUNT`, or
//! `SLURM_ARRAY_TASK_MIN`/`MAX`). Anything missing, inconsistent or out of range is an
//! argument error naming the variables and their values.

use std::ops::Range;

use crate::error::{Arg, Error};

/// Most shards a work may be cut into.
pub const MAX_SHARDS: u64 = 1_000_000;

/// The Slurm and Kubernetes variables read by `--shard auto`.
pub const SLURM_ID: &str = "SLURM_ARRAY_TASK_ID";
pub const SLURM_COUNT: &str = "SLURM_ARRAY_TASK_COUNT";
pub const SLURM_MIN: &str = "SLURM_ARRAY_TASK_MIN";
pub const SLURM_MAX: &str = "SLURM_ARRAY_TASK_MAX";
pub const K8S_INDEX: &str = "JOB_COMPLETION_INDEX";

/// Shard `index` of `count` (0-based): the `index`-th of `count` balanced shares of the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// `I/N`, `auto` or `auto/N`; `auto` reads the scheduler's variables through `env` (the
    /// process environment: [`Shard::from_env`]).
    pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Shard, Error> {
        let bad = |message: String| Error::argument(Arg::Shard, text, message);
        let t = text.trim();
        let (first, count) = match t.split_once('/') {
            Some((a, b)) => (a.trim(), Some(b.trim())),
            None => (t, None),
        };
        let count = match count {
            None => None,
            Some(n) => Some(
                n.parse::<u64>()
                    .ok()
                    .filter(|n| (1..=MAX_SHARDS).contains(n))
                    .ok_or_else(|| {
                        bad(format!(
                            "the number of shards `{n}` must be a whole number from 1 to {MAX_SHARDS}"
                        ))
                    })?,
            ),
        };
        let shard = if first == "auto" {
            from_scheduler(count, &env).map_err(bad)?
        } else {
            let Some(count) = count else {
                return Err(bad(
                    "allowed: I/N (shard I of N, counted from 0), auto (from a Slurm job array) \
                     or auto/N (from a Kubernetes Indexed Job of N completions)"
                        .into(),
                ));
            };
            let index = first.parse::<u64>().map_err(|_| {
                bad(format!(
                    "the shard `{first}` must be a whole number from 0 to {}, or auto",
                    count - 1
                ))
            })?;
            Shard { index, count }
        };
        if shard.index >= shard.count {
            return Err(bad(format!(
                "shard {} of {} is out of range: shards are counted from 0 to {}",
                shard.index,
                shard.count,
                shard.count - 1
            )));
        }
        Ok(shard)
    }

    /// [`Shard::parse`] reading the process environment.
    pub fn from_env(text: &str) -> Result<Shard, Error> {
        Shard::parse(text, |k| std::env::var(k).ok())
    }

    /// This shard's share of a stream of `total` work items: items
    /// `⌊I·total/N⌋ .. ⌊(I+1)·total/N⌋`, so that shares differ by at most one item and the
    /// shards of one N tile the stream.
    pub fn share(&self, total: u64) -> Range<u64> {
        let at = |i: u64| (i as u128 * total as u128 / self.count as u128) as u64;
        at(self.index)..at(self.index + 1)
    }

    /// The shard's folder name: `shard-0002-of-0004` (at least four digits, as many as N needs).
    pub fn folder_name(&self) -> String {
        let width = (self.count.to_string().len()).max(4);
        format!(
            "shard-{:0width$}-of-{:0width$}",
            self.index,
            self.count,
            width = width
        )
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A whole number in variable `name`, if set.
fn number(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<Option<u64>, String> {
    match env(name) {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Ok(None),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| format!("{name}={v} is not a whole number")),
    }
}

/// The shard of this task of a Slurm job array or a Kubernetes Indexed Job; `count` is the N of
/// `auto/N`.
///
/// With `auto/N` the shard's index is the task's id, `SLURM_ARRAY_TASK_ID` (or
/// `JOB_COMPLETION_INDEX`), and N is given: whatever array the task belongs to, so that
/// `sbatch --array=3` or `--array=1,3` reruns exactly shards 3, or 1 and 3, of N. Plain `auto`
/// takes N from the array, which must then be all of it, `--array=0-(N-1)`: the task's id is
/// its index, refused outside `0..COUNT-1`, and an array that does not start at 0 or has gaps
/// (a rerun of some tasks) is refused, pointing to `auto/N`.
fn from_scheduler(
    count: Option<u64>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Shard, String> {
    let id = number(env, SLURM_ID)?;
    let k8s = number(env, K8S_INDEX)?;
    match (id, k8s) {
        (Some(id), Some(index)) => Err(format!(
            "both {SLURM_ID}={id} (Slurm) and {K8S_INDEX}={index} (Kubernetes) are set; give the \
             shard as I/N"
        )),
        (Some(id), None) => {
            if let Some(n) = count {
                if id >= n {
                    return Err(format!(
                        "{SLURM_ID}={id} is out of range for auto/{n}: shards are counted from 0 \
                         to {}; submit the array's tasks as --array=0-{} (or the indices to rerun, \
                         such as --array=1,3)",
                        n - 1,
                        n - 1
                    ));
                }
                return Ok(Shard {
                    index: id,
                    count: n,
                });
            }
            let min = number(env, SLURM_MIN)?;
            let max = number(env, SLURM_MAX)?;
            // Slurm never sets them so: said as it is, not as a count it would imply.
            if let (Some(lo), Some(hi)) = (min, max)
                && lo > hi
            {
                return Err(format!(
                    "{SLURM_MIN}={lo} is above {SLURM_MAX}={hi}: not the ids of a Slurm job \
                     array (were they set by hand?); submit with sbatch --array=0-(N-1), or give \
                     the number of shards as auto/N"
                ));
            }
            let tasks = number(env, SLURM_COUNT)?;
            let n = match (tasks, max) {
                (Some(n), _) => n,
                (None, Some(max)) => max.saturating_add(1),
                (None, None) => {
                    return Err(format!(
                        "{SLURM_ID}={id} is set but {SLURM_COUNT} is not: not a task of a Slurm \
                         job array (submit with sbatch --array=0-(N-1)), or give the number of \
                         shards as auto/N"
                    ));
                }
            };
            if n == 0 || n > MAX_SHARDS {
                return Err(format!(
                    "{SLURM_COUNT}={n}: plain auto needs a job array of 1 to {MAX_SHARDS} tasks; \
                     give the number of shards as auto/N"
                ));
            }
            let whole = min.is_none_or(|m| m == 0) && max.is_none_or(|m| m == n - 1);
            if !whole {
                let shown = |v: Option<u64>| v.map_or("unset".to_string(), |v| v.to_string());
                return Err(format!(
                    "{SLURM_COUNT}={} with {SLURM_MIN}={} and {SLURM_MAX}={}: plain auto takes \
                     the number of shards from the array, which must then be all of it, \
                     --array=0-{}; to run or rerun some of the shards of N, give auto/N \
                     (cluster/shard.sbatch does)",
                    shown(tasks),
                    shown(min),
                    shown(max),
                    n - 1
                ));
            }
            if id >= n {
                return Err(format!(
                    "{SLURM_ID}={id} is outside the array's ids 0..{} ({SLURM_COUNT}={n})",
                    n - 1
                ));
            }
            Ok(Shard {
                index: id,
                count: n,
            })
        }
        (None, Some(index)) => {
            let Some(count) = count else {
                return Err(format!(
                    "{K8S_INDEX}={index} (a Kubernetes Indexed Job) gives no count of shards; give \
                     it as auto/N, with N the job's completions"
                ));
            };
            if index >= count {
                return Err(format!(
                    "{K8S_INDEX}={index} is out of range for auto/{count}: indices run from 0 to {} \
                     (is the job's completions {count}?)",
                    count - 1
                ));
            }
            Ok(Shard { index, count })
        }
        (None, None) => Err(format!(
            "no job array found: neither {SLURM_ID} (a Slurm job array) nor {K8S_INDEX} (a \
             Kubernetes Indexed Job) is set; give the shard as I/N"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    fn shard(text: &str, vars: &[(&str, &str)]) -> Result<Shard, String> {
        Shard::parse(text, with(vars)).map_err(|e| e.to_string())
    }

    #[test]
    fn explicit_shards_and_their_errors() {
        assert_eq!(shard("2/4", &[]), Ok(Shard { index: 2, count: 4 }));
        assert_eq!(shard(" 0 / 1 ", &[]), Ok(Shard { index: 0, count: 1 }));
        for (bad, says) in [
            ("4/4", "out of range"),
            ("1/0", "from 1 to"),
            ("x/4", "whole number from 0 to 3"),
            ("3", "allowed: I/N"),
            ("1/2000000", "from 1 to 1000000"),
        ] {
            let e = shard(bad, &[]).unwrap_err();
            assert!(e.contains(says) && e.contains(bad.trim()), "{bad}: {e}");
        }
    }

    #[test]
    fn slurm_arrays() {
        let s = |v: &[(&str, &str)]| shard("auto", v);
        let four = [
            (SLURM_ID, "2"),
            (SLURM_COUNT, "4"),
            (SLURM_MIN, "0"),
            (SLURM_MAX, "3"),
        ];
        assert_eq!(s(&four), Ok(Shard { index: 2, count: 4 }));
        assert_eq!(shard("auto/4", &four), Ok(Shard { index: 2, count: 4 }));
        // COUNT alone, or MAX alone.
        assert_eq!(
            s(&[(SLURM_ID, "1"), (SLURM_COUNT, "2")]),
            Ok(Shard { index: 1, count: 2 })
        );
        assert_eq!(
            s(&[(SLURM_ID, "3"), (SLURM_MIN, "0"), (SLURM_MAX, "3")]),
            Ok(Shard { index: 3, count: 4 })
        );
        type Vars<'a> = &'a [(&'a str, &'a str)];
        let cases: [(&str, Vars, &str); 10] = [
            // A rerun of shard 3 alone, or of 1 and 3, is not the whole array: plain auto
            // would take it for a job of 1 or 2 shards.
            (
                "auto",
                &[
                    (SLURM_ID, "3"),
                    (SLURM_COUNT, "1"),
                    (SLURM_MIN, "3"),
                    (SLURM_MAX, "3"),
                ],
                "auto/N",
            ),
            (
                "auto",
                &[
                    (SLURM_ID, "1"),
                    (SLURM_COUNT, "2"),
                    (SLURM_MIN, "1"),
                    (SLURM_MAX, "3"),
                ],
                "must then be all of it",
            ),
            // An array from 1: not the shards 0..N-1.
            (
                "auto",
                &[
                    (SLURM_ID, "1"),
                    (SLURM_COUNT, "4"),
                    (SLURM_MIN, "1"),
                    (SLURM_MAX, "4"),
                ],
                "--array=0-3",
            ),
            ("auto", &[(SLURM_ID, "2")], "SLURM_ARRAY_TASK_COUNT is not"),
            (
                "auto",
                &[(SLURM_ID, "two"), (SLURM_COUNT, "4")],
                "SLURM_ARRAY_TASK_ID=two",
            ),
            (
                "auto",
                &[(SLURM_ID, "7"), (SLURM_COUNT, "4")],
                "outside the array's ids 0..3",
            ),
            ("auto", &[(SLURM_ID, "0"), (SLURM_COUNT, "0")], "1 to"),
            // Ids Slurm never sets: said as they are (MAX is set, and COUNT is not invented).
            (
                "auto",
                &[(SLURM_ID, "2"), (SLURM_MIN, "3"), (SLURM_MAX, "1")],
                "SLURM_ARRAY_TASK_MIN=3 is above SLURM_ARRAY_TASK_MAX=1",
            ),
            (
                "auto",
                &[(SLURM_ID, "2"), (SLURM_MIN, "1"), (SLURM_MAX, "3")],
                "SLURM_ARRAY_TASK_COUNT=unset with",
            ),
            (
                "auto",
                &[(SLURM_ID, "1"), (SLURM_COUNT, "4"), (K8S_INDEX, "1")],
                "both",
            ),
        ];
        for (text, vars, says) in cases {
            let e = shard(text, vars).unwrap_err();
            assert!(
                e.contains(says) && e.starts_with("shard "),
                "{text} {vars:?}: {e}"
            );
        }
    }

    #[test]
    fn auto_n_takes_the_task_id_as_the_shard_whatever_the_array() {
        // `sbatch --array=3 shard.sbatch 4 ...`: exactly shard 3 of 4, not the whole job.
        let rerun = [
            (SLURM_ID, "3"),
            (SLURM_COUNT, "1"),
            (SLURM_MIN, "3"),
            (SLURM_MAX, "3"),
        ];
        assert_eq!(shard("auto/4", &rerun), Ok(Shard { index: 3, count: 4 }));
        // `--array=1,3`: the tasks are shards 1 and 3 of 4.
        for id in ["1", "3"] {
            let gaps = [
                (SLURM_ID, id),
                (SLURM_COUNT, "2"),
                (SLURM_MIN, "1"),
                (SLURM_MAX, "3"),
            ];
            let index = id.parse().unwrap();
            assert_eq!(shard("auto/4", &gaps), Ok(Shard { index, count: 4 }));
        }
        // The whole array, given N: the same as plain auto.
        let whole = [
            (SLURM_ID, "2"),
            (SLURM_COUNT, "5"),
            (SLURM_MIN, "0"),
            (SLURM_MAX, "4"),
        ];
        assert_eq!(shard("auto/5", &whole), shard("auto", &whole));
        // N no longer has to equal the array's count; an id of N or more is refused.
        assert_eq!(shard("auto/8", &whole), Ok(Shard { index: 2, count: 8 }));
        let e = shard("auto/2", &whole).unwrap_err();
        assert!(
            e.contains("out of range for auto/2") && e.contains("--array=0-1"),
            "{e}"
        );
    }

    #[test]
    fn kubernetes_indexed_jobs() {
        assert_eq!(
            shard("auto/8", &[(K8S_INDEX, "7")]),
            Ok(Shard { index: 7, count: 8 })
        );
        let e = shard("auto", &[(K8S_INDEX, "0")]).unwrap_err();
        assert!(e.contains("auto/N"), "{e}");
        let e = shard("auto/8", &[(K8S_INDEX, "8")]).unwrap_err();
        assert!(
            e.contains("out of range") && e.contains("completions"),
            "{e}"
        );
        let e = shard("auto", &[]).unwrap_err();
        assert!(e.contains(SLURM_ID) && e.contains(K8S_INDEX), "{e}");
    }

    #[test]
    fn shares_are_balanced_and_tile_the_stream() {
        for (total, count) in [(10, 3), (7, 7), (1_000_003, 100), (5, 1)] {
            let mut next = 0;
            for index in 0..count {
                let r = Shard { index, count }.share(total);
                assert_eq!(r.start, next);
                let len = r.end - r.start;
                assert!(len == total / count || len == total / count + 1);
                next = r.end;
            }
            assert_eq!(next, total);
        }
        assert_eq!(
            Shard {
                index: 3,
                count: 12
            }
            .folder_name(),
            "shard-0003-of-0012"
        );
        assert_eq!(
            Shard {
                index: 3,
                count: 100_000
            }
            .folder_name(),
            "shard-000003-of-100000"
        );
    }
}
