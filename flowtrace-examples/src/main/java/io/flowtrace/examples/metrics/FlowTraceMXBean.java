package io.flowtrace.examples.metrics;

import java.util.Map;

/**
 * A running meter's counters over JMX, registered as {@code io.flowtrace:type=FlowTrace,name=COMMAND} while it runs:
 * the same figures as {@code /metrics}, read from {@link io.flowtrace.core.FlowTrace#stats()} at each read. Maps
 * are keyed by reason, end reason or sink name. Thread-safe: JMX reads on its own threads.
 */
public interface FlowTraceMXBean {
    /** Frames the capture source handed over. */
    long getPacketsRead();

    /** Wire bytes of those frames. */
    long getBytesRead();

    /** IP packets counted into flows. */
    long getPacketsDecoded();

    /** Frames without IP, skipped. */
    long getPacketsNonIp();

    /** Frames that could not be decoded, by reason. */
    Map<String, Long> getPacketsMalformed();

    /** IP fragments not metered themselves, and reassembled or dropped datagrams, by outcome. */
    Map<String, Long> getIpFragments();

    /** Packets the kernel dropped (0 when the source does not count them). */
    long getKernelDroppedPackets();

    /** Packets the interface dropped (0 when the source does not count them). */
    long getInterfaceDroppedPackets();

    /** Flows tracked now. */
    long getFlowsActive();

    /** Flow events emitted. */
    long getEvents();

    /** Flow events by end reason. */
    Map<String, Long> getEventsByEndReason();

    /** Items each sink accepted. */
    Map<String, Long> getSinkDelivered();

    /** Attempts each sink repeated. */
    Map<String, Long> getSinkRetried();

    /** Items each sink could not deliver. */
    Map<String, Long> getSinkFailed();

    /** Items each sink's queue dropped. */
    Map<String, Long> getSinkDropped();

    /** Items waiting in each sink's queue. */
    Map<String, Long> getSinkQueued();

    /** Calls into aggregators that threw. */
    long getAggregatorFailures();

    /** Calls into aggregators that threw, by task. */
    Map<String, Long> getAggregatorFailuresByTask();

    /** Aggregator snapshots or merges that threw. */
    long getSnapshotFailures();

    /** Whether the capture source is being read. */
    boolean isCapturing();

    /** {@code ok}, or why {@code /healthz} answers 503. */
    String getHealth();
}
