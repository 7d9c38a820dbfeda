package io.flowtrace.query.memory;

import io.flowtrace.query.Answers.Point;
import io.flowtrace.query.Answers.TaskInfo;
import io.flowtrace.query.TaskMetrics;
import io.flowtrace.query.TaskSnapshot;
import io.flowtrace.query.spi.SnapshotStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Every task's snapshots in memory, oldest first, over a retention window of snapshot time (the newest snapshot's
 * time less {@code retention}) and within {@code maxBytes} (an estimate of the heap the rows take). Past either
 * bound the oldest snapshots, of whichever task, are let go and counted ({@link Stats#dropped()}); a snapshot
 * larger than the whole bound is not kept (counted too, and said once in the log). Each snapshot is whole (a task's
 * cumulative state), so letting the oldest go never changes the answers about later times. Thread-safe: one lock,
 * held for a write or a question.
 *
 * @since 0.1
 */
public final class MemoryStore implements SnapshotStore {
    /** Snapshot time kept unless configured. */
    public static final Duration DEFAULT_RETENTION = Duration.ofHours(24);
    /** Bytes kept at most unless configured. */
    public static final long DEFAULT_MAX_BYTES = 256L << 20;
    private static final Logger LOG = LoggerFactory.getLogger(MemoryStore.class);

    private final long retentionNanos;
    private final long maxBytes;
    private final Map<String, ArrayDeque<Held>> tasks = new LinkedHashMap<>();
    private long bytes;
    private long written;
    private long dropped;
    private long held;
    private boolean warnedTooLarge;

    private record Held(TaskSnapshot snapshot, long bytes) {
    }

    /**
     * @param retention snapshot time kept, &gt; 0
     * @param maxBytes  the most bytes (estimated) kept
     */
    public MemoryStore(Duration retention, long maxBytes) {
        if (retention.isNegative() || retention.isZero() || maxBytes < 1) {
            throw new IllegalArgumentException("retention " + retention + ", maxBytes " + maxBytes
                    + " (expected: both > 0)");
        }
        this.retentionNanos = retention.toNanos();
        this.maxBytes = maxBytes;
    }

    /** A store with the default bounds. */
    public MemoryStore() {
        this(DEFAULT_RETENTION, DEFAULT_MAX_BYTES);
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public synchronized void write(TaskSnapshot s) {
        written++;
        ArrayDeque<Held> q = tasks.computeIfAbsent(s.task(), k -> new ArrayDeque<>());
        Held last = q.peekLast();
        TaskSnapshot whole = s;
        if (last != null && last.snapshot.timeNanos() == s.timeNanos()) {
            q.pollLast();
            bytes -= last.bytes;
            held--;
            whole = last.snapshot.with(s);
        } else if (last != null && last.snapshot.timeNanos() > s.timeNanos()) {
            // snapshots of one task come in time order; an older one (another schedule's) goes in its place
            insertInOrder(q, whole);
            trim(s.timeNanos());
            return;
        }
        long size = estimate(whole);
        if (size > maxBytes) {
            dropped++;
            if (!warnedTooLarge) {
                warnedTooLarge = true;
                LOG.warn("snapshot of task '{}' takes about {} bytes, more than the store's max-bytes {}: not kept "
                        + "(raise max-bytes, or lower the task's rows with limit)", s.task(), size, maxBytes);
            }
            return;
        }
        q.addLast(new Held(whole, size));
        bytes += size;
        held++;
        trim(whole.timeNanos());
    }

    private void insertInOrder(ArrayDeque<Held> q, TaskSnapshot s) {
        List<Held> all = new ArrayList<>(q);
        q.clear();
        boolean placed = false;
        for (Held h : all) {
            if (!placed && h.snapshot.timeNanos() == s.timeNanos()) {
                TaskSnapshot m = h.snapshot.with(s);
                long size = estimate(m);
                bytes += size - h.bytes;
                q.addLast(new Held(m, size));
                placed = true;
                continue;
            }
            if (!placed && h.snapshot.timeNanos() > s.timeNanos()) {
                long size = estimate(s);
                q.addLast(new Held(s, size));
                bytes += size;
                held++;
                placed = true;
            }
            q.addLast(h);
        }
    }

    /** Lets go of snapshots older than the retention window before {@code newest}, then the oldest past the bytes. */
    private void trim(long newest) {
        long horizon = newest - retentionNanos;
        for (ArrayDeque<Held> q : tasks.values()) {
            while (!q.isEmpty() && q.peekFirst().snapshot.timeNanos() < horizon) {
                drop(q);
            }
        }
        while (bytes > maxBytes) {
            ArrayDeque<Held> oldest = null;
            for (ArrayDeque<Held> q : tasks.values()) {
                if (!q.isEmpty() && (oldest == null
                        || q.peekFirst().snapshot.timeNanos() < oldest.peekFirst().snapshot.timeNanos())) {
                    oldest = q;
                }
            }
            if (oldest == null) {
                break;
            }
            drop(oldest);
        }
    }

    private void drop(ArrayDeque<Held> q) {
        Held h = q.pollFirst();
        bytes -= h.bytes;
        held--;
        dropped++;
    }

    /** Heap of a snapshot's rows, roughly: objects, maps and their text. */
    static long estimate(TaskSnapshot s) {
        long n = 256;
        for (TaskSnapshot.FlowRow r : s.flows()) {
            n += 120;
            for (Map.Entry<String, String> e : r.key().entrySet()) {
                n += 48 + 2L * e.getValue().length();
            }
        }
        for (TaskSnapshot.Hitter h : s.hitters()) {
            n += 72 + 2L * h.flow().length();
        }
        return n + 64L * s.totals().size();
    }

    @Override
    public synchronized List<TaskInfo> tasks() {
        List<TaskInfo> out = new ArrayList<>();
        for (Map.Entry<String, ArrayDeque<Held>> e : tasks.entrySet()) {
            Held last = e.getValue().peekLast();
            if (last == null) {
                continue;
            }
            TreeSet<Integer> types = new TreeSet<>();
            for (TaskSnapshot.Hitter h : last.snapshot.hitters()) {
                types.add(h.type());
            }
            out.add(new TaskInfo(e.getKey(), last.snapshot.kind(), last.snapshot.keyFields(), List.copyOf(types)));
        }
        return out;
    }

    @Override
    public synchronized Optional<TaskSnapshot> latest(String task, long endNanos) {
        ArrayDeque<Held> q = tasks.get(task);
        if (q == null) {
            return Optional.empty();
        }
        Iterator<Held> it = q.descendingIterator();
        while (it.hasNext()) {
            Held h = it.next();
            if (h.snapshot.timeNanos() <= endNanos) {
                return Optional.of(h.snapshot);
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized List<Point> series(String task, String metric, long fromNanos, long toNanos) {
        List<Point> out = new ArrayList<>();
        ArrayDeque<Held> q = tasks.get(task);
        if (q == null) {
            return out;
        }
        for (Held h : q) {
            long t = h.snapshot.timeNanos();
            if (t >= fromNanos && t <= toNanos) {
                out.add(new Point(t, TaskMetrics.value(h.snapshot, metric)));
            }
        }
        return out;
    }

    @Override
    public synchronized Stats stats() {
        return new Stats(written, dropped, 0, held, bytes);
    }

    @Override
    public void close() {
        // nothing to release: the snapshots go with the store
    }
}
