#!/usr/bin/env bash
# Builds flowtrace and runs the agent on the capture that ships with the project: one JSON flow record per line
# on stdout, then the summary and the top talkers on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
mvn -B -q -Dstyle.color=never -DskipTests package
java -jar flowtrace-examples/target/flowtrace.jar flows flowtrace-examples/captures/sample.pcap --top-talkers 10 "$@"
