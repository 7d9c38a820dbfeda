package io.flowtrace.core.settings;

import io.flowtrace.core.Durations;
import io.flowtrace.core.FlowOptions;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.IpFragments;
import io.flowtrace.core.QueueFullPolicy;
import io.flowtrace.core.Tunnel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Every flow and pipeline setting of {@link FlowTrace.Builder} that takes one simple value, in the order usage text
 * and the README list them. Adding one: a descriptor here, the builder setter it names, and its behaviour. Stateless.
 *
 * @since 0.1
 */
public final class FlowSettings {
    /** The key {@link #IDLE_TIMEOUT}'s value holds a timeout of every protocol under. */
    public static final String ALL_PROTOCOLS = "all";
    private static final List<String> PROTOCOLS = List.of("tcp", "udp", "icmp", "other");
    private static final FlowOptions DEFAULTS = FlowOptions.defaults();

    /** One timeout for every protocol ({@code 30s}), or some per protocol ({@code tcp=60s,udp=30s}). */
    public static final Setting<Map<String, Duration>> IDLE_TIMEOUT = Setting.of("idle-timeout", idleTimeouts())
            .defaultValue(protocols(DEFAULTS.tcpIdleTimeout(), DEFAULTS.udpIdleTimeout(), DEFAULTS.icmpIdleTimeout(),
                    DEFAULTS.otherIdleTimeout()))
            .help("a flow with no packet for D ends: one D for every protocol, or tcp=D,udp=D,icmp=D,other=D; 0 = never")
            .applies(FlowSettings::applyIdleTimeouts).build();

    /**
     * The tunnels whose inner flow is metered: {@code on} (every {@link Tunnel}), {@code off}, or a list such as
     * {@code gre,vxlan,gtp}; a tunnel not listed is metered as its outer packet.
     */
    public static final Setting<Set<Tunnel>> DECODE_TUNNELS = Setting.of("decode-tunnels", tunnels())
            .defaultValue(DEFAULTS.tunnels())
            .help("meter the inner flow of tunnels: on (all), off, or a list of " + String.join(",", Tunnel.tokens())
                    + "; a tunnel not listed is metered as its outer flow (Teredo as UDP)")
            .builderSetter().build();

