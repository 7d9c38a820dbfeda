package io.flowtrace.sketch;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.AggregatorProvider;
import io.flowtrace.sketch.countmin.CountMinAggregatorProvider;
import io.flowtrace.sketch.exact.ExactAggregatorProvider;
import io.flowtrace.sketch.hll.HllAggregatorProvider;
import io.flowtrace.sketch.internal.BaseAggregator;
import io.flowtrace.sketch.internal.Bytes;
import io.flowtrace.sketch.superspread.SuperSpreadAggregatorProvider;

/**
 * The versioned byte form of the aggregators in this module, for shipping state between processes (NATS) or
 * storing it. Layout (big-endian): magic {@code "FTSK"}, family (1 exact, 2 count-min, 3 super-spread, 4 hll),
 * format version (per family: exact and hll are at 2, which added their key bounds; the others at 1), seed, then
 * the task name, key fields, totals, parameters and state of that family. A reader refuses an unknown family or a
 * newer version with <em>expected X, got Y</em>, and reads every older version except a Count-Min sketch of the
 * first format, whose rows cannot be recomputed ({@link io.flowtrace.sketch.countmin.CountMinSketch}). Thread-safe
 * (stateless).
 *
 * @since 0.1
 */
public final class AggregatorBytes {
    private AggregatorBytes() {
    }

    /**
     * The byte form of an aggregator from this module.
     *
     * @param aggregator an aggregator made by one of this module's providers
     * @return its versioned byte form
     */
    public static byte[] toBytes(Aggregator aggregator) {
        if (!(aggregator instanceof BaseAggregator)) {
            throw new IllegalArgumentException("aggregator: expected one from flowtrace-sketch, got "
                    + (aggregator == null ? "null" : aggregator.getClass().getName()));
        }
        return aggregator.toBytes();
    }

    /**
     * Reads {@link #toBytes}: the family's provider reads it.
     *
     * @param bytes what {@link #toBytes} gave
     * @return the aggregator, with the state it had
     * @throws IllegalArgumentException when the bytes are not a known family and version, or are cut short
     */
    public static Aggregator fromBytes(byte[] bytes) {
        AggregatorProvider reader = bytes.length < 5 ? null : provider(bytes[4] & 0xFF);
        if (reader != null) {
            return reader.fromBytes(bytes);
        }
        return Bytes.read(bytes, in -> {
            Bytes.readHeader(in, 1);
            in.readLong();
            throw new IllegalArgumentException("aggregator bytes: family: expected 1..4, got " + (bytes[4] & 0xFF));
        });
    }

    private static AggregatorProvider provider(int family) {
        switch (family) {
            case Bytes.EXACT: return new ExactAggregatorProvider();
            case Bytes.COUNT_MIN: return new CountMinAggregatorProvider();
            case Bytes.SUPER_SPREAD: return new SuperSpreadAggregatorProvider();
            case Bytes.HLL: return new HllAggregatorProvider();
            default: return null;
        }
    }
}
