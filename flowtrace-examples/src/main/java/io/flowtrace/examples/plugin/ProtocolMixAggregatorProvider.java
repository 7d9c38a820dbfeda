package io.flowtrace.examples.plugin;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.AggregatorProvider;
import io.flowtrace.core.spi.PluginConfig;

/**
 * Provider of the example aggregator {@code protocol-mix}. Settings: {@code name} (task name, default
 * {@code protocol_mix}), {@code metric} ({@code packets}, {@code bytes} or {@code flows}; default {@code bytes}).
 * Registered in {@code META-INF/services/io.flowtrace.core.spi.AggregatorProvider} and in module-info.
 */
public final class ProtocolMixAggregatorProvider implements AggregatorProvider {
    static final String NAME = "protocol-mix";

    /** Called by {@link java.util.ServiceLoader}; does no work. */
    public ProtocolMixAggregatorProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Aggregator create(PluginConfig config) {
        String task = config.getString("name", "protocol_mix");
        String metric = config.getChoice("metric", "bytes", "packets", "bytes", "flows");
        config.validate();
        return new ProtocolMixAggregator(task, metric);
    }
}