    private static final List<Setting<?>> ALL = List.of(
            IDLE_TIMEOUT,
            Setting.of("active-timeout", ValueType.duration()).defaultValue(DEFAULTS.activeTimeout())
                    .help("a flow open this long is reported and goes on in a new event; 0 = never")
                    .builderSetter().build(),
            Setting.of("tcp-close", ValueType.onOff()).defaultValue(DEFAULTS.tcpClose())
                    .help("TCP flows end on RST, or on FIN in both directions")
                    .builderSetter().build(),
            Setting.of("tcp-linger", ValueType.duration()).defaultValue(DEFAULTS.tcpLinger())
                    .help("after a TCP close, packets this soon (the last ACK) still count")
                    .builderSetter().build(),
            Setting.of("bidirectional", ValueType.onOff()).defaultValue(DEFAULTS.bidirectional())
                    .help("one event per conversation, initiator first; off: one per direction")
                    .builderSetter().build(),
            Setting.of("vlan-in-key", ValueType.onOff()).defaultValue(DEFAULTS.vlanInKey())
                    .help("the outermost VLAN id is part of the flow key")
                    .builderSetter().build(),
            DECODE_TUNNELS,
            Setting.of("icmp-type-in-key", ValueType.onOff()).defaultValue(DEFAULTS.icmpTypeInKey())
                    .help("ICMP type and reply type (or code) are the ports, as Zeek keys ICMP: echo request and "
                            + "reply share a flow, errors get their own")
                    .builderSetter().build(),
            Setting.of("max-flows", ValueType.integer(1, Integer.MAX_VALUE)).defaultValue(DEFAULTS.maxFlows())
                    .help("hard bound on flows tracked at once; beyond it the flow nearest its deadline is evicted")
                    .builderSetter().build(),
            Setting.of("ip-fragments", ValueType.oneOf(IpFragments.class)).defaultValue(DEFAULTS.ipFragments())
                    .help("later IP fragments: join the first fragment's flow, first-only (skipped and counted, as "
                            + "nDPI and NFStream), or reassemble datagrams first, as Zeek")
                    .builderSetter().build(),
            Setting.of("expected-flows", ValueType.integer(1, Integer.MAX_VALUE))
                    .defaultText(FlowTrace.Builder.EXPECTED_FLOWS + ", at most max-flows")
                    .help("flows expected at once: the table starts this large instead of growing to it")
                    .builderSetter().build(),
            Setting.of("workers", ValueType.integer(1, 256)).defaultText("1 on up to 2 cores, else cores - 1, at most 16")
                    .help("worker shards; events do not depend on the number")
                    .builderSetter().build(),
            Setting.of("snapshot-interval", ValueType.duration()).defaultValue(Duration.ZERO)
                    .defaultText("0: once, at the end")
                    .help("aggregators are snapshotted every D of packet time")
                    .builderSetter().build(),
            Setting.of("period", ValueType.duration()).defaultValue(Duration.ZERO).defaultText("0: never")
                    .help("aggregator state is reset every D of packet time")
                    .builderSetter().build(),
            Setting.of("sink-queue-capacity", ValueType.integer(2, Integer.MAX_VALUE))
                    .defaultText(FlowTrace.Builder.LIVE_SINK_QUEUE + " live, " + FlowTrace.Builder.FILE_SINK_QUEUE
                            + " from a file")
                    .help("queue capacity of every sink (a sink's own queue=N wins)")
                    .builderSetter().build(),
            Setting.of("sink-full-policy", ValueType.oneOf(QueueFullPolicy.class)).defaultValue(QueueFullPolicy.BLOCK)
                    .help("what a sink's full queue does: block (no loss) or drop and count (its on_full=... wins)")
                    .builderSetter().build(),
            Setting.of("sink-close-timeout", ValueType.duration()).defaultValue(Duration.ofSeconds(30))
                    .help("how long sinks may take to deliver what they hold at shutdown")
                    .builderSetter().build(),
            Setting.of("fail-on-plugin-error", ValueType.onOff()).defaultValue(false)
                    .help("the run fails when a sink, aggregator or callback failed (else they are counted)")
                    .builderSetter().build());

    private FlowSettings() {
    }

    /** {@return every flow and pipeline setting, in the order of the usage text} */
    public static List<Setting<?>> all() {
        return ALL;
    }

    /**
     * The setting of a name, kebab-case ({@code idle-timeout}) or snake_case ({@code idle_timeout}).
     *
     * @param name the setting's name
     * @return the setting
     * @throws IllegalArgumentException for an unknown name, with the nearest known one and the list
     */
    public static Setting<?> get(String name) {
        String kebab = Names.kebab(name.trim());
        List<String> names = new ArrayList<>();
        for (Setting<?> s : ALL) {
            if (s.name().equals(kebab)) {
                return s;
            }
            names.add(s.name());
        }
        throw new IllegalArgumentException("unknown setting '" + name + "'" + Names.didYouMean(kebab, names, "")
                + " (known: " + String.join(", ", names) + ")");
    }

