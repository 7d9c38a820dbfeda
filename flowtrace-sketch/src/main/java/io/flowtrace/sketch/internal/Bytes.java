package io.flowtrace.sketch.internal;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.sketch.KeyFields;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The byte forms' family tags, and the reading and writing every family shares (the layout is described in
 * {@link io.flowtrace.sketch.AggregatorBytes}). Thread-safe (stateless).
 */
public final class Bytes {
    public static final int MAGIC = 0x4654534B; // "FTSK"
    // aggregator families, after the magic
    public static final int EXACT = 1;
    public static final int COUNT_MIN = 2;
    public static final int SUPER_SPREAD = 3;
    public static final int HLL = 4;
    // bare sketch families, first byte of a sketch's own byte form
    public static final int COUNT_MIN_SKETCH = 16;
    public static final int HYPER_LOG_LOG = 17;
    public static final int SUPER_SPREAD_SKETCH = 18;

    private Bytes() {
    }

    public interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    public interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    /** Reads one family's state after the header: its format {@code version} and the header's {@code seed}. */
    public interface StateReader {
        Aggregator read(DataInputStream in, int version, long seed) throws IOException;
    }

    /** The task name, key fields and totals at the start of every family's state. */
    public record Common(String task, String keyText, long packets, long bytes, long flows) {
        /** Reads what {@link BaseAggregator#writeCommon} wrote. */
        public static Common read(DataInputStream in) throws IOException {
            return new Common(in.readUTF(), in.readUTF(), in.readLong(), in.readLong(), in.readLong());
        }

        /** The key fields, which must be there. */
        public KeyFields key() {
            return KeyFields.parse(keyText);
        }

        /** The key fields, or {@code null} when there are none. */
        public KeyFields keyOrNull() {
            return keyText.isEmpty() ? null : key();
        }

        /** Gives {@code a} these totals; returns it. */
        public <A extends BaseAggregator> A totalsTo(A a) {
            a.setTotals(packets, bytes, flows);
            return a;
        }
    }

    /**
     * Reads an aggregator's byte form of family {@code family}, versions 1 to {@code newest}.
     *
     * @throws IllegalArgumentException when the bytes are of another family (naming both), or not readable
     */
    public static Aggregator readAggregator(byte[] bytes, int family, int newest, String type, StateReader r) {
        if (bytes.length >= 5 && (bytes[4] & 0xFF) != family) {
            throw new IllegalArgumentException("aggregator bytes: family: expected " + family + " (" + type
                    + "), got " + (bytes[4] & 0xFF));
        }
        return read(bytes, in -> {
            int version = readHeader(in, newest);
            return r.read(in, version, in.readLong());
        });
    }

    /**
     * Reads the magic, the family (which the caller has chosen by) and the version, which must be 1 to
     * {@code newest}; returns the version.
     */
    public static int readHeader(DataInputStream in, int newest) throws IOException {
        int magic = in.readInt();
        if (magic != MAGIC) {
            throw new IllegalArgumentException("aggregator bytes: magic: expected 0x"
                    + Integer.toHexString(MAGIC) + ", got 0x" + Integer.toHexString(magic));
        }
        in.readUnsignedByte();
        int version = in.readUnsignedByte();
        if (version < 1 || version > newest) {
            throw new IllegalArgumentException("aggregator bytes: version: expected 1.." + newest + ", got "
                    + version);
        }
        return version;
    }

    public static byte[] write(Writer w) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bos)) {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    public static <T> T read(byte[] bytes, Reader<T> r) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            T t = r.read(in);
            if (in.available() > 0) {
                throw new IllegalArgumentException("sketch bytes: " + in.available() + " trailing bytes");
            }
            return t;
        } catch (EOFException e) {
            throw new IllegalArgumentException("sketch bytes: cut short (" + bytes.length + " bytes)", e);
        } catch (IOException e) {
            // in memory, nothing fails but the format: a name that is not modified UTF-8
            throw new IllegalArgumentException("sketch bytes: " + e.getMessage(), e);
        }
    }

    public static void expect(DataInputStream in, int family, int version, String what) throws IOException {
        int f = in.readUnsignedByte();
        if (f != family) {
            throw new IllegalArgumentException(what + " bytes: family: expected " + family + ", got " + f);
        }
        int v = in.readUnsignedByte();
        if (v != version) {
            throw new IllegalArgumentException(what + " bytes: version: expected " + version + ", got " + v);
        }
    }
}
