package io.flowtrace.core.internal;

import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.Snapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Gathers each worker's copy of an aggregator for one window of one schedule and, when every worker has handed its
 * part in, merges them into one snapshot and hands it on for delivery (to queues: listeners and sinks run on
 * threads of their own). Thread-safe (workers call {@link #part} concurrently); merging happens on the worker that
 * hands in the last part.
 */
final class SnapshotCollector {
    /** Made at the first message: a run that logs nothing never starts SLF4J (some 30 ms of start-up). */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(SnapshotCollector.class);
    }

    /** Receives a merged snapshot and the index of its schedule. */
    interface Delivery {
        void deliver(int schedule, Snapshot snapshot);
    }

    private final int workers;
    private final Delivery out;
    private final Map<String, List<Aggregator>> pending = new HashMap<>();
    private final Map<String, Snapshot> latest = new LinkedHashMap<>();
    private final LongAdder failures = new LongAdder();
    /** By schedule: who gets the merged aggregator itself (state shipped to other processes). */
    private final FlowTrace.StateListener[][] states;

    SnapshotCollector(int workers, Delivery out) {
        this(workers, out, new FlowTrace.StateListener[0][]);
    }

    SnapshotCollector(int workers, Delivery out, FlowTrace.StateListener[][] states) {
        this.workers = workers;
        this.out = out;
        this.states = states;
    }

    /** One worker's state of task {@code taskIndex} over [start, end), for schedule {@code schedule}. */
    void part(int schedule, int taskIndex, long start, long end, Aggregator copy) {
        String id = schedule + "/" + taskIndex + "/" + start + "/" + end;
        Snapshot done = null;
        Aggregator merged = null;
        synchronized (this) {
            List<Aggregator> parts = pending.computeIfAbsent(id, k -> new ArrayList<>(workers));
            parts.add(copy);
            if (parts.size() == workers) {
                pending.remove(id);
                try {
                    merged = parts.get(0).newEmpty();
                    for (Aggregator a : parts) {
                        merged.merge(a);
                    }
                    done = merged.snapshot(start, end);
                } catch (RuntimeException e) {
                    failures.increment();
                    Log.LOG.warn("aggregator '{}' failed to merge or snapshot: {}", copy.task(), e.toString());
                    return;
                }
                Snapshot prev = latest.get(done.task());
                if (prev == null || prev.endNanos() <= done.endNanos()) {
                    latest.remove(done.task());
                    latest.put(done.task(), done);
                }
            }
        }
        if (done != null) {
            if (schedule < states.length) {
                for (FlowTrace.StateListener l : states[schedule]) {
                    try {
                        l.onState(merged, start, end);
                    } catch (RuntimeException e) {
                        failures.increment();
                        Log.LOG.warn("state listener failed on aggregator '{}': {}", copy.task(), e.toString());
                    }
                }
            }
            out.deliver(schedule, done);
        }
    }

    /** The last snapshot of every task (of any schedule). */
    synchronized List<Snapshot> latest() {
        return List.copyOf(latest.values());
    }

    /** Merges and snapshots that threw. */
    long failures() {
        return failures.sum();
    }
}
