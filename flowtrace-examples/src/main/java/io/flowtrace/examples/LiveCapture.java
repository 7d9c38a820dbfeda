package io.flowtrace.examples;

import io.flowtrace.core.Durations;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.Plugins;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.examples.config.RunConfig;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A live interface's source for {@code agent} and {@code engine}, and how it was chosen: the backend named by
 * {@code --capture-backend}, else by the file's {@code source: type:}, else (auto) af-packet when its socket opens
 * here, pcap-live otherwise.
 */
final class LiveCapture {
    static final String PCAP_LIVE = "pcap-live";
    static final String AF_PACKET = "af-packet";

    final String backend;
    final Map<String, String> config;
    /** The source already opened (auto tried it and it worked); null when the builder opens it. */
    final PacketSource source;

    private LiveCapture(String backend, Map<String, String> config, PacketSource source) {
        this.backend = backend;
        this.config = config;
        this.source = source;
    }

    /** {@return whether {@code type} names a live-interface backend} */
    static boolean isLive(String type) {
        return type.equals(PCAP_LIVE) || type.equals(AF_PACKET);
    }

    static LiveCapture choose(Resolved values, RunConfig.PluginSpec file, String iface, String filter, boolean quiet,
                              String command, PrintStream err) {
        String backend = values.get(CommandSettings.CAPTURE_BACKEND);
        if (values.isDefault(CommandSettings.CAPTURE_BACKEND) && file != null) {
            backend = file.type();
        }
        if (!backend.equals("auto")) {
            return new LiveCapture(backend, config(backend, values, file, iface, filter), null);
        }
        Map<String, String> af = config(AF_PACKET, values, file, iface, filter);
        try {
            return new LiveCapture(AF_PACKET, af, open(AF_PACKET, af));
        } catch (RuntimeException unavailable) {
            // pcap-live's error, if it fails too: the portable backend's message is the one to act on
            Map<String, String> pcap = config(PCAP_LIVE, values, file, iface, filter);
            LiveCapture c = new LiveCapture(PCAP_LIVE, pcap, open(PCAP_LIVE, pcap));
            if (!quiet) {
                err.println("flowtrace " + command + ": af-packet unavailable (" + unavailable.getMessage()
                        + "); using pcap-live");
            }
            return c;
        }
    }

    /** Gives the builder this source. */
    void applyTo(FlowTrace.Builder b) {
        if (source != null) {
            b.source(source);
        } else {
            b.source(backend, config);
        }
    }

    /** Closes the source opened here when the meter could not be built. */
    void closeUnused() {
        if (source != null) {
            source.close();
        }
    }

    private static PacketSource open(String backend, Map<String, String> config) {
        return Plugins.discover().source(backend).create(new PluginConfig("source '" + backend + "'", config));
    }

    /** The command's settings as {@code backend}'s keys, over the file's keys for it. */
    private static Map<String, String> config(String backend, Resolved values, RunConfig.PluginSpec file,
                                              String iface, String filter) {
        Map<String, String> live = new LinkedHashMap<>();
        if (file != null && file.type().equals(backend)) {
            live.putAll(file.config());
        }
        live.put("interface", iface);
        if (!filter.isEmpty()) {
            live.put("filter", filter);
        }
        live.put("snaplen", String.valueOf(values.get(CommandSettings.SNAP_LEN)));
        live.put("promiscuous", String.valueOf(values.get(CommandSettings.PROMISCUOUS)));
        boolean af = backend.equals(AF_PACKET);
        String ring = values.get(CommandSettings.RING_SIZE);
        if (!ring.isEmpty()) {
            live.put(af ? "ring_size" : "buffer_size", ring);
        }
        Duration timeout = values.get(CommandSettings.BLOCK_TIMEOUT);
        if (!timeout.isZero()) {
            live.put(af ? "block_timeout" : "timeout", Durations.format(timeout));
        }
        return live;
    }

    /** For the start line: the backend, and the sockets of af-packet. */
    String describe(FlowTrace meter) {
        Long sockets = meter.stats().sourceCounters().get("sockets");
        return backend + (sockets == null ? "" : " (" + sockets + (sockets == 1 ? " socket)" : " sockets, fanout)"));
    }
}
