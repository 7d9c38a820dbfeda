package io.flowtrace.core.internal;

import io.flowtrace.core.spi.Sink;

/**
 * A built-in sink that can tell whether it holds events a later {@link Sink#flush()} may send (a batch waiting for its
 * interval): an arrangement between core and flowtrace's own sinks, kept out of the {@link Sink} SPI. While the queue
 * stays empty the delivery thread flushes every {@value SinkRunner#IDLE_FLUSH_MILLIS} ms only as long as this says
 * true, and then parks until the next event, instead of waking ten times a second for nothing.
 */
public interface BufferingSink extends Sink {

    /**
     * Whether events are held that a later flush may send. Called on the sink's delivery thread, after a flush.
     *
     * @return true while a flush may still have something to send
     */
    boolean holdsEvents();
}
