#!/usr/bin/env bash
# A real Slurm cluster on this machine (docs/cluster.md, "Testing on a real cluster"): install
# Slurm and MUNGE from Debian if they are missing, start a one-node cluster in a private
# folder, submit the shipped job-array scripts (cluster/submit.sh: 4 shards and a dependent
# merge) for a small baseline run, a small sweep and a small Sobol' study of the shipped
# uncertainty scenario (its shards cut the design's points), wait for them, and check the merged
# folders against single-process runs byte for byte, except the fields of how the work went.
# Stops the daemons it started, by their PIDs, however it ends. Needs root (the daemons run as
# root). `.ci/run` runs it after the tests; MICROFOLIO is the binary to test.
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
    echo "slurm test failed; logs in $dir/log" >&2
    tail -n 20 "$dir"/log/* "$dir"/work/*.txt 2>/dev/null >&2 || true
  fi
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

cd "$dir/work"
base="$repo/scenarios/baseline.toml"
run=(run "$base" --paths 200 --seed 11)
sweep=(sweep "$base" --param followup.referral_share=0.3,0.7 --paths 30)
sobol=(sobol "$repo/scenarios/uncertainty.toml" --samples 4 --paths-per-point 2 --bootstrap 50)
export SBATCH_OPTIONS="--chdir=$dir/work"
read -r run_array run_merge < <("$repo/cluster/submit.sh" 4 "$dir/work/run-shards" "$dir/work/run-merged" "${run[@]}")
read -r sweep_array sweep_merge < <("$repo/cluster/submit.sh" 4 "$dir/work/sweep-shards" "$dir/work/sweep-merged" "${sweep[@]}")
read -r sobol_array sobol_merge < <("$repo/cluster/submit.sh" 4 "$dir/work/sobol-shards" "$dir/work/sobol-merged" "${sobol[@]}")
echo "slurm: run array $run_array + merge $run_merge, sweep array $sweep_array + merge $sweep_merge, sobol array $sobol_array + merge $sobol_merge"

# Meanwhile, the same work in one process.
"$MICROFOLIO" "${run[@]}" --out run-single --quiet
"$MICROFOLIO" "${sweep[@]}" --out sweep-single --quiet
"$MICROFOLIO" "${sobol[@]}" --out sobol-single --quiet

waited=0
while [ -n "$(squeue -h -j "$run_array,$run_merge,$sweep_array,$sweep_merge,$sobol_array,$sobol_merge" 2>/dev/null)" ]; do
  if [ "$waited" -ge "$timeout_s" ]; then
    echo "the jobs did not finish within $timeout_s s:" >&2
    squeue >&2
    exit 1
  fi
  sleep 1
  waited=$((waited + 1))
done
echo "slurm: all jobs done after ${waited} s"

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
