package io.flowtrace.sinks.file;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.GZIPOutputStream;

/**
 * A gzip file that is complete after every {@link #sync()}: the sync flush is followed by a final empty deflate
 * block and the trailer (CRC and size) of everything synced, which the next compressed bytes overwrite. A write that
 * fails (a full disk) leaves the stream unusable; {@link #restore()} then puts the ending of the last sync point
 * back, over bytes that were already allocated, and cuts the file there, so the file is a whole gzip file of what
 * was synced, never a truncated stream. A file that cannot seek (a FIFO) is written as a plain stream instead:
 * synced by a flush, ended on close. Not thread-safe.
 */
final class GzipFile {
    /** A final, empty block with fixed codes: what ends a deflate stream after a sync flush. */
    private static final byte[] FINAL_BLOCK = {0x03, 0x00};

    private final FileChannel file;
    /** Whether the file is kept whole at every sync point (it can seek), else written as a stream. */
    private final boolean whole;
    private final Deflating gz;
    /** Where the next compressed byte goes. */
    private long pos;
    /** Where the ending of the last sync point starts. */
    private long synced;
    private final byte[] ending = new byte[10];

    /** The JDK's gzip writer, with its running CRC and input count exposed. */
    private static final class Deflating extends GZIPOutputStream {
        Deflating(OutputStream out) throws IOException {
            super(out, 8192, true);
        }

        long crcValue() {
            return crc.getValue();
        }

        long bytesIn() {
            return def.getBytesRead();
        }

        void end() {
            def.end();
        }

        void finishStream() throws IOException {
            finish();
            def.end();
        }
    }

    /**
     * Writes the gzip header and, when {@code whole}, the ending of an empty stream: a valid, empty gzip file.
     *
     * @param whole whether to keep the file whole at every sync point (a regular file); else it is a stream
     */
    GzipFile(FileChannel file, boolean whole) throws IOException {
        this.file = file;
        this.whole = whole;
        this.gz = new Deflating(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                writeAt(ByteBuffer.wrap(b, off, len), pos);
                pos += len;
            }
        });
        sync();
    }

    /** Compresses {@code len} bytes; they are in the file, decodable, after the next {@link #sync()}. */
    void write(byte[] b, int off, int len) throws IOException {
        gz.write(b, off, len);
    }

    /** Makes everything written so far a complete gzip file. */
    void sync() throws IOException {
        gz.flush();
        if (!whole) {
            return;
        }
        byte[] e = new byte[10];
        System.arraycopy(FINAL_BLOCK, 0, e, 0, 2);
        int crc = (int) gz.crcValue();
        int size = (int) gz.bytesIn(); // ISIZE is the size modulo 2^32
        for (int i = 0; i < 4; i++) {
            e[2 + i] = (byte) (crc >>> (8 * i));
            e[6 + i] = (byte) (size >>> (8 * i));
        }
        writeAt(ByteBuffer.wrap(e), pos); // the next compressed bytes go over it
        System.arraycopy(e, 0, ending, 0, e.length);
        synced = pos;
    }

    /** After a failed write: the file as it was at the last sync point (the stream cannot be written again). */
    void restore() throws IOException {
        if (!whole) {
            return; // a stream cannot be taken back
        }
        writeAt(ByteBuffer.wrap(ending), synced);
        file.truncate(synced + ending.length);
    }

    /** Closes the file as it is (whole at its last sync point). */
    void close() throws IOException {
        try {
            if (whole) {
                gz.end();
            } else {
                gz.finishStream();
            }
        } finally {
            file.close();
        }
    }

    private void writeAt(ByteBuffer b, long at) throws IOException {
        if (!whole) {
            while (b.hasRemaining()) {
                file.write(b);
            }
            return;
        }
        long p = at;
        while (b.hasRemaining()) {
            p += file.write(b, p);
        }
    }
}
