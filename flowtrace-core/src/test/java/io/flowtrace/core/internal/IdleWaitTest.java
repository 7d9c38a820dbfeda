package io.flowtrace.core.internal;

import org.jctools.queues.atomic.SpscAtomicArrayQueue;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

class IdleWaitTest {

    /**
     * Hand-offs one at a time, each waited for by the other side, with parks that never end by themselves: a signal
     * lost between the consumer's announcement and the producer's hand-off would leave the consumer parked for good
     * and the test would hang until its limit.
     */
    @Test
    void aParkedConsumerIsWokenByEveryHandOffWithoutATimeout() throws Exception {
        int items = 20_000;
        SpscAtomicArrayQueue<Long> queue = new SpscAtomicArrayQueue<>(4);
        AtomicLong consumed = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<IdleWait> waits = new AtomicReference<>();
        Thread consumer = new Thread(() -> {
            try {
                long expected = 0;
                while (expected < items) {
                    Long v = queue.relaxedPoll();
                    if (v == null) {
                        waits.get().idle(Long.MAX_VALUE);
                        continue;
                    }
                    waits.get().busy();
                    assertEquals(expected, v.longValue());
                    expected++;
                    consumed.set(expected);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "idle-wait-consumer");
        IdleWait wait = new IdleWait(consumer, Long.MAX_VALUE);
        waits.set(wait);
        consumer.setDaemon(true);
        consumer.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (long i = 0; i < items; i++) {
            // every hand-off finds the consumer spinning, announcing or parked: it waits for the previous one
            while (consumed.get() < i && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                if ((i & 7) == 0) {
                    Thread.yield();
                }
            }
            if ((i & 63) == 0) {
                // now and then let the consumer get well into its park first
                long until = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(200);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            }
            queue.offer(i);
            wait.signal();
        }
        consumer.join(TimeUnit.SECONDS.toMillis(120));
        assertFalse(consumer.isAlive(), "consumer still waiting after " + consumed.get() + " of " + items
                + ": a signal was lost");
        assertNull(failure.get());
        assertEquals(items, consumed.get());
    }
}
