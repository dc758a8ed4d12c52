#!/usr/bin/env bash
# The figures of docs/cluster.md, "Scale": make the shards of a P-path, ten-year run cheaply
# (the baseline cut to one initial loan and one new loan a year per path: a path's outcomes are
# as many values as the baseline's, and the merge never simulates, so its work per path is the
# same), then merge them, timed with /usr/bin/time -v, R times each way, alternated:
#
#   csv      merge writing paths.csv (the default);
#   parquet  merge --paths-format parquet (the default build writes it);
#   none     merge --no-paths-csv (the statistics alone: one column at a time).
#
# and print per merge its wall time, user and system seconds, peak resident memory and the
# bytes of its file of paths, and once the shards' bytes per path. Shards and results go under
# DIR (default a new folder in $TMPDIR, removed at the end unless --keep); they take about 2.5 kB
# a path (25 GB at 10^7: check `df -h` first).
#
#   cargo build --release
#   bash benches/merge_scale.sh --paths 1000000 --shards 100
#   bash benches/merge_scale.sh --paths 10000000 --shards 100 --reps 1 --ways csv,none
set -euo pipefail

cd "$(dirname "$0")/.."
paths=100000
shards=10
reps=2
ways=csv,parquet,none
threads=$(nproc 2>/dev/null || echo 1)
bin=target/release/microfolio
dir=""
keep=false

usage() {
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
  echo "Options: --paths P (100000) --shards N (10) --reps R (2) --ways csv,parquet,none"
  echo "         --threads T (for the shards; all cores) --bin PATH ($bin) --dir DIR --keep"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --paths) paths="$2"; shift 2 ;;
    --shards) shards="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --ways) ways="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --keep) keep=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
scenario="$PWD/scenarios/baseline.toml"
if [ -z "$dir" ]; then
  dir="$(mktemp -d "${TMPDIR:-/tmp}/microfolio-scale.XXXXXX")"
fi
mkdir -p "$dir"
if ! $keep; then
  trap 'rm -rf "$dir"' EXIT
fi
cmd=(run "$scenario" --set initial_book.loans=1 --set origination.loans_per_year=1
     --paths "$paths")

echo "load: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $(grep MemTotal /proc/meminfo | tr -s ' ')"
"$bin" "${cmd[@]}" --shard "0/$shards" --plan | sed 's/^/plan: /'
start=$(date +%s)
for ((i = 0; i < shards; i++)); do
  "$bin" "${cmd[@]}" --shard "$i/$shards" --out "$dir/shards" --threads "$threads" --quiet
done
echo "shards: $shards made in $(( $(date +%s) - start )) s"
bytes=$(du -sb "$dir/shards" | cut -f1)
outcomes=$(find "$dir/shards" -name outcomes.bin -printf '%s\n' | awk '{s += $1} END {printf "%.0f", s}')
awk -v b="$bytes" -v o="$outcomes" -v p="$paths" 'BEGIN {
  printf "shards: %.0f bytes on disk, %.1f per path (outcomes.bin %.1f per path)\n", b, b / p, o / p }'

merge() {
  local way="$1" rep="$2" out="$dir/merged-$1"
  local flags=()
  case "$way" in
    csv) flags=(--paths-format csv) ;;
    parquet) flags=(--paths-format parquet) ;;
    none) flags=(--no-paths-csv) ;;
  esac
  rm -rf "$out"
  local log="$dir/time-$way-$rep.txt"
  /usr/bin/time -v "$bin" merge "$dir/shards" --out "$out" --quiet "${flags[@]}" 2>"$log"
  local wall user sys peak file=0
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")
  user=$(sed -n 's/.*User time (seconds): //p' "$log")
  sys=$(sed -n 's/.*System time (seconds): //p' "$log")
  peak=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
  for f in "$out/paths.csv" "$out/paths.parquet"; do
    [ -f "$f" ] && file=$(stat -c %s "$f")
  done
  awk -v w="$way" -v r="$rep" -v wall="$wall" -v u="$user" -v s="$sys" -v k="$peak" \
      -v f="$file" -v p="$paths" 'BEGIN {
    printf "merge %-8s round %d: wall %s, user %s s, system %s s, peak %d kB (%.2f GiB), file of paths %.0f bytes (%.1f per path)\n",
      w, r, wall, u, s, k, k / 1048576, f, f / p }'
}

IFS=, read -r -a list <<<"$ways"
for ((r = 1; r <= reps; r++)); do
  for way in "${list[@]}"; do
    merge "$way" "$r"
  done
done
