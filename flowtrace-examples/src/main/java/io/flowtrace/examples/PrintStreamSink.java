package io.flowtrace.examples;

import io.flowtrace.core.FlowRecord;
import io.flowtrace.core.FlowRecordNdjson;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.core.spi.Snapshot;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;

/**
 * Writes NDJSON records to the command's standard output (the default output of {@code flows}). A
 * {@link PrintStream} keeps its errors to itself; they are looked for at every flush, and the records written since
 * the last flush that found none are then counted under {@code failed} (a closed pipe, a full disk).
 */
final class PrintStreamSink implements Sink {
    private final PrintStream out;
    private final BufferedOutputStream buffered;
    private byte[] line = new byte[1024];
    private long unchecked;
    private long lost;

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
        unchecked++;
    }

    @Override
    public void accept(Snapshot snapshot) {
        // flows prints records only
    }

    @Override
    public void flush() throws IOException {
        buffered.flush();
        check();
    }

    @Override
    public Map<String, Long> counters() {
        return lost == 0 ? Map.of() : Map.of("failed", lost);
    }

    private void check() throws IOException {
        if (out.checkError()) { // flushes, and stays true once a write has failed
            lost += unchecked;
            unchecked = 0;
            throw new IOException("standard output: a write failed (closed pipe or full disk?)");
        }
        unchecked = 0;
    }

    @Override
    public void close() throws IOException {
        buffered.flush();
        check();
    }
}
