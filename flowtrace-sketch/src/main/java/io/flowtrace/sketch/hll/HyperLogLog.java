package io.flowtrace.sketch.hll;

import io.flowtrace.sketch.Hashing;
import io.flowtrace.sketch.internal.BaseAggregator;
import io.flowtrace.sketch.internal.Bytes;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * HyperLogLog distinct counter (P. Flajolet, É. Fusy, O. Gandouet and F. Meunier, "HyperLogLog: the analysis of a
 * near-optimal cardinality estimation algorithm", AofA 2007) over 64-bit hashes, with m = 2<sup>p</sup> one-byte
 * registers.
 *
 * <p><b>Estimator.</b> Flajolet's raw estimate is biased for small cardinalities, which the 2007 paper patches
 * with linear counting and HLL++ (Heule, Nunkesser and Hall, EDBT 2013) with empirical bias tables. This class uses
 * O. Ertl's improved estimator ("New cardinality estimation algorithms for HyperLogLog sketches", 2017, eq. 8 and
 * algorithm 6), which corrects the small-range bias analytically from the register histogram and, with 64-bit
 * hashes, needs no large-range correction: its relative standard error is about 1.04/√m over the whole range.
 *
 * <p><b>Merge: exact.</b> Register-wise maximum, which is the sketch of the union of the streams. Sketches of
 * different precision or seed refuse to merge. {@link #update} takes a well-mixed 64-bit hash (see
 * {@link Hashing}); it allocates nothing. Not thread-safe.
 *
 * @since 0.1
 */
public final class HyperLogLog {
    static final int FAMILY = Bytes.HYPER_LOG_LOG;
    static final int VERSION = 1;

    private final int p;
    private final long seed;
    private final byte[] regs;

    /**
     * @param p    precision, 4..18: m = 2<sup>p</sup> registers, relative error about 1.04/√m
     * @param seed the seed of the hashes fed to it; sketches merge only with the same seed
     */
    public HyperLogLog(int p, long seed) {
        if (p < 4 || p > 18) {
            throw new IllegalArgumentException("precision: " + p + " (expected: 4..18)");
        }
        this.p = p;
        this.seed = seed;
        this.regs = new byte[1 << p];
    }

    /** {@return p: the sketch has 2<sup>p</sup> registers} */
    public int precision() {
        return p;
    }

    /** {@return the seed of the hashes} */
    public long seed() {
        return seed;
    }

    /** {@return number of registers, 2<sup>p</sup>} */
    public int registers() {
        return regs.length;
    }

    /** {@return the relative standard error 1.04/√m} */
    public double relativeError() {
        return 1.04 / Math.sqrt(regs.length);
    }

    /**
     * Records one item by its 64-bit hash.
     *
     * @param hash the item's hash
     */
    public void update(long hash) {
        int idx = (int) (hash >>> (64 - p));
        int rank = Long.numberOfLeadingZeros((hash << p) | (1L << (p - 1))) + 1;
        if (rank > regs[idx]) {
            regs[idx] = (byte) rank;
        }
    }

    /**
     * The estimated number of distinct items, at most 2<sup>64</sup> (the hashes there are). Registers filled by
     * crafted items can drive it that high; callers that know how many items they fed should cap it with that.
     *
     * @return the estimate
     */
    public double estimate() {
        return estimate(regs, 0, p);
    }

    /** Ertl's improved estimator over registers {@code r[off .. off + 2^p)}. */
    static double estimate(byte[] r, int off, int p) {
        int m = 1 << p;
        int q = 64 - p;
        int[] c = new int[q + 2];
        for (int i = 0; i < m; i++) {
            c[r[off + i]]++;
        }
        double z = m * tau(1.0 - (double) c[q + 1] / m);
        for (int k = q; k >= 1; k--) {
            z += c[k];
            z *= 0.5;
        }
        z += m * sigma((double) c[0] / m);
        // z is 0 when every register is at its maximum (Ertl's estimate is then infinite)
        return Math.min(m * m / (2 * Math.log(2)) / z, MAX_ESTIMATE);
    }

    /** The largest estimate: 2<sup>64</sup>, the number of distinct 64-bit hashes. */
    static final double MAX_ESTIMATE = 0x1p64;

    private static double sigma(double x) {
        if (x == 1.0) {
            return Double.POSITIVE_INFINITY;
        }
        double y = 1;
        double z = x;
        double zPrev;
        do {
            x *= x;
            zPrev = z;
            z += x * y;
            y += y;
        } while (z != zPrev);
        return z;
    }

    private static double tau(double x) {
        if (x == 0.0 || x == 1.0) {
            return 0.0;
        }
        double y = 1.0;
        double z = 1 - x;
        double zPrev;
        do {
            x = Math.sqrt(x);
            zPrev = z;
            y *= 0.5;
            z -= (1 - x) * (1 - x) * y;
        } while (z != zPrev);
        return z / 3;
    }

    /**
     * Register-wise maximum: afterwards this sketch counts the union of both streams.
     *
     * @param o a sketch of the same precision and seed
     * @throws IllegalArgumentException when a parameter differs, naming it
     */
    public void merge(HyperLogLog o) {
        BaseAggregator.same("hll precision", p, o.p);
        BaseAggregator.same("hll seed", seed, o.seed);
        for (int i = 0; i < regs.length; i++) {
            if (o.regs[i] > regs[i]) {
                regs[i] = o.regs[i];
            }
        }
    }

    /** {@return an independent copy of this sketch} */
    public HyperLogLog copy() {
        HyperLogLog c = new HyperLogLog(p, seed);
        System.arraycopy(regs, 0, c.regs, 0, regs.length);
        return c;
    }

    /** Sets every register to 0. */
    public void reset() {
        Arrays.fill(regs, (byte) 0);
    }

    void write(DataOutputStream out) throws IOException {
        out.writeByte(FAMILY);
        out.writeByte(VERSION);
        out.writeByte(p);
        out.writeLong(seed);
        out.write(regs);
    }

    static HyperLogLog read(DataInputStream in) throws IOException {
        Bytes.expect(in, FAMILY, VERSION, "hll");
        int p = in.readUnsignedByte();
        HyperLogLog h = new HyperLogLog(p, in.readLong());
        in.readFully(h.regs);
        checkRegisters(h.regs, h.regs.length, p, "hll bytes");
        return h;
    }

    /** Refuses registers read from bytes, {@code r[0..n)}, that no sketch of precision {@code p} can hold. */
    static void checkRegisters(byte[] r, int n, int p, String what) {
        int max = 64 - p + 1;
        for (int i = 0; i < n; i++) {
            if (r[i] < 0 || r[i] > max) {
                throw new IllegalArgumentException(what + ": register " + r[i] + " (expected: 0.." + max + ")");
            }
        }
    }

    /** {@return this sketch in its versioned byte form (family, version, precision, seed, registers)} */
    public byte[] toBytes() {
        return Bytes.write(this::write);
    }

    /**
     * Reads {@link #toBytes()}.
     *
     * @param bytes what {@link #toBytes()} gave
     * @return the sketch
     * @throws IllegalArgumentException when the bytes are not this family and version, or are cut short
     */
    public static HyperLogLog fromBytes(byte[] bytes) {
        return Bytes.read(bytes, HyperLogLog::read);
    }
}
