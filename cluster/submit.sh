#!/bin/bash
# Submit a microfolio run or study as N shards and its merge (docs/cluster.md):
#
#   cluster/submit.sh N SHARDS_DIR RESULT_DIR run scenarios/baseline.toml --paths 1000000
#   cluster/submit.sh --indices 17,42 N SHARDS_DIR RESULT_DIR run scenarios/baseline.toml --paths 1000000
#
# prints the job ids of the array and of the merge, which starts only when every task of the
# array has succeeded (--dependency=afterok). The second line reruns only shards 17 and 42 of
# N (Slurm's --array syntax: 3-5,9) and merges again: what `microfolio merge` says to run when
# shards are missing. Before submitting, `microfolio COMMAND --shard 0/N --plan` checks the
# command (a bad one is refused here, nothing submitted) and computes the memory of a task and
# of the merge, which the jobs ask for (--mem, with a quarter more and 64 MB to spare) unless
# the options below give --mem, --mem-per-cpu or --mem-per-gpu themselves. Logs go to
# SHARDS_DIR/logs/. sbatch options: SBATCH_OPTIONS for both jobs, SHARD_OPTIONS for the tasks
# (e.g. "--cpus-per-task=4 --time=02:00:00"), MERGE_OPTIONS for the merge; Slurm's own SBATCH_*
# variables work too. Relative paths are taken from the current folder, also with --chdir.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
indices=""
if [ "${1:-}" = "--indices" ]; then
  indices="$2"
  shift 2
fi
if [ "$#" -lt 4 ]; then
  echo "usage: $0 [--indices LIST] N SHARDS_DIR RESULT_DIR COMMAND..." >&2
  exit 2
fi
n="$1" shards="$2" result="$3"
shift 3
absolute() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
shards="$(absolute "$shards")"
result="$(absolute "$result")"
plan="$("${MICROFOLIO:-microfolio}" "$@" --shard "0/$n" --plan)"
value() { printf '%s\n' "$plan" | sed -n "s/^$1=//p"; }
task_mb=$(( $(value task_memory_mb) * 5 / 4 + 64 ))
merge_mb=$(( $(value merge_memory_mb) * 5 / 4 + 64 ))
asks_memory() { case " $* " in *" --mem"*) return 0 ;; esac; return 1; }
task_memory=()
asks_memory "${SBATCH_OPTIONS:-} ${SHARD_OPTIONS:-}" || task_memory=("--mem=${task_mb}M")
merge_memory=()
asks_memory "${SBATCH_OPTIONS:-} ${MERGE_OPTIONS:-}" || merge_memory=("--mem=${merge_mb}M")
mkdir -p "$shards/logs"
# shellcheck disable=SC2086
array=$(sbatch --parsable ${SBATCH_OPTIONS:-} ${SHARD_OPTIONS:-} ${task_memory[@]+"${task_memory[@]}"} \
  --array="${indices:-0-$((n - 1))}" --output="$shards/logs/shard-%A-%a.txt" \
  "$here/shard.sbatch" "$n" "$shards" "$@")
array="${array%%;*}"
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_OPTIONS:-} ${MERGE_OPTIONS:-} ${merge_memory[@]+"${merge_memory[@]}"} \
  --dependency=afterok:"$array" --output="$shards/logs/merge-%j.txt" \
  "$here/merge.sbatch" "$shards" "$result")
echo "$array ${merge%%;*}"
