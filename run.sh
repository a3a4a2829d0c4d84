#!/usr/bin/env bash
# Parabeam's one entry point: builds the bundled jar when it is missing or stale, then runs a command.
#   ./run.sh                      run the aggregate job on the bundled sample
#   ./run.sh aggregate --help     options of the main job
#   ./run.sh generate --rows=N --output=FILE [--seed=S]
#   ./run.sh bench | baseline | speedup | cluster start|stop|status
# JAVA_OPTS is passed to the JVM (e.g. JAVA_OPTS=-Xmx1g). PARABEAM_JAR=FILE runs that jar (a build of
# another checkout, say) instead of building this one's.
# Class-data sharing (see below): after the first job run of a jar, later runs map an archive of its
# classes instead of loading them from the jar; PARABEAM_CDS=off turns it off.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAR="${PARABEAM_JAR:-$ROOT/pipelines/target/parabeam-pipelines-bundled.jar}"

stale() {
  [ ! -f "$JAR" ] && return 0
  local newer
  newer="$(find "$ROOT/pom.xml" "$ROOT/transforms" "$ROOT/pipelines" \
    -path '*/target' -prune -o -type f \( -name '*.java' -o -name 'pom.xml' -o -path '*/src/main/resources/*' \) \
    -newer "$JAR" -print -quit)"
  [ -n "$newer" ]
}

build() {
  if [ -n "${PARABEAM_JAR:-}" ]; then
    [ -f "$JAR" ] || { echo "error: PARABEAM_JAR=$JAR is not a file" >&2; exit 2; }
    return 0
  fi
  if stale; then
    command -v mvn >/dev/null || { echo "error: Maven (mvn) is needed to build $JAR" >&2; exit 2; }
    echo "building $JAR (mvn package) ..." >&2
    if ! (cd "$ROOT" && mvn -B -q -Dstyle.color=never -DskipTests package >"$ROOT/build.log" 2>&1); then
      echo "error: the build failed; see $ROOT/build.log" >&2
      exit 1
    fi
  fi
}

# --- class-data sharing -------------------------------------------------------------------------
# A small job's JVM spends most of its start loading and verifying some 6,000 classes from the jar
# (the JDK's, Beam's SDK and DirectRunner, picocli). A class-data-sharing archive of them (AppCDS,
# a static archive: java -Xshare:dump) lets the JVM map them ready-made instead (docs/performance.md,
# "Fixed costs"). An archive belongs to one jar (path, size, time) and one java: its name is a
# checksum of those and ends with its own size in bytes, so that a stale archive is never found and
# a truncated one is never handed to the JVM (JDK 17 can crash on a truncated archive).
# It is made once per jar, never by a job's own JVM (JDK 17 can crash dumping an archive at the
# exit of a run): the first job run that finds none starts a training at the lowest priority,
# detached, beside itself: generate, aggregate and groupby on 2,000 generated rows, each JVM
# listing the classes it loaded, then one java -Xshare:dump of those classes, tried once
# (-Xshare:on, which refuses an unusable archive) and renamed into place. One training per jar at a
# time (a directory KEY.training is the lock); one that fails leaves its log as KEY.failed and is
# not tried again for that jar. Every command (--help too) maps the archive once it is there.
# PARABEAM_CDS=off: no archive; PARABEAM_CDS=wait: a job run that finds none trains first, in the
# foreground (for benchmarks, whose first run must not share the cores); PARABEAM_CDS_DIR: where
# (default pipelines/target/cds/). JAVA_OPTS with its own -Xshare or archive win.
CDS_DIR="${PARABEAM_CDS_DIR:-$ROOT/pipelines/target/cds}"
CDS_FLAGS=()
CDS_KEY=""
CDS_QUIET=(-Xlog:cds=off -Xlog:cds+dynamic=off)

file_size() { stat -c %s "$1" 2>/dev/null || stat -f %z "$1" 2>/dev/null; }
file_stamp() { stat -c %s.%Y "$1" 2>/dev/null || stat -f %z.%m "$1" 2>/dev/null; }

