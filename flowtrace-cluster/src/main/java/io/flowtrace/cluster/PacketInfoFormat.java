package io.flowtrace.cluster;

/**
 * How packets travel on a NATS subject: the analysis engine's probe formats, one {@code PacketInfo} per message,
 * or flowtrace's own batched form.
 *
 * @since 0.1
 */
public enum PacketInfoFormat {
    /** The probe's current format: Thrift binary protocol {@code PacketInfo}, one per message. */
    THRIFT,
    /** The probe's older format: Protobuf {@code PacketInfo}, one per message. */
    PROTOBUF,
    /** flowtrace's own: many packets per message, versioned. */
    BATCH
}
