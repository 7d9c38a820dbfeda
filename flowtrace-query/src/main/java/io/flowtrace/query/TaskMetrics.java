package io.flowtrace.query;

import java.util.List;

/**
 * The metrics of a task that time series ({@code /query} targets {@code task:metric}) are made of, the alert
 * metrics of the analysis engine:
 * <ul>
 *   <li>{@code total_packets}, {@code total_bytes}: the task's totals (every packet it was fed);</li>
 *   <li>{@code total_flows}: distinct keys of an exact task (as the engine's alerter counts "flows"); finished flows
 *   for a sketch task;</li>
 *   <li>{@code heavy_hitter_count}, {@code heavy_hitter_size}, {@code super_spreader_spread}: the largest
 *   heavy-hitter value by packets, by bytes and by spread (0 when there is none);</li>
 *   <li>{@code heavy_hitters}: how many heavy hitters (of every type) the snapshot holds.</li>
 * </ul>
 *
 * @since 0.1
 */
public final class TaskMetrics {
    /** Every metric's name. */
    public static final List<String> NAMES = List.of("total_packets", "total_bytes", "total_flows",
            "heavy_hitter_count", "heavy_hitter_size", "super_spreader_spread", "heavy_hitters");
    /** The metric of a bare task name as a {@code /query} target. */
    public static final String DEFAULT = "total_packets";

    private TaskMetrics() {
    }

    /**
     * {@return the metric's value at one snapshot}
     *
     * @param s      the snapshot
     * @param metric one of {@link #NAMES}
     * @throws IllegalArgumentException when {@code metric} is not one of them
     */
    public static long value(TaskSnapshot s, String metric) {
        switch (metric) {
            case "total_packets": return s.total("total_packets");
            case "total_bytes": return s.total("total_bytes");
            case "total_flows": return TaskSnapshot.EXACT.equals(s.kind()) ? s.flows().size() : s.total("total_flows");
            case "heavy_hitter_count": return largest(s, TaskSnapshot.PACKETS);
            case "heavy_hitter_size": return largest(s, TaskSnapshot.BYTES);
            case "super_spreader_spread": return largest(s, TaskSnapshot.SPREAD);
            case "heavy_hitters": return s.hitters().size();
            default:
                throw new IllegalArgumentException("metric '" + metric + "' (expected: " + String.join(", ", NAMES)
                        + ")");
        }
    }

    private static long largest(TaskSnapshot s, int type) {
        long max = 0;
        for (TaskSnapshot.Hitter h : s.hitters()) {
            if (h.type() == type) {
                max = Math.max(max, h.value());
            }
        }
        return max;
    }
}
