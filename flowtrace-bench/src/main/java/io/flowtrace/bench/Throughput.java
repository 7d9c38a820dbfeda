package io.flowtrace.bench;

import io.flowtrace.capture.PcapFileSource;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.internal.DecodeStatus;
import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.internal.PacketDecoder;
import io.flowtrace.core.spi.PacketHandler;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * In-process throughput of one capture file, stage by stage:
 * {@code java -cp benchmarks.jar io.flowtrace.bench.Throughput CAPTURE [OUT] [--runs N]} prints packets/s of
 * the reader alone, of reader + decoder, then packets/s and records/s of the whole meter with the agent's default
 * settings, to a counting sink and with records written as NDJSON to OUT (default: a temporary file, deleted). The
 * first runs include JIT warm-up; the whole-process figure (JVM start included) is what {@code throughput.sh} measures.
 */
public final class Throughput {
    private Throughput() {
    }

    static final String USAGE =
            "usage: Throughput CAPTURE [OUT] [--runs N] [--workers N] [--stages read,decode,counter,file]";
    private static final List<String> STAGES = List.of("read", "decode", "counter", "file");

    public static void main(String[] args) throws Exception {
        ToolArgs.exit(run(args, System.out, System.err));
    }

    /** Measures as {@link #main} does; returns the exit status (2: the arguments are wrong, said on {@code err}). */
    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Options o = new Options();
        return ToolArgs.run("Throughput", USAGE, args, out, err, o,
                capture -> measure(capture, o.file, o.runs, o.workers, o.stages, out));
    }

    /** The options, as given. */
    private static final class Options implements ToolArgs.Options {
        Path file;
        int runs = 3;
        Integer workers;
        final Set<String> stages = new LinkedHashSet<>(STAGES);

        @Override
        public void take(String arg, ToolArgs a) {
            switch (arg) {
                case "--runs": runs = a.positive(arg); break;
                case "--workers": workers = a.positive(arg); break;
                case "--stages":
                    stages.clear();
                    for (String st : a.value(arg).split(",")) {
                        if (!STAGES.contains(st)) {
                            throw new IllegalArgumentException("--stages: unknown stage '" + st + "' (stages: "
                                    + String.join(",", STAGES) + ")");
                        }
                        stages.add(st);
                    }
                    break;
                default:
                    if (arg.startsWith("-") || file != null) {
                        throw ToolArgs.unknown(arg);
                    }
                    file = Path.of(arg);
            }
        }
    }

    private static void measure(Path capture, Path file, int runs, Integer workers, Set<String> stages,
                                PrintStream ps) throws Exception {
        boolean temporary = file == null;
        Path out = temporary ? Files.createTempFile("flowtrace-throughput", ".ndjson") : file;
        try {
            for (int r = 0; r < runs && stages.contains("read"); r++) {
                read(ps, "read", capture, null);
            }
            for (int r = 0; r < runs && stages.contains("decode"); r++) {
                read(ps, "read+decode", capture, new PacketDecoder(false, false));
            }
            for (int r = 0; r < runs && stages.contains("counter"); r++) {
                long t0 = System.nanoTime();
                java.util.concurrent.atomic.LongAdder n = new java.util.concurrent.atomic.LongAdder();
                FlowTrace.Builder b = FlowTrace.builder().source(PcapFileSource.open(capture))
                        .onEvent(x -> n.increment());
                if (workers != null) {
                    b.workers(workers);
                }
                FlowStats st = b.build().run();
                report(ps, "meter -> counter", st.packetsRead(), st.events(), System.nanoTime() - t0);
            }
            for (int r = 0; r < runs && stages.contains("file"); r++) {
                Files.deleteIfExists(out);
                long t0 = System.nanoTime();
                FlowTrace.Builder b = FlowTrace.builder().source(PcapFileSource.open(capture))
                        .sink("file", Map.of("path", out.toString()));
                if (workers != null) {
                    b.workers(workers);
                }
                FlowStats st = b.build().run();
                report(ps, "meter -> " + (temporary ? "ndjson file" : out.toString()), st.packetsRead(),
                        st.events(), System.nanoTime() - t0);
            }
        } finally {
            if (temporary) {
                Files.deleteIfExists(out);
            }
        }
    }

    /** Reads the capture, decoding each frame when {@code decoder} is not null, and reports the time. */
    private static void read(PrintStream ps, String what, Path capture, PacketDecoder decoder) throws Exception {
        long[] count = new long[2];
        DecodedPacket p = new DecodedPacket();
        long t0 = System.nanoTime();
        try (PcapFileSource s = PcapFileSource.open(capture)) {
            s.run(new PacketHandler() {
                @Override
                public void onPacket(long ts, int linkType, byte[] data, int off, int cap, int wire, int ifc) {
                    count[0]++;
                    if (decoder != null && decoder.decode(data, off, cap, linkType, p) == DecodeStatus.OK) {
                        count[1] += p.flowHash;
                    }
                }
            });
        }
        report(ps, what, count[0], 0, System.nanoTime() - t0);
    }

    private static void report(PrintStream out, String what, long packets, long records, long nanos) {
        double s = nanos / 1e9;
        out.printf(Locale.ROOT, "%-28s %,12d packets in %.3f s: %7.2f M packets/s%s%n", what, packets, s,
                packets / s / 1e6, records > 0 ? String.format(Locale.ROOT, ", %,d records: %.2f M records/s",
                        records, records / s / 1e6) : "");
    }
}
