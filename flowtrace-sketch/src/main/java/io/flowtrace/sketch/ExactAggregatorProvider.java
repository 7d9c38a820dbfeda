package io.flowtrace.sketch;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.AggregatorProvider;
import io.flowtrace.core.spi.PluginConfig;

/**
 * Provider of {@code exact} tasks. Settings: {@code name} (required), {@code key} (required, e.g.
 * {@code src_ip,dst_ip} or {@code five_tuple}), {@code metric} ({@code packets} default, {@code bytes},
 * {@code flows}, {@code spread:FIELD}), {@code limit} (rows per snapshot, 0 = all, the default), {@code capacity}
 * (expected keys, to pre-size the table; 1024).
 * Stateless and thread-safe.
 */
public final class ExactAggregatorProvider implements AggregatorProvider {
    @Override
    public String name() {
        return "exact";
    }

    @Override
    public Aggregator create(PluginConfig config) {
        String name = Settings.name(config);
        KeyFields key = Settings.fields(config, "key", true);
        Metric metric = Settings.metric(config, "packets");
        int limit = config.getInt("limit", 0, 0, Integer.MAX_VALUE);
        int capacity = config.getInt("capacity", 1024, 1, 1 << 28);
        config.validate();
        return new ExactAggregator(name, key, metric, limit, capacity);
    }
}
