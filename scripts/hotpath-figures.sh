#!/usr/bin/env bash
# Side by side on one machine at one time (issue 20): aggregate (key product, value amount) at 1 and
# 4 workers and groupby (region,product; count,sum,mean,p90 of amount) at 4 workers, each with the
# jar BEFORE and the jar AFTER, plain Java (./run.sh baseline, commons-csv, 2 threads) and DuckDB
# (Python package, 2 threads) when it imports. Runs are interleaved, REPEATS rounds; prints the
# median and best pipeline_seconds (the job) or wall seconds (baseline, DuckDB) of each, MB/s, and the
# median CPU seconds (user + system) of the whole process, which a loaded machine distorts far less
# than wall time; DuckDB's query time inside its process too, and the ratios of the jobs to both.
# Every job's results.csv must be the same bytes as the BEFORE jar's, or the script fails. The
# jobs run through run.sh (PARABEAM_JAR=the jar), so with the JVM flags and the class-data-sharing
# archive every user gets (each jar's archive is made before the rounds).
#   scripts/hotpath-figures.sh FILE BEFORE_JAR AFTER_JAR [REPEATS]   (default 3)
# Make the file with ./run.sh generate --rows=10000000 --output=FILE; a jar with
# mvn -DskipTests package (pipelines/target/parabeam-pipelines-bundled.jar, copied aside).
set -euo pipefail
RUN="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/run.sh"
FILE="$1"
BEFORE="$2"
AFTER="$3"
REPEATS="${4:-3}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
MB="$(python3 -c "import os,sys; print(round(os.path.getsize(sys.argv[1])/1e6))" "$FILE")"
GROUPBY=(--keyColumns=region,product "--aggregations=count,sum(amount),mean(amount),p90(amount)")

job() { # name jar command workers args...
  local name="$1" jar="$2" cmd="$3" p="$4"
  shift 4
  PARABEAM_JAR="$jar" PARABEAM_CDS=wait /usr/bin/time -f '%U %S' -o "$OUT/$name.cpu1" "$RUN" "$cmd" \
    --input="$FILE" --targetParallelism="$p" --output="$OUT/$name" --overwrite=true "$@" \
    >"$OUT/$name.log" 2>&1
  awk '{print $1 + $2}' "$OUT/$name.cpu1" >>"$OUT/$name.cpu"
  python3 -c "import re,sys; print(re.search(r'\"pipeline_seconds\": ([0-9.]+)', open(sys.argv[1]).read()).group(1))" \
    "$OUT/$name.log" >>"$OUT/$name.times"
}
wall() { # name command...
  local name="$1"
  shift
  local t0 t1
  t0="$(date +%s.%N)"
  /usr/bin/time -f '%U %S' -o "$OUT/$name.cpu1" "$@" >"$OUT/$name.log" 2>&1
  t1="$(date +%s.%N)"
  awk '{print $1 + $2}' "$OUT/$name.cpu1" >>"$OUT/$name.cpu"
  python3 -c "print(round($t1 - $t0, 3))" >>"$OUT/$name.times"
}
cat >"$OUT/duck.py" <<'PY'
import sys, time, duckdb
f, what, query_times = sys.argv[1], sys.argv[2], sys.argv[3]
con = duckdb.connect()
con.execute("SET threads=2")
src = f"read_csv('{f}', header=true, types={{'amount': 'DECIMAL(18,2)'}})"
if what == "aggregate":
    q = f"SELECT product, count(*), sum(amount), min(amount), max(amount), avg(amount) FROM {src} GROUP BY product"
else:
    q = f"SELECT region, product, count(*), sum(amount), avg(amount), quantile_disc(amount, 0.9) FROM {src} GROUP BY region, product"
t0 = time.perf_counter()
con.execute(q).fetchall()
with open(query_times, "a") as out:  # the query alone: no interpreter start, no import
    out.write(f"{time.perf_counter() - t0:.3f}\n")
