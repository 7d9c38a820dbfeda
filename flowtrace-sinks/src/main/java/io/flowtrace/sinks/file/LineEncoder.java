package io.flowtrace.sinks.file;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sinks.internal.ByteBuf;
import io.flowtrace.sinks.internal.CsvRecords;
import io.flowtrace.sinks.internal.JsonLines;

import java.nio.charset.StandardCharsets;

/** Turns one record or snapshot into one line in a reused buffer, as NDJSON or CSV. Not thread-safe. */
final class LineEncoder {
    private final boolean csv;
    private final JsonLines json;
    private final CsvRecords csvRecords = new CsvRecords();

    /** {@code sensor}: records in the Go sensor's form (NDJSON only). */
    LineEncoder(String format, boolean sensor) {
        this.csv = "csv".equals(format);
        this.json = new JsonLines(new ByteBuf(1024), sensor);
    }

    boolean csv() {
        return csv;
    }

    /** The first line of every file, or {@code null}. */
    byte[] header() {
        return csv ? CsvRecords.header().getBytes(StandardCharsets.US_ASCII) : null;
    }

    /** The line for {@code r}; valid until the next call. */
    ByteBuf line(FlowEvent r) {
        return line(r, null);
    }

    /** The line for {@code r}, from its JSON encoding {@code json} when given and the format is NDJSON. */
    ByteBuf line(FlowEvent r, byte[] encoded) {
        ByteBuf b = json.buffer();
        b.reset();
        if (csv) {
            csvRecords.append(r, b);
        } else {
            json.append(r, encoded);
            b.write('\n');
        }
        return b;
    }

    /** The JSON line for {@code s} (snapshots are JSON in every format); valid until the next call. */
    ByteBuf line(Snapshot s) {
        ByteBuf b = json.buffer();
        b.reset();
        json.append(s);
        b.write('\n');
        return b;
    }
}
