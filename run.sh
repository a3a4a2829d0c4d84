#!/usr/bin/env bash
# Parabeam's one entry point: builds the bundled jar when it is missing or stale, then runs a command.
#   ./run.sh                      run the aggregate job on the bundled sample
#   ./run.sh aggregate --help     options of the main job
#   ./run.sh generate --rows=N --output=FILE [--seed=S]
#   ./run.sh bench | baseline | speedup | cluster start|stop|status
# JAVA_OPTS is passed to the JVM (e.g. JAVA_OPTS=-Xmx1g).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAR="$ROOT/pipelines/target/parabeam-pipelines-bundled.jar"

stale() {
  [ ! -f "$JAR" ] && return 0
  local newer
  newer="$(find "$ROOT/pom.xml" "$ROOT/transforms" "$ROOT/pipelines" \
    -path '*/target' -prune -o -type f \( -name '*.java' -o -name 'pom.xml' -o -path '*/src/main/resources/*' \) \
    -newer "$JAR" -print -quit)"
  [ -n "$newer" ]
}

build() {
  if stale; then
    command -v mvn >/dev/null || { echo "error: Maven (mvn) is needed to build $JAR" >&2; exit 2; }
    echo "building $JAR (mvn package) ..." >&2
    if ! (cd "$ROOT" && mvn -B -q -Dstyle.color=never -DskipTests package >"$ROOT/build.log" 2>&1); then
      echo "error: the build failed; see $ROOT/build.log" >&2
      exit 1
    fi
  fi
}

java_run() {
  # shellcheck disable=SC2086
  exec java ${JAVA_OPTS:-} -cp "$JAR" dev.parabeam.pipelines.Main "$@"
}

build
if [ $# -eq 0 ]; then
  out="$ROOT/build/sample-output"
  echo "running: aggregate on testdata/sample/sales.csv, key=region, value=amount" >&2
  java_run aggregate --input="$ROOT/testdata/sample/sales.csv" --keyColumn=region --valueColumn=amount \
    --output="$out" --overwrite=true
fi
java_run "$@"
