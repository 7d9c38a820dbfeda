package io.flowtrace.core.internal;

import io.flowtrace.core.FlowRecord;
import io.flowtrace.core.QueueFullPolicy;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.core.spi.Snapshot;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Delivers records and snapshots to one {@link Sink} on a thread of its own, through a bounded queue that many
 * workers offer to. When the queue is full the {@link QueueFullPolicy} decides: {@code BLOCK} waits for room (no loss,
 * capture slows down), {@code DROP} counts the item as dropped and goes on. A sink that throws is counted and
 * logged at most every ten seconds; it never stops the pipeline. Thread-safe: {@link #offer} from any thread.
 */
public final class SinkRunner {
    private static final Logger LOG = LoggerFactory.getLogger(SinkRunner.class);
    private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Sink sink;
    private final String name;
    private final MpscArrayQueue<Object> queue;
    private final QueueFullPolicy policy;
    private final Thread thread;
    private volatile boolean closing;
    private volatile boolean abandoned;

    private final AtomicLong offered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong undelivered = new AtomicLong();
    private long lastLog = System.nanoTime() - LOG_EVERY_NANOS;
    private long failuresSinceLog;

    public SinkRunner(Sink sink, int capacity, QueueFullPolicy policy) {
        if (capacity < 2) {
            throw new IllegalArgumentException("sink queue capacity: " + capacity + " (expected: >= 2)");
        }
        this.sink = sink;
        this.name = sink.name();
        this.queue = new MpscArrayQueue<>(capacity);
        this.policy = policy;
        this.thread = new Thread(this::loop, "flowtrace-sink-" + name);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    public String name() {
        return name;
    }

    public Sink sink() {
        return sink;
    }

    /** Queues a record; blocks or drops when full, per policy. Returns false when dropped. */
    public boolean offer(FlowRecord record) {
        return enqueue(record);
    }

    /** Queues a snapshot; blocks or drops when full, per policy. */
    public boolean offer(Snapshot snapshot) {
        return enqueue(snapshot);
    }

    private boolean enqueue(Object item) {
        offered.incrementAndGet();
        if (queue.offer(item)) {
            return true;
        }
        if (policy == QueueFullPolicy.DROP || abandoned) {
            dropped.incrementAndGet();
            return false;
        }
        long park = 1_000;
        while (!queue.offer(item)) {
            if (abandoned || !thread.isAlive()) {
                dropped.incrementAndGet();
                return false;
            }
            LockSupport.parkNanos(park);
            park = Math.min(park * 2, 1_000_000);
        }
        return true;
    }

    private void loop() {
        long idle = 0;
        boolean dirty = false;
        while (true) {
            Object item = queue.poll();
            if (item == null) {
                if (dirty) {
                    guardedFlush();
                    dirty = false;
                }
                if (closing) {
                    break;
                }
                LockSupport.parkNanos(idle < 100 ? 10_000 : 1_000_000);
                idle++;
                continue;
            }
            idle = 0;
            if (abandoned) {
                undelivered.incrementAndGet();
                continue;
            }
            deliver(item);
            dirty = true;
        }
    }

    private void deliver(Object item) {
        try {
            if (item instanceof FlowRecord) {
                sink.accept((FlowRecord) item);
            } else {
                sink.accept((Snapshot) item);
            }
            delivered.incrementAndGet();
        } catch (Exception | LinkageError e) {
            failed.incrementAndGet();
            logFailure("deliver", e);
        }
    }

    private void guardedFlush() {
        try {
            sink.flush();
        } catch (Exception | LinkageError e) {
            logFailure("flush", e);
        }
    }

    private void logFailure(String what, Throwable e) {
        failuresSinceLog++;
        long now = System.nanoTime();
        if (now - lastLog >= LOG_EVERY_NANOS) {
            LOG.warn("sink '{}' failed to {} ({} failure(s) since last report): {}", name, what, failuresSinceLog,
                    e.toString());
            lastLog = now;
            failuresSinceLog = 0;
        }
    }

    /**
     * Delivers what is queued, within {@code timeout}, then flushes and closes the sink. Items still queued when
     * the time is up are counted as undelivered (and reported by the caller).
     *
     * @return the number of items that could not be delivered
     */
    public long close(Duration timeout) {
        closing = true;
        try {
            thread.join(Math.max(1, timeout.toMillis()));
            if (thread.isAlive()) {
                abandoned = true; // stop delivering, count the rest
                thread.interrupt();
                thread.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandoned = true;
        }
        Object item;
        while ((item = queue.poll()) != null) {
            if (item != null) {
                undelivered.incrementAndGet();
            }
        }
        try {
            sink.close();
        } catch (Exception | LinkageError e) {
            LOG.warn("sink '{}' failed to close: {}", name, e.toString());
        }
        return undelivered.get();
    }

    public long offered() {
        return offered.get();
    }

    public long delivered() {
        return delivered.get();
    }

    public long failed() {
        return failed.get();
    }

    /** Dropped because the queue was full (DROP policy) or the sink had stopped. */
    public long dropped() {
        return dropped.get();
    }

    /** Still queued when shutdown ran out of time. */
    public long undelivered() {
        return undelivered.get();
    }

    public int queued() {
        return queue.size();
    }
}
