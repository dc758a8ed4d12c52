#!/bin/bash
# Wait for a Kubernetes Job to end and say how (docs/cluster.md, "Kubernetes"): exit 0 once it
# is Complete, 1 as soon as it has Failed (`kubectl wait --for=condition=complete` would sit out
# its whole timeout on a failed job), 1 after TIMEOUT_SECONDS (default a day).
#
#   cluster/k8s/wait.sh job/microfolio-shards [TIMEOUT_SECONDS]
#
# WAIT_INTERVAL sets the seconds between looks (default 10).
set -euo pipefail
job="$1" timeout="${2:-86400}" interval="${WAIT_INTERVAL:-10}" waited=0
while :; do
  conditions="$(kubectl get "$job" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')"
  case " $conditions " in
    *" Complete "*)
      echo "$job: complete"
      exit 0
      ;;
    *" Failed "*)
      echo "$job: failed; its pods' logs: kubectl logs $job (or per pod, kubectl get pods)" >&2
      exit 1
      ;;
  esac
  if [ "$waited" -ge "$timeout" ]; then
    echo "$job: not finished after $timeout s" >&2
    exit 1
  fi
  sleep "$interval"
  waited=$((waited + interval))
done