cds_key() {
  local java_bin stamps
  java_bin="$(command -v java)" || return 1
  java_bin="$(readlink -f "$java_bin" 2>/dev/null || echo "$java_bin")"
  stamps="$(file_stamp "$JAR").$(file_stamp "$java_bin")" || return 1
  # the jar's path, then all of it: archives of other jars (PARABEAM_JAR) stay beside this one's
  printf '%s-%s' "$(printf '%s' "$JAR" | cksum | cut -d' ' -f1)" \
    "$(printf '%s|%s|%s' "$JAR" "$java_bin" "$stamps" | cksum | cut -d' ' -f1)"
}

# The training (in the directory $1, which it owns): writes $CDS_DIR/$CDS_KEY-SIZE.jsa, or
# $CDS_DIR/$CDS_KEY.failed with what went wrong; removes $1 either way.
cds_train() {
  local dir="$1" size="" rc=0 j
  local jvm=(java -XX:+UseParallelGC -XX:TieredStopAtLevel=1 -Xshare:off)
  {
    "${jvm[@]}" -cp "$JAR" dev.parabeam.pipelines.Main generate --rows=2000 --output="$dir/train.csv" &&
      "${jvm[@]}" -XX:DumpLoadedClassList="$dir/aggregate.lst" -cp "$JAR" dev.parabeam.pipelines.Main \
        aggregate --input="$dir/train.csv" --keyColumn=product --valueColumn=amount --output="$dir/aggregate" &&
      "${jvm[@]}" -XX:DumpLoadedClassList="$dir/groupby.lst" -cp "$JAR" dev.parabeam.pipelines.Main \
        groupby --input="$dir/train.csv" --keyColumns=region,product \
        "--aggregations=count,sum(amount),mean(amount),p90(amount),countDistinct(customer)" \
        --output="$dir/groupby" &&
      awk '!seen[$0]++' "$dir/aggregate.lst" "$dir/groupby.lst" >"$dir/classes.lst" &&
      java -XX:+UseParallelGC -Xshare:dump -XX:SharedClassListFile="$dir/classes.lst" \
        -XX:SharedArchiveFile="$dir/archive.jsa" -cp "$JAR" &&
      java -XX:+UseParallelGC -Xshare:on -XX:SharedArchiveFile="$dir/archive.jsa" "${CDS_QUIET[@]}" \
        -cp "$JAR" -version
  } >"$dir/log" 2>&1 || rc=$?
  size="$(file_size "$dir/archive.jsa")" || size=""
  if [ "$rc" = 0 ] && [ -n "$size" ] && [ "$size" -gt 0 ]; then
    mv -f "$dir/archive.jsa" "$CDS_DIR/$CDS_KEY-$size.jsa"
  else
    { echo "exit $rc"; cat "$dir/log"; } >"$CDS_DIR/$CDS_KEY.failed" 2>/dev/null
  fi
  rm -rf "$dir"
}

# Whether the training directory $1 belongs to a training that is still alive.
cds_training_alive() {
  local pid
  pid="$(cat "$1/pid" 2>/dev/null)" || pid=""
  if [ -n "$pid" ]; then
    kill -0 "$pid" 2>/dev/null
  else
    # its starter was stopped between making it and naming the trainer: alive for a minute at most
    [ -n "$(find "$1" -maxdepth 0 -mmin -1 2>/dev/null)" ]
  fi
}

