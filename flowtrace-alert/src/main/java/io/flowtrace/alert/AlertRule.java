package io.flowtrace.alert;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One alert rule, in the analysis engine's terms: {@code {name, task_name, metric, operator, threshold}}, with
 * flowtrace's {@code cooldown} and {@code window}. Immutable.
 *
 * @param name      the rule's name (unique within an alerter)
 * @param task      the task it reads (the engine's task name, or an aggregator task's name)
 * @param metric    what it compares
 * @param operator  how it compares
 * @param threshold what it compares with
 * @param cooldown  the least time between two notices that the condition holds for one key, or {@code null} for the
 *                  alerter's default
 * @param window    whether it compares the change since the previous check instead of the total since the task's
 *                  state began (its {@code period})
 * @since 0.1
 */
public record AlertRule(String name, String task, Metric metric, Operator operator, double threshold,
                        Duration cooldown, boolean window) {

    /**
     * Checks the components.
     *
     * @param name the rule's name
     * @param task the task
     * @param metric the metric
     * @param operator the operator
     * @param threshold the threshold
     * @param cooldown the cooldown, or {@code null}
     * @param window whether it compares windows
     */
    public AlertRule {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name: missing (expected: the rule's name)");
        }
        if (task == null || task.isBlank()) {
            throw new IllegalArgumentException("task_name: missing (expected: a task's name)");
        }
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(operator, "operator");
        if (Double.isNaN(threshold) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("threshold: " + threshold + " (expected: a finite number)");
        }
        if (cooldown != null && cooldown.isNegative()) {
            throw new IllegalArgumentException("cooldown: " + cooldown + " (expected: >= 0)");
        }
    }

    /**
     * A rule as the engine's configuration spells it, checked field by field: a problem is an
     * {@link IllegalArgumentException} whose message begins with the field's key ({@code metric: 'x' (expected:
     * ...)}).
     *
     * @param name      the rule's name
     * @param task      the task's name
     * @param metric    the metric's name ({@code total_bytes}, ...)
     * @param operator  {@code >}, {@code <}, {@code =}, {@code >=} or {@code <=}
     * @param threshold the threshold, as a number or text
     * @return the rule, without cooldown of its own, comparing totals
     */
    public static AlertRule of(String name, String task, String metric, String operator, String threshold) {
        double t;
        try {
            t = Double.parseDouble(threshold.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException("threshold: '" + threshold + "' (expected: a number)");
        }
        return new AlertRule(name, task, Metric.of(metric), Operator.of(operator), t, null, false);
    }

    /**
     * {@return this rule with a cooldown of its own}
     *
     * @param d the least time between two notices for one key
     */
    public AlertRule withCooldown(Duration d) {
        return new AlertRule(name, task, metric, operator, threshold, d, window);
    }

    /**
     * {@return this rule comparing windows (the change since the previous check) or totals}
     *
     * @param on whether it compares windows
     */
    public AlertRule withWindow(boolean on) {
        return new AlertRule(name, task, metric, operator, threshold, cooldown, on);
    }

    /** What a rule compares: the engine's metrics, and flowtrace's count of finished flows. */
    public enum Metric {
        /** The task's packets. */
        TOTAL_PACKETS("total_packets", false),
        /** The task's wire bytes. */
        TOTAL_BYTES("total_bytes", false),
        /** Distinct keys of an exact task, as the engine counts "flows" (not the flows that finished). */
        TOTAL_FLOWS("total_flows", false),
        /** flowtrace's count of flows that finished (ended by FIN/RST, timeout or the end of the source). */
        FINISHED_FLOWS("finished_flows", false),
        /** Packets of each heavy hitter of a Count-Min task (the engine's {@code skt_type: 0}, by count). */
        HEAVY_HITTER_COUNT("heavy_hitter_count", true),
        /** Bytes of each heavy hitter of a Count-Min task (by size). */
        HEAVY_HITTER_SIZE("heavy_hitter_size", true),
        /** Distinct elements of each super-spreader of a SuperSpread task (the engine's {@code skt_type: 1}). */
        SUPER_SPREADER_SPREAD("super_spreader_spread", true);

        private final String configName;
        private final boolean keyed;

        Metric(String configName, boolean keyed) {
            this.configName = configName;
            this.keyed = keyed;
        }

        /** {@return the name a configuration uses} */
        public String configName() {
            return configName;
        }

        /** {@return whether the rule fires per key (heavy hitters, spreaders) rather than for the task} */
        public boolean keyed() {
            return keyed;
        }

        /**
         * {@return the metric of a configuration name}
         *
         * @param name e.g. {@code heavy_hitter_count}
         * @throws IllegalArgumentException naming the metrics there are
         */
        public static Metric of(String name) {
            for (Metric m : values()) {
                if (m.configName.equals(name == null ? null : name.trim())) {
                    return m;
                }
            }
            List<String> names = new ArrayList<>();
            for (Metric m : values()) {
                names.add(m.configName);
            }
            throw new IllegalArgumentException("metric: '" + name + "' (expected: " + String.join(", ", names) + ")");
        }

        @Override
        public String toString() {
            return configName;
        }
    }

    /** How a rule compares the value with the threshold. */
    public enum Operator {
        /** Greater than. */
        GT(">"),
        /** Less than. */
        LT("<"),
        /** Equal. */
        EQ("="),
        /** Greater than or equal. */
        GE(">="),
        /** Less than or equal. */
        LE("<=");

        private final String symbol;

        Operator(String symbol) {
            this.symbol = symbol;
        }

        /** {@return the operator as written: {@code >}, {@code <}, {@code =}, {@code >=}, {@code <=}} */
        public String symbol() {
            return symbol;
        }

        /**
         * {@return whether {@code value} compared with {@code threshold} holds}
         *
         * @param value the value
         * @param threshold the threshold
         */
        public boolean test(double value, double threshold) {
            switch (this) {
                case GT: return value > threshold;
                case LT: return value < threshold;
                case EQ: return value == threshold;
                case GE: return value >= threshold;
                default: return value <= threshold;
            }
        }

        /**
         * {@return the operator written as {@code symbol}}
         *
         * @param symbol {@code >}, {@code <}, {@code =}, {@code >=} or {@code <=}
         * @throws IllegalArgumentException naming the operators there are
         */
        public static Operator of(String symbol) {
            String s = symbol == null ? "" : symbol.trim().toLowerCase(Locale.ROOT);
            for (Operator o : values()) {
                if (o.symbol.equals(s)) {
                    return o;
                }
            }
            throw new IllegalArgumentException("operator: '" + symbol + "' (expected: > < = >= <=)");
        }

        @Override
        public String toString() {
            return symbol;
        }
    }
}
