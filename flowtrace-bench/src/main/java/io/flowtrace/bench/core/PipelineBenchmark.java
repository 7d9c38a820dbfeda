package io.flowtrace.bench.core;

import io.flowtrace.bench.Captures;
import io.flowtrace.bench.PacketBenchmark;
import io.flowtrace.capture.PcapFileSource;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.LongAdder;

/**
 * The whole meter in-process: reader, decoder, dispatch, worker flow tables and record delivery to a counting
 * sink, over a page-cached 1M-packet capture (Zipf 1.0, 20% IPv6, headers only), default flow options. With 114k
 * conversations (the 5M / 570k workload scaled down) allocation per packet includes the records (one
 * {@code FlowEvent} per conversation, about one per 9 packets); with 1000 conversations what is left is the
 * per-run setup (table, batches, threads) spread over the packets: the packet path itself allocates nothing.
 */
@State(Scope.Benchmark)
public class PipelineBenchmark extends PacketBenchmark {
    @Param({"1", "2"})
    public int workers;

    @Param({"114000", "1000"})
    public int conversations;

    private Path file;
    private final LongAdder records = new LongAdder();

    @Setup
    public void setup() {
        file = workload(conversations);
    }

    @TearDown
    public void tearDown() {
        Captures.delete(file);
    }

    @Benchmark
    @OperationsPerInvocation(CAPTURE_PACKETS)
    public long meter() throws IOException {
        FlowStats s = FlowTrace.builder().source(PcapFileSource.open(file)).workers(workers)
                .expectedFlows(conversations + conversations / 8).onEvent(r -> records.increment()).build().run();
        return s.events();
    }
}
