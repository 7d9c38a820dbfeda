package io.flowtrace.core.internal;

import java.security.SecureRandom;

/**
 * The keyed hash of a flow key from which the dispatcher picks a worker and the flow table an index position, and
 * of a fragmented datagram's key from which the fragment cache picks a set. Keyed with a seed chosen at random once
 * per process, so that whoever chooses the packets, knowing this code, cannot choose keys that share a hash (a
 * table walking one long cluster per packet, every flow on one worker, a chosen datagram evicted from the fragment
 * cache). Flow ids ({@code FlowEvent.flowIdOf}) do not come from here: they must be equal in every process.
 *
 * <p>Each endpoint (address as four 32-bit chunks, port) is hashed by multilinear hashing with 64-bit random keys
 * (Lemire and Kaser, "Strongly universal string hashing is fast", Computer Journal 2014): two different endpoints
 * give the same 64-bit value with probability at most 2^-32 over the keys, whatever the attacker chose. The two
 * endpoints are combined with commutative operations (so both directions of a flow hash alike), then mixed with
 * MurmurHash3's finaliser. Immutable and thread-safe; no allocation.
 */
public final class FlowHash {
    /** The process's hash: every decoder of a pipeline uses it, so both directions reach one worker. */
    static final FlowHash PROCESS = new FlowHash(new SecureRandom().nextLong());

    private final long k0;
    private final long k1;
    private final long k2;
    private final long k3;
    private final long k4;
    private final long k5;
    private final long k6;
    private final long k7;

    /** A hash keyed by {@code seed} (tests fix it; the pipeline uses {@link #PROCESS}). */
    FlowHash(long seed) {
        long s = seed;
        k0 = splitMix(s += 0x9E3779B97F4A7C15L);
        k1 = splitMix(s += 0x9E3779B97F4A7C15L);
        k2 = splitMix(s += 0x9E3779B97F4A7C15L);
        k3 = splitMix(s += 0x9E3779B97F4A7C15L);
        k4 = splitMix(s += 0x9E3779B97F4A7C15L);
        k5 = splitMix(s += 0x9E3779B97F4A7C15L);
        k6 = splitMix(s += 0x9E3779B97F4A7C15L);
        k7 = splitMix(s + 0x9E3779B97F4A7C15L);
    }

    /** Multilinear hash of an address and a 32-bit value, all chunks below 2^32. */
    private long endpoint(long hi, long lo, int port) {
        return k0 + k1 * (hi >>> 32) + k2 * (hi & 0xFFFF_FFFFL) + k3 * (lo >>> 32) + k4 * (lo & 0xFFFF_FFFFL)
                + k5 * (port & 0xFFFF_FFFFL);
    }

    /** Symmetric hash of a flow key: both directions give the same value. */
    public int symmetric(long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort, int protocol,
                         int vlan) {
        long a = endpoint(srcHi, srcLo, srcPort);
        long b = endpoint(dstHi, dstLo, dstPort);
        long h = DecodedPacket.mix64(((a + b) ^ (a * b)) + k6 * (((long) protocol << 16) | (vlan & 0xFFFF)));
        return (int) (h ^ (h >>> 32));
    }

    /** Hash of a fragmented datagram's key (source, destination, identification, version and protocol). */
    int fragment(long srcHi, long srcLo, long dstHi, long dstLo, int id, int verProto) {
        long s = endpoint(srcHi, srcLo, id);
        long d = endpoint(dstHi, dstLo, verProto);
        long h = DecodedPacket.mix64(s ^ DecodedPacket.mix64(d + k7));
        return (int) (h ^ (h >>> 32));
    }

    private static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