    /**
     * The README's settings table (Markdown): setting, builder setter, default, meaning. The README holds it between
     * {@code <!-- settings:begin -->} and {@code <!-- settings:end -->}; a test keeps the two the same.
     *
     * @return the table
     */
    public static String markdownTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("| setting: `--flag` / YAML key | builder | default | meaning |\n|---|---|---|---|\n");
        for (Setting<?> s : ALL) {
            sb.append("| `--").append(s.name()).append(' ').append(s.label().replace("|", "\\|")).append("` / `")
                    .append(s.yamlKey()).append("` | `").append(s.builderMethod()).append("` | ")
                    .append(s.defaultText().isEmpty() ? "" : s.defaultText().replace("|", "\\|")).append(" | ")
                    .append(s.help().replace("|", "\\|")).append(" |\n");
        }
        return sb.toString();
    }

    private static Map<String, Duration> protocols(Duration tcp, Duration udp, Duration icmp, Duration other) {
        Map<String, Duration> m = new LinkedHashMap<>();
        m.put("tcp", tcp);
        m.put("udp", udp);
        m.put("icmp", icmp);
        m.put("other", other);
        return Collections.unmodifiableMap(m);
    }

    /** {@code 30s}, or {@code tcp=60s,udp=30s,icmp=30s,other=30s} (any of them). */
    private static ValueType<Map<String, Duration>> idleTimeouts() {
        return new IdleTimeouts();
    }

    private static final class IdleTimeouts extends ValueType<Map<String, Duration>> {
        IdleTimeouts() {
            super(Duration.class, "D", "a duration, or tcp=D,udp=D,icmp=D,other=D", List.of());
        }

        @Override
        protected Map<String, Duration> read(String text) {
            Map<String, Duration> m = new LinkedHashMap<>();
            if (!text.contains("=")) {
                m.put(ALL_PROTOCOLS, Durations.parse(text));
                return Collections.unmodifiableMap(m);
            }
            for (String part : text.split(",")) {
                int eq = part.indexOf('=');
                String protocol = (eq < 0 ? part : part.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
                if (!PROTOCOLS.contains(protocol)) {
                    throw new IllegalArgumentException("unknown protocol '" + protocol + "' (expected: "
                            + String.join(", ", PROTOCOLS) + ")");
                }
                if (eq < 0 || m.containsKey(protocol)) {
                    throw new IllegalArgumentException("'" + part + "' (expected: each of tcp=D,udp=D,icmp=D,"
                            + "other=D at most once)");
                }
                try {
                    m.put(protocol, Durations.parse(part.substring(eq + 1)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(protocol + ": " + e.getMessage(), e);
                }
            }
            return Collections.unmodifiableMap(m);
        }

        @Override
        protected String write(Map<String, Duration> m) {
            List<String> parts = new ArrayList<>();
            for (Map.Entry<String, Duration> e : m.entrySet()) {
                String d = Durations.format(e.getValue());
                parts.add(e.getKey().equals(ALL_PROTOCOLS) ? d : e.getKey() + "=" + d);
            }
            return String.join(",", parts);
        }
    }

    /** {@code on}, {@code off} or {@code gre,vxlan,...}: a set of {@link Tunnel}s. */
    private static ValueType<Set<Tunnel>> tunnels() {
        return new Tunnels();
    }

    private static final class Tunnels extends ValueType<Set<Tunnel>> {
        Tunnels() {
            super(Set.class, "on|off|T,T", "on, off, or a comma list of " + String.join(", ", Tunnel.tokens()),
                    completions());
        }

        private static List<String> completions() {
            List<String> v = new ArrayList<>(List.of("on", "off"));
            v.addAll(Tunnel.tokens());
            return v;
        }

        @Override
        protected Set<Tunnel> read(String text) {
            String t = text.trim().toLowerCase(Locale.ROOT);
            switch (t) {
                case "on": case "true": case "yes": return Collections.unmodifiableSet(Tunnel.all());
                case "off": case "false": case "no": return Set.of();
                default: break;
            }
            if (t.isEmpty()) {
                throw bad(text);
            }
            EnumSet<Tunnel> set = EnumSet.noneOf(Tunnel.class);
            for (String part : t.split(",", -1)) {
                if (part.isBlank()) {
                    throw bad(text);
                }
                set.add(Tunnel.of(part));
            }
            return Collections.unmodifiableSet(set);
        }

        @Override
        protected String write(Set<Tunnel> value) {
            if (value.isEmpty()) {
                return "off";
            }
            if (value.size() == Tunnel.values().length) {
                return "on";
            }
            List<String> parts = new ArrayList<>();
            for (Tunnel k : Tunnel.values()) {
                if (value.contains(k)) {
                    parts.add(k.token());
                }
            }
            return String.join(",", parts);
        }
    }

    private static void applyIdleTimeouts(FlowTrace.Builder b, Map<String, Duration> timeouts) {
        for (Map.Entry<String, Duration> e : timeouts.entrySet()) {
            switch (e.getKey()) {
                case ALL_PROTOCOLS: b.idleTimeout(e.getValue()); break;
                case "tcp": b.tcpIdleTimeout(e.getValue()); break;
                case "udp": b.udpIdleTimeout(e.getValue()); break;
                case "icmp": b.icmpIdleTimeout(e.getValue()); break;
                default: b.otherIdleTimeout(e.getValue()); break;
            }
        }
    }
}
