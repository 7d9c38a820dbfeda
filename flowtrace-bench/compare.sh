#!/usr/bin/env bash
# Times flowtrace, nfpcapd (nfdump) and argus on the same generated capture, whole process each, in one run:
#   flowtrace-bench/compare.sh [PACKETS] [CONVERSATIONS]      (default 5000000 570000: Zipf 1.0, 20% IPv6)
# Needs the built jars (mvn -o -q -DskipTests package) and, on Debian: apt-get install nfdump argus-server hyperfine.
# Every tool reads the page-cached file and writes its records to a file: flowtrace NDJSON with default settings,
# nfpcapd its binary nfcapd file, argus its binary record file. Prints each time and the ratios.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
packets=${1:-5000000}
flows=${2:-570000}
agent="$root/flowtrace-examples/target/flowtrace.jar"
bench="$root/flowtrace-bench/target/benchmarks.jar"
for f in "$agent" "$bench"; do
  [ -f "$f" ] || { echo "$f not built (mvn -o -q -DskipTests package)" >&2; exit 1; }
done
for t in nfpcapd argus; do
  command -v "$t" > /dev/null || { echo "$t not installed (apt-get install nfdump argus-server)" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/flowtrace-compare.XXXXXX")
trap 'rm -rf "$work"' EXIT
pcap="$work/capture.pcap"
java -cp "$bench" io.flowtrace.bench.Generate --packets "$packets" --flows "$flows" --zipf 1.0 --ipv6 0.2 \
  --no-truth --out "$pcap"
cat "$pcap" > /dev/null
mkdir -p "$work/nf"
ft="java ${JAVA_OPTS:-} -jar $agent flows $pcap --out $work/flowtrace.ndjson --quiet"
nf="nfpcapd -r $pcap -w $work/nf"
ar="argus -r $pcap -w $work/records.argus"
clean="rm -rf $work/flowtrace.ndjson $work/nf/* $work/records.argus"
if command -v hyperfine > /dev/null; then
  hyperfine --warmup 1 --runs "${RUNS:-3}" --prepare "$clean" --export-json "$work/times.json" \
    -n flowtrace "$ft" -n nfpcapd "$nf" -n argus "$ar"
  python3 - "$work/times.json" "$packets" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
p = int(sys.argv[2])
ft = res["flowtrace"]["mean"]
for name, r in res.items():
    print(f"{name:10s} {r['mean']:7.3f} s (min {r['min']:.3f})  {p / r['mean'] / 1e6:6.2f} M packets/s  "
          f"flowtrace is {r['mean'] / ft:5.1f}x faster" if name != "flowtrace" else
          f"{name:10s} {r['mean']:7.3f} s (min {r['min']:.3f})  {p / r['mean'] / 1e6:6.2f} M packets/s")
PY
else
  for cmd in "$ft" "$nf" "$ar"; do
    eval "$clean"
    echo "== $cmd"
    /usr/bin/time -f "%e s" $cmd
  done
fi
