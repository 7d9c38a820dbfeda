package io.flowtrace.sinks.internal;

import org.slf4j.Logger;

import java.util.concurrent.TimeUnit;

/**
 * Logs a sink's delivery problems at most once per interval, saying how many were not logged in between, so a
 * dead endpoint does not flood the log. Thread-safe (client libraries report from their own threads).
 */
public final class RateLimitedLog {
    private static final long EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Logger log;
    private long last = Long.MIN_VALUE;
    private long suppressed;

    public RateLimitedLog(Logger log) {
        this.log = log;
    }

    public synchronized void warn(String message) {
        long now = System.nanoTime();
        if (last != Long.MIN_VALUE && now - last < EVERY_NANOS) {
            suppressed++;
            return;
        }
        if (suppressed > 0) {
            log.warn("{} ({} similar message(s) not logged)", message, suppressed);
        } else {
            log.warn(message);
        }
        last = now;
        suppressed = 0;
    }
}
