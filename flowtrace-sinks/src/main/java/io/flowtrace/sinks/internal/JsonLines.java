package io.flowtrace.sinks.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.internal.FlowEventEncoder;
import io.flowtrace.core.internal.SensorEventEncoder;
import io.flowtrace.core.internal.SnapshotEncoder;
import io.flowtrace.core.spi.Snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Encodes records and snapshots as JSON ({@link io.flowtrace.core.EventJson}'s form) into one reused
 * {@link ByteBuf}: records with core's direct byte encoder (no allocation per record once the buffer has grown),
 * snapshots with core's snapshot encoder through one Jackson streaming generator. Callers
 * append separators ({@code '\n'}, {@code ','}) to {@link #buffer()} themselves between values. Not thread-safe:
 * one per sink.
 */
public final class JsonLines {
    private final ByteBuf buf;
    private final boolean sensor;
    /** Made at the first snapshot: a run without snapshots never loads Jackson. */
    private JsonGenerator gen;

    public JsonLines() {
        this(new ByteBuf(1024));
    }

    public JsonLines(ByteBuf buf) {
        this(buf, false);
    }

    /** {@code sensor}: records in the Go sensor's form ({@link SensorEventEncoder}), TCP and UDP only. */
    public JsonLines(ByteBuf buf, boolean sensor) {
        this.buf = buf;
        this.sensor = sensor;
    }

    /** The buffer values are appended to. */
    public ByteBuf buffer() {
        return buf;
    }

    /** Appends {@code r} as JSON (no separator), bytes written directly by core's {@link FlowEventEncoder}. */
    public void append(FlowEvent r) {
        if (sensor) {
            byte[] b = buf.reserve(SensorEventEncoder.maxLength(r));
            buf.advanceTo(SensorEventEncoder.write(r, b, buf.size()));
            return;
        }
        byte[] b = buf.reserve(FlowEventEncoder.maxLength(r));
        buf.advanceTo(FlowEventEncoder.write(r, b, buf.size()));
    }

    /**
     * Appends {@code r} as JSON (no separator): {@code json}, its encoding made by the pipeline
     * ({@link io.flowtrace.core.internal.JsonEncodedSink#accept(FlowEvent, byte[])}), when given and the format is
     * flowtrace's, else encoded here.
     */
    public void append(FlowEvent r, byte[] json) {
        if (json == null || sensor) {
            append(r);
        } else {
            buf.write(json, 0, json.length);
        }
    }

    /** Appends {@code s} as JSON (no separator). */
    public void append(Snapshot s) {
        try {
            if (gen == null) {
                gen = SnapshotEncoder.generator(buf);
            }
            SnapshotEncoder.write(s, gen);
            gen.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
