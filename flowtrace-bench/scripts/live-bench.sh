#!/usr/bin/env bash
# The live path, whole process: two network namespaces joined by a veth pair, trafgen (Debian package netsniff-ng)
# sending UDP from one side at its top speed and at fixed rates, and on the other side, in turns, tcpdump and the
# flowtrace agent with each capture backend there is (pcap-live; af-packet when the jar has it). For each run:
# packets arriving (the receiving veth's rx counter), packets seen (the capturer's own count), kernel drops, CPU per
# packet for the whole process and for its busiest threads (/proc/PID/task/*/stat), resident memory after the load;
# per backend: idle CPU over IDLE_SECONDS, time from exec to the first packet captured (a 1000 packets/s flow
# running before the capturer starts: the first packet's timestamp less the exec time), resident memory idle.
#
#   sudo flowtrace-bench/scripts/live-bench.sh [RATE ...]      rates in packets/s, "top" for trafgen's top speed
#                                                             (default: top 100000 300000 1000000)
# Environment: SECONDS_PER_RUN (default 10), IDLE_SECONDS (default 60), BUFFER_MIB (capture buffer of tcpdump and
# pcap-live, default 32; other backends keep their own default), BACKENDS (default: pcap-live, and af-packet when present), FLOWTRACE (launcher,
# default bin/flowtrace of this checkout). Needs root, iproute2, trafgen, tcpdump and a built flowtrace.jar
# (mvn -o -q -DskipTests package). Namespaces are removed however the script ends.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
flowtrace=${FLOWTRACE:-$root/bin/flowtrace}
per_run=${SECONDS_PER_RUN:-10}
idle_seconds=${IDLE_SECONDS:-60}
buffer_mib=${BUFFER_MIB:-32}
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(top 100000 300000 1000000)
for tool in ip trafgen tcpdump java; do
    command -v $tool >/dev/null || { echo "live-bench: $tool not found (trafgen: apt-get install netsniff-ng)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "live-bench: run as root (namespaces, capture)" >&2; exit 1; }

tx=ftbench-tx-$$
rx=ftbench-rx-$$
work=$(mktemp -d "${TMPDIR:-/tmp}/live-bench.XXXXXX")
pids=()
# a process and its children (trafgen forks its senders)
kill_tree() {
    local kids
    kids=$(pgrep -P "$1" || true)
    kill -9 "$1" $kids 2>/dev/null || true
}
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 0.5
    for p in "${pids[@]}"; do kill_tree "$p"; done
    ip netns del "$tx" 2>/dev/null || true
    ip netns del "$rx" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$tx"
ip netns add "$rx"
ip link add vtx netns "$tx" type veth peer name vrx netns "$rx"
ip -n "$tx" link set vtx up
ip -n "$rx" link set vrx up
ip -n "$rx" link set lo up
dst_mac=$(ip netns exec "$rx" cat /sys/class/net/vrx/address)
# many flows (source ports), 64-byte frames; the single-flow one marks the start-up measurement
cat > "$work/flood.cfg" <<EOF
{ eth(da=$dst_mac, sa=02:00:00:00:00:01), ipv4(saddr=10.77.0.1, daddr=10.77.0.2, ttl=64),
  udp(sport=dinc(1024, 33791), dport=9), fill(0x00, 18) }
EOF
cat > "$work/marker.cfg" <<EOF
{ eth(da=$dst_mac, sa=02:00:00:00:00:01), ipv4(saddr=10.77.0.1, daddr=10.77.0.2, ttl=64),
  udp(sport=4242, dport=4242), fill(0x00, 18) }
EOF

backends=()
if [ -n "${BACKENDS:-}" ]; then
    read -r -a backends <<< "$BACKENDS"
else
    backends=(pcap-live)
    jarfile=${FLOWTRACE_JAR:-$root/flowtrace-examples/target/flowtrace.jar}
    if command -v jar > /dev/null && jar tf "$jarfile" 2>/dev/null | grep -qi 'afpacket\|af_packet'; then
        backends+=(af-packet)
    fi
fi

rx_packets() { ip netns exec "$rx" cat /sys/class/net/vrx/statistics/rx_packets; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
threads_snapshot() { # PID -> "name ticks" per thread
    for t in /proc/"$1"/task/*; do
        printf '%s\t%s\n' "$(tr ' ' '_' < "$t/comm")" "$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)"
    done | awk -F'\t' '{a[$1] += $2} END {for (k in a) print k, a[k]}' | sort
}
tck=$(getconf CLK_TCK)

# Starts capturer $1 (tcpdump or a backend) in the receiving namespace; sets cap_pid (the process measured) and
# cap_out / cap_err.
start_capture() {
    local what=$1 tag=$2
    cap_out=$work/$tag.out
    cap_err=$work/$tag.err
    if [ "$what" = tcpdump ]; then
        local file=/dev/null
        [ "$tag" = start ] && file=$cap_out
        ip netns exec "$rx" tcpdump -i vrx -n -B $((buffer_mib * 1024)) -w "$file" > /dev/null 2> "$cap_err" &
        cap_pid=$!
    else
        local config=()
        if [ "$what" = pcap-live ]; then
            printf 'source:\n  type: pcap-live\n  buffer_size: %sMiB\n' "$buffer_mib" > "$work/pcap-live.yaml"
            config=(--config "$work/pcap-live.yaml")
        fi
        FLOWTRACE_CACHE_DIR=$work/cache FLOWTRACE_JAVA_OPTS=${FLOWTRACE_JAVA_OPTS:-} ip netns exec "$rx" \
            "$flowtrace" agent --interface vrx --capture-backend "$what" "${config[@]}" --sink stdout \
            > "$cap_out" 2> "$cap_err" &
        cap_pid=$!
    fi
    pids+=("$cap_pid")
    local i
    for i in $(seq 300); do
        grep -q 'listening on\|capturing on' "$cap_err" 2>/dev/null && break
        sleep 0.1
    done
    # the launcher execs java once it has its class-data cache; before that it waits for a child
    if [ "$(cat /proc/$cap_pid/comm)" != java ] && [ "$what" != tcpdump ]; then
        local child
        child=$(pgrep -P "$cap_pid" java | head -1)
        [ -n "$child" ] && cap_pid=$child && pids+=("$child")
    fi
}

stop_capture() {
    kill -TERM "$cap_pid" 2>/dev/null || true
    local i
    for i in $(seq 300); do kill -0 "$cap_pid" 2>/dev/null || break; sleep 0.1; done
    wait 2>/dev/null || true
}

# packets seen and dropped, from the capturer's own closing report
seen_and_dropped() {
    local what=$1
    if [ "$what" = tcpdump ]; then
        local c d
        c=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$cap_err")
        d=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$cap_err")
        echo "${c:-0} ${d:-0}"
    else
        local line
        line=$(grep 'capture {' "$cap_err" | tail -1)
        echo "$line" | tr '{},' '\n\n\n' | awk -F= '
            $1 ~ /packets_read/ {s += $2}
            $1 ~ /drop/ {d += $2}
            END {print s + 0, d + 0}'
    fi
}

# warm the launcher's class-data cache: its first run of a jar writes it
warm() {
    start_capture "$1" warm
    sleep 2
    stop_capture
}

# a run that goes wrong leaves its row short rather than ending the benchmark
set +e
results=$work/results.txt
printf '%-10s %-8s %12s %12s %7s %10s %12s %12s %9s  %s\n' capturer rate arriving seen seen% drops \
    'cpu/seen' 'cpu/arrived' 'RSS_MiB' 'busiest threads (CPU per packet seen)' > "$results"

for what in tcpdump "${backends[@]}"; do
    [ "$what" = tcpdump ] || warm "$what"
    # start-up: a marker flow is running before the capturer starts
    # at most a minute of it; stopped with SIGKILL below (a background job ignores SIGINT, trafgen's stop signal)
    ip netns exec "$tx" trafgen -o vtx -c "$work/marker.cfg" -b 1000pps -n 60000 -P 1 -Q -q > /dev/null 2>&1 &
    marker=$!
    pids+=("$marker")
    sleep 0.5
    t0=$(date +%s%N)
    start_capture "$what" start
    sleep 3
    idle_rss=$(rss_kib "$cap_pid")
    kill_tree "$marker"
    wait "$marker" 2>/dev/null || true
    sleep 2
    # idle
    i0=$(cpu_ticks "$cap_pid")
    sleep "$idle_seconds"
    i1=$(cpu_ticks "$cap_pid")
    idle_rss2=$(rss_kib "$cap_pid")
    stop_capture
    if [ "$what" = tcpdump ]; then
        first=$(tcpdump -r "$cap_out" -n -c 1 --time-stamp-precision=nano -tt 2>/dev/null | awk '{print $1}')
        first_ns=$(echo "$first" | awk -F. '{printf "%s%s", $1, substr($2 "000000000", 1, 9)}')
    else
        first=$(grep -o '"start_time":"[^"]*"' "$cap_out" | head -1 | cut -d'"' -f4)
        first_ns=$(date -d "$first" +%s%N)
    fi
    startup_ms=$(( (first_ns - t0) / 1000000 ))
    printf '%s: start to first packet captured %d ms; idle %d s: %.2f s CPU; RSS idle %d MiB (after %d s idle: %d MiB)\n' \
        "$what" "$startup_ms" "$idle_seconds" "$(echo "($i1 - $i0) / $tck" | bc -l)" $((idle_rss / 1024)) \
        "$idle_seconds" $((idle_rss2 / 1024)) | tee -a "$work/idle.txt"

    for rate in "${rates[@]}"; do
        start_capture "$what" "run-$rate"
        sleep 1
        a0=$(rx_packets)
        c0=$(cpu_ticks "$cap_pid")
        threads_snapshot "$cap_pid" > "$work/t0"
        if [ "$rate" = top ]; then
            timeout -s INT "$per_run" ip netns exec "$tx" trafgen -o vtx -c "$work/flood.cfg" -P 1 -Q -q \
                > /dev/null 2>&1 || true
        else
            timeout -s INT "$per_run" ip netns exec "$tx" trafgen -o vtx -c "$work/flood.cfg" -b "${rate}pps" \
                -P 1 -Q -q > /dev/null 2>&1 || true
        fi
        sleep 2
        a1=$(rx_packets)
        c1=$(cpu_ticks "$cap_pid")
        threads_snapshot "$cap_pid" > "$work/t1"
        rss=$(rss_kib "$cap_pid")
        stop_capture
        read -r seen dropped < <(seen_and_dropped "$what")
        arrived=$((a1 - a0))
        busiest=$(join "$work/t0" "$work/t1" | awk -v s="$seen" -v t="$tck" '
            {d = $3 - $2; if (d > 0) printf "%d %s\n", d, $1}' | sort -rn | head -4 |
            awk -v s="$seen" -v t="$tck" '{printf "%s %.2f us, ", $2, s ? $1 / t / s * 1e6 : 0}')
        awk -v w="$what" -v r="$rate" -v a="$arrived" -v s="$seen" -v d="$dropped" -v c=$((c1 - c0)) -v t="$tck" \
            -v m=$((rss / 1024)) -v b="$busiest" 'BEGIN {
            printf "%-10s %-8s %12d %12d %6.1f%% %10d %9.3f us %9.3f us %9d  %s\n", w, r, a, s, a ? 100 * s / a : 0,
                d, s ? c / t / s * 1e6 : 0, a ? c / t / a * 1e6 : 0, m, b }' | tee -a "$results"
    done
done

echo
echo "live-bench: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), capture buffer ${buffer_mib} MiB, ${per_run} s per run"
cat "$results"
cat "$work/idle.txt"
