package io.flowtrace.sinks.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Whole lines buffered in front of a file, a pipe or a gzip file, counting the lines that are not yet known to be
 * written, so that a sink that cannot write (a full disk, a closed pipe) reports what it lost instead of counting
 * it delivered, and counting those known written ({@link #linesWritten()}, {@link #bytesWritten()}).
 *
 * <p>A line goes into the buffer whole or not at all: when the buffer must be written first and that fails, the
 * call throws and the line is not taken (its caller counts it failed).
 * <ul>
 * <li>To a file: what a failed write got through is kept track of, so the next write goes on where it stopped and a
 *     line is never written twice or in part. For {@value #RETRY_MILLIS} ms after a failure, a line that needs the
 *     buffer written is refused without trying (an explicit flush always tries). When it gives up (a failed close),
 *     a file of its own ({@link #toFile}) is cut back to its last whole line.</li>
 * <li>To standard output, or to a gzip file: the first failed write ends writing (the reader has gone; the
 *     compressed stream cannot go on). What was held is counted lost and every later call fails at once, with one
 *     exception made for all of them; a gzip file is restored to its last sync point ({@link GzipFile}), a whole
 *     gzip file of whole lines.</li>
 * </ul>
 * Lines still unwritten when {@link #close()} or {@link #finish()} fails are counted in {@link #lost()}. A line
 * longer than the buffer gets a buffer of its own size until it is written.
 *
 * <p>Made with {@link #recordsToFile} it holds binary records instead (a capture file's packets), which may contain
 * any byte: their ends are kept apart from their content, and everything above holds for them as for lines.
 * Not thread-safe.
 */
final class LineBuffer {
    /** How long a file that failed a write refuses lines that need the buffer written, before trying again. */
    static final long RETRY_MILLIS = 100;
    /** Buffer size of the stdout sink unless configured (the file sink has its own default). */
    static final int DEFAULT_SIZE = 64 * 1024;

    private final long retryMillis;
    private final WritableByteChannel channel;
    /** A file of this buffer's own, cut back to its last whole line when writing is given up; or {@code null}. */
    private final FileChannel ownFile;
    /** Whether a failed write to {@link #channel} ends writing (a closed pipe), as for a gzip file. */
    private final boolean giveUpOnError;
    private final GzipFile gzip;
    private final int size;
    private byte[] buf;
    private int count;
    /** Lines in the buffer. */
    private long buffered;
    /** Newlines in the buffer that end no line of {@link #line}'s (a header written with {@link #raw}). */
    private int rawNewlines;
    /** Lines given to the gzip file since its last sync, and their bytes (with any header). */
    private long unsynced;
    private long unsyncedBytes;
    private long lost;
    /** Lines and bytes known to be written: in the file up to its last whole line (uncompressed bytes). */
    private long linesWritten;
    private long bytesWritten;
    /** Once writing has ended: thrown by every later call (made once, with no stack trace, as lines keep coming). */
    private IOException stopped;
    /** After a failed write to a file: until {@link #retryAt}, a line that needs the buffer written is refused. */
    private IOException backingOff;
    private long retryAt;
    /**
     * Binary records: where each record in the buffer ends (negated for bytes written with {@link #raw}, a header),
     * since a newline byte ends nothing; {@code null} for lines.
     */
    private int[] ends;
    private int endCount;
    /** Bytes of the first line or record in the buffer that a failed write already got into the file. */
    private int headWritten;

    /**
     * Lines to a file or a pipe.
     *
     * @param giveUpOnError whether the first failed write ends all writing (standard output, whose reader has gone
     *                      away when it fails) or the next flush tries again (a file on a disk that may get room)
     */
    LineBuffer(WritableByteChannel channel, int size, boolean giveUpOnError) {
        this(channel, size, giveUpOnError, RETRY_MILLIS);
    }

    /** As above, trying a failed file again after {@code retryMillis} (tests). */
    LineBuffer(WritableByteChannel channel, int size, boolean giveUpOnError, long retryMillis) {
        this(channel, null, null, giveUpOnError, size, retryMillis);
    }

    /** Lines to a gzip file, whose lines are in the file only once it is synced. */
    LineBuffer(GzipFile gzip, int size) {
        this(null, null, gzip, true, size, RETRY_MILLIS);
    }

    private LineBuffer(WritableByteChannel channel, FileChannel ownFile, GzipFile gzip, boolean giveUpOnError,
                       int size, long retryMillis) {
        this.channel = channel;
        this.ownFile = ownFile;
        this.gzip = gzip;
        this.giveUpOnError = giveUpOnError;
        this.size = size;
        this.buf = new byte[size];
        this.retryMillis = retryMillis;
    }

    /**
     * Lines to a regular file this buffer writes from its start: when writing is given up, the file is cut back to
     * the end of its last whole line, so a line written in part is never left in it.
     */
    static LineBuffer toFile(FileChannel file, int size) {
        return new LineBuffer(file, file, null, false, size, RETRY_MILLIS);
    }

    /**
     * Binary records to a regular file this buffer writes from its start, each given whole to {@link #line} (with
     * {@code newline} false): when writing is given up, the file is cut back to the end of its last whole record.
     */
    static LineBuffer recordsToFile(FileChannel file, int size) {
        LineBuffer b = new LineBuffer(file, file, null, false, size, RETRY_MILLIS);
        b.ends = new int[64];
        return b;
    }

    /** As {@link #toFile(FileChannel, int)}, trying again after {@code retryMillis} (tests). */
    static LineBuffer toFile(FileChannel file, int size, long retryMillis) {
        return new LineBuffer(file, file, null, false, size, retryMillis);
    }

    /** Appends {@code bytes[0..length)}, followed by a {@code '\n'} when {@code newline}, as one line. */
    void line(byte[] bytes, int length, boolean newline) throws IOException {
        int len = newline ? length + 1 : length;
        make(len);
        System.arraycopy(bytes, 0, buf, count, length);
        count += length;
        if (newline) {
            buf[count++] = '\n';
        }
        buffered++;
        if (ends != null) {
            end(count);
        }
    }

    private void end(int at) {
        if (endCount == ends.length) {
            ends = java.util.Arrays.copyOf(ends, endCount * 2);
        }
        ends[endCount++] = at;
    }

    /** Appends bytes that are not a line of their own (a file's header). */
    void raw(byte[] bytes) throws IOException {
        make(bytes.length);
        System.arraycopy(bytes, 0, buf, count, bytes.length);
        count += bytes.length;
        if (ends != null) {
            end(-count);
            return;
        }
        for (byte b : bytes) {
            if (b == '\n') {
                rawNewlines++;
            }
        }
    }

    /** Writes the buffer (and syncs a gzip file): every line taken so far is then written. */
    void flush() throws IOException {
        drain();
        sync();
    }

    /**
     * Writes the buffer, unless a write failed less than the retry interval ago (then throws at once, without a
     * write): the check made before a file is completed for rotation, so that a failing disk stops rotation.
     */
    void flushUnlessBackingOff() throws IOException {
        if (backingOff != null && System.nanoTime() - retryAt < 0) {
            throw backingOff;
        }
        flush();
    }

    /** Flushes without closing; on failure the lines not written are counted lost, then it throws. */
    void finish() throws IOException {
        try {
            flush();
        } catch (IOException e) {
            giveUp(e);
            throw e;
        }
    }

    /**
     * Flushes and closes; on failure the lines not written are counted lost (a file of its own cut back to its last
     * whole line), then it throws. After writing has ended ({@link #stopped()}) it only closes.
     */
    void close() throws IOException {
        IOException failure = null;
        if (stopped == null) {
            try {
                flush();
            } catch (IOException e) {
                failure = e;
                giveUp(e);
            }
        }
        try {
            if (gzip != null) {
                gzip.close();
            } else {
                channel.close();
            }
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Lines that could not be written and never will be. */
    long lost() {
        return lost;
    }

    /** Lines taken but not yet known to be written. */
    long pending() {
        return buffered + unsynced;
    }

    /** Lines known to be written (header lines not counted). */
    long linesWritten() {
        return linesWritten;
    }

    /** Bytes known to be written, up to the last whole line, before compression (headers included). */
    long bytesWritten() {
        return bytesWritten;
    }

    /** Whether writing has ended after a failure (standard output, a gzip file): every later call throws. */
    boolean stopped() {
        return stopped != null;
    }

    /** Room for {@code len} more bytes: writes the buffer when they do not fit, grows it when they never would. */
    private void make(int len) throws IOException {
        if (stopped != null) {
            throw stopped;
        }
        if (len > buf.length - count) {
            if (backingOff != null && System.nanoTime() - retryAt < 0) {
                throw backingOff; // a full disk: no write, and no exception to build, for every line
            }
            drain();
            if (len > buf.length) {
                buf = new byte[len];
            }
        }
    }

    private void drain() throws IOException {
        if (stopped != null) {
            throw stopped;
        }
        if (count == 0) {
            return;
        }
        if (gzip != null) {
            try {
                gzip.write(buf, 0, count);
            } catch (IOException e) {
                throw abandon(e);
            }
            unsynced += buffered;
            unsyncedBytes += count;
        } else {
            ByteBuffer b = ByteBuffer.wrap(buf, 0, count);
            try {
                while (b.hasRemaining()) {
                    channel.write(b);
                }
            } catch (IOException e) {
                keepUnwritten(b.position());
                if (giveUpOnError) {
                    throw abandon(e);
                }
                backingOff = new Refused("a write failed less than " + retryMillis + " ms ago", e);
                retryAt = System.nanoTime() + retryMillis * 1_000_000L;
                throw e;
            }
            backingOff = null;
            linesWritten += buffered;
            bytesWritten += count + headWritten;
            headWritten = 0;
        }
        count = 0;
        buffered = 0;
        rawNewlines = 0;
        endCount = 0;
        if (buf.length > size) {
            buf = new byte[size]; // grown for one long line (a large snapshot): not kept
        }
    }

    private void sync() throws IOException {
        if (gzip == null) {
            return;
        }
        if (stopped != null) {
            throw stopped;
        }
        try {
            gzip.sync();
        } catch (IOException e) {
            throw abandon(e);
        }
        linesWritten += unsynced;
        bytesWritten += unsyncedBytes;
        unsynced = 0;
        unsyncedBytes = 0;
    }

    /** After a write that got {@code done} bytes through: the lines they completed are written, the rest stays. */
    private void keepUnwritten(int done) {
        if (ends != null) {
            keepUnwrittenRecords(done);
            return;
        }
        int whole = 0;
        for (int i = 0; i < done; i++) {
            if (buf[i] == '\n') {
                whole = i + 1;
                if (rawNewlines > 0) {
                    rawNewlines--; // a header comes before every line
                } else {
                    buffered--;
                    linesWritten++;
                }
            }
        }
        settlePartial(done, whole);
        System.arraycopy(buf, done, buf, 0, count - done);
        count -= done;
    }

    /** As {@link #keepUnwritten} for binary records, whose ends are kept in {@link #ends}. */
    private void keepUnwrittenRecords(int done) {
        int whole = 0;
        int k = 0;
        while (k < endCount && Math.abs(ends[k]) <= done) {
            whole = Math.abs(ends[k]);
            if (ends[k] > 0) {
                buffered--;
                linesWritten++;
            }
            k++;
        }
        for (int i = k; i < endCount; i++) {
            ends[i - k] = ends[i] > 0 ? ends[i] - done : ends[i] + done;
        }
        endCount -= k;
        settlePartial(done, whole);
        System.arraycopy(buf, done, buf, 0, count - done);
        count -= done;
    }

    /**
     * After a write got {@code done} bytes of the buffer through, {@code whole} of them ending a line or record: those
     * are known written (with the part of the first one an earlier failed write got through); the part of the next
     * one that got through is remembered, so the file can be cut back before it.
     */
    private void settlePartial(int done, int whole) {
        if (whole > 0) {
            bytesWritten += whole + headWritten;
            headWritten = done - whole;
        } else {
            headWritten += done;
        }
    }

    private IOException abandon(IOException e) {
        stopped = new Refused("an earlier write failed", e);
        giveUp(e);
        return e;
    }

    /** Thrown for every line refused without a write: one instance, no stack trace. */
    private static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        Refused(String what, IOException cause) {
            super(what + ": " + cause.getMessage(), cause);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }

    /** Counts what was not written as lost and leaves the file with whole lines only (problems go to {@code e}). */
    private void giveUp(IOException e) {
        lost += buffered + unsynced;
        buffered = 0;
        unsynced = 0;
        unsyncedBytes = 0;
        count = 0;
        rawNewlines = 0;
        endCount = 0;
        headWritten = 0;
        try {
            if (gzip != null) {
                gzip.restore();
            } else if (ownFile != null) {
                ownFile.truncate(bytesWritten);
            }
        } catch (IOException again) {
            e.addSuppressed(again);
        }
    }
}
