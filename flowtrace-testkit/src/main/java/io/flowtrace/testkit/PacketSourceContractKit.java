package io.flowtrace.testkit;

import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The contract every packet source keeps, run as the pipeline runs a source: {@link PacketSource#run} on a thread
 * of its own, {@link PacketSource#stop()} and {@link PacketSource#counters()} from another. The kit checks that the
 * description is set, a finite source is read to its end with every frame inside its buffer and handed over on the
 * thread that runs it, frames copied during the callback are the source's frames (the buffer is the source's to
 * reuse after the call), {@code stop()} from another thread makes {@code run} return promptly (mid-run, and for an
 * endless source if there is one), {@code stop()} and {@code close()} are idempotent, counters are readable from
 * another thread while it runs, and a source that is not live never calls {@link PacketHandler#onIdle}.
 *
 * <pre>{@code
 * class MySourceContractTest extends PacketSourceContractKit {
 *     protected PacketSource createSource() { return new MySource(testInput); }   // the same input every time
 *     protected long expectedPackets() { return 1_000; }
 * }
 * }</pre>
 *
 * @since 0.1
 */
public abstract class PacketSourceContractKit {
    /** For subclasses: one per plugin under test. */
    protected PacketSourceContractKit() {
    }

    private final List<PacketSource> opened = new ArrayList<>();
    private final List<Thread> runners = new ArrayList<>();

    /**
     * A new source over a finite input that {@code run} reads to its end: the same input at every call, with at
     * least 2 packets (a few thousand make the mid-run checks meaningful).
     *
     * @return the source, not yet run
     * @throws Exception when it cannot be made
     */
    protected abstract PacketSource createSource() throws Exception;

    /** {@return packets the finite source hands over, or -1 (the default) not to check the count} */
    protected long expectedPackets() {
        return -1;
    }

    /**
     * {@return the frames the finite source hands over, in order, or {@code null} (the default) not to check them}
     *
     * @throws Exception when they cannot be read
     */
    protected List<byte[]> expectedFrames() throws Exception {
        return null;
    }

    /**
     * A source that keeps running until stopped, quiet or not (a live interface, an endless generator), or
     * {@code null} (the default): stop is then checked on the finite source only.
     *
     * @return the source, not yet run, or {@code null}
     * @throws Exception when it cannot be made
     */
    protected PacketSource createEndlessSource() throws Exception {
        return null;
    }

    /** {@return how soon {@code run} must return after {@code stop()}: 2 s unless overridden} */
    protected Duration promptly() {
        return Duration.ofSeconds(2);
    }

    private PacketSource open(PacketSource s) {
        assertNotNull(s, "the source");
        opened.add(s);
        return s;
    }

    @AfterEach
    void stopAndClose() throws InterruptedException {
        for (PacketSource s : opened) {
            s.stop();
        }
        for (Thread t : runners) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
        for (PacketSource s : opened) {
            s.close();
        }
    }

    /** Runs {@code source} on a new thread, as the pipeline does; what {@code run} threw is kept in {@code error}. */
    private Thread start(PacketSource source, PacketHandler handler, AtomicReference<Throwable> error) {
        Thread t = new Thread(() -> {
            try {
                source.run(handler);
            } catch (Throwable e) {
                error.set(e);
            }
        }, "source-under-test");
        t.setDaemon(true);
        runners.add(t);
        t.start();
        return t;
    }

    private static void assertReturnsWithin(Thread t, Duration limit, String what) throws InterruptedException {
        t.join(limit.toMillis());
        if (t.isAlive()) {
            fail(what + ": run() still running after " + limit.toMillis() + " ms, at "
                    + Arrays.toString(t.getStackTrace()));
        }
    }

    /** Copies every frame during the call and checks what the call says about it. */
    private static final class Recorder implements PacketHandler {
        final List<byte[]> frames = new ArrayList<>();
        final AtomicLong packets = new AtomicLong();
        volatile Thread caller;
        volatile String wrong;
        volatile boolean idle;

        @Override
        public void onPacket(long timestampNanos, int linkType, byte[] data, int offset, int capturedLength,
                             int wireLength, int interfaceIndex) {
            if (caller == null) {
                caller = Thread.currentThread();
            } else if (caller != Thread.currentThread()) {
                wrong = "packet " + packets + " on thread " + Thread.currentThread().getName() + ", not on "
                        + caller.getName();
            }
            if (data == null || offset < 0 || capturedLength < 0 || offset + capturedLength > data.length
                    || wireLength < capturedLength || linkType < 0 || interfaceIndex < 0) {
                wrong = "packet " + packets + ": data " + (data == null ? "null" : data.length + " bytes")
                        + ", offset " + offset + ", caplen " + capturedLength + ", wire length " + wireLength
                        + ", link type " + linkType + ", interface " + interfaceIndex;
            } else {
                frames.add(Arrays.copyOfRange(data, offset, offset + capturedLength));
            }
            packets.incrementAndGet();
        }

        @Override
        public void onIdle(long nowNanos) {
            idle = true;
        }
    }

    private Recorder readToTheEnd() throws Exception {
        PacketSource s = open(createSource());
        Recorder rec = new Recorder();
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread t = start(s, rec, error);
        assertReturnsWithin(t, Duration.ofSeconds(60), "reading the finite source to its end");
        if (error.get() != null) {
            throw new AssertionError("run() threw", error.get());
        }
        assertNull(rec.wrong, rec.wrong);
        assertEquals(t, rec.caller == null ? t : rec.caller,
                "frames are handed over on the thread that runs the source");
        if (!s.isLive()) {
            assertFalse(rec.idle, "a source that is not live called onIdle()");
        }
        return rec;
    }

    @Test
    void describesWhatItReads() throws Exception {
        PacketSource s = open(createSource());
        String d = s.description();
        assertNotNull(d, "description()");
        assertFalse(d.isBlank(), "description() is blank");
    }

    @Test
    void runReadsTheInputToItsEndAndReturns() throws Exception {
        Recorder rec = readToTheEnd();
        assertTrue(rec.packets.get() >= 2, "the finite source handed over " + rec.packets + " packets");
        if (expectedPackets() >= 0) {
            assertEquals(expectedPackets(), rec.packets.get(), "packets handed over");
        }
    }

    @Test
    void framesCopiedDuringTheCallbackAreTheSourcesFrames() throws Exception {
        List<byte[]> first = readToTheEnd().frames;
        List<byte[]> second = readToTheEnd().frames;
        assertEquals(first.size(), second.size(), "frames in two runs over the same input");
        for (int i = 0; i < first.size(); i++) {
            assertArrayEquals(first.get(i), second.get(i), "frame " + i + " differs between two runs");
        }
        List<byte[]> expected = expectedFrames();
        if (expected != null) {
            assertEquals(expected.size(), first.size(), "frames");
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(expected.get(i), first.get(i), "frame " + i);
            }
        }
    }

    @Test
    void stopFromAnotherThreadEndsRunPromptlyMidRun() throws Exception {
        PacketSource s = open(createSource());
        CountDownLatch firstPacket = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicLong after = new AtomicLong();
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread t = start(s, new PacketHandler() {
            @Override
            public void onPacket(long ts, int linkType, byte[] data, int offset, int caplen, int wire, int iface) {
                if (firstPacket.getCount() > 0) {
                    firstPacket.countDown();
                    try {
                        stopped.await(30, TimeUnit.SECONDS); // hold the source here until stop() was called
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                } else {
                    after.incrementAndGet();
                }
            }
        }, error);
        assertTrue(firstPacket.await(30, TimeUnit.SECONDS), "no packet within 30 s");
        s.stop();
        s.stop(); // idempotent
        stopped.countDown();
        assertReturnsWithin(t, promptly(), "after stop()");
        if (error.get() != null) {
            throw new AssertionError("run() threw after stop()", error.get());
        }
        if (expectedPackets() > 1_000) {
            assertTrue(after.get() < expectedPackets() - 1, "run() read all " + expectedPackets()
                    + " packets although stop() was called after the first");
        }
    }

    @Test
    void stopFromAnotherThreadEndsAnEndlessSourcePromptly() throws Exception {
        PacketSource endless = createEndlessSource();
        if (endless == null) {
            return; // nothing endless to stop; stopping mid-run is checked on the finite source
        }
        PacketSource s = open(endless);
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread t = start(s, new Recorder(), error);
        Thread.sleep(200); // running, with traffic or quiet
        assertTrue(t.isAlive(), "the endless source returned by itself (error: " + error.get() + ")");
        s.stop();
        assertReturnsWithin(t, promptly(), "the endless source after stop()");
    }

    @Test
    void countersAreReadableFromAnotherThreadWhileItRuns() throws Exception {
        PacketSource s = open(createSource());
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread t = start(s, (ts, linkType, data, offset, caplen, wire, iface) -> {
            running.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, error);
        assertTrue(running.await(30, TimeUnit.SECONDS), "no packet within 30 s");
        for (int i = 0; i < 100; i++) {
            checkCounters(s.counters(), "while running");
        }
        release.countDown();
        while (t.isAlive()) {
            checkCounters(s.counters(), "while running");
            t.join(1);
        }
        assertReturnsWithin(t, Duration.ofSeconds(60), "reading to the end");
        checkCounters(s.counters(), "after run()");
    }

    private static void checkCounters(Map<String, Long> counters, String when) {
        assertNotNull(counters, "counters() " + when);
        for (Map.Entry<String, Long> e : counters.entrySet()) {
            assertNotNull(e.getValue(), "counter " + e.getKey() + " " + when);
            assertTrue(e.getValue() >= 0, "counter " + e + " " + when);
        }
    }

    @Test
    void closeIsIdempotentAndStopAfterCloseIsHarmless() throws Exception {
        PacketSource s = createSource();
        s.close();
        s.close();
        s.stop();
        PacketSource ran = createSource();
        try {
            ran.run((ts, linkType, data, offset, caplen, wire, iface) -> { });
        } finally {
            ran.close();
            ran.close();
        }
        ran.stop();
    }
}
