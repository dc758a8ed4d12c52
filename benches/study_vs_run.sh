#!/usr/bin/env bash
# A Sobol' study's throughput against a plain run's on the same number of paths (issue 10:
# within 10%; README "Performance"). Alternates, R times:
#
#   (a) microfolio sobol benches/sobol-k8.toml --samples N --paths-per-point M
#       (k = 8 estimates and the dummy: N × 11 points, M paths each);
#   (b) microfolio run scenarios/baseline.toml --paths P --no-paths-csv, where P is the study's
#       points × M (read from its summary.json) times --fraction (default 1: the same paths).
#
# and prints each process's wall time and the loans per second per core its summary.json
# reports, then min / median / max of each and the ratio study / run of loans per second per
# core (pair by pair and of the medians). Every figure covers the whole process: design,
# simulation, analysis, files, charts and report. Run it on a quiet machine, with a release
# build:
#
#   cargo build --release
#   bash benches/study_vs_run.sh                       # N = 256, M = 64, 3 pairs, all cores
#   bash benches/study_vs_run.sh --reps 5 --threads 2
#   bash benches/study_vs_run.sh --samples 8 --paths-per-point 2 --reps 1   # a quick check
#
# Not yet timed at full size. From the 29-estimate study of README "Performance" (240 s for
# 2,304 points), the default should take roughly 8-10 minutes a pair on that 2-core machine,
# 25-30 minutes for 3 pairs; --fraction 0.25 shortens the run (its loans per second are what
# compares, not its wall time).
set -euo pipefail

cd "$(dirname "$0")/.."
reps=3
threads=$(nproc 2>/dev/null || echo 1)
samples=256
per_point=64
fraction=1
bin=target/release/microfolio

usage() {
  sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
  echo "Options: --reps R (3) --threads T (all cores) --samples N (256) --paths-per-point M (64)"
  echo "         --fraction F (1: the run simulates F × the study's paths) --bin PATH ($bin)"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --reps | --threads | --samples | --paths-per-point | --fraction | --bin)
      if [[ $# -lt 2 ]]; then
        echo "study_vs_run.sh: $1 needs a value" >&2
        exit 2
      fi
      case "$1" in
        --reps) reps=$2 ;;
        --threads) threads=$2 ;;
        --samples) samples=$2 ;;
        --paths-per-point) per_point=$2 ;;
        --fraction) fraction=$2 ;;
        --bin) bin=$2 ;;
      esac
      shift 2
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "study_vs_run.sh: unknown argument $1 (try --help)" >&2
      exit 2
      ;;
  esac
done

whole='^[1-9][0-9]*$'
for pair in "reps:$reps" "threads:$threads" "samples:$samples" "paths-per-point:$per_point"; do
  if ! [[ ${pair#*:} =~ $whole ]]; then
    echo "study_vs_run.sh: --${pair%%:*} = ${pair#*:}: must be a whole number of at least 1" >&2
    exit 2
  fi
done
if ! awk -v f="$fraction" 'BEGIN { exit !(f + 0 > 0 && f + 0 <= 1 && f ~ /^[0-9.]+$/) }'; then
  echo "study_vs_run.sh: --fraction = $fraction: must be a number in (0, 1]" >&2
  exit 2
fi
if [[ ! -x $bin ]]; then
  echo "study_vs_run.sh: $bin: no such executable (cargo build --release, or --bin PATH)" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A top-level number of a summary.json (top-level keys are indented by two spaces).
field() {
  sed -n -E "s/^  \"$2\": *([0-9.eE+-]+),?$/\1/p" "$1" | head -n 1
}

# Run a command, print its wall time and its summary's loans per second per core, and append
# both to the file of its kind.
timed() {
  local kind=$1 out=$2
  shift 2
  local t0 t1
  t0=$(date +%s.%N)
  "$@" --threads "$threads" --quiet --out "$out"
  t1=$(date +%s.%N)
  local wall lps
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  lps=$(field "$out/summary.json" loans_per_second_per_core)
  if [[ -z $lps ]]; then
    echo "study_vs_run.sh: $out/summary.json has no loans_per_second_per_core" >&2
    exit 1
  fi
  echo "$wall $lps" >>"$work/times-$kind"
  awk -v k="$kind" -v w="$wall" -v l="$lps" -v t="$threads" \
    'BEGIN { printf "  %-5s %9.2f s   %7.2fM loans/s per core (%d threads)\n", k, w, l / 1e6, t }'
}

echo "k = 8 Sobol' study (N = $samples, M = $per_point) against a plain baseline run;" \
  "$reps pairs, $threads threads, $bin"
paths=""
for ((i = 1; i <= reps; i++)); do
  echo "pair $i:"
  timed study "$work/out-study" "$bin" sobol benches/sobol-k8.toml \
    --samples "$samples" --paths-per-point "$per_point"
  if [[ -z $paths ]]; then
    points=$(sed -n -E 's/^    "points": *([0-9]+),?$/\1/p' "$work/out-study/summary.json" | head -n 1)
    paths=$(awk -v p="$points" -v m="$per_point" -v f="$fraction" \
      'BEGIN { n = int(p * m * f + 0.5); print (n < 1 ? 1 : n) }')
    echo "  (the study: $points points × $per_point paths; the run: $paths paths)"
  fi
  timed run "$work/out-run" "$bin" run scenarios/baseline.toml --paths "$paths" --no-paths-csv
  rm -rf "$work/out-study" "$work/out-run"
done

# min / median / max of column c of a file of numbers.
stats() {
  awk -v c="$2" '{ print $c }' "$1" | sort -g | awk -v s="$3" '
    { v[NR] = $1 }
    END {
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%.2f / %.2f / %.2f", v[1] / s, m / s, v[NR] / s
    }'
}

echo
echo "min / median / max over $reps pairs:"
for kind in study run; do
  echo "  $kind: wall $(stats "$work/times-$kind" 1 1) s; loans/s per core $(stats "$work/times-$kind" 2 1e6) M"
done
paste -d ' ' "$work/times-study" "$work/times-run" | awk '{ print $2 / $4 }' >"$work/ratio"
echo "  study / run, loans per second per core, pair by pair: $(stats "$work/ratio" 1 1)"
awk '{ print $2 }' "$work/times-study" | sort -g >"$work/s"
awk '{ print $2 }' "$work/times-run" | sort -g >"$work/r"
median() { awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }' "$1"; }
awk -v s="$(median "$work/s")" -v r="$(median "$work/r")" \
  'BEGIN { printf "  study / run, of the medians: %.3f\n", s / r }'
