package io.flowtrace.sketch.internal;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sketch.KeyFields;

import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every aggregator of this module shares: the task name, the key fields, a scratch array for the key of the
 * packet at hand, exact task totals (packets, bytes, flows), parameter checks for {@code merge} and the byte form's
 * header (family, version, seed; see {@link Bytes}). Single-writer, not thread-safe.
 */
public abstract class BaseAggregator implements Aggregator {
    protected static final Comparator<Snapshot.Row> LARGEST_FIRST =
            Comparator.comparingLong(Snapshot.Row::value).reversed();

    protected final String task;
    protected final KeyFields key;
    protected final long[] scratch;
    /** The hash seed, recorded in the byte form. */
    protected final long seed;
    private final int family;
    private int formatVersion;
    protected long totalPackets;
    protected long totalBytes;
    protected long totalFlows;

    /**
     * @param family        the family byte of the byte form ({@link Bytes})
     * @param formatVersion the version of this family's byte form that {@link #writeState} writes
     */
    protected BaseAggregator(String task, KeyFields key, long seed, int family, int formatVersion) {
        if (task == null || task.isEmpty()) {
            throw new IllegalArgumentException("task name: missing (expected: a non-empty name)");
        }
        this.task = task;
        this.key = key;
        this.seed = seed;
        this.family = family;
        this.formatVersion = formatVersion;
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

    /** A copy made by merging this into {@link #newEmpty()}. */
    @Override
    public Aggregator copy() {
        Aggregator c = newEmpty();
        c.merge(this);
        return c;
    }

    /** {@return the totals a snapshot carries: packets, bytes and flows seen since the last reset} */
    protected Map<String, Long> totals() {
        Map<String, Long> t = new LinkedHashMap<>();
        t.put("total_packets", totalPackets);
        t.put("total_bytes", totalBytes);
        t.put("total_flows", totalFlows);
        return t;
    }

    protected final void resetTotals() {
        totalPackets = 0;
        totalBytes = 0;
        totalFlows = 0;
    }

    protected final void mergeTotals(BaseAggregator o) {
        totalPackets += o.totalPackets;
        totalBytes += o.totalBytes;
        totalFlows += o.totalFlows;
    }

    /** Checks that {@code other} is the same kind of aggregator; returns it cast. */
    public static <T> T sameType(Aggregator self, Aggregator other, Class<T> type) {
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
    public static void same(String what, Object expected, Object got) {
        if (!expected.equals(got)) {
            throw new IllegalArgumentException("merge: " + what + ": expected " + expected + ", got " + got);
        }
    }

    protected static List<Snapshot.Row> limit(List<Snapshot.Row> rows, int limit) {
        rows.sort(LARGEST_FIRST);
        return limit > 0 && rows.size() > limit ? rows.subList(0, limit) : rows;
    }

    // ---- byte form ----

    /** The versioned byte form ({@link Bytes}): magic, family, version, seed, then {@link #writeState}. */
    @Override
    public final byte[] toBytes() {
        return Bytes.write(out -> {
            out.writeInt(Bytes.MAGIC);
            out.writeByte(family);
            out.writeByte(formatVersion);
            out.writeLong(seed);
            writeState(out);
        });
    }

    /** Writes the task name, key fields and totals: the start of every family's state. */
    protected final void writeCommon(DataOutputStream out) throws IOException {
        out.writeUTF(task);
        out.writeUTF(key == null ? "" : key.toString());
        out.writeLong(totalPackets);
        out.writeLong(totalBytes);
        out.writeLong(totalFlows);
    }

    /** Sets the totals to {@code packets}, {@code bytes}, {@code flows} (read from a byte form). */
    protected final void setTotals(long packets, long bytes, long flows) {
        totalPackets = packets;
        totalBytes = bytes;
        totalFlows = flows;
    }

    /**
     * Sets the version of the byte form {@link #writeState} writes, for a family whose newer version is written only
     * when an option needs it (older readers keep reading what does not).
     *
     * @param version the version written
     */
    protected final void formatVersion(int version) {
        formatVersion = version;
    }

    /**
     * Writes parameters then state (after the header written by {@link #toBytes}).
     *
     * @param out where they go
     * @throws IOException when {@code out} fails
     */
    protected abstract void writeState(DataOutputStream out) throws IOException;
}
