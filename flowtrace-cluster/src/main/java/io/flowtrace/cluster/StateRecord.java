package io.flowtrace.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One process's mergeable state, as published on {@code cluster.state_subject}: the node that holds it, the window it
 * covers, the node's publication counter, where in each consumed partition the state ends, and every aggregator
 * task's versioned byte form. All the tasks of a window travel in one record, so that the position they cover is
 * the same for all of them: a node that resumes from it skips exactly what every task holds. A node's newer record
 * replaces its older one, so re-publishing never counts twice. Immutable.
 *
 * <p>Position in a partition: every message of a stream sequence below {@code covered[p]} is in the state, and of
 * the message at {@code covered[p]} itself its first {@code partial[p]} packets (a batch message cut by a snapshot),
 * or all of them when {@code partial} has no entry for {@code p}. Empty maps: not consumed from JetStream.
 *
 * <p>Byte form (big-endian): magic {@code "FTST"}, version 1, node (UTF), window start and end (epoch nanoseconds),
 * counter, the covered pairs (count, then partition and sequence), the partial pairs (likewise), then the tasks
 * (count, then name (UTF), length and bytes).
 *
 * @param node        the publishing node's id
 * @param startNanos  the window's start, packet time
 * @param endNanos    the window's end, packet time
 * @param counter     the node's publication counter: higher is newer
 * @param covered     by partition, the stream sequence the state reaches
 * @param partial     by partition, how many packets of the message at {@code covered} are in the state (absent: all)
 * @param states      by task name, the aggregator's byte form ({@link io.flowtrace.core.spi.Aggregator#toBytes()})
 * @since 0.1
 */
public record StateRecord(String node, long startNanos, long endNanos, long counter, Map<Integer, Long> covered,
                          Map<Integer, Long> partial, Map<String, byte[]> states) {
    private static final int MAGIC = 0x46545354; // "FTST"
    private static final int VERSION = 1;
    private static final int MAX_ENTRIES = 65_536;

    /**
     * Checks the components.
     *
     * @param node the publishing node's id
     * @param startNanos the window's start
     * @param endNanos the window's end
     * @param counter the node's publication counter
     * @param covered by partition, the stream sequence reached
     * @param partial by partition, packets of the message at {@code covered} in the state (absent: all)
     * @param states by task name, the aggregator's byte form
     */
    public StateRecord {
        Objects.requireNonNull(node, "node");
        covered = Map.copyOf(covered);
        partial = Map.copyOf(partial);
        states = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(states));
    }

    /** {@return this record's byte form} */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeByte(VERSION);
            out.writeUTF(node);
            out.writeLong(startNanos);
            out.writeLong(endNanos);
            out.writeLong(counter);
            writePairs(out, covered);
            writePairs(out, partial);
            out.writeInt(states.size());
            for (Map.Entry<String, byte[]> e : states.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().length);
                out.write(e.getValue());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    private static void writePairs(DataOutputStream out, Map<Integer, Long> m) throws IOException {
        Map<Integer, Long> sorted = new TreeMap<>(m);
        out.writeInt(sorted.size());
        for (Map.Entry<Integer, Long> e : sorted.entrySet()) {
            out.writeInt(e.getKey());
            out.writeLong(e.getValue());
        }
    }

    private static Map<Integer, Long> readPairs(DataInputStream in, String what) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_ENTRIES) {
            throw new IllegalArgumentException("state record: " + what + ": expected 0.." + MAX_ENTRIES + " entries, got "
                    + n);
        }
        Map<Integer, Long> m = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            m.put(in.readInt(), in.readLong());
        }
        return m;
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
            long start = in.readLong();
            long end = in.readLong();
            long counter = in.readLong();
            Map<Integer, Long> covered = readPairs(in, "covered");
            Map<Integer, Long> partial = readPairs(in, "partial");
            int n = in.readInt();
            if (n < 0 || n > MAX_ENTRIES) {
                throw new IllegalArgumentException("state record: tasks: expected 0.." + MAX_ENTRIES + ", got " + n);
            }
            Map<String, byte[]> states = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String task = in.readUTF();
                int len = in.readInt();
                if (len < 0 || len > in.available()) {
                    throw new IllegalArgumentException("state record: task " + task + ": length " + len + " (only "
                            + in.available() + " bytes left)");
                }
                byte[] state = new byte[len];
                in.readFully(state);
                states.put(task, state);
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("state record: " + in.available() + " bytes after the tasks");
            }
            return new StateRecord(node, start, end, counter, covered, partial, states);
        } catch (EOFException e) {
            throw new IllegalArgumentException("state record: cut short (" + bytes.length + " bytes)", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("state record: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof StateRecord r) || !node.equals(r.node) || startNanos != r.startNanos
                || endNanos != r.endNanos || counter != r.counter || !covered.equals(r.covered)
                || !partial.equals(r.partial) || !states.keySet().equals(r.states.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : states.entrySet()) {
            if (!Arrays.equals(e.getValue(), r.states.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Objects.hash(node, startNanos, endNanos, counter, covered, partial, states.keySet());
    }

    @Override
    public String toString() {
        return "StateRecord[node=" + node + ", window=" + startNanos + ".." + endNanos + ", counter=" + counter
                + ", covered=" + covered + ", partial=" + partial + ", tasks=" + states.keySet() + "]";
    }
}
