#!/usr/bin/env bash
# Side by side on one machine at one time (issue 19's targets): `aggregate` by product over a file
# with millions of distinct keys at -Xmx1g with 4 workers against DuckDB (2 threads,
# memory_limit 1GB), and `groupby` by product,customer (about one key per row) at -Xmx1g with 4
# workers against the whole run of `baseline --job=groupby --threads=4`. Runs are interleaved,
# REPEATS rounds; prints the median of each (the job's pipeline_seconds, the others' wall time) and
# its median peak RSS. The job's results.csv must be the same bytes as the plain-Java baseline's
# (aggregate's baseline runs once, at the end: it needs a default heap and takes minutes). The jobs
# run through run.sh (PARABEAM_JAR=JAR, JAVA_OPTS=-Xmx1g), so with the JVM flags every user gets.
#   scripts/many-keys-figures.sh MANY_KEYS_FILE TUPLES_FILE JAR [REPEATS]   (default 3)
# Make the files with
#   ./run.sh generate --rows=10000000 --products=5000000 --output=MANY_KEYS_FILE
#   ./run.sh generate --rows=1000000 --output=TUPLES_FILE
# and the jar with mvn -DskipTests package (pipelines/target/parabeam-pipelines-bundled.jar).
set -euo pipefail
RUN="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/run.sh"
MANY="$1"
TUPLES="$2"
JAR="$3"
REPEATS="${4:-3}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
AGGS="--aggregations=count,sum(amount),mean(amount),max(amount)"

# name seconds-kind command...: runs it under /usr/bin/time, notes peak RSS (MB) and seconds
measure() {
  local name="$1" kind="$2"
  shift 2
  local t0 t1
  t0="$(date +%s.%N)"
  /usr/bin/time -f '%M' -o "$OUT/$name.rss1" "$@" >"$OUT/$name.log" 2>&1
  t1="$(date +%s.%N)"
  awk '{print int($1 / 1024)}' "$OUT/$name.rss1" >>"$OUT/$name.rss"
  if [ "$kind" = pipeline ]; then
    python3 -c "import re,sys; print(re.search(r'\"pipeline_seconds\": ([0-9.]+)', open(sys.argv[1]).read()).group(1))" \
      "$OUT/$name.log" >>"$OUT/$name.times"
  else
    python3 -c "print(round($t1 - $t0, 3))" >>"$OUT/$name.times"
  fi
}
cat >"$OUT/duck.py" <<'PY'
import sys, duckdb
con = duckdb.connect()
con.execute("SET threads=2")
con.execute("SET memory_limit='1GB'")
con.execute(f"""COPY (SELECT product AS key, count(*), sum(amount), min(amount), max(amount),
  avg(amount) FROM read_csv('{sys.argv[1]}', header=true, types={{'amount': 'DECIMAL(18,2)'}})
  GROUP BY product) TO '{sys.argv[2]}' (HEADER)""")
PY
HAVE_DUCKDB=no
python3 -c "import duckdb" 2>/dev/null && HAVE_DUCKDB=yes

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for r in $(seq 1 "$REPEATS"); do
  echo "round $r/$REPEATS" >&2
  measure agg pipeline env PARABEAM_JAR="$JAR" PARABEAM_CDS=wait JAVA_OPTS=-Xmx1g "$RUN" aggregate \
    --input="$MANY" --keyColumn=product --valueColumn=amount --targetParallelism=4 \
    --output="$OUT/agg" --overwrite=true
  if [ "$HAVE_DUCKDB" = yes ]; then
    measure duckdb wall python3 "$OUT/duck.py" "$MANY" "$OUT/duck.csv"
  fi
  measure groupby pipeline env PARABEAM_JAR="$JAR" PARABEAM_CDS=wait JAVA_OPTS=-Xmx1g "$RUN" groupby \
    --input="$TUPLES" --keyColumns=product,customer "$AGGS" --targetParallelism=4 \
    --output="$OUT/gb" --overwrite=true
  measure baseline-gb wall java -cp "$JAR" dev.parabeam.pipelines.Main baseline --job=groupby \
    --input="$TUPLES" --keyColumns=product,customer "$AGGS" --threads=4 --output="$OUT/gb-base.csv"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
cmp "$OUT/gb-base.csv" "$OUT/gb/results.csv"
measure baseline-agg wall java -cp "$JAR" dev.parabeam.pipelines.Main baseline --input="$MANY" \
  --keyColumn=product --valueColumn=amount --output="$OUT/agg-base.csv"
cmp "$OUT/agg-base.csv" "$OUT/agg/results.csv"

KEYS="$(grep -o '"keys": [0-9]*' "$OUT/agg.log" | head -1 | grep -o '[0-9]*$')"
TUPLE_KEYS="$(grep -o '"keys": [0-9]*' "$OUT/groupby.log" | head -1 | grep -o '[0-9]*$')"
median() { sort -n "$OUT/$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "aggregate: $KEYS keys; groupby: $TUPLE_KEYS keys; medians of $REPEATS (baseline-agg: 1 run);"
echo "results.csv byte-identical to the baseline's"
printf '| %-12s | %9s | %13s | %s |\n' "run" "median s" "peak RSS MB" "each run, s"
for n in agg duckdb groupby baseline-gb baseline-agg; do
  [ -f "$OUT/$n.times" ] || continue
  printf '| %-12s | %9s | %13s | %s |\n' "$n" "$(median "$n.times")" "$(median "$n.rss")" \
    "$(paste -sd' ' "$OUT/$n.times")"
done
