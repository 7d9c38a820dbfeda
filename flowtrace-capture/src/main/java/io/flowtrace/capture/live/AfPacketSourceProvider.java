package io.flowtrace.capture.live;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.FlowTraceException;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PacketSourceProvider;
import io.flowtrace.core.spi.PluginConfig;

/**
 * Provides {@code af-packet}: capture on a live Linux interface through AF_PACKET sockets with memory-mapped
 * TPACKET_V3 rings read in place, one socket per worker in a PACKET_FANOUT group when the meter has several
 * workers (one when tunnels are decoded). Needs Linux and JNA; libpcap only to compile a filter. Keys:
 * <ul>
 *   <li>{@code interface} (required): {@code eth0}, {@code lo}, ... (one interface, not {@code any})</li>
 *   <li>{@code filter}: a BPF filter expression, as for tcpdump, compiled by libpcap and run by the kernel (default:
 *       none)</li>
 *   <li>{@code snaplen}: bytes kept of each frame, 64..262144 (default 262144, less when {@code block_size} is
 *       smaller)</li>
 *   <li>{@code promiscuous}: on or off (default on, as tcpdump)</li>
 *   <li>{@code ring_size}: each socket's ring, e.g. {@code 8MiB}, at least two blocks, at most 1GiB (default
 *       32MiB)</li>
 *   <li>{@code block_size}: the unit the kernel hands over, a multiple of 4KiB holding {@code snaplen} + 256
 *       (default 1MiB)</li>
 *   <li>{@code block_timeout}: the longest a frame waits in a block that is not full, 1ms..60s (default
 *       100ms)</li>
 * </ul>
 * The socket is opened and the filter compiled by {@link #create}, so a bad setting fails there, before anything
 * runs; the sockets of the other workers are opened when the meter is built. Found through
 * {@link java.util.ServiceLoader}; the constructor does no I/O and loads no native library. Thread-safe
 * (stateless).
 *
 * @since 0.1
 */
public final class AfPacketSourceProvider implements PacketSourceProvider {

    /** Stable name of this source. */
    public static final String NAME = "af-packet";

    /** Makes the provider; no I/O. */
    public AfPacketSourceProvider() {
        // providers are instantiated during discovery, also where AF_PACKET does not exist
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Opens the first socket on the interface.
     *
     * @throws ConfigurationException when a setting is bad, the interface does not exist (the message lists those
     *                                that do) or cannot be read this way, or the filter does not compile
     * @throws FlowTraceException     when this is not Linux, JNA cannot be loaded, libpcap is missing while a filter
     *                                is set, the process may not capture (the message says which privileges are
     *                                needed), the interface is down, or the ring cannot be had
     */
    @Override
    public PacketSource create(PluginConfig config) {
        AfPacketSettings settings = AfPacketSettings.from(config);
        String os = System.getProperty("os.name", "");
        if (!os.equals("Linux")) {
            throw new FlowTraceException(config.plugin() + ": AF_PACKET capture needs Linux, not " + os
                    + " (expected: the pcap-live source here)");
        }
        ClassLoader loader = AfPacketSourceProvider.class.getClassLoader();
        Module self = AfPacketSourceProvider.class.getModule();
        if (self.isNamed()) {
            // JNA is on the class path (see module-info): let this module read it
            self.addReads(loader.getUnnamedModule());
        }
        PcapLiveSourceProvider.requireOnClassPath(config.plugin(), loader, "com.sun.jna.Native", "jna",
                self.isNamed());
        try {
            return AfPacketSource.open(config.plugin(), settings, PcapLiveSource.SYSTEM_CLOCK);
        } catch (LinkageError e) {
            throw new FlowTraceException(config.plugin() + ": JNA cannot call the C library (" + e
                    + "; expected: a writable java.io.tmpdir or jna.tmpdir)", e);
        }
    }
}
