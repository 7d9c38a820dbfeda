package io.flowtrace.capture.live;

import io.flowtrace.core.spi.PluginConfig;

import java.time.Duration;

/**
 * The keys both live backends read alike: which interface, which packets (a BPF filter), how much of each, and
 * whether the interface is put in promiscuous mode.
 *
 * @param interfaceName the interface to capture
 * @param filter        BPF expression, empty for none
 * @param snaplen       bytes captured per packet
 * @param promiscuous   put the interface in promiscuous mode while capturing
 */
record InterfaceKeys(String interfaceName, String filter, int snaplen, boolean promiscuous) {
    static final String INTERFACE = "interface";
    static final String FILTER = "filter";
    static final String SNAPLEN = "snaplen";
    static final String PROMISCUOUS = "promiscuous";

    /** Enough for any frame on an interface with the usual MTU or with offloads (libpcap's own maximum). */
    static final int DEFAULT_SNAPLEN = 262_144;

    /** Reads the four keys, recording each problem in {@code config}. */
    static InterfaceKeys from(PluginConfig config) {
        return new InterfaceKeys(config.requireString(INTERFACE), config.getString(FILTER, "").trim(),
                config.getInt(SNAPLEN, DEFAULT_SNAPLEN, 64, 262_144), config.getBoolean(PROMISCUOUS, true));
    }

    /** A wait of 1ms..60s under {@code key}; a value outside is recorded in {@code config} and the default used. */
    static Duration waitLimit(PluginConfig config, String key, Duration byDefault) {
        Duration d = config.getDuration(key, byDefault);
        if (d.compareTo(Duration.ofMillis(1)) < 0 || d.compareTo(Duration.ofSeconds(60)) > 0) {
            config.error(key + ": " + d.toMillis() + "ms (expected: 1ms..60s)");
            return byDefault;
        }
        return d;
    }
}
