package io.flowtrace.sketch.internal;

import io.flowtrace.sketch.KeyFields;

import java.util.Locale;

/**
 * What an aggregator ranks keys by: {@code packets}, {@code bytes} (original wire length), {@code flows} (finished
 * flow events) or {@code spread:FIELDS} (distinct values of other fields per key, e.g. {@code spread:dst_ip}).
 * Immutable.
 */
public final class Metric {
    public static final int PACKETS = 0;
    public static final int BYTES = 1;
    public static final int FLOWS = 2;
    public static final int SPREAD = 3;

    public final int kind;
    /** The element fields of a spread metric, else {@code null}. */
    public final KeyFields element;

    private Metric(int kind, KeyFields element) {
        this.kind = kind;
        this.element = element;
    }

    public static Metric packets() {
        return new Metric(PACKETS, null);
    }

    public static Metric spread(KeyFields element) {
        return new Metric(SPREAD, element);
    }

    /** Parses {@code packets}, {@code bytes}, {@code flows} or {@code spread:FIELD[,FIELD...]} ({@code +} too). */
    public static Metric parse(String text) {
        String t = text.trim();
        String lower = t.toLowerCase(Locale.ROOT);
        switch (lower) {
            case "packets": case "count": return new Metric(PACKETS, null);
            case "bytes": case "size": return new Metric(BYTES, null);
            case "flows": return new Metric(FLOWS, null);
            default:
                if (lower.startsWith("spread:")) {
                    return new Metric(SPREAD, KeyFields.parse(t.substring(7).replace('+', ',')));
                }
                throw new IllegalArgumentException("metric: '" + text
                        + "' (expected: packets, bytes, flows or spread:FIELD)");
        }
    }

    /** The snapshot's metric name: {@code packets}, {@code bytes}, {@code flows} or {@code spread}. */
    public String snapshotName() {
        switch (kind) {
            case PACKETS: return "packets";
            case BYTES: return "bytes";
            case FLOWS: return "flows";
            default: return "spread";
        }
    }

    @Override
    public String toString() {
        return kind == SPREAD ? "spread:" + element : snapshotName();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Metric)) {
            return false;
        }
        Metric m = (Metric) o;
        return m.kind == kind && (element == null ? m.element == null : element.equals(m.element));
    }

    @Override
    public int hashCode() {
        return kind * 31 + (element == null ? 0 : element.hashCode());
    }
}
