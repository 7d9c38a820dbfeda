package io.flowtrace.sketch.hll;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PacketView;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sketch.Hashing;
import io.flowtrace.sketch.KeyFields;
import io.flowtrace.sketch.internal.Bytes;
import io.flowtrace.sketch.internal.HeapBudget;
import io.flowtrace.sketch.internal.KeyIndex;
import io.flowtrace.sketch.internal.KeyedAggregator;
import io.flowtrace.sketch.internal.Ranking;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Distinct values of the element fields per key (type {@code hll} with key fields): registers of a
 * {@link HyperLogLog} per key, 2<sup>p</sup> bytes each (see {@link HllAggregator}).
 *
 * <p><b>Bounded.</b> At most {@code maxKeys} keys are tracked (by default as many as fit in a sixteenth of the
 * maximum heap, and at most {@value HllAggregator#DEFAULT_REGISTER_BYTES} bytes of registers: 262,144 keys at
 * p = 8). When the heap cannot hold a growth below the bound, the keys stop where they are, with a warning. Keys
 * first seen at the bound are left out; their packets and bytes still count in the totals and are reported as
 * {@code untracked_packets} and {@code untracked_bytes} (present only when not zero). When merged parts' keys do not
 * all fit, the keys with the largest estimates are kept and the packets of the others counted as untracked. A key
 * one part tracked and another left out may be estimated short of the elements only the other part saw.
 *
 * <p><b>Merge: exact</b> (register-wise maximum, per key) within the bound. Not thread-safe.
 *
 * @since 0.1
 */
public final class HllKeyedAggregator extends KeyedAggregator<HllKeyedAggregator> implements HllAggregator {
    private final KeyFields element;
    private final int p;
    private final int limit;
    /** Per key id: its 2<sup>p</sup> registers. */
    private byte[] regs;

    HllKeyedAggregator(String task, KeyFields key, KeyFields element, int p, long seed, int limit) {
        this(task, key, element, p, seed, limit, defaultMaxKeys(p, key));
    }

    HllKeyedAggregator(String task, KeyFields key, KeyFields element, int p, long seed, int limit, int maxKeys) {
        super(task, key, seed, Bytes.HLL, Hll.FORMAT, maxKeys, Math.min(256, maxKeys));
        this.element = element;
        this.p = Hll.checkPrecision(p);
        this.limit = limit;
        regs = new byte[index.idCapacity() << p];
    }

    /** Keys whose registers fit in {@value HllAggregator#DEFAULT_REGISTER_BYTES} bytes (at least 16). */
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

    @Override
    public void onPacket(PacketView pk) {
        totalPackets++;
        totalBytes += pk.wireLength();
        long[] s = scratch;
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
        packets[id]++;
        bytes[id] += pk.wireLength();
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

    @Override
    protected int bytesPerKey() {
        return 1 << p; // a register a byte
    }

    @Override
    protected boolean growPerKey(int n) {
        if ((long) n << p > Integer.MAX_VALUE - 8) {
            return false;
        }
        regs = Arrays.copyOf(regs, n << p);
        return true;
    }

    /** The estimate of the key with id {@code id}, never above its packets. */
    private double estimateOf(int id) {
        return Math.min(HyperLogLog.estimate(regs, id << p, p), packets[id]);
    }

    /** The estimate for the key with the given words; 0 when it is not tracked. */
    double estimate(long[] keyWords) {
        int id = index.find(keyWords, 0, keyHash(keyWords));
        return id < 0 ? 0 : estimateOf(id);
    }

    @Override
    public Aggregator newEmpty() {
        return new HllKeyedAggregator(task, key, element, p, seed, limit, maxKeys);
    }

    @Override
    public void merge(Aggregator other) {
        HllAggregator h = sameType(this, other, HllAggregator.class);
        same("key", String.valueOf(key), String.valueOf(h.keyFields()));
        HllKeyedAggregator o = (HllKeyedAggregator) h;
        same("element", element, o.element);
        same("precision", p, o.p);
        same("seed", seed, o.seed);
        mergeKeys(o);
    }

    /** Registers merge by register-wise maximum. */
    @Override
    protected void mergeIn(HllKeyedAggregator o) {
        int w = key.words();
        int m = 1 << p;
        for (int oid = 0; oid < o.index.size(); oid++) {
            int id = keyId(o.index.keys(), oid * w, o.index.hashOf(oid));
            if (id < 0) {
                untrackedPackets += o.packets[oid];
                untrackedBytes += o.bytes[oid];
                continue;
            }
            packets[id] += o.packets[oid];
            bytes[id] += o.bytes[oid];
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

    @Override
    protected HllKeyedAggregator union(HllKeyedAggregator o, int keys) {
        return new HllKeyedAggregator(task, key, element, p, seed, limit, keys);
    }

    /** Ranks by estimate. */
    @Override
    protected long[] ranks() {
        return estimates();
    }

    @Override
    protected void keepRest(HllKeyedAggregator u, int[] map) {
        for (int uid = 0; uid < map.length; uid++) {
            if (map[uid] >= 0) {
                System.arraycopy(u.regs, uid << p, regs, map[uid] << p, 1 << p);
            }
        }
    }

    /** Every key's estimate, rounded, by id. */
    private long[] estimates() {
        int n = index.size();
        long[] est = new long[n];
        for (int id = 0; id < n; id++) {
            est[id] = Math.round(estimateOf(id));
        }
        return est;
    }

    @Override
    public void reset() {
        resetKeys();
        Arrays.fill(regs, (byte) 0);
    }

    @Override
    public Snapshot snapshot(long startNanos, long endNanos) {
        List<Snapshot.Row> rows = new ArrayList<>();
        double rel = Hll.relativeBound(p);
        // rank on primitives first, then build key maps only for the rows kept
        int n = index.size();
        long[] est = estimates();
        int w = key.words();
        int[] ids = Ranking.largest(est, n, limit > 0 ? Math.min(limit, n) : n);
        boolean[] taken = new boolean[n];
        for (int id : ids) {
            taken[id] = true;
            double raw = HyperLogLog.estimate(regs, id << p, p);
            rows.add(Hll.row(key.toMap(index.keys(), id * w), raw, packets[id], rel));
        }
        // keys tied with the last row kept compete by key, so that how the stream was split cannot pick them
        long last = ids.length == 0 ? Long.MAX_VALUE : est[ids[ids.length - 1]];
        for (int id = 0; id < n && ids.length < n; id++) {
            if (!taken[id] && est[id] == last) {
                rows.add(Hll.row(key.toMap(index.keys(), id * w), HyperLogLog.estimate(regs, id << p, p),
                        packets[id], rel));
            }
        }
        rows.sort(LARGEST_FIRST.thenComparing(r -> r.key().toString()));
        return new Snapshot(task, type(), "spread", startNanos, endNanos, limit(rows, limit), totals());
    }

    /** The task totals, and what the key bound left out when it left something out. */
    @Override
    protected Map<String, Long> totals() {
        Map<String, Long> t = super.totals();
        if (untrackedPackets != 0) {
            t.put("untracked_packets", untrackedPackets);
            t.put("untracked_bytes", untrackedBytes);
        }
        return t;
    }

    @Override
    protected void writeState(DataOutputStream out) throws IOException {
        writeCommon(out);
        Hll.writeParameters(out, element, p, limit);
        int w = key.words();
        out.writeInt(maxKeys);
        out.writeLong(untrackedPackets);
        out.writeLong(untrackedBytes);
        out.writeInt(index.size());
        for (int id = 0; id < index.size(); id++) {
            for (int k = 0; k < w; k++) {
                out.writeLong(index.keys()[id * w + k]);
            }
            out.writeLong(packets[id]);
            out.writeLong(bytes[id]);
            out.write(regs, id << p, 1 << p);
        }
    }

    /** Reads {@link #writeState}; bytes of version 1 had no bound: the default, or room for all they hold. */
    static HllKeyedAggregator read(DataInputStream in, int version, Bytes.Common c, KeyFields key, KeyFields element,
                                   int p, long seed, int limit) throws IOException {
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
            maxKeys = Math.max(maxKeys, Math.min(n, KeyIndex.MAX_BOUND));
        }
        if (maxKeys < 1 || maxKeys > KeyIndex.MAX_BOUND || n < 0 || n > maxKeys) {
            throw new IllegalArgumentException("hll aggregator bytes: " + n + " keys, bound " + maxKeys
                    + " (expected: keys within 1.." + KeyIndex.MAX_BOUND + " and the bound)");
        }
        HllKeyedAggregator a = c.totalsTo(new HllKeyedAggregator(c.task(), key, element, p, seed, limit, maxKeys));
        a.untrackedPackets = untrackedPackets;
        a.untrackedBytes = untrackedBytes;
        int w = key.words();
        long[] kw = new long[w];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < w; k++) {
                kw[k] = in.readLong();
            }
            int id = a.keyId(kw, 0, a.keyHash(kw));
            long packets = version >= 2 ? in.readLong() : 0;
            long bytes = version >= 2 ? in.readLong() : 0;
            if (id < 0) {
                // the heap had no room for the key: its traffic is untracked, its registers are skipped
                a.untrackedPackets += packets;
                a.untrackedBytes += bytes;
                in.skipNBytes(1 << p);
                continue;
            }
            if (version >= 2) {
                a.packets[id] = packets;
                a.bytes[id] = bytes;
            }
            in.readFully(a.regs, id << p, 1 << p);
        }
        HyperLogLog.checkRegisters(a.regs, a.index.size() << p, p, "hll aggregator bytes");
        if (version < 2) {
            // the first format kept no packets per key: the task's packets bound each key's
            Arrays.fill(a.packets, 0, a.index.size(), c.packets());
        }
        return a;
    }
}
