package io.flowtrace.sinks.nats;

import io.nats.client.Connection;
import io.nats.client.impl.Headers;

import java.io.IOException;
import java.util.Map;

/**
 * How a NATS sink's messages reach the server and when they count as delivered: {@link CorePublisher} (at most
 * once, confirmed by a flush round trip) or {@link JetStreamPublisher} (acknowledged by the stream, published again
 * until it is). Called from the sink's delivery thread, except {@link #connectionLost()} and {@link #connected()}.
 */
sealed interface NatsPublisher permits CorePublisher, JetStreamPublisher {

    /**
     * Hands one message to the connected client, counting it {@code published}; throws when the client cannot take
     * it now (not connected, the reconnect buffer full), for the sink to retry within its budget.
     *
     * @param firstNanos when the sink first tried to publish this message, which its retry budget counts from
     */
    void send(Connection c, String subject, Headers headers, byte[] body, long firstNanos)
            throws IOException, InterruptedException;

    /** What the sink's {@code flush()} does with what was sent since the last one. */
    void flush(Connection c) throws InterruptedException;

    /** Delivers what is still due, within the retry budget, before the connection is closed. */
    void finish(Connection c) throws InterruptedException;

    /**
     * Called on a jnats thread when the connection drops: returns how many publishes may have been lost with it.
     */
    long connectionLost();

    /** Called when a connection is made or made again (on a jnats thread after the first, after its drop's call). */
    default void connected() {
    }

    /** Adds this way of publishing's own counters, in order. */
    void counters(Map<String, Long> m);
}
