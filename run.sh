#!/usr/bin/env bash
# Parabeam's one entry point: builds the bundled jar when it is missing or stale, then runs a command.
#   ./run.sh                      run the aggregate job on the bundled sample
#   ./run.sh aggregate --help     options of the main job
#   ./run.sh generate --rows=N --output=FILE [--seed=S]
#   ./run.sh bench | baseline | speedup | cluster start|stop|status
# JAVA_OPTS is passed to the JVM (e.g. JAVA_OPTS=-Xmx1g). PARABEAM_JAR=FILE runs that jar (a build of
# another checkout, say) instead of building this one's.
# Class-data sharing: the first job run of a jar writes an archive of the classes it loaded
# (pipelines/target/cds/, or PARABEAM_CDS_DIR); later job runs map it instead of loading those
# classes from the jar (other commands, --help among them, start as they did). Opt-in with PARABEAM_CDS=on: JDK 17 can crash (SIGABRT in adjust_lambda_proxy_class_dictionary) while dumping the archive at exit; JAVA_OPTS with its own -Xshare or archive wins.
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
# An archive belongs to one jar (path, size, time) and one java: its name is a checksum of those
# and ends with its own size in bytes, so that a stale archive is never found and a truncated one
# is never handed to the JVM (JDK 17 can crash on a truncated archive). A new archive is written
# under a temporary name, tried once (java -Xshare:on, which refuses an unusable archive), and
# only then renamed into place: two runs at once each write their own and the rename is atomic.
CDS_DIR="${PARABEAM_CDS_DIR:-$ROOT/pipelines/target/cds}"
CDS_FLAGS=()
CDS_NEW=""
CDS_KEY=""
CDS_QUIET=(-Xlog:cds=off -Xlog:cds+dynamic=off)

file_size() { stat -c %s "$1" 2>/dev/null || stat -f %z "$1" 2>/dev/null; }
file_stamp() { stat -c %s.%Y "$1" 2>/dev/null || stat -f %z.%m "$1" 2>/dev/null; }

cds_key() {
  local java_bin stamps
  java_bin="$(command -v java)" || return 1
  java_bin="$(readlink -f "$java_bin" 2>/dev/null || echo "$java_bin")"
  stamps="$(file_stamp "$JAR").$(file_stamp "$java_bin")" || return 1
  printf '%s|%s|%s' "$JAR" "$java_bin" "$stamps" | cksum | cut -d' ' -f1
}

# An archive a run wrote (or one left by a run that was stopped): into place if the JVM takes it.
cds_promote() {
  local tmp="$1" size
  size="$(file_size "$tmp")" || { rm -f "$tmp"; return 0; }
  # shellcheck disable=SC2086
  if [ "$size" -gt 0 ] && java ${JAVA_OPTS:-} ${GC_FLAGS[@]+"${GC_FLAGS[@]}"} -Xshare:on -XX:SharedArchiveFile="$tmp" "${CDS_QUIET[@]}" \
    -cp "$JAR" -version >/dev/null 2>&1; then
    mv -f "$tmp" "$CDS_DIR/$CDS_KEY-$size.jsa" 2>/dev/null || rm -f "$tmp"
  else
    rm -f "$tmp"
  fi
}

# Sets CDS_FLAGS: the archive for this jar if there is a good one; else, if $1 is 1, the flags that
# write one when the JVM exits.
cds_setup() {
  case "${PARABEAM_CDS:-off}" in on | 1 | true | yes) ;; *) return 0 ;; esac
  case " ${JAVA_OPTS:-} " in *Xshare* | *SharedArchiveFile* | *ArchiveClassesAtExit*) return 0 ;; esac
  CDS_KEY="$(cds_key)" || return 0
  [ -n "$CDS_KEY" ] || return 0
  if [ ! -d "$CDS_DIR" ]; then
    { [ "$1" = 1 ] && mkdir -p "$CDS_DIR" 2>/dev/null; } || return 0
  fi
  local f size
  for f in "$CDS_DIR"/*; do
    case "${f##*/}" in
      "$CDS_KEY"-*.jsa)
        size="${f##*-}"
        # not the size it was written with: truncated (which can crash the JVM) or overwritten.
        # An archive of the right size that the JVM cannot use (its header checked) it ignores.
        [ "$(file_size "$f")" = "${size%.jsa}" ] || rm -f "$f"
        ;;
      "$CDS_KEY".tmp.*)
        # written by a run that has ended before it could try and rename it (it was stopped)
        kill -0 "${f##*.tmp.}" 2>/dev/null || cds_promote "$f"
        ;;
      *.jsa | *.tmp.*)
        # an earlier jar's or java's (or a leftover of theirs)
        kill -0 "${f##*.tmp.}" 2>/dev/null || rm -f "$f"
        ;;
    esac
  done
  for f in "$CDS_DIR/$CDS_KEY"-*.jsa; do
    if [ -f "$f" ]; then
      CDS_FLAGS=(-XX:SharedArchiveFile="$f" "${CDS_QUIET[@]}")
      return 0
    fi
  done
  if [ "$1" = 1 ] && [ -w "$CDS_DIR" ]; then
    CDS_NEW="$CDS_DIR/$CDS_KEY.tmp.$$"
    CDS_FLAGS=(-XX:ArchiveClassesAtExit="$CDS_NEW" "${CDS_QUIET[@]}")
  fi
  return 0
}

java_run() {
  if [ -z "$CDS_NEW" ]; then
    # shellcheck disable=SC2086
    exec java ${JAVA_OPTS:-} ${GC_FLAGS[@]+"${GC_FLAGS[@]}"} ${JIT_FLAGS[@]+"${JIT_FLAGS[@]}"} ${CDS_FLAGS[@]+"${CDS_FLAGS[@]}"} -cp "$JAR" dev.parabeam.pipelines.Main "$@"
  fi
  # The run that writes the archive: the JVM writes it as it exits, then it is tried and renamed.
  # Signals to this script go on to the JVM, as they reach it directly when the script execs it.
  local pid rc=0
  # shellcheck disable=SC2086
  java ${JAVA_OPTS:-} ${GC_FLAGS[@]+"${GC_FLAGS[@]}"} ${JIT_FLAGS[@]+"${JIT_FLAGS[@]}"} ${CDS_FLAGS[@]+"${CDS_FLAGS[@]}"} -cp "$JAR" dev.parabeam.pipelines.Main "$@" <&0 &
  pid=$!
  trap 'kill -TERM "$pid" 2>/dev/null' TERM
  trap 'kill -INT "$pid" 2>/dev/null' INT
  trap 'kill -HUP "$pid" 2>/dev/null' HUP
  while :; do
    rc=0
    wait "$pid" || rc=$?
    kill -0 "$pid" 2>/dev/null || break
  done
  trap - TERM INT HUP
  [ -f "$CDS_NEW" ] && cds_promote "$CDS_NEW"
  exit "$rc"
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
fi
java_run "$@"
