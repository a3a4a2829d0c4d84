#!/usr/bin/env bash
# Wall time of the aggregate job (DirectRunner, fresh JVM per run, timed from outside) on compressed
# input: 8 gzip parts at 1 and 4 workers, and one big .gz against the same file uncompressed.
# Every results.csv is compared with the one from the plain input.
#   scripts/compressed-figures.sh [ROWS_PER_PART] [BIG_ROWS] [REPEATS]   (default 1250000 10000000 3)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PART_ROWS="${1:-1250000}"
BIG_ROWS="${2:-10000000}"
REPEATS="${3:-3}"
JAR="$ROOT/pipelines/target/parabeam-pipelines-bundled.jar"
W="$ROOT/build/compressed-figures"
[ -f "$JAR" ] || { echo "error: build first: mvn -B -q package -DskipTests" >&2; exit 2; }
pb() { java ${JAVA_OPTS:--Xmx1g} -cp "$JAR" dev.parabeam.pipelines.Main "$@"; }

mkdir -p "$W/parts-$PART_ROWS"
for i in 1 2 3 4 5 6 7 8; do
  f="$W/parts-$PART_ROWS/part-0000$i.csv"
  [ -f "$f.gz" ] || { pb generate --rows="$PART_ROWS" --seed="$i" --output="$f" >&2; gzip -f "$f"; }
done
big="$W/big-$BIG_ROWS.csv"
[ -f "$big" ] || pb generate --rows="$BIG_ROWS" --output="$big" >&2
[ -f "$big.gz" ] || gzip -k -f "$big"

# time INPUT EXTRA...: median wall seconds of REPEATS runs; results.csv kept in $W/last
time_job() {
  local input="$1"; shift
  local ts=()
  for _ in $(seq "$REPEATS"); do
    rm -rf "$W/last"
    local t0; t0=$(date +%s.%N)
    pb aggregate --input="$input" --keyColumn=product --valueColumn=amount --output="$W/last" "$@" \
      >"$W/last.out" 2>"$W/last.err" || { cat "$W/last.err" >&2; exit 1; }
    ts+=("$(echo "$(date +%s.%N) - $t0" | bc)")
  done
  printf '%s\n' "${ts[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'
}
same() { cmp -s "$1" "$W/last/results.csv" && echo "same" || echo "DIFF"; }

echo "| input | workers | wall (median of $REPEATS) | results.csv |"
echo "|---|---:|---:|---|"
p1=$(time_job "$W/parts-$PART_ROWS/*.csv.gz" --targetParallelism=1); cp "$W/last/results.csv" "$W/parts-ref.csv"
echo "| 8 gzip parts x $PART_ROWS rows | 1 | $p1 s | reference |"
p4=$(time_job "$W/parts-$PART_ROWS/*.csv.gz" --targetParallelism=4)
echo "| 8 gzip parts x $PART_ROWS rows | 4 | $p4 s | $(same "$W/parts-ref.csv") as 1 worker |"
plain=$(time_job "$big" --targetParallelism=4); cp "$W/last/results.csv" "$W/big-ref.csv"
echo "| $BIG_ROWS rows, plain ($(du -h "$big" | cut -f1)) | 4 | $plain s | reference |"
gz=$(time_job "$big.gz" --targetParallelism=4)
echo "| $BIG_ROWS rows, one .gz ($(du -h "$big.gz" | cut -f1)) | 4 | $gz s | $(same "$W/big-ref.csv") as plain |"
