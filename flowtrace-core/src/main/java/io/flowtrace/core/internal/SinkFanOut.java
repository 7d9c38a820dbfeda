package io.flowtrace.core.internal;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.spi.Snapshot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands every finished record to every sink's runner and every merged snapshot to the runners of its schedule, and
 * tells workers whether to encode records as JSON for those runners. Thread-safe: workers call {@link #deliver} and
 * {@link #deliverSnapshot} concurrently (each runner's queue takes many producers); the pipeline's thread starts and
 * closes the runners.
 */
final class SinkFanOut implements SnapshotCollector.Delivery {
    private final SinkRunner[] sinks;
    /** Listener runners by schedule. */
    private final SinkRunner[][] listeners;
    private final boolean encodesJson;
    private final boolean mayEncodeJson;

    /**
     * {@code sinks}: the runners of the sinks, which get records and the main schedule's snapshots;
     * {@code listeners}: by schedule, the runners that get that schedule's snapshots; {@code workers}: how many
     * workers hand in records.
     */
    SinkFanOut(List<SinkRunner> sinks, List<List<SinkRunner>> listeners, int workers) {
        this.sinks = sinks.toArray(new SinkRunner[0]);
        this.listeners = new SinkRunner[listeners.size()][];
        for (int i = 0; i < this.listeners.length; i++) {
            this.listeners[i] = listeners.get(i).toArray(new SinkRunner[0]);
        }
        int json = 0;
        for (SinkRunner r : this.sinks) {
            json += r.acceptsJson() ? 1 : 0;
        }
        // workers always encode when that saves work (one encoding for several sinks) or spreads it (several
        // workers feeding one sink thread); a single worker feeding a single sink encodes only while the sink's
        // thread is behind (the flush at the end of a capture), and otherwise leaves it to that thread
        this.encodesJson = json > 1 || (json == 1 && workers > 1);
        this.mayEncodeJson = json > 0;
    }

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

    /** Hands a finished record, and its JSON encoding when the worker made one ({@code null} if not), to every sink. */
    void deliver(FlowEvent r, byte[] json) {
        for (SinkRunner s : sinks) {
            s.offer(r, json);
        }
    }

    /** Hands a merged snapshot of schedule {@code schedule} to its listeners (and to the sinks for the main one). */
    @Override
    public void deliver(int schedule, Snapshot s) {
        for (SinkRunner l : listeners[schedule]) {
            l.offer(s);
        }
        if (schedule == 0) {
            for (SinkRunner r : sinks) {
                r.offer(s);
            }
        }
    }

    /** Starts every runner's delivery thread. */
    void start() {
        for (SinkRunner r : all()) {
            r.start();
        }
    }

    /**
     * Delivers what is queued and closes every runner, under one time limit.
     *
     * @return by sink name, how many items each could not deliver (only sinks with some)
     */
    Map<String, Long> close(Duration timeout) {
        return SinkRunner.closeAll(all(), timeout);
    }

    /** Delivery counters by sink name: the sinks, then every listener. */
    Map<String, FlowStats.SinkStats> stats() {
        Map<String, FlowStats.SinkStats> out = new LinkedHashMap<>();
        for (SinkRunner r : all()) {
            out.put(r.name(), r.stats());
        }
        return out;
    }

    /** Sinks, then every listener runner. */
    private List<SinkRunner> all() {
        List<SinkRunner> all = new ArrayList<>(List.of(sinks));
        for (SinkRunner[] ls : listeners) {
            all.addAll(List.of(ls));
        }
        return all;
    }
}
