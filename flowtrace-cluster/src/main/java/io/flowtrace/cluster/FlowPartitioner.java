package io.flowtrace.cluster;

import io.flowtrace.core.spi.PacketView;

/**
 * Picks a packet's partition ({@code SUBJECT.<n>}) by a symmetric flow hash keyed by the cluster's seed
 * ({@link ClusterSeed#partitioner}): both directions of a flow, and all its packets, go to one partition, so the
 * engine that owns it sees the whole flow. The key is the 5-tuple (addresses as two 64-bit halves each, ports,
 * protocol) with the two endpoints put in order. Immutable and thread-safe; no allocation.
 *
 * @since 0.1
 */
public final class FlowPartitioner {
    private static final long C1 = 0x87C37B91114253D5L;
    private static final long C2 = 0x4CF5AD432745937FL;

    private final int partitions;
    private final long seed;

    /**
     * A partitioner.
     *
     * @param partitions how many partitions, 1 to 65,536
     * @param seed the key of the hash ({@link ClusterSeed#partitionSeed()})
     */
    public FlowPartitioner(int partitions, long seed) {
        if (partitions < 1 || partitions > 65_536) {
            throw new IllegalArgumentException("partitions: " + partitions + " (expected: 1..65536)");
        }
        this.partitions = partitions;
        this.seed = seed;
    }

    /** {@return how many partitions} */
    public int partitions() {
        return partitions;
    }

    /**
     * {@return the partition of a packet, 0 to {@code partitions() - 1}}
     *
     * @param p a decoded packet
     */
    public int partition(PacketView p) {
        return partition(p.srcHi(), p.srcLo(), p.dstHi(), p.dstLo(), p.srcPort(), p.dstPort(), p.protocol());
    }

    /**
     * {@return the partition of a flow, the same for both directions}
     *
     * @param srcHi source address, high 64 bits (0 for IPv4)
     * @param srcLo source address, low 64 bits (the IPv4 address in the low 32 bits)
     * @param dstHi destination address, high 64 bits
     * @param dstLo destination address, low 64 bits
     * @param srcPort source port (0 when none)
     * @param dstPort destination port (0 when none)
     * @param protocol IP protocol number
     */
    public int partition(long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort, int protocol) {
        boolean swap = Long.compareUnsigned(srcHi, dstHi) > 0
                || srcHi == dstHi && (Long.compareUnsigned(srcLo, dstLo) > 0 || srcLo == dstLo && srcPort > dstPort);
        long aHi = swap ? dstHi : srcHi;
        long aLo = swap ? dstLo : srcLo;
        long bHi = swap ? srcHi : dstHi;
        long bLo = swap ? srcLo : dstLo;
        int aPort = swap ? dstPort : srcPort;
        int bPort = swap ? srcPort : dstPort;
        long h = seed;
        h = round(h, aHi);
        h = round(h, aLo);
        h = round(h, bHi);
        h = round(h, bLo);
        h = round(h, ((long) (aPort & 0xFFFF) << 32) | ((long) (bPort & 0xFFFF) << 16) | (protocol & 0xFF));
        h = fmix(h);
        return (int) (((h >>> 32) * partitions) >>> 32);
    }

    /**
     * {@return the partition of a flow given its addresses as 4 or 16 bytes}
     *
     * @param src source address, 4 or 16 bytes
     * @param dst destination address, 4 or 16 bytes
     * @param srcPort source port
     * @param dstPort destination port
     * @param protocol IP protocol number
     */
    public int partition(byte[] src, byte[] dst, int srcPort, int dstPort, int protocol) {
        return partition(hi(src), lo(src), hi(dst), lo(dst), srcPort, dstPort, protocol);
    }

    private static long hi(byte[] a) {
        return a.length == 16 ? word(a, 0) : 0;
    }

    private static long lo(byte[] a) {
        if (a.length == 16) {
            return word(a, 8);
        }
        if (a.length == 4) {
            return word(a, 0) >>> 32;
        }
        throw new IllegalArgumentException("address: " + a.length + " bytes (expected: 4 or 16)");
    }

    private static long word(byte[] a, int off) {
        long v = 0;
        int end = Math.min(a.length, off + 8);
        for (int i = off; i < off + 8; i++) {
            v = v << 8 | (i < end ? a[i] & 0xFF : 0);
        }
        return v;
    }

    private static long round(long h, long v) {
        h ^= Long.rotateLeft(v * C1, 31) * C2;
        return Long.rotateLeft(h, 27) * 5 + 0x52DCE729;
    }

    private static long fmix(long h) {
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9F53A3B2C91L;
        return h ^ h >>> 33;
    }

    /**
     * {@return the subject of a partition: {@code subject.<n>}, or {@code subject} itself when there is one
     * partition}
     *
     * @param subject the configured subject
     * @param partition the partition
     */
    public String subject(String subject, int partition) {
        return partitions == 1 ? subject : subject + "." + partition;
    }
}
