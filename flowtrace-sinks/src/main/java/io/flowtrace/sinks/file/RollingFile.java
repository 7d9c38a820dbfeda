package io.flowtrace.sinks.file;

import io.flowtrace.sinks.internal.ByteBuf;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * One logical output file, written under a temporary name ({@code <name>.part}) and renamed to its final name
 * when complete, so a reader watching the directory never sees half a file. Without rotation the final name is
 * the configured path. With rotation by size or time each file is named
 * {@code <stem>-<yyyyMMdd'T'HHmmss'Z'>-<seq>.<ext>} from the time it was opened, and is completed before the line
 * that would take it past the size limit, or at the first write or flush after the interval.
 *
 * <p>A path that already exists as something other than a regular file (a device such as {@code /dev/null}, a
 * FIFO, a socket) or as a symbolic link (such as {@code /dev/stdout}) is written in place: no temporary name, no
 * rename, no rotation.
 *
 * <p>When writes fail (a full disk) no file is completed for rotation until a write goes through again, so a full
 * disk does not fill the directory with files; lines are refused meanwhile (their caller counts them). A file
 * completed after a failure is first cut back to its last whole line (a gzip file to its last sync point, a whole
 * gzip file), and removed if it then holds no line; the lines it lost are counted. A gzip stream cannot go on after
 * a failed write: its file is completed at once, and the next file is opened no sooner than
 * {@value LineBuffer#RETRY_MILLIS} ms later.
 *
 * <p>Made for binary records ({@link #RollingFile(Path, long, long, int, byte[], Clock, int)}: a packet tee's
 * capture files), everything above holds for records as for lines, and with rotation at most {@code keep} of the
 * files it completed are kept: completing one more removes the oldest ({@link #filesRemoved()}). Not thread-safe.
 */
final class RollingFile implements AutoCloseable {
    /** Made when a file is first rolled: a formatter loads some 50 classes, which a run that never rolls skips. */
    private static final class Stamp {
        static final DateTimeFormatter FORMAT =
                DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    }
    static final String PART = ".part";

    private final Path dir;
    private final String stem;
    private final String ext;
    private final boolean gzip;
    private final long rotateBytes;
    private final long rotateMillis;
    private final int bufferSize;
    private final byte[] header;
    private final Clock clock;
    private final boolean createWhenEmpty;
    /** The configured path when it is written in place, else {@code null}. */
    private final Path inPlace;

    private LineBuffer out;
    private Path part;
    private Path target;
    private long written;
    private long openedAtMillis;
    private int seq;
    private boolean everOpened;
    private boolean unflushed;
    private long filesCompleted;
    /** Bytes and lost lines of completed (or abandoned) files. */
    private long bytesBefore;
    private long lostBefore;
    /** After a file was given up: no new file is opened until {@link #retryAt}; lines get this exception. */
    private IOException backingOff;
    private long retryAt;
    /** Binary records instead of lines. */
    private final boolean records;
    /** With rotation, files kept at most (0: all); the completed ones, oldest first. */
    private final int keep;
    private final java.util.ArrayDeque<Path> kept = new java.util.ArrayDeque<>();
    private long filesRemoved;
    private long filesOpened;

    /**
     * @param path         the configured path ({@code .gz} is added when {@code gzip} and missing)
     * @param rotateBytes  uncompressed bytes per file, 0 for no limit
     * @param rotateMillis milliseconds per file, 0 for no limit
     * @param header       first line of every file, or {@code null}
     * @param createWhenEmpty without rotation, whether closing before any write leaves an empty file
     */
    RollingFile(Path path, boolean gzip, long rotateBytes, long rotateMillis, int bufferSize, byte[] header,
                Clock clock, boolean createWhenEmpty) {
        this(path, gzip, rotateBytes, rotateMillis, bufferSize, header, clock, createWhenEmpty, false, 0);
    }

    /**
     * Binary records ({@link #rollFor} then {@link #append}), each file starting with {@code header}; not compressed.
     *
     * @param keep with rotation, the most completed files kept (the oldest removed); 0 keeps all
     */
    RollingFile(Path path, long rotateBytes, long rotateMillis, int bufferSize, byte[] header, Clock clock, int keep) {
        this(path, false, rotateBytes, rotateMillis, bufferSize, header, clock, false, true, keep);
    }

    private RollingFile(Path path, boolean gzip, long rotateBytes, long rotateMillis, int bufferSize, byte[] header,
                        Clock clock, boolean createWhenEmpty, boolean records, int keep) {
        this.records = records;
        this.keep = keep;
        Path abs = path.toAbsolutePath();
        this.inPlace = writesInPlace(abs) ? abs : null;
        this.dir = abs.getParent();
        String name = abs.getFileName().toString();
        if (name.endsWith(".gz")) {
            name = name.substring(0, name.length() - 3);
        }
        int dot = name.lastIndexOf('.');
        this.stem = dot > 0 ? name.substring(0, dot) : name;
        this.ext = (dot > 0 ? name.substring(dot) : "") + (gzip ? ".gz" : "");
        this.gzip = gzip;
        this.rotateBytes = rotateBytes;
        this.rotateMillis = rotateMillis;
        this.bufferSize = bufferSize;
        this.header = header;
        this.clock = clock;
        this.createWhenEmpty = createWhenEmpty;
    }

    /** Whether {@code path} exists as a special file or a symbolic link, and so is written in place. */
    static boolean writesInPlace(Path path) {
        return Files.isSymbolicLink(path) || (Files.exists(path) && !Files.isRegularFile(path));
    }

    private boolean rotating() {
        return inPlace == null && (rotateBytes > 0 || rotateMillis > 0);
    }

    /** Appends the buffer's content (whole lines) to the current file, opening or rotating as needed. */
    void write(ByteBuf line) throws IOException {
        write(line.array(), line.size(), false);
    }

    /**
     * Appends {@code bytes[0..len)}, which end a line when {@code newline} is false; when it is true a {@code '\n'}
     * follows them, and the line is the bytes and the newline together.
     */
    void write(byte[] bytes, int length, boolean newline) throws IOException {
        int len = newline ? length + 1 : length;
        try {
            if (out != null && (timeIsUp()
                    || (rotating() && rotateBytes > 0 && written > headerLength() && written + len > rotateBytes))) {
                out.flushUnlessBackingOff(); // no rotation while writes fail: the line is refused instead
                complete();
            }
            if (out == null) {
                if (backingOff != null && System.nanoTime() - retryAt < 0) {
                    throw backingOff;
                }
                open();
            }
            out.line(bytes, length, newline);
        } catch (IOException e) {
            throw settle(e);
        }
        unflushed = true;
        written += len;
    }

    /**
     * Makes ready for a record of {@code length} bytes: completes the current file when the record would take it past
     * the size limit or its time is up, and opens a file when none is open. The record then goes in with
     * {@link #append}, into the file this made ready, whatever the clock does meanwhile.
     *
     * @return whether a new file was opened (its header written): a record that refers to earlier ones in the same
     *         file (a pcapng interface) must then carry them again
     */
    boolean rollFor(int length) throws IOException {
        try {
            if (out != null && (timeIsUp()
                    || (rotating() && rotateBytes > 0 && written > headerLength() && written + length > rotateBytes))) {
                out.flushUnlessBackingOff(); // no rotation while writes fail: the record is refused instead
                complete();
            }
            if (out == null) {
                if (backingOff != null && System.nanoTime() - retryAt < 0) {
                    throw backingOff;
                }
                open();
                return true;
            }
            return false;
        } catch (IOException e) {
            throw settle(e);
        }
    }

    /** Appends one whole record, {@code bytes[0..length)}, to the file {@link #rollFor} made ready. */
    void append(byte[] bytes, int length) throws IOException {
        if (out == null) {
            rollFor(length);
        }
        try {
            out.line(bytes, length, false);
        } catch (IOException e) {
            throw settle(e);
        }
        unflushed = true;
        written += length;
    }

    /** Completed files removed to keep at most {@code keep}. */
    long filesRemoved() {
        return filesRemoved;
    }

    /** Files opened so far. */
    long filesOpened() {
        return filesOpened;
    }

    /** Pushes buffered bytes to the file (decodable even when compressed); completes it if its time is up. */
    void flush() throws IOException {
        if (out == null) {
            return;
        }
        try {
            if (timeIsUp()) {
                out.flush(); // a file whose writes fail stays open: no rotation until they go through
                complete();
            } else if (unflushed) {
                out.flush(); // only when something was written: a gzip sync flush adds bytes even when empty
                unflushed = false;
            }
        } catch (IOException e) {
            throw settle(e);
        }
    }

    /**
     * After {@code e}: a file whose stream has ended (gzip) is completed at once, whole lines only, and no new one
     * is opened for a while.
     */
    private IOException settle(IOException e) {
        if (out != null && out.stopped()) {
            try {
                complete();
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            backOff(e);
        }
        return e;
    }

    private void backOff(IOException e) {
        backingOff = new IOException("a write failed less than " + LineBuffer.RETRY_MILLIS + " ms ago: "
                + e.getMessage(), e);
        retryAt = System.nanoTime() + LineBuffer.RETRY_MILLIS * 1_000_000L;
    }

    /** Completes the current file (creating an empty one first if so configured and nothing was written). */
    @Override
    public void close() throws IOException {
        if (out == null && !everOpened && !rotating() && createWhenEmpty) {
            open();
        }
        complete();
    }

    /** Files renamed to their final name so far. */
    long filesCompleted() {
        return filesCompleted;
    }

    /** Bytes known to be in the files, before compression. */
    long bytesWritten() {
        LineBuffer o = out; // read from other threads (counters): once
        return bytesBefore + (o == null ? 0 : o.bytesWritten());
    }

    /** Lines taken that could not be written and never will be (a full disk, a file that could not be closed). */
    long linesLost() {
        LineBuffer o = out; // read from other threads (counters): once
        return lostBefore + (o == null ? 0 : o.lost());
    }

    /** The file being written, under its final name, or {@code null}. */
    Path current() {
        return target;
    }

    private boolean timeIsUp() {
        return inPlace == null && rotateMillis > 0 && clock.millis() - openedAtMillis >= rotateMillis;
    }

    private int headerLength() {
        return header == null ? 0 : header.length;
    }

    private void open() throws IOException {
        openedAtMillis = clock.millis();
        if (inPlace != null) {
            target = inPlace;
            part = null;
        } else if (rotating()) {
            String stamp = Stamp.FORMAT.format(Instant.ofEpochMilli(openedAtMillis));
            do {
                seq++;
                target = dir.resolve(String.format("%s-%s-%06d%s", stem, stamp, seq, ext));
                part = dir.resolve(target.getFileName() + PART);
            } while (Files.exists(target) || Files.exists(part));
        } else {
            target = dir.resolve(stem + ext);
            part = dir.resolve(target.getFileName() + PART);
        }
        FileChannel file = FileChannel.open(part == null ? target : part, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        try {
            if (records) {
                out = LineBuffer.recordsToFile(file, bufferSize);
            } else if (gzip) {
                out = new LineBuffer(new GzipFile(file, part != null), bufferSize);
            } else {
                out = part != null ? LineBuffer.toFile(file, bufferSize) : new LineBuffer(file, bufferSize, false);
            }
        } catch (IOException e) {
            file.close();
            if (part != null) {
                Files.deleteIfExists(part); // a gzip header that did not fit: nothing in it
            }
            backOff(e);
            throw e;
        }
        everOpened = true;
        filesOpened++;
        written = 0;
        if (header != null) {
            out.raw(header);
            written = header.length;
        }
    }

    /**
     * Closes the current file and gives it its final name; one that lost lines and holds none is removed instead.
     * Throws what made it lose lines, after the file is dealt with.
     */
    private void complete() throws IOException {
        if (out == null) {
            return;
        }
        LineBuffer o = out;
        IOException failure = null;
        try {
            o.close();
        } catch (IOException e) {
            failure = e;
        }
        bytesBefore += o.bytesWritten();
        lostBefore += o.lost();
        out = null;
        if (part == null) {
            filesCompleted++;
        } else if (o.linesWritten() == 0 && (rotating() || failure != null || o.lost() > 0 || o.stopped())) {
            Files.deleteIfExists(part); // nothing in it: a failure is counted, not left on disk as a file
        } else {
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
            }
            filesCompleted++;
            if (keep > 0 && rotating()) {
                kept.addLast(target);
                while (kept.size() > keep) {
                    if (Files.deleteIfExists(kept.removeFirst())) {
                        filesRemoved++;
                    }
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
