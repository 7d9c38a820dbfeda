/**
 * Distinct counts: the {@link io.flowtrace.sketch.hll.HyperLogLog HyperLogLog sketch}, the {@code hll} aggregator
 * in its two shapes ({@link io.flowtrace.sketch.hll.HllTotalAggregator one total},
 * {@link io.flowtrace.sketch.hll.HllKeyedAggregator per key}, both {@link io.flowtrace.sketch.hll.HllAggregator}),
 * and its provider. Single-writer, not thread-safe; {@code update} and {@code onPacket} allocate nothing (the keyed
 * one grows its tables now and then, amortised).
 */
package io.flowtrace.sketch.hll;
