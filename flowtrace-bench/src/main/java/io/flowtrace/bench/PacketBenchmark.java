package io.flowtrace.bench;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The JMH settings every packet-path benchmark shares (JMH reads them from the superclass): throughput per second,
 * where one operation is one packet ({@code @OperationsPerInvocation}), 3 warm-up and 5 measured iterations of 2 s,
 * one fork. A subclass gives its {@code @State} scope and overrides a setting it needs otherwise (a larger heap
 * through {@code @Fork}). Also the shared set-up helpers.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public abstract class PacketBenchmark {
    /** Packets of the capture the file benchmarks read ({@link #workload}). */
    public static final int CAPTURE_PACKETS = 1_000_000;

    /**
     * A temporary capture of {@link #CAPTURE_PACKETS} headers-only packets over {@code conversations} (Zipf 1.0,
     * 20% IPv6: the 5M-packet / 570k-conversation workload scaled down at 114,000); the caller deletes it.
     */
    protected static java.nio.file.Path workload(int conversations) {
        return Captures.temporary(CAPTURE_PACKETS, conversations, 1.0, 0.2, 1);
    }

    /** 0..n-1 in random order (Fisher-Yates from the top, so a seeded generator gives the same order every run). */
    protected static int[] shuffled(int n, SplittableRandom random) {
        int[] a = identity(n);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /** 0..n-1 in order. */
    protected static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }
}
