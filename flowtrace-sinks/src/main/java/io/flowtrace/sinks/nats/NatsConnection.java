package io.flowtrace.sinks.nats;

import io.flowtrace.sinks.internal.Redact;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One sink's jnats connection: made on first use with the sink's servers, authentication and TLS, made again when
 * the client gave up reconnecting; counts {@code disconnects} and {@code reconnects}. {@link #connect()} and
 * {@link #close()} are called from the sink's delivery thread; jnats reports connection events on its own threads.
 */
final class NatsConnection {
    /** The sink's log category, whichever part of it logs. */
    private static final Logger LOG = LoggerFactory.getLogger(NatsSink.class);

    private final String name;
    private final NatsSettings s;
    private final PublishOutcomes outcomes;
    /** Told on a jnats thread that the connection dropped, and that it is back. */
    private final NatsPublisher publisher;
    private volatile Connection conn;
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong disconnects = new AtomicLong();
    /** Whether the client is connected; a failed reconnect attempt reports DISCONNECTED again, which is no news. */
    private final AtomicBoolean up = new AtomicBoolean();

    NatsConnection(String name, NatsSettings settings, PublishOutcomes outcomes, NatsPublisher publisher) {
        this.name = name;
        this.s = settings;
        this.outcomes = outcomes;
        this.publisher = publisher;
    }

    /** The connection, made now if there is none yet or the client gave up reconnecting (max-reconnects). */
    Connection connect() throws IOException, InterruptedException {
        Connection c = conn;
        if (c != null && c.getStatus() != Connection.Status.CLOSED) {
            return c;
        }
        conn = null;
        c = Nats.connect(options());
        conn = c;
        up.set(true);
        publisher.connected();
        LOG.info("sink '{}': connected to {}", name, Redact.url(c.getConnectedUrl()));
        return c;
    }

    /** The connection, or {@code null} before the first one was made. */
    Connection current() {
        return conn;
    }

    void close() throws InterruptedException {
        Connection c = conn;
        if (c != null) {
            c.close();
            conn = null;
        }
    }

    long disconnects() {
        return disconnects.get();
    }

    long reconnects() {
        return reconnects.get();
    }

    private Options options() throws IOException {
        return s.client().options("flowtrace-" + name)
                .connectionListener(this::event)
                .errorListener(new ErrorListener() {
                    @Override
                    public void errorOccurred(Connection c, String error) {
                        outcomes.problem("server error: " + Redact.message(error)); // the server's words: escaped
                    }

                    @Override
                    public void exceptionOccurred(Connection c, Exception e) {
                        outcomes.warn("connection problem: " + Redact.message(e.toString()));
                    }
                })
                .build();
    }

    private void event(Connection c, ConnectionListener.Events e) {
        switch (e) {
            case DISCONNECTED: {
                if (!up.compareAndSet(true, false)) {
                    break; // a reconnect attempt failed: publishes since the drop are in the reconnect buffer
                }
                disconnects.incrementAndGet();
                LOG.warn("sink '{}': disconnected from NATS ({} publish(es) not confirmed); reconnecting", name,
                        publisher.connectionLost());
                break;
            }
            case RECONNECTED:
                up.set(true);
                publisher.connected();
                reconnects.incrementAndGet();
                LOG.info("sink '{}': reconnected to {}", name, Redact.url(c.getConnectedUrl()));
                break;
            default:
                break;
        }
    }
}
