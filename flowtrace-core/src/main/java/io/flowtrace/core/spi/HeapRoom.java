package io.flowtrace.core.spi;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether the heap has room for a structure to grow: for tables and aggregators whose size follows the traffic
 * (attacker-chosen keys), so that they stop growing, and evict or count what they leave out, while the rest of the
 * meter still has room, instead of taking the last of the heap and letting the process fail elsewhere with an
 * {@link OutOfMemoryError}. Call it only when growing (it reads the memory pools and allocates a little), never
 * per packet. An {@code OutOfMemoryError} from the allocation itself must still be handled: this is an estimate.
 *
 * <p>The rule: a growth of {@code bytes} is allowed when, after it, the free heap would still be at least
 * {@code bytes} (or what the caller asks to keep free) and at least an eighth of the maximum heap
 * ({@link #allows(long, long, long, long)}). The live heap is
 * estimated without the garbage of the young generation: a young pool counts what survived its last collection,
 * any other heap pool what it holds now (large arrays are allocated there directly). What an old generation holds
 * now includes garbage no collection has reclaimed yet, so a refusal by the estimate is confirmed after a full
 * collection ({@link System#gc()}, at most one a second in the JVM, on the calling thread) before it stands: the
 * structures that ask stop growing for good when refused.
 *
 * <p>Thread-safe (stateless).
 *
 * @since 0.1
 */
public final class HeapRoom {
    /** The heap's memory pools, read once. */
    private static final class Pools {
        static final List<MemoryPoolMXBean> HEAP = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isValid()).toList();
    }

    /** When the last collection asked for here: Long.MIN_VALUE before any. */
    private static final AtomicLong COLLECTED = new AtomicLong(Long.MIN_VALUE);
    private static final long COLLECT_EVERY_NANOS = 1_000_000_000L;

    private HeapRoom() {
    }

    /**
     * Whether this JVM's heap has room for arrays of {@code bytes} more and still as much again free:
     * {@link #allows(long, long) allows(bytes, bytes)}.
     *
     * @param bytes the bytes the growth allocates (the new arrays, while the old ones are still held)
     * @return true when the growth leaves the margin; true too when the heap has no maximum
     */
    public static boolean allows(long bytes) {
        return allows(bytes, bytes);
    }

    /**
     * Whether this JVM's heap has room for arrays of {@code bytes} more and then {@code keepFree} free, by
     * {@link #allows(long, long, long, long)} with the maximum heap and the {@linkplain #liveBytes() estimated live
     * heap}. A structure that is copied whole later (an aggregator's snapshot) keeps its own size free.
     *
     * @param bytes    the bytes the growth allocates (the new arrays, while the old ones are still held)
     * @param keepFree the bytes that must still be free after it, besides the collector's reserve
     * @return true when the growth leaves the margin; true too when the heap has no maximum
     */
    public static boolean allows(long bytes, long keepFree) {
        long max = Runtime.getRuntime().maxMemory();
        if (max == Long.MAX_VALUE || allows(bytes, keepFree, max, liveBytes())) {
            return true;
        }
        collect(); // or another thread just did
        return allows(bytes, keepFree, max, liveBytes());
    }

    /**
     * Collects the heap unless a collection was asked for here within the last second. Within that second the
     * estimate is close enough: little garbage reaches the old generation so soon.
     */
    private static void collect() {
        long now = System.nanoTime();
        long last = COLLECTED.get();
        if (last != Long.MIN_VALUE && now - last < COLLECT_EVERY_NANOS || !COLLECTED.compareAndSet(last, now)) {
            return;
        }
        System.gc();
    }

    /**
     * The rule: after {@code bytes} more, the free heap ({@code maxHeap - live - bytes}) is at least
     * {@code keepFree} and at least {@code maxHeap / 8}.
     *
     * @param bytes    the bytes the growth allocates
     * @param keepFree the bytes that must still be free after it
     * @param maxHeap  the maximum heap in bytes
     * @param live     the heap in use by live objects, in bytes
     * @return whether the growth leaves that margin
     */
    public static boolean allows(long bytes, long keepFree, long maxHeap, long live) {
        // a step the same size must still fit elsewhere (another worker's table, an aggregator, a merge's copy),
        // and the collector needs a reserve to work in (G1 keeps a tenth free for evacuation)
        long margin = Math.max(keepFree, maxHeap / 8);
        return maxHeap - live - bytes >= margin;
    }

    /**
     * An estimate of the live heap in bytes: young pools (those without a usage threshold: eden and survivor spaces)
     * count what they held after their last collection, other heap pools what they hold now; when no pool can say,
     * the heap in use now (garbage included).
     *
     * @return the estimated live heap in bytes
     */
    public static long liveBytes() {
        long live = 0;
        boolean known = false;
        for (MemoryPoolMXBean p : Pools.HEAP) {
            MemoryUsage now = p.getUsage();
            if (now == null) {
                continue; // the pool went away
            }
            known = true;
            MemoryUsage afterGc = p.isUsageThresholdSupported() ? null : p.getCollectionUsage();
            live += afterGc != null ? Math.min(afterGc.getUsed(), now.getUsed()) : now.getUsed();
        }
        if (!known) {
            Runtime rt = Runtime.getRuntime();
            return rt.totalMemory() - rt.freeMemory();
        }
        return live;
    }
}
