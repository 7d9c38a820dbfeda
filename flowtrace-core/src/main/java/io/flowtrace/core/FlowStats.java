package io.flowtrace.core;

import java.time.Duration;
import java.util.Map;

/**
 * Counters of a pipeline: read from {@link FlowTrace#stats()} while it runs (figures may lag slightly) or returned
 * by {@link FlowTrace#run()} when it has finished (exact). Immutable.
 *
 * @param packetsRead        frames handed over by the source
 * @param bytesRead          wire bytes of those frames
 * @param packetsDecoded     IP packets counted into flows
 * @param nonIp              frames without IP (ARP, LLDP, ...), skipped
 * @param malformed          frames that could not be decoded, by reason (see the README's list); {@code too_deep}
 *                           counts frames nested deeper than the decoder follows, which are metered as their
 *                           deepest layer decoded and so are in {@code packetsDecoded} too
 * @param flowsCreated       flow events started
 * @param flowsActive        flows tracked now
 * @param events             flow events emitted
 * @param endReasons         events by end reason (every reason, in {@link EndReason} order)
 * @param sinks              delivery counters per sink
 * @param sourceCounters     the source's own counters (e.g. kernel drops)
 * @param aggregatorFailures calls into aggregators that threw on a worker ({@code onPacket}, {@code onFlow},
 *                           {@code copy})
 * @param aggregatorFailuresByTask those failures by the aggregator's task name (every task, 0 when none)
 * @param snapshotFailures   merges or snapshots of aggregator state that threw (that window's snapshot is lost)
 * @param elapsed            time since the pipeline started
 * @param finalFlush         of that, the time from the end of the source to the last delivery: every open flow
 *                           ended and its event delivered (zero until then)
 * @param fragments          IP fragments not metered themselves, by fate, and datagrams reassembled or dropped
 *                           (see {@link IpFragments}); only counts above 0, empty when fragments join their flow
 * @param skipped            IP packets decoded but not metered by the flow options, by reason
 *                           ({@code skipped_protocol}: a protocol outside {@link FlowOptions#protocols()}; only
 *                           reasons seen)
 * @param tap                the raw frame tap's counters ({@link FlowTrace.Builder#rawFrameTap}); empty without one
 * @since 0.1
 */
