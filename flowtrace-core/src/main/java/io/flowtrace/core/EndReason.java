package io.flowtrace.core;

/**
 * Why a flow event was emitted. {@link #jsonName()} is the value of the event's {@code end_reason} field.
 *
 * @since 0.1
 */
public enum EndReason {
    /** No packet for the protocol's idle timeout. */
    IDLE_TIMEOUT("idle-timeout"),
    /** The conversation lasted the active timeout; later packets start a new event. */
    ACTIVE_TIMEOUT("active-timeout"),
    /** TCP FIN seen in both directions (after the linger). */
    TCP_FIN("tcp-fin"),
    /** TCP RST seen (after the linger). */
    TCP_RST("tcp-rst"),
    /** The flow table was full and this was the oldest idle flow. */
    EVICTED("evicted"),
    /** The capture file ended. */
    END_OF_CAPTURE("end-of-capture"),
    /** The pipeline was stopped while the flow was open. */
    SHUTDOWN("shutdown");

    private final String jsonName;

    EndReason(String jsonName) {
        this.jsonName = jsonName;
    }

    /** {@return the name in JSON events} */
    public String jsonName() {
        return jsonName;
    }
}
