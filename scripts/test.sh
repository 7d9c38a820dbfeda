#!/usr/bin/env bash
# Installs what the tests need (when missing) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
echo "flowtrace: the test suite runs on $(command -v java): $(java -version 2>&1 | head -1)"
mvn -B -Dstyle.color=never verify "$@"
