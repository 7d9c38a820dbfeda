package io.flowtrace.core.internal;

import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * How a consumer thread waits for what a producer thread hands it through a queue: it spins a little, then parks
 * until the producer's {@link #signal()} wakes it (or, as a safety net, for at most {@value #MAX_PARK_NANOS} ns). An
 * idle consumer so costs nothing between hand-offs (each wake-up of a parked thread costs some tens of microseconds
 * of CPU, which timed parks of a few milliseconds would add up to several percent of a core over a day of no
 * traffic), while one under load is woken by the next hand-off itself, not by the end of a park.
 *
 * <p>The consumer calls {@link #idle(long)} each time it finds its queue empty and looks again when it returns, and
 * {@link #busy()} when it found something. Before its first park it announces that it may park and returns once
 * without parking, so that it looks at its queue again after announcing: a producer either sees the announcement and
 * wakes it, or handed over early enough for that last look to find it (the fence in {@link #signal()} orders the
 * producer's hand-off before its read of the announcement; an unpark that comes before the park makes it return at
 * once).
 *
 * <p>Thread safety: {@link #idle(long)} and {@link #busy()} on the consumer thread only; {@link #signal()} from any
 * thread.
 */
final class IdleWait {
    /** Empty looks spent spinning before parking: a hand-off that is on its way costs no park. */
    static final int SPINS = 64;
    /** The longest park: a wake-up that no signal explains, once a second, costs nothing worth counting. */
    static final long MAX_PARK_NANOS = 1_000_000_000L;

    private final Thread consumer;
    private final long maxParkNanos;
    /** Whether the consumer may be parked: the producer then unparks it. */
    private volatile boolean waiting;
    private int looks; // consumer thread only

    /** {@code consumer}: the thread that waits (it need not be started yet). */
    IdleWait(Thread consumer) {
        this(consumer, MAX_PARK_NANOS);
    }

    /** With a longest park of its own (a test's, to let a lost signal show as a hang). */
    IdleWait(Thread consumer, long maxParkNanos) {
        this.consumer = consumer;
        this.maxParkNanos = maxParkNanos;
    }

    /**
     * Consumer: the queue was empty; spins, announces a park or parks, then returns so the caller looks again. A
     * return says nothing about the queue (a park may end early, for a signal or spuriously).
     *
     * @param maxNanos the longest this call may park (a deadline of the caller's own); at most
     *                 {@link #MAX_PARK_NANOS} (or the constructor's) is used
     */
    void idle(long maxNanos) {
        int n = looks;
        if (n < SPINS) {
            looks = n + 1;
            Thread.onSpinWait();
            return;
        }
        if (n == SPINS) {
            looks = n + 1;
            waiting = true; // volatile: the caller's next look at its queue comes after it
            return;
        }
        LockSupport.parkNanos(this, Math.max(1, Math.min(maxParkNanos, maxNanos)));
    }

    /** Consumer: found something; the next wait starts over with spinning. */
    void busy() {
        if (looks != 0) {
            if (looks > SPINS) {
                waiting = false;
            }
            looks = 0;
        }
    }

    /** Producer: has just handed something over; wakes the consumer if it may be parked. Any thread. */
    void signal() {
        // the hand-off (a release store in the queue) must be visible before the announcement is read
        VarHandle.fullFence();
        if (waiting) {
            LockSupport.unpark(consumer);
        }
    }
}
