package io.flowtrace.examples;

import io.flowtrace.core.Durations;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.spi.PluginConfig;

import io.flowtrace.core.FlowTraceException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The flow-meter options every command shares, and how they map onto {@link FlowTrace.Builder}: the same names as
 * the builder's setters, in kebab case.
 */
final class MeterOptions {
    static final Set<String> WITH_VALUE = Set.of("idle-timeout", "active-timeout", "tcp-close", "tcp-linger",
            "bidirectional", "vlan-in-key", "decode-tunnels", "icmp-type-in-key", "max-flows", "expected-flows",
            "workers", "sink", "out", "aggregator", "snapshot-interval", "period");
    static final Set<String> REPEATABLE = Set.of("sink", "aggregator");

    static final String USAGE = String.join("\n",
            "flow options:",
            "  --idle-timeout D          idle timeout of every protocol, or per protocol as",
            "                            tcp=60s,udp=30s,icmp=30s,other=30s (defaults shown); 0 = never",
            "  --active-timeout D        report long flows every D (default 30m; 0 = never)",
            "  --tcp-close on|off        end TCP flows on RST or FIN both ways (default on)",
            "  --tcp-linger D            trailing packets after a TCP close still count for D (default 2s)",
            "  --bidirectional on|off    one event per conversation (default on) or per direction",
            "  --vlan-in-key on|off      the outer VLAN id is part of the flow key (default off)",
            "  --decode-tunnels on|off   meter the inner flow of GRE/ERSPAN/VXLAN/GTP-U/Teredo (default off)",
            "  --icmp-type-in-key on|off ICMP type and reply type (or code) as the ports, as Zeek keys ICMP:",
            "                            echo request and reply share a flow, errors get their own (default off)",
            "  --max-flows N             hard bound on flows tracked at once (default 1048576)",
            "  --expected-flows N        start the flow table this large instead of growing it",
            "  --workers N               worker shards (default 1 on up to 2 cores, else cores - 1)",
            "output:",
            "  --out FILE                write flow events to FILE (short for --sink file:path=FILE)",
            "  --sink NAME:k=v,...       send flow events to a sink (repeatable): file, stdout, http, nats, ...",
            "                            any sink also takes queue=N and on_full=block|drop",
            "  --aggregator NAME:k=v,... run an aggregator task (repeatable): exact, count-min, super-spread, hll",
            "  --snapshot-interval D     snapshot aggregators every D of packet time (default: once, at the end)",
            "  --period D                reset aggregators every D of packet time (default: never)",
            "durations: 500ms, 30s, 5m, 1h; 0 means never");

    private MeterOptions() {
    }

    /** Parses a command line made of the flow options plus the command's own options. */
    static Args parse(List<String> argv, Set<String> ownValues, Set<String> flags) {
        Set<String> values = new HashSet<>(WITH_VALUE);
        values.addAll(ownValues);
        return Args.parse(argv, values, flags, REPEATABLE);
    }

    /**
     * The command's one CAPTURE argument.
     *
     * @throws UsageException when there is none or more than one
     * @throws FlowTraceException when the file does not exist
     */
    static Path capture(Args a) {
        if (a.positional.size() != 1) {
            throw new UsageException(a.positional.isEmpty() ? "missing CAPTURE (a pcap, pcapng or .gz file)"
                    : "expected one CAPTURE, got " + a.positional.size() + ": " + a.positional);
        }
        Path capture = Path.of(a.positional.get(0));
        if (!Files.isRegularFile(capture)) {
            throw new FlowTraceException(capture + ": no such file");
        }
        return capture;
    }

