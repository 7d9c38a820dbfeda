package io.flowtrace.cluster;

import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.sketch.AggregatorBytes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * One node's side of the merged state: registered with {@link FlowTrace.Builder#onState}, it turns each task's
 * merged state at a snapshot into a {@link StateRecord} and publishes it through a {@link StateExchange} on a
 * thread of its own (never on the worker). A node that restarts resumes from its last published record (read back
 * from the JetStream state stream): that state is the base every later record of the task adds the new traffic
 * to, and its counter goes on from there, so the cluster neither loses the node's past nor counts it twice.
 *
 * <p>{@code coverage} maps a window's end to the stream sequences (by partition) whose packets the window's state
 * holds, so that a consumer acknowledges only what is durably published ({@link #onPublished}). Thread-safe.
 *
 * @since 0.1
 */
public final class ClusterNode implements FlowTrace.StateListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);
    private static final Object END = new Object();

    private record Pending(Aggregator merged, long start, long end) {
    }

    private record Base(Aggregator aggregator, long start, Map<Integer, Long> covered) {
    }

    private final String node;
    private final StateExchange exchange;
    private final ClusterState state;
    private final LongFunction<Map<Integer, Long>> coverage;
    private final Duration timeout;
    private final Map<String, Base> bases = new HashMap<>();
    private final Map<String, Long> counters = new HashMap<>();
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(4096);
    private final Thread thread;
    private final LongAdder published = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private volatile Consumer<StateRecord> onPublished = r -> { };

    /**
     * A node publishing through {@code exchange}; its past records are read from {@code state} (filled by the
     * exchange at open).
     *
     * @param node this node's id, unique in the cluster and the same across its restarts
     * @param exchange the opened exchange
     * @param state the cluster state the exchange fills
     * @param coverage by window end, the stream sequence covered in each partition (empty map: none)
     * @param timeout how long to wait for the server to store a record
     */
    public ClusterNode(String node, StateExchange exchange, ClusterState state,
                       LongFunction<Map<Integer, Long>> coverage, Duration timeout) {
        this.node = Objects.requireNonNull(node, "node");
        this.exchange = Objects.requireNonNull(exchange, "exchange");
        this.state = Objects.requireNonNull(state, "state");
        this.coverage = coverage == null ? end -> Map.of() : coverage;
        this.timeout = timeout;
        for (String task : state.tasks()) {
            Optional<StateRecord> mine = state.latest(node, task);
            if (mine.isPresent()) {
                StateRecord r = mine.get();
                bases.put(task, new Base(AggregatorBytes.fromBytes(r.state()), r.startNanos(), r.covered()));
                counters.put(task, r.counter());
            }
        }
        thread = new Thread(this::drain, "flowtrace-cluster-state");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * {@return by partition, the stream sequence this node's last published state covers (its resume point)}
     * The lowest over its tasks: every task holds at least that much.
     */
    public synchronized Map<Integer, Long> resumePoint() {
        Map<Integer, Long> out = new TreeMap<>();
        for (Base b : bases.values()) {
            b.covered().forEach((p, s) -> out.merge(p, s, Math::min));
        }
        return out;
    }

    /**
     * Told of every record once the server has stored it (on this node's publishing thread): the consumer
     * acknowledges the sequences it covers.
     *
     * @param listener called with each published record
     */
    public void onPublished(Consumer<StateRecord> listener) {
        onPublished = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public void onState(Aggregator merged, long startNanos, long endNanos) {
        if (!queue.offer(new Pending(merged, startNanos, endNanos))) {
            dropped.increment(); // the next snapshot holds this state and more: nothing is lost for good
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
            try {
                publish(p);
            } catch (IOException | RuntimeException e) {
                failed.increment();
                LOG.warn("state of task '{}' not published: {}", p.merged().task(), e.getMessage());
            }
        }
    }

    private void publish(Pending p) throws IOException {
        String task = p.merged().task();
        Aggregator out = p.merged();
        long start = p.start();
        Map<Integer, Long> covered = new TreeMap<>(coverage.apply(p.end()));
        Base base;
        long counter;
        synchronized (this) {
            base = bases.get(task);
            counter = counters.merge(task, 1L, Long::sum);
        }
        if (base != null) {
            Aggregator sum = out.newEmpty();
            sum.merge(base.aggregator());
            sum.merge(out);
            out = sum;
            start = Math.min(start, base.start());
            base.covered().forEach((part, seq) -> covered.merge(part, seq, Math::max));
        }
        StateRecord r = new StateRecord(node, task, start, p.end(), counter, covered, out.toBytes());
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

    /** {@return states let go because the publishing queue was full (the next one carries them)} */
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
            queue.offer(END, wait.toMillis(), TimeUnit.MILLISECONDS);
            thread.join(Math.max(1, wait.toMillis()));
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
