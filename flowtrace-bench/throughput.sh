#!/usr/bin/env bash
# End-to-end throughput of the agent on one capture file, whole process (JVM start and exit included), records
# written as NDJSON to a file, default settings:
#   flowtrace-bench/throughput.sh CAPTURE [flowtrace flows options...]
# Prints packets/s and records/s. Build first: mvn -o -q -DskipTests package
# JAVA_OPTS are passed to the JVM (e.g. JAVA_OPTS=-XX:+UseTransparentHugePages).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
jar="$root/flowtrace-examples/target/flowtrace.jar"
[ $# -ge 1 ] || { echo "usage: $0 CAPTURE [flows options...]" >&2; exit 2; }
capture=$1; shift
[ -f "$jar" ] || { echo "$jar not built (mvn -o -q -DskipTests package)" >&2; exit 1; }
[ -f "$capture" ] || { echo "$capture: no such file" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/flowtrace-throughput.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat "$capture" > /dev/null   # page-cached, as in the benchmark
start=$(date +%s%N)
# shellcheck disable=SC2086
java ${JAVA_OPTS:-} -jar "$jar" flows "$capture" --out "$work/records.ndjson" "$@" 2> "$work/summary.txt"
end=$(date +%s%N)
packets=$(sed -n 's/^flowtrace: \([0-9,]*\) packets.*/\1/p' "$work/summary.txt" | tr -d ,)
records=$(wc -l < "$work/records.ndjson")
awk -v ns=$((end - start)) -v p="$packets" -v r="$records" 'BEGIN {
  s = ns / 1e9
  printf "whole process: %.3f s, %d packets, %d records: %.2f M packets/s, %.2f M records/s\n", s, p, r, p / s / 1e6, r / s / 1e6
}'
