package io.flowtrace.sketch.countmin;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.AggregatorProvider;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.sketch.KeyFields;
import io.flowtrace.sketch.internal.Bytes;
import io.flowtrace.sketch.internal.Metric;
import io.flowtrace.sketch.internal.Settings;

/**
 * Provider of {@code count-min} tasks. Settings: {@code name} and {@code key} (required); {@code metric}
 * ({@code packets} default, {@code bytes}, {@code flows}); sizing by exactly one of {@code width} (with
 * {@code depth}), {@code memory} (bytes of counters, e.g. {@code 256KiB}, with {@code depth}) or {@code epsilon}
 * (with {@code delta}, default 0.01), else 256 KiB over 4 rows; {@code conservative} (update mode, on);
 * {@code limit} (rows, 100); {@code candidates} (tracked keys, default twice the limit and at least limit + 64);
 * {@code threshold} (smallest estimate reported, 0); {@code seed} (the hash seed; a secret one per process by
 * default, set it to merge state across processes).
 * Stateless and thread-safe.
 *
 * @since 0.1
 */
public final class CountMinAggregatorProvider implements AggregatorProvider {
    static final int DEFAULT_DEPTH = 4;
    static final long DEFAULT_MEMORY = 256 * 1024;

    /** Called by {@link java.util.ServiceLoader}; does no work. */
    public CountMinAggregatorProvider() {
    }

    @Override
    public String name() {
        return "count-min";
    }

    @Override
    public Aggregator create(PluginConfig config) {
        String name = Settings.name(config);
        KeyFields key = Settings.fields(config, "key", true);
        Metric metric = Settings.metric(config, "packets");
        if (metric != null && metric.kind == Metric.SPREAD) {
            config.error("metric: " + metric + " (expected: packets, bytes or flows; spreads need super-spread)");
        }
        boolean byWidth = config.has("width");
        boolean byMemory = config.has("memory");
        boolean byError = config.has("epsilon");
        if ((byWidth ? 1 : 0) + (byMemory ? 1 : 0) + (byError ? 1 : 0) > 1) {
            config.error("sizing: give one of width, memory or epsilon");
        }
        if (config.has("delta") && !byError) {
            config.error("delta: only with epsilon");
        }
        if (config.has("depth") && byError) {
            config.error("depth: not with epsilon (depth = ln(1/delta))");
        }
        int depth = config.getInt("depth", DEFAULT_DEPTH, 1, 32);
        int width = config.getInt("width", 0, 1, 1 << 28);
        long memory = config.getSize("memory", DEFAULT_MEMORY, 8, 1L << 34);
        double epsilon = config.getDouble("epsilon", 0.001, 1e-9, 0.5);
        double delta = config.getDouble("delta", 0.01, 1e-12, 0.5);
        boolean conservative = config.getBoolean("conservative", true);
        int limit = config.getInt("limit", 100, 1, 1 << 22);
        int candidates = config.getInt("candidates", CountMinAggregator.defaultCandidates(limit), 1,
                HeavyHitterHeap.MAX_CAPACITY);
        if (candidates < limit) {
            config.error("candidates: " + candidates + " (expected: >= limit " + limit + ")");
        }
        long threshold = config.getLong("threshold", 0, 0, Long.MAX_VALUE);
        long seed = Settings.seed(config);
        if (memory / 8 / depth < 1) {
            config.error("memory: " + memory + " bytes (expected: at least " + 8 * depth + " for depth " + depth + ")");
        }
        config.validate();
        CountMinSketch cm;
        if (byWidth) {
            cm = new CountMinSketch(width, depth, seed, conservative);
        } else if (byError) {
            CountMinSketch e = CountMinSketch.ofError(epsilon, delta, seed);
            cm = new CountMinSketch(e.width(), e.depth(), seed, conservative);
        } else {
            cm = new CountMinSketch((int) Math.min(memory / 8 / depth, (1 << 30) / depth), depth, seed, conservative);
        }
        return new CountMinAggregator(name, key, metric, cm, candidates, limit, threshold);
    }

    @Override
    public Aggregator fromBytes(byte[] bytes) {
        return Bytes.readAggregator(bytes, Bytes.COUNT_MIN, 1, name(), CountMinAggregator::read);
    }
}
