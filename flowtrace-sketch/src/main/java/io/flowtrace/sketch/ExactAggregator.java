package io.flowtrace.sketch;

import io.flowtrace.core.FlowRecord;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PacketView;
import io.flowtrace.core.spi.Snapshot;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Exact group-by (type {@code exact}): packets, wire bytes and finished flows per key, in 64-bit counters, over any
 * subset of {@code src_ip}, {@code dst_ip}, {@code src_port}, {@code dst_port}, {@code protocol}. The engine's
 * {@code per_five_tuple} task is {@code ExactAggregator.of("per_five_tuple", "five_tuple")} and
 * {@code per_src_ip} is {@code ExactAggregator.of("per_src_ip", "src_ip")}.
 *
 * <p>Packets and bytes are counted per packet; flows are counted when a flow record finishes (keyed by the
 * record's initiator-first key), so a window's flow count is the number of flows that ended in it. With the metric
 * {@code spread:FIELDS} it also counts, per key, the distinct values of other fields (e.g. distinct
 * {@code dst_ip} per {@code src_ip}); pairs are remembered as 64-bit fingerprints, so the count is exact unless two
 * of the n pairs collide (probability below n²/2<sup>65</sup>).
 *
 * <p><b>Merge: exact.</b> Counters add; distinct pairs are unioned. The merged answer is the single-instance one,
 * whatever way the stream was split. Memory grows with the number of keys (about 40 + 8 × key words bytes each);
 * the table doubles as it fills (pre-size with {@code capacity}). Not thread-safe.
 */
public final class ExactAggregator extends BaseAggregator {
    static final int FAMILY = 1;
    static final int VERSION = 1;
    private static final long ELEMENT_SEED = 0x6A09E667F3BCC909L;
    private static final long KEY_SEED = 0x3C6EF372FE94F82BL;

    private final Metric metric;
    private final int limit;
    private final int capacity;
    private final KeyIndex index;
    private long[] packets;
    private long[] bytes;
    private long[] flows;
    private long[] distinct;
    // spread: open-addressing set of pair fingerprints (0 = empty) and the key id of each pair
    private long[] pairs;
    private int[] pairKey;
    private int pairCount;

    ExactAggregator(String task, KeyFields key, Metric metric, int limit, int capacity) {
        super(task, key);
        this.metric = metric;
        this.limit = limit;
        this.capacity = capacity;
        this.index = new KeyIndex(key.words(), capacity);
        int n = index.idCapacity();
        packets = new long[n];
        bytes = new long[n];
        flows = new long[n];
        if (metric.kind == Metric.SPREAD) {
            distinct = new long[n];
            int cap = Integer.highestOneBit(Math.max(16, capacity * 4) - 1) << 1;
            pairs = new long[cap];
            pairKey = new int[cap];
        }
    }

    /**
     * An exact task counting packets per key.
     *
     * @param task name of the task
     * @param key  key fields, e.g. {@code src_ip,dst_ip} or {@code five_tuple}
     */
    public static ExactAggregator of(String task, String key) {
        return new ExactAggregator(task, KeyFields.parse(key), Metric.packets(), 0, 1024);
    }

    /**
     * An exact task.
     *
     * @param metric {@code packets}, {@code bytes}, {@code flows} or {@code spread:FIELDS}: what rows are ranked by
     * @param limit  rows per snapshot, largest first; 0 for all
     */
    public static ExactAggregator of(String task, String key, String metric, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= 0)");
        }
        return new ExactAggregator(task, KeyFields.parse(key), Metric.parse(metric), limit, 1024);
    }

    @Override
    public String type() {
        return "exact";
    }

    @Override
    public void onPacket(PacketView p) {
        long[] s = scratch;
        KeyFields k = key;
        k.extract(p, s, 0);
        int w = k.words();
        long h = Hashing.hash(s, 0, w, KEY_SEED);
        int id = index.findOrAdd(s, 0, h);
        if (id >= packets.length) {
            grow();
        }
        long len = p.wireLength();
        packets[id]++;
        bytes[id] += len;
        totalPackets++;
        totalBytes += len;
        if (distinct != null) {
            KeyFields e = metric.element;
            e.extract(p, s, w);
            long eh = Hashing.hash(s, w, e.words(), ELEMENT_SEED);
            if (addPair(Hashing.pair(h, eh), id)) {
                distinct[id]++;
            }
        }
    }

    @Override
    public void onFlow(FlowRecord record) {
        totalFlows++;
        long[] s = scratch;
        key.extract(record.key(), s, 0);
        int id = index.findOrAdd(s, 0, Hashing.hash(s, 0, key.words(), KEY_SEED));
        if (id >= packets.length) {
            grow();
        }
        flows[id]++;
    }

    private void grow() {
        int n = index.idCapacity();
        packets = Arrays.copyOf(packets, n);
        bytes = Arrays.copyOf(bytes, n);
        flows = Arrays.copyOf(flows, n);
        if (distinct != null) {
            distinct = Arrays.copyOf(distinct, n);
        }
    }

    /** Adds a pair fingerprint; true when it was new. */
    private boolean addPair(long fp, int keyId) {
        if (fp == 0) {
            fp = 1;
        }
        int m = pairs.length - 1;
        int i = (int) (fp ^ (fp >>> 29)) & m;
        while (true) {
            long e = pairs[i];
            if (e == 0) {
                pairs[i] = fp;
                pairKey[i] = keyId;
                if (++pairCount * 2 > pairs.length) {
                    growPairs();
                }
                return true;
            }
            if (e == fp) {
                return false;
            }
            i = (i + 1) & m;
        }
    }

    private void growPairs() {
        long[] oldPairs = pairs;
        int[] oldKeys = pairKey;
        pairs = new long[oldPairs.length * 2];
        pairKey = new int[oldPairs.length * 2];
        int m = pairs.length - 1;
        for (int j = 0; j < oldPairs.length; j++) {
            long fp = oldPairs[j];
            if (fp != 0) {
                int i = (int) (fp ^ (fp >>> 29)) & m;
                while (pairs[i] != 0) {
                    i = (i + 1) & m;
                }
                pairs[i] = fp;
                pairKey[i] = oldKeys[j];
            }
        }
    }

    /** Number of distinct keys. */
    public int keyCount() {
        return index.size();
    }

    /**
     * The exact counters of one key given as text values in key-field order (for tests and queries).
     *
     * @return {@code {packets, bytes, flows, distinct}}, or zeros when the key was not seen
     */
    long[] countsOf(long[] keyWords) {
        int id = index.find(keyWords, 0, Hashing.hash(keyWords, 0, key.words(), KEY_SEED));
        if (id < 0) {
            return new long[4];
        }
        return new long[] {packets[id], bytes[id], flows[id], distinct == null ? 0 : distinct[id]};
    }

    @Override
    public Aggregator newEmpty() {
        return new ExactAggregator(task, key, metric, limit, capacity);
    }

    @Override
    public Aggregator copy() {
        ExactAggregator c = new ExactAggregator(task, key, metric, limit, Math.max(capacity, index.size()));
        c.merge(this);
        return c;
    }

    @Override
    public void merge(Aggregator other) {
        ExactAggregator o = sameType(this, other, ExactAggregator.class);
        same("key", key, o.key);
        same("metric", metric, o.metric);
        long[] ok = o.index.keys();
        int w = key.words();
        int[] map = new int[o.index.size()];
        for (int oid = 0; oid < o.index.size(); oid++) {
            int id = index.findOrAdd(ok, oid * w, o.index.hashOf(oid));
            if (id >= packets.length) {
                grow();
            }
            map[oid] = id;
            packets[id] += o.packets[oid];
            bytes[id] += o.bytes[oid];
            flows[id] += o.flows[oid];
        }
        if (distinct != null) {
            for (int j = 0; j < o.pairs.length; j++) {
                long fp = o.pairs[j];
                if (fp != 0) {
                    int id = map[o.pairKey[j]];
                    if (addPair(fp, id)) {
                        distinct[id]++;
                    }
                }
            }
        }
        mergeTotals(o);
    }

    @Override
    public void reset() {
        index.clear();
        Arrays.fill(packets, 0);
        Arrays.fill(bytes, 0);
        Arrays.fill(flows, 0);
        if (distinct != null) {
            Arrays.fill(distinct, 0);
            Arrays.fill(pairs, 0);
            pairCount = 0;
        }
        resetTotals();
    }

    @Override
    public Snapshot snapshot(long startNanos, long endNanos) {
        long[] v;
        switch (metric.kind) {
            case Metric.PACKETS: v = packets; break;
            case Metric.BYTES: v = bytes; break;
            case Metric.FLOWS: v = flows; break;
            default: v = distinct; break;
        }
        List<Snapshot.Row> rows = new ArrayList<>();
        long[] keys = index.keys();
        int w = key.words();
        // rank first on primitives, then build key maps only for the rows kept
        int n = index.size();
        int[] ids = largest(v, n, limit > 0 ? Math.min(limit, n) : n);
        for (int id : ids) {
            if (v[id] == 0 && metric.kind == Metric.FLOWS) {
                continue;
            }
            rows.add(Snapshot.Row.exact(key.toMap(keys, id * w), v[id]));
        }
        return new Snapshot(task, type(), metric.snapshotName(), startNanos, endNanos, rows, totals());
    }

    /** Ids of the {@code k} largest of {@code v[0..n)}, largest first (ties by id), with a k-slot min-heap. */
    static int[] largest(long[] v, int n, int k) {
        int[] heap = new int[k];
        int size = 0;
        for (int id = 0; id < n; id++) {
            if (size < k) {
                int i = size++;
                while (i > 0) {
                    int parent = (i - 1) >>> 1;
                    if (!less(v, id, heap[parent])) {
                        break;
                    }
                    heap[i] = heap[parent];
                    i = parent;
                }
                heap[i] = id;
            } else if (k > 0 && less(v, heap[0], id)) {
                int i = 0;
                while (true) {
                    int c = 2 * i + 1;
                    if (c >= k) {
                        break;
                    }
                    if (c + 1 < k && less(v, heap[c + 1], heap[c])) {
                        c++;
                    }
                    if (!less(v, heap[c], id)) {
                        break;
                    }
                    heap[i] = heap[c];
                    i = c;
                }
                heap[i] = id;
            }
        }
        // pop the min-heap into descending order
        int[] out = new int[size];
        for (int end = size - 1; end >= 0; end--) {
            out[end] = heap[0];
            int last = heap[end];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= end) {
                    break;
                }
                if (c + 1 < end && less(v, heap[c + 1], heap[c])) {
                    c++;
                }
                if (!less(v, heap[c], last)) {
                    break;
                }
                heap[i] = heap[c];
                i = c;
            }
            heap[i] = last;
        }
        return out;
    }

    /** Ranking order: a is "less" than b when its value is smaller, or equal with a larger id. */
    private static boolean less(long[] v, int a, int b) {
        return v[a] < v[b] || (v[a] == v[b] && a > b);
    }

    // ---- byte form ----

    @Override
    int family() {
        return FAMILY;
    }

    @Override
    long seed() {
        return KEY_SEED;
    }

    @Override
    void writeState(DataOutputStream out) throws IOException {
        writeCommon(out);
        out.writeUTF(metric.toString());
        out.writeInt(limit);
        out.writeInt(capacity);
        int n = index.size();
        int w = key.words();
        long[] keys = index.keys();
        out.writeInt(n);
        for (int id = 0; id < n; id++) {
            for (int k = 0; k < w; k++) {
                out.writeLong(keys[id * w + k]);
            }
            out.writeLong(packets[id]);
            out.writeLong(bytes[id]);
            out.writeLong(flows[id]);
        }
        if (distinct != null) {
            out.writeInt(pairCount);
            for (int j = 0; j < pairs.length; j++) {
                if (pairs[j] != 0) {
                    out.writeLong(pairs[j]);
                    out.writeInt(pairKey[j]);
                }
            }
        }
    }

    static ExactAggregator read(DataInputStream in) throws IOException {
        String task = in.readUTF();
        KeyFields key = KeyFields.parse(in.readUTF());
        long tp = in.readLong();
        long tb = in.readLong();
        long tf = in.readLong();
        Metric metric = Metric.parse(in.readUTF());
        int limit = in.readInt();
        int capacity = in.readInt();
        ExactAggregator a = new ExactAggregator(task, key, metric, limit, capacity);
        a.totalPackets = tp;
        a.totalBytes = tb;
        a.totalFlows = tf;
        int n = in.readInt();
        int w = key.words();
        long[] kw = new long[w];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < w; k++) {
                kw[k] = in.readLong();
            }
            int id = a.index.findOrAdd(kw, 0, Hashing.hash(kw, 0, w, KEY_SEED));
            if (id >= a.packets.length) {
                a.grow();
            }
            a.packets[id] = in.readLong();
            a.bytes[id] = in.readLong();
            a.flows[id] = in.readLong();
        }
        if (a.distinct != null) {
            int pc = in.readInt();
            for (int i = 0; i < pc; i++) {
                long fp = in.readLong();
                int id = in.readInt();
                if (a.addPair(fp, id)) {
                    a.distinct[id]++;
                }
            }
        }
        return a;
    }
}
