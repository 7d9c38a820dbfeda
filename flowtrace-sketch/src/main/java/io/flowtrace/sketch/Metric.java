package io.flowtrace.sketch;

import java.util.Locale;

/**
 * What an aggregator ranks keys by: {@code packets}, {@code bytes} (original wire length), {@code flows} (finished
 * flow events) or {@code spread:FIELDS} (distinct values of other fields per key, e.g. {@code spread:dst_ip}).
 * Immutable.
 */
final class Metric {
    static final int PACKETS = 0;
    static final int BYTES = 1;
    static final int FLOWS = 2;
    static final int SPREAD = 3;

    final int kind;
    /** The element fields of a spread metric, else {@code null}. */
    final KeyFields element;

    private Metric(int kind, KeyFields element) {
        this.kind = kind;
        this.element = element;
    }

    static Metric packets() {
        return new Metric(PACKETS, null);
    }

    static Metric spread(KeyFields element) {
        return new Metric(SPREAD, element);
    }

    /** Parses {@code packets}, {@code bytes}, {@code flows} or {@code spread:FIELD[,FIELD...]} ({@code +} too). */
    static Metric parse(String text) {
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
    String snapshotName() {
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
