#!/usr/bin/env bash
# What the run-off costs (issue 20; docs/performance notes): the shipped baseline settled at par
# against the same baseline settled after its run-off (docs/model.md §11.2), with this
# checkout's release build, side by side. This machine's speed drifts by up to ±40% between
# hours, so the two are run in alternating order, R rounds, each `microfolio run` with
# --threads T and --paths P. The figure is summary.json's wall time of the simulation per path
# (seconds per 1,000 paths), whole process otherwise (the run's files and charts are written
# but not timed by that figure). Prints each round, then per settlement min / median / max, the
# median of the rounds' run-off/par ratios and the ratio of the medians.
#
#   bash benches/settlement_ab.sh                     # 10 rounds, 1,000 paths, 1 thread
#   bash benches/settlement_ab.sh --rounds 4 --paths 4000
set -euo pipefail

cd "$(dirname "$0")/.."
rounds=10
paths=1000
threads=1

while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds | --paths | --threads)
      if [[ $# -lt 2 ]]; then
        echo "settlement_ab.sh: $1 needs a value" >&2
        exit 2
      fi
      case "$1" in
        --rounds) rounds=$2 ;;
        --paths) paths=$2 ;;
        --threads) threads=$2 ;;
      esac
      shift 2
      ;;
    -h | --help)
      sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "settlement_ab.sh: unknown argument '$1' (see --help)" >&2
      exit 2
      ;;
  esac
done

cargo build --release --quiet
bin="$PWD/target/release/microfolio"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Seconds of simulation per 1,000 paths, as summary.json records the run's wall time.
cost() {
  "$bin" run scenarios/baseline.toml --set "state.settlement=\"$1\"" --paths "$paths" \
    --threads "$threads" -q --no-paths-csv --out "$out/run" >/dev/null 2>&1
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["wall_time_seconds"] / s["paths"] * 1000)' \
    "$out/run/summary.json"
}

echo "microfolio $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (modified)');" \
  "baseline, $paths paths, $threads thread(s), $rounds rounds; seconds per 1,000 paths"
: >"$out/costs"
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then
    a=$(cost par)
    b=$(cost run_off)
  else
    b=$(cost run_off)
    a=$(cost par)
  fi
  printf 'round %2d  par %7.3f  run_off %7.3f  ratio %.3f\n' "$r" "$a" "$b" \
    "$(python3 -c "print($b / $a)")"
  echo "$a $b" >>"$out/costs"
done
python3 - "$out/costs" <<'PY'
import statistics, sys
rows = [tuple(map(float, line.split())) for line in open(sys.argv[1])]
par = [a for a, _ in rows]
ro = [b for _, b in rows]
ratios = [b / a for a, b in rows]
for name, xs in (("par", par), ("run_off", ro)):
    print(f"{name:8} min {min(xs):.3f}  median {statistics.median(xs):.3f}  max {max(xs):.3f}")
print(f"run-off / par: median of the rounds' ratios {statistics.median(ratios):.3f}"
      f" (min {min(ratios):.3f}, max {max(ratios):.3f}); ratio of the medians"
      f" {statistics.median(ro) / statistics.median(par):.3f}")
PY
