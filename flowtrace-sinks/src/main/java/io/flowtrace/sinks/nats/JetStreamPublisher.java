package io.flowtrace.sinks.nats;

import io.flowtrace.sinks.internal.Redact;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * JetStream: waits for the stream's acknowledgement of every message, keeping up to {@code max-pending} in flight;
 * a message whose acknowledgement does not come (timeout, server restart, no stream yet) is published again with
 * the same {@code Nats-Msg-Id}, together with every later message not yet acknowledged, so the stream stores each
 * once ({@code duplicates} counts the acknowledgements that said so). Order is kept except around such a retry.
 */
final class JetStreamPublisher implements NatsPublisher {
    private final Duration ackTimeout;
    private final int maxPending;
    private final PublishOutcomes outcomes;
    private final RetryBudget retries;
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    /** The JetStream context of {@link #contextOf}, the connection it was made for. */
    private JetStream js;
    private Connection contextOf;
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();

    /** A publish waiting for its acknowledgement. */
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

    /**
     * @param ackTimeout how long to wait for an acknowledgement before publishing again
     * @param maxPending messages in flight at most
     */
    JetStreamPublisher(Duration ackTimeout, int maxPending, PublishOutcomes outcomes, RetryBudget retries) {
        this.ackTimeout = ackTimeout;
        this.maxPending = maxPending;
        this.outcomes = outcomes;
        this.retries = retries;
    }

    /** Publishes without waiting, then waits for the oldest acknowledgements while {@code max-pending} are due. */
    @Override
    public void send(Connection c, String subject, Headers headers, byte[] body, long firstNanos)
            throws IOException, InterruptedException {
        if (c != contextOf) {
            js = c.jetStream(JetStreamOptions.builder().requestTimeout(ackTimeout).build());
            contextOf = c;
        }
        InFlight f = new InFlight(subject, headers, body, firstNanos);
        f.ack = js.publishAsync(subject, headers, body);
        outcomes.published();
        inFlight.addLast(f);
        while (inFlight.size() >= maxPending) {
            settleOldest();
        }
    }

    /** Waits for every acknowledgement still due, re-publishing what timed out. */
    @Override
    public void flush(Connection c) throws InterruptedException {
        while (!inFlight.isEmpty()) {
            settleOldest();
        }
    }

    @Override
    public void finish(Connection c) throws InterruptedException {
        flush(c);
    }

    /** {@return nothing is at risk: what was not acknowledged is published again} */
    @Override
    public long connectionLost() {
        return 0;
    }

    /** {@code acked} and {@code duplicates} (acknowledged as already stored). */
    @Override
    public void counters(Map<String, Long> m) {
        m.put("acked", acked.get());
        m.put("duplicates", duplicates.get());
    }

    /** Waits for the oldest acknowledgement; publishes again (same id) on timeout until the budget is used up. */
    private void settleOldest() throws InterruptedException {
        InFlight f = inFlight.peekFirst();
        String problem;
        try {
            PublishAck ack = f.ack.get(ackTimeout.toNanos(), TimeUnit.NANOSECONDS);
            inFlight.removeFirst();
            acked.incrementAndGet();
            if (ack.isDuplicate()) {
                duplicates.incrementAndGet();
            }
            return;
        } catch (TimeoutException e) {
            f.ack.cancel(false);
            problem = "no acknowledgement within " + ackTimeout.toMillis() + " ms";
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (cause instanceof JetStreamApiException) {
                inFlight.removeFirst();
                outcomes.failed(f.subject, Redact.message(cause.getMessage()) + " (not retried)");
                return;
            }
            problem = Redact.message(String.valueOf(cause.getMessage()));
            if (problem.contains("No Responders")) {
                problem += " (no stream captures this subject, or JetStream is not ready yet)";
            }
        }
        long delay = retries.delayWithin(f.firstNanos, f.attempts);
        if (delay < 0) {
            inFlight.removeFirst();
            outcomes.outOfBudget(f.subject, problem, retries.backoff(), f.attempts);
            return;
        }
        retries.pause(delay);
        // what made this acknowledgement miss (a crash, a restart) most likely took the later ones too: publish
        // every message not yet acknowledged again now, rather than waiting out each one's timeout in turn
        for (InFlight g : inFlight) {
            if (g == f || !g.ack.isDone() || g.ack.isCompletedExceptionally()) {
                g.ack.cancel(false);
                outcomes.retried();
                g.attempts++;
                try {
                    g.ack = js.publishAsync(g.subject, g.headers, g.body);
                } catch (IllegalStateException e) {
                    g.ack = CompletableFuture.failedFuture(e); // the reconnect buffer is full: try again later
                }
            }
        }
    }
}
