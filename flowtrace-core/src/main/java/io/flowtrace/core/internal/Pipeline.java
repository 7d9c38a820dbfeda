package io.flowtrace.core.internal;

import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowCache;
import io.flowtrace.core.FlowOptions;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTraceException;
import io.flowtrace.core.PluginFailureException;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.Snapshot;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The running pipeline behind {@link io.flowtrace.core.FlowTrace}: the source thread decodes each frame, hashes its
 * flow key symmetrically and appends it to the batch of the worker that owns the flow; workers update their flow
 * tables and aggregators; finished records and merged snapshots go to every sink's queue.
 *
 * <p>Each worker runs on its own thread, so reading and decoding overlap with metering; on a machine with one core
 * a single worker runs on the source thread instead (no hand-off). Time is packet time: every batch carries
 * the source's clock, and when the clock crosses a tick every worker receives a batch, so idle flows expire and
 * snapshots are taken on all workers alike.
 */
public final class Pipeline implements PacketHandler {
    public static final int BATCH_SIZE = 256;
    /**
     * Batches in circulation per worker (about 8 MB of decoded packets). The source refills the batch the worker
     * returned longest ago: with 64 (2 MB) its lines were often still held by the worker's core, and writing them
     * took each line back from that core, which at times made reading and decoding three times slower than on one
     * thread (HandOff in flowtrace-bench, on a 2-core VM: 175-190 ns a packet against 55-60; 65-105 with 256).
     */
    private static final int QUEUE_DEPTH = 256;

    /**
     * Everything the pipeline needs, prepared by the builder. {@code inline}: the single worker runs on the source
     * thread, with no hand-off (for one core); otherwise every worker has its own thread. {@code flowCache}: makes
     * each worker's cache; null for the default table.
     */
    public record Settings(FlowOptions options, int workers, int initialCapacity, RecordContext context,
                           List<Aggregator> aggregators, List<Schedule> schedules, Duration period,
                           List<SinkRunner> sinks, Duration sinkCloseTimeout, boolean inline,
                           boolean failOnPluginError, FlowCache.Factory flowCache) {
        public Settings {
            if (inline && workers != 1) {
                throw new IllegalArgumentException("only a single worker runs inline, not " + workers);
            }
            if (schedules.isEmpty() || !schedules.get(0).toSinks()) {
                throw new IllegalArgumentException("the first schedule is the main one, whose snapshots go to sinks");
            }
            if (flowCache == null) {
                flowCache = SingleWriterFlowTable::new;
            }
        }
    }

    /**
     * When snapshots are taken ({@code interval} of packet time; {@code ZERO}: only at the end) and who gets them:
     * the sinks (the main schedule only) and the listeners, each a runner of its own.
     */
    public record Schedule(Duration interval, List<SinkRunner> listeners, boolean toSinks) {
    }

    private final Settings settings;
    private final PacketSource source;
    private final PacketDecoder decoder;
    private final DecodedPacket scratch = new DecodedPacket();
    private final Worker[] workers;
    private final Thread[] threads;
    private final Batch[] current;
    private final SinkRunner[] sinks;
    /** Listener runners by schedule. */
    private final SinkRunner[][] listeners;
    private final boolean inline;
    private final boolean encodesJson;
    private final boolean mayEncodeJson;
    final SnapshotCollector snapshots;
    final LongAdder aggregatorFailures = new LongAdder();
    private final LongAdder records = new LongAdder();
    /** Each schedule's interval (Long.MAX_VALUE: only at the end): a tick falls on every one of their boundaries. */
    private final long[] snapshotNanos;
    private final long periodNanos;
    /** The source is live: a heartbeat thread moves the clock by wall time when packets stop. */
    private final boolean live;
    volatile boolean aborted;
    private volatile Throwable abortCause;

    // source-thread counters (read by others as approximate figures)
    private long packetsRead;
    private long bytesRead;
    private long packetsDecoded;
    private final long[] statusCounts = new long[DecodeStatus.values().length];
    private long clock = Long.MIN_VALUE;
    private long nextTick = Long.MIN_VALUE;
    private long startedNanos;
    private volatile long elapsedNanos = -1;
    private volatile long finalFlushNanos;

