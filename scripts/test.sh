#!/usr/bin/env bash
# Installs what the tests need (when missing) and runs the whole test suite on JDK 17; then, for the whole suite
# (no arguments), builds twice to compare the jars byte for byte and runs the suite again on JDK 25.
# Arguments go to Maven for the JDK 17 run only: e.g. -pl flowtrace-core -am for a subset.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
echo "flowtrace: the test suite runs on $(command -v java): $(java -version 2>&1 | head -1)"
mvn -B -Dstyle.color=never verify "$@"
if [ $# -eq 0 ]; then
    bash scripts/check-reproducible.sh
    bash scripts/install-deps.sh --jdk25
    bash scripts/test-jdk25.sh
fi
