package io.flowtrace.core.internal;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.QueueFullPolicy;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.core.spi.Snapshot;
import org.jctools.queues.atomic.MpscAtomicArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Delivers records and snapshots to one {@link Sink} on a thread of its own, through a bounded queue that many
 * workers offer to. The delivery contract:
 * <ul>
 * <li><b>Full queue</b>: {@link QueueFullPolicy#BLOCK} waits for room (no loss; capture slows to the sink's pace),
 *     {@link QueueFullPolicy#DROP} counts the item in {@link #dropped()} and goes on. Nothing is lost silently.</li>
 * <li><b>Isolation</b>: every call into the sink is made from the delivery thread, one at a time; a call that
 *     throws is counted in {@link #failed()} and logged at most every ten seconds, and delivery goes on.</li>
 * <li><b>Flushing</b>: {@link Sink#flush()} is called when the queue runs empty and then every
 *     {@value #IDLE_FLUSH_MILLIS} ms while it stays empty, so a sink batching by time can send a batch that has
 *     become due; a {@link BufferingSink} that holds nothing more is left alone until the next item.</li>
 * <li><b>Shutdown</b>: {@link #close(Duration)} lets the delivery thread deliver what is queued and then close the
 *     sink (which delivers what the sink buffers), all within the time limit; past it the thread is interrupted,
 *     what is still queued is counted in {@link #undelivered()}, and the sink is never called from a second
 *     thread.</li>
 * <li><b>Counters</b>: {@link #delivered()}, {@link #failed()}, {@link #dropped()}, {@link #undelivered()}, and
 *     {@link #retried()} from the sink's own counters. A sink that accepts records into a buffer and only later
 *     finds it cannot deliver them (a batch refused by a server) reports them under its own counter
 *     {@code failed}; they are moved from {@code delivered} to {@code failed} here.</li>
 * </ul>
 * Thread-safe: {@link #offer} from any thread.
 */
public final class SinkRunner {
    /** Made at the first message: a run that logs nothing never starts SLF4J (some 30 ms of start-up). */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(SinkRunner.class);
    }
    private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** How often an idle sink is flushed. */
    static final long IDLE_FLUSH_MILLIS = 100;
    /** How long an interrupted delivery thread gets to give up before it is reported as stuck. */
    private static final long GRACE_MILLIS = 2_000;

    private final Sink sink;
    private final String name;
    private final MpscAtomicArrayQueue<Object> queue;
    private final QueueFullPolicy policy;
    private final boolean acceptsJson;
    private final Thread thread;
    /** How the delivery thread waits for items; each offer wakes it. */
    private final IdleWait arrivals;
    private volatile boolean closing;
    private volatile boolean abandoned;
    private volatile boolean closed;

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
        this.queue = new MpscAtomicArrayQueue<>(capacity);
        this.policy = policy;
        this.acceptsJson = acceptsJson(sink);
        this.thread = new Thread(this::run, "flowtrace-sink-" + name);
        this.thread.setDaemon(true);
        this.arrivals = new IdleWait(thread);
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

    private static boolean acceptsJson(Sink sink) {
        if (!(sink instanceof JsonEncodedSink)) {
            return false;
        }
        try {
            return ((JsonEncodedSink) sink).acceptsJson();
        } catch (RuntimeException | LinkageError e) {
            Log.LOG.warn("sink '{}' failed to say whether it takes JSON; records go to it unencoded: {}", sink.name(),
                    e.toString());
            return false;
        }
    }

    /** Whether the sink takes records with their JSON encoding ({@link JsonEncodedSink#acceptsJson()}). */
    public boolean acceptsJson() {
        return acceptsJson;
    }

    /** Queues a record; blocks or drops when full, per policy. Returns false when dropped. */
    public boolean offer(FlowEvent record) {
        return enqueue(record);
    }

    /**
     * Queues a record with its JSON encoding ({@link FlowEventEncoder#write}, shared, never
     * changed); a sink that does not take JSON gets the record alone.
     */
    public boolean offer(FlowEvent record, byte[] json) {
        return enqueue(acceptsJson && json != null ? new Encoded(record, json) : record);
    }

    /** A record travelling with its encoding. */
    private record Encoded(FlowEvent record, byte[] json) {
    }

    /** Queues a snapshot; blocks or drops when full, per policy. */
    public boolean offer(Snapshot snapshot) {
        return enqueue(snapshot);
    }

    private boolean enqueue(Object item) {
        offered.incrementAndGet();
        if (closed) {
            dropped.incrementAndGet();
            return false;
        }
        if (queue.offer(item)) {
            arrivals.signal();
            return true;
        }
        if (policy == QueueFullPolicy.DROP || abandoned) {
            dropped.incrementAndGet();
            return false;
        }
        long park = 1_000;
        while (!queue.offer(item)) {
            if (abandoned || closed || (thread.getState() == Thread.State.TERMINATED)) {
                dropped.incrementAndGet();
                return false;
            }
            LockSupport.parkNanos(park);
            park = Math.min(park * 2, 1_000_000);
        }
        arrivals.signal();
        return true;
    }

    private void run() {
        try {
            loop();
        } catch (RuntimeException | Error e) {
            Log.LOG.error("sink '{}': delivery stopped by an unexpected error; what is queued is counted as undelivered",
                    name, e);
            throw e;
        } finally {
            // what is left when delivery was abandoned is counted, never delivered from another thread
            discardAndClose();
            closed = true;
        }
    }

    /** Counts what is still queued as undelivered and closes the sink (a close that throws is logged). */
    private void discardAndClose() {
        while (queue.poll() != null) {
            undelivered.incrementAndGet();
        }
        try {
            sink.close();
        } catch (Exception | LinkageError | AssertionError e) {
            Log.LOG.warn("sink '{}' failed to close: {}", name, e.toString());
        }
    }

    private void loop() {
        boolean dirty = false;
        long nextIdleFlush = Long.MAX_VALUE;
        while (true) {
            // read before polling: when close was asked before an empty poll, everything offered before close was
            // seen; asked during a (long) flush, the queue must be looked at again
            boolean mayEnd = closing || abandoned;
            Object item = queue.poll();
            if (item == null) {
                long now = System.nanoTime();
                if (dirty || now - nextIdleFlush >= 0) {
                    guardedFlush();
                    dirty = false;
                    nextIdleFlush = holdsEvents() ? now + TimeUnit.MILLISECONDS.toNanos(IDLE_FLUSH_MILLIS)
                            : Long.MAX_VALUE;
                }
                if (mayEnd) {
                    return;
                }
                // no later than the next idle flush, if one is due
                arrivals.idle(nextIdleFlush == Long.MAX_VALUE ? IdleWait.MAX_PARK_NANOS : nextIdleFlush - now);
                continue;
            }
            arrivals.busy();
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
            if (item instanceof Encoded) {
                Encoded e = (Encoded) item;
                ((JsonEncodedSink) sink).accept(e.record(), e.json());
            } else if (item instanceof FlowEvent) {
                sink.accept((FlowEvent) item);
            } else {
                sink.accept((Snapshot) item);
            }
            delivered.incrementAndGet();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) { // a sink's bug (even an AssertionError) is its own: count it and go on
            failed.incrementAndGet();
            logFailure("deliver", e);
        }
    }

    /** Whether idle flushes may still send something: true unless a {@link BufferingSink} says it holds nothing. */
    private boolean holdsEvents() {
        if (!(sink instanceof BufferingSink)) {
            return true;
        }
        try {
            return ((BufferingSink) sink).holdsEvents();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            logFailure("say whether it holds events", e);
            return true;
        }
    }

    private void guardedFlush() {
        try {
            sink.flush();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            logFailure("flush", e);
        }
    }

    private void logFailure(String what, Throwable e) {
        failuresSinceLog++;
        long now = System.nanoTime();
        if (now - lastLog >= LOG_EVERY_NANOS) {
            Log.LOG.warn("sink '{}' failed to {} ({} failure(s) since last report): {}", name, what, failuresSinceLog,
                    e.toString());
            lastLog = now;
            failuresSinceLog = 0;
        }
    }

    /** Asks the delivery thread to deliver what is queued, close the sink and end. Returns at once. */
    public void beginClose() {
        closing = true;
        LockSupport.unpark(thread); // an idle delivery thread parks for up to 50 ms: it need not wait that out
        if (thread.getState() == Thread.State.NEW) {
            closed = true; // never started: nothing was delivered, nothing to close on its thread
            discardAndClose();
        }
    }

    /**
     * Waits until the delivery thread has delivered what was queued and closed the sink, or until
     * {@code deadlineNanos} ({@link System#nanoTime()} time); past it, interrupts the thread and counts what is left.
     *
     * @return the number of items that could not be delivered (still queued when time ran out)
     */
    public long awaitClose(long deadlineNanos) {
        beginClose();
        // an interrupt of the closing thread does not cut delivery short: the time limit does; it is kept for the
        // caller
        boolean interrupted = false;
        if (thread.getState() != Thread.State.NEW) {
            interrupted = joinUninterruptibly(deadlineNanos);
            if (thread.isAlive()) {
                abandoned = true; // stop delivering, count the rest
                thread.interrupt();
                interrupted |= joinUninterruptibly(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GRACE_MILLIS));
                if (thread.isAlive()) {
                    Log.LOG.warn("sink '{}' did not stop within {} ms of being interrupted; left running", name,
                            GRACE_MILLIS);
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (!thread.isAlive()) {
            closed = true;
        }
        return undelivered.get() + (thread.isAlive() ? queue.size() : 0);
    }

    /** Joins the delivery thread until the deadline; returns whether the caller was interrupted meanwhile. */
    private boolean joinUninterruptibly(long deadlineNanos) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        return interrupted;
    }

    /**
     * Delivers what is queued, then closes the sink, within {@code timeout}. Items still queued when the time is up
     * are counted as undelivered (and reported by the caller).
     *
     * @return the number of items that could not be delivered
     */
    public long close(Duration timeout) {
        return awaitClose(System.nanoTime() + timeout.toNanos());
    }

    /**
     * Closes several runners at once, under one time limit for all of them (a slow sink does not take time from the
     * others).
     *
     * @return by sink name, how many items each could not deliver (only sinks with some)
     */
    public static Map<String, Long> closeAll(List<SinkRunner> runners, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (SinkRunner r : runners) {
            r.beginClose();
        }
        Map<String, Long> lost = new LinkedHashMap<>();
        for (SinkRunner r : runners) {
            long n = r.awaitClose(deadline);
            if (n > 0) {
                lost.merge(r.name(), n, Long::sum);
            }
        }
        return lost;
    }

    public long offered() {
        return offered.get();
    }

    /**
     * Items the sink took, less those it reported under its own {@code failed} counter and those its event format
     * has no form for (its own {@code skipped_by_format}).
     */
    public long delivered() {
        return Math.max(0, delivered.get() - ownFailed() - ownCounter("skipped_by_format"));
    }

    /** Items the sink threw on, plus those it reported under its own {@code failed} counter. */
    public long failed() {
        return failed.get() + ownFailed();
    }

    /** Attempts the sink repeated (its own {@code retried} counter), 0 for sinks that do not retry. */
    public long retried() {
        return ownCounter("retried");
    }

    /** Dropped because the queue was full (DROP policy) or the sink had stopped. */
    public long dropped() {
        return dropped.get();
    }

    /** Still queued when shutdown ran out of time. */
    public long undelivered() {
        return undelivered.get();
    }

    /** These counters with the sink's own, as {@link FlowStats#sinks()} reports them. */
    public FlowStats.SinkStats stats() {
        Map<String, Long> own;
        try {
            own = Map.copyOf(sink.counters());
        } catch (RuntimeException e) {
            own = Map.of();
        }
        return new FlowStats.SinkStats(delivered(), retried(), failed(), dropped(), undelivered(), queued(), own);
    }

    /** Items waiting in the queue now. */
    public int queued() {
        return queue.size();
    }

    /**
     * Whether a quarter or more of the queue is waiting: the sink's thread is behind, and whoever hands it records
     * should take on what work it can (encoding) rather than wait for room. Not when records are being dropped (a
     * full queue under {@link QueueFullPolicy#DROP}, or a sink given up on): work for them would be thrown away.
     */
    public boolean behind() {
        int queued = queue.size();
        int capacity = queue.capacity();
        return queued >= capacity / 4 && !abandoned
                && (policy == QueueFullPolicy.BLOCK || queued < capacity - capacity / 8);
    }

    private long ownFailed() {
        return ownCounter("failed");
    }

    private long ownCounter(String key) {
        try {
            Long v = sink.counters().get(key);
            return v == null ? 0 : Math.max(0, v);
        } catch (RuntimeException | LinkageError e) {
            return 0;
        }
    }
}
