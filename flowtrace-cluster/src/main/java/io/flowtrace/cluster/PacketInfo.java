package io.flowtrace.cluster;

import io.flowtrace.core.FlowKey;
import io.flowtrace.core.spi.PacketView;

/**
 * One packet as the probe describes it: time, 5-tuple and length. A mutable holder, reused: the codecs decode into
 * it and encode from it without allocating. Addresses are two longs each, as {@link PacketView} has them (IPv4 in
 * the low 32 bits of the low word). Not thread-safe.
 *
 * @since 0.1
 */
public final class PacketInfo {
    long timestampNanos;
    int ipVersion;
    long srcHi;
    long srcLo;
    long dstHi;
    long dstLo;
    int srcPort;
    int dstPort;
    int protocol;
    long length;

    /** An empty holder (IPv4, all zero). */
    public PacketInfo() {
        ipVersion = 4;
    }

    /**
     * Sets every field.
     *
     * @param timestampNanos capture time, epoch nanoseconds
     * @param ipVersion      4 or 6
     * @param srcHi          source address, high 64 bits (0 for IPv4)
     * @param srcLo          source address, low 64 bits
     * @param dstHi          destination address, high 64 bits (0 for IPv4)
     * @param dstLo          destination address, low 64 bits
     * @param srcPort        source port, 0..65535
     * @param dstPort        destination port, 0..65535
     * @param protocol       IP protocol number, 0..255
     * @param length         the frame's length on the wire, bytes
     * @return this holder
     */
    public PacketInfo set(long timestampNanos, int ipVersion, long srcHi, long srcLo, long dstHi, long dstLo,
                          int srcPort, int dstPort, int protocol, long length) {
        this.timestampNanos = timestampNanos;
        this.ipVersion = ipVersion == 6 ? 6 : 4;
        this.srcHi = ipVersion == 6 ? srcHi : 0;
        this.srcLo = ipVersion == 6 ? srcLo : srcLo & 0xffffffffL;
        this.dstHi = ipVersion == 6 ? dstHi : 0;
        this.dstLo = ipVersion == 6 ? dstLo : dstLo & 0xffffffffL;
        this.srcPort = srcPort & 0xffff;
        this.dstPort = dstPort & 0xffff;
        this.protocol = protocol & 0xff;
        this.length = length;
        return this;
    }

    /**
     * Copies a decoded packet: its time, 5-tuple and wire length.
     *
     * @param p the packet
     * @return this holder
     */
    public PacketInfo set(PacketView p) {
        return set(p.timestampNanos(), p.ipVersion(), p.srcHi(), p.srcLo(), p.dstHi(), p.dstLo(), p.srcPort(),
                p.dstPort(), p.protocol(), p.wireLength());
    }

    /**
     * Sets the 5-tuple from a flow key (time and length are kept).
     *
     * @param key the key
     * @return this holder
     */
    public PacketInfo set(FlowKey key) {
        return set(timestampNanos, key.ipVersion(), key.srcHi(), key.srcLo(), key.dstHi(), key.dstLo(),
                key.srcPort(), key.dstPort(), key.protocol(), length);
    }

    /** {@return capture time, epoch nanoseconds} */
    public long timestampNanos() {
        return timestampNanos;
    }

    /** {@return 4 or 6} */
    public int ipVersion() {
        return ipVersion;
    }

    /** {@return source address, high 64 bits (0 for IPv4)} */
    public long srcHi() {
        return srcHi;
    }

    /** {@return source address, low 64 bits (IPv4 in the low 32)} */
    public long srcLo() {
        return srcLo;
    }

    /** {@return destination address, high 64 bits (0 for IPv4)} */
    public long dstHi() {
        return dstHi;
    }

    /** {@return destination address, low 64 bits (IPv4 in the low 32)} */
    public long dstLo() {
        return dstLo;
    }

    /** {@return source port} */
    public int srcPort() {
        return srcPort;
    }

    /** {@return destination port} */
    public int dstPort() {
        return dstPort;
    }

    /** {@return IP protocol number} */
    public int protocol() {
        return protocol;
    }

    /** {@return the frame's length on the wire, bytes} */
    public long length() {
        return length;
    }

    /** {@return the 5-tuple as a flow key (allocates)} */
    public FlowKey toKey() {
        return new FlowKey(ipVersion, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, protocol, 0);
    }

    /** {@return the packet as text, for messages and tests} */
    @Override
    public String toString() {
        return "PacketInfo{" + toKey() + " t=" + timestampNanos + " len=" + length + "}";
    }
}
