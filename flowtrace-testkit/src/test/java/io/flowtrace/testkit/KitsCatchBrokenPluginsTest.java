package io.flowtrace.testkit;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PacketView;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.testkit.frames.Frames;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Each kit passes a plugin that keeps the contract and fails one that breaks it, in the test that covers what it
 * breaks: the kits are run here through the JUnit Platform, as a build runs them.
 */
class KitsCatchBrokenPluginsTest {

    /** Test method name to outcome ({@code SUCCESSFUL}, {@code FAILED}, ...), for every test of {@code kit}. */
    private static Map<String, String> run(Class<?> kit) {
        Map<String, String> outcomes = new TreeMap<>();
        // a launcher of its own, without listeners found on the class path: the build's report shows only this test
        Launcher launcher = LauncherFactory.create(LauncherConfig.builder()
                .enableTestExecutionListenerAutoRegistration(false).enableLauncherSessionListenerAutoRegistration(false)
                .build());
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(kit)).build(),
                new TestExecutionListener() {
                    @Override
                    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                        if (id.isTest()) {
                            outcomes.put(id.getDisplayName().replace("()", ""), result.getStatus().toString());
                        }
                    }
                });
        return outcomes;
    }

    private static void assertOnlyFailed(Map<String, String> outcomes, String... failing) {
        Map<String, String> expected = new TreeMap<>();
        for (String name : outcomes.keySet()) {
            expected.put(name, "SUCCESSFUL");
        }
        for (String name : failing) {
            expected.put(name, "FAILED");
        }
        assertEquals(expected, outcomes);
    }

    // ---- sinks: events kept in memory, written out on flush ----

    static class MemorySink implements Sink {
        static final List<String> delivered = new ArrayList<>();
        private final List<String> buffer = new ArrayList<>();
        private final boolean flushOnClose;

        MemorySink(boolean flushOnClose) {
            this.flushOnClose = flushOnClose;
        }

        @Override
        public String name() {
            return "memory";
        }

        @Override
        public void accept(FlowEvent event) {
            buffer.add(event.flowId());
        }

        @Override
        public void flush() {
            synchronized (delivered) {
                delivered.addAll(buffer);
            }
            buffer.clear();
        }

        @Override
        public Map<String, Long> counters() {
            return Map.of();
        }

        @Override
        public void close() {
            if (flushOnClose) {
                flush();
            }
        }
    }

    static class GoodSink extends SinkContractKit {
        @Override
        protected Sink createSink() {
            synchronized (MemorySink.delivered) {
                MemorySink.delivered.clear();
            }
            return new MemorySink(true);
        }

        @Override
        protected List<String> deliveredIds() {
            synchronized (MemorySink.delivered) {
                return new ArrayList<>(MemorySink.delivered);
            }
        }
    }

    static class SinkThatLosesItsBufferOnClose extends GoodSink {
        @Override
        protected Sink createSink() {
            super.createSink();
            return new MemorySink(false);
        }
    }

    @Test
    void theSinkKitPassesAGoodSinkAndFailsOneThatDoesNotDeliverOnClose() {
        assertOnlyFailed(run(GoodSink.class));
        Map<String, String> broken = run(SinkThatLosesItsBufferOnClose.class);
        assertEquals("FAILED", broken.get("closeDeliversWhatTheSinkStillHolds"), broken.toString());
        assertEquals("FAILED", broken.get("flushWithNothingNewChangesNothingAndFlushedEventsStayInOrder"),
                broken.toString());
    }

    // ---- aggregators: packets per IP protocol ----

    static class ProtocolCounts implements Aggregator {
        final long[] counts;
        private final boolean copySharesState;

        ProtocolCounts(boolean copySharesState) {
            this(new long[256], copySharesState);
        }

        private ProtocolCounts(long[] counts, boolean copySharesState) {
            this.counts = counts;
            this.copySharesState = copySharesState;
        }

        @Override
        public String task() {
            return "protocols";
        }

        @Override
        public String type() {
            return "protocol-counts";
        }

        @Override
        public void onPacket(PacketView packet) {
            counts[packet.protocol()]++;
        }

        @Override
        public Aggregator newEmpty() {
            return new ProtocolCounts(copySharesState);
        }

        @Override
        public Aggregator copy() {
            return new ProtocolCounts(copySharesState ? counts : counts.clone(), copySharesState);
        }

        @Override
        public void merge(Aggregator other) {
            if (!(other instanceof ProtocolCounts o)) {
                throw new IllegalArgumentException("merge: expected protocol-counts, got " + other.type());
            }
            for (int i = 0; i < counts.length; i++) {
                counts[i] += o.counts[i];
            }
        }

        @Override
        public void reset() {
            java.util.Arrays.fill(counts, 0);
        }

        @Override
        public Snapshot snapshot(long startNanos, long endNanos) {
            List<Snapshot.Row> rows = new ArrayList<>();
            long total = 0;
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] > 0) {
                    rows.add(Snapshot.Row.exact(Map.of("protocol", i), counts[i]));
                    total += counts[i];
                }
            }
            rows.sort((a, b) -> Long.compare(b.value(), a.value()));
            return new Snapshot(task(), type(), "packets", startNanos, endNanos, rows, Map.of("total_packets", total));
        }
    }

    static class GoodAggregator extends AggregatorContractKit {
        @Override
        protected Aggregator createAggregator() {
            return new ProtocolCounts(false);
        }
    }

    static class AggregatorWhoseCopySharesState extends AggregatorContractKit {
        @Override
        protected Aggregator createAggregator() {
            return new ProtocolCounts(true);
        }
    }

    @Test
    void theAggregatorKitPassesAGoodAggregatorAndFailsOneWhoseCopyIsNotIndependent() {
        assertOnlyFailed(run(GoodAggregator.class));
        Map<String, String> broken = run(AggregatorWhoseCopySharesState.class);
        assertEquals("FAILED", broken.get("aCopyIsIndependentBothWays"), broken.toString());
    }

    // ---- packet sources: frames from memory ----

    static class MemorySource implements PacketSource {
        private final byte[][] frames;
        private final boolean obeysStop;
        private volatile boolean stopped;
        private volatile long read;

        MemorySource(boolean obeysStop) {
            this.obeysStop = obeysStop;
            frames = new byte[5_000][];
            for (int i = 0; i < frames.length; i++) {
                frames[i] = Frames.ethIpv4(Frames.ip(10, 0, i >> 8, i & 0xff), Frames.ip(10, 1, 0, 1), 1024 + i, 80,
                        Frames.TCP, Frames.ACK, i % 50);
            }
        }

        @Override
        public String description() {
            return "memory";
        }

        @Override
        public void run(PacketHandler handler) {
            byte[] buf = new byte[2048];
            for (int i = 0; i < frames.length && !(obeysStop && stopped); i++) {
                System.arraycopy(frames[i], 0, buf, 0, frames[i].length); // one reused buffer, as sources do
                handler.onPacket(1_700_000_000_000_000_000L + i, 1, buf, 0, frames[i].length, frames[i].length, 0);
                read = i + 1;
            }
        }

        @Override
        public void stop() {
            stopped = true;
        }

        @Override
        public Map<String, Long> counters() {
            return Map.of("packets_read", read);
        }

        @Override
        public void close() {
        }
    }

    static class GoodSource extends PacketSourceContractKit {
        @Override
        protected PacketSource createSource() {
            return new MemorySource(true);
        }

        @Override
        protected long expectedPackets() {
            return 5_000;
        }
    }

    static class SourceThatIgnoresStop extends GoodSource {
        @Override
        protected PacketSource createSource() {
            return new MemorySource(false);
        }
    }

    @Test
    void theSourceKitPassesAGoodSourceAndFailsOneThatIgnoresStop() {
        assertOnlyFailed(run(GoodSource.class));
        Map<String, String> broken = run(SourceThatIgnoresStop.class);
        assertEquals("FAILED", broken.get("stopFromAnotherThreadEndsRunPromptlyMidRun"), broken.toString());
    }
}
