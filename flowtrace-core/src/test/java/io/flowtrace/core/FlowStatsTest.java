package io.flowtrace.core;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.PacketView;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static io.flowtrace.core.FlowTraceTest.randomTraffic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The run's counters add up what every worker counted, whichever worker counted it. */
class FlowStatsTest {

    /** Throws on every other packet it sees. */
    static final class HalfBroken extends FlowTraceTest.PacketCounter {
        @Override public void onPacket(PacketView p) {
            if (++packets % 2 == 0) {
                throw new IllegalStateException("every other packet");
            }
        }
        @Override public Aggregator newEmpty() { return new HalfBroken(); }
        @Override public String task() { return "half-broken"; }
    }

    @Test
    void everyWorkersEventsFailuresAndFlowsAreSummed() {
        List<FlowEvent> out = Collections.synchronizedList(new ArrayList<>());
        FlowStats s = FlowTrace.builder().source(randomTraffic(5, 20_000)).workers(3).aggregator(new HalfBroken())
                .onEvent(out::add).build().run();
        assertEquals(20_000, s.packetsRead());
        assertTrue(s.packetsDecoded() > 10_000, "decoded: " + s.packetsDecoded());
        // each worker's aggregator throws on its own even-numbered packets: between half the packets, less one per worker
        assertTrue(s.aggregatorFailures() <= s.packetsDecoded() / 2 && s.aggregatorFailures() >= s.packetsDecoded() / 2 - 3,
                s.aggregatorFailures() + " of " + s.packetsDecoded());
        assertEquals(java.util.Map.of("half-broken", s.aggregatorFailures()), s.aggregatorFailuresByTask());
        assertEquals(out.size(), s.events());
        assertEquals(out.size(), s.endReasons().values().stream().mapToLong(Long::longValue).sum());
        assertEquals(out.size(), s.flowsCreated());
        assertEquals(0, s.flowsActive());
    }

    @Test
    void failuresAreCountedByTheTaskThatThrew() {
        FlowStats s = FlowTrace.builder().source(randomTraffic(6, 5_000)).workers(2).aggregator(new HalfBroken())
                .aggregator(new FlowTraceTest.PacketCounter()).onEvent(e -> { }).build().run();
        assertTrue(s.aggregatorFailures() > 0);
        assertEquals(List.of("half-broken", "count"), new ArrayList<>(s.aggregatorFailuresByTask().keySet()));
        assertEquals(s.aggregatorFailures(), s.aggregatorFailuresByTask().get("half-broken"));
        assertEquals(0L, s.aggregatorFailuresByTask().get("count"));
    }
}
