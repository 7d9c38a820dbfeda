package io.flowtrace.core.spi;

/**
 * Creates {@link Sink}s by name; found through {@link java.util.ServiceLoader}. The constructor does no I/O;
 * {@link #create} is called on the thread that builds the meter.
 *
 * @since 0.1
 */
public interface SinkProvider {

    /** {@return stable lowercase id, e.g. {@code file}, {@code stdout}, {@code http}, {@code nats}} */
    String name();

    /**
     * Builds a sink; reads its settings from {@code config} and calls {@link PluginConfig#validate()}.
     *
     * @param config the sink's settings
     * @return a new sink
     */
    Sink create(PluginConfig config);
}