# Sets CDS_FLAGS to this jar's archive if there is a complete one. Else, if $1 is 1 (a job run),
# starts the training (PARABEAM_CDS=wait: runs it, then takes its archive).
cds_setup() {
  local mode
  case "${PARABEAM_CDS:-auto}" in off | 0 | false | no) return 0 ;; wait) mode=wait ;; *) mode=auto ;; esac
  case " ${JAVA_OPTS:-} " in *Xshare* | *SharedArchiveFile* | *ArchiveClassesAtExit*) return 0 ;; esac
  CDS_KEY="$(cds_key)" || return 0
  [ -n "$CDS_KEY" ] || return 0
  [ -d "$CDS_DIR" ] || [ "$1" = 1 ] || return 0
  mkdir -p "$CDS_DIR" 2>/dev/null || return 0
  local f size
  for f in "$CDS_DIR"/*; do
    case "${f##*/}" in
      "$CDS_KEY"-*.jsa)
        size="${f##*-}"
        # not the size it was written with: truncated (which can crash the JVM) or overwritten.
        # An archive of the right size that the JVM cannot use (its header checked) it ignores.
        if [ "$(file_size "$f")" = "${size%.jsa}" ]; then
          CDS_FLAGS=(-XX:SharedArchiveFile="$f" "${CDS_QUIET[@]}")
        else
          rm -f "$f"
        fi
        ;;
      "$CDS_KEY".failed | "$CDS_KEY".training) ;;
      # the same jar's earlier builds' (or another java's)
      "${CDS_KEY%%-*}"-*.training) cds_training_alive "$f" || rm -rf "$f" ;;
      "${CDS_KEY%%-*}"-*.jsa | "${CDS_KEY%%-*}"-*.failed) rm -f "$f" ;;
    esac
  done
  [ ${#CDS_FLAGS[@]} -eq 0 ] && [ "$1" = 1 ] && [ ! -e "$CDS_DIR/$CDS_KEY.failed" ] || return 0
  local dir="$CDS_DIR/$CDS_KEY.training"
  if [ -d "$dir" ] && ! cds_training_alive "$dir"; then
    rm -rf "$dir"
  fi
  mkdir "$dir" 2>/dev/null || return 0 # another run trains it
  if [ "$mode" = wait ]; then
    echo "$$" >"$dir/pid"
    echo "preparing the class archive of $JAR (once per build) ..." >&2
    cds_train "$dir"
    for f in "$CDS_DIR/$CDS_KEY"-*.jsa; do
      [ -f "$f" ] && CDS_FLAGS=(-XX:SharedArchiveFile="$f" "${CDS_QUIET[@]}")
    done
    return 0
  fi
  if command -v setsid >/dev/null; then
    (trap '' INT HUP; exec setsid nice -n 19 bash "$0" --parabeam-cds-train "$dir" "$CDS_KEY") </dev/null >/dev/null 2>&1 &
  else
    (trap '' INT HUP; exec nice -n 19 bash "$0" --parabeam-cds-train "$dir" "$CDS_KEY") </dev/null >/dev/null 2>&1 &
  fi
  echo "$!" >"$dir/pid"
  return 0
}

java_run() {
  # whether stderr is a terminal, which the JVM cannot tell (--progress=auto draws only there)
  if [ -t 2 ]; then export PARABEAM_STDERR_TTY=1; else export PARABEAM_STDERR_TTY=0; fi
  # shellcheck disable=SC2086
  exec java ${JAVA_OPTS:-} ${GC_FLAGS[@]+"${GC_FLAGS[@]}"} ${JIT_FLAGS[@]+"${JIT_FLAGS[@]}"} ${CDS_FLAGS[@]+"${CDS_FLAGS[@]}"} -cp "$JAR" dev.parabeam.pipelines.Main "$@"
}

# The JIT: on 2 cores C2 (the JVM's optimizing compiler) spends seconds of CPU compiling start-up
# code (the JDK's class spinning for lambdas and proxies, Beam's options and the DirectRunner's
# bookkeeping) that then hardly runs, while the job's threads wait for the cores; C1 alone
# (-XX:TieredStopAtLevel=1) compiles in a fraction of that, and its code is slower only by what a
# long run makes up (docs/performance.md, "C1 or C2": the crossing is near 1.6 GB at 4 workers).
# So a job whose input (a file, a directory's files or a glob's) is at most C1_MAX_INPUT_BYTES (or
# PARABEAM_C1_MAX_INPUT_BYTES) gets C1 alone; on one worker (--targetParallelism, --parallelism or
# --workers =1), which leaves C2 a core of its own, only an input of at most C1_ONE_WORKER_BYTES
# does. A bigger input, one run.sh cannot size (a remote path), or JAVA_OPTS that choose the
# compilers (Tiered*, -Xint, -Xcomp) keep the JVM's default.
JIT_FLAGS=()
C1_MAX_INPUT_BYTES="${PARABEAM_C1_MAX_INPUT_BYTES:-$((1024 * 1024 * 1024))}"
C1_ONE_WORKER_BYTES=1048576
# The input's size in bytes: a file's own; a directory's or a glob's files' as du counts them, in
# one process however many files there are (near enough for choosing a compiler).
input_bytes() {
  local kb
  if [ -f "$1" ]; then
    file_size "$1"
    return
  fi
  if [ -d "$1" ]; then
    kb="$(du -sk "$1" 2>/dev/null | tail -n 1 | cut -f1)"
  else
    # a glob as given (run.sh never expands it for the job: the job matches it itself)
    # shellcheck disable=SC2086
    kb="$(du -ck $1 2>/dev/null | tail -n 1 | cut -f1)"
  fi
  case "$kb" in "" | *[!0-9]*) return 1 ;; esac
  echo $((kb * 1024))
}
jit_setup() {
  case " ${JAVA_OPTS:-} " in *Tiered* | *-Xint* | *-Xcomp*) return 0 ;; esac
  local a input="" size limit="$C1_MAX_INPUT_BYTES"
  for a in "$@"; do
    case "$a" in
      --input=*) input="${a#--input=}" ;;
      --targetParallelism=1 | --parallelism=1 | --workers=1)
        [ "$limit" -lt "$C1_ONE_WORKER_BYTES" ] || limit="$C1_ONE_WORKER_BYTES"
        ;;
    esac
  done
  case "$input" in "" | *://*) return 0 ;; esac
  size="$(input_bytes "$input")" || return 0
  if [ "$size" -le "$limit" ]; then
    JIT_FLAGS=(-XX:TieredStopAtLevel=1)
  fi
  return 0
}

