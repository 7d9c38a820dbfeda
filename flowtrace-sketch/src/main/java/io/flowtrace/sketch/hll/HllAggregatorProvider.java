package io.flowtrace.sketch.hll;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.AggregatorProvider;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.sketch.KeyFields;
import io.flowtrace.sketch.internal.Bytes;
import io.flowtrace.sketch.internal.KeyIndex;
import io.flowtrace.sketch.internal.Settings;

/**
 * Provider of {@code hll} tasks. Settings: {@code name} (required), {@code element} (required: the fields whose
 * distinct values are counted, e.g. {@code dst_ip}), {@code key} (optional: count per key), {@code precision}
 * (p, 4..18: 2<sup>p</sup> registers; 14 without a key, 8 with one), {@code limit} (rows, 100), {@code seed} (the
 * hash seed; a secret one per process by default, set it to merge state across processes), {@code max-keys} (with
 * a key: keys tracked at most; by default as many as fit in a sixteenth of the heap, at most 64 MiB of registers).
 * Stateless and thread-safe.
 *
 * @since 0.1
 */
public final class HllAggregatorProvider implements AggregatorProvider {
    /** Called by {@link java.util.ServiceLoader}; does no work. */
    public HllAggregatorProvider() {
    }

    @Override
    public String name() {
        return "hll";
    }

    @Override
    public Aggregator create(PluginConfig config) {
        String name = Settings.name(config);
        KeyFields element = Settings.fields(config, "element", true);
        KeyFields key = Settings.fields(config, "key", false);
        int p = config.getInt("precision", key == null ? 14 : 8, 4, 18);
        int limit = config.getInt("limit", 100, 1, Integer.MAX_VALUE);
        long seed = Settings.seed(config);
        int maxKeys = config.getInt("max-keys", key == null ? 16 : HllKeyedAggregator.defaultMaxKeys(p, key), 1,
                KeyIndex.MAX_BOUND);
        config.validate();
        return key == null ? new HllTotalAggregator(name, element, p, seed, limit)
                : new HllKeyedAggregator(name, key, element, p, seed, limit, maxKeys);
    }

    @Override
    public Aggregator fromBytes(byte[] bytes) {
        return Bytes.readAggregator(bytes, Bytes.HLL, Hll.FORMAT, name(), Hll::read);
    }
}
