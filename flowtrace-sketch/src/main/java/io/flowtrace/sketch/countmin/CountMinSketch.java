package io.flowtrace.sketch.countmin;

import io.flowtrace.sketch.Hashing;
import io.flowtrace.sketch.internal.BaseAggregator;
import io.flowtrace.sketch.internal.Bytes;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * Count-Min sketch (G. Cormode and S. Muthukrishnan, "An improved data stream summary: the count-min sketch and its
 * applications", J. Algorithms 55(1), 2005) with 64-bit counters and, by default, conservative update (C. Estan and
 * G. Varghese, "New directions in traffic measurement and accounting", SIGCOMM 2002): an update raises each of the
 * key's {@code depth} counters only as far as the new minimum requires.
 *
 * <p><b>Guarantee.</b> For weights >= 0 the estimate never falls below the true total of a key, and with plain
 * updates it exceeds it by more than ε·N (ε = e / width, N = total weight) with probability at most
 * δ = e<sup>-depth</sup>. Conservative update keeps both statements and is usually far tighter.
 *
 * <p><b>Hashing.</b> {@link #update} takes a well-mixed 64-bit hash of the key (see {@link Hashing}); row
 * {@code i} hashes it on with a multiply-shift of its own (M. Dietzfelbinger et al., "A reliable randomized
 * algorithm for the closest-pair problem", J. Algorithms 25(1), 1997): the high half of {@code hash · aᵢ} with an
 * odd multiplier {@code aᵢ} drawn from the seed per row, reduced to {@code [0, width)} by multiply-shift, so the
 * width need not be a power of two. The rows are independent: a key that shares a counter with another in one row
 * is no likelier to share one in the next (unlike rows {@code h1 + i·h2} split from one hash, where a pair that
 * matches both halves shares every row). Only sketches with the same seed merge; with a secret seed (by default,
 * drawn once per process) nobody can craft a key that shares a victim's counters.
 *
 * <p><b>Merge.</b> Counter-wise sums. Exact for plain updates (the merged sketch equals the sketch of the whole
 * stream). With conservative update the merged estimates are still upper bounds of the true totals (each part
 * over-estimates its share) and no larger than plain Count-Min's, but may differ from what one instance fed the
 * whole stream would report. No allocation on update. Not thread-safe.
 *
 * @since 0.1
 */
public final class CountMinSketch {
    static final int FAMILY = Bytes.COUNT_MIN_SKETCH;
    /** Format version: 2 has independent rows; the rows of version 1 cannot be recomputed, so it is refused. */
    static final int VERSION = 2;

    private final int width;
    private final int depth;
    private final long seed;
    private final boolean conservative;
    private final long[] counts;
    /** Odd multiplier per row, from the seed. */
    private final long[] rowMul;
    private final int[] rowIndex;
    private final int widthShift; // 32 - log2(width) when width is a power of two >= 2, else 0
    private long total;

    /**
     * @param width        counters per row (>= 1)
     * @param depth        rows (1..32)
     * @param seed         hash seed; sketches merge only with the same seed
     * @param conservative conservative update (recommended)
     */
    public CountMinSketch(int width, int depth, long seed, boolean conservative) {
        if (width < 1) {
            throw new IllegalArgumentException("width: " + width + " (expected: >= 1)");
        }
        if (depth < 1 || depth > 32) {
            throw new IllegalArgumentException("depth: " + depth + " (expected: 1..32)");
        }
        if ((long) width * depth > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("width x depth: " + ((long) width * depth) + " (expected: < 2^31)");
        }
        this.width = width;
        this.depth = depth;
        this.seed = seed;
        this.conservative = conservative;
        this.counts = new long[width * depth];
        this.rowIndex = new int[depth];
        this.rowMul = new long[depth];
        for (int r = 0; r < depth; r++) {
            rowMul[r] = Hashing.fmix64(seed + (r + 1) * 0x9E3779B97F4A7C15L) | 1;
        }
        this.widthShift = width >= 2 && Integer.bitCount(width) == 1 ? 32 - Integer.numberOfTrailingZeros(width) : 0;
    }

    /**
     * {@return a sketch whose counters take {@code bytes} bytes (8 per counter) over {@code depth} rows}
     *
     * @param bytes memory for the counters
     * @param depth rows
     * @param seed  the seed of the row hashes
     */
    public static CountMinSketch ofMemory(long bytes, int depth, long seed) {
        long w = bytes / 8 / depth;
        if (w < 1) {
            throw new IllegalArgumentException("memory: " + bytes + " bytes (expected: at least " + (8 * depth)
                    + " for depth " + depth + ")");
        }
        return new CountMinSketch((int) Math.min(w, (Integer.MAX_VALUE - 8) / depth), depth, seed, true);
    }

    /**
     * A sketch meeting an error target: estimates exceed true counts by more than {@code epsilon} x total weight
     * with probability at most {@code delta}: width = ⌈e/ε⌉, depth = ⌈ln(1/δ)⌉.
     *
     * @param epsilon the error, as a fraction of the total weight, in (0, 1)
     * @param delta   the probability of a larger error, in (0, 1)
     * @param seed    the seed of the row hashes
     * @return the sketch
     */
    public static CountMinSketch ofError(double epsilon, double delta, long seed) {
        if (!(epsilon > 0 && epsilon < 1)) {
            throw new IllegalArgumentException("epsilon: " + epsilon + " (expected: 0 < epsilon < 1)");
        }
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("delta: " + delta + " (expected: 0 < delta < 1)");
        }
        int w = (int) Math.ceil(Math.E / epsilon);
        int d = Math.max(1, (int) Math.ceil(Math.log(1 / delta)));
        return new CountMinSketch(w, d, seed, true);
    }

    /** {@return counters per row} */
    public int width() {
        return width;
    }

    /** {@return rows} */
    public int depth() {
        return depth;
    }

    /** {@return the seed of the row hashes} */
    public long seed() {
        return seed;
    }

    /** {@return whether updates are conservative (only the smallest counters of a key grow)} */
    public boolean conservative() {
        return conservative;
    }

    /** {@return total weight added} */
    public long total() {
        return total;
    }

    /** {@return bytes of counters} */
    public long memoryBytes() {
        return counts.length * 8L;
    }

    /** {@return ε·N: the additive error that plain Count-Min exceeds with probability at most e<sup>-depth</sup>} */
    public long errorBound() {
        return (long) Math.ceil(Math.E / width * total);
    }

    /**
     * Adds {@code weight} (>= 0) to the key with hash {@code hash}.
     *
     * @param hash   the key's hash
     * @param weight what is added
     * @return the key's estimate after the update
     */
    public long update(long hash, long weight) {
        long[] a = rowMul;
        long[] c = counts;
        long w = width & 0xffffffffL;
        total += weight;
        if (conservative) {
            // which row holds the smallest counter is random: a branch on it would mispredict (see min)
            int[] at = rowIndex;
            long min = Long.MAX_VALUE;
            int shift = widthShift;
            if (shift > 0) {
                // the same positions as below: for width 2^k, (g * width) >>> 32 == g >>> (32 - k), g = the high half
                for (int r = 0, base = 0; r < depth; r++, base += width) {
                    int i = base + (int) ((hash * a[r]) >>> (32 + shift));
                    at[r] = i;
                    min = min(min, c[i]);
                }
            } else {
                for (int r = 0, base = 0; r < depth; r++, base += width) {
                    int i = base + (int) ((((hash * a[r]) >>> 32) * w) >>> 32);
                    at[r] = i;
                    min = min(min, c[i]);
                }
            }
            long target = min + weight;
            for (int r = 0; r < depth; r++) {
                int i = at[r];
                c[i] = max(c[i], target);
            }
            return target;
        }
        long min = Long.MAX_VALUE;
        for (int r = 0, base = 0; r < depth; r++, base += width) {
            min = min(min, c[base + (int) ((((hash * a[r]) >>> 32) * w) >>> 32)] += weight);
        }
        return min;
    }

    /**
     * The smaller of two counters (or {@code Long.MAX_VALUE} and a counter) by arithmetic: {@code Math.min} compiles
     * to a conditional move or to a branch depending on the profile, and the branch costs twice as much here.
     */
    private static long min(long a, long b) {
        long d = a - b; // no overflow: both are >= 0
        return b + (d & (d >> 63));
    }

    /** The larger of two counters by arithmetic (see {@link #min}). */
    private static long max(long a, long b) {
        long d = a - b;
        return a - (d & (d >> 63));
    }

    /**
     * Raises the key's counters to at least {@code value} (a known upper bound of its total), as a conservative
     * update to that total would. Used when weight of a key counted outside the sketch is handed back to it.
     *
     * @param hash  the key's hash
     * @param value the key's known upper bound
     */
    public void raise(long hash, long value) {
        for (int r = 0; r < depth; r++) {
            int i = index(hash, r);
            if (counts[i] < value) {
                counts[i] = value;
            }
        }
    }

    /** The counter of the key with hash {@code hash} in row {@code r}: the same position {@link #update} takes. */
    int index(long hash, int r) {
        return r * width + (int) ((((hash * rowMul[r]) >>> 32) * (width & 0xffffffffL)) >>> 32);
    }

    /**
     * {@return the estimate for the key with hash {@code hash}: never below its true total}
     *
     * @param hash the key's hash
     */
    public long estimate(long hash) {
        long min = Long.MAX_VALUE;
        for (int r = 0; r < depth; r++) {
            long v = counts[index(hash, r)];
            if (v < min) {
                min = v;
            }
        }
        return min;
    }

    /**
     * Adds another sketch's counters; see the class comment for what the result means.
     *
     * @param o a sketch of the same width, depth, seed and update mode
     * @throws IllegalArgumentException when a parameter differs, naming it
     */
    public void merge(CountMinSketch o) {
        checkCompatible(o);
        for (int i = 0; i < counts.length; i++) {
            counts[i] += o.counts[i];
        }
        total += o.total;
    }

    void checkCompatible(CountMinSketch o) {
        BaseAggregator.same("count-min width", width, o.width);
        BaseAggregator.same("count-min depth", depth, o.depth);
        BaseAggregator.same("count-min seed", seed, o.seed);
        BaseAggregator.same("count-min conservative update", conservative, o.conservative);
    }

    /** {@return an independent copy of this sketch} */
    public CountMinSketch copy() {
        CountMinSketch c = new CountMinSketch(width, depth, seed, conservative);
        System.arraycopy(counts, 0, c.counts, 0, counts.length);
        c.total = total;
        return c;
    }

    /** Sets every counter and the total to 0. */
    public void reset() {
        Arrays.fill(counts, 0);
        total = 0;
    }

    void write(DataOutputStream out) throws IOException {
        out.writeByte(FAMILY);
        out.writeByte(VERSION);
        out.writeInt(width);
        out.writeInt(depth);
        out.writeLong(seed);
        out.writeBoolean(conservative);
        out.writeLong(total);
        for (long v : counts) {
            out.writeLong(v);
        }
    }

    static CountMinSketch read(DataInputStream in) throws IOException {
        int f = in.readUnsignedByte();
        int v = in.readUnsignedByte();
        if (f != FAMILY) {
            throw new IllegalArgumentException("count-min sketch bytes: family: expected " + FAMILY + ", got " + f);
        }
        if (v != VERSION) {
            throw new IllegalArgumentException("count-min sketch bytes: version: expected " + VERSION + ", got " + v
                    + (v == 1 ? " (the first format's rows were not independent and cannot be recomputed; start the"
                    + " sketch afresh)" : ""));
        }
        int w = in.readInt();
        int d = in.readInt();
        long seed = in.readLong();
        boolean cu = in.readBoolean();
        // the counters follow: bytes that do not hold them cannot make the reader allocate them
        if (w > 0 && d > 0 && (long) w * d * 8 + 8 > in.available()) {
            throw new IllegalArgumentException("count-min sketch bytes: cut short (" + w + " x " + d + " counters, "
                    + in.available() + " bytes left)");
        }
        CountMinSketch s = new CountMinSketch(w, d, seed, cu);
        s.total = in.readLong();
        for (int i = 0; i < s.counts.length; i++) {
            s.counts[i] = in.readLong();
        }
        return s;
    }

    /** {@return this sketch in its versioned byte form (family, version, width, depth, seed, update mode, counters)} */
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
    public static CountMinSketch fromBytes(byte[] bytes) {
        return Bytes.read(bytes, CountMinSketch::read);
    }
}
