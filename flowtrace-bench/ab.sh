#!/usr/bin/env bash
# Compares two builds of the agent end to end, runs alternated (A, B, A, B, ...) so that a machine whose speed
# drifts during the comparison affects both alike:
#   flowtrace-bench/ab.sh RUNS JAR_A JAR_B CAPTURE [flows options...]
# Each run is `java -jar JAR flows CAPTURE --out FILE [options]`, whole process; JAVA_OPTS go to both JVMs. Prints
# every run's time and how long the end of the capture took (the summary's "delivered in"), then each build's mean.
# Keep a copy of the build to compare against, e.g. cp flowtrace-examples/target/flowtrace.jar /tmp/before.jar.
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 RUNS JAR_A JAR_B CAPTURE [flows options...]" >&2; exit 2; }
runs=$1; a=$2; b=$3; capture=$4; shift 4
for f in "$a" "$b" "$capture"; do
  [ -f "$f" ] || { echo "$f: no such file" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/flowtrace-ab.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat "$capture" > /dev/null   # page-cached, as in the benchmark
for i in $(seq "$runs"); do
  for side in A B; do
    jar=$a
    [ "$side" = B ] && jar=$b
    rm -f "$work/records.ndjson"
    start=$(date +%s%N)
    # shellcheck disable=SC2086
    if ! java ${JAVA_OPTS:-} -jar "$jar" flows "$capture" --out "$work/records.ndjson" "$@" 2> "$work/summary.txt"; then
      echo "$side ($jar) failed:" >&2
      tail -5 "$work/summary.txt" >&2
      exit 1
    fi
    end=$(date +%s%N)
    tail=$(sed -n 's/.*delivered in \([0-9.]*\) s.*/\1/p' "$work/summary.txt")
    echo "$side $(( (end - start) / 1000000 )) ${tail:-?}" | tee -a "$work/times.txt" \
      | awk '{ print "run", $1, $2, "ms, end of capture", $3, "s" }'
  done
done
awk '{ t[$1] += $2; n[$1]++ }
  END { printf "A: mean %.0f ms, B: mean %.0f ms (%d runs each)\n", t["A"] / n["A"], t["B"] / n["B"], n["A"] }' \
  "$work/times.txt"
