package io.flowtrace.cluster;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sketch.AggregatorBytes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * The cluster's answer, merged from every node's latest state: a node's newer record (higher
 * {@link StateRecord#counter()}) replaces its older one, so a state published again, or received twice, never counts
 * twice. Exact, Count-Min and HyperLogLog state merges exactly: the merged counts equal those of one process that
 * saw all the traffic (a Count-Min candidate's lower bound aside, which depends on when it joined the heap).
 * SuperSpread merges exactly when each key is seen by one node only (partitioned subjects keyed by flow do that for
 * keys of both endpoints' flows only when the key is the flow). Merging needs the same parameters and seed on every
 * node ({@link ClusterSeed#sketchSeed()}); a task's state that does not read or merge is counted in
 * {@link #failures()} and left out.
 *
 * <p>With a reset period, only the states of the newest period merge (periods counted from the epoch, as the
 * pipeline counts them); without one, every node's latest state does. Thread-safe.
 *
 * @since 0.1
 */
public final class ClusterState {
    private record Held(StateRecord record, Map<String, Aggregator> aggregators) {
    }

    private final long periodNanos;
    private final Map<String, Held> latest = new HashMap<>();
    private final Set<String> tasks = new LinkedHashSet<>();
    private final LongAdder failures = new LongAdder();
    private final LongAdder stale = new LongAdder();

    /**
     * An empty cluster state.
     *
     * @param period the tasks' reset period ({@code ZERO}: none, state grows from the start)
     */
    public ClusterState(Duration period) {
        this.periodNanos = period.isZero() ? 0 : period.toNanos();
    }

    /**
     * Takes a node's record if it is newer than what that node had published.
     *
     * @param r a record, from this node or another
     * @return whether it replaced the node's state (false: older or equal)
     */
    public boolean accept(StateRecord r) {
        Map<String, Aggregator> aggs = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : r.states().entrySet()) {
            try {
                aggs.put(e.getKey(), AggregatorBytes.fromBytes(e.getValue()));
            } catch (RuntimeException bad) {
                failures.increment();
            }
        }
        synchronized (this) {
            Held before = latest.get(r.node());
            if (before != null && before.record().counter() >= r.counter()) {
                stale.increment();
                return false;
            }
            latest.put(r.node(), new Held(r, aggs));
            tasks.addAll(aggs.keySet());
            return true;
        }
    }

    /** {@return the tasks some node has published state of, in the order first seen} */
    public synchronized List<String> tasks() {
        return List.copyOf(tasks);
    }

    /** {@return the nodes some record came from} */
    public synchronized Set<String> nodes() {
        return Set.copyOf(latest.keySet());
    }

    /**
     * {@return a node's latest record, if any}
     *
     * @param node the node's id
     */
    public synchronized Optional<StateRecord> latest(String node) {
        Held h = latest.get(node);
        return h == null ? Optional.empty() : Optional.of(h.record());
    }

    /**
     * {@return a node's latest state of a task, read back (a copy of its own), if any}
     *
     * @param node the node's id
     * @param task the task's name
     */
    public Optional<Aggregator> latest(String node, String task) {
        Aggregator a;
        synchronized (this) {
            Held h = latest.get(node);
            a = h == null ? null : h.aggregators().get(task);
        }
        return a == null ? Optional.empty() : Optional.of(a.copy());
    }

    /**
     * {@return the task's merged snapshot over every node (of the newest period), over the union of their windows,
     * or empty when no node has state of it}
     *
     * @param task the task's name
     */
    public Optional<Snapshot> snapshot(String task) {
        List<Held> parts;
        synchronized (this) {
            parts = new ArrayList<>(latest.values());
        }
        parts = newestPeriod(parts);
        Aggregator m = null;
        long start = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        for (Held h : parts) {
            Aggregator a = h.aggregators().get(task);
            if (a == null) {
                continue;
            }
            try {
                if (m == null) {
                    m = a.newEmpty();
                }
                m.merge(a);
                start = Math.min(start, h.record().startNanos());
                end = Math.max(end, h.record().endNanos());
            } catch (RuntimeException e) {
                failures.increment();
            }
        }
        if (m == null) {
            return Optional.empty();
        }
        return Optional.of(m.snapshot(start == Long.MAX_VALUE ? 0 : start, end == Long.MIN_VALUE ? 0 : end));
    }

    private List<Held> newestPeriod(List<Held> parts) {
        if (periodNanos == 0 || parts.isEmpty()) {
            return parts;
        }
        long newest = Long.MIN_VALUE;
        for (Held h : parts) {
            newest = Math.max(newest, Math.floorDiv(h.record().startNanos(), periodNanos));
        }
        List<Held> out = new ArrayList<>();
        for (Held h : parts) {
            if (Math.floorDiv(h.record().startNanos(), periodNanos) == newest) {
                out.add(h);
            }
        }
        return out;
    }

    /** {@return task states that could not be read or merged (another version, other parameters or seed)} */
    public long failures() {
        return failures.sum();
    }

    /** {@return records older than, or the same as, what their node had already published (not counted again)} */
    public long stale() {
        return stale.sum();
    }
}