PY
HAVE_DUCKDB=no
python3 -c "import duckdb" 2>/dev/null && HAVE_DUCKDB=yes

# each jar's class-data-sharing archive (run.sh makes one per jar), before anything is timed
for jar in "$BEFORE" "$AFTER"; do
  head -c 100000 "$FILE" | sed '$d' >"$OUT/warm.csv"
  PARABEAM_JAR="$jar" PARABEAM_CDS=wait "$RUN" aggregate --input="$OUT/warm.csv" --keyColumn=product \
    --valueColumn=amount --output="$OUT/warm" --overwrite=true >/dev/null 2>&1
done
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for r in $(seq 1 "$REPEATS"); do
  echo "round $r/$REPEATS" >&2
  for v in before after; do
    jar="$BEFORE"
    [ "$v" = after ] && jar="$AFTER"
    job "agg-p1-$v" "$jar" aggregate 1 --keyColumn=product --valueColumn=amount
    job "agg-p4-$v" "$jar" aggregate 4 --keyColumn=product --valueColumn=amount
    job "gb-p4-$v" "$jar" groupby 4 "${GROUPBY[@]}"
  done
  wall baseline-agg java -cp "$AFTER" dev.parabeam.pipelines.Main baseline --input="$FILE" \
    --keyColumn=product --valueColumn=amount --threads=2
  wall baseline-gb java -cp "$AFTER" dev.parabeam.pipelines.Main baseline --job=groupby \
    --input="$FILE" "${GROUPBY[@]}" --threads=2
  if [ "$HAVE_DUCKDB" = yes ]; then
    wall duckdb-agg python3 "$OUT/duck.py" "$FILE" aggregate "$OUT/duckdb-agg-query.times"
    wall duckdb-gb python3 "$OUT/duck.py" "$FILE" groupby "$OUT/duckdb-gb-query.times"
  fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for j in agg-p1 agg-p4 gb-p4; do
  cmp "$OUT/$j-before/results.csv" "$OUT/$j-after/results.csv"
done
cmp "$OUT/agg-p1-after/results.csv" "$OUT/agg-p4-after/results.csv"

ROWS="$(grep -o '"records_read": [0-9]*' "$OUT/agg-p1-after.log" | grep -o '[0-9]*$')"
median() { sort -n "$OUT/$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
best() { sort -n "$OUT/$1" | head -1; }
echo "rows $ROWS, $MB MB, medians of $REPEATS; results.csv byte-identical before/after and p1/p4"
printf '| %-16s | %8s | %8s | %8s | %12s |\n' "run" "median s" "best s" "MB/s" "CPU s median"
for n in agg-p1-before agg-p1-after agg-p4-before agg-p4-after gb-p4-before gb-p4-after \
  baseline-agg baseline-gb duckdb-agg duckdb-gb duckdb-agg-query duckdb-gb-query; do
  [ -f "$OUT/$n.times" ] || continue
  m="$(median "$n.times")"
  cpu="-"
  [ -f "$OUT/$n.cpu" ] && cpu="$(median "$n.cpu")"
  printf '| %-16s | %8s | %8s | %8s | %12s |\n' "$n" "$m" "$(best "$n.times")" \
    "$(python3 -c "print(round($MB / $m))")" "$cpu"
done
# the ratios the issue asks for, from the medians of this run: against DuckDB as a process
# (python3, import, query) and against its query alone (as pipeline_seconds leaves out the JVM's
# start)
ratio() { python3 -c "print(f'{$(median "$1.times") / $(median "$2.times"):.2f}x')"; }
if [ -f "$OUT/duckdb-agg.times" ]; then
  echo "aggregate p4 / DuckDB: $(ratio agg-p4-after duckdb-agg) of the process, $(ratio agg-p4-after duckdb-agg-query) of the query"
  echo "groupby p4 / DuckDB: $(ratio gb-p4-after duckdb-gb) of the process, $(ratio gb-p4-after duckdb-gb-query) of the query"
fi
