package io.flowtrace.bench;

import io.flowtrace.cluster.PacketPublisher;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.testkit.NatsServerProcess;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Packets per second through nats-server, per format: {@code java -cp benchmarks.jar
 * io.flowtrace.bench.NatsThroughput CAPTURE [--nats URL] [--formats thrift,protobuf,batch] [--runs N]}. A sensor
 * meters CAPTURE and publishes every packet ({@link PacketPublisher}); an engine on the {@code nats} source, in the
 * same process, meters what arrives. The sensor waits for NATS ({@code on_full=block}), as the probe command does
 * with a file. Prints per run: packets, the sensor's rate (capture read, decoded, encoded and handed to the
 * client), the end-to-end rate (until the engine has metered the last packet), NATS messages and
 * bytes, and every loss (publisher drops, client refusals, slow-consumer drops). Without {@code --nats} a
 * nats-server is started on a free port and stopped at the end. With {@code --jetstream} the packets go through a
 * stream ({@code FLOWTRACE_BENCH}, file storage, made and deleted by the tool) and the engine reads them with a
 * durable consumer, acknowledging each message.
 */
public final class NatsThroughput {
    private NatsThroughput() {
    }

    static final String USAGE =
            "usage: NatsThroughput CAPTURE [--nats URL] [--formats thrift,protobuf,batch] [--runs N] [--jetstream]";

    public static void main(String[] args) throws Exception {
        ToolArgs.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Options o = new Options();
        return ToolArgs.run("NatsThroughput", USAGE, args, out, err, o, capture -> measure(capture, o, out));
    }

    private static final class Options implements ToolArgs.Options {
        String nats;
        List<String> formats = List.of("thrift", "protobuf", "batch");
        int runs = 3;
        boolean jetStream;

        @Override
        public void take(String arg, ToolArgs a) {
            switch (arg) {
                case "--nats": nats = a.value(arg); break;
                case "--formats": formats = List.of(a.value(arg).split(",")); break;
                case "--runs": runs = a.positive(arg); break;
                case "--jetstream": jetStream = true; break;
                default: throw ToolArgs.unknown(arg);
            }
        }
    }

    private static void measure(Path capture, Options o, PrintStream out) throws Exception {
        Path dir = Files.createTempDirectory("nats-throughput");
        NatsServerProcess server = o.nats == null ? new NatsServerProcess(dir, o.jetStream) : null;
        String url = o.nats != null ? o.nats : server.url();
        if (o.jetStream) {
            try (io.nats.client.Connection c = io.nats.client.Nats.connect(url)) {
                c.jetStreamManagement().addStream(io.nats.client.api.StreamConfiguration.builder()
                        .name(STREAM).subjects("bench.>").build());
            }
        }
        try {
            out.printf(Locale.ROOT, "%-9s %10s %14s %14s %10s %12s %s%n", "format", "packets", "sensor pkt/s",
                    "e2e pkt/s", "messages", "bytes/pkt", "losses");
            for (int run = 0; run < o.runs; run++) {
                for (String f : o.formats) {
                    once(capture, url, f, o.jetStream ? "bench." + f + "." + run : null, server, out);
                }
            }
        } finally {
            if (o.jetStream) {
                try (io.nats.client.Connection c = io.nats.client.Nats.connect(url)) {
                    c.jetStreamManagement().deleteStream(STREAM);
                }
            }
            if (server != null) {
                server.close();
            }
            try (var s = Files.walk(dir)) {
                List<Path> all = new ArrayList<>(s.toList());
                java.util.Collections.reverse(all);
                for (Path p : all) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static final String STREAM = "FLOWTRACE_BENCH";

    /** One format once; {@code streamSubject}: through JetStream on that subject, else core NATS. */
    private static void once(Path capture, String url, String format, String streamSubject, NatsServerProcess server,
                             PrintStream out) throws Exception {
        String subject = streamSubject != null ? streamSubject : "bench.packets";
        Map<String, Object> src = new java.util.LinkedHashMap<>(Map.of("url", url, "subject", subject,
                "format", format, "live", "off", "idle_exit", "2s"));
        if (streamSubject != null) {
            src.put("jetstream", "on");
            src.put("durable", streamSubject.replace('.', '_'));
        }
        FlowTrace engine = FlowTrace.builder().source("nats", src).build();
        long inBytes0 = server != null ? server.varz("in_bytes") : 0;
        long subs0 = server != null ? server.varz("subscriptions") : 0;
        engine.start();
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (server != null && streamSubject == null && server.varz("subscriptions") <= subs0
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            if (server == null) {
                Thread.sleep(500);
            }
            long t0 = System.nanoTime();
            FlowStats sensor;
            Map<String, Long> pub;
            try (PacketPublisher p = PacketPublisher.create(new PluginConfig("probe",
                    Map.of("url", url, "subject", subject, "format", format, "on_full", "block")))) {
                sensor = FlowTrace.builder().source("pcap-file", Map.of("path", capture.toString()))
                        .packetListener(p).build().run();
                p.close();
                pub = p.counters();
            }
            long tSensor = System.nanoTime();
            long n = sensor.packetsDecoded();
            long seen = 0;
            long tLast = tSensor;
            while (true) {
                long now = engine.stats().packetsRead();
                if (now != seen) {
                    seen = now;
                    tLast = System.nanoTime();
                }
                if (seen >= n || System.nanoTime() - tLast > 3_000_000_000L) {
                    break;
                }
                Thread.sleep(1);
            }
            engine.stop();
            FlowStats e = engine.awaitTermination(java.time.Duration.ofSeconds(30));
            Map<String, Long> sc = e.sourceCounters();
            long bytes = server != null ? server.varz("in_bytes") - inBytes0 : 0;
            out.printf(Locale.ROOT, "%-9s %10d %14.0f %14.0f %10d %12s %s%n", format, n,
                    n / ((tSensor - t0) / 1e9), seen / ((tLast - t0) / 1e9), pub.get("messages"),
                    server != null && seen > 0 ? String.format(Locale.ROOT, "%.1f", bytes / (double) seen) : "-",
                    "received=" + seen + " dropped=" + pub.get("dropped") + " failed=" + pub.get("failed")
                            + " slow_consumer_dropped=" + sc.get("slow_consumer_dropped")
                            + " malformed=" + sc.get("malformed"));
        } finally {
            engine.stop();
            engine.close();
        }
    }
}
