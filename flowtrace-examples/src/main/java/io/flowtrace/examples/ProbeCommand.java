package io.flowtrace.examples;

import io.flowtrace.cluster.PacketPublisher;
import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.examples.config.ConfigFile;
import io.flowtrace.examples.config.ConfigNode;
import io.flowtrace.examples.config.RunConfig;
import io.flowtrace.sinks.internal.Redact;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * {@code probe CAPTURE... | --interface IF [options]}: the analysis engine's probe. Decodes every packet of a capture
 * or a live interface and publishes its {@code PacketInfo} (time, 5-tuple, length) on a NATS subject, in the
 * probe's Thrift or Protobuf form or flowtrace's batches, for engines on the {@code nats} source.
 */
final class ProbeCommand implements Command {
    /** The engine's probe block: what is applied, and what is accepted for the engines that read it. */
    private static final Set<String> PROBE_KEYS = Set.of("nats_url", "subject", "format", "persistence",
            "queue_group", "jetstream");

    private final UnaryOperator<String> env;

    ProbeCommand(UnaryOperator<String> env) {
        this.env = env;
    }

    @Override
    public String summary() {
        return "publish each packet's PacketInfo to NATS, as the analysis engine's probe (the sensor side)";
    }

    @Override
    public String synopsis() {
        return "probe CAPTURE... | --interface IF [--nats URL] [--subject S] [--format thrift|protobuf|batch]";
    }

    @Override
    public String description() {
        return "Decodes every packet of the captures (or of a live interface, until SIGTERM or SIGINT) and\n"
                + "publishes its time, 5-tuple and length on a NATS subject, one message per packet as the\n"
                + "engine's probe does (thrift, protobuf) or many per message (batch), for engines running the\n"
                + "nats source. When NATS falls behind, a capture file's reading waits; a live interface's\n"
                + "packets are dropped and counted (capture never waits).\n"
                + "A summary goes to stderr.";
    }

    @Override
    public List<Options> options() {
        return List.of(new Options("probe", CommandSettings.PROBE), new Options("tee", CommandSettings.TEE_SETTINGS));
    }

    @Override
    public int run(CommandLine a, PrintStream out, PrintStream err) throws Exception {
        String iface = a.value(CommandSettings.PROBE_INTERFACE);
        if (iface != null && !a.positional.isEmpty()) {
            throw new UsageException("give CAPTURE or --interface, not both");
        }
        List<String> captures = iface == null ? Meter.captures(a) : List.of();
        Map<String, String> probe = new LinkedHashMap<>();
        probe.put("url", "nats://127.0.0.1:4222");
        probe.put("subject", "gons.packets.raw");
        probe.put("format", "thrift");
        String config = a.value(CommandSettings.PROBE_CONFIG);
        java.util.Map<String, String> persistence = null;
        String persistenceWhere = null;
        if (config != null) {
            ConfigNode root = ConfigFile.read(Path.of(config), env).root();
            if (root.has("probe")) {
                ConfigNode p = root.node("probe");
                for (String k : p.keys()) {
                    if (!PROBE_KEYS.contains(k)) {
                        throw p.unknown(k, PROBE_KEYS);
                    }
                }
                copy(p, "nats_url", "url", probe);
                copy(p, "subject", "subject", probe);
                copy(p, "format", "format", probe);
                if (!Set.of("thrift", "protobuf", "batch").contains(probe.get("format"))) {
                    throw new ConfigurationException(p.located("format") + ": '" + probe.get("format")
                            + "' (expected: thrift, protobuf or batch)");
                }
                if (p.has("persistence")) {
                    persistence = RunConfig.readPersistence(p.node("persistence"),
                            line -> err.println("flowtrace probe: " + line));
                    persistenceWhere = p.located("persistence");
                }
            }
        }
        if (a.has(CommandSettings.NATS)) {
            probe.put("url", a.value(CommandSettings.NATS));
        }
        if (a.has(CommandSettings.SUBJECT)) {
            probe.put("subject", a.value(CommandSettings.SUBJECT));
        }
        if (a.has(CommandSettings.PACKET_FORMAT)) {
            probe.put("format", a.value(CommandSettings.PACKET_FORMAT));
        }
        String filter = a.has(CommandSettings.BPF_FILTER) ? a.value(CommandSettings.BPF_FILTER) : "";
        FlowTrace.Builder b = FlowTrace.builder();
        if (iface != null) {
            b.source("pcap-live", filter.isBlank() ? Map.of("interface", iface)
                    : Map.of("interface", iface, "filter", filter));
        } else {
            Meter.source(captures, filter, b);
        }
        // a file's reading may wait for NATS; a live interface's may not (its packets are dropped and counted)
        probe.put("on_full", iface == null ? "block" : "drop");
        PacketPublisher pub = PacketPublisher.create(new PluginConfig("probe", probe));
        FlowStats stats;
        try {
            io.flowtrace.sinks.file.PacketTee tee = Meter.tee(Resolved.of(CommandSettings.TEE_SETTINGS, a,
                    name -> null, RunConfig.none()), persistence, persistenceWhere, b);
            FlowTrace meter = b.packetListener(pub).build();
            if (!a.has(CommandSettings.QUIET)) {
                err.println("flowtrace probe: " + (iface != null ? "interface " + iface : String.join(", ", captures))
                        + " -> " + Redact.url(probe.get("url")) + " subject " + pub.subject() + " ("
                        + probe.get("format") + ")"
                        + (tee == null ? "" : "; packets to " + tee.path() + " (" + tee.format() + ")"));
            }
            if (iface != null) {
                Thread hook = new Thread(() -> {
                    meter.stop();
                    try {
                        meter.awaitTermination(Duration.ofSeconds(30));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    pub.close();
                }, "flowtrace-probe-stop");
                Runtime.getRuntime().addShutdownHook(hook);
            }
            stats = meter.run();
        } finally {
            pub.close();
        }
        Map<String, Long> c = pub.counters();
        if (!a.has(CommandSettings.QUIET)) {
            RunReport.printSummary(stats, err);
            err.println("flowtrace probe: " + c.get("published") + " packets published in " + c.get("messages")
                    + " messages; " + c.get("dropped") + " dropped (NATS behind), " + c.get("failed")
                    + " refused by the client");
        }
        return c.get("dropped") + c.get("failed") > 0 ? 1 : 0;
    }

    private static void copy(ConfigNode p, String key, String to, Map<String, String> probe) {
        if (p.has(key)) {
            String v = p.text(key).trim();
            if (v.isEmpty()) {
                throw new ConfigurationException(p.located(key) + ": empty (expected: a value)");
            }
            probe.put(to, v);
        }
    }
}
