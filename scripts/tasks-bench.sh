#!/usr/bin/env bash
# The tasks benchmark: testdata/tasks/bench.csv (200 sleep tasks of 20-200 ms, 3 priorities) with
# 1 and 4 workers on the DirectRunner and embedded Flink, each a fresh JVM through run.sh.
# Prints a markdown table: wall time, the pipeline's time, and the mean wait of priority 1 and 3
# tasks, from the job's start and from the first task's start (the pool without the start-up).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/build/out/tasks-bench}"
mkdir -p "$OUT"
field() { sed -n "s/^  \"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" "$2"; }
echo "| runner | workers | wall s | pipeline s | mean wait p1 ms | mean wait p3 ms | p1 after first start | p3 after first start |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for runner in DirectRunner FlinkRunner; do
  for w in 1 4; do
    d="$OUT/$runner-$w"
    "$ROOT/run.sh" tasks --input="$ROOT/testdata/tasks/bench.csv" --output="$d" --overwrite=true \
      --runner="$runner" --workers="$w" >/dev/null
    s="$d/summary.json"
    first=$(field first_start_ms "$s")
    p1=$(field wait_ms_mean_p1 "$s")
    p3=$(field wait_ms_mean_p3 "$s")
    echo "| $runner | $w | $(field wall_seconds "$s") | $(field pipeline_seconds "$s") | $p1 | $p3 |" \
      "$(awk "BEGIN{printf \"%.1f\", $p1-$first}") | $(awk "BEGIN{printf \"%.1f\", $p3-$first}") |"
  done
done
