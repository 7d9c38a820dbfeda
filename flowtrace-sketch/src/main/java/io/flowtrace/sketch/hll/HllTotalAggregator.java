package io.flowtrace.sketch.hll;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PacketView;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sketch.Hashing;
import io.flowtrace.sketch.KeyFields;
import io.flowtrace.sketch.internal.BaseAggregator;
import io.flowtrace.sketch.internal.Bytes;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Distinct values of the element fields over the whole traffic (type {@code hll} without key fields): one
 * {@link HyperLogLog}, reported as a single row with an empty key (see {@link HllAggregator}). Merge: exact
 * (register-wise maximum). Not thread-safe.
 *
 * @since 0.1
 */
public final class HllTotalAggregator extends BaseAggregator implements HllAggregator {
    private final KeyFields element;
    private final int p;
    private final int limit;
    private final HyperLogLog total;

    HllTotalAggregator(String task, KeyFields element, int p, long seed, int limit) {
        super(task, null, seed, Bytes.HLL, Hll.FORMAT);
        this.element = element;
        this.p = Hll.checkPrecision(p);
        this.limit = limit;
        this.total = new HyperLogLog(p, seed);
    }

    @Override
    public long untrackedPackets() {
        return 0;
    }

    @Override
    public void onPacket(PacketView pk) {
        totalPackets++;
        totalBytes += pk.wireLength();
        long[] s = scratch;
        element.extract(pk, s, 0);
        total.update(Hashing.hash(s, 0, element.words(), seed));
    }

    /** The estimate over everything, never above the packets counted. */
    double estimate() {
        return Math.min(total.estimate(), totalPackets);
    }

    @Override
    public Aggregator newEmpty() {
        return new HllTotalAggregator(task, element, p, seed, limit);
    }

    @Override
    public void merge(Aggregator other) {
        HllAggregator h = sameType(this, other, HllAggregator.class);
        same("key", "null", String.valueOf(h.keyFields()));
        HllTotalAggregator o = (HllTotalAggregator) h;
        same("element", element, o.element);
        same("precision", p, o.p);
        same("seed", seed, o.seed);
        total.merge(o.total);
        mergeTotals(o);
    }

    @Override
    public void reset() {
        total.reset();
        resetTotals();
    }

    @Override
    public Snapshot snapshot(long startNanos, long endNanos) {
        List<Snapshot.Row> rows = new ArrayList<>();
        rows.add(Hll.row(Map.of(), total.estimate(), totalPackets, Hll.relativeBound(p)));
        return new Snapshot(task, type(), "spread", startNanos, endNanos, limit(rows, limit), totals());
    }

    @Override
    protected void writeState(DataOutputStream out) throws IOException {
        writeCommon(out);
        Hll.writeParameters(out, element, p, limit);
        total.write(out);
    }

    static HllTotalAggregator read(DataInputStream in, Bytes.Common c, KeyFields element, int p, long seed,
                                   int limit) throws IOException {
        HllTotalAggregator a = c.totalsTo(new HllTotalAggregator(c.task(), element, p, seed, limit));
        a.total.merge(HyperLogLog.read(in));
        return a;
    }
}
