package io.flowtrace.core.internal;

import io.flowtrace.core.Direction;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.QueueFullPolicy;
import io.flowtrace.core.spi.Sink;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SinkRunnerTest {

    private static FlowEvent record(int i) {
        FlowKey k = FlowKey.ipv4(0x0a000001 + i, 0xc0a80001, 40000, 443, 6);
        return new FlowEvent(FlowEvent.flowIdOf(k, i), k, i, i + 1, 1, 1, 60, 60, 40, 40, 0x12, 0x12,
                EndReason.END_OF_CAPTURE, null, null, Direction.UNKNOWN);
    }

    /** Holds the first record at the door until opened, so that the rest pile up in the queue. */
    private static final class Held implements JsonEncodedSink {
        final CountDownLatch arrived = new CountDownLatch(1);
        final CountDownLatch open = new CountDownLatch(1);

        @Override public String name() { return "held"; }
        @Override public boolean acceptsJson() { return true; }
        @Override public void accept(FlowEvent record) throws InterruptedException {
            arrived.countDown();
            open.await();
        }
        @Override public void accept(FlowEvent record, byte[] json) throws InterruptedException {
            accept(record);
        }
        @Override public void close() { }
    }

    @Test
    void aBlockingQueueIsBehindFromAQuarterFull() throws Exception {
        Held sink = new Held();
        SinkRunner r = new SinkRunner(sink, 64, QueueFullPolicy.BLOCK);
        r.start();
        try {
            r.offer(record(0));
            assertTrue(sink.arrived.await(10, TimeUnit.SECONDS));
            for (int i = 1; i < 16; i++) {
                r.offer(record(i));
            }
            assertFalse(r.behind(), "15 of 64 queued");
            r.offer(record(16));
            assertTrue(r.behind(), "16 of 64 queued");
            for (int i = 17; i <= 64; i++) {
                r.offer(record(i));
            }
            assertTrue(r.behind(), "full: whoever offers next waits, so it may as well encode");
        } finally {
            sink.open.countDown();
            assertEquals(0, r.close(Duration.ofSeconds(10)));
        }
        assertFalse(r.behind());
    }

    @Test
    void aDroppingQueueNearlyFullIsNotBehind() throws Exception {
        Held sink = new Held();
        SinkRunner r = new SinkRunner(sink, 64, QueueFullPolicy.DROP);
        r.start();
        try {
            r.offer(record(0));
            assertTrue(sink.arrived.await(10, TimeUnit.SECONDS));
            for (int i = 1; i <= 20; i++) {
                r.offer(record(i));
            }
            assertTrue(r.behind(), "20 of 64 queued");
            for (int i = 21; i <= 80; i++) {
                r.offer(record(i));
            }
            assertTrue(r.dropped() > 0);
            assertFalse(r.behind(), "records are being dropped: encoding them would be thrown away");
        } finally {
            sink.open.countDown();
            r.close(Duration.ofSeconds(10));
        }
    }
}
