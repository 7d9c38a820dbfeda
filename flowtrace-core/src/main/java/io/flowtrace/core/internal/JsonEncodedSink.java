package io.flowtrace.core.internal;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.spi.Sink;

/**
 * A built-in sink that writes flow events as {@link FlowEventEncoder} encodes them, and so can take an event
 * already encoded: an arrangement between core and flowtrace's own sinks, kept out of the {@link Sink} SPI. The
 * pipeline may then encode an event once, on the worker that finished it, and deliver it through
 * {@link #accept(FlowEvent, byte[])}: it does so when there are several such sinks (one encoding serves them all),
 * several workers (the work is spread over them instead of falling on one delivery thread), or while this sink's
 * queue is filling up (the worker encodes instead of waiting). Other events come through
 * {@link Sink#accept(FlowEvent)}.
 */
public interface JsonEncodedSink extends Sink {

    /**
     * Whether this instance takes encoded events (a CSV file sink does not). Called once, on the thread that builds
     * the pipeline, before the first event.
     */
    boolean acceptsJson();

    /**
     * Delivers one event with its JSON encoding: {@code json} holds exactly one object, without a separator, as
     * {@link FlowEventEncoder#write} makes it. The array is shared with other sinks: read it, never change it.
     * Called on the sink's delivery thread, instead of {@link Sink#accept(FlowEvent)}, when {@link #acceptsJson()}
     * is true. Throwing counts the event as failed.
     */
    void accept(FlowEvent event, byte[] json) throws Exception;
}
