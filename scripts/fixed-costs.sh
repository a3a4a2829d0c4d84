#!/usr/bin/env bash
# Whole-process wall times of small runs through run.sh, before and after run.sh's start-up choices
# (class-data-sharing archive, C1 for small inputs), commands alternated in every round; prints the
# median of each and the load average before and after.
#   scripts/fixed-costs.sh [ROUNDS]      (default 5; the jar must be built: ./run.sh --help)
# "before" is the same jar without the archive and with the default compilers.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-5}"
S="$ROOT/testdata/sample/sales.csv"
cd "$ROOT"
./run.sh >/dev/null 2>&1 # writes the archive if this jar has none yet
run() {
  case $1 in
    before) PARABEAM_CDS=off JAVA_OPTS=-XX:TieredStopAtLevel=4 ./run.sh ;;
    after) ./run.sh ;;
    archive-c2) JAVA_OPTS=-XX:TieredStopAtLevel=4 ./run.sh ;;
    baseline) ./run.sh baseline --input="$S" --keyColumn=region --valueColumn=amount ;;
    help) ./run.sh aggregate --help ;;
    misuse-before)
      PARABEAM_CDS=off JAVA_OPTS=-XX:TieredStopAtLevel=4 ./run.sh aggregate --input="$S" \
        --keyColumn=region --valueColumn=amount --output=build/out/never --parallelizm=4
      ;;
    misuse)
      ./run.sh aggregate --input="$S" --keyColumn=region --valueColumn=amount \
        --output=build/out/never --parallelizm=4
      ;;
    unknown) ./run.sh frobnicate ;;
  esac
}
cmds=(before after archive-c2 baseline help misuse-before misuse unknown)
declare -A T
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
for _ in $(seq "$N"); do
  for c in "${cmds[@]}"; do
    t0=$(date +%s%N)
    run "$c" >/dev/null 2>&1 || true
    t1=$(date +%s%N)
    T[$c]+="$(((t1 - t0) / 1000000)) "
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
for c in "${cmds[@]}"; do
  # shellcheck disable=SC2086
  m=$(printf '%s\n' ${T[$c]} | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  printf '%-14s median %6.2f s   (ms: %s)\n' "$c" "$(echo "$m/1000" | bc -l)" "${T[$c]}"
done
