#!/usr/bin/env bash
# Wall time of the aggregate job, side by side: DirectRunner p4, embedded Flink p1/p4, local Flink
# cluster p1/p4 (submission included), for --work=none and --work=cpu --workMicros=20.
# Every run is a fresh JVM timed from outside; every results.csv is compared with the DirectRunner's.
#   scripts/flink-figures.sh [ROWS]      (default 1000000; starts the local cluster if it is down
#                                         and stops it again at the end)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROWS="${1:-1000000}"
JAR="$ROOT/pipelines/target/parabeam-pipelines-bundled.jar"
W="$ROOT/build/flink-figures"
[ -f "$JAR" ] || { echo "error: build first: mvn -B -q package -DskipTests" >&2; exit 2; }
pb() { java ${JAVA_OPTS:-} -cp "$JAR" dev.parabeam.pipelines.Main "$@"; }

mkdir -p "$W"
[ -f "$W/in-$ROWS.csv" ] || pb generate --rows="$ROWS" --output="$W/in-$ROWS.csv" >&2
started_here=0
if ! pb cluster status >/dev/null; then pb cluster start >&2; started_here=1; fi
trap '[ "$started_here" = 1 ] && pb cluster stop >&2' EXIT

configs=("DirectRunner p4|--runner=DirectRunner --targetParallelism=4"
         "embedded Flink p1|--runner=FlinkRunner --parallelism=1"
         "embedded Flink p4|--runner=FlinkRunner --parallelism=4"
         "cluster p1|--runner=FlinkRunner --flinkMaster=127.0.0.1:8081 --parallelism=1"
         "cluster p4|--runner=FlinkRunner --flinkMaster=127.0.0.1:8081 --parallelism=4")
works=("none|--work=none" "cpu 20us|--work=cpu --workMicros=20")

printf '%-20s' "rows=$ROWS, $(nproc) cores"; for w in "${works[@]}"; do printf '%16s' "work=${w%%|*}"; done; echo
for c in "${configs[@]}"; do
  printf '%-20s' "${c%%|*}"
  for w in "${works[@]}"; do
    out="$W/out"; rm -rf "$out"
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    if pb aggregate --input="$W/in-$ROWS.csv" --keyColumn=region --valueColumn=amount --output="$out" \
        ${c#*|} ${w#*|} >"$W/last.out" 2>"$W/last.err"; then
      t=$(echo "$(date +%s.%N) - $t0" | bc)
      ref="$W/ref-$ROWS.csv"; [ -f "$ref" ] || cp "$out/results.csv" "$ref"
      same=""; cmp -s "$ref" "$out/results.csv" || same=" DIFF"
      printf '%14.1f s%s' "$t" "$same"
    else
      printf '%16s' "failed"; sed -n 1p "$W/last.err" >&2
    fi
  done
  echo
done
