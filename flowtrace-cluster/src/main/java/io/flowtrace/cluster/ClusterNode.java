package io.flowtrace.cluster;

import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.spi.Aggregator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * One node's side of the merged state: registered with {@link FlowTrace.Builder#onState}, it gathers every task's
 * merged state of a snapshot window into one {@link StateRecord} and publishes it through a {@link StateExchange}
 * on a thread of its own (never on a worker). A node that restarts resumes from its last published record (read
 * back from the JetStream state stream): that state is the base every later record adds the new traffic to, and
 * its counter goes on from there, so the cluster neither loses the node's past nor counts it twice.
 *
 * <p>{@code coverage} tells, for a window's end, where in each consumed partition the window's state ends, so that
 * a consumer acknowledges only what is durably published ({@link #onPublished}) and a restart resumes there
 * ({@link #resumePoint()}). Thread-safe.
 *
 * @since 0.1
 */
public final class ClusterNode implements FlowTrace.StateListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);
    private static final Object END = new Object();

    /**
     * Where a state ends in each partition, as {@link StateRecord} says.
     *
     * @param covered by partition, the stream sequence reached
     * @param partial by partition, packets of the message at {@code covered} in the state (absent: all)
     */
    public record Coverage(Map<Integer, Long> covered, Map<Integer, Long> partial) {
        /** No partition consumed. */
        public static final Coverage NONE = new Coverage(Map.of(), Map.of());

        /**
         * Copies the maps.
         *
         * @param covered by partition, the stream sequence reached
         * @param partial by partition, packets of the message at {@code covered} in the state (absent: all)
         */
        public Coverage {
            covered = Map.copyOf(covered);
            partial = Map.copyOf(partial);
        }
    }

    private record Pending(Aggregator merged, long start, long end) {
    }

    private final String node;
    private final StateExchange exchange;
    private final ClusterState state;
    private final Set<String> tasks;
    private final LongFunction<Coverage> coverage;
    private final Duration timeout;
    private final Map<String, Aggregator> bases = new HashMap<>();
    private final long baseStart;
    private final Coverage baseCoverage;
    private long counter;
    /** By window end, the tasks' states gathered so far. */
    private final TreeMap<Long, Map<String, Pending>> gathering = new TreeMap<>();
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(4096);
    private final Thread thread;
    private final LongAdder published = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private volatile Consumer<StateRecord> onPublished = r -> { };

    /**
     * A node publishing through {@code exchange}; its own last record is read from {@code state} (filled by the
     * exchange when it opened).
     *
     * @param node this node's id, unique in the cluster and the same across its restarts
     * @param exchange the opened exchange
     * @param state the cluster state the exchange fills
     * @param tasks the names of every aggregator task the meter runs: a record is published once all have their
     *              state of the window
     * @param coverage by window end, where the window's state ends in each partition ({@code null}: none)
     * @param timeout how long to wait for the server to store a record
     */
    public ClusterNode(String node, StateExchange exchange, ClusterState state, Set<String> tasks,
                       LongFunction<Coverage> coverage, Duration timeout) {
        this.node = Objects.requireNonNull(node, "node");
        this.exchange = Objects.requireNonNull(exchange, "exchange");
        this.state = Objects.requireNonNull(state, "state");
        this.tasks = new LinkedHashSet<>(tasks);
        if (this.tasks.isEmpty()) {
            throw new IllegalArgumentException("tasks: none (expected: the meter's aggregator task names)");
        }
        this.coverage = coverage == null ? end -> Coverage.NONE : coverage;
        this.timeout = timeout;
        StateRecord mine = state.latest(node).orElse(null);
        if (mine != null) {
            for (String t : this.tasks) {
                state.latest(node, t).ifPresent(a -> bases.put(t, a));
            }
            counter = mine.counter();
            baseStart = mine.startNanos();
            baseCoverage = new Coverage(mine.covered(), mine.partial());
        } else {
            baseStart = Long.MAX_VALUE;
            baseCoverage = Coverage.NONE;
        }
        thread = new Thread(this::drain, "flowtrace-cluster-state");
        thread.setDaemon(true);
        thread.start();
    }

    /** {@return where this node's last published state (before this process) ends: its resume point} */
    public Coverage resumePoint() {
        return baseCoverage;
    }

    /**
     * Told of every record once the server has stored it (on this node's publishing thread): the consumer
     * acknowledges what it covers.
     *
     * @param listener called with each published record
     */
    public void onPublished(Consumer<StateRecord> listener) {
        onPublished = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public void onState(Aggregator merged, long startNanos, long endNanos) {
        if (!queue.offer(new Pending(merged, startNanos, endNanos))) {
            dropped.increment(); // a later window holds this state and more: nothing is lost for good
        }
    }

    private void drain() {
        while (true) {
            Object o;
            try {
                o = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (o == END) {
                return;
            }
            Pending p = (Pending) o;
            Map<String, Pending> window = gathering.computeIfAbsent(p.end(), k -> new LinkedHashMap<>());
            window.put(p.merged().task(), p);
            if (!window.keySet().containsAll(tasks)) {
                continue;
            }
            gathering.headMap(p.end(), true).clear(); // an older window still incomplete is held by this one
            try {
                publish(window, p.end());
            } catch (IOException | RuntimeException e) {
                failed.increment();
                LOG.warn("state of window ending {} not published: {}", p.end(), e.getMessage());
            }
        }
    }

    private void publish(Map<String, Pending> window, long end) throws IOException {
        long start = baseStart;
        Map<String, byte[]> states = new LinkedHashMap<>();
        for (String task : tasks) {
            Pending p = window.get(task);
            Aggregator out = p.merged();
            Aggregator base = bases.get(task);
            if (base != null) {
                Aggregator sum = out.newEmpty();
                sum.merge(base);
                sum.merge(out);
                out = sum;
            }
            start = Math.min(start, p.start());
            states.put(task, out.toBytes());
        }
        Coverage now = coverage.apply(end);
        Map<Integer, Long> covered = new TreeMap<>(baseCoverage.covered());
        Map<Integer, Long> partial = new TreeMap<>(baseCoverage.partial());
        for (Map.Entry<Integer, Long> e : now.covered().entrySet()) {
            covered.put(e.getKey(), e.getValue());
            partial.remove(e.getKey());
            Long k = now.partial().get(e.getKey());
            if (k != null) {
                partial.put(e.getKey(), k);
            }
        }
        StateRecord r = new StateRecord(node, start, end, ++counter, covered, partial, states);
        exchange.publish(r, timeout);
        state.accept(r);
        published.increment();
        onPublished.accept(r);
    }

    /** {@return records published and stored} */
    public long published() {
        return published.sum();
    }

    /** {@return records the server did not confirm (the next one carries their state)} */
    public long failed() {
        return failed.sum();
    }

    /** {@return states let go because the publishing queue was full (the next window carries them)} */
    public long dropped() {
        return dropped.sum();
    }

    /**
     * Publishes what is queued, waiting at most {@code wait}, then stops the publishing thread.
     *
     * @param wait how long to wait for the queue to drain
     */
    public void close(Duration wait) {
        try {
            if (queue.offer(END, wait.toMillis(), TimeUnit.MILLISECONDS)) {
                thread.join(Math.max(1, wait.toMillis()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.interrupt();
    }

    /** Publishes what is queued (at most 30 s) and stops. */
    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