public record FlowStats(long packetsRead, long bytesRead, long packetsDecoded, long nonIp, Map<String, Long> malformed,
                        long flowsCreated, long flowsActive, long events, Map<EndReason, Long> endReasons,
                        Map<String, SinkStats> sinks, Map<String, Long> sourceCounters, long aggregatorFailures,
                        Map<String, Long> aggregatorFailuresByTask, long snapshotFailures, Duration elapsed,
                        Duration finalFlush, Map<String, Long> fragments, Map<String, Long> skipped,
                        Map<String, Long> tap) {

    /**
     * Checks the components.
     *
     * @param packetsRead frames handed over by the source
     * @param bytesRead wire bytes of those frames
     * @param packetsDecoded IP packets counted into flows
     * @param nonIp frames without IP (ARP, LLDP, ...), skipped
     * @param malformed frames that could not be decoded, by reason (see the README's list); {@code too_deep} counts
     *                  frames nested deeper than the decoder follows, which are metered as their deepest layer decoded
     *                  and so are in {@code packetsDecoded} too
     * @param flowsCreated flow events started
     * @param flowsActive flows tracked now
     * @param events flow events emitted
     * @param endReasons events by end reason (every reason, in {@link EndReason} order)
     * @param sinks delivery counters per sink
     * @param sourceCounters the source's own counters (e.g. kernel drops)
     * @param aggregatorFailures calls into aggregators that threw on a worker ({@code onPacket}, {@code onFlow},
     *                           {@code copy})
     * @param aggregatorFailuresByTask those failures by the aggregator's task name (every task, 0 when none)
     * @param snapshotFailures merges or snapshots of aggregator state that threw (that window's snapshot is lost)
     * @param elapsed time since the pipeline started
     * @param finalFlush of that, the time from the end of the source to the last delivery: every open flow ended and
     *                   its event delivered (zero until then)
     * @param fragments IP fragments not metered themselves, by fate ({@code fragment_skipped}, {@code _held},
     *                  {@code _duplicate}, {@code _overlap}, {@code _invalid}, {@code _truncated}), and datagrams
     *                  ({@code datagram_reassembled}, {@code _timed_out}, {@code _evicted}, {@code _dropped}); only
     *                  counts above 0
     * @param skipped IP packets decoded but not metered by the flow options, by reason (only reasons seen)
     * @param tap the raw frame tap's counters; empty without one
     */
    public FlowStats {
        tap = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tap));
        malformed = Map.copyOf(malformed);
        fragments = Map.copyOf(fragments);
        skipped = Map.copyOf(skipped);
        java.util.EnumMap<EndReason, Long> reasons = new java.util.EnumMap<>(EndReason.class);
        reasons.putAll(endReasons);
        endReasons = java.util.Collections.unmodifiableMap(reasons);
        sinks = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(sinks));
        sourceCounters = Map.copyOf(sourceCounters);
        aggregatorFailuresByTask = java.util.Collections.unmodifiableMap(
                new java.util.LinkedHashMap<>(aggregatorFailuresByTask));
    }

    /**
     * Counters without a tap, as before taps existed.
     *
     * @param packetsRead frames handed over by the source
     * @param bytesRead wire bytes of those frames
     * @param packetsDecoded IP packets counted into flows
     * @param nonIp frames without IP, skipped
     * @param malformed frames that could not be decoded, by reason
     * @param flowsCreated flow events started
     * @param flowsActive flows tracked now
     * @param events flow events emitted
     * @param endReasons events by end reason
     * @param sinks delivery counters per sink
     * @param sourceCounters the source's own counters
     * @param aggregatorFailures calls into aggregators that threw on a worker
     * @param aggregatorFailuresByTask those failures by task name
     * @param snapshotFailures merges or snapshots of aggregator state that threw
     * @param elapsed time since the pipeline started
     * @param finalFlush the time from the end of the source to the last delivery
     * @param fragments IP fragments not metered themselves, and datagrams, by fate
     * @param skipped IP packets decoded but not metered by the flow options, by reason
     */
    public FlowStats(long packetsRead, long bytesRead, long packetsDecoded, long nonIp, Map<String, Long> malformed,
                     long flowsCreated, long flowsActive, long events, Map<EndReason, Long> endReasons,
                     Map<String, SinkStats> sinks, Map<String, Long> sourceCounters, long aggregatorFailures,
                     Map<String, Long> aggregatorFailuresByTask, long snapshotFailures, Duration elapsed,
                     Duration finalFlush, Map<String, Long> fragments, Map<String, Long> skipped) {
        this(packetsRead, bytesRead, packetsDecoded, nonIp, malformed, flowsCreated, flowsActive, events, endReasons,
                sinks, sourceCounters, aggregatorFailures, aggregatorFailuresByTask, snapshotFailures, elapsed,
                finalFlush, fragments, skipped, Map.of());
    }

    /**
     * Every plugin failure of the run, one line each, empty when there was none: sinks and callbacks (the sinks
     * {@code callback} and {@code on-snapshot-N}) that threw or did not deliver everything, a raw frame tap that
     * dropped or failed to keep frames, aggregators that threw.
     * The command line prints these; {@link FlowTrace.Builder#failOnPluginError} makes them fail the run.
     *
     * @return the failures, one line each
     */
    public java.util.List<String> failures() {
        java.util.List<String> out = new java.util.ArrayList<>();
        sinks.forEach((name, st) -> {
            long lost = st.failed() + st.dropped() + st.undelivered();
            if (lost > 0) {
                out.add("sink " + name + " did not deliver " + lost + " item(s) (" + st.failed() + " failed, "
                        + st.dropped() + " dropped, " + st.undelivered() + " undelivered)");
            }
        });
        long tapLost = tap.getOrDefault("dropped", 0L) + tap.getOrDefault("failed", 0L);
        if (tapLost > 0) {
            out.add("raw frame tap did not keep " + tapLost + " frame(s) (" + tap.getOrDefault("dropped", 0L)
                    + " dropped: its queue was full, " + tap.getOrDefault("failed", 0L) + " failed: writes failed)");
        }
        if (aggregatorFailures > 0) {
            out.add("aggregators threw " + aggregatorFailures + " time(s)");
        }
        if (snapshotFailures > 0) {
            out.add("aggregator snapshots failed " + snapshotFailures + " time(s)");
        }
        return out;
    }

    /** {@return malformed frames of every reason} */
    public long malformedTotal() {
        long n = 0;
        for (long v : malformed.values()) {
            n += v;
        }
        return n;
    }

    /**
     * Delivery counters of one sink.
     *
     * @param delivered   events and snapshots the sink accepted
     * @param retried     attempts the sink repeated (after a connection error, a 5xx, a missing ack)
     * @param failed      items the sink threw on (after its own retries)
     * @param dropped     items dropped because the queue was full (drop policy) or the sink had stopped
     * @param undelivered items still queued when the shutdown time limit ran out
     * @param queued      items waiting in the sink's queue now (its depth; 0 once the run has ended)
     * @param own         the sink's own counters (e.g. {@code retried})
     */
    public record SinkStats(long delivered, long retried, long failed, long dropped, long undelivered, long queued,
                            Map<String, Long> own) {
    }
}
