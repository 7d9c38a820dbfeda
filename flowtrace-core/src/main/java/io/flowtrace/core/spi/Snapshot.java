package io.flowtrace.core.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The state of one aggregator task over a time window, as rows largest first. Immutable and thread-safe.
 *
 * @param task        the task's name
 * @param type        the aggregator's provider name ({@code exact}, {@code count-min}, ...)
 * @param metric      what {@link Row#value()} counts ({@code packets}, {@code bytes}, {@code flows}, {@code spread})
 * @param startNanos  window start (packet time, inclusive)
 * @param endNanos    window end (packet time, exclusive)
 * @param rows        rows, largest value first
 * @param totals      task totals ({@code total_packets}, {@code total_bytes}, {@code total_flows})
 * @since 0.1
 */
public record Snapshot(String task, String type, String metric, long startNanos, long endNanos, List<Row> rows,
                       Map<String, Long> totals) {

    /**
     * Checks the components.
     *
     * @param task the task's name
     * @param type the aggregator's provider name ({@code exact}, {@code count-min}, ...)
     * @param metric what {@link Row#value()} counts ({@code packets}, {@code bytes}, {@code flows}, {@code spread})
     * @param startNanos window start (packet time, inclusive)
     * @param endNanos window end (packet time, exclusive)
     * @param rows rows, largest value first
     * @param totals task totals ({@code total_packets}, {@code total_bytes}, {@code total_flows})
     */
    public Snapshot {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(metric, "metric");
        rows = List.copyOf(rows);
        totals = Map.copyOf(totals);
    }

    /**
     * Receives a snapshot row by row ({@link Aggregator#snapshot(long, long, Writer)}), so a large result need not be
     * held whole: {@link #begin} once, {@link #row} for each row (largest first), {@link #end} once.
     */
    public interface Writer {
        /**
         * Starts a snapshot.
         *
         * @param task the task's name
         * @param type the aggregator type
         * @param metric what the values count
         * @param startNanos the window's start, epoch nanoseconds
         * @param endNanos the window's end, epoch nanoseconds
         */
        void begin(String task, String type, String metric, long startNanos, long endNanos);

        /**
         * One row, in order: largest first.
         *
         * @param row the row
         */
        void row(Row row);

        /**
         * Ends the snapshot.
         *
         * @param totals the task's totals
         */
        void end(Map<String, Long> totals);
    }

    /**
     * One key and its value.
     *
     * @param key    key field name to value (e.g. {@code src_ip -> "10.0.0.1"}), in the task's field order
     * @param value  the estimate or exact count
     * @param lower  lower bound of the true value ({@code value} when exact)
     * @param upper  upper bound of the true value ({@code value} when exact)
     * @param counts further exact counts of the key beside the ranked value, by name (an {@code exact} task with
     *               {@code lifecycle} on gives {@code packets}, {@code bytes}, {@code flows}, {@code first_seen} and
     *               {@code last_seen}, the times in epoch nanoseconds of packet time); empty for most rows
     */
    public record Row(Map<String, Object> key, long value, long lower, long upper, Map<String, Long> counts) {
        /**
         * Checks the components.
         *
         * @param key key field name to value (e.g. {@code src_ip -> "10.0.0.1"}), in the task's field order
         * @param value the estimate or exact count
         * @param lower lower bound of the true value ({@code value} when exact)
         * @param upper upper bound of the true value ({@code value} when exact)
         * @param counts further exact counts of the key, by name (may be empty)
         */
        public Row {
            Objects.requireNonNull(key, "key");
            counts = counts == null || counts.isEmpty() ? Map.of()
                    : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(counts));
            if (lower > value || upper < value) {
                throw new IllegalArgumentException("bounds [" + lower + ", " + upper + "] do not contain " + value);
            }
        }

        /**
         * A row without further counts.
         *
         * @param key key field name to value (e.g. {@code src_ip -> "10.0.0.1"}), in the task's field order
         * @param value the estimate or exact count
         * @param lower lower bound of the true value ({@code value} when exact)
         * @param upper upper bound of the true value ({@code value} when exact)
         */
        public Row(Map<String, Object> key, long value, long lower, long upper) {
            this(key, value, lower, upper, Map.of());
        }

        /**
         * {@return an exact row}
         *
         * @param key key field name to value
         * @param value the exact count
         */
        public static Row exact(Map<String, Object> key, long value) {
            return new Row(key, value, value, value);
        }
    }
}
