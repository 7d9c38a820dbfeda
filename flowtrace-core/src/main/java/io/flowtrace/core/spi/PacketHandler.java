package io.flowtrace.core.spi;

/**
 * Receives raw frames from a {@link PacketSource}, on the source's thread (the pipeline implements it; a source
 * only calls it). The frame bytes are only valid during the call: the handler copies what it keeps, so the source
 * may reuse its buffer at once. The pipeline's implementation allocates nothing per packet.
 *
 * @since 0.1
 */
public interface PacketHandler {

    /**
     * One captured frame.
     *
     * @param timestampNanos capture time, epoch nanoseconds
     * @param linkType       the frame's link-layer type, a pcap LINKTYPE_ value ({@link LinkType})
     * @param data           buffer holding the frame; valid only during the call
     * @param offset         offset of the frame in {@code data}
     * @param capturedLength bytes of the frame present in {@code data}
     * @param wireLength     the frame's original length on the wire
     * @param interfaceIndex index of the capture interface (pcapng interface id; 0 for single-interface sources)
     */
    void onPacket(long timestampNanos, int linkType, byte[] data, int offset, int capturedLength, int wireLength,
                  int interfaceIndex);

    /**
     * Moves the clock without a packet: live sources may call it when no packet has arrived for a while, with the
     * wall-clock time, so that idle flows expire when traffic stops (the pipeline's heartbeat calls it too, see
     * {@link PacketSource#isLive()}). A time before the latest packet's is ignored. Capture files never call it:
     * their packet time is the only clock.
     *
     * @param nowNanos the wall-clock time, epoch nanoseconds
     */
    default void onIdle(long nowNanos) {
    }
}
