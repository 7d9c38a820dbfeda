package io.flowtrace.sinks.internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Retry timing shared by the network sinks: exponential backoff from {@code initial} doubling up to {@code max},
 * each wait drawn uniformly from the upper half of the current step ("equal jitter", so that many sensors that
 * failed together do not retry together), all within a total {@code budget} counted from the first attempt.
 * Immutable and thread-safe.
 *
 * @param initial first wait
 * @param max     longest wait
 * @param budget  total time from the first attempt after which no retry starts; zero disables retries
 */
public record Backoff(Duration initial, Duration max, Duration budget) {

    public Backoff {
        if (initial.isNegative() || max.compareTo(initial) < 0 || budget.isNegative()) {
            throw new IllegalArgumentException("backoff " + initial + ".." + max + " within " + budget
                    + " (expected: 0 <= initial <= max, budget >= 0)");
        }
    }

    /** The wait before retry number {@code retry} (1 for the first retry), jittered. */
    public long delayNanos(int retry) {
        long step = initial.toNanos();
        long cap = max.toNanos();
        for (int i = 1; i < retry && step < cap; i++) {
            step = Math.min(cap, step * 2);
        }
        long half = step / 2;
        return half + (step - half == 0 ? 0 : ThreadLocalRandom.current().nextLong(step - half + 1));
    }

    /** Whether a retry that waits {@code delayNanos} still starts within the budget. */
    public boolean allows(long elapsedNanos, long delayNanos) {
        return elapsedNanos + delayNanos <= budget.toNanos();
    }
}
