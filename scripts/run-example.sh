#!/usr/bin/env bash
# Builds flowtrace and runs the agent on the capture that ships with the project: one JSON flow event per line
# on stdout, then the summary and the top talkers on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# the build's output is shown only if it fails
mvn -B -q -DskipTests package > "$log" 2>&1 || { cat "$log" >&2; exit 1; }
java -jar flowtrace-examples/target/flowtrace.jar flows flowtrace-examples/captures/sample.pcap --top-talkers 10 "$@"
