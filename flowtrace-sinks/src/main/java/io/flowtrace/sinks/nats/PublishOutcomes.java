package io.flowtrace.sinks.nats;

import io.flowtrace.core.Durations;
import io.flowtrace.sinks.internal.Backoff;
import io.flowtrace.sinks.internal.RateLimitedLog;
import io.flowtrace.sinks.internal.Redact;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What became of one NATS sink's messages: {@code published}, {@code retried} and {@code failed}, and the last
 * problem, logged at a limited rate. Written from the sink's delivery thread and jnats' threads, read from any.
 */
final class PublishOutcomes {
    /** Per sink: one failing server does not silence another sink's problems. */
    private final RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(NatsSink.class));
    private final String sink;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile String lastError;

    PublishOutcomes(String sink) {
        this.sink = sink;
    }

    void published() {
        published.incrementAndGet();
    }

    void retried() {
        retried.incrementAndGet();
    }

    /** One message given up on, for {@code why}. */
    void failed(String subject, String why) {
        failed.incrementAndGet();
        problem(Redact.controls(subject) + ": " + why);
    }

    /** One message given up on once {@code backoff}'s budget ran out after {@code attempts}. */
    void outOfBudget(String subject, String problem, Backoff backoff, int attempts) {
        failed(subject, problem + " (retry budget of " + Durations.format(backoff.budget()) + " used up after "
                + attempts + " attempt(s))");
    }

    /** Remembers and logs a problem (the message is already free of secrets and control characters). */
    void problem(String message) {
        lastError = message;
        warn(message);
    }

    /** Remembers a problem without logging it: it is reported where it leads to a loss. */
    void note(String message) {
        lastError = message;
    }

    /** Logs without remembering: a passing connection problem. */
    void warn(String message) {
        log.warn("sink '" + sink + "': " + message);
    }

    long publishedCount() {
        return published.get();
    }

    long retriedCount() {
        return retried.get();
    }

    long failedCount() {
        return failed.get();
    }

    /** The last delivery problem, or {@code null}. */
    String lastError() {
        return lastError;
    }
}
