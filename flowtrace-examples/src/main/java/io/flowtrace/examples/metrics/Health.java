package io.flowtrace.examples.metrics;

import io.flowtrace.core.FlowStats;

import java.util.Map;

/**
 * Whether a running meter is healthy, judged from two readings of its counters: capture has not stopped while it
 * should run, no sink failed or dropped anything between them (an HTTP sink counts a record failed only once its
 * retry budget is spent), and the capture drops (kernel and interface) are at most {@code maxDropRate} of the
 * packets offered between them. Stateless; any thread.
 */
public final class Health {
    private Health() {
    }

    /**
     * The first reason the meter is unhealthy, in one line, or {@code null} when it is healthy.
     *
     * @param before        the counters at the start of the interval
     * @param now           the counters now
     * @param stoppedCapture what is captured ({@code eth0}) when capture has stopped while the meter should run,
     *                      else {@code null}
     * @param maxDropRate   the largest healthy fraction of packets dropped by the kernel and the interface
     * @return the reason, or {@code null}
     */
    public static String problem(FlowStats before, FlowStats now, String stoppedCapture, double maxDropRate) {
        if (stoppedCapture != null) {
            return "capture on " + stoppedCapture + " stopped";
        }
        for (Map.Entry<String, FlowStats.SinkStats> e : now.sinks().entrySet()) {
            FlowStats.SinkStats was = before.sinks().get(e.getKey());
            long failed = e.getValue().failed() - (was == null ? 0 : was.failed());
            long dropped = e.getValue().dropped() - (was == null ? 0 : was.dropped());
            if (failed > 0) {
                return "sink " + e.getKey() + " failing: " + failed + " item(s) failed in the last interval";
            }
            if (dropped > 0) {
                return "sink " + e.getKey() + " dropping: " + dropped + " item(s) dropped in the last interval";
            }
        }
        long drops = captureDrops(now) - captureDrops(before);
        long read = now.packetsRead() - before.packetsRead();
        if (drops > 0 && drops > maxDropRate * (read + drops)) {
            return String.format(java.util.Locale.ROOT,
                    "capture dropping %d of %d packets (%.4f, max %s) in the last interval", drops, read + drops,
                    (double) drops / (read + drops), maxDropRate);
        }
        return null;
    }

    /**
     * Packets the kernel and the interface dropped: the live source's {@code kernel_dropped + interface_dropped}.
     *
     * @param s the counters
     * @return the packets dropped
     */
    public static long captureDrops(FlowStats s) {
        return s.sourceCounters().getOrDefault("kernel_dropped", 0L)
                + s.sourceCounters().getOrDefault("interface_dropped", 0L);
    }

    /**
     * Every sink's failed items.
     *
     * @param s the counters
     * @return the items failed
     */
    public static long sinkFailures(FlowStats s) {
        long n = 0;
        for (FlowStats.SinkStats st : s.sinks().values()) {
            n += st.failed();
        }
        return n;
    }
}
