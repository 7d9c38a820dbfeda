package io.flowtrace.sketch;

import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.Snapshot;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The aggregators inside the real pipeline: one instance per worker, merged at the snapshot. */
class PipelineTest {

    /** Serialises test traffic as raw IP frames (IPv4 or IPv6, then TCP or UDP headers). */
    static final class FrameSource implements PacketSource {
        private final TestTraffic traffic;
        private volatile boolean stopped;

        FrameSource(TestTraffic traffic) {
            this.traffic = traffic;
        }

        @Override
        public String description() {
            return "zipf test traffic";
        }

        @Override
        public void run(PacketHandler handler) {
            DecodedPacket p = new DecodedPacket();
            byte[] f = new byte[128];
            while (!stopped && traffic.next(p)) {
                int n = frame(p, f);
                handler.onPacket(p.timestampNanos, 101, f, 0, n, p.wireLength, 0);
            }
        }

        static int frame(DecodedPacket p, byte[] f) {
            java.util.Arrays.fill(f, (byte) 0);
            int l4 = p.protocol == 6 ? 20 : 8;
            int at;
            if (p.ipVersion == 4) {
                int total = 20 + l4;
                f[0] = 0x45;
                f[2] = (byte) (total >>> 8);
                f[3] = (byte) total;
                f[8] = 64;
                f[9] = (byte) p.protocol;
                putInt(f, 12, (int) p.srcLo);
                putInt(f, 16, (int) p.dstLo);
                at = 20;
            } else {
                f[0] = 0x60;
                f[4] = 0;
                f[5] = (byte) l4;
                f[6] = (byte) p.protocol;
                f[7] = 64;
                putLong(f, 8, p.srcHi);
                putLong(f, 16, p.srcLo);
                putLong(f, 24, p.dstHi);
                putLong(f, 32, p.dstLo);
                at = 40;
            }
            f[at] = (byte) (p.srcPort >>> 8);
            f[at + 1] = (byte) p.srcPort;
            f[at + 2] = (byte) (p.dstPort >>> 8);
            f[at + 3] = (byte) p.dstPort;
            if (p.protocol == 6) {
                f[at + 12] = 0x50;
                f[at + 13] = 0x18; // PSH ACK
            } else {
                f[at + 5] = 8;
            }
            return at + l4;
        }

        private static void putInt(byte[] b, int at, int v) {
            b[at] = (byte) (v >>> 24);
            b[at + 1] = (byte) (v >>> 16);
            b[at + 2] = (byte) (v >>> 8);
            b[at + 3] = (byte) v;
        }

        private static void putLong(byte[] b, int at, long v) {
            putInt(b, at, (int) (v >>> 32));
            putInt(b, at + 4, (int) v);
        }

        @Override
        public void stop() {
            stopped = true;
        }

        @Override
        public void close() {
        }
    }

    static Map<String, Snapshot> run(int workers, long seed) {
        List<Snapshot> out = new ArrayList<>();
        FlowTrace.builder()
                .source(new FrameSource(new ZipfTraffic(seed, 20_000, 1.0, 0, 5, 0.1, 300_000)))
                .workers(workers)
                .aggregator(ExactAggregator.of("per_src_ip", "src_ip", "bytes", 50))
                .aggregator(ExactAggregator.of("spread", "src_ip", "spread:dst_ip", 20))
                .aggregator(CountMinAggregator.of("hh", "src_ip", "bytes",
                        CountMinSketch.ofMemory(64 * 1024, 4, 1), 50))
                .aggregator(SuperSpreadAggregator.of("ss", "src_ip", "dst_ip", 256 * 1024, 300, 50))
                .aggregator(HllAggregator.of("distinct_dst", "dst_ip", null, 12, 1))
                .onSnapshot(out::add)
                .build()
                .run();
        Map<String, Snapshot> byTask = new HashMap<>();
        for (Snapshot s : out) {
            byTask.put(s.task(), s);
        }
        return byTask;
    }

    @Test
    void fourWorkersGiveTheOneWorkerAnswer() {
        SourceTruth truth = SourceTruth.run(new ZipfTraffic(31, 20_000, 1.0, 0, 5, 0.1, 300_000));
        Map<String, Snapshot> one = run(1, 31);
        Map<String, Snapshot> four = run(4, 31);

        // exact tasks: identical, and equal to the truth computed from the packets
        assertEquals(one.get("per_src_ip").rows(), four.get("per_src_ip").rows());
        assertEquals(one.get("spread").rows(), four.get("spread").rows());
        for (Snapshot.Row r : four.get("per_src_ip").rows()) {
            assertEquals(truth.valueOf(truth.bytes, (String) r.key().get("src_ip")), r.value());
        }
        for (Snapshot.Row r : four.get("spread").rows()) {
            assertEquals(truth.valueOf(truth.spread, (String) r.key().get("src_ip")), r.value());
        }
        assertEquals(300_000L, four.get("per_src_ip").totals().get("total_packets"));

        // count-min: the same top keys, bounds around the truth
        Snapshot hh = four.get("hh");
        int same = 0;
        for (int i = 0; i < 50; i++) {
            Snapshot.Row r = hh.rows().get(i);
            long actual = truth.valueOf(truth.bytes, (String) r.key().get("src_ip"));
            assertTrue(r.lower() <= actual && actual <= r.upper(), r + " vs " + actual);
            if (four.get("per_src_ip").rows().stream().anyMatch(e -> e.key().equals(r.key()))) {
                same++;
            }
        }
        assertTrue(same >= 49, "count-min top-50 overlap with exact: " + same);

        // super-spread: top spreaders within 10% of their true spread
        for (Snapshot.Row r : four.get("ss").rows().subList(0, 10)) {
            long actual = truth.valueOf(truth.spread, (String) r.key().get("src_ip"));
            assertEquals(actual, r.value(), 0.1 * actual, r.toString());
        }
        // hll: one row, exact merge, so one and four workers agree
        assertEquals(one.get("distinct_dst").rows(), four.get("distinct_dst").rows());
    }
}
