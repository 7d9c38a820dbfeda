package io.flowtrace.cluster;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sketch.AggregatorBytes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * The cluster's answer, merged from every node's latest state of each task: a node's newer record of a task
 * replaces its older one (higher {@link StateRecord#counter()}), so a state published again, or received twice,
 * never counts twice. Exact, Count-Min and HyperLogLog state merges exactly (the merged answer equals that of one
 * process that saw all the traffic, Count-Min's heavy-hitter candidates aside, as its sketch documents);
 * SuperSpread merges exactly when each key is seen by one node only (partitioned subjects). Merging needs the same
 * parameters and seed on every node ({@link ClusterSeed#sketchSeed()}); a record that does not merge is counted in
 * {@link #failures()} and left out.
 *
 * <p>With a reset period, only the states of the newest period merge (periods are counted from the epoch, as the
 * pipeline counts them); without one, every node's latest state does. Thread-safe.
 *
 * @since 0.1
 */
public final class ClusterState {
    private record Held(StateRecord record, Aggregator aggregator) {
    }

    private final long periodNanos;
    /** By task, then by node. */
    private final Map<String, Map<String, Held>> latest = new HashMap<>();
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
     * Takes a node's record if it is newer than what that node had published for the task.
     *
     * @param r a record, from this node or another
     * @return whether it replaced the node's state of the task (false: older or equal, or not readable)
     */
    public boolean accept(StateRecord r) {
        Aggregator a;
        try {
            a = AggregatorBytes.fromBytes(r.state());
        } catch (RuntimeException e) {
            failures.increment();
            return false;
        }
        synchronized (this) {
            Map<String, Held> byNode = latest.computeIfAbsent(r.task(), k -> new HashMap<>());
            Held before = byNode.get(r.node());
            if (before != null && before.record().counter() >= r.counter()) {
                stale.increment();
                return false;
            }
            byNode.put(r.node(), new Held(r, a));
            tasks.add(r.task());
            return true;
        }
    }

    /** {@return the tasks some node has published state of, in the order first seen} */
    public synchronized List<String> tasks() {
        return List.copyOf(tasks);
    }

    /**
     * {@return a node's latest record of a task, if any}
     *
     * @param node the node's id
     * @param task the task's name
     */
    public synchronized Optional<StateRecord> latest(String node, String task) {
        Held h = latest.getOrDefault(task, Map.of()).get(node);
        return h == null ? Optional.empty() : Optional.of(h.record());
    }

    /**
     * {@return the task's state merged over every node (of the newest period), or empty when none has any}
     *
     * @param task the task's name
     */
    public Optional<Aggregator> merged(String task) {
        List<Held> parts;
        synchronized (this) {
            parts = new ArrayList<>(latest.getOrDefault(task, Map.of()).values());
        }
        parts = newestPeriod(parts);
        if (parts.isEmpty()) {
            return Optional.empty();
        }
        Aggregator m = parts.get(0).aggregator().newEmpty();
        for (Held h : parts) {
            try {
                m.merge(h.aggregator());
            } catch (RuntimeException e) {
                failures.increment();
            }
        }
        return Optional.of(m);
    }

    /**
     * {@return the task's merged snapshot over the union of the nodes' windows, or empty}
     *
     * @param task the task's name
     */
    public Optional<Snapshot> snapshot(String task) {
        List<Held> parts;
        synchronized (this) {
            parts = new ArrayList<>(latest.getOrDefault(task, Map.of()).values());
        }
        parts = newestPeriod(parts);
        if (parts.isEmpty()) {
            return Optional.empty();
        }
        long start = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        Aggregator m = parts.get(0).aggregator().newEmpty();
        for (Held h : parts) {
            try {
                m.merge(h.aggregator());
                start = Math.min(start, h.record().startNanos());
                end = Math.max(end, h.record().endNanos());
            } catch (RuntimeException e) {
                failures.increment();
            }
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

    /** {@return records that could not be read or merged (another version, other parameters or seed)} */
    public long failures() {
        return failures.sum();
    }

    /** {@return records older than, or the same as, what their node had already published (not counted again)} */
    public long stale() {
        return stale.sum();
    }
}
