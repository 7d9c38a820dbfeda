package io.flowtrace.bench.capture;

import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PacketSourceProvider;
import io.flowtrace.core.spi.PluginConfig;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * What a live capture source costs per packet on its own thread, with a handler that only counts: heap bytes
 * allocated and CPU time of the capturing thread between the {@code --skip}th packet and the {@code --skip +
 * --packets}th, read from the JVM's thread counters at those two packets only.
 *
 * <pre>
 * java -cp flowtrace-bench/target/benchmarks.jar io.flowtrace.bench.capture.LiveSourceProbe \
 *      --source pcap-live --interface lo --packets 1000000 [--skip 100000] [--filter EXPR] [k=v ...]
 * </pre>
 * Prints one line: {@code source=... packets=... alloc_bytes_per_packet=... cpu_ns_per_packet=...}. Send the
 * traffic from another process (trafgen, ping -f); the probe stops after the packets it measures, or after
 * {@code --seconds} (default 120) whatever it has.
 */
public final class LiveSourceProbe {
    private LiveSourceProbe() {
    }

    public static void main(String[] args) throws Exception {
        String sourceName = "pcap-live";
        long skip = 100_000;
        long packets = 1_000_000;
        long seconds = 120;
        Map<String, String> config = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--source": sourceName = args[++i]; break;
                case "--interface": config.put("interface", args[++i]); break;
                case "--filter": config.put("filter", args[++i]); break;
                case "--packets": packets = Long.parseLong(args[++i]); break;
                case "--skip": skip = Long.parseLong(args[++i]); break;
                case "--seconds": seconds = Long.parseLong(args[++i]); break;
                default:
                    int eq = a.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("unknown argument: " + a);
                    }
                    config.put(a.substring(0, eq), a.substring(eq + 1));
            }
        }
        PacketSourceProvider provider = null;
        for (PacketSourceProvider p : ServiceLoader.load(PacketSourceProvider.class)) {
            if (p.name().equals(sourceName)) {
                provider = p;
            }
        }
        if (provider == null) {
            throw new IllegalArgumentException("no source named " + sourceName);
        }
        PacketSource source = provider.create(new PluginConfig("source '" + sourceName + "'", config));
        Counter counter = new Counter(source, skip, skip + packets);
        long limitMillis = seconds * 1000;
        Thread stopper = new Thread(() -> {
            try {
                Thread.sleep(limitMillis);
            } catch (InterruptedException e) {
                return;
            }
            source.stop();
        });
        stopper.setDaemon(true);
        stopper.start();
        System.err.println("probe: capturing");
        source.run(counter);
        long n = counter.measured();
        System.out.printf("source=%s packets=%d alloc_bytes_per_packet=%.2f cpu_ns_per_packet=%.1f counters=%s%n",
                sourceName, n, n == 0 ? 0.0 : (double) counter.allocated / n,
                n == 0 ? 0.0 : (double) counter.cpuNanos / n, source.counters());
    }

    /** Counts packets; reads the thread's counters at the first and last measured packet. Capture thread only. */
    private static final class Counter implements PacketHandler {
        private final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        private final PacketSource source;
        private final long from;
        private final long to;
        private long seen;
        private long bytes;
        private long allocStart;
        private long cpuStart;
        long allocated;
        long cpuNanos;

        Counter(PacketSource source, long from, long to) {
            this.source = source;
            this.from = from;
            this.to = to;
        }

        @Override
        public void onPacket(long timestampNanos, int linkType, byte[] data, int offset, int capturedLength,
                             int wireLength, int interfaceIndex) {
            bytes += data[offset]; // touch the frame, as a decoder would
            long n = ++seen;
            if (n == from) {
                allocStart = threads.getCurrentThreadAllocatedBytes();
                cpuStart = threads.getCurrentThreadCpuTime();
            } else if (n == to) {
                allocated = threads.getCurrentThreadAllocatedBytes() - allocStart;
                cpuNanos = threads.getCurrentThreadCpuTime() - cpuStart;
                source.stop();
            }
        }

        long measured() {
            return seen >= to ? to - from : 0;
        }
    }
}
