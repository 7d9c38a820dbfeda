package io.flowtrace.sketch.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Default key bounds sized from the maximum heap, and the warning of an aggregator whose growth found no heap.
 * Thread-safe (stateless).
 */
public final class HeapBudget {
    private static final Logger LOG = LoggerFactory.getLogger(HeapBudget.class);
    /**
     * One aggregator instance at its default bound fills at most this share of the heap: a task has an instance per
     * worker and a merged one per snapshot, and a merge holds up to twice the bound for a moment.
     */
    public static final int SHARE = 16;
    /** Smallest default bound, whatever the heap. */
    public static final int MIN_KEYS = 1024;

    private HeapBudget() {
    }

    /**
     * Entries of {@code bytesEach} bytes that fit in one instance's share of the heap, between {@value #MIN_KEYS}
     * (or {@code ceiling} if smaller) and {@code ceiling}.
     */
    public static int entries(long bytesEach, int ceiling) {
        return entries(Runtime.getRuntime().maxMemory(), bytesEach, ceiling);
    }

    public static int entries(long maxHeap, long bytesEach, int ceiling) {
        long n = maxHeap / SHARE / Math.max(1, bytesEach);
        return (int) Math.max(Math.min(MIN_KEYS, ceiling), Math.min(ceiling, n));
    }

    /** Says once per instance that {@code task} stopped growing at {@code keys} keys below its bound. */
    public static void warnStopped(String type, String task, int keys, String what, long bound) {
        LOG.warn("{} task '{}' stays at {} {}: the heap has no room to grow it (bound {}); the traffic of further {} "
                + "is counted in the untracked_* totals. Raise the heap (-Xmx) or lower the bound.", type, task, keys,
                what, bound, what);
    }
}
