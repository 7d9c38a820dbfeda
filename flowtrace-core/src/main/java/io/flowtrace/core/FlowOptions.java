package io.flowtrace.core;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

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
 * @param tunnels          the tunnels whose inner conversation is metered (empty: none, every packet is its outer
 *                         flow); a tunnel not in the set is metered as the packet that carries it
 * @param icmpTypeInKey    the ICMP type and its reply type (for a message with no reply, its code) are the source and
 *                         destination ports, as Zeek keys ICMP: an echo request and its reply share a flow with ports
 *                         8 and 0, a port unreachable is a flow of its own with ports 3 and 3; off, ICMP ports are 0
 * @param maxFlows         hard bound on flows tracked at once; the oldest idle flow is evicted beyond it
 * @param ipFragments      what later IP fragments count for: joined to their first fragment's flow, skipped, or
 *                         reassembled into their datagram first
 * @since 0.1
 */
public record FlowOptions(Duration tcpIdleTimeout, Duration udpIdleTimeout, Duration icmpIdleTimeout,
                          Duration otherIdleTimeout, Duration activeTimeout, boolean tcpClose, Duration tcpLinger,
                          boolean bidirectional, boolean vlanInKey, Set<Tunnel> tunnels, boolean icmpTypeInKey,
                          int maxFlows, IpFragments ipFragments) {

    /** Default bound on tracked flows. */
    public static final int DEFAULT_MAX_FLOWS = 1 << 20;

    /**
     * Checks the components.
     *
     * @param tcpIdleTimeout idle timeout of TCP flows (sensor default 60 s)
     * @param udpIdleTimeout idle timeout of UDP flows (sensor default 30 s)
     * @param icmpIdleTimeout idle timeout of ICMP and ICMPv6 flows (30 s)
     * @param otherIdleTimeout idle timeout of every other IP protocol (30 s)
     * @param activeTimeout a flow open this long is reported and a new event starts (default 30 min)
     * @param tcpClose end TCP flows on RST, or on FIN in both directions
     * @param tcpLinger after a TCP close, how long trailing packets (the last ACK) still count
     * @param bidirectional one event per conversation (true) or one per direction (false)
     * @param vlanInKey the outermost VLAN id is part of the key
     * @param tunnels the tunnels whose inner conversation is metered (copied; empty: none)
     * @param icmpTypeInKey the ICMP type and its reply type (for a message with no reply, its code) are the source and
     *                      destination ports, as Zeek keys ICMP: an echo request and its reply share a flow with ports
     *                      8 and 0, a port unreachable is a flow of its own with ports 3 and 3; off, ICMP ports are 0
     * @param maxFlows hard bound on flows tracked at once; the oldest idle flow is evicted beyond it
     * @param ipFragments what later IP fragments count for: joined to their first fragment's flow, skipped, or
     *                    reassembled into their datagram first
     */
    public FlowOptions {
        checkDuration("tcpIdleTimeout", tcpIdleTimeout);
        checkDuration("udpIdleTimeout", udpIdleTimeout);
        checkDuration("icmpIdleTimeout", icmpIdleTimeout);
        checkDuration("otherIdleTimeout", otherIdleTimeout);
        checkDuration("activeTimeout", activeTimeout);
        checkDuration("tcpLinger", tcpLinger);
        EnumSet<Tunnel> copy = EnumSet.noneOf(Tunnel.class);
        copy.addAll(Objects.requireNonNull(tunnels, "tunnels"));
        tunnels = Collections.unmodifiableSet(copy);
        Objects.requireNonNull(ipFragments, "ipFragments");
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

    /** {@return the sensor's defaults: TCP 60 s, others 30 s, active 30 min, TCP close on, bidirectional} */
    public static FlowOptions defaults() {
        return new FlowOptions(Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(30),
                Duration.ofSeconds(30), Duration.ofMinutes(30), true, Duration.ofSeconds(2), true, false, Set.of(),
                false, DEFAULT_MAX_FLOWS, IpFragments.JOIN);
    }

    /**
     * {@return A copy with these idle timeouts per protocol}
     *
     * @param tcp the idle timeout of TCP flows
     * @param udp the idle timeout of UDP flows
     * @param icmp the idle timeout of ICMP and ICMPv6 flows
     * @param other the idle timeout of other protocols' flows
     */
    public FlowOptions withIdleTimeouts(Duration tcp, Duration udp, Duration icmp, Duration other) {
        return edit(e -> {
            e.tcpIdle = tcp;
            e.udpIdle = udp;
            e.icmpIdle = icmp;
            e.otherIdle = other;
        });
    }

    /**
     * {@return A copy with this active timeout ({@code 0}: never)}
     *
     * @param active the active timeout
     */
    public FlowOptions withActiveTimeout(Duration active) {
        return edit(e -> e.active = active);
    }

    /**
     * {@return A copy that ends TCP flows on RST or FIN both ways, or not, with this linger after a close}
     *
     * @param on whether a TCP close ends the flow
     * @param linger how long a closed flow waits for late packets
     */
    public FlowOptions withTcpClose(boolean on, Duration linger) {
        return edit(e -> {
            e.tcpClose = on;
            e.tcpLinger = linger;
        });
    }

    /**
     * {@return A copy with one event per conversation ({@code true}) or per direction}
     *
     * @param on one event per conversation
     */
    public FlowOptions withBidirectional(boolean on) {
        return edit(e -> e.bidirectional = on);
    }

    /**
     * {@return A copy that keys flows on the outermost VLAN id too, or not}
     *
     * @param on whether the VLAN id is part of the key
     */
    public FlowOptions withVlanInKey(boolean on) {
        return edit(e -> e.vlanInKey = on);
    }

    /**
     * {@return A copy that meters the inner conversation of every {@link Tunnel} ({@code true}), or of none}
     *
     * @param on whether the inner conversation of every tunnel is metered
     */
    public FlowOptions withDecodeTunnels(boolean on) {
        return withTunnels(on ? Tunnel.all() : Set.of());
    }

    /**
     * {@return A copy that meters the inner conversation of these tunnels only (copied)}
     *
     * @param tunnels the tunnels opened; empty for none
     */
    public FlowOptions withTunnels(Set<Tunnel> tunnels) {
        return edit(e -> e.tunnels = tunnels);
    }

    /**
     * {@return whether the inner conversation of this tunnel is metered}
     *
     * @param tunnel the tunnel
     */
    public boolean decodesTunnel(Tunnel tunnel) {
        return tunnels.contains(tunnel);
    }

    /**
     * {@return A copy that keys ICMP on type and reply type (or code), as Zeek does, or not}
     *
     * @param on whether ICMP is keyed so
     */
    public FlowOptions withIcmpTypeInKey(boolean on) {
        return edit(e -> e.icmpTypeInKey = on);
    }

    /**
     * {@return A copy with this bound on flows tracked at once}
     *
     * @param max the most flows tracked at once
     */
    public FlowOptions withMaxFlows(int max) {
        return edit(e -> e.maxFlows = max);
    }

    /**
     * {@return A copy that treats IP fragments so}
     *
     * @param mode join later fragments to the first one's flow, meter the first only, or reassemble datagrams
     */
    public FlowOptions withIpFragments(IpFragments mode) {
        return edit(e -> e.ipFragments = mode);
    }

    /** A copy with what {@code change} sets: each with-method names only its own fields. */
    private FlowOptions edit(Consumer<Copy> change) {
        Copy c = new Copy(this);
        change.accept(c);
        return new FlowOptions(c.tcpIdle, c.udpIdle, c.icmpIdle, c.otherIdle, c.active, c.tcpClose, c.tcpLinger,
                c.bidirectional, c.vlanInKey, c.tunnels, c.icmpTypeInKey, c.maxFlows, c.ipFragments);
    }

    /** The fields of a {@code FlowOptions} being copied, for {@link #edit}. */
    private static final class Copy {
        Duration tcpIdle;
        Duration udpIdle;
        Duration icmpIdle;
        Duration otherIdle;
        Duration active;
        boolean tcpClose;
        Duration tcpLinger;
        boolean bidirectional;
        boolean vlanInKey;
        Set<Tunnel> tunnels;
        boolean icmpTypeInKey;
        int maxFlows;
        IpFragments ipFragments;

        Copy(FlowOptions o) {
            tcpIdle = o.tcpIdleTimeout;
            udpIdle = o.udpIdleTimeout;
            icmpIdle = o.icmpIdleTimeout;
            otherIdle = o.otherIdleTimeout;
            active = o.activeTimeout;
            tcpClose = o.tcpClose;
            tcpLinger = o.tcpLinger;
            bidirectional = o.bidirectional;
            vlanInKey = o.vlanInKey;
            tunnels = o.tunnels;
            icmpTypeInKey = o.icmpTypeInKey;
            maxFlows = o.maxFlows;
            ipFragments = o.ipFragments;
        }
    }

    /**
     * {@return idle timeout in nanoseconds for an IP protocol number, or {@code Long.MAX_VALUE} for never}
     *
     * @param protocol the IP protocol number
     */
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
