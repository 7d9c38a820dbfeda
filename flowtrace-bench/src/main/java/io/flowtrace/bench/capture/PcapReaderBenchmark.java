package io.flowtrace.bench.capture;

import io.flowtrace.bench.Captures;
import io.flowtrace.bench.PacketBenchmark;
import io.flowtrace.capture.PcapFileSource;
import io.flowtrace.core.spi.PacketHandler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Path;

/** The pcap file reader alone over a page-cached, headers-only capture of 1M packets (Zipf 1.0, 20% IPv6). */
@State(Scope.Benchmark)
public class PcapReaderBenchmark extends PacketBenchmark {
    private Path file;
    private final Counter counter = new Counter();

    static final class Counter implements PacketHandler {
        long packets;
        long bytes;

        @Override
        public void onPacket(long ts, int linkType, byte[] data, int off, int cap, int wire, int ifc) {
            packets++;
            bytes += wire + data[off + 13];
        }
    }

    @Setup
    public void setup() {
        file = workload(114_000);
    }

    @TearDown
    public void tearDown() {
        Captures.delete(file);
    }

    @Benchmark
    @OperationsPerInvocation(CAPTURE_PACKETS)
    public long read() throws IOException {
        try (PcapFileSource s = PcapFileSource.open(file)) {
            s.run(counter);
        }
        return counter.bytes;
    }
}
