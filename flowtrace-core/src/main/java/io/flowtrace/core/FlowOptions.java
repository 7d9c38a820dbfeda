package io.flowtrace.core;

import java.time.Duration;
import java.util.Objects;

/**
 * How packets become flow events: timeouts, TCP termination, key shape and table bound. {@link Duration#ZERO}
 * means "never" for every timeout. Immutable and thread-safe; built by {@link FlowTrace.Builder} or
 * {@link #defaults()} and the {@code with...} methods.
 *
 * @param tcpIdleTimeout   idle timeout of TCP flows (sensor default 60 s)
 * @param udpIdleTimeout   idle timeout of UDP flows (sensor default 30 s)
 * @param icmpIdleTimeout  idle timeout of ICMP and ICMPv6 flows (30 s)
 * @param otherIdleTimeout idle timeout of every other IP protocol (30 s)
 * @param activeTimeout    a flow open this long is reported and a new event starts (default 30 min)
 * @param tcpClose         end TCP flows on RST, or on FIN in both directions
 * @param tcpLinger        after a TCP close, how long trailing packets (the last ACK) still count
 * @param bidirectional    one event per conversation (true) or one per direction (false)
 * @param vlanInKey        the outermost VLAN id is part of the key
 * @param decodeTunnels    meter the inner conversation of GRE, ERSPAN, VXLAN, GTP-U and Teredo tunnels
 * @param icmpTypeInKey    the ICMP type and its reply type (for a message with no reply, its code) are the source and
 *                         destination ports, as Zeek keys ICMP: an echo request and its reply share a flow with ports
 *                         8 and 0, a port unreachable is a flow of its own with ports 3 and 3; off, ICMP ports are 0
 * @param maxFlows         hard bound on flows tracked at once; the oldest idle flow is evicted beyond it
 */
public record FlowOptions(Duration tcpIdleTimeout, Duration udpIdleTimeout, Duration icmpIdleTimeout,
                          Duration otherIdleTimeout, Duration activeTimeout, boolean tcpClose, Duration tcpLinger,
                          boolean bidirectional, boolean vlanInKey, boolean decodeTunnels, boolean icmpTypeInKey,
                          int maxFlows) {

    /** Default bound on tracked flows. */
    public static final int DEFAULT_MAX_FLOWS = 1 << 20;

    public FlowOptions {
        checkDuration("tcpIdleTimeout", tcpIdleTimeout);
        checkDuration("udpIdleTimeout", udpIdleTimeout);
        checkDuration("icmpIdleTimeout", icmpIdleTimeout);
        checkDuration("otherIdleTimeout", otherIdleTimeout);
        checkDuration("activeTimeout", activeTimeout);
        checkDuration("tcpLinger", tcpLinger);
        if (maxFlows < 1) {
            throw new IllegalArgumentException("maxFlows: " + maxFlows + " (expected: >= 1)");
        }
        if (!activeTimeout.isZero()) {
            checkNotAbove("tcpIdleTimeout", tcpIdleTimeout, activeTimeout);
            checkNotAbove("udpIdleTimeout", udpIdleTimeout, activeTimeout);
            checkNotAbove("icmpIdleTimeout", icmpIdleTimeout, activeTimeout);
            checkNotAbove("otherIdleTimeout", otherIdleTimeout, activeTimeout);
        }
    }

    private static void checkDuration(String what, Duration d) {
        Objects.requireNonNull(d, what);
        if (d.isNegative()) {
            throw new IllegalArgumentException(what + ": " + d + " (expected: >= 0, 0 meaning never)");
        }
    }

    /** An idle timeout of 0 means never: flows then end at the active timeout, which is allowed. */
    private static void checkNotAbove(String what, Duration idle, Duration active) {
        if (!idle.isZero() && idle.compareTo(active) > 0) {
            throw new IllegalArgumentException(what + " (" + Durations.format(idle)
                    + ") must not exceed activeTimeout (" + Durations.format(active) + ")");
        }
    }

    /** The sensor's defaults: TCP 60 s, others 30 s, active 30 min, TCP close on, bidirectional. */
    public static FlowOptions defaults() {
        return new FlowOptions(Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(30),
                Duration.ofSeconds(30), Duration.ofMinutes(30), true, Duration.ofSeconds(2), true, false, false,
                false, DEFAULT_MAX_FLOWS);
    }

    public FlowOptions withIdleTimeouts(Duration tcp, Duration udp, Duration icmp, Duration other) {
        return new FlowOptions(tcp, udp, icmp, other, activeTimeout, tcpClose, tcpLinger, bidirectional,
                vlanInKey, decodeTunnels, icmpTypeInKey, maxFlows);
    }

    public FlowOptions withActiveTimeout(Duration active) {
        return new FlowOptions(tcpIdleTimeout, udpIdleTimeout, icmpIdleTimeout, otherIdleTimeout, active, tcpClose,
                tcpLinger, bidirectional, vlanInKey, decodeTunnels, icmpTypeInKey, maxFlows);
    }

    public FlowOptions withTcpClose(boolean on, Duration linger) {
        return new FlowOptions(tcpIdleTimeout, udpIdleTimeout, icmpIdleTimeout, otherIdleTimeout, activeTimeout, on,
                linger, bidirectional, vlanInKey, decodeTunnels, icmpTypeInKey, maxFlows);
    }

    public FlowOptions withBidirectional(boolean on) {
        return new FlowOptions(tcpIdleTimeout, udpIdleTimeout, icmpIdleTimeout, otherIdleTimeout, activeTimeout,
                tcpClose, tcpLinger, on, vlanInKey, decodeTunnels, icmpTypeInKey, maxFlows);
    }

    public FlowOptions withVlanInKey(boolean on) {
        return new FlowOptions(tcpIdleTimeout, udpIdleTimeout, icmpIdleTimeout, otherIdleTimeout, activeTimeout,
                tcpClose, tcpLinger, bidirectional, on, decodeTunnels, icmpTypeInKey, maxFlows);
    }

    public FlowOptions withDecodeTunnels(boolean on) {
        return new FlowOptions(tcpIdleTimeout, udpIdleTimeout, icmpIdleTimeout, otherIdleTimeout, activeTimeout,
                tcpClose, tcpLinger, bidirectional, vlanInKey, on, icmpTypeInKey, maxFlows);
    }

    public FlowOptions withIcmpTypeInKey(boolean on) {
        return new FlowOptions(tcpIdleTimeout, udpIdleTimeout, icmpIdleTimeout, otherIdleTimeout, activeTimeout,
                tcpClose, tcpLinger, bidirectional, vlanInKey, decodeTunnels, on, maxFlows);
    }

    public FlowOptions withMaxFlows(int max) {
        return new FlowOptions(tcpIdleTimeout, udpIdleTimeout, icmpIdleTimeout, otherIdleTimeout, activeTimeout,
                tcpClose, tcpLinger, bidirectional, vlanInKey, decodeTunnels, icmpTypeInKey, max);
    }

    /** Idle timeout in nanoseconds for an IP protocol number, or {@code Long.MAX_VALUE} for never. */
    public long idleTimeoutNanos(int protocol) {
        Duration d;
        switch (protocol) {
            case 6: d = tcpIdleTimeout; break;
            case 17: d = udpIdleTimeout; break;
            case 1: case 58: d = icmpIdleTimeout; break;
            default: d = otherIdleTimeout;
        }
        return Durations.nanosOrNever(d);
    }
}
