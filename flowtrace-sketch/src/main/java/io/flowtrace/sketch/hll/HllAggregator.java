package io.flowtrace.sketch.hll;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.sketch.KeyFields;

/**
 * Distinct counts (type {@code hll}): a {@link HyperLogLog} of the chosen element fields (e.g. distinct
 * {@code dst_ip}), over the whole traffic ({@link HllTotalAggregator}), or per key when key fields are given
 * ({@link HllKeyedAggregator}: e.g. distinct {@code dst_ip} per {@code src_ip}; one sketch of 2<sup>p</sup> bytes
 * per key, so choose a small precision for many keys).
 *
 * <p>Rows: one per key (or a single row with an empty key), value = estimate rounded, with an approximate
 * three-standard-error interval {@code value · (1 ± 3 · 1.04/√m)} as bounds (not a hard guarantee). No estimate or
 * bound exceeds the packets counted (of the key, or in all): there cannot be more distinct elements than packets,
 * whatever the registers say. Elements are hashed under a seed, by default a secret one per process, so that nobody
 * can craft elements that fill the registers.
 *
 * <p><b>Merge: exact</b> (register-wise maximum, per key), whatever way the stream was split. Not thread-safe.
 *
 * @since 0.1
 */
public sealed interface HllAggregator extends Aggregator permits HllTotalAggregator, HllKeyedAggregator {
    /** Register memory the default key bound allows: 64 MiB. */
    int DEFAULT_REGISTER_BYTES = 64 << 20;

    /**
     * A distinct-count task.
     *
     * @param task      name of the task
     * @param element   the fields whose distinct values are counted, e.g. {@code dst_ip}
     * @param key       key fields for per-key counts, or {@code null} for one total
     * @param precision p: 2<sup>p</sup> registers per sketch
     * @param seed      the seed of the hashes
     * @return the aggregator: one total, or per key
     */
    static HllAggregator of(String task, String element, String key, int precision, long seed) {
        KeyFields e = KeyFields.parse(element);
        return key == null ? new HllTotalAggregator(task, e, precision, seed, 100)
                : new HllKeyedAggregator(task, KeyFields.parse(key), e, precision, seed, 100);
    }

    @Override
    default String type() {
        return "hll";
    }

    /** {@return the key fields, or {@code null} for one total} */
    KeyFields keyFields();

    /** {@return packets seen since the last reset} */
    long totalPackets();

    /** {@return packets of keys left out by the key bound (also in the totals); 0 for one total} */
    long untrackedPackets();
}