    public Pipeline(Settings settings, PacketSource source) {
        this.settings = settings;
        this.source = source;
        FlowOptions o = settings.options();
        this.decoder = new PacketDecoder(o.decodeTunnels(), o.vlanInKey(), o.icmpTypeInKey());
        int n = settings.workers();
        this.sinks = settings.sinks().toArray(new SinkRunner[0]);
        int json = 0;
        for (SinkRunner r : sinks) {
            json += r.acceptsJson() ? 1 : 0;
        }
        // workers always encode when that saves work (one encoding for several sinks) or spreads it (several
        // workers feeding one sink thread); a single worker feeding a single sink encodes only while the sink's
        // thread is behind (the flush at the end of a capture), and otherwise leaves it to that thread
        this.encodesJson = json > 1 || (json == 1 && n > 1);
        this.mayEncodeJson = json > 0;
        this.snapshots = new SnapshotCollector(n, this::deliverSnapshot);
        List<Schedule> schedules = settings.schedules();
        long[] intervals = new long[schedules.size()];
        this.listeners = new SinkRunner[schedules.size()][];
        for (int i = 0; i < intervals.length; i++) {
            Duration d = schedules.get(i).interval();
            intervals[i] = d.isZero() ? Long.MAX_VALUE : d.toNanos();
            listeners[i] = schedules.get(i).listeners().toArray(new SinkRunner[0]);
        }
        long period = settings.period().isZero() ? Long.MAX_VALUE : settings.period().toNanos();
        this.snapshotNanos = intervals;
        this.periodNanos = period;
        this.live = source.isLive();
        Aggregator[] protos = settings.aggregators().toArray(new Aggregator[0]);
        int perWorker = (int) Math.min(SingleWriterFlowTable.MAX_CAPACITY, (o.maxFlows() + (long) n - 1) / n);
        int initial = Math.max(16, settings.initialCapacity() / n);
        this.workers = new Worker[n];
        this.inline = settings.inline();
        this.threads = new Thread[inline ? 0 : n];
        this.current = new Batch[n];
        for (int i = 0; i < n; i++) {
            workers[i] = new Worker(i, o, settings.flowCache(), perWorker, initial, settings.context(), protos,
                    intervals, period, this, inline ? 0 : QUEUE_DEPTH);
            if (inline) {
                current[i] = new Batch(BATCH_SIZE);
            } else {
                current[i] = acquire(workers[i]);
                threads[i] = new Thread(workers[i], "flowtrace-worker-" + i);
                threads[i].setDaemon(true);
            }
        }
    }

    /**
     * Runs the source to its end (or until {@link #stop()}), then flushes every flow, delivers the last snapshots
     * and closes the sinks. A damaged capture is rethrown after all of that.
     */
    public FlowStats run() {
        startedNanos = System.nanoTime();
        for (SinkRunner s : sinks) {
            s.start();
        }
        for (SinkRunner[] ls : listeners) {
            for (SinkRunner l : ls) {
                l.start();
            }
        }
        for (Thread t : threads) {
            t.start();
        }
        RuntimeException sourceError = null;
        EndReason reason = EndReason.END_OF_CAPTURE;
        List<PacketSource> split = List.of(source);
        try {
            split = List.copyOf(source.split(workers.length));
            if (split.isEmpty()) {
                throw new FlowTraceException(source.description() + ": split into no source");
            }
        } catch (RuntimeException e) {
            sourceError = e;
        }
        parts = split;
        if (stopRequested) {
            for (PacketSource part : split) {
                part.stop();
            }
        }
        Heartbeat heartbeat = live || split.size() > 1 ? new Heartbeat(this, live) : null;
        if (sourceError == null) {
            sourceError = runSources(split, heartbeat != null ? heartbeat.start() : this);
        }
        if (stopRequested) {
            reason = EndReason.SHUTDOWN;
        }
        if (heartbeat != null) {
            heartbeat.stop();
        }
        long sourceEnded = System.nanoTime();
        try {
            finish(reason);
        } finally {
            Map<String, Long> lost = SinkRunner.closeAll(allRunners(), settings.sinkCloseTimeout());
            long end = System.nanoTime();
            finalFlushNanos = end - sourceEnded;
            elapsedNanos = end - startedNanos;
            for (PacketSource part : split) {
                if (part != source) {
                    part.close();
                }
            }
            source.close();
            if (!lost.isEmpty()) {
                org.slf4j.LoggerFactory.getLogger(Pipeline.class)
                        .warn("not delivered within the shutdown time limit: {}", lost);
            }
        }
        if (aborted) {
            throw new FlowTraceException("pipeline failed: " + abortCause, abortCause);
        }
        if (sourceError != null) {
            throw sourceError;
        }
        FlowStats st = stats();
        if (settings.failOnPluginError() && !st.failures().isEmpty()) {
            throw new PluginFailureException(st);
        }
        return st;
    }

