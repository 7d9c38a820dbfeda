package io.flowtrace.core.spi;

/**
 * Creates {@link Aggregator}s by name; found through {@link java.util.ServiceLoader}. The constructor does no I/O.
 * Called on the thread that builds the meter (or reads shipped state).
 *
 * @since 0.1
 */
public interface AggregatorProvider {

    /** {@return the stable lowercase id, e.g. {@code exact}, {@code count-min}, {@code super-spread}, {@code hll}} */
    String name();

    /**
     * Builds an aggregator; reads its settings from {@code config} and calls {@link PluginConfig#validate()}.
     *
     * @param config the task's settings
     * @return a new aggregator
     */
    Aggregator create(PluginConfig config);

    /**
     * Reads state written by {@link Aggregator#toBytes()} of this provider's aggregators.
     *
     * @param bytes the byte form
     * @return an aggregator holding that state
     * @throws IllegalArgumentException when the bytes are of another type, a newer version, or damaged
     * @throws UnsupportedOperationException when this provider's aggregators have no byte form (the default)
     */
    default Aggregator fromBytes(byte[] bytes) {
        throw new UnsupportedOperationException("aggregator '" + name() + "' has no byte form");
    }
}
