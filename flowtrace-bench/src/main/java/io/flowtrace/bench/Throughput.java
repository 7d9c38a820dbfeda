package io.flowtrace.bench;

import io.flowtrace.capture.PcapFileSource;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.internal.DecodeStatus;
import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.internal.PacketDecoder;
import io.flowtrace.core.spi.PacketHandler;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * In-process throughput of one capture file, stage by stage:
 * {@code java -cp benchmarks.jar io.flowtrace.bench.Throughput CAPTURE [OUT] [--runs N]} prints packets/s of
 * the reader alone, of reader + decoder, then packets/s and records/s of the whole meter with the agent's default
 * settings, records written as NDJSON to OUT (default: a temporary file, deleted). The first runs include JIT
 * warm-up; the whole-process figure (JVM start included) is what {@code throughput.sh} measures.
 */
public final class Throughput {
    private Throughput() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: Throughput CAPTURE [OUT] [--runs N] [--workers N]");
            System.exit(2);
        }
        Path capture = Path.of(args[0]);
        Path out = null;
        int runs = 3;
        Integer workers = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--runs")) {
                runs = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--workers")) {
                workers = Integer.parseInt(args[++i]);
            } else {
                out = Path.of(args[i]);
            }
        }
        boolean temporary = out == null;
        if (temporary) {
            out = Files.createTempFile("flowtrace-throughput", ".ndjson");
        }
        try {
            for (int r = 0; r < runs; r++) {
                long[] count = new long[1];
                long t0 = System.nanoTime();
                try (PcapFileSource s = PcapFileSource.open(capture)) {
                    s.run(new PacketHandler() {
                        @Override
                        public void onPacket(long ts, int linkType, byte[] data, int off, int cap, int wire, int ifc) {
                            count[0]++;
                        }
                    });
                }
                report("read", count[0], 0, System.nanoTime() - t0);
            }
            for (int r = 0; r < runs; r++) {
                long[] count = new long[2];
                PacketDecoder dec = new PacketDecoder(false, false);
                DecodedPacket p = new DecodedPacket();
                long t0 = System.nanoTime();
                try (PcapFileSource s = PcapFileSource.open(capture)) {
                    s.run(new PacketHandler() {
                        @Override
                        public void onPacket(long ts, int linkType, byte[] data, int off, int cap, int wire, int ifc) {
                            count[0]++;
                            if (dec.decode(data, off, cap, linkType, p) == DecodeStatus.OK) {
                                count[1] += p.flowHash;
                            }
                        }
                    });
                }
                report("read+decode", count[0], 0, System.nanoTime() - t0);
            }
            for (int r = 0; r < runs; r++) {
                long t0 = System.nanoTime();
                java.util.concurrent.atomic.LongAdder n = new java.util.concurrent.atomic.LongAdder();
                FlowTrace.Builder b = FlowTrace.builder().source(PcapFileSource.open(capture)).onRecord(x -> n.increment());
                if (workers != null) {
                    b.workers(workers);
                }
                FlowStats st = b.build().run();
                report("meter -> counter", st.packetsRead(), st.records(), System.nanoTime() - t0);
            }
            for (int r = 0; r < runs; r++) {
                Files.deleteIfExists(out);
                long t0 = System.nanoTime();
                FlowTrace.Builder b = FlowTrace.builder().source(PcapFileSource.open(capture))
                        .sink("file", Map.of("path", out.toString()));
                if (workers != null) {
                    b.workers(workers);
                }
                FlowStats st = b.build().run();
                report("meter -> " + (temporary ? "ndjson file" : out.toString()), st.packetsRead(),
                        st.records(), System.nanoTime() - t0);
            }
        } finally {
            if (temporary) {
                Files.deleteIfExists(out);
            }
        }
    }

    private static void report(String what, long packets, long records, long nanos) {
        double s = nanos / 1e9;
        System.out.printf(Locale.ROOT, "%-28s %,12d packets in %.3f s: %7.2f M packets/s%s%n", what, packets, s,
                packets / s / 1e6, records > 0 ? String.format(Locale.ROOT, ", %,d records: %.2f M records/s",
                        records, records / s / 1e6) : "");
    }
}