    /** Sinks, then every listener runner. */
    private List<SinkRunner> allRunners() {
        List<SinkRunner> all = new ArrayList<>(List.of(sinks));
        for (SinkRunner[] ls : listeners) {
            all.addAll(List.of(ls));
        }
        return all;
    }

    /**
     * Runs the source, or each part of a split source on a thread of its own (their calls serialised by the
     * handler), and returns the first failure.
     */
    private RuntimeException runSources(List<PacketSource> split, PacketHandler handler) {
        if (split.size() == 1) {
            return runOne(split.get(0), handler);
        }
        RuntimeException[] errors = new RuntimeException[split.size()];
        Thread[] readers = new Thread[split.size()];
        for (int i = 0; i < readers.length; i++) {
            int part = i;
            readers[i] = new Thread(() -> errors[part] = runOne(split.get(part), handler), "flowtrace-source-" + i);
            readers[i].start();
        }
        RuntimeException first = null;
        for (int i = 0; i < readers.length; i++) {
            try {
                readers[i].join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop();
                i--;
                continue;
            }
            if (errors[i] != null) {
                if (first == null) {
                    first = errors[i];
                    stop(); // one part failed: the others end too
                } else {
                    first.addSuppressed(errors[i]);
                }
            }
        }
        return first;
    }

