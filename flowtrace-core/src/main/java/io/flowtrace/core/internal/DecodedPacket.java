package io.flowtrace.core.internal;

import io.flowtrace.core.FlowKey;
import io.flowtrace.core.spi.PacketView;

/**
 * The decoder's output for one frame: plain mutable fields, reused for every packet. Filled by
 * {@link PacketDecoder#decode}, read by the dispatcher and the flow table. Not thread-safe.
 */
public final class DecodedPacket implements PacketView {
    public long timestampNanos;
    public int ipVersion;
    public long srcHi;
    public long srcLo;
    public long dstHi;
    public long dstLo;
    public int srcPort;
    public int dstPort;
    public int protocol;
    public int vlan;
    public int wireLength;
    public int capturedLength;
    public int ipLength;
    public int tcpFlags;
    public int icmpType = -1;
    public int icmpCode = -1;
    public int interfaceIndex;
    public int flowHash;
    /** L4 payload bytes present in the IP datagram (IP length minus headers), 0 when unknown. */
    public int payloadLength;
    /**
     * True for a non-first IPv4/IPv6 fragment whose first fragment the decoder has not seen: ports are unknown (0).
     * A later fragment whose first fragment was seen gets that fragment's key and is not marked.
     */
    public boolean fragment;

    /** Clears the fields the decoder fills conditionally. */
    public void clear() {
        ipVersion = 0;
        srcHi = srcLo = dstHi = dstLo = 0;
        srcPort = dstPort = protocol = vlan = 0;
        ipLength = tcpFlags = payloadLength = 0;
        icmpType = icmpCode = -1;
        fragment = false;
    }

    @Override public long timestampNanos() { return timestampNanos; }
    @Override public int ipVersion() { return ipVersion; }
    @Override public long srcHi() { return srcHi; }
    @Override public long srcLo() { return srcLo; }
    @Override public long dstHi() { return dstHi; }
    @Override public long dstLo() { return dstLo; }
    @Override public int srcPort() { return srcPort; }
    @Override public int dstPort() { return dstPort; }
    @Override public int protocol() { return protocol; }
    @Override public int vlan() { return vlan; }
    @Override public int wireLength() { return wireLength; }
    @Override public int ipLength() { return ipLength; }
    @Override public int tcpFlags() { return tcpFlags; }
    @Override public int icmpType() { return icmpType; }
    @Override public int icmpCode() { return icmpCode; }
    @Override public int interfaceIndex() { return interfaceIndex; }
    @Override public int flowHash() { return flowHash; }

    @Override
    public FlowKey toKey() {
        return new FlowKey(ipVersion, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol, vlan);
    }

    /**
     * The process's seeded symmetric hash of the key ({@link FlowHash#symmetric}): both directions give the same
     * value, so the dispatcher sends both to one worker.
     */
    public static int symmetricHash(long srcHi, long srcLo, long dstHi, long dstLo, int srcPort, int dstPort,
                                    int protocol, int vlan) {
        return FlowHash.PROCESS.symmetric(srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol, vlan);
    }

    /** MurmurHash3's 64-bit finaliser: a bijection whose every output bit depends on every input bit. */
    public static long mix64(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
