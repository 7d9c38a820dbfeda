package io.flowtrace.core.internal;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.Snapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Gathers each worker's copy of an aggregator for one window and, when every worker has handed its part in,
 * merges them into one snapshot and delivers it. Thread-safe (workers call {@link #part} concurrently).
 */
final class SnapshotCollector {
    /** Made at the first message: a run that logs nothing never starts SLF4J (some 30 ms of start-up). */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(SnapshotCollector.class);
    }

    private final int workers;
    private final Consumer<Snapshot> out;
    private final Map<String, List<Aggregator>> pending = new HashMap<>();
    private final List<Snapshot> latest = new ArrayList<>();

    SnapshotCollector(int workers, Consumer<Snapshot> out) {
        this.workers = workers;
        this.out = out;
    }

    /** One worker's state of task {@code taskIndex} over [start, end). */
    void part(int taskIndex, long start, long end, Aggregator copy) {
        String id = taskIndex + "/" + start + "/" + end;
        Snapshot done = null;
        synchronized (this) {
            List<Aggregator> parts = pending.computeIfAbsent(id, k -> new ArrayList<>(workers));
            parts.add(copy);
            if (parts.size() == workers) {
                pending.remove(id);
                Aggregator merged = parts.get(0).newEmpty();
                for (Aggregator a : parts) {
                    merged.merge(a);
                }
                try {
                    done = merged.snapshot(start, end);
                } catch (RuntimeException e) {
                    Log.LOG.warn("aggregator '{}' failed to snapshot: {}", merged.task(), e.toString());
                    return;
                }
                latest.removeIf(s -> s.task().equals(copy.task()));
                latest.add(done);
            }
        }
        if (done != null) {
            out.accept(done);
        }
    }

    /** The last snapshot of every task. */
    synchronized List<Snapshot> latest() {
        return List.copyOf(latest);
    }
}
