package io.flowtrace.bench.core;

import io.flowtrace.bench.PacketBenchmark;
import io.flowtrace.bench.ZipfRanks;
import io.flowtrace.core.FlowCache;
import io.flowtrace.core.FlowOptions;
import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.internal.RecordContext;
import io.flowtrace.core.internal.SingleWriterFlowTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One worker's flow table holding 1M live TCP flows (IPv4, inserted in random order; {@link #flows},
 * {@link #placement}), updated by Zipf(1.0) traffic over them, both directions. The packets' keys are laid out in
 * primitive arrays in arrival order (as the decoder would produce them) so that the benchmark's own loads stay
 * sequential. {@code update} updates packet by
 * packet; {@code updateBatched} goes through the worker's path, the {@link FlowCache} batch update of 32 packets,
 * which touches them first ({@link SingleWriterFlowTable#touch}) so that their cache misses overlap, then updates them.
 */
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class FlowTableBenchmark extends PacketBenchmark {
    static final int TRAFFIC = 1 << 22;
    static final int OPS = 4096;
    static final int BATCH = 32;

    /** Live flows in the table: 1M for the target; {@code -p flows=16384} keeps the table in cache. */
    @Param("1048576")
    public int flows;

    /**
     * Where the hot flows lie in the table: {@code random} (inserted in random order, as traffic would) or
     * {@code hot-first} (inserted by Zipf rank, so the most used flows share cache lines and pages), to tell the cost
     * of the hot flows' misses from that of the cold tail's.
     */
    @Param("random")
    public String placement;

    private SingleWriterFlowTable table;
    /** The table as the worker holds it. */
    private FlowCache cache;
    private long[] src;
    private long[] dst;
    private int[] ports;
    private int[] hash;
    private int cursor;
    private long now = 1_700_000_000_000_000_000L;
    private final DecodedPacket[] batch = new DecodedPacket[BATCH];

    @Setup
    public void setup() {
        FlowOptions o = FlowOptions.defaults();
        table = new SingleWriterFlowTable(o, flows, flows, r -> { }, RecordContext.none());
        cache = table;
        for (int i = 0; i < BATCH; i++) {
            batch[i] = new DecodedPacket();
            batch[i].ipVersion = 4;
            batch[i].protocol = 6;
            batch[i].tcpFlags = 0x10;
        }
        SplittableRandom r = new SplittableRandom(1);
        // flow f: client 10.x (f + 1), server 192.168.(f % 4096), client port from f
        if (!placement.equals("random") && !placement.equals("hot-first")) {
            throw new IllegalArgumentException("placement: " + placement + " (expected: random or hot-first)");
        }
        int[] order = placement.equals("random") ? shuffled(flows, r) : identity(flows);
        DecodedPacket p = batch[0];
        for (int i = 0; i < flows; i++) {
            fill(p, order[i], false);
            table.update(p);
        }
        // Zipf(1.0) ranks mapped onto flows in a random order
        ZipfRanks zipf = new ZipfRanks(flows);
        src = new long[TRAFFIC];
        dst = new long[TRAFFIC];
        ports = new int[TRAFFIC];
        hash = new int[TRAFFIC];
        for (int i = 0; i < TRAFFIC; i++) {
            int rank = zipf.next(r);
            fill(p, order[rank], r.nextInt(100) < 45);
            src[i] = p.srcLo;
            dst[i] = p.dstLo;
            ports[i] = p.srcPort | (p.dstPort << 16);
            hash[i] = p.flowHash;
        }
        System.out.printf(Locale.ROOT, "%nflow table: %,d flows, %,d bytes of table state, %.1f bytes per flow%n",
                table.size(), table.memoryBytes(), (double) table.memoryBytes() / table.size());
    }

    private void fill(DecodedPacket p, int flow, boolean reverse) {
        long client = 0x0A000000L + flow + 1;
        long server = 0xC0A80000L | (flow & 0xFFF);
        int cport = 1024 + (flow * 7919 & 0x7FFF);
        p.srcLo = reverse ? server : client;
        p.dstLo = reverse ? client : server;
        p.srcPort = reverse ? 443 : cport;
        p.dstPort = reverse ? cport : 443;
        p.wireLength = 1514;
        p.ipLength = 1500;
        p.timestampNanos = now;
        p.flowHash = DecodedPacket.symmetricHash(0, p.srcLo, 0, p.dstLo, p.srcPort, p.dstPort, 6, 0);
    }

    private void load(DecodedPacket p, int i) {
        p.srcLo = src[i];
        p.dstLo = dst[i];
        int pp = ports[i];
        p.srcPort = pp & 0xFFFF;
        p.dstPort = pp >>> 16;
        p.flowHash = hash[i];
        p.timestampNanos = ++now;
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public int update() {
        DecodedPacket p = batch[0];
        int c = cursor;
        for (int i = 0; i < OPS; i++) {
            load(p, c);
            table.update(p);
            c = (c + 1) & (TRAFFIC - 1);
        }
        cursor = c;
        return table.size();
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public int updateBatched() {
        DecodedPacket[] ps = batch;
        int c = cursor;
        for (int i = 0; i < OPS; i += BATCH) {
            for (int j = 0; j < BATCH; j++) {
                load(ps[j], c);
                c = (c + 1) & (TRAFFIC - 1);
            }
            cache.update(ps, 0, BATCH);
        }
        cursor = c;
        return table.size();
    }
}
