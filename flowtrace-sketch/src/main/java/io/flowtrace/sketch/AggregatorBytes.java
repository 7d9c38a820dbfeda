package io.flowtrace.sketch;

import io.flowtrace.core.spi.Aggregator;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The versioned byte form of the aggregators in this module, for shipping state between processes (NATS) or
 * storing it. Layout (big-endian): magic {@code "FTSK"}, family (1 exact, 2 count-min, 3 super-spread, 4 hll),
 * format version (per family: exact and hll are at 2, which added their key bounds; the others at 1), seed, then
 * the task name, key fields, totals, parameters and state of that family. A reader refuses an unknown family or a
 * newer version with <em>expected X, got Y</em>, and reads every older version except a Count-Min sketch of the
 * first format, whose rows cannot be recomputed ({@link CountMinSketch}). Thread-safe (stateless).
 *
 * @since 0.1
 */
public final class AggregatorBytes {
    static final int MAGIC = 0x4654534B; // "FTSK"

    private AggregatorBytes() {
    }

    interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    /** {@return the byte form of an aggregator from this module} */
    public static byte[] toBytes(Aggregator aggregator) {
        if (!(aggregator instanceof BaseAggregator)) {
            throw new IllegalArgumentException("aggregator: expected one from flowtrace-sketch, got "
                    + (aggregator == null ? "null" : aggregator.getClass().getName()));
        }
        BaseAggregator a = (BaseAggregator) aggregator;
        return write(out -> {
            out.writeInt(MAGIC);
            out.writeByte(a.family());
            out.writeByte(a.formatVersion());
            out.writeLong(a.seed());
            a.writeState(out);
        });
    }

    /**
     * Reads {@link #toBytes}.
     *
     * @throws IllegalArgumentException when the bytes are not a known family and version, or are cut short
     */
    public static Aggregator fromBytes(byte[] bytes) {
        return read(bytes, in -> {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IllegalArgumentException("aggregator bytes: magic: expected 0x"
                        + Integer.toHexString(MAGIC) + ", got 0x" + Integer.toHexString(magic));
            }
            int family = in.readUnsignedByte();
            int version = in.readUnsignedByte();
            int newest = family == ExactAggregator.FAMILY ? ExactAggregator.FORMAT
                    : family == HllAggregator.FAMILY ? HllAggregator.FORMAT : 1;
            if (version < 1 || version > newest) {
                throw new IllegalArgumentException("aggregator bytes: version: expected 1.." + newest + ", got "
                        + version);
            }
            long seed = in.readLong();
            switch (family) {
                case ExactAggregator.FAMILY: return ExactAggregator.read(in, version, seed);
                case CountMinAggregator.FAMILY: return CountMinAggregator.read(in, seed);
                case SuperSpreadAggregator.FAMILY: return SuperSpreadAggregator.read(in, seed);
                case HllAggregator.FAMILY: return HllAggregator.read(in, seed, version);
                default:
                    throw new IllegalArgumentException("aggregator bytes: family: expected 1..4, got " + family);
            }
        });
    }

    /**
     * Reads {@link #toBytes} of one family (what a provider reads).
     *
     * @throws IllegalArgumentException when the bytes are of another family (naming both), or not readable
     */
    static Aggregator fromBytes(byte[] bytes, int family, String type) {
        if (bytes.length >= 5 && (bytes[4] & 0xFF) != family) {
            throw new IllegalArgumentException("aggregator bytes: family: expected " + family + " (" + type
                    + "), got " + (bytes[4] & 0xFF));
        }
        return fromBytes(bytes);
    }

    static byte[] write(Writer w) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bos)) {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    static <T> T read(byte[] bytes, Reader<T> r) {
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

    static void expect(DataInputStream in, int family, int version, String what) throws IOException {
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
