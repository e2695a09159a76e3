#!/usr/bin/env bash
# `make run`: local broker, topics, one worker, the sample pages replayed, outcomes printed as
# they arrive. Runs until Ctrl-C, then stops everything it started (the broker only if it
# was not already running).
set -euo pipefail
cd "$(dirname "$0")/.."

KAFKA=${STORYSIFT_KAFKA_SCRIPT:-deploy/kafka/local-kafka.sh}
BIN=.venv/bin
RUN_DIR=${STORYSIFT_RUN_DIR:-${TMPDIR:-/tmp}/storysift-run}
export STORYSIFT_BROKER_URL=${STORYSIFT_BROKER_URL:-kafka://127.0.0.1:${KAFKA_PORT:-9092}}
export STORYSIFT_DATA_DIR=${STORYSIFT_DATA_DIR:-$RUN_DIR/data}
# Every run replays the same samples: with the default 7-day dedup window a second run would
# show only "REJECTED duplicate". One minute keeps dedup visible within a run, not across runs.
export STORYSIFT_DEDUP_TTL_SECONDS=${STORYSIFT_DEDUP_TTL_SECONDS:-60}
METRICS_PORT=${STORYSIFT_METRICS_PORT:-9108}
mkdir -p "$RUN_DIR"

started_broker=0
pids=()
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "run: stopping" >&2
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ "$started_broker" = 1 ]; then "$KAFKA" stop; fi
}
trap cleanup EXIT INT TERM

if ! "$KAFKA" status >/dev/null 2>&1; then
  "$KAFKA" start
  started_broker=1
fi

"$BIN/storysift" topics
since_ms=$(( $(date +%s) * 1000 ))

"$BIN/storysift" worker >"$RUN_DIR/worker.log" 2>&1 &
pids+=($!)
echo "run: worker log     $RUN_DIR/worker.log" >&2
echo "run: metrics        http://127.0.0.1:$METRICS_PORT/metrics" >&2

"$BIN/storysift" tail --since-ms "$since_ms" &
pids+=($!)

"$BIN/storysift" replay --base-url https://samples.storysift.example/pages samples/*.html samples/*.txt samples/*.jsonl
echo "run: clean articles appear below as the worker publishes them; Ctrl-C to stop" >&2
wait
