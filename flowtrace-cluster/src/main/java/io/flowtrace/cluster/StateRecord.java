package io.flowtrace.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One process's mergeable state of one aggregator task, as published on {@code cluster.state_subject}: the node that
 * holds it, the task, the window it covers, the stream sequence it covers in each partition it consumed (empty when
 * not consumed from JetStream), and the aggregator's versioned byte form. A newer record of the same node and task
 * replaces the older one, so re-publishing never counts twice. Immutable.
 *
 * <p>Byte form (big-endian): magic {@code "FTST"}, version 1, node (UTF), task (UTF), window start and end (epoch
 * nanoseconds), publication counter, number of partitions then (partition, sequence) pairs, then the length and
 * the aggregator bytes.
 *
 * @param node        the publishing node's id ({@code cluster.node}, else the host name and process)
 * @param task        the aggregator task's name
 * @param startNanos  the window's start, packet time
 * @param endNanos    the window's end, packet time
 * @param counter     the node's publication counter: higher is newer for the same node and task
 * @param covered     by partition, the last stream sequence whose packets are in this state
 * @param state       the aggregator's byte form ({@link io.flowtrace.core.spi.Aggregator#toBytes()})
 * @since 0.1
 */
public record StateRecord(String node, String task, long startNanos, long endNanos, long counter,
                          Map<Integer, Long> covered, byte[] state) {
    private static final int MAGIC = 0x46545354; // "FTST"
    private static final int VERSION = 1;

    /**
     * Checks the components.
     *
     * @param node the publishing node's id
     * @param task the aggregator task's name
     * @param startNanos the window's start
     * @param endNanos the window's end
     * @param counter the node's publication counter
     * @param covered by partition, the last stream sequence covered
     * @param state the aggregator's byte form
     */
    public StateRecord {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(state, "state");
        covered = Map.copyOf(covered);
    }

    /** {@return this record's byte form} */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(state.length + 128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeByte(VERSION);
            out.writeUTF(node);
            out.writeUTF(task);
            out.writeLong(startNanos);
            out.writeLong(endNanos);
            out.writeLong(counter);
            Map<Integer, Long> sorted = new TreeMap<>(covered);
            out.writeInt(sorted.size());
            for (Map.Entry<Integer, Long> e : sorted.entrySet()) {
                out.writeInt(e.getKey());
                out.writeLong(e.getValue());
            }
            out.writeInt(state.length);
            out.write(state);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads {@link #toBytes()}.
     *
     * @param bytes a record's byte form
     * @return the record
     * @throws IllegalArgumentException when the bytes are not a state record of a known version, or are damaged
     */
    public static StateRecord fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IllegalArgumentException("state record: magic: expected FTST, got 0x"
                        + Integer.toHexString(magic));
            }
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("state record: version: expected " + VERSION + ", got " + version);
            }
            String node = in.readUTF();
            String task = in.readUTF();
            long start = in.readLong();
            long end = in.readLong();
            long counter = in.readLong();
            int n = in.readInt();
            if (n < 0 || n > 65_536) {
                throw new IllegalArgumentException("state record: partitions: expected 0..65536, got " + n);
            }
            Map<Integer, Long> covered = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                covered.put(in.readInt(), in.readLong());
            }
            int len = in.readInt();
            if (len < 0 || len > bytes.length) {
                throw new IllegalArgumentException("state record: state length: expected 0.." + bytes.length
                        + ", got " + len);
            }
            byte[] state = new byte[len];
            in.readFully(state);
            if (in.available() > 0) {
                throw new IllegalArgumentException("state record: " + in.available() + " bytes after the state");
            }
            return new StateRecord(node, task, start, end, counter, covered, state);
        } catch (EOFException e) {
            throw new IllegalArgumentException("state record: cut short (" + bytes.length + " bytes)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("state record: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateRecord r && node.equals(r.node) && task.equals(r.task) && startNanos == r.startNanos
                && endNanos == r.endNanos && counter == r.counter && covered.equals(r.covered)
                && java.util.Arrays.equals(state, r.state);
    }

    @Override
    public int hashCode() {
        return Objects.hash(node, task, startNanos, endNanos, counter, covered) * 31
                + java.util.Arrays.hashCode(state);
    }

    @Override
    public String toString() {
        return "StateRecord[node=" + node + ", task=" + task + ", window=" + startNanos + ".." + endNanos
                + ", counter=" + counter + ", covered=" + covered + ", " + state.length + " bytes]";
    }
}
