package io.flowtrace.examples.metrics;

import io.flowtrace.core.FlowStats;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class HealthTest {
    static FlowStats stats(long read, long kernelDropped, long sinkFailed, long sinkDropped) {
        return new FlowStats(read, read * 100, read, 0, Map.of(), 1, 1, 0, Map.of(),
                Map.of("http", new FlowStats.SinkStats(0, 0, sinkFailed, sinkDropped, 0, 0, Map.of())),
                Map.of("kernel_dropped", kernelDropped, "interface_dropped", 0L), 0, Map.of(), 0, Duration.ofSeconds(1),
                Duration.ZERO, Map.of());
    }

    @Test
    void quietIntervalIsHealthy() {
        assertNull(Health.problem(stats(1000, 0, 0, 0), stats(2000, 0, 0, 0), null, 0.01));
    }

    @Test
    void stoppedCaptureIsUnhealthy() {
        assertEquals("capture on eth0 stopped", Health.problem(stats(1000, 0, 0, 0), stats(1000, 0, 0, 0), "eth0",
                0.01));
    }

    @Test
    void sinkFailingInTheIntervalIsUnhealthyAndOldFailuresAreNot() {
        assertEquals("sink http failing: 3 item(s) failed in the last interval",
                Health.problem(stats(1000, 0, 2, 0), stats(2000, 0, 5, 0), null, 0.01));
        assertNull(Health.problem(stats(1000, 0, 5, 0), stats(2000, 0, 5, 0), null, 0.01));
        assertEquals("sink http dropping: 1 item(s) dropped in the last interval",
                Health.problem(stats(1000, 0, 0, 0), stats(2000, 0, 0, 1), null, 0.01));
    }

    @Test
    void dropsAboveTheRateAreUnhealthyAndBelowItAreNot() {
        // 20 dropped of 1020 offered: 1.96 %
        assertEquals("capture dropping 20 of 1020 packets (0.0196, max 0.01) in the last interval",
                Health.problem(stats(1000, 0, 0, 0), stats(2000, 20, 0, 0), null, 0.01));
        assertNull(Health.problem(stats(1000, 0, 0, 0), stats(2000, 20, 0, 0), null, 0.02));
        assertNull(Health.problem(stats(1000, 0, 0, 0), stats(2000, 5, 0, 0), null, 0.01));
    }

    @Test
    void statsLineSaysCountersAndRates() {
        assertEquals("2000 packets (+1000, 500/s), 1 flows active, 0 events (+0), capture drops 20 (+20), "
                        + "sink drops 0, sink failures 5 (+3)",
                Monitor.line(stats(1000, 0, 2, 0), stats(2000, 20, 5, 0), Duration.ofSeconds(2)));
    }
}
