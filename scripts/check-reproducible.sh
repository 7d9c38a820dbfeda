#!/usr/bin/env bash
# Builds the library modules and the command-line jar twice, each time from a fresh copy of the sources in a
# different directory, and compares every jar byte for byte (jars, sources and javadoc jars, the uber jar).
# Exit 1 names the jars that differ. Options after the script go to both Maven runs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build() {
    local name=$1
    shift
    local dir=$work/$name
    cp -R "$work/src" "$dir"
    (cd "$dir" && mvn -B -o -q -Dstyle.color=never -DskipTests -pl flowtrace-examples -am package "$@") \
        > "$work/$name.log" 2>&1 || { cat "$work/$name.log" >&2; echo "check-reproducible: build $name failed" >&2; exit 1; }
}

start=$(date +%s)
# one snapshot of the sources as they are (committed or not), without build output, copied for each build
mkdir -p "$work/src"
tar -C "$root" --exclude='./.git' --exclude='*/target' --exclude='./target' -cf - . | tar -C "$work/src" -xf -
build a "$@"
build b "$@"
differ=0
count=0
while IFS= read -r jar; do
    count=$((count + 1))
    if ! cmp -s "$work/a/$jar" "$work/b/$jar"; then
        echo "check-reproducible: $jar differs between two builds" >&2
        differ=1
    fi
done < <(cd "$work/a" && find . -path '*/target/*.jar' -not -path '*/target/*/*' | sort)
[ "$count" -gt 0 ] || { echo "check-reproducible: no jar was built" >&2; exit 1; }
if [ "$differ" -ne 0 ]; then
    exit 1
fi
echo "check-reproducible: $count jars identical in two builds ($(( $(date +%s) - start )) s)"
