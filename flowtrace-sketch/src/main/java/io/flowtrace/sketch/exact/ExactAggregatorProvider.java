package io.flowtrace.sketch.exact;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.AggregatorProvider;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.sketch.KeyFields;
import io.flowtrace.sketch.internal.Bytes;
import io.flowtrace.sketch.internal.Metric;
import io.flowtrace.sketch.internal.Settings;

/**
 * Provider of {@code exact} tasks. Settings: {@code name} (required), {@code key} (required, e.g.
 * {@code src_ip,dst_ip} or {@code five_tuple}), {@code metric} ({@code packets} default, {@code bytes},
 * {@code flows}, {@code spread:FIELD}), {@code limit} (rows per snapshot, 0 = all, the default), {@code capacity}
 * (expected keys, to pre-size the table; 1024), {@code max-keys} (keys tracked at most; as many as fit, with their
 * snapshot rows when {@code limit} is 0, in a sixteenth of the heap, at most 1,000,000), {@code max-pairs} (distinct
 * pairs remembered at most with {@code spread:}; as many as fit in a sixteenth of the heap, at most 4,000,000, or
 * {@code max-keys} if larger) and {@code seed} (the hash
 * seed; a secret one per process by default, set it to merge state across processes). Traffic beyond the bounds
 * is counted in the snapshot's {@code untracked_*} totals.
 * Stateless and thread-safe.
 *
 * @since 0.1
 */
public final class ExactAggregatorProvider implements AggregatorProvider {
    /** Called by {@link java.util.ServiceLoader}; does no work. */
    public ExactAggregatorProvider() {
    }

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
        int maxKeys = config.getInt("max-keys", key == null || metric == null ? ExactAggregator.DEFAULT_MAX_KEYS
                : ExactAggregator.defaultMaxKeys(key, metric, limit), 1, ExactAggregator.MAX_BOUND);
        int maxPairs = config.getInt("max-pairs", ExactAggregator.defaultMaxPairs(maxKeys), 1,
                ExactAggregator.MAX_BOUND);
        long seed = Settings.seed(config);
        boolean lifecycle = config.getBoolean("lifecycle", false);
        config.validate();
        return new ExactAggregator(name, key, metric, limit, capacity, maxKeys, maxPairs, seed).lifecycle(lifecycle);
    }

    @Override
    public Aggregator fromBytes(byte[] bytes) {
        return Bytes.readAggregator(bytes, Bytes.EXACT, ExactAggregator.NEWEST, name(), ExactAggregator::read);
    }
}
