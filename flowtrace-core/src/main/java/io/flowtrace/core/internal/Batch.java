package io.flowtrace.core.internal;

import io.flowtrace.core.EndReason;

/**
 * A reusable batch of decoded packets travelling from the source thread to one worker: packets to meter and the
 * source's clock, or the end of the run ({@link #markEnd}). Allocated once; the packets are copied into
 * pre-allocated {@link DecodedPacket}s. Owned by one thread at a time: the source thread fills it, a
 * {@link BatchLane} hands it over, the worker reads it and the lane gives it back {@link #reset()}.
 */
final class Batch {
    final DecodedPacket[] packets;
    int count;
    /** The source's packet clock when the batch was handed over. */
    long clock = Long.MIN_VALUE;
    /** Null for packets; otherwise the batch ends the worker, which flushes every flow with this reason. */
    private EndReason endReason;

    Batch(int size) {
        packets = new DecodedPacket[size];
        for (int i = 0; i < size; i++) {
            packets[i] = new DecodedPacket();
        }
    }

    boolean isFull() {
        return count == packets.length;
    }

    /** Makes this the worker's last batch: no packets, flush every flow with {@code reason}. */
    void markEnd(EndReason reason) {
        count = 0;
        endReason = reason;
    }

    boolean isEnd() {
        return endReason != null;
    }

    EndReason endReason() {
        return endReason;
    }

    void reset() {
        count = 0;
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
