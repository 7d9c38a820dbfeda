package io.flowtrace.sinks.file;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.internal.BufferingSink;
import io.flowtrace.core.internal.JsonEncodedSink;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sinks.internal.ByteBuf;
import io.flowtrace.sinks.internal.EventFormat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.util.Map;

/**
 * Writes one line per record and snapshot to a stream (standard output) through a buffer that is flushed when
 * the delivery queue runs empty and on close; the stream itself is never closed. Lines it took and could not write
 * (a closed pipe, a full disk) are reported under its counter {@code failed}. Not thread-safe.
 */
final class StdoutSink implements JsonEncodedSink, BufferingSink {
    private final String name;
    private final LineEncoder encoder;
    private final EventFormat eventFormat;
    private final LineBuffer out;
    private boolean headerWritten;

    StdoutSink(String name, String format, OutputStream target, int bufferSize) {
        this(name, format, EventFormat.flowtrace(), target, bufferSize);
    }

    StdoutSink(String name, String format, EventFormat eventFormat, OutputStream target, int bufferSize) {
        this.name = name;
        this.eventFormat = eventFormat;
        this.encoder = new LineEncoder(format, eventFormat.sensor());
        this.out = new LineBuffer(Channels.newChannel(target), bufferSize, true);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void accept(FlowEvent record) throws IOException {
        accept(record, null);
    }

    @Override
    public boolean acceptsJson() {
        return !encoder.csv() && !eventFormat.sensor();
    }

    @Override
    public void accept(FlowEvent record, byte[] json) throws IOException {
        if (!eventFormat.admits(record)) {
            return;
        }
        if (!headerWritten) {
            headerWritten = true;
            byte[] header = encoder.header();
            if (header != null) {
                out.raw(header);
            }
        }
        write(encoder.line(record, json));
    }

    @Override
    public void accept(Snapshot snapshot) throws IOException {
        write(encoder.line(snapshot));
    }

    private void write(ByteBuf line) throws IOException {
        out.line(line.array(), line.size(), false);
    }

    @Override
    public Map<String, Long> counters() {
        long lost = out.lost();
        return eventFormat.addTo(lost == 0 ? Map.of() : Map.of("failed", lost));
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    /** Nothing is held once flushed. */
    @Override
    public boolean holdsEvents() {
        return false;
    }

    @Override
    public void close() throws IOException {
        out.finish();
    }
}
