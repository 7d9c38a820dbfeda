package io.flowtrace.sinks.file;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.internal.JsonEncodedSink;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sinks.internal.EventFormat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * Writes records as NDJSON or CSV to a {@link RollingFile}; snapshots go as NDJSON to a separate file when one is
 * set (always beside a CSV file), else into the same NDJSON file. Called from one delivery thread; not thread-safe.
 */
final class FileSink implements JsonEncodedSink {
    private final String name;
    private final LineEncoder encoder;
    private final EventFormat eventFormat;
    private final RollingFile records;
    private final RollingFile snapshots;

    FileSink(String name, FileSettings s, Clock clock) {
        this.name = name;
        this.eventFormat = s.eventFormat();
        this.encoder = new LineEncoder(s.format(), eventFormat.sensor());
        this.records = new RollingFile(s.path(), s.gzip(), s.rotateBytes(), s.rotateMillis(), s.bufferSize(),
                encoder.header(), clock, true);
        this.snapshots = s.snapshotPath() != null
                ? new RollingFile(s.snapshotPath(), s.gzip(), s.rotateBytes(), s.rotateMillis(), s.bufferSize(),
                        null, clock, false)
                : null;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void accept(FlowEvent record) throws IOException {
        if (eventFormat.admits(record)) {
            records.write(encoder.line(record));
        }
    }

    /** {@return NDJSON files in flowtrace's format take the pipeline's encoding as it is} */
    @Override
    public boolean acceptsJson() {
        return !encoder.csv() && !eventFormat.sensor();
    }

    @Override
    public void accept(FlowEvent record, byte[] json) throws IOException {
        if (encoder.csv() || eventFormat.sensor()) {
            accept(record);
        } else {
            records.write(json, json.length, true);
        }
    }

    @Override
    public void accept(Snapshot snapshot) throws IOException {
        (snapshots != null ? snapshots : records).write(encoder.line(snapshot));
    }

    @Override
    public void flush() throws IOException {
        records.flush();
        if (snapshots != null) {
            snapshots.flush();
        }
    }

    @Override
    public Map<String, Long> counters() {
        long files = records.filesCompleted() + (snapshots == null ? 0 : snapshots.filesCompleted());
        long bytes = records.bytesWritten() + (snapshots == null ? 0 : snapshots.bytesWritten());
        // lines it took and then could not write: the pipeline moves them from delivered to failed
        long failed = records.linesLost() + (snapshots == null ? 0 : snapshots.linesLost());
        return eventFormat.addTo(failed == 0 ? Map.of("files", files, "bytes", bytes)
                : Map.of("files", files, "bytes", bytes, "failed", failed));
    }

    @Override
    public void close() throws IOException {
        try {
            records.close();
        } finally {
            if (snapshots != null) {
                snapshots.close();
            }
        }
    }

    /** The settings of one file sink, validated by {@link FileSinkProvider}. */
    record FileSettings(Path path, String format, boolean gzip, long rotateBytes, long rotateMillis, int bufferSize,
                        Path snapshotPath, EventFormat eventFormat) {
    }
}
