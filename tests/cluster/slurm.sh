#!/usr/bin/env bash
# A real Slurm cluster on this machine (docs/cluster.md, "Testing on a real cluster"): install
# Slurm and MUNGE from Debian if they are missing, start a one-node cluster in a private
# folder, submit the shipped job-array scripts (cluster/submit.sh: 4 shards and a dependent
# merge, each asking for the memory `--plan` computes) for a small baseline run, a small sweep,
# a small Sobol' study of the shipped uncertainty scenario (its shards cut the design's points)
# and a small compare --uncertain of it (its shards cut its units, a variant at a draw) — from
# a submit folder, with relative paths and SBATCH_OPTIONS="--chdir=..." elsewhere — wait for
# them, and check the merged folders against single-process runs byte for byte, except
# the fields of how the work went, and that every task's log is under its shards' folder. Then
# a shard is lost: the merge refuses naming it and the command that reruns it, which is run as
# given (one task, `--array=2` of `--shard auto/4`) and merges into the same folder again. Last,
# a small history match runs wave by wave (two waves of 2 shards and a merge each, the second
# continuing from the first's merged folder) into one process's calibration.
# Stops the daemons it started, by their PIDs, and removes its folder however it ends (printing
# the logs first when it fails). Needs root (the daemons run as root). `.ci/run` runs it after
# the tests; MICROFOLIO is the binary to test.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
export MICROFOLIO="${MICROFOLIO:-$repo/target/release/microfolio}"
timeout_s="${SLURM_TEST_TIMEOUT:-300}"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y slurm-wlm munge
fi

dir="$(mktemp -d /tmp/microfolio-slurm.XXXXXX)"
pids=()
stop() {
  local code=$?
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  if [ "$code" -ne 0 ]; then
    echo "slurm test failed; its logs:" >&2
    tail -n 20 "$dir"/log/* "$dir"/work/*-shards/logs/* 2>/dev/null >&2 || true
  fi
  rm -rf "$dir"
  exit "$code"
}
trap stop EXIT

# MUNGE authenticates the daemons and the commands: start it unless one already runs.
if ! { [ -f /run/munge/munged.pid ] && kill -0 "$(cat /run/munge/munged.pid)" 2>/dev/null; }; then
  mkdir -p /run/munge
  munged --force
  pids+=("$(cat /run/munge/munged.pid)")
fi

host="$(hostname -s)"
mkdir -p "$dir"/{spool,state,log,work}
port=$((17000 + RANDOM % 2000))
cpus="$(nproc)"
mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
export SLURM_CONF="$dir/slurm.conf"
cat > "$SLURM_CONF" <<CONF
ClusterName=microfolio-test
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmUser=root
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmdSpoolDir=$dir/spool
StateSaveLocation=$dir/state
SlurmctldLogFile=$dir/log/ctld.log
SlurmdLogFile=$dir/log/d.log
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
NodeName=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

slurmctld
for _ in $(seq 100); do [ -s "$dir/slurmctld.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$dir/slurmctld.pid")")
slurmd
for _ in $(seq 100); do [ -s "$dir/slurmd.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$dir/slurmd.pid")")
for _ in $(seq 120); do
  state="$(sinfo -h -n "$host" -o %t 2>/dev/null || true)"
  [ "$state" = "idle" ] && break
  sleep 0.5
done
[ "$state" = "idle" ] || { echo "the node did not become idle (state: $state)" >&2; exit 1; }

# Submitted from work/, with paths relative to it, while --chdir points elsewhere: relative
# paths are taken from the submit folder, as on one machine.
mkdir -p "$dir/elsewhere"
cd "$dir/work"
ln -s "$repo/scenarios" scenarios
run=(run scenarios/baseline.toml --paths 200 --seed 11)
sweep=(sweep scenarios/baseline.toml --param followup.referral_share=0.3,0.7 --paths 30)
sobol=(sobol scenarios/uncertainty.toml --samples 4 --paths-per-point 2 --bootstrap 50)
# 2 variants × 3 draws × 2 paths: 6 units of 12 paths, which 4 shards cut inside units.
ucompare=(compare scenarios/uncertainty.toml --variant 'refer: followup.referral_share=0.8'
  --uncertain --draws 3 --paths-per-draw 2)
export SBATCH_OPTIONS="--chdir=$dir/elsewhere"
read -r run_array run_merge < <("$repo/cluster/submit.sh" 4 run-shards run-merged "${run[@]}")
read -r sweep_array sweep_merge < <("$repo/cluster/submit.sh" 4 sweep-shards sweep-merged "${sweep[@]}")
read -r sobol_array sobol_merge < <("$repo/cluster/submit.sh" 4 sobol-shards sobol-merged "${sobol[@]}")
read -r ucompare_array ucompare_merge < <("$repo/cluster/submit.sh" 4 ucompare-shards \
  ucompare-merged "${ucompare[@]}")
echo "slurm: run array $run_array + merge $run_merge, sweep array $sweep_array + merge $sweep_merge, sobol array $sobol_array + merge $sobol_merge, compare --uncertain array $ucompare_array + merge $ucompare_merge"

# Meanwhile, the same work in one process.
"$MICROFOLIO" "${run[@]}" --out run-single --quiet
"$MICROFOLIO" "${sweep[@]}" --out sweep-single --quiet
"$MICROFOLIO" "${sobol[@]}" --out sobol-single --quiet
"$MICROFOLIO" "${ucompare[@]}" --out ucompare-single --quiet

# Wait until the jobs `$1` (comma-separated) are gone from the queue.
wait_for() {
  local waited=0
  while [ -n "$(squeue -h -j "$1" 2>/dev/null)" ]; do
    if [ "$waited" -ge "$timeout_s" ]; then
      echo "the jobs did not finish within $timeout_s s:" >&2
      squeue >&2
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "slurm: jobs $1 done after ${waited} s"
}
wait_for "$run_array,$run_merge,$sweep_array,$sweep_merge,$sobol_array,$sobol_merge,$ucompare_array,$ucompare_merge"

# The fields of how the work went (docs/cluster.md) blanked; everything else byte for byte.
normalise() {
  case "$(basename "$1")" in
    summary.json) sed -E 's/^  "(threads|started_utc|wall_time_seconds|loans_per_second|loans_per_second_per_core)": .*/  "\1": …/' "$1" ;;
    report.html) sed -E 's#(<dt>Run started</dt><dd>)[^<]*#\1…#g; s#(<dt>Run</dt><dd>)[^<]*#\1…#g' "$1" ;;
    *) cat "$1" ;;
  esac
}
same() {
  local merged="$1" single="$2"
  [ -f "$merged/report.html" ] || { echo "$merged: no merged result folder" >&2; exit 1; }
  diff <(cd "$merged" && find . -type f | sort) <(cd "$single" && find . -type f | sort)
  local files
  files="$(cd "$single" && find . -type f | sort)"
  for f in $files; do
    cmp -s <(normalise "$merged/$f") <(normalise "$single/$f") \
      || { echo "$merged/$f differs from $single/$f" >&2; exit 1; }
  done
  echo "slurm: $merged equals $single ($(echo "$files" | wc -l) files)"
}
ls run-shards | grep -qx 'shard-0003-of-0004'
same run-merged run-single
same sweep-merged sweep-single
same sobol-merged sobol-single
same ucompare-merged ucompare-single
# Every task's log under its shards' folder, none where the jobs started or were submitted.
for kind in run sweep sobol ucompare; do
  [ "$(find "$kind-shards/logs" -name 'shard-*.txt' | wc -l)" -eq 4 ] \
    || { echo "$kind-shards/logs: not the 4 task logs" >&2; ls -R "$kind-shards" >&2; exit 1; }
  [ "$(find "$kind-shards/logs" -name 'merge-*.txt' | wc -l)" -eq 1 ] \
    || { echo "$kind-shards/logs: no merge log" >&2; exit 1; }
