package io.flowtrace.sinks.nats;

import io.nats.client.Connection;
import io.nats.client.impl.Headers;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Core NATS, at most once: the client keeps publishes made while it reconnects in its reconnect buffer and sends
 * them once reconnected, and a flush makes a round trip to the server, after which what was published before it is
 * known to have arrived ({@code confirmed}). Publishes that were neither confirmed nor made after the connection
 * dropped may have been lost with the connection; they are counted in {@code at-risk}.
 */
final class CorePublisher implements NatsPublisher {
    private final Duration ackTimeout;
    private final PublishOutcomes outcomes;
    private final RetryBudget retries;
    /** {@code published} as it was at the last round trip that confirmed it (or the last drop). */
    private final AtomicLong confirmedMark = new AtomicLong();
    private final AtomicLong atRisk = new AtomicLong();
    /**
     * {@code published} before the first publish that found the client reconnecting since it last connected, or -1:
     * publishes from there on wait in the reconnect buffer and were not lost with the connection. Only RECONNECTING
     * says so: jnats reports DISCONNECTED before it has stopped its writer, which may still send a publish to the
     * dead socket.
     */
    private final AtomicLong downFrom = new AtomicLong(-1);

    /** @param ackTimeout how long a flush waits for the server's answer */
    CorePublisher(Duration ackTimeout, PublishOutcomes outcomes, RetryBudget retries) {
        this.ackTimeout = ackTimeout;
        this.outcomes = outcomes;
        this.retries = retries;
    }

    @Override
    public void send(Connection c, String subject, Headers headers, byte[] body, long firstNanos) {
        if (c.getStatus() == Connection.Status.RECONNECTING) {
            downFrom.compareAndSet(-1, outcomes.publishedCount());
        }
        c.publish(subject, headers, body);
        outcomes.published();
    }

    /** A round trip to the server, confirming what was published before it. */
    @Override
    public void flush(Connection c) throws InterruptedException {
        confirm(c);
    }

    /** Round trips until one confirms every publish, within the retry budget; what stays unconfirmed is at risk. */
    @Override
    public void finish(Connection c) throws InterruptedException {
        long start = retries.now();
        for (int attempt = 1; !confirm(c); attempt++) {
            long delay = retries.delayWithin(start, attempt);
            if (delay < 0) {
                long published = outcomes.publishedCount();
                long unconfirmed = published - confirmedMark.get();
                atRisk.addAndGet(unconfirmed);
                confirmedMark.set(published);
                outcomes.problem("closing with " + unconfirmed + " publish(es) not confirmed by the server ("
                        + c.getStatus() + ")");
                return;
            }
            retries.pause(delay);
        }
    }

    /**
     * {@return what was published since the last confirmation and before the client was seen reconnecting may have
     * gone with the connection} jnats reports the drop after the fact, when publishes into the reconnect buffer may
     * already have been made.
     */
    @Override
    public long connectionLost() {
        long upTo = downFrom.get();
        if (upTo < 0) {
            upTo = outcomes.publishedCount();
        }
        long unconfirmed = upTo - confirmedMark.get();
        if (unconfirmed > 0) {
            atRisk.addAndGet(unconfirmed);
        }
        confirmedMark.accumulateAndGet(upTo, Math::max);
        return Math.max(0, unconfirmed);
    }

    @Override
    public void connected() {
        downFrom.set(-1);
    }

    /** {@code confirmed} (a flush round trip followed them) and {@code at-risk}. */
    @Override
    public void counters(Map<String, Long> m) {
        long published = outcomes.publishedCount();
        m.put("confirmed", Math.min(confirmedMark.get(), published) - atRisk.get());
        m.put("at-risk", atRisk.get());
    }

    /**
     * A round trip to the server when connected; returns whether it confirmed every publish made before it. While
     * the client reconnects, jnats answers a flush at once without asking the server, so that case is checked here.
     */
    private boolean confirm(Connection c) throws InterruptedException {
        long mark = outcomes.publishedCount();
        if (mark == confirmedMark.get()) {
            return true; // nothing new since the last round trip
        }
        if (c.getStatus() != Connection.Status.CONNECTED) {
            return false; // publishes wait in the reconnect buffer; a later flush confirms them
        }
        try {
            c.flush(ackTimeout);
        } catch (TimeoutException e) {
            outcomes.note("flush: no answer from the server within " + ackTimeout.toMillis() + " ms");
            return false;
        }
        if (c.getStatus() != Connection.Status.CONNECTED) {
            return false;
        }
        confirmedMark.accumulateAndGet(mark, Math::max);
        return true;
    }
}
