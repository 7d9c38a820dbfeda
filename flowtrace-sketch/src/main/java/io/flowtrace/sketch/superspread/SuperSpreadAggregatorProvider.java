package io.flowtrace.sketch.superspread;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.AggregatorProvider;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.sketch.KeyFields;
import io.flowtrace.sketch.internal.Bytes;
import io.flowtrace.sketch.internal.Metric;
import io.flowtrace.sketch.internal.Settings;

/**
 * Provider of {@code super-spread} tasks. Settings: {@code name} and {@code key} (required, e.g. {@code src_ip});
 * the element fields as {@code element} (e.g. {@code dst_ip}) or {@code metric=spread:dst_ip}; {@code m}
 * (registers per bucket, 128), {@code bits} (per register, 5), {@code b} (decay base, 1.08), {@code depth} (rows,
 * 4), and {@code width} (buckets per row) or {@code memory} (total, 1MiB by default); {@code threshold} (smallest
 * spread reported, 1), {@code limit} (rows, 100), {@code seed} (the hash seed; a secret one per process by
 * default, set it to merge state across processes).
 * Stateless and thread-safe.
 *
 * @since 0.1
 */
public final class SuperSpreadAggregatorProvider implements AggregatorProvider {
    static final int DEFAULT_DEPTH = 4;
    static final long DEFAULT_MEMORY = 1 << 20;

    /** Called by {@link java.util.ServiceLoader}; does no work. */
    public SuperSpreadAggregatorProvider() {
    }

    @Override
    public String name() {
        return "super-spread";
    }

    @Override
    public Aggregator create(PluginConfig config) {
        String name = Settings.name(config);
        KeyFields key = Settings.fields(config, "key", true);
        KeyFields element = Settings.fields(config, "element", false);
        Metric metric = Settings.metric(config, null);
        if (metric != null) {
            if (metric.kind != Metric.SPREAD) {
                config.error("metric: " + metric + " (expected: spread:FIELD)");
            } else if (element != null && !element.equals(metric.element)) {
                config.error("element: " + element + " disagrees with metric " + metric);
            } else {
                element = metric.element;
            }
        }
        if (element == null && metric == null && !config.has("element")) {
            config.error("element: missing (required, or metric=spread:FIELD)");
        }
        if (config.has("width") && config.has("memory")) {
            config.error("sizing: give width or memory, not both");
        }
        int m = config.getInt("m", 128, 1, 4096);
        int bits = config.getInt("bits", 5, 3, 6);
        double b = config.getDouble("b", 1.08, 1.0001, 15);
        int depth = config.getInt("depth", DEFAULT_DEPTH, 1, 16);
        int width = config.getInt("width", 0, 1, 1 << 26);
        long memory = config.getSize("memory", DEFAULT_MEMORY, 64, 1L << 34);
        long threshold = config.getLong("threshold", 1, 0, Long.MAX_VALUE);
        int limit = config.getInt("limit", 100, 1, 1 << 24);
        long seed = Settings.seed(config);
        if (key != null && !config.has("width")
                && memory < SuperSpread.bucketBytes(m, bits, key.words()) * depth) {
            config.error("memory: " + memory + " bytes (expected: at least "
                    + SuperSpread.bucketBytes(m, bits, key.words()) * depth + ")");
        }
        config.validate();
        SuperSpread sketch = config.has("width")
                ? new SuperSpread(width, depth, m, bits, b, key.words(), seed)
                : SuperSpreadAggregator.sized(memory, depth, m, bits, b, key.words(), seed);
        return new SuperSpreadAggregator(name, key, element, sketch, threshold, limit);
    }

    @Override
    public Aggregator fromBytes(byte[] bytes) {
        return Bytes.readAggregator(bytes, Bytes.SUPER_SPREAD, 1, name(), SuperSpreadAggregator::read);
    }
}
