package io.flowtrace.sinks.file;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.core.spi.SinkProvider;
import io.flowtrace.sinks.internal.EventFormat;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;

/**
 * The {@code stdout} sink, for pipes: one line per record and snapshot on standard output, written through a
 * buffer (bypassing {@link System#out}'s locking) that is flushed whenever the delivery queue runs empty and on
 * close. Standard output itself is never closed.
 *
 * <table>
 * <caption>Options</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code format}</td><td>{@code ndjson}</td><td>{@code ndjson}, or {@code csv} (a header line first;
 *     snapshots are still JSON lines)</td></tr>
 * <tr><td>{@code event-format}</td><td>{@code flowtrace}</td><td>{@code flowtrace}, or {@code sensor}: the Go
 *     sensor's fourteen fields only (ports as strings), TCP and UDP only, others counted as
 *     {@code skipped_by_format} (NDJSON only)</td></tr>
 * <tr><td>{@code buffer}</td><td>{@code 64KiB}</td><td>write buffer size</td></tr>
 * </table>
 *
 * @since 0.1
 */
public final class StdoutSinkProvider implements SinkProvider {

    /** For {@link java.util.ServiceLoader}; does no I/O. */
    public StdoutSinkProvider() {
    }

    @Override
    public String name() {
        return "stdout";
    }

    /**
     * The {@code stdout} sink's NDJSON lines (records, and snapshots when there are aggregators) written to
     * {@code target} instead of standard output, for a program that hands over a stream of its own. The stream is
     * flushed, never closed; write errors are counted as on standard output only if {@code target} reports them (a
     * {@link java.io.PrintStream} does not).
     *
     * @param target where the lines go
     * @return the sink
     */
    public static Sink to(OutputStream target) {
        return to(target, "flowtrace");
    }

    /**
     * As {@link #to(OutputStream)}, the events in {@code eventFormat}: {@code flowtrace} or {@code sensor} (the
     * option {@code event-format}).
     *
     * @param target      where the lines go (flushed, never closed)
     * @param eventFormat {@code flowtrace} or {@code sensor}
     * @return the sink
     * @throws IllegalArgumentException for another format
     */
    public static Sink to(OutputStream target, String eventFormat) {
        PluginConfig c = new PluginConfig("sink 'stdout'", java.util.Map.of(EventFormat.KEY, eventFormat));
        EventFormat f = EventFormat.of(c);
        try {
            c.validate();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return new StdoutSink("stdout", "ndjson", f, target, LineBuffer.DEFAULT_SIZE);
    }

    @Override
    public Sink create(PluginConfig config) {
        String format = config.getChoice("format", "ndjson", "ndjson", "csv");
        int buffer = (int) config.getSize("buffer", LineBuffer.DEFAULT_SIZE, 512, 64L * 1024 * 1024);
        EventFormat eventFormat = EventFormat.of(config);
        FileSinkProvider.checkCsv(config, format, eventFormat);
        config.validate();
        return new StdoutSink(name(), format, eventFormat, new FileOutputStream(FileDescriptor.out), buffer);
    }
}
