package io.flowtrace.query;

import io.flowtrace.query.Answers.FlowLifecycle;
import io.flowtrace.query.Answers.HeavyHitter;
import io.flowtrace.query.Answers.Point;
import io.flowtrace.query.Answers.TaskInfo;
import io.flowtrace.query.Answers.TaskSummary;
import io.flowtrace.query.spi.SnapshotStore;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The query API over a {@link SnapshotStore}, for an embedding service as for the HTTP server: it knows the tasks
 * (those configured, and those the store holds), checks each question and applies the defaults, then asks the
 * store. A wrong question throws {@link QueryException} (400: what is wrong; 404: no such task or key).
 * Thread-safe.
 *
 * <pre>{@code
 * QueryService q = new QueryService(store, tasks);
 * List<HeavyHitter> top = q.heavyHitters("cm_src_left", 1, Long.MAX_VALUE, 10); // by bytes, latest snapshot
 * }</pre>
 *
 * @since 0.1
 */
public final class QueryService {
    /** Heavy hitters returned when the request's limit is 0 (or absent). */
    public static final int DEFAULT_LIMIT = 10;
    /** The most heavy hitters one request returns. */
    public static final int MAX_LIMIT = 100_000;
    private final SnapshotStore store;
    private final Map<String, TaskInfo> configured = new LinkedHashMap<>();

    /**
     * @param store      where the snapshots are
     * @param configured the tasks the engine runs (listed before their first snapshot); may be empty
     */
    public QueryService(SnapshotStore store, List<TaskInfo> configured) {
        this.store = Objects.requireNonNull(store, "store");
        for (TaskInfo t : configured) {
            this.configured.put(t.name(), t);
        }
    }

    /** {@return the store answering} */
    public SnapshotStore store() {
        return store;
    }

    /** {@return every task: those configured, in their order, then any other the store holds} */
    public List<TaskInfo> tasks() {
        Map<String, TaskInfo> all = new LinkedHashMap<>(configured);
        for (TaskInfo t : store.tasks()) {
            all.putIfAbsent(t.name(), t);
        }
        return new ArrayList<>(all.values());
    }

    /** {@return the task names, as {@link #tasks()} orders them} */
    public List<String> taskNames() {
        List<String> out = new ArrayList<>();
        for (TaskInfo t : tasks()) {
            out.add(t.name());
        }
        return out;
    }

