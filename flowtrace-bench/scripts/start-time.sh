#!/usr/bin/env bash
# Start-up of the live agent through the launcher: a UDP packet every 2 ms to 127.0.0.1:9 runs before the agent is
# started; the time from running bin/flowtrace to the first packet captured (the first event's start_time) and the
# resident memory 3 s later, for RUNS runs (the first also writes the launcher's cache and is left out), then the same
# for tcpdump, and the resident memory of an empty main with the agent's JVM flags.
#
#   sudo flowtrace-bench/scripts/start-time.sh
# Environment: RUNS (default 5), FLOWTRACE (launcher, default bin/flowtrace of this checkout), JAVA_HOME (the JDK the
# launcher runs). Needs root, tcpdump, python3 and a built flowtrace.jar (mvn -o -q -DskipTests package).
set -euo pipefail
cd "$(dirname "$0")/../.."
flowtrace=${FLOWTRACE:-$PWD/bin/flowtrace}
runs=${RUNS:-5}
work=$(mktemp -d /tmp/start-time.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# the marker flow: one datagram every 2 ms until killed (python, not a shell loop: a process started every 2 ms
# would take the CPU the agent starts with)
python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while True:
    s.sendto(b"x", ("127.0.0.1", 9))
    time.sleep(0.002)' &
pids+=($!)
sleep 0.5

ms_since() { echo $(( ($1 - $2) / 1000000 )); }

for i in $(seq 0 "$runs"); do
    t0=$(date +%s%N)
    FLOWTRACE_CACHE_DIR=$work/cache "$flowtrace" agent --interface lo --bpf-filter 'udp and dst port 9' \
        --sink stdout > "$work/out.json" 2> "$work/err.txt" &
    launcher=$!
    sleep 3
    java=$(pgrep -P "$launcher" java | head -1 || true)
    [ -n "$java" ] || java=$launcher
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$java/status")
    kill -TERM "$java"
    wait "$launcher" || true
    first=$(grep -o '"start_time":"[^"]*"' "$work/out.json" | sort | head -1 | cut -d'"' -f4)
    [ -n "$first" ] || { echo "run $i: no event (see $work/err.txt)" >&2; cat "$work/err.txt" >&2; exit 1; }
    [ "$i" -eq 0 ] && continue # the first run writes the launcher's cache
    echo "agent: start to first packet $(ms_since "$(date -d "$first" +%s%N)" "$t0") ms; RSS $((rss / 1024)) MiB"
done

for i in $(seq 1 "$runs"); do
    t0=$(date +%s%N)
    tcpdump -i lo -n -U -w "$work/td.pcap" 'udp and dst port 9' 2>/dev/null &
    td=$!
    sleep 2
    kill "$td"
    wait "$td" 2>/dev/null || true
    first=$(tcpdump -r "$work/td.pcap" -n -c 1 --time-stamp-precision=nano -tt 2>/dev/null | awk '{print $1}')
    first_ns=$(echo "$first" | awk -F. '{printf "%s%s", $1, substr($2 "000000000", 1, 9)}')
    echo "tcpdump: start to first packet $(ms_since "$first_ns" "$t0") ms"
done

mkdir -p "$work/empty"
printf 'public class Empty { public static void main(String[] a) throws Exception { Thread.sleep(60000); } }\n' \
    > "$work/empty/Empty.java"
javac -d "$work/empty" "$work/empty/Empty.java"
java -XX:+UseSerialGC -XX:-UsePerfData -Xms8m -cp "$work/empty" Empty &
empty=$!
pids+=("$empty")
sleep 3
echo "empty main with the agent's JVM flags: RSS $(( $(awk '/^VmRSS/ {print $2}' "/proc/$empty/status") / 1024 )) MiB"
