package io.flowtrace.query;

import java.util.List;

/**
 * The query API's answers, named and shaped as the analysis engine's query service answers them.
 *
 * @since 0.1
 */
public final class Answers {
    private Answers() {
    }

    /**
     * Totals of one exact task at its latest snapshot at or before the asked end ({@code TaskSummary}).
     *
     * @param taskName     the task
     * @param totalBytes   bytes of the keys that match the filters
     * @param totalPackets packets of the keys that match the filters
     * @param flowCount    distinct keys that match the filters
     */
    public record TaskSummary(String taskName, long totalBytes, long totalPackets, long flowCount) {
    }

    /**
     * One key's life in an exact task ({@code FlowLifecycle}): over every key matching the asked fields.
     *
     * @param firstSeenNanos earliest first packet, epoch nanoseconds UTC
     * @param lastSeenNanos  latest last packet, epoch nanoseconds UTC
     * @param totalPackets   packets
     * @param totalBytes     bytes
     */
    public record FlowLifecycle(long firstSeenNanos, long lastSeenNanos, long totalPackets, long totalBytes) {
    }

    /**
     * A heavy hitter ({@code HeavyHitter}).
     *
     * @param flow  the key's field values joined by spaces
     * @param value packets, bytes or spread
     */
    public record HeavyHitter(String flow, long value) {
    }

    /**
     * One point of a time series: one snapshot's value.
     *
     * @param timeNanos the snapshot's time, epoch nanoseconds UTC
     * @param value     the metric's value at that snapshot
     */
    public record Point(long timeNanos, long value) {
    }

    /**
     * A task as stores and the server list it.
     *
     * @param name      the task's name
     * @param kind      {@link TaskSnapshot#EXACT} or {@link TaskSnapshot#SKETCH}
     * @param keyFields its key fields, engine spelling
     * @param types     the heavy-hitter types it answers (sketch tasks; empty for exact ones)
     */
    public record TaskInfo(String name, String kind, List<String> keyFields, List<Integer> types) {
        public TaskInfo {
            keyFields = List.copyOf(keyFields);
            types = List.copyOf(types);
        }
    }
}
