package io.flowtrace.sketch.countmin;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PacketView;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sketch.Hashing;
import io.flowtrace.sketch.KeyFields;
import io.flowtrace.sketch.internal.BaseAggregator;
import io.flowtrace.sketch.internal.Bytes;
import io.flowtrace.sketch.internal.Metric;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Heavy hitters (type {@code count-min}): a {@link CountMinSketch} with conservative update over the chosen key
 * fields, by packets, wire bytes or finished flows, with a {@link HeavyHitterHeap top-k candidate set} beside it.
 * Every update goes to the sketch; a key enters the set when its estimate beats the set's smallest member, and a
 * tracked key's updates are also counted exactly in the set. Every key's sketch estimate thus stays an upper bound
 * of its true total, including after its key leaves the set.
 *
 * <p><b>Rows and bounds.</b> Each snapshot row is a candidate key, largest estimate first, at most {@code limit}
 * of them and only those with estimate >= {@code threshold}. {@code value} and {@code upper} are the key's upper
 * bound (its sketch estimate when it entered the set plus its weight since, never below the true total);
 * {@code lower} is the weight counted exactly since the key entered the set (its true total when it never left).
 * The sketch's ε·N bound is {@link CountMinSketch#errorBound()}.
 *
 * <p><b>Merge: counters exactly, candidates approximately.</b> Sketch counters add (see {@link CountMinSketch});
 * the candidate sets are unioned with upper and lower bounds summed (the parts saw disjoint packets), and the
 * largest {@code candidates} kept. A key that was in no part's candidate set cannot appear after the merge; with
 * {@code candidates} a few times {@code limit} this does not happen for keys in the true top {@code limit} on
 * skewed traffic.
 *
 * <p><b>Update cost.</b> {@code depth} counter reads and writes without branches, then a lookup of the key in the
 * candidate set that also takes no branch on whether the key is tracked (on skewed traffic that is a coin toss; see
 * {@link HeavyHitterHeap}); only updates that may change the set take a branch. No allocation. Not thread-safe.
 *
 * @since 0.1
 */
public final class CountMinAggregator extends BaseAggregator {

    private final Metric metric;
    private final CountMinSketch cm;
    private final HeavyHitterHeap heap;
    private final int limit;
    private final long threshold;

