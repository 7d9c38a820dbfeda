package io.flowtrace.testkit;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.QueueFullPolicy;
import io.flowtrace.core.internal.SinkRunner;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.core.spi.Snapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.flowtrace.testkit.TestEvents.assertSameIds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The contract every sink keeps, run through the pipeline's own delivery runner (one queue and one delivery thread
 * per sink, as in a running pipeline): every event delivered once and in order (or, for a sink that delivers at
 * least once, repeated only after a retry it counted), {@link Sink#close()} delivers what the sink still holds,
 * snapshots do not disturb events, {@link Sink#flush()} with nothing new changes nothing, counters stay readable
 * from another thread while the sink delivers, an event that makes the sink throw is counted and the others still
 * arrive, the full-queue policy is kept ({@code block} loses nothing, {@code drop} counts exactly what it dropped),
 * a stuck sink does not hold up this one, and shutdown keeps its time limit and reports what it could not deliver.
 *
 * <p>To run it against a sink, extend this class and say how to make the sink and how to read back what reached
 * its destination (a file, a server, a stream); set the destination up in {@code @BeforeEach} and tear it down in
 * {@code @AfterEach}:
 *
 * <pre>{@code
 * class MySinkContractTest extends SinkContractKit {
 *     @TempDir Path dir;
 *
 *     protected Sink createSink() { return new MySink(dir.resolve("out.ndjson")); }
 *
 *     protected List<String> deliveredIds() throws IOException {  // the flow_id of each event, in arrival order
 *         return MyFormat.readFlowIds(dir.resolve("out.ndjson"));
 *     }
 * }
 * }</pre>
 *
 * The sink is called as the pipeline calls it: {@code accept}, {@code flush} and {@code close} on its delivery
 * thread, one call at a time; {@code counters()} from the test's thread meanwhile.
 *
 * @since 0.1
 */
@SuppressWarnings("try")
 // the wrapping sinks' close() throws Exception (and so InterruptedException), as Sink's does
public abstract class SinkContractKit {
    /** For subclasses: one per plugin under test. */
    protected SinkContractKit() {
    }

    private final List<SinkRunner> runners = new ArrayList<>();

    /**
     * {@return a new sink that delivers to this test's destination}
     *
     * @throws Exception when it cannot be made
     */
    protected abstract Sink createSink() throws Exception;

    /**
     * The flow ids of the events that reached the destination, in the order they arrived, read after the sink was
     * closed. Snapshots are left out.
     *
     * @return the flow ids
     * @throws Exception when the destination cannot be read
     */
    protected abstract List<String> deliveredIds() throws Exception;

    /**
     * Whether the sink delivers at least once: it may send a request again that the destination had taken (an
     * answer lost, a timeout), and counts each such retry under its {@code retried} counter. Then an event may
     * arrive twice, but only when the sink retried; every event must still arrive, in order of first arrival.
     *
     * @return whether the sink delivers at least once ({@code false} unless overridden)
     */
    protected boolean atLeastOnce() {
        return false;
    }

    /** {@return whether the sink keeps the order events were given in (the built-in sinks do)} */
    protected boolean keepsOrder() {
        return true;
    }

    /** {@return how many events the bulk test sends; lower it for sinks that are slow per event} */
    protected int bulkEvents() {
        return 5_000;
    }

    @AfterEach
    void closeRunners() {
        SinkRunner.closeAll(runners, Duration.ofSeconds(30));
    }

    private SinkRunner runner(Sink sink, int capacity, QueueFullPolicy policy) {
        SinkRunner r = new SinkRunner(sink, capacity, policy);
        runners.add(r);
        r.start();
        return r;
    }

    /** A runner for a new sink under test, each event held at {@code gate} before it reaches the sink. */
    private SinkRunner gatedRunner(Gate gate, int capacity, QueueFullPolicy policy) throws Exception {
        return runner(new GatedSink(createSink(), gate), capacity, policy);
    }

    /** What reached the destination is {@code expected}; a failure also gives the runner's counters, if any. */
    private void assertDelivered(List<FlowEvent> expected, SinkRunner r) throws Exception {
        List<String> got = deliveredIds();
        if (atLeastOnce() && r != null && r.retried() > 0) {
            got = new ArrayList<>(new java.util.LinkedHashSet<>(got)); // repeats of retried requests, first kept
        }
        if (keepsOrder()) {
            assertSameIds(expected, got, r == null ? "events at the destination"
                    : "events at the destination (runner: " + counts(r) + ")");
        } else {
            List<String> sorted = new ArrayList<>(got);
            sorted.sort(null);
            List<String> want = new ArrayList<>(TestEvents.idsOf(expected));
            want.sort(null);
            assertEquals(want, sorted, "events at the destination (any order)");
        }
    }

    /** The runner's counts, for failure messages. */
    private static String counts(SinkRunner r) {
        return "offered " + r.offered() + ", delivered " + r.delivered() + ", failed " + r.failed() + ", dropped "
                + r.dropped() + ", retried by the sink " + r.retried();
    }

    @Test
    void deliversEveryEventOnceAndInOrder() throws Exception {
        SinkRunner r = runner(createSink(), 1024, QueueFullPolicy.BLOCK);
        List<FlowEvent> events = TestEvents.events(0, bulkEvents());
        for (FlowEvent rec : events) {
            assertTrue(r.offer(rec));
        }
        assertEquals(0, r.close(Duration.ofSeconds(60)), "undelivered");
        assertDelivered(events, r);
        assertEquals(events.size(), r.delivered());
        assertEquals(0, r.failed());
        assertEquals(0, r.dropped());
    }

    @Test
    void closeDeliversWhatTheSinkStillHolds() throws Exception {
        Sink sink = createSink();
        List<FlowEvent> events = TestEvents.events(0, 7);
        for (FlowEvent rec : events) {
            sink.accept(rec);
        }
        sink.close();
        assertDelivered(events, null);
    }

    @Test
    void nameIsNotBlankAndStaysTheSame() throws Exception {
        Sink sink = createSink();
        try {
            String name = sink.name();
            assertNotNull(name, "name()");
            assertFalse(name.isBlank(), "name() is blank");
            sink.accept(TestEvents.event(0));
            assertEquals(name, sink.name(), "name() after an event");
        } finally {
            sink.close();
        }
    }

    @Test
    void flushWithNothingNewChangesNothingAndFlushedEventsStayInOrder() throws Exception {
        Sink sink = createSink();
        List<FlowEvent> events = TestEvents.events(0, 5);
        long start = System.nanoTime();
        for (int i = 0; i < 50; i++) {
            sink.flush(); // the pipeline flushes an idle sink about every 100 ms
        }
        long fiftyFlushes = System.nanoTime() - start;
        sink.accept(events.get(0));
        sink.accept(events.get(1));
        sink.flush();
        sink.flush();
        sink.accept(events.get(2));
        sink.accept(TestEvents.snapshot("between"));
        sink.flush();
        sink.accept(events.get(3));
        sink.accept(events.get(4));
        sink.close();
        assertDelivered(events, null);
        assertTrue(fiftyFlushes < TimeUnit.SECONDS.toNanos(5),
                "50 flushes of an idle sink took " + fiftyFlushes / 1_000_000
                        + " ms (expected: cheap when there is nothing new)");
    }

    @Test
    void snapshotsBetweenEventsAreAcceptedAndLeaveTheEventsIntact() throws Exception {
        SinkRunner r = runner(createSink(), 1024, QueueFullPolicy.BLOCK);
        List<FlowEvent> events = TestEvents.events(0, 300);
        for (int i = 0; i < events.size(); i++) {
            r.offer(events.get(i));
            if (i % 100 == 0) {
                r.offer(TestEvents.snapshot("task" + i));
            }
        }
        assertEquals(0, r.close(Duration.ofSeconds(60)));
        assertDelivered(events, r);
        assertEquals(303, r.delivered());
        assertEquals(0, r.failed());
    }

    @Test
    void countersAreNonNegativeAndReadableWhileDelivering() throws Exception {
        Sink sink = createSink();
        SinkRunner r = runner(sink, 1024, QueueFullPolicy.BLOCK);
        for (FlowEvent rec : TestEvents.events(0, 200)) {
            r.offer(rec);
            for (Map.Entry<String, Long> e : sink.counters().entrySet()) {
                assertTrue(e.getValue() >= 0, e.toString());
            }
        }
        r.close(Duration.ofSeconds(60));
        assertEquals(0, r.failed(), "failed, with the sink's own counters " + sink.counters());
    }

    @Test
    void anEventThatMakesTheSinkThrowIsCountedAndTheOthersStillArrive() throws Exception {
        Sink inner = createSink();
        Sink flaky = new ForwardingSink(inner) {
            private int n;

            @Override
            public void accept(FlowEvent event) throws Exception {
                if (n++ % 10 == 9) {
                    if (n % 20 == 0) {
                        throw new AssertionError("a bug in the sink, at event " + n);
                    }
                    throw new IllegalStateException("refusing event " + n);
                }
                super.accept(event);
            }
        };
        SinkRunner r = runner(flaky, 1024, QueueFullPolicy.BLOCK);
        List<FlowEvent> events = TestEvents.events(0, 100);
        List<FlowEvent> expected = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            r.offer(events.get(i));
            if (i % 10 != 9) {
                expected.add(events.get(i));
            }
        }
        assertEquals(0, r.close(Duration.ofSeconds(60)));
        assertEquals(10, r.failed());
        assertEquals(90, r.delivered());
        assertDelivered(expected, r);
    }

    @Test
    void blockPolicyLosesNothingWhileTheSinkIsHeldUp() throws Exception {
        Gate gate = new Gate();
        SinkRunner r = gatedRunner(gate, 4, QueueFullPolicy.BLOCK);
        List<FlowEvent> events = TestEvents.events(0, 50);
        Thread producer = new Thread(() -> events.forEach(r::offer), "producer");
        producer.start();
        gate.awaitArrival();
        producer.join(200);
        assertTrue(producer.isAlive(), "the producer waits for room in the queue");
        gate.open();
        producer.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(producer.isAlive());
        long undelivered = r.close(Duration.ofSeconds(60));
        assertEquals(0, undelivered, () -> "undelivered; " + counts(r));
        assertEquals(0, r.dropped());
        assertDelivered(events, r);
    }

    @Test
    void dropPolicyCountsExactlyWhatItDroppedAndDeliversTheRest() throws Exception {
        Gate gate = new Gate();
        SinkRunner r = gatedRunner(gate, 8, QueueFullPolicy.DROP);
        List<FlowEvent> events = TestEvents.events(0, 100);
        List<FlowEvent> kept = new ArrayList<>();
        r.offer(events.get(0));
        kept.add(events.get(0));
        gate.awaitArrival(); // the first event is in the sink, held: the queue fills behind it
        for (FlowEvent rec : events.subList(1, events.size())) {
            if (r.offer(rec)) {
                kept.add(rec);
            }
        }
        assertEquals(1 + 8, kept.size(), "the held event and a full queue");
        assertEquals(91, r.dropped());
        gate.open();
        assertEquals(0, r.close(Duration.ofSeconds(60)));
        assertDelivered(kept, r);
        assertEquals(kept.size(), r.delivered());
    }

    @Test
    void aStuckSinkDoesNotHoldUpTheSinkUnderTest() throws Exception {
        Gate never = new Gate();
        SinkRunner stuck = runner(new GatedSink(new ForwardingSink(null), never), 4, QueueFullPolicy.DROP);
        SinkRunner r = runner(createSink(), 1024, QueueFullPolicy.BLOCK);
        List<FlowEvent> events = TestEvents.events(0, 500);
        stuck.offer(events.get(0));
        never.awaitArrival();
        r.offer(events.get(0));
        for (FlowEvent rec : events.subList(1, events.size())) {
            stuck.offer(rec);
            r.offer(rec);
        }
        assertEquals(0, r.close(Duration.ofSeconds(60)));
        assertDelivered(events, r);
        assertTrue(stuck.dropped() > 0);
        // one event held inside the stuck sink (interrupted: failed), a full queue of 4 behind it (undelivered)
        assertEquals(4, stuck.close(Duration.ofMillis(50)), "the stuck sink's queue, reported at shutdown");
        assertEquals(1, stuck.failed());
    }

    @Test
    void shutdownKeepsItsTimeLimitAndReportsWhatWasNotDelivered() throws Exception {
        Gate never = new Gate();
        SinkRunner r = gatedRunner(never, 64, QueueFullPolicy.BLOCK);
        List<FlowEvent> events = TestEvents.events(0, 20);
        events.forEach(r::offer);
        never.awaitArrival();
        long undelivered = r.close(Duration.ofMillis(100));
        // the first event was interrupted inside the sink (failed); the 19 behind it never left the queue
        assertEquals(19, undelivered);
        assertEquals(1, r.failed());
        assertEquals(0, r.delivered());
        assertDelivered(List.of(), r);
    }

    /** Passes every call to another sink ({@code null}: a sink that takes everything and keeps nothing). */
    protected static class ForwardingSink implements Sink {
        private final Sink inner;

        /** @param inner the sink every call is passed to, or {@code null} for one that keeps nothing */
        protected ForwardingSink(Sink inner) {
            this.inner = inner;
        }

        @Override
        public String name() {
            return inner == null ? "nowhere" : inner.name();
        }

        @Override
        public void accept(FlowEvent event) throws Exception {
            if (inner != null) {
                inner.accept(event);
            }
        }

        @Override
        public void accept(Snapshot snapshot) throws Exception {
            if (inner != null) {
                inner.accept(snapshot);
            }
        }

        @Override
        public void flush() throws Exception {
            if (inner != null) {
                inner.flush();
            }
        }

        @Override
        public Map<String, Long> counters() {
            return inner == null ? Map.of() : inner.counters();
        }

        @Override
        public void close() throws Exception {
            if (inner != null) {
                inner.close();
            }
        }
    }

    /** Holds events at the sink's door until opened; an interrupt ends the wait with an exception. */
    private static final class Gate {
        private final CountDownLatch arrived = new CountDownLatch(1);
        private final CountDownLatch open = new CountDownLatch(1);

        void pass() throws InterruptedException {
            arrived.countDown();
            open.await();
        }

        void awaitArrival() throws InterruptedException {
            if (!arrived.await(30, TimeUnit.SECONDS)) {
                fail("no event reached the sink within 30 s");
            }
        }

        void open() {
            open.countDown();
        }
    }

    private static final class GatedSink extends ForwardingSink {
        private final Gate gate;

        GatedSink(Sink inner, Gate gate) {
            super(inner);
            this.gate = gate;
        }

        @Override
        public void accept(FlowEvent event) throws Exception {
            gate.pass();
            super.accept(event);
        }
    }
}
