package io.flowtrace.alert;

import java.util.Map;
import java.util.Objects;

/**
 * One alert: a rule's condition on one key of one task became true ({@link State#FIRED}) or stopped being true
 * ({@link State#RESOLVED}). Its JSON form is one object with {@code "event": "alert"} and the fields below in
 * snake case ({@code window_start}/{@code window_end} as RFC 3339 UTC times); a webhook posts it as the body.
 * Immutable.
 *
 * @param id          stable across checks for the same (rule, key): a resolved notice carries its fired alert's id
 * @param rule        the rule's name
 * @param task        the task the rule reads
 * @param key         the key's fields (field name to value, in the task's field order); empty for a task total
 * @param metric      the rule's metric ({@code total_packets}, {@code heavy_hitter_count}, ...)
 * @param value       the value that was compared
 * @param threshold   the rule's threshold
 * @param windowStartNanos start of the window the value covers, epoch nanoseconds
 * @param windowEndNanos   end of that window, epoch nanoseconds
 * @param state       fired or resolved
 * @param explanation what the built-in analyzer says of the evidence (never empty)
 * @param analysis    what a model said, or {@code null} when none was asked or it failed
 * @since 0.1
 */
public record Alert(String id, String rule, String task, Map<String, Object> key, String metric, double value,
                    double threshold, long windowStartNanos, long windowEndNanos, State state, String explanation,
                    String analysis) {

    /** Whether a condition began or ended. */
    public enum State {
        /** The condition became true (after any cooldown). */
        FIRED,
        /** The condition of a fired alert is no longer true. */
        RESOLVED
    }

    /**
     * Checks the components.
     *
     * @param id stable id per (rule, key)
     * @param rule the rule's name
     * @param task the task
     * @param key the key's fields
     * @param metric the metric
     * @param value the compared value
     * @param threshold the threshold
     * @param windowStartNanos window start, epoch nanoseconds
     * @param windowEndNanos window end, epoch nanoseconds
     * @param state fired or resolved
     * @param explanation the built-in explanation
     * @param analysis a model's analysis, or {@code null}
     */
    public Alert {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(explanation, "explanation");
        key = key == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(key));
    }

    /**
     * {@return this alert with a model's analysis}
     *
     * @param text the model's text
     */
    public Alert withAnalysis(String text) {
        return new Alert(id, rule, task, key, metric, value, threshold, windowStartNanos, windowEndNanos, state,
                explanation, text);
    }

    /**
     * {@return this alert with another explanation}
     *
     * @param text the explanation
     */
    public Alert withExplanation(String text) {
        return new Alert(id, rule, task, key, metric, value, threshold, windowStartNanos, windowEndNanos, state, text,
                analysis);
    }

    /**
     * {@return this alert as one JSON object, without line end: {@code "event":"alert"}, then {@code id},
     * {@code rule}, {@code task}, {@code key} (an object of the key's fields), {@code metric}, {@code value},
     * {@code threshold}, {@code window_start}, {@code window_end} (RFC 3339, UTC, nine fraction digits),
     * {@code state} ({@code fired} or {@code resolved}), {@code explanation} and, when a model answered,
     * {@code analysis}}
     */
    public String toJson() {
        return AlertJson.write(this);
    }

    /**
     * Reads an alert as {@link #toJson()} writes it (fields it does not know are ignored).
     *
     * @param json one JSON object
     * @return the alert
     * @throws IllegalArgumentException when it is not such an object
     */
    public static Alert fromJson(String json) {
        return AlertJson.read(json);
    }
}
