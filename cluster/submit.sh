#!/bin/bash
# Submit a microfolio run or study as N shards and its merge (docs/cluster.md):
#
#   cluster/submit.sh N SHARDS_DIR RESULT_DIR run scenarios/baseline.toml --paths 1000000
#
# prints the job ids of the array and of the merge, which starts only when every task of the
# array has succeeded (--dependency=afterok). Extra sbatch options go in SBATCH_OPTIONS (e.g.
# "--partition=short --time=01:00:00"); Slurm's own SBATCH_* variables work too.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
n="$1" shards="$2" result="$3"
shift 3
# shellcheck disable=SC2086
array=$(sbatch --parsable ${SBATCH_OPTIONS:-} --array=0-$((n - 1)) "$here/shard.sbatch" "$shards" "$@")
array="${array%%;*}"
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_OPTIONS:-} --dependency=afterok:"$array" "$here/merge.sbatch" "$shards" "$result")
echo "$array ${merge%%;*}"
