package io.flowtrace.sinks.file;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.core.spi.SinkProvider;
import io.flowtrace.sinks.internal.EventFormat;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * The {@code file} sink: records as NDJSON (one JSON object per line, the sensor's field names) or CSV (same
 * columns, with a header line), written through a buffer to a file under a temporary name ({@code <name>.part})
 * and renamed when the file is complete: at rotation and on close. Snapshots are JSON lines: in the same file for
 * NDJSON unless {@code snapshot-path} is set, in a separate NDJSON file for CSV. A path that exists as a device,
 * FIFO or socket ({@code /dev/null}) or as a symbolic link ({@code /dev/stdout}) is written in place, without
 * temporary name, rename or rotation.
 *
 * <table>
 * <caption>Options</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code path}</td><td>(required)</td><td>output file, e.g. {@code out/flows.ndjson}; its directory must
 *     exist. With rotation it is the pattern for {@code <stem>-<yyyyMMdd'T'HHmmss'Z'>-<seq>.<ext>}</td></tr>
 * <tr><td>{@code format}</td><td>{@code ndjson}</td><td>{@code ndjson} or {@code csv}</td></tr>
 * <tr><td>{@code gzip}</td><td>{@code off}</td><td>gzip-compress each file ({@code .gz} is added to the name
 *     unless present); after a flush the file is a complete gzip file of everything written so far</td></tr>
 * <tr><td>{@code rotate-size}</td><td>{@code 0} (never)</td><td>start a new file before a line would take the
 *     current one past this many uncompressed bytes ({@code 100MiB})</td></tr>
 * <tr><td>{@code rotate-interval}</td><td>{@code 0} (never)</td><td>complete a file at the first write or flush
 *     once it has been open this long ({@code 1h}); wall-clock time</td></tr>
 * <tr><td>{@code event-format}</td><td>{@code flowtrace}</td><td>{@code flowtrace}, or {@code sensor}: the Go
 *     sensor's fourteen fields only (ports as strings), TCP and UDP only, others counted as
 *     {@code skipped_by_format} (NDJSON only)</td></tr>
 * <tr><td>{@code buffer}</td><td>{@code 1MiB}</td><td>write buffer size</td></tr>
 * <tr><td>{@code snapshot-path}</td><td>NDJSON: none (snapshots in {@code path}); CSV:
 *     {@code <stem>-snapshots.ndjson} beside {@code path}</td><td>a separate file for snapshots (NDJSON, same gzip
 *     and rotation settings as {@code path}, rotated on its own); when a CSV {@code path} is a device, FIFO or link,
 *     snapshots go into it as JSON lines unless this is set</td></tr>
 * </table>
 *
 * <p>Counters: {@code files} completed, {@code bytes} in the files (before compression), and {@code failed}: lines
 * taken that could not be written (a full disk), which the pipeline counts failed rather than delivered. While
 * writes fail no file is completed for rotation; a file completed after a failure holds whole lines only, and one
 * that then holds none is removed.
 *
 * @since 0.1
 */
public final class FileSinkProvider implements SinkProvider {
    /** Write buffer of a file unless configured: large, so that a run's records take few writes. */
    static final int DEFAULT_BUFFER = 1024 * 1024;

    /** For {@link java.util.ServiceLoader}; does no I/O. */
    public FileSinkProvider() {
    }

    @Override
    public String name() {
        return "file";
    }

    @Override
    public Sink create(PluginConfig config) {
        return new FileSink(name(), settings(config), Clock.systemUTC());
    }

    static FileSink.FileSettings settings(PluginConfig config) {
        String pathText = config.requireString("path");
        String format = config.getChoice("format", "ndjson", "ndjson", "csv");
        boolean gzip = config.getBoolean("gzip", false);
        long rotateBytes = config.getSize("rotate-size", 0, 0, Long.MAX_VALUE);
        Duration rotateInterval = config.getDuration("rotate-interval", Duration.ZERO);
        int buffer = (int) config.getSize("buffer", DEFAULT_BUFFER, 512, 64L * 1024 * 1024);
        String snapshotText = config.getString("snapshot-path", null);
        EventFormat eventFormat = EventFormat.of(config);
        checkCsv(config, format, eventFormat);
        Path path = path(config, "path", pathText);
        Path snapshotPath = null;
        if (snapshotText != null) {
            snapshotPath = path(config, "snapshot-path", snapshotText);
            if (snapshotPath != null && snapshotPath.equals(path)) {
                config.error("snapshot-path: '" + snapshotText + "' is the path of the records (expected: another"
                        + " file, or no snapshot-path to keep snapshots in it)");
            }
        } else if ("csv".equals(format) && path != null && !RollingFile.writesInPlace(path.toAbsolutePath())) {
            // a device, FIFO or link is a stream, like stdout: snapshots go into it between the lines, and no file
            // is made beside it (there is no '/dev/null-snapshots.ndjson')
            String name = path.getFileName().toString();
            int dot = name.indexOf('.');
            String stem = dot > 0 ? name.substring(0, dot) : name;
            snapshotPath = path.resolveSibling(stem + "-snapshots.ndjson");
        }
        if (rotateInterval.isNegative()) {
            config.error("rotate-interval: " + rotateInterval + " (expected: 0 or more)");
        }
        config.validate();
        return new FileSink.FileSettings(path, format, gzip, rotateBytes, rotateInterval.toMillis(), buffer,
                snapshotPath, eventFormat);
    }

    /** The sensor's form is JSON: refused with CSV. */
    static void checkCsv(PluginConfig config, String format, EventFormat eventFormat) {
        if (eventFormat.sensor() && "csv".equals(format)) {
            config.error(EventFormat.KEY + ": sensor with format=csv (expected: format=ndjson; the sensor's form is "
                    + "JSON)");
        }
    }

    private static Path path(PluginConfig config, String key, String text) {
        if (text == null) {
            return null;
        }
        try {
            Path p = Path.of(text).toAbsolutePath();
            Path dir = p.getParent();
            if (dir == null || !Files.isDirectory(dir)) {
                config.error(key + ": directory of '" + text + "' does not exist");
            } else if (RollingFile.writesInPlace(p)) {
                if (!Files.isWritable(p)) {
                    config.error(key + ": '" + text + "' is not writable");
                }
            } else if (!Files.isWritable(dir)) {
                config.error(key + ": directory of '" + text + "' is not writable");
            } else if (Files.isDirectory(p)) {
                config.error(key + ": '" + text + "' is a directory (expected: a file name)");
            }
            return p;
        } catch (InvalidPathException e) {
            config.error(key + ": '" + text + "' is not a valid path (" + e.getReason() + ")");
            return null;
        }
    }
}
