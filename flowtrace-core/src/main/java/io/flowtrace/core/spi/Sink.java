package io.flowtrace.core.spi;

import io.flowtrace.core.FlowEvent;

/**
 * Where flow events and snapshots go. The pipeline gives every sink its own bounded queue and delivery thread:
 * every method is called on that thread ({@code flowtrace-sink-NAME}), one call at a time, never on a worker, and
 * may block (network I/O, retries) at the cost of this sink's queue only. {@link #counters()} alone may be called
 * from any thread. A call that throws is counted and logged, and never stops capture or the other sinks.
 *
 * @since 0.1
 */
public interface Sink extends AutoCloseable {

    /** {@return name for counters and messages, usually the provider's name} */
    String name();

    /**
     * Delivers one flow event. Throwing counts it as failed.
     *
     * @param event the event
     * @throws Exception when delivery failed; the pipeline counts it and goes on
     */
    void accept(FlowEvent event) throws Exception;

    /**
     * Delivers one aggregator snapshot; ignored by sinks that only take flow events.
     *
     * @param snapshot the snapshot
     * @throws Exception when delivery failed; the pipeline counts it and goes on
     */
    default void accept(Snapshot snapshot) throws Exception {
    }

    /**
     * Pushes out what is buffered; called when the queue runs empty and then about every 100 ms while it stays
     * empty, so keep it cheap when there is nothing new. A sink that batches by time may keep events that are not
     * yet due; {@link #close()} must deliver everything.
     *
     * @throws Exception when delivery failed; the pipeline counts it and goes on
     */
    default void flush() throws Exception {
    }

    /** {@return counters the sink keeps itself beyond what the pipeline counts (e.g. {@code retried})} */
    default java.util.Map<String, Long> counters() {
        return java.util.Map.of();
    }

    /** Flushes and releases resources. */
    @Override
    void close() throws Exception;
}
