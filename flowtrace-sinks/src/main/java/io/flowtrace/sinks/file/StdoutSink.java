package io.flowtrace.sinks.file;

import io.flowtrace.core.FlowRecord;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sinks.internal.ByteBuf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes one line per record and snapshot to a stream (standard output) through a buffer that is flushed when
 * the delivery queue runs empty and on close; the stream itself is never closed. Not thread-safe.
 */
final class StdoutSink implements Sink {
    private final String name;
    private final LineEncoder encoder;
    private final OutputStream out;
    private boolean headerWritten;

    StdoutSink(String name, String format, OutputStream target, int bufferSize) {
        this.name = name;
        this.encoder = new LineEncoder(format);
        this.out = new BufferedOutputStream(target, bufferSize);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void accept(FlowRecord record) throws IOException {
        accept(record, null);
    }

    @Override
    public boolean acceptsJson() {
        return !encoder.csv();
    }

    @Override
    public void accept(FlowRecord record, byte[] json) throws IOException {
        if (!headerWritten) {
            headerWritten = true;
            byte[] header = encoder.header();
            if (header != null) {
                out.write(header);
            }
        }
        write(encoder.line(record, json));
    }

    @Override
    public void accept(Snapshot snapshot) throws IOException {
        write(encoder.line(snapshot));
    }

    private void write(ByteBuf line) throws IOException {
        out.write(line.array(), 0, line.size());
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.flush();
    }
}
