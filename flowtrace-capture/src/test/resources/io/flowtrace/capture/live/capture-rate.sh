#!/usr/bin/env bash
# Highest replay rate the agent captures without kernel drops, beside tcpdump -w /dev/null on the same setup.
# Replays a generated capture (500,000 Ethernet/IPv4 TCP and UDP packets of 64 to 1514 bytes over 50,000
# conversations) with tcpreplay into one end of a veth pair (no addresses: nothing leaves the machine) and
# captures on the other end, at rising packet rates. Needs root, iproute2, tcpreplay, tcpdump and the agent jar
# (mvn package). Usage, from the project root:
#   flowtrace-capture/src/test/resources/io/flowtrace/capture/live/capture-rate.sh [RATE...]
# where RATE is packets per second or 'topspeed' (default: 50000 100000 200000 300000 500000 topspeed).
set -euo pipefail
root=$(pwd)
jar=$root/flowtrace-examples/target/flowtrace.jar
if [ $# -gt 0 ]; then rates=("$@"); else rates=(50000 100000 200000 300000 500000 topspeed); fi
work=$(mktemp -d)
a=ftrate$$a
b=ftrate$$b
cleanup() { ip link del "$a" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

java "$root/flowtrace-capture/src/test/java/io/flowtrace/capture/live/GenerateReplayCapture.java" \
    "$work/replay.pcap" 500000 50000
ip link add "$a" type veth peer name "$b"
for i in "$a" "$b"; do
    sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1"
    ip link set "$i" up
done
sleep 1

replay() { # rate
    local speed=(--pps="$1")
    [ "$1" = topspeed ] && speed=(--topspeed)
    tcpreplay -q -K -i "$a" "${speed[@]}" "$work/replay.pcap" 2>&1 | grep -E 'Rated' | tr -s ' '
}

wait_for() { # text file
    for _ in $(seq 300); do grep -q "$1" "$2" && return 0; sleep 0.1; done
    echo "timed out waiting for '$1' in $2" >&2; cat "$2" >&2; return 1
}

for rate in "${rates[@]}"; do
    echo "== $rate packets/s"
    : > "$work/agent.err"
    java -jar "$jar" agent --interface "$b" --sink file:path="$work/flows.ndjson" --idle-timeout 5s 2> "$work/agent.err" &
    agent=$!
    wait_for 'capturing on' "$work/agent.err"
    echo "  tcpreplay: $(replay "$rate")"
    sleep 1
    kill -TERM "$agent"
    wait "$agent" || true
    echo "  flowtrace agent (snap 1600, buffer 32MiB): $(grep -o 'flowtrace: [0-9,]* packets' "$work/agent.err")," \
        "$(grep -o 'kernel_dropped=[0-9]*' "$work/agent.err")"
    for opts in "" "-s 1600 -B 32768"; do # tcpdump's defaults, then the agent's snap length and buffer
        : > "$work/tcpdump.err"
        # shellcheck disable=SC2086
        tcpdump -i "$b" -nn $opts -w /dev/null 2> "$work/tcpdump.err" &
        dump=$!
        wait_for 'listening on' "$work/tcpdump.err"
        replay "$rate" > /dev/null
        sleep 1
        kill -INT "$dump"
        wait "$dump" || true
        echo "  tcpdump ${opts:-(defaults)} -w /dev/null: $(grep -E 'captured|dropped by kernel' "$work/tcpdump.err" \
            | tr '\n' ' ')"
    done
done
