#!/usr/bin/env bash
# Installs what the tests need (when missing) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
mvn -B -Dstyle.color=never verify "$@"