    private static RuntimeException runOne(PacketSource src, PacketHandler handler) {
        try {
            src.run(handler);
            return null;
        } catch (IOException e) {
            return new FlowTraceException(src.description() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            return e;
        }
    }

    private volatile boolean stopRequested;
    /** The sources being run: the source itself, or its parts. */
    private volatile List<PacketSource> parts = List.of();

    /** Asks the source to stop; {@link #run()} then flushes every open flow with reason {@code shutdown}. */
    public void stop() {
        stopRequested = true;
        stopSources();
    }

    private void stopSources() {
        source.stop();
        for (PacketSource part : parts) {
            if (part != source) {
                part.stop();
            }
        }
    }

    void abort(Throwable t) {
        abortCause = t;
        aborted = true;
        stopSources();
    }

    /**
     * The wall-clock heartbeat of a live source: every {@value #HEARTBEAT_MILLIS} ms a thread of its own calls
     * {@link #onIdle} with the wall clock less {@value #HEARTBEAT_LAG_MILLIS} ms (packets may still be on their
     * way), so batches waiting at the source reach the workers and idle flows expire when traffic stops, whether or
     * not the source calls {@code onIdle} itself. The source's calls and the heartbeat's take turns on one lock,
     * uncontended while packets flow.
     */
    private static final class Heartbeat implements PacketHandler, Runnable {
        private final Pipeline pipeline;
        /** Null when the source is not live: the lock alone then serialises the parts of a split source. */
        private final Thread thread;
        private volatile boolean stopped;

        Heartbeat(Pipeline pipeline, boolean beat) {
            this.pipeline = pipeline;
            this.thread = beat ? new Thread(this, "flowtrace-heartbeat") : null;
            if (thread != null) {
                thread.setDaemon(true);
            }
        }

        Heartbeat start() {
            if (thread != null) {
                thread.start();
            }
            return this;
        }

        void stop() {
            stopped = true;
            if (thread == null) {
                return;
            }
            LockSupport.unpark(thread);
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public synchronized void onPacket(long timestampNanos, int linkType, byte[] data, int offset,
                                          int capturedLength, int wireLength, int interfaceIndex) {
            pipeline.onPacket(timestampNanos, linkType, data, offset, capturedLength, wireLength, interfaceIndex);
        }

        @Override
        public synchronized void onIdle(long nowNanos) {
            pipeline.onIdle(nowNanos);
        }

        @Override
        public void run() {
            while (!stopped && !pipeline.aborted) {
                LockSupport.parkNanos(HEARTBEAT_MILLIS * 1_000_000L);
                if (!stopped) {
                    onIdle((System.currentTimeMillis() - HEARTBEAT_LAG_MILLIS) * 1_000_000L);
                }
            }
        }
    }

    static final long HEARTBEAT_MILLIS = 250;
    static final long HEARTBEAT_LAG_MILLIS = 1_000;

    // ---- source thread ----

    @Override
    public void onPacket(long timestampNanos, int linkType, byte[] data, int offset, int capturedLength,
                         int wireLength, int interfaceIndex) {
        packetsRead++;
        bytesRead += wireLength;
        // one worker: decode straight into the batch's next slot (it joins the batch only if it decodes)
        boolean single = workers.length == 1;
        DecodedPacket p = single ? current[0].packets[current[0].count] : scratch;
        DecodeStatus st = decoder.decode(data, offset, capturedLength, linkType, p);
        statusCounts[st.ordinal()]++;
        if (timestampNanos > clock) {
            clock = timestampNanos;
            if (clock >= nextTick) {
                // before this packet joins a batch: a window ending at the tick must not include it
                tick();
            }
        }
        if (!st.metered()) {
            return;
        }
        packetsDecoded++;
        p.timestampNanos = timestampNanos;
        p.wireLength = wireLength;
        p.capturedLength = capturedLength;
        p.interfaceIndex = interfaceIndex;
        int w = single ? 0 : workerOf(p.flowHash, workers.length);
        Batch b = current[w];
        DecodedPacket slot = b.packets[b.count];
        if (slot != p) {
            // decoded into the scratch packet (several workers), or a tick handed over the batch p was decoded
            // into (p lies past its count there, unseen by the worker)
            Batch.copy(p, slot);
        }
        b.count++;
        if (b.isFull()) {
            send(w);
        }
    }

    /** The worker of a packet: from its seeded flow hash, so that both directions of a flow go to one worker. */
    public static int workerOf(int flowHash, int workers) {
        return (int) (((flowHash * 0x9E3779B9L) & 0xFFFF_FFFFL) * workers >>> 32);
    }

    @Override
    public void onIdle(long nowNanos) {
        if (nowNanos > clock && clock != Long.MIN_VALUE) {
            clock = nowNanos;
        }
        if (clock != Long.MIN_VALUE) {
            tick();
        }
    }

    /** Every worker gets its batch now, with the clock, so time moves on everywhere. */
    private void tick() {
        for (int w = 0; w < workers.length; w++) {
            send(w);
        }
        if (clock != Long.MIN_VALUE) {
            long next = Math.min(after(clock, 1_000_000_000L), after(clock, periodNanos));
            for (long every : snapshotNanos) {
                next = Math.min(next, after(clock, every));
            }
            nextTick = next;
        }
    }

    private static long after(long t, long every) {
        return every == Long.MAX_VALUE ? Long.MAX_VALUE : Math.floorDiv(t, every) * every + every;
    }

    private void send(int w) {
        Batch b = current[w];
        b.clock = clock;
        if (inline) {
            workers[0].process(b);
            b.reset();
            return;
        }
        Worker worker = workers[w];
        worker.inbound.offer(b); // never full: no more batches circulate than it holds (QUEUE_DEPTH)
        current[w] = acquire(worker);
    }

    private Batch acquire(Worker worker) {
        if (worker.unbuilt > 0) {
            worker.unbuilt--;
            return new Batch(BATCH_SIZE);
        }
        Batch next;
        int idle = 0;
        while ((next = worker.free.relaxedPoll()) == null) {
            if (aborted) {
                throw new FlowTraceException("pipeline failed: " + abortCause, abortCause);
            }
            if (++idle < 64) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(20_000);
            }
        }
        return next;
    }

    private void finish(EndReason reason) {
        if (aborted) {
            return;
        }
        for (int w = 0; w < workers.length; w++) {
            send(w);
            Batch end = current[w];
            end.kind = Batch.KIND_END;
            end.endReason = reason;
            end.clock = clock;
            if (inline) {
                workers[0].process(end);
                end.reset();
            } else {
                workers[w].inbound.offer(end);
            }
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FlowTraceException("interrupted while waiting for workers to finish");
            }
        }
    }