    /** Applies the flow options found in {@code a} to {@code b}; returns whether a sink was named. */
    static boolean apply(Args a, FlowTrace.Builder b) {
        String idle = a.get("idle-timeout");
        if (idle != null) {
            if (idle.contains("=")) {
                Map<String, String> per = pairs("--idle-timeout", idle);
                for (Map.Entry<String, String> e : per.entrySet()) {
                    Duration d = duration("--idle-timeout " + e.getKey(), e.getValue());
                    switch (e.getKey().toLowerCase(Locale.ROOT)) {
                        case "tcp": b.tcpIdleTimeout(d); break;
                        case "udp": b.udpIdleTimeout(d); break;
                        case "icmp": b.icmpIdleTimeout(d); break;
                        case "other": b.otherIdleTimeout(d); break;
                        default:
                            throw new UsageException("--idle-timeout: unknown protocol '" + e.getKey()
                                    + "' (expected: tcp, udp, icmp, other)");
                    }
                }
            } else {
                b.idleTimeout(duration("--idle-timeout", idle));
            }
        }
        if (a.has("active-timeout")) {
            b.activeTimeout(duration("--active-timeout", a.get("active-timeout")));
        }
        if (a.has("tcp-close")) {
            b.tcpClose(onOff("--tcp-close", a.get("tcp-close")));
        }
        if (a.has("tcp-linger")) {
            b.tcpLinger(duration("--tcp-linger", a.get("tcp-linger")));
        }
        if (a.has("bidirectional")) {
            b.bidirectional(onOff("--bidirectional", a.get("bidirectional")));
        }
        if (a.has("vlan-in-key")) {
            b.vlanInKey(onOff("--vlan-in-key", a.get("vlan-in-key")));
        }
        if (a.has("decode-tunnels")) {
            b.decodeTunnels(onOff("--decode-tunnels", a.get("decode-tunnels")));
        }
        if (a.has("icmp-type-in-key")) {
            b.icmpTypeInKey(onOff("--icmp-type-in-key", a.get("icmp-type-in-key")));
        }
        if (a.has("max-flows")) {
            b.maxFlows(positiveInt("--max-flows", a.get("max-flows"), Integer.MAX_VALUE));
        }
        if (a.has("expected-flows")) {
            b.expectedFlows(positiveInt("--expected-flows", a.get("expected-flows"), Integer.MAX_VALUE));
        }
        if (a.has("workers")) {
            b.workers(positiveInt("--workers", a.get("workers"), 256));
        }
        if (a.has("snapshot-interval")) {
            b.snapshotInterval(duration("--snapshot-interval", a.get("snapshot-interval")));
        }
        if (a.has("period")) {
            b.period(duration("--period", a.get("period")));
        }
        boolean sink = false;
        if (a.has("out")) {
            b.sink("file", Map.of("path", a.get("out")));
            sink = true;
        }
        for (String s : a.all("sink")) {
            int colon = s.indexOf(':');
            String name = colon < 0 ? s : s.substring(0, colon);
            b.sink(name, colon < 0 ? Map.of() : pairs("--sink " + name, s.substring(colon + 1)));
            sink = true;
        }
        for (String s : a.all("aggregator")) {
            int colon = s.indexOf(':');
            String name = colon < 0 ? s : s.substring(0, colon);
            b.aggregator(name, colon < 0 ? Map.of() : pairs("--aggregator " + name, s.substring(colon + 1)));
        }
        return sink;
    }

    static Map<String, String> pairs(String what, String text) {
        try {
            return new LinkedHashMap<>(PluginConfig.parsePairs(text));
        } catch (RuntimeException e) {
            throw new UsageException(what + ": " + e.getMessage());
        }
    }

    static Duration duration(String what, String text) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException(what + ": " + e.getMessage());
        }
    }

    static boolean onOff(String what, String text) {
        switch (text.toLowerCase(Locale.ROOT)) {
            case "on": case "true": case "yes": return true;
            case "off": case "false": case "no": return false;
            default: throw new UsageException(what + ": '" + text + "' (expected: on or off)");
        }
    }

    static int positiveInt(String what, String text, int max) {
        try {
            long n = Long.parseLong(text.trim().replace("_", ""));
            if (n < 1 || n > max) {
                throw new UsageException(what + ": " + text + " (expected: 1.." + max + ")");
            }
            return (int) n;
        } catch (NumberFormatException e) {
            throw new UsageException(what + ": '" + text + "' (expected: a whole number 1.." + max + ")");
        }
    }

    /** Wraps a builder's own IllegalArgumentException/IllegalStateException as a usage error. */
    static RuntimeException usage(RuntimeException e) {
        return new UsageException(e.getMessage());
    }

    static String formatDuration(Duration d) {
        return Durations.format(d);
    }
}
