package io.flowtrace.sketch;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PacketView;
import io.flowtrace.core.spi.Snapshot;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Distinct counts (type {@code hll}): a {@link HyperLogLog} of the chosen element fields (e.g. distinct
 * {@code dst_ip}), over the whole traffic, or per key when key fields are given (e.g. distinct {@code dst_ip} per
 * {@code src_ip}; one sketch of 2<sup>p</sup> bytes per key, so choose a small precision for many keys).
 *
 * <p><b>Bounded.</b> With key fields, at most {@code maxKeys} keys are tracked (by default as many as fit in a
 * sixteenth of the maximum heap, and at most {@value #DEFAULT_REGISTER_BYTES} bytes of registers: 262,144 keys at
 * p = 8). When the heap cannot hold a growth below the bound, the keys stop where they are, with a warning. Keys
 * first seen at the bound are left out;
 * their packets and bytes still count in the totals and are reported as {@code untracked_packets} and
 * {@code untracked_bytes} (present only when not zero). When merged parts' keys do not all fit, the keys with the
 * largest estimates are kept and the packets of the others counted as untracked. A key one part tracked and another
 * left out may be estimated short of the elements only the other part saw.
 *
 * <p>Rows: one per key (or a single row with an empty key), value = estimate rounded, with an approximate
 * three-standard-error interval {@code value · (1 ± 3 · 1.04/√m)} as bounds (not a hard guarantee). No estimate or
 * bound exceeds the packets counted (of the key, or in all): there cannot be more distinct elements than packets,
 * whatever the registers say. Elements are hashed under a seed, by default a secret one per process
 * ({@link Seeds}), so that nobody can craft elements that fill the registers.
 *
 * <p><b>Merge: exact</b> (register-wise maximum, per key), whatever way the stream was split. Not thread-safe.
 *
 * @since 0.1
 */
public final class HllAggregator extends BaseAggregator {
    static final int FAMILY = 4;
    /** Format version of the byte form: 2 adds the key bound, per-key packets and bytes, and the untracked totals. */
    static final int FORMAT = 2;
    /** Register memory the default key bound allows: 64 MiB. */
    public static final int DEFAULT_REGISTER_BYTES = 64 << 20;

    private final KeyFields element;
    private final int p;
    private final long seed;
    private final int limit;
    // unkeyed
    private final HyperLogLog total;
    // keyed
    private final KeyIndex index;
    private final int maxKeys;
    private byte[] regs;
    private long[] keyPackets;
    private long[] keyBytes;
    private long untrackedPackets;
    private long untrackedBytes;
    private boolean warned;

    HllAggregator(String task, KeyFields key, KeyFields element, int p, long seed, int limit) {
        this(task, key, element, p, seed, limit, key == null ? 16 : defaultMaxKeys(p, key));
    }

    HllAggregator(String task, KeyFields key, KeyFields element, int p, long seed, int limit, int maxKeys) {
        super(task, key);
        if (p < 4 || p > 18) {
            throw new IllegalArgumentException("precision: " + p + " (expected: 4..18)");
        }
        if (maxKeys < 1 || maxKeys > ExactAggregator.MAX_BOUND) {
            throw new IllegalArgumentException("maxKeys: " + maxKeys + " (expected: 1.." + ExactAggregator.MAX_BOUND
                    + ")");
        }
        this.element = element;
        this.p = p;
        this.seed = seed;
        this.limit = limit;
        this.maxKeys = maxKeys;
        if (key == null) {
            total = new HyperLogLog(p, seed);
            index = null;
        } else {
            total = null;
            index = new KeyIndex(key.words(), Math.min(256, maxKeys));
            regs = new byte[index.idCapacity() << p];
            keyPackets = new long[index.idCapacity()];
            keyBytes = new long[index.idCapacity()];
        }
    }

    /** Keys whose registers fit in {@value #DEFAULT_REGISTER_BYTES} bytes (at least 16). */
    static int registerBoundKeys(int p) {
        return Math.max(16, DEFAULT_REGISTER_BYTES >>> p);
    }

    /**
     * The default key bound: the keys that fit in the heap's share ({@link HeapBudget}), at most
     * {@link #registerBoundKeys}.
     */
    static int defaultMaxKeys(int p, KeyFields key) {
        // per key: registers, counters and key words in arrays grown by half, and 2 to 4 table slots
        long perKey = ((1L << p) + 24 + 8L * key.words()) * 3 / 2 + 16;
        return HeapBudget.entries(perKey, registerBoundKeys(p));
    }

    /** {@return keys tracked at most (per key only)} */
    public int maxKeys() {
        return maxKeys;
    }

    /**
     * A distinct-count task.
     *
     * @param element   the fields whose distinct values are counted, e.g. {@code dst_ip}
     * @param key       key fields for per-key counts, or {@code null} for one total
     * @param precision p: 2<sup>p</sup> registers per sketch
     */
    public static HllAggregator of(String task, String element, String key, int precision, long seed) {
        return new HllAggregator(task, key == null ? null : KeyFields.parse(key), KeyFields.parse(element),
                precision, seed, 100);
    }

    @Override
    public String type() {
        return "hll";
    }

    @Override
    public void onPacket(PacketView pk) {
        totalPackets++;
        totalBytes += pk.wireLength();
        long[] s = scratch;
        if (index == null) {
            element.extract(pk, s, 0);
            total.update(Hashing.hash(s, 0, element.words(), seed));
            return;
        }
        int w = key.words();
        key.extract(pk, s, 0);
        element.extract(pk, s, w);
        long eh = Hashing.hash(s, w, element.words(), seed);
        int id = keyId(s, 0, keyHash(s));
        if (id < 0) {
            untrackedPackets++;
            untrackedBytes += pk.wireLength();
            return;
        }
        keyPackets[id]++;
        keyBytes[id] += pk.wireLength();
        int idx = (int) (eh >>> (64 - p));
        int rank = Long.numberOfLeadingZeros((eh << p) | (1L << (p - 1))) + 1;
        int at = (id << p) + idx;
        if (rank > regs[at]) {
            regs[at] = (byte) rank;
        }
    }

    /** The hash a key's words (at the start of {@code words}) are indexed by. */
    private long keyHash(long[] words) {
        return Hashing.hash(words, 0, key.words(), seed ^ 0x5851F42D4C957F2DL);
    }

    /** The id of a key, added when absent and the bound leaves room; -1 when it does not. */
    private int keyId(long[] w, int off, long hash) {
        int id = index.findOrAdd(w, off, hash, maxKeys);
        if (id >= keyPackets.length && !grow()) {
            index.removeLast(hash);
            index.stop();
            id = -1;
        }
        if (id < 0 && !warned && index.stopped()) {
            warned = true;
            HeapBudget.warnStopped(type(), task, index.size(), "keys", maxKeys);
        }
        return id;
    }

    /** Grows the per-key arrays to the index's id capacity; false (and nothing changed) when the heap cannot. */
    private boolean grow() {
        int n = index.idCapacity();
        if ((long) n << p > Integer.MAX_VALUE - 8) {
            return false;
        }
        try {
            byte[] r = Arrays.copyOf(regs, n << p);
            long[] kp = Arrays.copyOf(keyPackets, n);
            long[] kb = Arrays.copyOf(keyBytes, n);
            regs = r;
            keyPackets = kp;
            keyBytes = kb;
            return true;
        } catch (OutOfMemoryError e) {
            return false;
        }
    }

    /** The estimate of the key with id {@code id}, never above its packets. */
    private double estimateOf(int id) {
        return Math.min(HyperLogLog.estimate(regs, id << p, p), keyPackets[id]);
    }

    /** Keys tracked now (per key only). */
    int keyCount() {
        return index == null ? 0 : index.size();
    }

    /** The packets counted in tracked keys (per key only; for tests). */
    long trackedPackets() {
        long n = 0;
        for (int id = 0; index != null && id < index.size(); id++) {
            n += keyPackets[id];
        }
        return n;
    }

    /** {@return packets of keys left out by the bound (also in the totals)} */
    public long untrackedPackets() {
        return untrackedPackets;
    }

    /** The estimate over everything (unkeyed), or for the key with the given words (keyed). */
    double estimate(long[] keyWords) {
        if (index == null) {
            return Math.min(total.estimate(), totalPackets);
        }
        int id = index.find(keyWords, 0, keyHash(keyWords));
        return id < 0 ? 0 : estimateOf(id);
    }

    @Override
    public Aggregator newEmpty() {
        return new HllAggregator(task, key, element, p, seed, limit, maxKeys);
    }

    @Override
    public Aggregator copy() {
        HllAggregator c = (HllAggregator) newEmpty();
        c.merge(this);
        return c;
    }

    @Override
    public void merge(Aggregator other) {
        HllAggregator o = sameType(this, other, HllAggregator.class);
        same("key", String.valueOf(key), String.valueOf(o.key));
        same("element", element, o.element);
        same("precision", p, o.p);
        same("seed", seed, o.seed);
        if (index == null) {
            total.merge(o.total);
            mergeTotals(o);
        } else if (index.size() + index.countAbsent(o.index) > maxKeys) {
            mergeByRank(o);
        } else {
            mergeIn(o);
        }
    }

    /** Adds {@code o}: its keys while the bound leaves room (register-wise maximum), the others as untracked; totals. */
    private void mergeIn(HllAggregator o) {
        int w = key.words();
        int m = 1 << p;
        for (int oid = 0; oid < o.index.size(); oid++) {
            int id = keyId(o.index.keys(), oid * w, o.index.hashOf(oid));
            if (id < 0) {
                untrackedPackets += o.keyPackets[oid];
                untrackedBytes += o.keyBytes[oid];
                continue;
            }
            keyPackets[id] += o.keyPackets[oid];
            keyBytes[id] += o.keyBytes[oid];
            int a = id << p;
            int b = oid << p;
            for (int i = 0; i < m; i++) {
                if (o.regs[b + i] > regs[a + i]) {
                    regs[a + i] = o.regs[b + i];
                }
            }
        }
        untrackedPackets += o.untrackedPackets;
        untrackedBytes += o.untrackedBytes;
        mergeTotals(o);
    }

    /**
     * A merge whose keys do not all fit: the union is built in full for a moment (up to twice the bound), and the
     * {@code maxKeys} keys with the largest estimates are kept; the packets and bytes of the others count as
     * untracked.
     */
    private void mergeByRank(HllAggregator o) {
        int room = (int) Math.min(ExactAggregator.MAX_BOUND, (long) index.size() + o.index.size());
        HllAggregator u;
        try {
            u = new HllAggregator(task, key, element, p, seed, limit, room);
            u.mergeIn(this);
            u.mergeIn(o);
        } catch (OutOfMemoryError e) {
            // no heap for the union: keep what is here and add what fits, the rest counted as untracked
            mergeIn(o);
            return;
        }
        int n = u.index.size();
        long[] est = new long[n];
        for (int id = 0; id < n; id++) {
            est[id] = Math.round(u.estimateOf(id));
        }
        int[] keep = ExactAggregator.largest(est, n, Math.min(maxKeys, n));
        reset();
        mergeTotals(u);
        untrackedPackets = u.untrackedPackets;
        untrackedBytes = u.untrackedBytes;
        boolean[] kept = new boolean[n];
        int w = key.words();
        int m = 1 << p;
        for (int uid : keep) {
            kept[uid] = true;
            int id = keyId(u.index.keys(), uid * w, u.index.hashOf(uid));
            keyPackets[id] = u.keyPackets[uid];
            keyBytes[id] = u.keyBytes[uid];
            System.arraycopy(u.regs, uid << p, regs, id << p, m);
        }
        for (int uid = 0; uid < n; uid++) {
            if (!kept[uid]) {
                untrackedPackets += u.keyPackets[uid];
                untrackedBytes += u.keyBytes[uid];
            }
        }
    }

    @Override
    public void reset() {
        if (index == null) {
            total.reset();
        } else {
            index.clear();
            Arrays.fill(regs, (byte) 0);
            Arrays.fill(keyPackets, 0);
            Arrays.fill(keyBytes, 0);
        }
        untrackedPackets = 0;
        untrackedBytes = 0;
        resetTotals();
    }

    @Override
    public Snapshot snapshot(long startNanos, long endNanos) {
        List<Snapshot.Row> rows = new ArrayList<>();
        double rel = 3 * 1.04 / Math.sqrt(1 << p);
        if (index == null) {
            rows.add(row(Map.of(), total.estimate(), totalPackets, rel));
        } else {
            // rank on primitives first, then build key maps only for the rows kept
            int n = index.size();
            long[] est = new long[n];
            for (int id = 0; id < n; id++) {
                est[id] = Math.round(estimateOf(id));
            }
            int w = key.words();
            int[] ids = ExactAggregator.largest(est, n, limit > 0 ? Math.min(limit, n) : n);
            boolean[] taken = new boolean[n];
            for (int id : ids) {
                taken[id] = true;
                double raw = HyperLogLog.estimate(regs, id << p, p);
                rows.add(row(key.toMap(index.keys(), id * w), raw, keyPackets[id], rel));
            }
            // keys tied with the last row kept compete by key, so that how the stream was split cannot pick them
            long last = ids.length == 0 ? Long.MAX_VALUE : est[ids[ids.length - 1]];
            for (int id = 0; id < n && ids.length < n; id++) {
                if (!taken[id] && est[id] == last) {
                    rows.add(row(key.toMap(index.keys(), id * w), HyperLogLog.estimate(regs, id << p, p),
                            keyPackets[id], rel));
                }
            }
            rows.sort(LARGEST_FIRST.thenComparing(r -> r.key().toString()));
        }
        return new Snapshot(task, type(), "spread", startNanos, endNanos, limit(rows, limit), totals());
    }

    /** The task totals, and what the key bound left out when it left something out. */
    @Override
    Map<String, Long> totals() {
        Map<String, Long> t = super.totals();
        if (untrackedPackets != 0) {
            t.put("untracked_packets", untrackedPackets);
            t.put("untracked_bytes", untrackedBytes);
        }
        return t;
    }

    /** A row of estimate {@code raw} over {@code packets} packets: value and bounds at most the packets. */
    static Snapshot.Row row(Map<String, Object> key, double raw, long packets, double rel) {
        double est = Math.min(raw, packets);
        long v = Math.round(est);
        long lo = Math.min(v, (long) Math.floor(est * (1 - rel)));
        long hi = Math.min(packets, Math.max(v, (long) Math.ceil(est * (1 + rel))));
        return new Snapshot.Row(key, v, Math.max(0, lo), hi);
    }

    // ---- byte form ----

    @Override
    int family() {
        return FAMILY;
    }

    @Override
    long seed() {
        return seed;
    }

    @Override
    int formatVersion() {
        return FORMAT;
    }

    @Override
    void writeState(DataOutputStream out) throws IOException {
        writeCommon(out);
        out.writeUTF(element.toString());
        out.writeByte(p);
        out.writeInt(limit);
        if (index == null) {
            total.write(out);
        } else {
            int w = key.words();
            out.writeInt(maxKeys);
            out.writeLong(untrackedPackets);
            out.writeLong(untrackedBytes);
            out.writeInt(index.size());
            for (int id = 0; id < index.size(); id++) {
                for (int k = 0; k < w; k++) {
                    out.writeLong(index.keys()[id * w + k]);
                }
                out.writeLong(keyPackets[id]);
                out.writeLong(keyBytes[id]);
                out.write(regs, id << p, 1 << p);
            }
        }
    }

    /** Reads {@link #writeState}; keyed bytes of version 1 had no bound: the default, or room for all they hold. */
    static HllAggregator read(DataInputStream in, long seed, int version) throws IOException {
        String task = in.readUTF();
        String keyText = in.readUTF();
        KeyFields key = keyText.isEmpty() ? null : KeyFields.parse(keyText);
        long tp = in.readLong();
        long tb = in.readLong();
        long tf = in.readLong();
        KeyFields element = KeyFields.parse(in.readUTF());
        int p = in.readUnsignedByte();
        int limit = in.readInt();
        if (p < 4 || p > 18) {
            throw new IllegalArgumentException("hll aggregator bytes: precision " + p + " (expected: 4..18)");
        }
        if (key == null) {
            HllAggregator a = new HllAggregator(task, null, element, p, seed, limit);
            a.totalPackets = tp;
            a.totalBytes = tb;
            a.totalFlows = tf;
            a.total.merge(HyperLogLog.read(in));
            return a;
        }
        int maxKeys = registerBoundKeys(p);
        long untrackedPackets = 0;
        long untrackedBytes = 0;
        if (version >= 2) {
            maxKeys = in.readInt();
            untrackedPackets = in.readLong();
            untrackedBytes = in.readLong();
        }
        int n = in.readInt();
        if (version < 2) {
            maxKeys = Math.max(maxKeys, Math.min(n, ExactAggregator.MAX_BOUND));
        }
        if (maxKeys < 1 || maxKeys > ExactAggregator.MAX_BOUND || n < 0 || n > maxKeys) {
            throw new IllegalArgumentException("hll aggregator bytes: " + n + " keys, bound " + maxKeys
                    + " (expected: keys within 1.." + ExactAggregator.MAX_BOUND + " and the bound)");
        }
        HllAggregator a = new HllAggregator(task, key, element, p, seed, limit, maxKeys);
        a.totalPackets = tp;
        a.totalBytes = tb;
        a.totalFlows = tf;
        a.untrackedPackets = untrackedPackets;
        a.untrackedBytes = untrackedBytes;
        int w = key.words();
        long[] kw = new long[w];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < w; k++) {
                kw[k] = in.readLong();
            }
            int id = a.keyId(kw, 0, a.keyHash(kw));
            if (version >= 2) {
                a.keyPackets[id] = in.readLong();
                a.keyBytes[id] = in.readLong();
            }
            in.readFully(a.regs, id << p, 1 << p);
        }
        HyperLogLog.checkRegisters(a.regs, a.index.size() << p, p, "hll aggregator bytes");
        if (version < 2) {
            // the first format kept no packets per key: the task's packets bound each key's
            Arrays.fill(a.keyPackets, 0, a.index.size(), tp);
        }
        return a;
    }
}
