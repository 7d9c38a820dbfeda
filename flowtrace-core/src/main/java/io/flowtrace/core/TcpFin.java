package io.flowtrace.core;

/**
 * Which FINs end a TCP flow when {@link FlowOptions#tcpClose()} is on (an RST always does). Per-direction records
 * ({@link FlowOptions#bidirectional()} off) end at their own direction's FIN whatever the rule.
 *
 * @since 0.1
 */
public enum TcpFin {
    /** A FIN from both sides: a half-closed connection goes on until its idle timeout. */
    BOTH_SIDES("both-sides"),
    /**
     * A FIN from every side that has sent a packet: a flow whose other side has sent nothing (a one-sided capture, a
     * connection seen from its middle) ends at its FIN, as Zeek closes it.
     */
    SEEN_SIDES("seen-sides"),
    /** The first FIN from either side. */
    FIRST("first");

    private final String text;

    TcpFin(String text) {
        this.text = text;
    }

    /** {@return the setting's text form: {@code both-sides}, {@code seen-sides}, {@code first}} */
    public String text() {
        return text;
    }
}
