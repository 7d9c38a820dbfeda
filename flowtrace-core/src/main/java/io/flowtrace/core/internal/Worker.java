package io.flowtrace.core.internal;

import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowCache;
import io.flowtrace.core.FlowOptions;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.spi.Aggregator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * One shard of the pipeline: its own flow cache and its own instance of every aggregator, fed batches of packets
 * whose flows hash to it ({@link #process}). Its records go to the {@link SinkFanOut}, its aggregators' state for
 * each snapshot window to the {@link SnapshotCollector}.
 *
 * <p>Single writer: {@link #process} and {@link #finished()} are called on one thread at a time, the worker's own
 * ({@link ThreadedLane}) or the source thread ({@link InlineLane}). {@link #counters()} may be called from any
 * thread.
 */
final class Worker implements FlowEmitter {
    /** Made at the first message: a run that logs nothing never starts SLF4J (some 30 ms of start-up). */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    }

    /**
     * Packets the cache takes at once before the aggregators see them: the default table's group, whose lines it
     * loads together.
     */
    private static final int GROUP = 32;

    /** Written by the worker with release stores and read by others with acquire loads: whole, never torn. */
    private static final VarHandle EVENTS;
    private static final VarHandle AGGREGATOR_FAILURES;
    private static final VarHandle FAILURES_BY_AGGREGATOR = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            EVENTS = l.findVarHandle(Worker.class, "events", long.class);
            AGGREGATOR_FAILURES = l.findVarHandle(Worker.class, "aggregatorFailures", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int id;
    private final FlowCache cache;
    private final Aggregator[] aggregators;
    private final SinkFanOut sinks;
    private final SnapshotCollector snapshots;
    private final long[] snapshotIntervals; // nanos by schedule, Long.MAX_VALUE: only at the end
    private final long period;           // nanos, Long.MAX_VALUE: never reset
    private long stateStart = Long.MIN_VALUE;
    private final long[] nextSnapshot;
    private long nextReset;
    private long events;
    private long aggregatorFailures;
    private final long[] failuresByAggregator; // by index of aggregators, as aggregatorFailures
    private byte[] jsonScratch = new byte[1024];
    private int untilCheck;
    private boolean encoding;
    private boolean finished;
    private io.flowtrace.core.spi.PacketListener listener;
    private boolean listenerFailed;

    Worker(int id, FlowOptions options, FlowCache.Factory cacheFactory, int maxFlows, int initialCapacity,
           RecordContext context, Aggregator[] prototypes, long[] snapshotIntervals, long period, SinkFanOut sinks,
           SnapshotCollector snapshots) {
        this.id = id;
        this.sinks = sinks;
        this.snapshots = snapshots;
        this.cache = java.util.Objects.requireNonNull(
                cacheFactory.create(new CacheContext(options, id, maxFlows, Math.min(maxFlows, initialCapacity), this,
                        context)),
                "the FlowCache.Factory returned null");
        this.aggregators = new Aggregator[prototypes.length];
        this.failuresByAggregator = new long[prototypes.length];
        for (int i = 0; i < prototypes.length; i++) {
            aggregators[i] = prototypes[i].newEmpty();
        }
        this.snapshotIntervals = snapshotIntervals.clone();
        this.nextSnapshot = new long[snapshotIntervals.length];
        this.period = period;
    }

    /** Hands every metered packet to {@code l} as well; before the first batch. */
    void listen(io.flowtrace.core.spi.PacketListener l) {
        listener = l;
    }

    /** Processes one batch: packets, then time; or the end batch: every flow flushed, the last snapshots taken. */
    void process(Batch batch) {
        if (batch.isEnd()) {
            advanceClock(batch.clock);
            finish(batch.endReason(), batch.clock);
            if (listener != null) {
                try {
                    listener.onEnd();
                } catch (RuntimeException e) {
                    listenerFailed(e);
                }
            }
            return;
        }
        DecodedPacket[] ps = batch.packets;
        int n = batch.count;
        FlowCache c = cache;
        Aggregator[] aggs = aggregators;
        if (stateStart == Long.MIN_VALUE && batch.clock != Long.MIN_VALUE) {
            startClock(n > 0 ? Math.min(ps[0].timestampNanos, batch.clock) : batch.clock);
        }
        for (int from = 0; from < n; from += GROUP) {
            int to = Math.min(n, from + GROUP);
            c.update(ps, from, to);
            for (int i = from; i < to; i++) {
                DecodedPacket p = ps[i];
                for (int a = 0; a < aggs.length; a++) {
                    try {
                        aggs[a].onPacket(p);
                    } catch (RuntimeException e) {
                        aggregatorFailed(a, e);
                    }
                }
            }
        }
        advanceClock(batch.clock);
        io.flowtrace.core.spi.PacketListener l = listener;
        if (l != null) {
            try {
                for (int i = 0; i < n; i++) {
                    l.onPacket(ps[i]);
                }
                l.onBatchEnd(batch.clock);
            } catch (RuntimeException e) {
                listenerFailed(e);
            }
        }
    }

    private void listenerFailed(RuntimeException e) {
        if (!listenerFailed) {
            listenerFailed = true; // once per worker: a listener failing on every packet must not flood the log
            Log.LOG.warn("packet listener threw on worker {} (logged once): {}", id, e.toString());
        }
    }

    private void startClock(long first) {
        stateStart = first;
        for (int i = 0; i < snapshotIntervals.length; i++) {
            nextSnapshot[i] = boundaryAfter(first, snapshotIntervals[i]);
        }
        nextReset = boundaryAfter(first, period);
    }

    private static long boundaryAfter(long t, long every) {
        if (every == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        return Math.floorDiv(t, every) * every + every;
    }

    private void advanceClock(long clock) {
        if (clock == Long.MIN_VALUE) {
            return;
        }
        cache.advance(clock);
        if (aggregators.length == 0 || stateStart == Long.MIN_VALUE) {
            return;
        }
        while (true) {
            long next = nextReset;
            for (long t : nextSnapshot) {
                next = Math.min(next, t);
            }
            if (next > clock) {
                break;
            }
            for (int s = 0; s < nextSnapshot.length; s++) {
                if (nextSnapshot[s] == next) {
                    snapshot(s, next);
                    nextSnapshot[s] += snapshotIntervals[s];
                }
            }
            if (nextReset == next) {
                for (Aggregator a : aggregators) {
                    a.reset();
                }
                stateStart = next;
                nextReset += period;
            }
        }
    }

    private void snapshot(int schedule, long end) {
        snapshot(schedule, end, false);
    }

    /** {@code last}: the worker never touches its instances again, so they are handed over instead of copies. */
    private void snapshot(int schedule, long end, boolean last) {
        for (int i = 0; i < aggregators.length; i++) {
            Aggregator copy;
            try {
                copy = last ? aggregators[i] : aggregators[i].copy();
            } catch (RuntimeException e) {
                aggregatorFailed(i, e);
                copy = aggregators[i].newEmpty();
            }
            snapshots.part(schedule, i, stateStart, end, copy);
        }
    }

    private void finish(EndReason reason, long clock) {
        cache.flush(reason);
        if (aggregators.length > 0) {
            long end = clock == Long.MIN_VALUE ? 0 : clock;
            if (stateStart == Long.MIN_VALUE) {
                stateStart = end;
            }
            for (int sc = 0; sc < snapshotIntervals.length; sc++) {
                // the last schedule takes the instances themselves: a copy of each would double the peak heap
                snapshot(sc, Math.max(end, stateStart), sc == snapshotIntervals.length - 1);
            }
        }
        finished = true;
    }

    /** Whether the end batch has been processed. */
    boolean finished() {
        return finished;
    }

    /** The counters so far: approximate while the worker runs, exact once it has finished. Any thread. */
    WorkerCounters counters() {
        long[] byAggregator = new long[failuresByAggregator.length];
        for (int i = 0; i < byAggregator.length; i++) {
            byAggregator[i] = (long) FAILURES_BY_AGGREGATOR.getAcquire(failuresByAggregator, i);
        }
        return new WorkerCounters((long) EVENTS.getAcquire(this), (long) AGGREGATOR_FAILURES.getAcquire(this),
                byAggregator,
                cache.size(), cache.counters());
    }

    @Override
    public void emit(FlowEvent record) {
        for (int a = 0; a < aggregators.length; a++) {
            try {
                aggregators[a].onFlow(record);
            } catch (RuntimeException e) {
                aggregatorFailed(a, e);
            }
        }
        EVENTS.setRelease(this, events + 1);
        sinks.deliver(record, encodeNow() ? json(record) : null);
    }

    /** Whether to encode the next record: always, or (looked at every 64 records) while a JSON sink is behind. */
    private boolean encodeNow() {
        if (!sinks.mayEncodeJson()) {
            return false;
        }
        if (--untilCheck <= 0) {
            untilCheck = 64;
            encoding = sinks.encodesJson() || sinks.jsonSinkBehind();
        }
        return encoding;
    }

    /** The record's JSON object, made in this worker's scratch array and copied out at its exact length. */
    private byte[] json(FlowEvent record) {
        int max = FlowEventEncoder.maxLength(record);
        if (jsonScratch.length < max) {
            jsonScratch = new byte[Math.max(max, 2 * jsonScratch.length)];
        }
        return Arrays.copyOf(jsonScratch, FlowEventEncoder.write(record, jsonScratch, 0));
    }

    private void aggregatorFailed(int index, RuntimeException e) {
        Aggregator a = aggregators[index];
        long failures = aggregatorFailures;
        AGGREGATOR_FAILURES.setRelease(this, failures + 1);
        FAILURES_BY_AGGREGATOR.setRelease(failuresByAggregator, index, failuresByAggregator[index] + 1);
        if (failures % 100_000 == 0) {
            Log.LOG.warn("aggregator '{}' threw ({} failure(s) on worker {}): {}", a.task(), failures + 1, id,
                    e.toString());
        }
    }
}
