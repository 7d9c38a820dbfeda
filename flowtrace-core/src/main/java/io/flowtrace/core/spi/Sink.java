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