# A job runs with the throughput collector (ParallelGC) rather than the JVM's default (G1): a batch
# job wants the most records per CPU second, not short pauses, and its per-key maps are many
# objects that live until a spill and then die together, which G1's concurrent marking and write
# barriers make dear (docs/performance.md: the many-keys aggregate at -Xmx1g 26 s with G1, 20 s
# with ParallelGC, medians of 3; never slower on the other jobs measured). JAVA_OPTS that choose a
# collector (-XX:+Use...GC) win.
GC_FLAGS=()
gc_setup() {
  case " ${JAVA_OPTS:-} " in *-XX:+Use*GC*) return 0 ;; esac
  GC_FLAGS=(-XX:+UseParallelGC)
}

is_job() {
  case "${1:-}" in aggregate | groupby | analyze | flow-demo | dependency-graph) ;; *) return 1 ;; esac
  local a
  for a in "$@"; do
    case "$a" in --help | --help=*) return 1 ;; esac
  done
  return 0
}

if [ "${1:-}" = --parabeam-cds-train ]; then
  # the detached training that cds_setup started (not a command for users)
  CDS_KEY="$3"
  cds_train "$2"
  exit 0
fi
build
if [ $# -eq 0 ]; then
  out="$ROOT/build/sample-output"
  echo "running: aggregate on testdata/sample/sales.csv, key=region, value=amount" >&2
  gc_setup
  cds_setup 1
  jit_setup --input="$ROOT/testdata/sample/sales.csv"
  java_run aggregate --input="$ROOT/testdata/sample/sales.csv" --keyColumn=region --valueColumn=amount \
    --output="$out" --overwrite=true
fi
if is_job "$@"; then
  gc_setup
  cds_setup 1
  jit_setup "$@"
else
  cds_setup 0
fi
java_run "$@"
