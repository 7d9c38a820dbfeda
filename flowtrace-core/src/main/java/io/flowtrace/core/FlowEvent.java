package io.flowtrace.core;

import java.util.HexFormat;
import java.util.Objects;

/**
 * One finished conversation (or one active-timeout slice of it). "Forward" is the initiator's direction, from
 * {@link FlowKey#srcIp()} to {@link FlowKey#dstIp()}; "reverse" is the responder's. Timestamps are epoch
 * nanoseconds of packet time. Immutable and thread-safe.
 *
 * @param flowId          stable id: the same conversation and start time give the same id, whatever the worker count
 * @param key             the conversation, initiator first
 * @param startNanos      timestamp of the first packet
 * @param endNanos        timestamp of the last packet
 * @param packetsForward  packets from the initiator
 * @param packetsReverse  packets from the responder
 * @param bytesForward    wire bytes (original frame length) from the initiator
 * @param bytesReverse    wire bytes from the responder
 * @param ipBytesForward  IP-level bytes (IP header onward, from the IP length field) from the initiator
 * @param ipBytesReverse  IP-level bytes from the responder
 * @param tcpFlagsForward TCP flags seen from the initiator (OR of every segment; bit 0 FIN ... bit 7 CWR)
 * @param tcpFlagsReverse TCP flags seen from the responder
 * @param endReason       why the event was emitted
 * @param interfaceName   capture interface, or {@code null} when not known
 * @param hostname        host the meter runs on, or {@code null} when not set
 * @param direction       relative to the host's own addresses
 * @since 0.1
 */
public record FlowEvent(String flowId, FlowKey key, long startNanos, long endNanos,
                         long packetsForward, long packetsReverse, long bytesForward, long bytesReverse,
                         long ipBytesForward, long ipBytesReverse, int tcpFlagsForward, int tcpFlagsReverse,
                         EndReason endReason, String interfaceName, String hostname, Direction direction) {

    /**
     * Checks the components.
     *
     * @param flowId stable id: the same conversation and start time give the same id, whatever the worker count
     * @param key the conversation, initiator first
     * @param startNanos timestamp of the first packet
     * @param endNanos timestamp of the last packet
     * @param packetsForward packets from the initiator
     * @param packetsReverse packets from the responder
     * @param bytesForward wire bytes (original frame length) from the initiator
     * @param bytesReverse wire bytes from the responder
     * @param ipBytesForward IP-level bytes (IP header onward, from the IP length field) from the initiator
     * @param ipBytesReverse IP-level bytes from the responder
     * @param tcpFlagsForward TCP flags seen from the initiator (OR of every segment; bit 0 FIN ... bit 7 CWR)
     * @param tcpFlagsReverse TCP flags seen from the responder
     * @param endReason why the event was emitted
     * @param interfaceName capture interface, or {@code null} when not known
     * @param hostname host the meter runs on, or {@code null} when not set
     * @param direction relative to the host's own addresses
     */
    public FlowEvent {
        Objects.requireNonNull(flowId, "flowId");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(endReason, "endReason");
        Objects.requireNonNull(direction, "direction");
        if (endNanos < startNanos) {
            throw new IllegalArgumentException("endNanos: " + endNanos + " (expected: >= startNanos " + startNanos + ")");
        }
        if (packetsForward < 0 || packetsReverse < 0 || bytesForward < 0 || bytesReverse < 0
                || ipBytesForward < 0 || ipBytesReverse < 0) {
            throw new IllegalArgumentException("negative counter in flow event for " + key);
        }
        if (packetsForward + packetsReverse == 0) {
            throw new IllegalArgumentException("flow event for " + key + " has no packets");
        }
    }

    /** {@return packets in both directions} */
    public long packetCount() {
        return packetsForward + packetsReverse;
    }

    /** {@return wire bytes in both directions} */
    public long byteCount() {
        return bytesForward + bytesReverse;
    }

    /** {@return IP-level bytes in both directions} */
    public long ipByteCount() {
        return ipBytesForward + ipBytesReverse;
    }

    /** {@return time from first to last packet} */
    public long durationNanos() {
        return endNanos - startNanos;
    }

    /** {@return mean wire bytes per packet} */
    public double averagePacketSize() {
        return (double) byteCount() / packetCount();
    }

    /**
     * The id of an event: a 64-bit hash of the key and start time in hex. Deterministic, so that runs with any
     * number of workers, or a repeated run over the same capture, give the same ids (used for deduplication).
     *
     * @param key the flow's key
     * @param startNanos the flow's first packet time, epoch nanoseconds
     * @return the id, 16 hex digits
     */
    public static String flowIdOf(FlowKey key, long startNanos) {
        long h = 0x9E3779B97F4A7C15L * (startNanos ^ 0x51AFD7ED558CCD6L);
        h = mix(h ^ key.srcHi());
        h = mix(h ^ key.srcLo());
        h = mix(h ^ key.dstHi());
        h = mix(h ^ key.dstLo());
        h = mix(h ^ (((long) key.srcPort() << 48) | ((long) key.dstPort() << 32) | ((long) key.protocol() << 24)
                | ((long) key.vlan() << 8) | key.ipVersion()));
        return HEX.toHexDigits(h);
    }

    /** Lower-case digits; {@link HexFormat#toHexDigits(long)} writes all sixteen, zero-padded. */
    private static final HexFormat HEX = HexFormat.of();

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
