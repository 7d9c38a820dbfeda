package io.flowtrace.core.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.flowtrace.core.spi.Snapshot;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/**
 * Writes a {@link Snapshot} as one JSON object in the form {@link io.flowtrace.core.EventJson} documents:
 * {@code event} ({@code "snapshot"}), {@code task}, {@code type}, {@code metric}, {@code window_start},
 * {@code window_end}, {@code rows} (each row's key fields, then {@code value}, {@code lower}, {@code upper}, and {@code counts} when the row has any) and
 * {@code totals}. Through a Jackson streaming generator: snapshots are rare, rows hold values of any type. The
 * methods are thread-safe; a generator is used by one thread.
 */
public final class SnapshotEncoder {
    private SnapshotEncoder() {
    }

    /** Generators for snapshots: never close or flush the target themselves, fast double writer. */
    public static final JsonFactory FACTORY = JsonFactory.builder()
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .disable(StreamWriteFeature.FLUSH_PASSED_TO_STREAM)
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();

    /** A generator over {@code out} that writes values back to back, without separator. */
    public static JsonGenerator generator(OutputStream out) throws IOException {
        JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8);
        g.setRootValueSeparator(null);
        return g;
    }

    /** Writes {@code s} as one JSON object (no separator) through {@code g}; the caller flushes. */
    public static void write(Snapshot s, JsonGenerator g) throws IOException {
        byte[] time = new byte[32];
        g.writeStartObject();
        g.writeStringField("event", "snapshot");
        g.writeStringField("task", s.task());
        g.writeStringField("type", s.type());
        g.writeStringField("metric", s.metric());
        g.writeFieldName("window_start");
        g.writeUTF8String(time, 0, FlowEventEncoder.time(time, 0, s.startNanos()));
        g.writeFieldName("window_end");
        g.writeUTF8String(time, 0, FlowEventEncoder.time(time, 0, s.endNanos()));
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
            if (!row.counts().isEmpty()) {
                g.writeObjectFieldStart("counts");
                for (Map.Entry<String, Long> e : row.counts().entrySet()) {
                    g.writeNumberField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
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
