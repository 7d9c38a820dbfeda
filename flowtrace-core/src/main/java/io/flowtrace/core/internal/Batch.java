package io.flowtrace.core.internal;

/**
 * A reusable batch of decoded packets travelling from the source thread to one worker. Allocated once; the
 * packets are copied into pre-allocated {@link DecodedPacket}s. Owned by one thread at a time (handed over
 * through SPSC queues).
 */
final class Batch {
    /** Packets to meter. */
    static final int KIND_PACKETS = 0;
    /** Ends the worker: flush every flow with {@link #endReason}. */
    static final int KIND_END = 1;

    final DecodedPacket[] packets;
    int count;
    /** The source's packet clock when the batch was handed over. */
    long clock = Long.MIN_VALUE;
    int kind;
    io.flowtrace.core.EndReason endReason;

    Batch(int size) {
        packets = new DecodedPacket[size];
        for (int i = 0; i < size; i++) {
            packets[i] = new DecodedPacket();
        }
    }

    boolean isFull() {
        return count == packets.length;
    }

    void reset() {
        count = 0;
        kind = KIND_PACKETS;
        endReason = null;
    }

    static void copy(DecodedPacket from, DecodedPacket to) {
        to.timestampNanos = from.timestampNanos;
        to.ipVersion = from.ipVersion;
        to.srcHi = from.srcHi;
        to.srcLo = from.srcLo;
        to.dstHi = from.dstHi;
        to.dstLo = from.dstLo;
        to.srcPort = from.srcPort;
        to.dstPort = from.dstPort;
        to.protocol = from.protocol;
        to.vlan = from.vlan;
        to.wireLength = from.wireLength;
        to.capturedLength = from.capturedLength;
        to.ipLength = from.ipLength;
        to.tcpFlags = from.tcpFlags;
        to.icmpType = from.icmpType;
        to.icmpCode = from.icmpCode;
        to.interfaceIndex = from.interfaceIndex;
        to.flowHash = from.flowHash;
        to.payloadLength = from.payloadLength;
        to.fragment = from.fragment;
    }
}