    /**
     * {@return the task named {@code name}}
     *
     * @param name a task name
     * @throws QueryException 400 when the name is missing, 404 when there is no such task
     */
    public TaskInfo task(String name) {
        if (name == null || name.isBlank()) {
            throw new QueryException(QueryException.BAD_REQUEST, "task_name: missing (expected one of: "
                    + String.join(", ", taskNames()) + ")");
        }
        for (TaskInfo t : tasks()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new QueryException(QueryException.NOT_FOUND, "task '" + name + "': no such task (tasks: "
                + String.join(", ", taskNames()) + ")");
    }

    /**
     * Totals per exact task: bytes, packets and distinct keys of the keys that match {@code filters}, at each task's
     * latest snapshot at or before {@code endNanos}.
     *
     * @param task     one exact task, or {@code null} (or blank) for every exact task
     * @param filters  key fields (either spelling) to values; empty for every key
     * @param endNanos the latest snapshot time wanted, epoch nanoseconds UTC; 0 or {@link Long#MAX_VALUE}: the latest
     * @return one summary per task, zeros for a task with no snapshot yet
     * @throws QueryException 400 for a bad filter or a sketch task, 404 for an unknown task
     */
    public List<TaskSummary> aggregate(String task, Map<String, String> filters, long endNanos) {
        FlowFilter f = filter(filters);
        long end = end(endNanos);
        List<TaskInfo> asked = new ArrayList<>();
        if (task == null || task.isBlank()) {
            for (TaskInfo t : tasks()) {
                if (TaskSnapshot.EXACT.equals(t.kind())) {
                    asked.add(t);
                }
            }
        } else {
            TaskInfo t = task(task);
            exactOnly(t, "aggregate");
            checkFields(t, f);
            asked.add(t);
        }
        List<TaskSummary> out = new ArrayList<>();
        for (TaskInfo t : asked) {
            if (!t.keyFields().isEmpty() && !t.keyFields().containsAll(f.fields().keySet())) {
                out.add(new TaskSummary(t.name(), 0, 0, 0)); // no key of this task has the asked field
                continue;
            }
            out.add(store.aggregate(t.name(), f, end).orElse(new TaskSummary(t.name(), 0, 0, 0)));
        }
        return out;
    }

    /**
     * The life of the keys of an exact task that match {@code flowKeys}.
     *
     * @param task     an exact task
     * @param flowKeys key fields (either spelling) to values, at least one
     * @param endNanos the latest snapshot time wanted; 0 or {@link Long#MAX_VALUE}: the latest
     * @return first and last seen, packets and bytes
     * @throws QueryException 400 for missing or bad keys or a sketch task, 404 for an unknown task or no such key
     */
    public FlowLifecycle trace(String task, Map<String, String> flowKeys, long endNanos) {
        TaskInfo t = task(task);
        exactOnly(t, "trace");
        FlowFilter f = filter(flowKeys);
        if (f.isEmpty()) {
            throw new QueryException(QueryException.BAD_REQUEST, "flow_keys: missing (expected at least one of "
                    + String.join(", ", t.keyFields().isEmpty() ? FlowFilter.FIELDS : t.keyFields()) + ")");
        }
        checkFields(t, f);
        return store.trace(t.name(), f, end(endNanos)).orElseThrow(() -> new QueryException(QueryException.NOT_FOUND,
                "task '" + t.name() + "': no key matches " + f));
    }

    /**
     * The heavy hitters of a sketch task, largest first.
     *
     * @param task     a sketch task
     * @param type     0 packets, 1 bytes, 2 spread
     * @param endNanos the latest snapshot time wanted; 0 or {@link Long#MAX_VALUE}: the latest
     * @param limit    the most returned; 0: {@value #DEFAULT_LIMIT}
     * @return the hitters, empty when the task has no snapshot yet
     * @throws QueryException 400 for a bad type or limit, or an exact task; 404 for an unknown task
     */
    public List<HeavyHitter> heavyHitters(String task, int type, long endNanos, int limit) {
        TaskInfo t = task(task);
        if (!TaskSnapshot.SKETCH.equals(t.kind())) {
            throw new QueryException(QueryException.BAD_REQUEST, "task '" + t.name()
                    + "' is an exact task: heavy hitters come from sketch tasks (use aggregate or trace)");
        }
        if (type < TaskSnapshot.PACKETS || type > TaskSnapshot.SPREAD) {
            throw new QueryException(QueryException.BAD_REQUEST, "type: " + type
                    + " (expected: 0 packets, 1 bytes, 2 spread)");
        }
        if (!t.types().isEmpty() && !t.types().contains(type)) {
            throw new QueryException(QueryException.BAD_REQUEST, "type: " + type + ": task '" + t.name()
                    + "' ranks by type " + t.types() + " (0 packets, 1 bytes, 2 spread)");
        }
        if (limit < 0 || limit > MAX_LIMIT) {
            throw new QueryException(QueryException.BAD_REQUEST, "limit: " + limit + " (expected: 0 for "
                    + DEFAULT_LIMIT + ", or 1.." + MAX_LIMIT + ")");
        }
        return store.heavyHitters(t.name(), type, end(endNanos), limit == 0 ? DEFAULT_LIMIT : limit);
    }

    /**
     * A task's metric at each snapshot between two times.
     *
     * @param task      a task
     * @param metric    one of {@link TaskMetrics#NAMES}
     * @param fromNanos range start, inclusive, epoch nanoseconds UTC
     * @param toNanos   range end, inclusive
     * @return one point per snapshot in the range, oldest first
     * @throws QueryException 400 for an unknown metric or a range that ends before it starts, 404 for an unknown
     *                        task
     */
    public List<Point> series(String task, String metric, long fromNanos, long toNanos) {
        TaskInfo t = task(task);
        if (!TaskMetrics.NAMES.contains(metric)) {
            throw new QueryException(QueryException.BAD_REQUEST, "metric '" + metric + "' (expected: "
                    + String.join(", ", TaskMetrics.NAMES) + ")");
        }
        if (toNanos < fromNanos) {
            throw new QueryException(QueryException.BAD_REQUEST, "range: to " + toNanos + " is before from "
                    + fromNanos);
        }
        return store.series(t.name(), metric, fromNanos, toNanos);
    }

    private static long end(long endNanos) {
        if (endNanos < 0) {
            throw new QueryException(QueryException.BAD_REQUEST, "end_time: " + endNanos
                    + " (expected: a time after 1970, or none for the latest)");
        }
        return endNanos == 0 ? Long.MAX_VALUE : endNanos;
    }

    private static FlowFilter filter(Map<String, String> fields) {
        try {
            return fields == null ? FlowFilter.none() : FlowFilter.of(fields);
        } catch (IllegalArgumentException e) {
            throw new QueryException(QueryException.BAD_REQUEST, e.getMessage());
        }
    }

    private static void exactOnly(TaskInfo t, String what) {
        if (!TaskSnapshot.EXACT.equals(t.kind())) {
            throw new QueryException(QueryException.BAD_REQUEST, "task '" + t.name() + "' is a sketch task: " + what
                    + " answers exact tasks (use heavyhitters)");
        }
    }

    private static void checkFields(TaskInfo t, FlowFilter f) {
        if (t.keyFields().isEmpty()) {
            return;
        }
        for (String field : f.fields().keySet()) {
            if (!t.keyFields().contains(field)) {
                throw new QueryException(QueryException.BAD_REQUEST, "task '" + t.name() + "' has no key field "
                        + field + " (its fields: " + String.join(", ", t.keyFields()) + ")");
            }
        }
    }
}
