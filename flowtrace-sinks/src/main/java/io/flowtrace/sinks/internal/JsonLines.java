package io.flowtrace.sinks.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowEventNdjson;
import io.flowtrace.core.spi.Snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Encodes records and snapshots as JSON into one reused {@link ByteBuf}: records with core's direct byte encoder
 * (no allocation per record once the buffer has grown), snapshots through one Jackson streaming generator. Callers
 * append separators ({@code '\n'}, {@code ','}) to {@link #buffer()} themselves between values. Not thread-safe:
 * one per sink.
 */
public final class JsonLines {
    /** Holder: Jackson's classes load when the first snapshot is written, not with the sink. */
    private static final class Generators {
        static final JsonFactory FACTORY = JsonFactory.builder()
                .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
                .disable(StreamWriteFeature.FLUSH_PASSED_TO_STREAM)
                // Schubfach instead of Double.toString for the fractional numbers of snapshots
                .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
                .build();
    }

    private final ByteBuf buf;
    /** Made at the first snapshot: a run without snapshots never loads Jackson. */
    private JsonGenerator gen;

    public JsonLines() {
        this(new ByteBuf(1024));
    }

    public JsonLines(ByteBuf buf) {
        this.buf = buf;
    }

    /** The buffer values are appended to. */
    public ByteBuf buffer() {
        return buf;
    }

    /** Appends {@code r} as JSON (no separator), bytes written directly by core's {@link FlowEventNdjson}. */
    public void append(FlowEvent r) {
        byte[] b = buf.reserve(FlowEventNdjson.maxLength(r));
        buf.advanceTo(FlowEventNdjson.write(r, b, buf.size()));
    }

    /**
     * Appends {@code r} as JSON (no separator): {@code json}, its encoding made by the pipeline
     * ({@link io.flowtrace.core.spi.Sink#accept(FlowEvent, byte[])}), when given, else encoded here.
     */
    public void append(FlowEvent r, byte[] json) {
        if (json == null) {
            append(r);
        } else {
            buf.write(json, 0, json.length);
        }
    }

    /** Appends {@code s} as JSON (no separator). */
    public void append(Snapshot s) {
        try {
            if (gen == null) {
                gen = Generators.FACTORY.createGenerator(buf, JsonEncoding.UTF8);
                gen.setRootValueSeparator(null);
            }
            SnapshotJson.write(s, gen);
            gen.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
