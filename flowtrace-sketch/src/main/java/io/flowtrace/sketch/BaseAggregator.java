package io.flowtrace.sketch;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.Snapshot;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every aggregator here shares: the task name, the key fields, a scratch array for the key of the packet at
 * hand, exact task totals (packets, bytes, flows), parameter checks for {@code merge} and the byte-form header.
 */
abstract class BaseAggregator implements Aggregator {
    static final Comparator<Snapshot.Row> LARGEST_FIRST =
            Comparator.comparingLong(Snapshot.Row::value).reversed();

    final String task;
    final KeyFields key;
    final long[] scratch;
    long totalPackets;
    long totalBytes;
    long totalFlows;

    BaseAggregator(String task, KeyFields key) {
        if (task == null || task.isEmpty()) {
            throw new IllegalArgumentException("task name: missing (expected: a non-empty name)");
        }
        this.task = task;
        this.key = key;
        this.scratch = new long[(key == null ? 0 : key.words()) + 8];
    }

    @Override
    public String task() {
        return task;
    }

    /** {@return the key fields} */
    public KeyFields keyFields() {
        return key;
    }

    /** Counts a finished flow into the totals; subclasses that count flows per key override and call this. */
    @Override
    public void onFlow(FlowEvent record) {
        totalFlows++;
    }

    /** {@return packets seen since the last reset} */
    public long totalPackets() {
        return totalPackets;
    }

    /** {@return wire bytes seen since the last reset} */
    public long totalBytes() {
        return totalBytes;
    }

    /** {@return finished flows seen since the last reset} */
    public long totalFlows() {
        return totalFlows;
    }

    Map<String, Long> totals() {
        Map<String, Long> t = new LinkedHashMap<>();
        t.put("total_packets", totalPackets);
        t.put("total_bytes", totalBytes);
        t.put("total_flows", totalFlows);
        return t;
    }

    void resetTotals() {
        totalPackets = 0;
        totalBytes = 0;
        totalFlows = 0;
    }

    void mergeTotals(BaseAggregator o) {
        totalPackets += o.totalPackets;
        totalBytes += o.totalBytes;
        totalFlows += o.totalFlows;
    }

    /** Checks that {@code other} is the same kind of aggregator; returns it cast. */
    static <T> T sameType(Aggregator self, Aggregator other, Class<T> type) {
        if (other == null) {
            throw new IllegalArgumentException("merge: expected " + self.type() + " aggregator, got null");
        }
        if (!type.isInstance(other)) {
            throw new IllegalArgumentException("merge: expected " + self.type() + " aggregator, got "
                    + other.type() + " (" + other.getClass().getName() + ")");
        }
        return type.cast(other);
    }

    /** Throws <em>what: expected X, got Y</em> when the two differ. */
    static void same(String what, Object expected, Object got) {
        if (!expected.equals(got)) {
            throw new IllegalArgumentException("merge: " + what + ": expected " + expected + ", got " + got);
        }
    }

    static List<Snapshot.Row> limit(List<Snapshot.Row> rows, int limit) {
        rows.sort(LARGEST_FIRST);
        return limit > 0 && rows.size() > limit ? rows.subList(0, limit) : rows;
    }

    // ---- byte form ----

    void writeCommon(DataOutputStream out) throws IOException {
        out.writeUTF(task);
        out.writeUTF(key == null ? "" : key.toString());
        out.writeLong(totalPackets);
        out.writeLong(totalBytes);
        out.writeLong(totalFlows);
    }

    void readTotals(DataInputStream in) throws IOException {
        totalPackets = in.readLong();
        totalBytes = in.readLong();
        totalFlows = in.readLong();
    }

    /** Writes parameters then state (after the header written by {@link AggregatorBytes}). */
    abstract void writeState(DataOutputStream out) throws IOException;

    /** {@return the versioned byte form ({@link AggregatorBytes})} */
    @Override
    public byte[] toBytes() {
        return AggregatorBytes.toBytes(this);
    }

    /** The family byte of the byte form. */
    abstract int family();

    /** The hash seed recorded in the byte form. */
    abstract long seed();

    /** The version of this family's byte form that {@link #writeState} writes. */
    int formatVersion() {
        return 1;
    }
}
