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
 * <p>Rows: one per key (or a single row with an empty key), value = estimate rounded, with an approximate
 * three-standard-error interval {@code value · (1 ± 3 · 1.04/√m)} as bounds (not a hard guarantee).
 *
 * <p><b>Merge: exact</b> (register-wise maximum, per key), whatever way the stream was split. Not thread-safe.
 */
public final class HllAggregator extends BaseAggregator {
    static final int FAMILY = 4;

    private final KeyFields element;
    private final int p;
    private final long seed;
    private final int limit;
    // unkeyed
    private final HyperLogLog total;
    // keyed
    private final KeyIndex index;
    private byte[] regs;

    HllAggregator(String task, KeyFields key, KeyFields element, int p, long seed, int limit) {
        super(task, key);
        if (p < 4 || p > 18) {
            throw new IllegalArgumentException("precision: " + p + " (expected: 4..18)");
        }
        this.element = element;
        this.p = p;
        this.seed = seed;
        this.limit = limit;
        if (key == null) {
            total = new HyperLogLog(p, seed);
            index = null;
        } else {
            total = null;
            index = new KeyIndex(key.words(), 256);
            regs = new byte[index.idCapacity() << p];
        }
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
        int id = index.findOrAdd(s, 0, Hashing.hash(s, 0, w, seed ^ 0x5851F42D4C957F2DL));
        if ((id << p) >= regs.length) {
            regs = Arrays.copyOf(regs, index.idCapacity() << p);
        }
        int idx = (int) (eh >>> (64 - p));
        int rank = Long.numberOfLeadingZeros((eh << p) | (1L << (p - 1))) + 1;
        int at = (id << p) + idx;
        if (rank > regs[at]) {
            regs[at] = (byte) rank;
        }
    }

    /** The estimate over everything (unkeyed), or for the key with the given words (keyed). */
    double estimate(long[] keyWords) {
        if (index == null) {
            return total.estimate();
        }
        int id = index.find(keyWords, 0, Hashing.hash(keyWords, 0, key.words(), seed ^ 0x5851F42D4C957F2DL));
        return id < 0 ? 0 : HyperLogLog.estimate(regs, id << p, p);
    }

    @Override
    public Aggregator newEmpty() {
        return new HllAggregator(task, key, element, p, seed, limit);
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
        } else {
            int w = key.words();
            int m = 1 << p;
            for (int oid = 0; oid < o.index.size(); oid++) {
                int id = index.findOrAdd(o.index.keys(), oid * w, o.index.hashOf(oid));
                if ((id << p) >= regs.length) {
                    regs = Arrays.copyOf(regs, index.idCapacity() << p);
                }
                int a = id << p;
                int b = oid << p;
                for (int i = 0; i < m; i++) {
                    if (o.regs[b + i] > regs[a + i]) {
                        regs[a + i] = o.regs[b + i];
                    }
                }
            }
        }
        mergeTotals(o);
    }

    @Override
    public void reset() {
        if (index == null) {
            total.reset();
        } else {
            index.clear();
            Arrays.fill(regs, (byte) 0);
        }
        resetTotals();
    }

    @Override
    public Snapshot snapshot(long startNanos, long endNanos) {
        List<Snapshot.Row> rows = new ArrayList<>();
        double rel = 3 * 1.04 / Math.sqrt(1 << p);
        if (index == null) {
            rows.add(row(Map.of(), total.estimate(), rel));
        } else {
            int w = key.words();
            for (int id = 0; id < index.size(); id++) {
                rows.add(row(key.toMap(index.keys(), id * w), HyperLogLog.estimate(regs, id << p, p), rel));
            }
        }
        return new Snapshot(task, type(), "spread", startNanos, endNanos, limit(rows, limit), totals());
    }

    private static Snapshot.Row row(Map<String, Object> key, double est, double rel) {
        long v = Math.round(est);
        long lo = Math.min(v, (long) Math.floor(est * (1 - rel)));
        long hi = Math.max(v, (long) Math.ceil(est * (1 + rel)));
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
    void writeState(DataOutputStream out) throws IOException {
        writeCommon(out);
        out.writeUTF(element.toString());
        out.writeByte(p);
        out.writeInt(limit);
        if (index == null) {
            total.write(out);
        } else {
            int w = key.words();
            out.writeInt(index.size());
            for (int id = 0; id < index.size(); id++) {
                for (int k = 0; k < w; k++) {
                    out.writeLong(index.keys()[id * w + k]);
                }
                out.write(regs, id << p, 1 << p);
            }
        }
    }

    static HllAggregator read(DataInputStream in, long seed) throws IOException {
        String task = in.readUTF();
        String keyText = in.readUTF();
        KeyFields key = keyText.isEmpty() ? null : KeyFields.parse(keyText);
        long tp = in.readLong();
        long tb = in.readLong();
        long tf = in.readLong();
        KeyFields element = KeyFields.parse(in.readUTF());
        int p = in.readUnsignedByte();
        int limit = in.readInt();
        HllAggregator a = new HllAggregator(task, key, element, p, seed, limit);
        a.totalPackets = tp;
        a.totalBytes = tb;
        a.totalFlows = tf;
        if (key == null) {
            HyperLogLog h = HyperLogLog.read(in);
            a.total.merge(h);
        } else {
            int n = in.readInt();
            int w = key.words();
            long[] kw = new long[w];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < w; k++) {
                    kw[k] = in.readLong();
                }
                int id = a.index.findOrAdd(kw, 0, Hashing.hash(kw, 0, w, seed ^ 0x5851F42D4C957F2DL));
                if ((id << p) >= a.regs.length) {
                    a.regs = Arrays.copyOf(a.regs, a.index.idCapacity() << p);
                }
                in.readFully(a.regs, id << p, 1 << p);
            }
        }
        return a;
    }
}
