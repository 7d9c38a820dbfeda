package io.flowtrace.core.spi;

import io.flowtrace.core.FlowEvent;

/**
 * Where flow events and snapshots go. The pipeline gives every sink its own bounded queue and delivery thread, so
 * a sink is called from one thread at a time and may block (network I/O, retries); a sink that throws is counted
 * and logged, and never stops capture or the other sinks.
 */
public interface Sink extends AutoCloseable {

    /** Name for counters and messages, usually the provider's name. */
    String name();

    /** Delivers one record. Throwing counts the record as failed. */
    void accept(FlowEvent record) throws Exception;

    /**
     * Whether this sink writes records as JSON objects in {@link io.flowtrace.core.FlowEventNdjson}'s encoding (the
     * record format of the README). If so, the pipeline may encode a record once, on the worker that finished it,
     * and deliver it through {@link #accept(FlowEvent, byte[])}: it does so when there are several such sinks (one
     * encoding serves them all), several workers (the work is spread over them instead of falling on one delivery
     * thread), or while this sink's queue is filling up (the worker encodes instead of waiting). Other records come
     * through {@link #accept(FlowEvent)}. Asked once, before the first record.
     */
    default boolean acceptsJson() {
        return false;
    }

    /**
     * Delivers one record with its JSON encoding: {@code json} holds exactly one object, without a separator, as
     * {@link io.flowtrace.core.FlowEventNdjson#write} makes it. The array is shared with other sinks: read it, never
     * change it. Called instead of {@link #accept(FlowEvent)} when {@link #acceptsJson()} is true; by default it
     * ignores the bytes.
     */
    default void accept(FlowEvent record, byte[] json) throws Exception {
        accept(record);
    }

    /** Delivers one aggregator snapshot; ignored by sinks that only take records. */
    default void accept(Snapshot snapshot) throws Exception {
    }

    /**
     * Pushes out what is buffered; called when the queue runs empty and then about every 100 ms while it stays
     * empty, so keep it cheap when there is nothing new. A sink that batches by time may keep records that are not
     * yet due; {@link #close()} must deliver everything.
     */
    default void flush() throws Exception {
    }

    /** Counters the sink keeps itself beyond what the pipeline counts (e.g. {@code retried}). */
    default java.util.Map<String, Long> counters() {
        return java.util.Map.of();
    }

    /** Flushes and releases resources. */
    @Override
    void close() throws Exception;
}
