package io.flowtrace.bench.core;

import io.flowtrace.bench.PacketBenchmark;
import io.flowtrace.core.Direction;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.internal.FlowEventEncoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One flow event as one NDJSON line in a reused buffer, by the direct byte encoder {@link FlowEventEncoder} that
 * writes {@link io.flowtrace.core.EventJson}'s flow events and the lines of the built-in sinks. 1024 records
 * shaped like a capture's: 80% IPv4, 20% IPv6, few packets per flow, nanosecond timestamps. Run with
 * {@code -prof gc} for bytes allocated per record.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RecordEncodingBenchmark extends PacketBenchmark {
    static final int RECORDS = 1024;

    private final FlowEvent[] records = new FlowEvent[RECORDS];
    private byte[] buf = new byte[64 * 1024];

    @Setup
    public void setup() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < RECORDS; i++) {
            FlowKey k;
            if (rnd.nextInt(5) == 0) {
                k = new FlowKey(6, 0x20010db800000000L | rnd.nextInt(1 << 16), rnd.nextLong(),
                        0x2001048860000000L, 0x8888L, rnd.nextInt(1024, 65536), 443, 6, 0);
            } else {
                k = FlowKey.ipv4(0x0a000000 | rnd.nextInt(1 << 16), rnd.nextInt(), rnd.nextInt(1024, 65536),
                        rnd.nextBoolean() ? 443 : 53, rnd.nextBoolean() ? 6 : 17);
            }
            long start = 1_714_564_800_000_000_000L + rnd.nextLong(0, 3_600_000_000_000L);
            long end = start + (rnd.nextInt(4) == 0 ? 0 : rnd.nextLong(0, 30_000_000_000L));
            long pf = 1 + (long) Math.floor(1 / (1 - rnd.nextDouble() * 0.97));
            long pr = rnd.nextInt(3) == 0 ? 0 : pf - 1 + rnd.nextInt(3);
            long bf = pf * rnd.nextInt(60, 1500);
            long br = pr * rnd.nextInt(60, 1500);
            records[i] = new FlowEvent(FlowEvent.flowIdOf(k, start), k, start, end, pf, pr, bf, br, bf - 14 * pf,
                    br - 14 * pr, k.protocol() == 6 ? 0x1b : 0, k.protocol() == 6 ? 0x12 : 0,
                    EndReason.END_OF_CAPTURE, null, "sensor-1", Direction.UNKNOWN);
        }
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public int direct() {
        int n = 0;
        for (FlowEvent r : records) {
            int max = FlowEventEncoder.maxLength(r);
            if (max > buf.length) {
                buf = new byte[max];
            }
            n = FlowEventEncoder.writeLine(r, buf, 0);
        }
        return n;
    }
}
