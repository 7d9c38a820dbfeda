package io.flowtrace.bench.core;

import io.flowtrace.bench.PacketBenchmark;
import io.flowtrace.core.internal.DecodedPacket;
import io.flowtrace.core.internal.Pipeline;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.SplittableRandom;

/**
 * The source thread's work between decoding and a worker's batch: the symmetric flow hash of the key, the worker
 * chosen from it (the pipeline's multiply-shift over 2 workers) and the copy of the packet into that worker's
 * pre-allocated batch slot.
 */
@State(Scope.Thread)
public class DispatchBenchmark extends PacketBenchmark {
    static final int PACKETS = 4096;
    static final int WORKERS = 2;
    static final int BATCH = 256;

    private final DecodedPacket[] input = new DecodedPacket[PACKETS];
    private final DecodedPacket[][] batches = new DecodedPacket[WORKERS][BATCH];
    private final int[] fill = new int[WORKERS];

    @Setup
    public void setup() {
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < PACKETS; i++) {
            DecodedPacket p = new DecodedPacket();
            p.ipVersion = r.nextInt(5) == 0 ? 6 : 4;
            p.srcHi = p.ipVersion == 6 ? 0x20010db800000000L : 0;
            p.dstHi = p.srcHi;
            p.srcLo = r.nextInt() & 0xFFFF_FFFFL;
            p.dstLo = r.nextInt() & 0xFFFF_FFFFL;
            p.srcPort = r.nextInt(65536);
            p.dstPort = 443;
            p.protocol = 6;
            p.wireLength = 1514;
            p.ipLength = 1500;
            p.tcpFlags = 0x10;
            input[i] = p;
        }
        for (DecodedPacket[] b : batches) {
            for (int i = 0; i < BATCH; i++) {
                b[i] = new DecodedPacket();
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public int hashAndDispatch() {
        int acc = 0;
        for (int i = 0; i < PACKETS; i++) {
            DecodedPacket p = input[i];
            p.flowHash = DecodedPacket.symmetricHash(p.srcHi, p.srcLo, p.dstHi, p.dstLo, p.srcPort, p.dstPort,
                    p.protocol, 0);
            int w = Pipeline.workerOf(p.flowHash, WORKERS);
            int at = fill[w];
            DecodedPacket to = batches[w][at];
            fill[w] = at + 1 == BATCH ? 0 : at + 1;
            to.timestampNanos = p.timestampNanos;
            to.ipVersion = p.ipVersion;
            to.srcHi = p.srcHi;
            to.srcLo = p.srcLo;
            to.dstHi = p.dstHi;
            to.dstLo = p.dstLo;
            to.srcPort = p.srcPort;
            to.dstPort = p.dstPort;
            to.protocol = p.protocol;
            to.vlan = p.vlan;
            to.wireLength = p.wireLength;
            to.capturedLength = p.capturedLength;
            to.ipLength = p.ipLength;
            to.tcpFlags = p.tcpFlags;
            to.icmpType = p.icmpType;
            to.icmpCode = p.icmpCode;
            to.interfaceIndex = p.interfaceIndex;
            to.flowHash = p.flowHash;
            to.payloadLength = p.payloadLength;
            to.fragment = p.fragment;
            acc += w;
        }
        return acc;
    }
}
