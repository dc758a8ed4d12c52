#!/usr/bin/env bash
# The engine against an older one, side by side (issue 13; README "Performance"). This
# machine's speed drifts by up to ±40% between hours, so only builds measured in one sitting,
# their runs alternated, compare.
#
# Builds commit OLD (default 94db61f, the engine before issue 13) in a git worktree of its own
# under $TMPDIR (kept for the next run; `git worktree remove` it when done), and this
# checkout's release build; then R rounds, each running
# `microfolio run` of OLD's baseline scenario (the scenario both builds read) with --threads T
# and --paths P, once per build, in alternating order. Every figure is the whole process —
# simulation, paths.csv, timeseries.csv, summary, charts and report — as summary.json's
# loans_per_second_per_core reports it. Prints each round, then per build min / median / max,
# the median of the new/old ratios of the rounds and the ratio of the medians.
#
#   bash benches/engine_ab.sh                       # 10 rounds, 1,000 paths, 1 thread
#   bash benches/engine_ab.sh --rounds 4 --paths 10000
#   bash benches/engine_ab.sh --old ef229d2          # against another commit
set -euo pipefail

cd "$(dirname "$0")/.."
old=94db61f
rounds=10
paths=1000
threads=1

while [[ $# -gt 0 ]]; do
  case "$1" in
    --old | --rounds | --paths | --threads)
      if [[ $# -lt 2 ]]; then
        echo "engine_ab.sh: $1 needs a value" >&2
        exit 2
      fi
      case "$1" in
        --old) old=$2 ;;
        --rounds) rounds=$2 ;;
        --paths) paths=$2 ;;
        --threads) threads=$2 ;;
      esac
      shift 2
      ;;
    -h | --help)
      sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "engine_ab.sh: unknown argument '$1' (see --help)" >&2
      exit 2
      ;;
  esac
done

work="${TMPDIR:-/tmp}/microfolio-ab-$old"
if [[ ! -d "$work" ]]; then
  git worktree add --detach "$work" "$old" >/dev/null
fi
(cd "$work" && CARGO_TARGET_DIR="$work/target" cargo build --release --quiet)
cargo build --release --quiet
old_bin="$work/target/release/microfolio"
new_bin="$PWD/target/release/microfolio"
scenario="$work/scenarios/baseline.toml"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

rate() {
  "$1" run "$scenario" --paths "$paths" --threads "$threads" -q --out "$out/run" >/dev/null
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["loans_per_second_per_core"] / 1e6)' \
    "$out/run/summary.json"
}

echo "old $old, new $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (modified)');" \
  "$paths paths, $threads thread(s), $rounds rounds; M loans/s per core, whole process"
: >"$out/rates"
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then
    a=$(rate "$old_bin")
    b=$(rate "$new_bin")
  else
    b=$(rate "$new_bin")
    a=$(rate "$old_bin")
  fi
  echo "$a $b" >>"$out/rates"
  printf 'round %2d: old %6.2f  new %6.2f  new/old %.3f\n' "$r" "$a" "$b" "$(python3 -c "print($b / $a)")"
done
python3 - "$out/rates" <<'PY'
import statistics, sys
rows = [tuple(map(float, line.split())) for line in open(sys.argv[1])]
old, new = [r[0] for r in rows], [r[1] for r in rows]
for name, v in (("old", old), ("new", new)):
    print(f"{name}: min {min(v):.2f}  median {statistics.median(v):.2f}  max {max(v):.2f}")
ratios = [b / a for a, b in rows]
print(f"new/old by round: min {min(ratios):.3f}  median {statistics.median(ratios):.3f}  max {max(ratios):.3f}")
print(f"ratio of the medians: {statistics.median(new) / statistics.median(old):.3f}")
PY
