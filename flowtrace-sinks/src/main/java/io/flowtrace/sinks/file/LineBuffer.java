package io.flowtrace.sinks.file;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * Whole lines buffered in front of a file, a pipe or a compressing stream, counting the lines that are not yet known
 * to be written, so that a sink that cannot write (a full disk, a closed pipe) reports what it lost instead of
 * counting it delivered.
 *
 * <p>A line goes into the buffer whole or not at all: when the buffer must be written first and that fails, the
 * call throws and the line is not taken (its caller counts it failed).
 * <ul>
 * <li>To a file: what a failed write got through is kept track of, so the next write goes on where it stopped and a
 *     line is never written twice or in part. For {@value #RETRY_MILLIS} ms after a failure, a line that needs the
 *     buffer written is refused without trying (an explicit flush always tries).</li>
 * <li>To standard output, or through a compressing stream: the first failed write ends writing (the reader has
 *     gone; the compressed stream is corrupt from there on). What was held is counted lost and every later call
 *     fails at once, with one exception made for all of them.</li>
 * </ul>
 * Lines still unwritten when {@link #close()} or {@link #finish()} fails are counted in {@link #lost()}. A line
 * longer than the buffer gets a buffer of its own size until it is written. Not thread-safe.
 */
final class LineBuffer {
    /** How long a file that failed a write refuses lines that need the buffer written, before trying again. */
    static final long RETRY_MILLIS = 100;
    /** Buffer size of the stdout sink unless configured (the file sink has its own default). */
    static final int DEFAULT_SIZE = 64 * 1024;

    private final long retryMillis;
    private final WritableByteChannel channel;
    /** Whether a failed write to {@link #channel} ends writing (a closed pipe), as for a compressing stream. */
    private final boolean giveUpOnError;
    private final OutputStream compressed;
    private final int size;
    private byte[] buf;
    private int count;
    /** Lines in the buffer. */
    private long buffered;
    /** Newlines in the buffer that end no line of {@link #line}'s (a header written with {@link #raw}). */
    private int rawNewlines;
    /** Lines given to the compressing stream since its last flush. */
    private long unsynced;
    private long lost;
    /** Once writing has ended: thrown by every later call (made once, with no stack trace, as lines keep coming). */
    private IOException stopped;
    /** After a failed write to a file: until {@link #retryAt}, a line that needs the buffer written is refused. */
    private IOException backingOff;
    private long retryAt;

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
        this(channel, null, giveUpOnError, size, retryMillis);
    }

    /** Lines to a compressing stream, whose bytes are in the file only once it is flushed. */
    LineBuffer(OutputStream compressed, int size) {
        this(null, compressed, true, size, RETRY_MILLIS);
    }

    private LineBuffer(WritableByteChannel channel, OutputStream compressed, boolean giveUpOnError, int size,
                       long retryMillis) {
        this.channel = channel;
        this.compressed = compressed;
        this.giveUpOnError = giveUpOnError;
        this.size = size;
        this.buf = new byte[size];
        this.retryMillis = retryMillis;
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
    }

    /** Appends bytes that are not a line of their own (a file's header). */
    void raw(byte[] bytes) throws IOException {
        make(bytes.length);
        System.arraycopy(bytes, 0, buf, count, bytes.length);
        count += bytes.length;
        for (byte b : bytes) {
            if (b == '\n') {
                rawNewlines++;
            }
        }
    }

    /** Writes the buffer (and flushes a compressing stream): every line taken so far is then written. */
    void flush() throws IOException {
        drain();
        if (compressed != null) {
            try {
                compressed.flush();
            } catch (IOException e) {
                throw abandon(e);
            }
            unsynced = 0;
        }
    }

    /** Flushes without closing; on failure the lines not written are counted lost, then it throws. */
    void finish() throws IOException {
        try {
            flush();
        } catch (IOException e) {
            giveUp();
            throw e;
        }
    }

    /** Flushes and closes; on failure the lines not written are counted lost, then it throws. */
    void close() throws IOException {
        try {
            drain();
            if (compressed != null) {
                compressed.close();
                unsynced = 0;
            } else {
                channel.close();
            }
        } catch (IOException e) {
            giveUp();
            try {
                if (compressed != null) {
                    compressed.close();
                } else {
                    channel.close();
                }
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw e;
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
        if (compressed != null) {
            try {
                compressed.write(buf, 0, count);
            } catch (IOException e) {
                throw abandon(e);
            }
            unsynced += buffered;
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
        }
        count = 0;
        buffered = 0;
        rawNewlines = 0;
        if (buf.length > size) {
            buf = new byte[size]; // grown for one long line (a large snapshot): not kept
        }
    }

    /** After a write that got {@code done} bytes through: the lines they completed are written, the rest stays. */
    private void keepUnwritten(int done) {
        for (int i = 0; i < done; i++) {
            if (buf[i] == '\n') {
                if (rawNewlines > 0) {
                    rawNewlines--; // a header comes before every line
                } else {
                    buffered--;
                }
            }
        }
        System.arraycopy(buf, done, buf, 0, count - done);
        count -= done;
    }

    private IOException abandon(IOException e) {
        stopped = new Refused("an earlier write failed", e);
        giveUp();
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

    private void giveUp() {
        lost += buffered + unsynced;
        buffered = 0;
        unsynced = 0;
        count = 0;
        rawNewlines = 0;
    }
}