    // ---- worker threads ----

    /** Whether workers encode every record for the JSON sinks (several such sinks, or several workers). */
    boolean encodesJson() {
        return encodesJson;
    }

    /** Whether some sink takes JSON at all, so a worker may encode for it when it is behind. */
    boolean mayEncodeJson() {
        return mayEncodeJson;
    }

    /** Whether a sink that takes JSON has fallen behind ({@link SinkRunner#behind()}). */
    boolean jsonSinkBehind() {
        for (SinkRunner s : sinks) {
            if (s.acceptsJson() && s.behind()) {
                return true;
            }
        }
        return false;
    }

    /** Hands a finished record, and its JSON encoding when the worker made one, to every sink. */
    void deliver(FlowEvent r, byte[] json) {
        records.increment();
        for (SinkRunner s : sinks) {
            s.offer(r, json);
        }
    }

    /** Hands a merged snapshot of schedule {@code schedule} to its listeners' queues (and the sinks' for the main). */
    private void deliverSnapshot(int schedule, Snapshot s) {
        for (SinkRunner l : listeners[schedule]) {
            l.offer(s);
        }
        if (schedule == 0) {
            for (SinkRunner r : sinks) {
                r.offer(s);
            }
        }
    }

    /** The last snapshot of every aggregator task. */
    public List<Snapshot> latestSnapshots() {
        return snapshots.latest();
    }

    /** Counters so far; exact once {@link #run()} has returned. */
    public FlowStats stats() {
        Map<String, Long> malformed = new LinkedHashMap<>();
        long nonIp = 0;
        for (DecodeStatus s : DecodeStatus.values()) {
            long c = statusCounts[s.ordinal()];
            if (s == DecodeStatus.NON_IP) {
                nonIp = c;
            } else if (s != DecodeStatus.OK && c > 0) {
                malformed.put(s.counterName(), c);
            }
        }
        FlowCache.Counters flows = FlowCache.Counters.ZERO;
        long active = 0;
        for (Worker w : workers) {
            flows = flows.plus(w.cache.counters());
            active += w.cache.size();
        }
        long created = flows.created();
        Map<EndReason, Long> reasons = flows.endReasons();
        Map<String, FlowStats.SinkStats> sinkStats = new LinkedHashMap<>();
        for (SinkRunner s : allRunners()) {
            sinkStats.put(s.name(), new FlowStats.SinkStats(s.delivered(), s.retried(), s.failed(), s.dropped(), s.undelivered(),
                    safeCounters(s)));
        }
        long el = elapsedNanos >= 0 ? elapsedNanos : (startedNanos == 0 ? 0 : System.nanoTime() - startedNanos);
        return new FlowStats(packetsRead, bytesRead, packetsDecoded, nonIp, malformed, created, active,
                records.sum(), reasons, sinkStats, safeCounters(source), aggregatorFailures.sum(),
                snapshots.failures(), Duration.ofNanos(el),
                Duration.ofNanos(elapsedNanos >= 0 ? finalFlushNanos : 0));
    }

    private static Map<String, Long> safeCounters(PacketSource s) {
        try {
            return Map.copyOf(s.counters());
        } catch (RuntimeException e) {
            return Map.of();
        }
    }

    private static Map<String, Long> safeCounters(SinkRunner s) {
        try {
            return Map.copyOf(s.sink().counters());
        } catch (RuntimeException e) {
            return Map.of();
        }
    }
}
