package io.flowtrace.query.spi;

import io.flowtrace.query.Answers.FlowLifecycle;
import io.flowtrace.query.Answers.HeavyHitter;
import io.flowtrace.query.Answers.Point;
import io.flowtrace.query.Answers.TaskInfo;
import io.flowtrace.query.Answers.TaskSummary;
import io.flowtrace.query.FlowFilter;
import io.flowtrace.query.TaskMetrics;
import io.flowtrace.query.TaskSnapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Keeps task snapshots over time and answers the query API from them. A store writes what
 * {@link #write} gives it and answers five questions; the last three have answers computed from
 * {@link #latest} by default, which a store backed by a database may override to answer in its own query language
 * (the answers must stay the same: {@code QueryStoreContract}-style tests compare stores).
 *
 * <p><b>Semantics every store keeps.</b> A snapshot is a task's cumulative state at its time (since the start of its
 * period). Times are epoch nanoseconds, UTC. A question with an end time is answered from the task's latest
 * snapshot at or before it ({@link Long#MAX_VALUE}: the latest). A Count-Min task ranked by packets and by bytes is
 * written as two parts with one task and time: a store answers them as one snapshot.
 *
 * <p><b>Threads.</b> {@link #write} and {@link #flush} are called by one writer thread per snapshot schedule; the
 * questions from any number of request threads at once. A store is thread-safe.
 *
 * <p><b>Failures.</b> {@link #write} does not throw for a failed delivery: it counts what could not be kept
 * ({@link Stats#failed()}, or {@link Stats#dropped()} for what a bound let go) and says why in the log; the caller
 * reports these counts at the end.
 *
 * @since 0.1
 */
public interface SnapshotStore extends AutoCloseable {

    /** {@return the provider's name, e.g. {@code memory}} */
    String name();

    /**
     * Keeps one snapshot, or a part of one (same task and time as an earlier part).
     *
     * @param snapshot the snapshot or part
     */
    void write(TaskSnapshot snapshot);

    /** Delivers what {@link #write} has buffered; returns when it is kept or counted as failed. */
    default void flush() {
    }

    /** {@return the tasks this store holds snapshots of, by name} */
    List<TaskInfo> tasks();

    /**
     * {@return the task's latest snapshot at or before {@code endNanos}, with all its parts; empty when there is none}
     *
     * @param task     the task's name
     * @param endNanos the latest time wanted, epoch nanoseconds UTC ({@link Long#MAX_VALUE}: the latest)
     */
    Optional<TaskSnapshot> latest(String task, long endNanos);

    /**
     * {@return one point per snapshot of the task with a time within [{@code fromNanos}, {@code toNanos}], oldest
     * first: the value of {@code metric} ({@link TaskMetrics#value}) at that snapshot}
     *
     * @param task      the task's name
     * @param metric    a metric of {@link TaskMetrics#NAMES}
     * @param fromNanos range start, inclusive
     * @param toNanos   range end, inclusive
     */
    List<Point> series(String task, String metric, long fromNanos, long toNanos);

    /**
     * {@return an exact task's totals over its keys that match {@code filter}, at its latest snapshot at or before
     * {@code endNanos}; empty when the task has no snapshot then}
     *
     * @param task     an exact task
     * @param filter   the key fields that must match (none: every key)
     * @param endNanos the latest time wanted
     */
    default Optional<TaskSummary> aggregate(String task, FlowFilter filter, long endNanos) {
        return latest(task, endNanos).map(s -> {
            long bytes = 0;
            long packets = 0;
            long keys = 0;
            for (TaskSnapshot.FlowRow r : s.flows()) {
                if (filter.matches(r.key())) {
                    bytes += r.bytes();
                    packets += r.packets();
                    keys++;
                }
            }
            return new TaskSummary(task, bytes, packets, keys);
        });
    }

    /**
     * {@return the life of the keys of an exact task that match {@code key} (earliest first packet, latest last
     * packet, packets and bytes summed), at the latest snapshot at or before {@code endNanos}; empty when no key
     * matches}
     *
     * @param task     an exact task
     * @param key      the key fields that must match
     * @param endNanos the latest time wanted
     */
    default Optional<FlowLifecycle> trace(String task, FlowFilter key, long endNanos) {
        Optional<TaskSnapshot> s = latest(task, endNanos);
        if (s.isEmpty()) {
            return Optional.empty();
        }
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        long packets = 0;
        long bytes = 0;
        boolean any = false;
        for (TaskSnapshot.FlowRow r : s.get().flows()) {
            if (key.matches(r.key())) {
                any = true;
                first = Math.min(first, r.firstNanos());
                last = Math.max(last, r.lastNanos());
                packets += r.packets();
                bytes += r.bytes();
            }
        }
        return any ? Optional.of(new FlowLifecycle(first, last, packets, bytes)) : Optional.empty();
    }

    /**
     * {@return a sketch task's heavy hitters of {@code type} at its latest snapshot at or before {@code endNanos},
     * largest first (ties by flow), at most {@code limit}}
     *
     * @param task     a sketch task
     * @param type     0 packets, 1 bytes, 2 spread
     * @param endNanos the latest time wanted
     * @param limit    the most hitters returned, at least 1
     */
    default List<HeavyHitter> heavyHitters(String task, int type, long endNanos, int limit) {
        List<HeavyHitter> out = new ArrayList<>();
        latest(task, endNanos).ifPresent(s -> {
            for (TaskSnapshot.Hitter h : s.hitters()) {
                if (h.type() == type) {
                    out.add(new HeavyHitter(h.flow(), h.value()));
                }
            }
        });
        out.sort(Comparator.comparingLong(HeavyHitter::value).reversed().thenComparing(HeavyHitter::flow));
        return out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
    }

    /** {@return what this store has kept, let go and failed to keep} */
    Stats stats();

    /** Flushes and releases the store; questions after this may fail. */
    @Override
    void close();

    /**
     * A store's counters.
     *
     * @param written   snapshot parts kept
     * @param dropped   snapshots let go by the store's bound (retention, size), counted
     * @param failed    snapshot parts that could not be kept (a database down past its retry budget)
     * @param snapshots snapshots held now
     * @param bytes     the store's estimate of what it holds, bytes (0 when it does not know)
     */
    record Stats(long written, long dropped, long failed, long snapshots, long bytes) {
    }
}
