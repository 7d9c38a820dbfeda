package io.flowtrace.examples;

import io.flowtrace.core.FlowRecord;
import io.flowtrace.core.FlowRecordNdjson;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.core.spi.Snapshot;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.PrintStream;

/** Writes NDJSON records to the command's standard output (the default output of {@code flows}). */
final class PrintStreamSink implements Sink {
    private final PrintStream out;
    private final BufferedOutputStream buffered;
    private byte[] line = new byte[1024];

    PrintStreamSink(PrintStream out) {
        this.out = out;
        this.buffered = new BufferedOutputStream(out, 1 << 16);
    }

    @Override
    public String name() {
        return "stdout";
    }

    @Override
    public void accept(FlowRecord record) throws IOException {
        int max = FlowRecordNdjson.maxLength(record) + 1;
        if (max > line.length) {
            line = new byte[Math.max(max, 2 * line.length)];
        }
        int n = FlowRecordNdjson.write(record, line, 0);
        line[n++] = '\n';
        buffered.write(line, 0, n);
    }

    @Override
    public void accept(Snapshot snapshot) {
        // flows prints records only
    }

    @Override
    public void flush() throws IOException {
        buffered.flush();
    }

    @Override
    public void close() throws IOException {
        buffered.flush();
        out.flush();
    }
}
