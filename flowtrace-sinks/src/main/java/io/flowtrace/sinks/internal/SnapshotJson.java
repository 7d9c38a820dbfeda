package io.flowtrace.sinks.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import io.flowtrace.core.FlowEventJson;
import io.flowtrace.core.spi.Snapshot;

import java.io.IOException;
import java.util.Map;

/**
 * Writes a {@link Snapshot} as one JSON object: {@code task}, {@code type}, {@code metric}, {@code window_start},
 * {@code window_end} (RFC 3339 UTC), {@code rows} (each row's key fields, then {@code value}, {@code lower},
 * {@code upper}) and {@code totals}. A line with a {@code task} field is a snapshot; records have none.
 */
public final class SnapshotJson {
    private SnapshotJson() {
    }

    public static void write(Snapshot s, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("task", s.task());
        g.writeStringField("type", s.type());
        g.writeStringField("metric", s.metric());
        char[] time = new char[40];
        g.writeFieldName("window_start");
        g.writeString(time, 0, FlowEventJson.formatTime(s.startNanos(), time));
        g.writeFieldName("window_end");
        g.writeString(time, 0, FlowEventJson.formatTime(s.endNanos(), time));
        g.writeArrayFieldStart("rows");
        for (Snapshot.Row row : s.rows()) {
            g.writeStartObject();
            for (Map.Entry<String, Object> e : row.key().entrySet()) {
                g.writeFieldName(e.getKey());
                value(g, e.getValue());
            }
            g.writeNumberField("value", row.value());
            g.writeNumberField("lower", row.lower());
            g.writeNumberField("upper", row.upper());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeObjectFieldStart("totals");
        for (Map.Entry<String, Long> e : s.totals().entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void value(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Number) {
            g.writeNumber(((Number) v).doubleValue());
        } else if (v instanceof Boolean) {
            g.writeBoolean((Boolean) v);
        } else {
            g.writeString(v.toString());
        }
    }
}
