package io.flowtrace.bench.core;

import io.flowtrace.bench.PacketBenchmark;
import io.flowtrace.bench.ZipfRanks;
import io.flowtrace.core.internal.SingleWriterFlowTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.SplittableRandom;

/**
 * What the memory system alone allows a flow table over the traffic of {@link FlowTableBenchmark}: the same
 * Zipf(1.0) packets over the same number of flows, each flow 128 bytes (two cache lines) in one array, and no work
 * but the loads a table cannot avoid. A ceiling for the table update, not a table:
 * <ul>
 *   <li>{@code oneLoad}: one load per packet from its flow's line, the slot known in advance (as if the index were
 *       free), 32 packets' loads issued together: the fewest misses any table with this much state per flow makes;
 *   <li>{@code indexThenFlow}: the index entry ({@code int[]} at load 1/2, as the table's), then the flow line it
 *       names, batched like {@link io.flowtrace.core.internal.SingleWriterFlowTable#touch}: the misses of the
 *       table's layout without its work;
 *   <li>{@code oneLoadWrite}, {@code indexThenFlowWrite}: the same, and the writes an update makes (packets, bytes
 *       and last time in the flow's first line), so that its lines go back to memory dirty.
 * </ul>
 * In cache ({@code -p flows=16384}) each of these runs at hundreds of millions per second: at 1M flows they measure
 * memory, not work.
 */
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class MemoryFloorBenchmark extends PacketBenchmark {
    // the table benchmark's traffic and batches, and the table's own layout, so that both measure the same accesses
    static final int TRAFFIC = FlowTableBenchmark.TRAFFIC;
    static final int OPS = FlowTableBenchmark.OPS;
    static final int BATCH = FlowTableBenchmark.BATCH;
    static final int STRIDE = SingleWriterFlowTable.STRIDE;
    static final int BASE = SingleWriterFlowTable.BASE;

    /** Flows: 1M as in the table's target; {@code -p flows=16384} fits in cache. */
    @Param("1048576")
    public int flows;

    private long[] data;
    private int[] index;
    private int mask;
    /** Per packet: the flow's slot (for {@code oneLoad}) and its hash (for {@code indexThenFlow}). */
    private int[] slot;
    private int[] hash;
    private int cursor;

    @Setup
    public void setup() {
        data = new long[flows * STRIDE + BASE];
        index = new int[Integer.highestOneBit(flows) * 2 * (Integer.bitCount(flows) == 1 ? 1 : 2)];
        mask = index.length - 1;
        SplittableRandom r = new SplittableRandom(1);
        // flows placed at random slots, as arrival order would place them
        int[] place = shuffled(flows, r);
        int[] flowHash = new int[flows];
        for (int f = 0; f < flows; f++) {
            int h = mix(f);
            int pos = h & mask;
            while (index[pos] != 0) {
                pos = (pos + 1) & mask;
            }
            index[pos] = place[f] + 1;
            flowHash[f] = h;
            data[place[f] * STRIDE + BASE] = f;
        }
        ZipfRanks zipf = new ZipfRanks(flows);
        slot = new int[TRAFFIC];
        hash = new int[TRAFFIC];
        for (int i = 0; i < TRAFFIC; i++) {
            int rank = zipf.next(r);
            // rank k is flow k; its slot is random (place), as in FlowTableBenchmark
            slot[i] = place[rank];
            hash[i] = flowHash[rank];
        }
    }

    private static int mix(int x) {
        int h = x * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long oneLoad() {
        long[] d = data;
        int[] s = slot;
        int c = cursor;
        long acc = 0;
        for (int i = 0; i < OPS; i++) {
            acc += d[s[c] * STRIDE + BASE];
            c = (c + 1) & (TRAFFIC - 1);
        }
        cursor = c;
        return acc;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public long indexThenFlow() {
        long[] d = data;
        int[] idx = index;
        int m = mask;
        int[] hs = hash;
        int c = cursor;
        long acc = 0;
        for (int i = 0; i < OPS; i += BATCH) {
            for (int j = 0; j < BATCH; j++) {
                acc += idx[hs[(c + j) & (TRAFFIC - 1)] & m];
            }
            for (int j = 0; j < BATCH; j++) {
                int e = idx[hs[(c + j) & (TRAFFIC - 1)] & m];
                acc += d[(e - 1) * STRIDE + BASE];
            }
            c = (c + BATCH) & (TRAFFIC - 1);
        }
        cursor = c;
        return acc;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public int oneLoadWrite() {
        long[] d = data;
        int[] s = slot;
        int c = cursor;
        for (int i = 0; i < OPS; i++) {
            bump(d, s[c] * STRIDE + BASE, i);
            c = (c + 1) & (TRAFFIC - 1);
        }
        cursor = c;
        return c;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public int indexThenFlowWrite() {
        long[] d = data;
        int[] idx = index;
        int m = mask;
        int[] hs = hash;
        int[] es = entries;
        int c = cursor;
        for (int i = 0; i < OPS; i += BATCH) {
            for (int j = 0; j < BATCH; j++) {
                es[j] = idx[hs[(c + j) & (TRAFFIC - 1)] & m];
            }
            for (int j = 0; j < BATCH; j++) {
                bump(d, (es[j] - 1) * STRIDE + BASE, i);
            }
            c = (c + BATCH) & (TRAFFIC - 1);
        }
        cursor = c;
        return c;
    }

    private final int[] entries = new int[BATCH];

    private static void bump(long[] d, int b, long t) {
        d[b + 1]++;
        d[b + 2] += 1514;
        d[b + 3] = Math.max(d[b + 3], t);
    }
}
