package io.flowtrace.core.spi;

/**
 * Creates {@link PacketSource}s by name; found through {@link java.util.ServiceLoader}. The no-argument constructor
 * does no I/O; {@link #create} is called on the thread that builds the meter.
 *
 * @since 0.1
 */
public interface PacketSourceProvider {

    /** {@return stable lowercase id, e.g. {@code pcap-file}, {@code pcap-live}} */
    String name();

    /**
     * Builds a source; reads its settings from {@code config} and calls {@link PluginConfig#validate()}.
     *
     * @param config the source's settings
     * @return a new source
     */
    PacketSource create(PluginConfig config);
}
