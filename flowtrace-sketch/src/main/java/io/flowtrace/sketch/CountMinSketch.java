package io.flowtrace.sketch;

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
 * {@code i} uses {@code h1 + i·h2} (Kirsch and Mitzenmacher, 2006) reduced to {@code [0, width)} by
 * multiply-shift, so the width need not be a power of two. The seed is mixed into the row hashes, so only sketches
 * with the same seed merge.
 *
 * <p><b>Merge.</b> Counter-wise sums. Exact for plain updates (the merged sketch equals the sketch of the whole
 * stream). With conservative update the merged estimates are still upper bounds of the true totals (each part
 * over-estimates its share) and no larger than plain Count-Min's, but may differ from what one instance fed the
 * whole stream would report. No allocation on update. Not thread-safe.
 */
public final class CountMinSketch {
    static final int FAMILY = 16;
    static final int VERSION = 1;

    private final int width;
    private final int depth;
    private final long seed;
    private final boolean conservative;
    private final long[] counts;
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
        this.widthShift = width >= 2 && Integer.bitCount(width) == 1 ? 32 - Integer.numberOfTrailingZeros(width) : 0;
    }

    /** A sketch whose counters take {@code bytes} bytes (8 per counter) over {@code depth} rows. */
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

    public int width() {
        return width;
    }

    public int depth() {
        return depth;
    }

    public long seed() {
        return seed;
    }

    public boolean conservative() {
        return conservative;
    }

    /** Total weight added. */
    public long total() {
        return total;
    }

    /** Bytes of counters. */
    public long memoryBytes() {
        return counts.length * 8L;
    }

    /** ε·N: the additive error that plain Count-Min exceeds with probability at most e<sup>-depth</sup>. */
    public long errorBound() {
        return (long) Math.ceil(Math.E / width * total);
    }

    /**
     * Adds {@code weight} (>= 0) to the key with hash {@code hash}.
     *
     * @return the key's estimate after the update
     */
    public long update(long hash, long weight) {
        long h = (hash ^ seed) * 0x9E3779B97F4A7C15L;
        int g = (int) (h >>> 32);
        int h2 = (int) h | 1;
        long[] c = counts;
        long w = width & 0xffffffffL;
        total += weight;
        if (conservative) {
            // which row holds the smallest counter is random: a branch on it would mispredict (see min)
            int[] at = rowIndex;
            long min = Long.MAX_VALUE;
            int shift = widthShift;
            if (shift > 0) {
                // the same positions as below: for width 2^k, (g * width) >>> 32 == g >>> (32 - k)
                for (int r = 0, base = 0; r < depth; r++, base += width) {
                    int i = base + (g >>> shift);
                    at[r] = i;
                    min = min(min, c[i]);
                    g += h2;
                }
            } else {
                for (int r = 0, base = 0; r < depth; r++, base += width) {
                    int i = base + (int) (((g & 0xffffffffL) * w) >>> 32);
                    at[r] = i;
                    min = min(min, c[i]);
                    g += h2;
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
            min = min(min, c[base + (int) (((g & 0xffffffffL) * w) >>> 32)] += weight);
            g += h2;
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
     */
    public void raise(long hash, long value) {
        long h = (hash ^ seed) * 0x9E3779B97F4A7C15L;
        int g = (int) (h >>> 32);
        int h2 = (int) h | 1;
        long w = width & 0xffffffffL;
        for (int r = 0, base = 0; r < depth; r++, base += width) {
            int i = base + (int) (((g & 0xffffffffL) * w) >>> 32);
            if (counts[i] < value) {
                counts[i] = value;
            }
            g += h2;
        }
    }

    /** The estimate for the key with hash {@code hash}: never below its true total. */
    public long estimate(long hash) {
        long h = (hash ^ seed) * 0x9E3779B97F4A7C15L;
        int h1 = (int) (h >>> 32);
        int h2 = (int) h | 1;
        long w = width & 0xffffffffL;
        long min = Long.MAX_VALUE;
        int g = h1;
        for (int r = 0, base = 0; r < depth; r++, base += width) {
            long v = counts[base + (int) (((g & 0xffffffffL) * w) >>> 32)];
            if (v < min) {
                min = v;
            }
            g += h2;
        }
        return min;
    }

    /** Adds another sketch's counters; see the class comment for what the result means. */
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

    public CountMinSketch copy() {
        CountMinSketch c = new CountMinSketch(width, depth, seed, conservative);
        System.arraycopy(counts, 0, c.counts, 0, counts.length);
        c.total = total;
        return c;
    }

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
        AggregatorBytes.expect(in, FAMILY, VERSION, "count-min sketch");
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

    /** This sketch in its versioned byte form (family, version, width, depth, seed, update mode, counters). */
    public byte[] toBytes() {
        return AggregatorBytes.write(this::write);
    }

    /** Reads {@link #toBytes()}. */
    public static CountMinSketch fromBytes(byte[] bytes) {
        return AggregatorBytes.read(bytes, CountMinSketch::read);
    }
}
