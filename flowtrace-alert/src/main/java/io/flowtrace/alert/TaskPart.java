package io.flowtrace.alert;

/**
 * One aggregator of a task as the alerter reads it: the engine's task it answers for, the aggregator's own task name
 * (the name its snapshots carry), its type, what its rows count and the smallest value it reports.
 *
 * @param engineTask     the task name rules use
 * @param aggregatorTask the task name its snapshots carry
 * @param type           {@code exact}, {@code count-min}, {@code super-spread} or another aggregator type
 * @param rowMetric      what its rows count ({@code packets}, {@code bytes}, {@code spread}, ...)
 * @param reportFrom     the smallest row value it reports (its {@code threshold}); 0 when it reports every key
 */
record TaskPart(String engineTask, String aggregatorTask, String type, String rowMetric, long reportFrom) {

    /** {@return whether this part answers for {@code m}} */
    boolean answers(AlertRule.Metric m) {
        switch (m) {
            case TOTAL_PACKETS:
            case TOTAL_BYTES:
            case FINISHED_FLOWS:
                return true;
            case TOTAL_FLOWS:
                return type.equals("exact");
            case HEAVY_HITTER_COUNT:
                return type.equals("count-min") && rowMetric.equals("packets");
            case HEAVY_HITTER_SIZE:
                return type.equals("count-min") && rowMetric.equals("bytes");
            default:
                return type.equals("super-spread");
        }
    }

    /** {@return what kind of task a metric needs, for messages} */
    static String needs(AlertRule.Metric m) {
        switch (m) {
            case TOTAL_FLOWS: return "an exact task (distinct keys)";
            case HEAVY_HITTER_COUNT: return "a Count-Min task by packets (skt_type 0, count threshold)";
            case HEAVY_HITTER_SIZE: return "a Count-Min task by bytes (skt_type 0, size threshold)";
            case SUPER_SPREADER_SPREAD: return "a SuperSpread task (skt_type 1)";
            default: return "any task";
        }
    }
}
