package io.flowtrace.core.internal;

import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowCache;
import io.flowtrace.core.FlowOptions;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTraceException;
import io.flowtrace.core.PluginFailureException;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.RawFrameTap;
import io.flowtrace.core.spi.Snapshot;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * The running pipeline behind {@link io.flowtrace.core.FlowTrace}: wires its parts and runs them from start to end.
 * The source feeds the {@link Dispatcher} (source thread), which hands batches to each {@link Worker} through its
 * {@link BatchLane}; workers hand records to the {@link SinkFanOut} and aggregator state to the
 * {@link SnapshotCollector}; {@link #stats()} sums the counters each part publishes.
 *
 * <p>Each worker runs on its own thread ({@link ThreadedLane}), so reading and decoding overlap with metering; on a
 * machine with one core a single worker runs on the source thread instead ({@link InlineLane}, no hand-off).
 * A live source split into one part per worker feeds them directly instead: each part's thread decodes its
 * packets and runs its worker ({@link InlineLane}), one dispatcher per part.
 * {@link #run()} runs on the caller's thread (with a thread per part of a split source); {@link #stop()},
 * {@link #stats()} and {@link #latestSnapshots()} may be called from any thread.
 */
public final class Pipeline {
    public static final int BATCH_SIZE = 256;

    /**
     * Everything the pipeline needs, prepared by the builder. {@code inline}: the single worker runs on the source
     * thread, with no hand-off (for one core); otherwise every worker has its own thread. {@code flowCache}: makes
     * each worker's cache; null for the default table. {@code packetListener}: makes each worker's listener of
     * decoded packets; null for none. {@code tap}: sees every raw frame on its source thread; null for none.
     */
    public record Settings(FlowOptions options, int workers, int initialCapacity, RecordContext context,
                           List<Aggregator> aggregators, List<Schedule> schedules, Duration period,
                           List<SinkRunner> sinks, Duration sinkCloseTimeout, boolean inline,
                           boolean failOnPluginError, FlowCache.Factory flowCache,
                           io.flowtrace.core.spi.PacketListener.Factory packetListener, RawFrameTap tap) {
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
    private final Worker[] workers;
    private BatchLane[] lanes;
    /** One for the source; one per part when a live source's parts feed the workers directly. */
    private volatile Dispatcher[] dispatchers;
    private final SinkFanOut sinks;
    private final SnapshotCollector snapshots;
    private final AbortSignal abort = new AbortSignal(this::stopSources);
    /** The source is live: a heartbeat thread moves the clock by wall time when packets stop. */
    private final boolean live;

    private volatile long startedNanos;
    private volatile long elapsedNanos = -1;
    private volatile long finalFlushNanos;
    private volatile boolean sourceRunning;
    private final String[] tasks; // the aggregators' task names, by index

    public Pipeline(Settings settings, PacketSource source) {
        this.settings = settings;
        this.source = source;
        FlowOptions o = settings.options();
        PacketDecoder decoder = decoderFor(o);
        int n = settings.workers();
        List<Schedule> schedules = settings.schedules();
        long[] intervals = new long[schedules.size()];
        List<List<SinkRunner>> listeners = new ArrayList<>();
        for (int i = 0; i < intervals.length; i++) {
            Duration d = schedules.get(i).interval();
            intervals[i] = d.isZero() ? Long.MAX_VALUE : d.toNanos();
            listeners.add(schedules.get(i).listeners());
        }
        long period = settings.period().isZero() ? Long.MAX_VALUE : settings.period().toNanos();
        this.sinks = new SinkFanOut(settings.sinks(), listeners, n);
        this.snapshots = new SnapshotCollector(n, sinks);
        this.live = source.isLive();
        Aggregator[] protos = settings.aggregators().toArray(new Aggregator[0]);
        this.tasks = new String[protos.length];
        for (int i = 0; i < protos.length; i++) {
            tasks[i] = protos[i].task();
        }
        int perWorker = (int) Math.min(SingleWriterFlowTable.MAX_CAPACITY, (o.maxFlows() + (long) n - 1) / n);
        int initial = Math.max(16, settings.initialCapacity() / n);
        this.workers = new Worker[n];
        this.lanes = new BatchLane[n];
        for (int i = 0; i < n; i++) {
            workers[i] = new Worker(i, o, settings.flowCache(), perWorker, initial, settings.context(), protos,
                    intervals, period, sinks, snapshots);
            if (settings.packetListener() != null) {
                workers[i].listen(java.util.Objects.requireNonNull(settings.packetListener().forWorker(i, n),
                        "the PacketListener.Factory returned null"));
            }
            lanes[i] = settings.inline() ? new InlineLane(workers[i]) : new ThreadedLane(workers[i], abort);
        }
        this.intervals = intervals;
        this.periodNanos = period;
        List<PacketSource> split = List.of(source);
        RuntimeException splitError = null;
        try {
            // a source splits by the headers it sees: with tunnels decoded the flow is the inner conversation
            split = List.copyOf(source.split(o.tunnels().isEmpty() ? n : 1));
            if (split.isEmpty()) {
                throw new FlowTraceException(source.description() + ": split into no source");
            }
        } catch (RuntimeException e) {
            splitError = e;
            split = List.of(source);
        }
        this.splitError = splitError;
        this.parts = split;
        this.direct = live && split.size() == n && !split.contains(source);
        if (direct) {
            feedWorkersDirectly();
        } else {
            this.dispatchers = new Dispatcher[] {new Dispatcher(decoder, lanes, intervals, period, o.protocols())};
        }
    }

    private final long[] intervals;
    private final long periodNanos;
    /** Thrown by {@link #run()}: the source could not be split. */
    private final RuntimeException splitError;
    /** Each part of the live source feeds its own worker on its own thread ({@link #feedWorkersDirectly}). */
    private final boolean direct;

    /**
     * Runs the source to its end (or until {@link #stop()}), then flushes every flow, delivers the last snapshots
     * and closes the sinks. A damaged capture is rethrown after all of that.
     */
    public FlowStats run() {
        startedNanos = System.nanoTime();
        sourceRunning = true;
        sinks.start();
        RuntimeException sourceError = splitError;
        EndReason reason = EndReason.END_OF_CAPTURE;
        List<PacketSource> split = parts;
        Dispatcher[] ds = dispatchers;
        if (direct) {
            // the workers' clocks start together, at the heartbeat's time, so that their snapshot windows match
            long start = (System.currentTimeMillis() - HEARTBEAT_LAG_MILLIS) * 1_000_000L;
            for (Dispatcher d : ds) {
                d.startClock(start);
            }
        }
        for (BatchLane lane : lanes) {
            lane.start();
        }
        PacketHandler[] handlers = new PacketHandler[split.size()];
        Heartbeat heartbeat = null;
        if (live || split.size() > 1) {
            // calls from a part and from the heartbeat take turns on one lock per dispatcher
            Serialised[] locked = new Serialised[ds.length];
            for (int i = 0; i < ds.length; i++) {
                locked[i] = new Serialised(ds[i]);
            }
            for (int i = 0; i < handlers.length; i++) {
                handlers[i] = locked[direct ? i : 0];
            }
            heartbeat = live ? new Heartbeat(locked, abort) : null;
        } else {
            handlers[0] = ds[0];
        }
        RawFrameTap tap = settings.tap();
        if (tap != null && sourceError == null) {
            try {
                tap.open(split);
                tapOpen = true;
                for (int i = 0; i < handlers.length; i++) {
                    handlers[i] = new Tapped(i, tap, handlers[i]);
                }
            } catch (RuntimeException e) {
                sourceError = e;
            }
        }
        if (heartbeat != null) {
            heartbeat.start();
        }
        if (sourceError == null) {
            sourceError = runSources(split, handlers);
        }
        if (tapOpen) {
            try {
                tap.close(); // before the sinks: what the tee holds is written while the last flows are delivered
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Pipeline.class).warn("raw frame tap: closing failed: {}", e.toString());
            }
        }
        if (stopRequested) {
            reason = EndReason.SHUTDOWN;
        }
        if (heartbeat != null) {
            heartbeat.stop();
        }
        long sourceEnded = System.nanoTime();
        sourceRunning = false;
        try {
            if (!abort.aborted()) {
                finishDispatchers(reason);
            }
        } finally {
            Map<String, Long> lost = sinks.close(settings.sinkCloseTimeout());
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
        if (abort.aborted()) {
            throw abort.failure();
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

    /** A decoder with every decoding option of {@code o}. */
    private static PacketDecoder decoderFor(FlowOptions o) {
        PacketDecoder d = new PacketDecoder(o.tunnels(), o.vlanInKey(), o.icmpTypeInKey(), o.ipFragments());
        d.vlanInnermost(o.vlanInnermost());
        d.sctpPorts(o.sctpPorts());
        return d;
    }

    /**
     * Gives each part of a live source its own dispatcher and decoder, feeding one worker on the part's thread, so
     * capture and metering need no hand-off.
     */
    private void feedWorkersDirectly() {
        FlowOptions o = settings.options();
        Dispatcher[] ds = new Dispatcher[workers.length];
        BatchLane[] inline = new BatchLane[workers.length];
        for (int i = 0; i < ds.length; i++) {
            inline[i] = new InlineLane(workers[i]);
            ds[i] = new Dispatcher(decoderFor(o), new BatchLane[] {inline[i]}, intervals, periodNanos,
                    o.protocols());
        }
        lanes = inline;
        dispatchers = ds;
    }

    /**
     * Ends every dispatcher; several (a source's parts) first move to the latest clock among them, so that the
     * workers' last snapshot windows end together.
     */
    private void finishDispatchers(EndReason reason) {
        Dispatcher[] ds = dispatchers;
        if (ds.length > 1) {
            long end = Long.MIN_VALUE;
            for (Dispatcher d : ds) {
                end = Math.max(end, d.clock());
            }
            for (Dispatcher d : ds) {
                d.onIdle(end);
            }
        }
        for (Dispatcher d : ds) {
            d.finish(reason);
        }
    }

    /**
     * Runs the source, or each part of a split source on a thread of its own (their calls serialised by the
     * handler), and returns the first failure.
     */
    private RuntimeException runSources(List<PacketSource> split, PacketHandler[] handlers) {
        if (split.size() == 1) {
            return runOne(split.get(0), handlers[0]);
        }
        RuntimeException[] errors = new RuntimeException[split.size()];
        Thread[] readers = new Thread[split.size()];
        for (int i = 0; i < readers.length; i++) {
            int part = i;
            readers[i] = new Thread(() -> errors[part] = runOne(split.get(part), handlers[part]),
                    "flowtrace-source-" + i);
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
    private final List<PacketSource> parts;

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

    /** Whether the tap was opened (and so is closed once the sources end). */
    private boolean tapOpen;

    /**
     * A part's handler that first shows each frame to the tap, on the part's thread and outside the dispatcher's
     * lock: the frames of one part reach the tap from one thread at a time.
     */
    private static final class Tapped implements PacketHandler {
        private final int part;
        private final RawFrameTap tap;
        private final PacketHandler target;

        Tapped(int part, RawFrameTap tap, PacketHandler target) {
            this.part = part;
            this.tap = tap;
            this.target = target;
        }

        @Override
        public void onPacket(long timestampNanos, int linkType, byte[] data, int offset, int capturedLength,
                             int wireLength, int interfaceIndex) {
            tap.onFrame(part, timestampNanos, linkType, data, offset, capturedLength, wireLength, interfaceIndex);
            target.onPacket(timestampNanos, linkType, data, offset, capturedLength, wireLength, interfaceIndex);
        }

        @Override
        public void onIdle(long nowNanos) {
            target.onIdle(nowNanos);
        }
    }

    /** A dispatcher whose calls from a source's thread and from the heartbeat take turns on one lock. */
    private static final class Serialised implements PacketHandler {
        private final PacketHandler target;

        Serialised(PacketHandler target) {
            this.target = target;
        }

        @Override
        public synchronized void onPacket(long timestampNanos, int linkType, byte[] data, int offset,
                                          int capturedLength, int wireLength, int interfaceIndex) {
            target.onPacket(timestampNanos, linkType, data, offset, capturedLength, wireLength, interfaceIndex);
        }

        @Override
        public synchronized void onIdle(long nowNanos) {
            target.onIdle(nowNanos);
        }
    }

    /**
     * The wall-clock heartbeat of a live source: every {@value #HEARTBEAT_MILLIS} ms a thread of its own calls
     * {@link #onIdle} of every dispatcher with the wall clock less {@value #HEARTBEAT_LAG_MILLIS} ms (packets may
     * still be on their way), so batches waiting at the source reach the workers and idle flows expire when traffic
     * stops, whether or not the source calls {@code onIdle} itself. The source's calls and the heartbeat's take turns
     * on each dispatcher's lock, uncontended while packets flow.
     */
    private static final class Heartbeat implements Runnable {
        private final Serialised[] targets;
        private final AbortSignal abort;
        private final Thread thread;
        private volatile boolean stopped;

        Heartbeat(Serialised[] targets, AbortSignal abort) {
            this.targets = targets;
            this.abort = abort;
            this.thread = new Thread(this, "flowtrace-heartbeat");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void stop() {
            stopped = true;
            LockSupport.unpark(thread);
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void run() {
            while (!stopped && !abort.aborted()) {
                LockSupport.parkNanos(HEARTBEAT_MILLIS * 1_000_000L);
                if (!stopped) {
                    long now = (System.currentTimeMillis() - HEARTBEAT_LAG_MILLIS) * 1_000_000L;
                    for (Serialised t : targets) {
                        t.onIdle(now);
                    }
                }
            }
        }
    }

    /** Often enough for timeouts counted in seconds; rarely enough that an idle pipeline costs next to nothing. */
    static final long HEARTBEAT_MILLIS = 1_000;
    static final long HEARTBEAT_LAG_MILLIS = 1_000;

    /** The worker of a packet: from its seeded flow hash, so that both directions of a flow go to one worker. */
    public static int workerOf(int flowHash, int workers) {
        return (int) (((flowHash * 0x9E3779B9L) & 0xFFFF_FFFFL) * workers >>> 32);
    }

    /** The last snapshot of every aggregator task. */
    public List<Snapshot> latestSnapshots() {
        return snapshots.latest();
    }

    /** Whether the source is being read: from the start of {@link #run()} until the source ends, fails or stops. */
    public boolean sourceRunning() {
        return sourceRunning;
    }

    /** Counters so far; exact once {@link #run()} has returned. */
    public FlowStats stats() {
        WorkerCounters sum = WorkerCounters.ZERO;
        for (Worker w : workers) {
            sum = sum.plus(w.counters());
        }
        long started = startedNanos;
        long el = elapsedNanos >= 0 ? elapsedNanos : (started == 0 ? 0 : System.nanoTime() - started);
        Dispatcher[] ds = dispatchers;
        SourceCounters read = ds[0].counters();
        for (int i = 1; i < ds.length; i++) {
            read = read.plus(ds[i].counters());
        }
        return PipelineStats.of(read.withOwn(safeCounters(source)), sum, tasks, sinks.stats(),
                snapshots.failures(), Duration.ofNanos(el), Duration.ofNanos(elapsedNanos >= 0 ? finalFlushNanos : 0),
                tapCounters());
    }

    private Map<String, Long> tapCounters() {
        RawFrameTap tap = settings.tap();
        if (tap == null) {
            return Map.of();
        }
        try {
            return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tap.counters()));
        } catch (RuntimeException e) {
            return Map.of();
        }
    }

    private static Map<String, Long> safeCounters(PacketSource s) {
        try {
            return Map.copyOf(s.counters());
        } catch (RuntimeException e) {
            return Map.of();
        }
    }
}
