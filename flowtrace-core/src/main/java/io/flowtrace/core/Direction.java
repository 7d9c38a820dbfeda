package io.flowtrace.core;

import java.util.Locale;

/**
 * Where a flow goes relative to the host's own addresses (the sensor's {@code direction} field).
 *
 * @since 0.1
 */
public enum Direction {
    /** From elsewhere to one of the host's addresses. */
    INBOUND,
    /** From one of the host's addresses to elsewhere. */
    OUTBOUND,
    /** Both ends are the host's own addresses. */
    LOCAL,
    /** Neither end is the host's, or the host's addresses are not known (capture files). */
    UNKNOWN;

    private final String jsonName = name().toLowerCase(Locale.ROOT);

    /** {@return the name in JSON events} */
    public String jsonName() {
        return jsonName;
    }
}
