package io.flowtrace.bench.capture;

import io.flowtrace.bench.Captures;
import io.flowtrace.capture.PcapFileSource;
import io.flowtrace.core.spi.PacketHandler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The pcap file reader alone over a page-cached, headers-only capture of 1M packets (Zipf 1.0, 20% IPv6). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PcapReaderBenchmark {
    static final int PACKETS = 1_000_000;

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
        file = Captures.temporary(PACKETS, 114_000, 1.0, 0.2, 1);
    }

    @TearDown
    public void tearDown() {
        Captures.delete(file);
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public long read() throws IOException {
        try (PcapFileSource s = PcapFileSource.open(file)) {
            s.run(counter);
        }
        return counter.bytes;
    }
}