    CountMinAggregator(String task, KeyFields key, Metric metric, CountMinSketch cm, int candidates, int limit,
                       long threshold) {
        super(task, key, cm.seed(), Bytes.COUNT_MIN, 1);
        if (metric.kind == Metric.SPREAD) {
            throw new IllegalArgumentException("metric: " + metric
                    + " (expected: packets, bytes or flows; use super-spread for spreads)");
        }
        if (limit < 1) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= 1)");
        }
        if (candidates < limit) {
            throw new IllegalArgumentException("candidates: " + candidates + " (expected: >= limit " + limit + ")");
        }
        this.metric = metric;
        this.cm = cm;
        this.heap = new HeavyHitterHeap(candidates, key.words());
        this.limit = limit;
        this.threshold = threshold;
    }

    /**
     * A count-min task.
     *
     * @param task   task name
     * @param key    key fields, e.g. {@code src_ip}
     * @param metric {@code packets}, {@code bytes} or {@code flows}
     * @param sketch the sketch (its sizing and seed)
     * @param limit  rows per snapshot; the candidate set holds {@link #defaultCandidates(int)} keys
     * @return the aggregator
     */
    public static CountMinAggregator of(String task, String key, String metric, CountMinSketch sketch, int limit) {
        return new CountMinAggregator(task, KeyFields.parse(key), Metric.parse(metric), sketch,
                defaultCandidates(limit), limit, 0);
    }

    /**
     * {@return candidate-set size used unless configured: twice the limit, and at least limit + 64}
     *
     * @param limit rows per snapshot
     */
    public static int defaultCandidates(int limit) {
        return Math.max(limit * 2, limit + 64);
    }

    @Override
    public String type() {
        return "count-min";
    }

    /** {@return the sketch (for its error bound and parameters)} */
    public CountMinSketch sketch() {
        return cm;
    }

    @Override
    public void onPacket(PacketView p) {
        long len = p.wireLength();
        totalPackets++;
        totalBytes += len;
        int kind = metric.kind;
        if (kind == Metric.FLOWS) {
            return;
        }
        long[] s = scratch;
        key.extract(p, s, 0);
        long h = Hashing.hash(s, 0, key.words(), cm.seed());
        update(s, 0, h, kind == Metric.BYTES ? len : 1);
    }

    @Override
    public void onFlow(FlowEvent record) {
        totalFlows++;
        if (metric.kind == Metric.FLOWS) {
            long[] s = scratch;
            key.extract(record.key(), s, 0);
            update(s, 0, Hashing.hash(s, 0, key.words(), cm.seed()), 1);
        }
    }

    /**
     * Adds {@code weight} to a key given as words with its hash (pre-hashed path for benchmarks and callers that
     * do their own parsing). {@code hash} must be {@link Hashing#hash(long[], int, int, long)} of the key words
     * under the sketch's seed, as {@link #onPacket} computes it: merges and the byte form recompute it that way.
     *
     * @param keyWords the words holding the key
     * @param off      its first word
     * @param hash     the key's hash
     * @param weight   what is added, at least 0
     */
    public void update(long[] keyWords, int off, long hash, long weight) {
        heap.count(keyWords, off, hash, cm.update(hash, weight), weight);
    }

    /** The estimate of a key given as words: its tracked upper bound, else the sketch's. */
    long estimate(long[] keyWords) {
        long h = Hashing.hash(keyWords, 0, key.words(), cm.seed());
        int slot = heap.find(keyWords, 0, h);
        return slot >= 0 ? heap.count[slot] : cm.estimate(h);
    }

    @Override
    public Aggregator newEmpty() {
        return new CountMinAggregator(task, key, metric,
                new CountMinSketch(cm.width(), cm.depth(), cm.seed(), cm.conservative()),
                heap.capacity(), limit, threshold);
    }

    @Override
    public void merge(Aggregator other) {
        CountMinAggregator o = sameType(this, other, CountMinAggregator.class);
        same("key", key, o.key);
        same("metric", metric, o.metric);
        cm.checkCompatible(o.cm);
        same("candidates", heap.capacity(), o.heap.capacity());
        // gather both candidate sets, with an upper bound from each part, before the sketch changes
        int w = key.words();
        int n1 = heap.size();
        int n2 = o.heap.size();
        int n = n1 + n2;
        long[] keys = new long[n * w];
        long[] hashes = new long[n];
        long[] lower = new long[n];
        long[] upper = new long[n];
        System.arraycopy(heap.keys, 0, keys, 0, n1 * w);
        System.arraycopy(heap.hashes, 0, hashes, 0, n1);
        System.arraycopy(o.heap.keys, 0, keys, n1 * w, n2 * w);
        System.arraycopy(o.heap.hashes, 0, hashes, n1, n2);
        for (int i = 0; i < n; i++) {
            int mine = heap.find(keys, i * w, hashes[i]);
            int theirs = o.heap.find(keys, i * w, hashes[i]);
            lower[i] = (mine >= 0 ? heap.since(mine) : 0) + (theirs >= 0 ? o.heap.since(theirs) : 0);
            upper[i] = (mine >= 0 ? heap.count[mine] : cm.estimate(hashes[i]))
                    + (theirs >= 0 ? o.heap.count[theirs] : o.cm.estimate(hashes[i]));
        }
        cm.merge(o.cm); // the summed counters bound every key from above, upper[i] included
        heap.clear();
        for (int i = 0; i < n; i++) {
            if (heap.find(keys, i * w, hashes[i]) < 0) {
                heap.offerMerged(keys, i * w, hashes[i], upper[i], Math.min(lower[i], upper[i]));
            }
        }
        mergeTotals(o);
    }

    @Override
    public void reset() {
        cm.reset();
        heap.clear();
        resetTotals();
    }

    @Override
    public Snapshot snapshot(long startNanos, long endNanos) {
        List<Snapshot.Row> rows = new ArrayList<>();
        int w = key.words();
        for (int slot = 0; slot < heap.size(); slot++) {
            long v = heap.count[slot];
            if (v >= threshold && v > 0) {
                long lo = Math.min(heap.since(slot), v);
                rows.add(new Snapshot.Row(key.toMap(heap.keys, slot * w), v, lo, v));
            }
        }
        return new Snapshot(task, type(), metric.snapshotName(), startNanos, endNanos, limit(rows, limit), totals());
    }

    // ---- byte form ----

    @Override
    protected void writeState(DataOutputStream out) throws IOException {
        writeCommon(out);
        out.writeUTF(metric.toString());
        out.writeInt(heap.capacity());
        out.writeInt(limit);
        out.writeLong(threshold);
        cm.write(out);
        int w = key.words();
        out.writeInt(heap.size());
        for (int slot = 0; slot < heap.size(); slot++) {
            for (int k = 0; k < w; k++) {
                out.writeLong(heap.keys[slot * w + k]);
            }
            out.writeLong(heap.count[slot]);
            out.writeLong(heap.since(slot));
        }
    }

    static CountMinAggregator read(DataInputStream in, int version, long seed) throws IOException {
        Bytes.Common c = Bytes.Common.read(in);
        KeyFields key = c.key();
        Metric metric = Metric.parse(in.readUTF());
        int candidates = in.readInt();
        int limit = in.readInt();
        long threshold = in.readLong();
        CountMinSketch cm = CountMinSketch.read(in);
        if (cm.seed() != seed) {
            throw new IllegalArgumentException("count-min bytes: seed: expected " + seed + ", got " + cm.seed());
        }
        CountMinAggregator a = c.totalsTo(new CountMinAggregator(c.task(), key, metric, cm, candidates, limit,
                threshold));
        int n = in.readInt();
        int w = key.words();
        long[] kw = new long[w];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < w; k++) {
                kw[k] = in.readLong();
            }
            long count = in.readLong();
            long since = in.readLong();
            long h = Hashing.hash(kw, 0, w, seed);
            // bytes written while tracked keys were counted outside the sketch: make the counters bound them again
            cm.raise(h, count);
            a.heap.offerMerged(kw, 0, h, count, since);
        }
        return a;
    }
}