done
if [ -n "$(find . "$dir/elsewhere" -maxdepth 1 -name '*.txt')" ]; then
  echo "task logs outside the shards' folders" >&2
  exit 1
fi

# A lost shard: the merge names it and the command that reruns it; that command, run as given,
# computes exactly that shard (one task of --array=2, --shard auto/4) and merges again.
rm -rf run-shards/shard-0002-of-0004
set +e
message="$("$MICROFOLIO" merge run-shards --out run-merged 2>&1)"
code=$?
set -e
[ "$code" -eq 2 ] || { echo "merge with a shard missing exited $code: $message" >&2; exit 1; }
case "$message" in
  *"1 of 4 shards missing: shard 2/4"*"cluster/submit.sh --indices 2 4 "*) ;;
  *) echo "the merge's message names no rerun: $message" >&2; exit 1 ;;
esac
rerun="$(printf '%s\n' "$message" | sed -n 's/.*on Slurm `\([^`]*\)`.*/\1/p')"
echo "slurm: rerunning as the merge says: $rerun"
read -r rerun_array rerun_merge < <(eval "$repo/$rerun")
wait_for "$rerun_array,$rerun_merge"
[ "$(ls run-shards | grep -c '^shard-')" -eq 4 ] || { ls run-shards >&2; exit 1; }
same run-merged run-single

# A calibration, wave by wave (docs/cluster.md): each wave's shards and their merge are one
# submit.sh, the next wave continuing from the folder the merge wrote; after the last wave the
# kept sets, the history and the calibrated scenario are one process's, byte for byte.
cal=(calibrate scenarios/history.toml --targets scenarios/history_targets.toml --points 64
  --paths-per-point 4 --waves 2)
"$MICROFOLIO" "${cal[@]}" --out cal-single --quiet
continue=()
for wave in 1 2; do
  read -r cal_array cal_merge < <("$repo/cluster/submit.sh" 2 "cal-wave$wave-shards" \
    "cal-wave$wave" "${cal[@]}" "${continue[@]}")
  wait_for "$cal_array,$cal_merge"
  [ -f "cal-wave$wave/calibration.json" ] \
    || { echo "wave $wave did not merge" >&2; ls -R "cal-wave$wave-shards" >&2; exit 1; }
  continue=(--continue "cal-wave$wave")
done
grep -q '"waves_run": 2' cal-wave2/calibration.json \
  || { echo "cal-wave2 does not hold two waves" >&2; exit 1; }
for f in points.csv kept.csv history.csv waves.csv calibration.json calibrated.toml; do
  cmp -s "cal-wave2/$f" "cal-single/$f" \
    || { echo "cal-wave2/$f differs from cal-single/$f" >&2; exit 1; }
done
echo "slurm: a calibration of two waves in 2 shards each equals one process (6 files)"
