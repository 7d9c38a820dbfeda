package io.flowtrace.core.spi;

/** Creates {@link Aggregator}s by name; found through {@link java.util.ServiceLoader}. The constructor does no I/O. */
public interface AggregatorProvider {

    /** Stable lowercase id, e.g. {@code exact}, {@code count-min}, {@code super-spread}, {@code hll}. */
    String name();

    /** Builds an aggregator; reads its settings from {@code config} and calls {@link PluginConfig#validate()}. */
    Aggregator create(PluginConfig config);
}
