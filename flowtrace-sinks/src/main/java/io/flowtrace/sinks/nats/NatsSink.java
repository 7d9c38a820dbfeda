package io.flowtrace.sinks.nats;

import io.flowtrace.core.Durations;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.internal.JsonEncodedSink;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sinks.internal.ByteBuf;
import io.flowtrace.sinks.internal.JsonLines;
import io.flowtrace.sinks.internal.Pause;
import io.flowtrace.sinks.internal.RateLimitedLog;
import io.flowtrace.sinks.internal.Redact;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Publishes each record as one JSON message with jnats, to a subject made from the record, with the header
 * {@code Nats-Msg-Id} set to its {@code flow_id}.
 *
 * <p><b>Core NATS</b> is at most once: the client keeps publishes made while it reconnects in its reconnect buffer
 * and sends them once reconnected, and {@link #flush()} makes a round trip to the server, after which what was
 * published before it is known to have arrived ({@code confirmed}). Publishes that were neither confirmed nor made
 * after the connection dropped may have been lost with the connection; they are counted in {@code at-risk}.
 *
 * <p><b>JetStream</b> waits for the stream's acknowledgement of every message, keeping up to {@code max-pending}
 * in flight; a message whose acknowledgement does not come (timeout, server restart, no stream yet) is published
 * again with the same {@code Nats-Msg-Id}, together with every later message not yet acknowledged, so the stream
 * stores each once ({@code duplicates} counts the acknowledgements that said so). Order is kept except around such
 * a retry.
 *
 * <p>The connection is made on first use, retried within the retry budget, so a server that is down when the
 * pipeline starts is not an error; after that the client reconnects by itself. Called from one delivery thread;
 * counters may be read from any thread.
 */
final class NatsSink implements JsonEncodedSink {
    private static final Logger LOG = LoggerFactory.getLogger(NatsSink.class);
    static final String MSG_ID = "Nats-Msg-Id";

    /** Per sink: one failing server does not silence another sink's problems. */
    private final RateLimitedLog problems = new RateLimitedLog(LOG);
    private final String name;
    private final NatsSettings s;
    private final Pause pause;
    private final LongSupplier nanoTime;
    private final JsonLines json = new JsonLines();

    private Connection conn;
    private JetStream js;
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    private volatile String lastError;

    private final AtomicLong published = new AtomicLong();
    private final AtomicLong confirmedMark = new AtomicLong();
    private final AtomicLong atRisk = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong disconnects = new AtomicLong();
    /** Whether the client is connected; a failed reconnect attempt reports DISCONNECTED again, which is no news. */
    private final java.util.concurrent.atomic.AtomicBoolean up = new java.util.concurrent.atomic.AtomicBoolean();

    /** A JetStream publish waiting for its acknowledgement. */
    private static final class InFlight {
        final String subject;
        final Headers headers;
        final byte[] body;
        final long firstNanos;
        CompletableFuture<PublishAck> ack;
        int attempts = 1;

        InFlight(String subject, Headers headers, byte[] body, long firstNanos) {
            this.subject = subject;
            this.headers = headers;
            this.body = body;
            this.firstNanos = firstNanos;
        }
    }

    NatsSink(String name, NatsSettings settings, Pause pause, LongSupplier nanoTime) {
        this.name = name;
        this.s = settings;
        this.pause = pause;
        this.nanoTime = nanoTime;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void accept(FlowEvent record) throws InterruptedException {
        ByteBuf b = json.buffer();
        b.reset();
        json.append(record);
        accept(record, b.toByteArray());
    }

    @Override
    public boolean acceptsJson() {
        return true;
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
        if (conn == null) {
            return;
        }
        if (s.jetStream()) {
            while (!inFlight.isEmpty()) {
                settleOldest();
            }
            return;
        }
        confirm();
    }

    /**
     * A round trip to the server when connected; returns whether it confirmed every publish made before it. While
     * the client reconnects, jnats answers a flush at once without asking the server, so that case is checked here.
     */
    private boolean confirm() throws InterruptedException {
        long mark = published.get();
        if (mark == confirmedMark.get()) {
            return true; // nothing new since the last round trip
        }
        if (conn.getStatus() != Connection.Status.CONNECTED) {
            return false; // publishes wait in the reconnect buffer; a later flush confirms them
        }
        try {
            conn.flush(s.ackTimeout());
        } catch (TimeoutException e) {
            lastError = "flush: no answer from the server within " + s.ackTimeout().toMillis() + " ms";
            return false;
        }
        if (conn.getStatus() != Connection.Status.CONNECTED) {
            return false;
        }
        confirmedMark.accumulateAndGet(mark, Math::max);
        return true;
    }

    /** Delivers what is still due (within the retry budget), then closes the connection. */
    @Override
    public void close() throws InterruptedException {
        if (conn == null) {
            return;
        }
        try {
            if (s.jetStream()) {
                flush();
            } else {
                long start = nanoTime.getAsLong();
                for (int attempt = 1; !confirm(); attempt++) {
                    long delay = s.backoff().delayNanos(attempt);
                    if (!s.backoff().allows(nanoTime.getAsLong() - start, delay)) {
                        long unconfirmed = published.get() - confirmedMark.get();
                        atRisk.addAndGet(unconfirmed);
                        confirmedMark.set(published.get());
                        problem("closing with " + unconfirmed + " publish(es) not confirmed by the server ("
                                + conn.getStatus() + ")");
                        break;
                    }
                    pause.pause(delay);
                }
            }
        } finally {
            conn.close();
            conn = null;
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
        m.put("published", published.get());
        if (s.jetStream()) {
            m.put("acked", acked.get());
            m.put("duplicates", duplicates.get());
        } else {
            m.put("confirmed", Math.min(confirmedMark.get(), published.get()) - atRisk.get());
            m.put("at-risk", atRisk.get());
        }
        m.put("retried", retried.get());
        m.put("failed", failed.get());
        m.put("disconnects", disconnects.get());
        m.put("reconnects", reconnects.get());
        return m;
    }

    /** The last delivery problem, or {@code null}. */
    String lastError() {
        return lastError;
    }

    /** The connection's state, for tests: {@code null} before the first connection. */
    Connection.Status status() {
        Connection c = conn;
        return c == null ? null : c.getStatus();
    }

    private void publish(String subject, String msgId, byte[] body) throws InterruptedException {
        Headers headers = new Headers().put(MSG_ID, msgId);
        long start = nanoTime.getAsLong();
        for (int attempt = 1; ; attempt++) {
            String problem;
            try {
                connect();
                if (s.jetStream()) {
                    InFlight f = new InFlight(subject, headers, body, start);
                    f.ack = js.publishAsync(subject, headers, body);
                    published.incrementAndGet();
                    inFlight.addLast(f);
                    while (inFlight.size() >= s.maxPending()) {
                        settleOldest();
                    }
                } else {
                    conn.publish(subject, headers, body);
                    published.incrementAndGet();
                }
                return;
            } catch (IOException | IllegalStateException e) {
                // not connected yet, or the reconnect buffer is full
                problem = Redact.message(e.getMessage() == null ? e.toString() : e.getMessage());
            }
            long delay = s.backoff().delayNanos(attempt);
            if (!s.backoff().allows(nanoTime.getAsLong() - start, delay)) {
                failed.incrementAndGet();
                problem(Redact.controls(subject) + ": " + problem + " (retry budget of "
                        + Durations.format(s.backoff().budget()) + " used up after " + attempt + " attempt(s))");
                return;
            }
            retried.incrementAndGet();
            pause.pause(delay);
        }
    }

    /** Waits for the oldest acknowledgement; publishes again (same id) on timeout until the budget is used up. */
    private void settleOldest() throws InterruptedException {
        InFlight f = inFlight.peekFirst();
        String problem;
        try {
            PublishAck ack = f.ack.get(s.ackTimeout().toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
            inFlight.removeFirst();
            acked.incrementAndGet();
            if (ack.isDuplicate()) {
                duplicates.incrementAndGet();
            }
            return;
        } catch (TimeoutException e) {
            f.ack.cancel(false);
            problem = "no acknowledgement within " + s.ackTimeout().toMillis() + " ms";
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (cause instanceof JetStreamApiException) {
                inFlight.removeFirst();
                failed.incrementAndGet();
                problem(Redact.controls(f.subject) + ": " + Redact.message(cause.getMessage()) + " (not retried)");
                return;
            }
            problem = Redact.message(String.valueOf(cause.getMessage()));
            if (problem.contains("No Responders")) {
                problem += " (no stream captures this subject, or JetStream is not ready yet)";
            }
        }
        long delay = s.backoff().delayNanos(f.attempts);
        if (!s.backoff().allows(nanoTime.getAsLong() - f.firstNanos, delay)) {
            inFlight.removeFirst();
            failed.incrementAndGet();
            problem(Redact.controls(f.subject) + ": " + problem + " (retry budget of "
                    + Durations.format(s.backoff().budget()) + " used up after " + f.attempts + " attempt(s))");
            return;
        }
        pause.pause(delay);
        // what made this acknowledgement miss (a crash, a restart) most likely took the later ones too: publish
        // every message not yet acknowledged again now, rather than waiting out each one's timeout in turn
        for (InFlight g : inFlight) {
            if (g == f || !g.ack.isDone() || g.ack.isCompletedExceptionally()) {
                g.ack.cancel(false);
                retried.incrementAndGet();
                g.attempts++;
                try {
                    g.ack = js.publishAsync(g.subject, g.headers, g.body);
                } catch (IllegalStateException e) {
                    g.ack = CompletableFuture.failedFuture(e); // the reconnect buffer is full: try again later
                }
            }
        }
    }

    private void connect() throws IOException, InterruptedException {
        if (conn != null) {
            if (conn.getStatus() != Connection.Status.CLOSED) {
                return;
            }
            conn = null; // gave up reconnecting (max-reconnects): start again
        }
        conn = Nats.connect(options());
        up.set(true);
        if (s.jetStream()) {
            js = conn.jetStream(JetStreamOptions.builder().requestTimeout(s.ackTimeout()).build());
        }
        LOG.info("sink '{}': connected to {}", name, Redact.url(conn.getConnectedUrl()));
    }

    private Options options() throws IOException {
        Options.Builder b = new Options.Builder()
                .servers(s.servers().toArray(new String[0]))
                .connectionName("flowtrace-" + name)
                .connectionTimeout(s.connectTimeout())
                .reconnectWait(s.reconnectWait())
                .maxReconnects(s.maxReconnects())
                .reconnectBufferSize(s.reconnectBuffer())
                .connectionListener(this::event)
                .errorListener(new ErrorListener() {
                    @Override
                    public void errorOccurred(Connection c, String error) {
                        problem("server error: " + Redact.message(error)); // the server's words: escaped
                    }

                    @Override
                    public void exceptionOccurred(Connection c, Exception e) {
                        problems.warn("sink '" + name + "': connection problem: " + Redact.message(e.toString()));
                    }
                });
        if (s.token() != null) {
            b.token(s.token().toCharArray());
        }
        if (s.user() != null) {
            b.userInfo(s.user().toCharArray(), s.password() == null ? new char[0] : s.password().toCharArray());
        }
        if (s.credentials() != null) {
            b.authHandler(Nats.credentials(s.credentials().toString()));
        }
        if (s.truststore() != null) {
            b.truststorePath(s.truststore().toString());
            if (s.truststorePassword() != null) {
                b.truststorePassword(s.truststorePassword().toCharArray());
            }
        }
        try {
            if ("on".equals(s.tls()) && s.truststore() == null) {
                b.secure();
            } else if ("insecure".equals(s.tls())) {
                b.opentls();
            }
        } catch (NoSuchAlgorithmException e) {
            throw new IOException("TLS is not available in this JVM", e);
        }
        return b.build();
    }

    private void event(Connection c, ConnectionListener.Events e) {
        switch (e) {
            case DISCONNECTED: {
                if (!up.compareAndSet(true, false)) {
                    break; // a reconnect attempt failed: publishes since the drop are in the reconnect buffer
                }
                disconnects.incrementAndGet();
                long p = published.get();
                long unconfirmed = p - confirmedMark.get();
                if (!s.jetStream() && unconfirmed > 0) {
                    atRisk.addAndGet(unconfirmed);
                }
                confirmedMark.accumulateAndGet(p, Math::max);
                LOG.warn("sink '{}': disconnected from NATS ({} publish(es) not confirmed); reconnecting", name,
                        s.jetStream() ? 0 : Math.max(0, unconfirmed));
                break;
            }
            case RECONNECTED:
                up.set(true);
                reconnects.incrementAndGet();
                LOG.info("sink '{}': reconnected to {}", name, Redact.url(c.getConnectedUrl()));
                break;
            default:
                break;
        }
    }

    private void problem(String message) {
        lastError = message;
        problems.warn("sink '" + name + "': " + message);
    }
}
