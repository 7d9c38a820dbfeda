package io.flowtrace.sinks.nats;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.internal.JsonEncodedSink;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sinks.internal.ByteBuf;
import io.flowtrace.sinks.internal.EventFormat;
import io.flowtrace.sinks.internal.JsonLines;
import io.flowtrace.sinks.internal.Pause;
import io.flowtrace.sinks.internal.Redact;
import io.nats.client.Connection;
import io.nats.client.impl.Headers;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Publishes each record as one JSON message with jnats, to a subject made from the record, with the header
 * {@code Nats-Msg-Id} set to its {@code flow_id}, through a {@link CorePublisher} or a {@link JetStreamPublisher}
 * as the settings' mode says. A message the client cannot take (not connected yet, the reconnect buffer full) is
 * tried again within the retry budget.
 *
 * <p>The connection is made on first use, retried within the retry budget, so a server that is down when the
 * pipeline starts is not an error; after that the client reconnects by itself. Called from one delivery thread;
 * counters may be read from any thread.
 */
final class NatsSink implements JsonEncodedSink {
    static final String MSG_ID = "Nats-Msg-Id";

    private final String name;
    private final NatsSettings s;
    private final RetryBudget retries;
    private final JsonLines json;
    private final EventFormat eventFormat;
    private final PublishOutcomes outcomes;
    private final NatsPublisher publisher;
    private final NatsConnection connection;

    NatsSink(String name, NatsSettings settings, Pause pause, LongSupplier nanoTime) {
        this.name = name;
        this.s = settings;
        this.eventFormat = settings.eventFormat();
        this.json = new JsonLines(new ByteBuf(1024), eventFormat.sensor());
        this.retries = new RetryBudget(settings.backoff(), pause, nanoTime);
        this.outcomes = new PublishOutcomes(name);
        this.publisher = settings.jetStream()
                ? new JetStreamPublisher(settings.ackTimeout(), settings.maxPending(), outcomes, retries)
                : new CorePublisher(settings.ackTimeout(), outcomes, retries);
        this.connection = new NatsConnection(name, settings, outcomes, publisher);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void accept(FlowEvent record) throws InterruptedException {
        if (!eventFormat.admits(record)) {
            return;
        }
        ByteBuf b = json.buffer();
        b.reset();
        json.append(record);
        accept(record, b.toByteArray());
    }

    @Override
    public boolean acceptsJson() {
        return !eventFormat.sensor();
    }

    /** The pipeline's encoding is the message body as it is (never changed, so no copy). */
    @Override
    public void accept(FlowEvent record, byte[] encoded) throws InterruptedException {
        publish(s.subject().render(record), record.flowId(), encoded);
    }

    @Override
    public void accept(Snapshot snapshot) throws InterruptedException {
        ByteBuf b = json.buffer();
        b.reset();
        json.append(snapshot);
        publish(s.snapshotSubject().render(snapshot), "snapshot-" + snapshot.task() + "-" + snapshot.startNanos()
                + "-" + snapshot.endNanos(), b.toByteArray());
    }

    /**
     * Core NATS: a round trip to the server, confirming what was published before it. JetStream: waits for every
     * acknowledgement still due, re-publishing what timed out.
     */
    @Override
    public void flush() throws InterruptedException {
        Connection c = connection.current();
        if (c != null) {
            publisher.flush(c);
        }
    }

    /** Delivers what is still due (within the retry budget), then closes the connection. */
    @Override
    public void close() throws InterruptedException {
        Connection c = connection.current();
        if (c == null) {
            return;
        }
        try {
            publisher.finish(c);
        } finally {
            connection.close();
        }
    }

    /**
     * {@code published} messages; core NATS: {@code confirmed} (a flush round trip followed them) and
     * {@code at-risk} (unconfirmed when the connection dropped or the sink closed); JetStream: {@code acked},
     * {@code duplicates} (acknowledged as already stored) and {@code retried}; both: {@code failed} (given up),
     * {@code disconnects}, {@code reconnects}.
     */
    @Override
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("published", outcomes.publishedCount());
        publisher.counters(m);
        m.put("retried", outcomes.retriedCount());
        m.put("failed", outcomes.failedCount());
        m.put("disconnects", connection.disconnects());
        m.put("reconnects", connection.reconnects());
        return eventFormat.addTo(m);
    }

    /** The last delivery problem, or {@code null}. */
    String lastError() {
        return outcomes.lastError();
    }

    /** The connection's state, for tests: {@code null} before the first connection. */
    Connection.Status status() {
        Connection c = connection.current();
        return c == null ? null : c.getStatus();
    }

    private void publish(String subject, String msgId, byte[] body) throws InterruptedException {
        Headers headers = new Headers().put(MSG_ID, msgId);
        long start = retries.now();
        for (int attempt = 1; ; attempt++) {
            String problem;
            try {
                publisher.send(connection.connect(), subject, headers, body, start);
                return;
            } catch (IOException | IllegalStateException e) {
                // not connected yet, or the reconnect buffer is full
                problem = Redact.message(e.getMessage() == null ? e.toString() : e.getMessage());
            }
            long delay = retries.delayWithin(start, attempt);
            if (delay < 0) {
                outcomes.outOfBudget(subject, problem, retries.backoff(), attempt);
                return;
            }
            outcomes.retried();
            retries.pause(delay);
        }
    }
}
