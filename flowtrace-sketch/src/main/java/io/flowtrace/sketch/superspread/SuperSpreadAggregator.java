package io.flowtrace.sketch.superspread;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PacketView;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sketch.Hashing;
import io.flowtrace.sketch.KeyFields;
import io.flowtrace.sketch.internal.BaseAggregator;
import io.flowtrace.sketch.internal.Bytes;
import io.flowtrace.sketch.internal.KeyIndex;
import io.flowtrace.sketch.internal.Seeds;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Super-spreaders (type {@code super-spread}): a {@link SuperSpread} sketch counting, per key, distinct values of
 * the element fields, e.g. distinct {@code dst_ip} per {@code src_ip}.
 *
 * <p>Rows: keys held by the sketch with estimated spread >= {@code threshold}, largest first, at most
 * {@code limit}. The estimate has no hard bounds; rows carry an approximate interval of three standard errors of
 * one bucket's register sampler, {@code value · (1 ± 3 · 1.04/√m)} widened by 1 (not a guarantee: small spreads
 * and keys that lost buckets to decay can fall outside it).
 *
 * <p><b>Merge: approximate.</b> See {@link SuperSpread}: the merged answer approximates the single-instance one
 * when each (key, element) pair's packets went to one instance, i.e. with key-partitioned workers or with
 * flow-hash workers when a pair's packets share a flow; a pair seen on k instances counts k times. Not
 * thread-safe.
 *
 * @since 0.1
 */
public final class SuperSpreadAggregator extends BaseAggregator {
    /** Turns the sketch seed into the element seed; the seed of the first releases gives their element seed. */
    private static final long ELEMENT_SALT = 0xA4093822299F31D0L ^ 0x510E527FADE682D1L;

    private final KeyFields element;
    private final SuperSpread sketch;
    private final long threshold;
    private final int limit;
    private final long elementSeed;

