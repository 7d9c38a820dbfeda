package io.flowtrace.capture.live;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.FlowTraceException;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PacketSourceProvider;
import io.flowtrace.core.spi.PluginConfig;

import java.time.Duration;

/**
 * Provides {@code pcap-live}: capture on a live interface through pcap4j and the native libpcap. Keys:
 * <ul>
 *   <li>{@code interface} (required): {@code eth0}, {@code lo}, {@code any}, ...</li>
 *   <li>{@code filter}: a BPF filter expression, as for tcpdump (default: none)</li>
 *   <li>{@code snaplen}: bytes kept of each frame, 64..262144 (default 262144)</li>
 *   <li>{@code promiscuous}: on or off (default on, as tcpdump)</li>
 *   <li>{@code immediate}: hand each packet over at once (default off: packets wait at most {@code timeout} in
 *       the kernel's buffer; with it on, Linux gives every packet a buffer slot of {@code snaplen} bytes, so lower
 *       {@code snaplen} or raise {@code buffer_size} to avoid drops in bursts)</li>
 *   <li>{@code buffer_size}: kernel capture buffer, e.g. {@code 16MiB} (default 32MiB)</li>
 *   <li>{@code timeout}: libpcap read timeout, the longest a packet waits in the kernel, 1ms..60s (default
 *       250ms)</li>
 * </ul>
 * The interface is opened and the filter compiled by {@link #create}, so a bad setting fails there, before anything
 * runs. Found through {@link java.util.ServiceLoader}; the constructor does no I/O and does not touch the native
 * library. Thread-safe (stateless).
 *
 * @since 0.1
 */
public final class PcapLiveSourceProvider implements PacketSourceProvider {

    /** Stable name of this source. */
    public static final String NAME = "pcap-live";

    private static final Duration HEARTBEAT = Duration.ofSeconds(1);

    public PcapLiveSourceProvider() {
        // no I/O: providers are instantiated during discovery, also where libpcap is absent
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Opens the interface.
     *
     * @throws ConfigurationException when a setting is bad, the interface does not exist (the message lists those
     *                                that do) or the filter does not compile (the message has libpcap's reason)
     * @throws FlowTraceException     when libpcap is not installed, pcap4j or JNA cannot be loaded (in a modular
     *                                application they belong on the class path), or the process may not capture (the
     *                                message says which privileges are needed)
     */
    @Override
    public PacketSource create(PluginConfig config) {
        LiveCaptureSettings settings = LiveCaptureSettings.from(config);
        ClassLoader loader = PcapLiveSourceProvider.class.getClassLoader();
        Module self = PcapLiveSourceProvider.class.getModule();
        if (self.isNamed()) {
            // pcap4j is on the class path (see module-info): let this module read it
            self.addReads(loader.getUnnamedModule());
        }
        requireOnClassPath(config.plugin(), loader, "org.pcap4j.core.Pcaps", "pcap4j-core", self.isNamed());
        requireOnClassPath(config.plugin(), loader, "com.sun.jna.Native", "jna", self.isNamed());
        return PcapLiveSource.open(config.plugin(), settings, PcapLiveSource.SYSTEM_CLOCK, HEARTBEAT);
    }

    /** Fails with what to do when {@code className} (from {@code artifact}) cannot be loaded. */
    static void requireOnClassPath(String plugin, ClassLoader loader, String className, String artifact,
                                           boolean modular) {
        try {
            Class.forName(className, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            // on the module path pcap4j cannot resolve (see module-info) and its classes are invisible
            throw new FlowTraceException(plugin + ": " + artifact + " is not on the class path" + (modular
                    ? " (in a modular application pcap4j-core and jna go on --class-path, not --module-path)"
                    : ""), e);
        }
    }
}