    SuperSpreadAggregator(String task, KeyFields key, KeyFields element, SuperSpread sketch, long threshold,
                          int limit) {
        super(task, key, sketch.seed(), Bytes.SUPER_SPREAD, 1);
        if (sketch.keyWords() != key.words()) {
            throw new IllegalArgumentException("sketch key words: expected " + key.words() + ", got "
                    + sketch.keyWords());
        }
        if (limit < 1) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= 1)");
        }
        this.element = element;
        this.sketch = sketch;
        this.elementSeed = sketch.seed() ^ ELEMENT_SALT;
        this.threshold = threshold;
        this.limit = limit;
    }

    /**
     * A super-spread task.
     *
     * @param task      name of the task
     * @param key       key fields, e.g. {@code src_ip}
     * @param element   element fields whose distinct values per key are counted, e.g. {@code dst_ip}
     * @param memory    bytes for the sketch (width follows from depth, m and bits)
     * @param threshold smallest spread reported
     * @param limit     rows per snapshot
     * @return the aggregator
     */
    public static SuperSpreadAggregator of(String task, String key, String element, long memory, long threshold,
                                           int limit) {
        KeyFields k = KeyFields.parse(key);
        return new SuperSpreadAggregator(task, k, KeyFields.parse(element),
                sized(memory, SuperSpreadAggregatorProvider.DEFAULT_DEPTH, 128, 5, 1.08, k.words(),
                        Seeds.process()), threshold, limit);
    }

    static SuperSpread sized(long memory, int depth, int m, int bits, double b, int keyWords, long seed) {
        long per = SuperSpread.bucketBytes(m, bits, keyWords) * depth;
        long width = memory / per;
        if (width < 1) {
            throw new IllegalArgumentException("memory: " + memory + " bytes (expected: at least " + per
                    + " for depth " + depth + ", m " + m + ")");
        }
        return new SuperSpread((int) Math.min(width, Integer.MAX_VALUE / 64), depth, m, bits, b, keyWords, seed);
    }

    @Override
    public String type() {
        return "super-spread";
    }

    /** {@return the sketch this task updates} */
    public SuperSpread sketch() {
        return sketch;
    }

    @Override
    public void onPacket(PacketView p) {
        totalPackets++;
        totalBytes += p.wireLength();
        long[] s = scratch;
        int w = key.words();
        key.extract(p, s, 0);
        element.extract(p, s, w);
        long kh = Hashing.hash(s, 0, w, sketch.seed());
        long eh = Hashing.hash(s, w, element.words(), elementSeed);
        sketch.update(s, 0, kh, Hashing.pair(kh, eh));
    }

    /** The spread estimate of a key given as words (for tests and queries). */
    long estimate(long[] keyWords) {
        return sketch.estimate(keyWords, 0, Hashing.hash(keyWords, 0, key.words(), sketch.seed()));
    }

    @Override
    public Aggregator newEmpty() {
        SuperSpread s = sketch;
        return new SuperSpreadAggregator(task, key, element,
                new SuperSpread(s.width(), s.depth(), s.m(), s.bits(), s.b(), s.keyWords(), s.seed()),
                threshold, limit);
    }

    @Override
    public Aggregator copy() {
        return new SuperSpreadAggregator(task, key, element, sketch.copy(), threshold, limit).withTotals(this);
    }

    private SuperSpreadAggregator withTotals(BaseAggregator o) {
        mergeTotals(o);
        return this;
    }

    @Override
    public void merge(Aggregator other) {
        SuperSpreadAggregator o = sameType(this, other, SuperSpreadAggregator.class);
        same("key", key, o.key);
        same("element", element, o.element);
        sketch.merge(o.sketch);
        mergeTotals(o);
    }

    @Override
    public void reset() {
        sketch.reset();
        resetTotals();
    }

    @Override
    public Snapshot snapshot(long startNanos, long endNanos) {
        int w = key.words();
        KeyIndex seen = new KeyIndex(w, 256);
        long[] cells = sketch.cells();
        List<Snapshot.Row> rows = new ArrayList<>();
        double rel = 3 * 1.04 / Math.sqrt(sketch.m());
        for (int bucket = 0; bucket < sketch.buckets(); bucket++) {
            if (sketch.counterAt(bucket) < Math.max(1, threshold)) {
                continue;
            }
            int at = sketch.keyOffset(bucket);
            long h = Hashing.hash(cells, at, w, sketch.seed());
            int before = seen.size();
            seen.findOrAdd(cells, at, h);
            if (seen.size() == before) {
                continue;
            }
            long v = sketch.estimate(cells, at, h);
            if (v < Math.max(1, threshold)) {
                continue;
            }
            long lo = Math.max(0, (long) Math.floor(v * (1 - rel)) - 1);
            long hi = (long) Math.ceil(v * (1 + rel)) + 1;
            rows.add(new Snapshot.Row(key.toMap(cells, at), v, Math.min(lo, v), Math.max(hi, v)));
        }
        return new Snapshot(task, type(), "spread", startNanos, endNanos, limit(rows, limit), totals());
    }

    // ---- byte form ----

    @Override
    protected void writeState(DataOutputStream out) throws IOException {
        writeCommon(out);
        out.writeUTF(element.toString());
        out.writeLong(threshold);
        out.writeInt(limit);
        sketch.write(out);
    }

    static SuperSpreadAggregator read(DataInputStream in, int version, long seed) throws IOException {
        Bytes.Common c = Bytes.Common.read(in);
        KeyFields key = c.key();
        KeyFields element = KeyFields.parse(in.readUTF());
        long threshold = in.readLong();
        int limit = in.readInt();
        SuperSpread s = SuperSpread.read(in);
        if (s.seed() != seed) {
            throw new IllegalArgumentException("super-spread bytes: seed: expected " + seed + ", got " + s.seed());
        }
        return c.totalsTo(new SuperSpreadAggregator(c.task(), key, element, s, threshold, limit));
    }
}
