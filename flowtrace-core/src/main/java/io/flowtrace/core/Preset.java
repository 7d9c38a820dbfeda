package io.flowtrace.core;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Another tool's flow definition as flow options: {@code like(Preset.ZEEK)} on the builder, {@code --like zeek} on
 * the command line, {@code like: zeek} in YAML. A preset supplies the value of every flow option that is not given
 * explicitly; an option given explicitly wins, wherever and in whatever order it is given. The README's table of
 * tool definitions gives each preset's values and where in the tool's sources they come from.
 *
 * @since 0.1
 */
public enum Preset {
    /**
     * Zeek's conn.log: TCP 5 min, UDP, ICMP and other IP protocols 1 min, DNS (UDP 53, 137, 5353, 5355) 10 s; no
     * active timeout; a connection ends 5 s after RST or after a FIN from every side seen, and an unanswered
     * connection attempt 5 s after its SYN; ICMP keyed by type; tunnels decapsulated; IPv6 packets with no next
     * header (Teredo bubbles) not metered.
     */
    ZEEK(zeek()),
    /**
     * Arkime's capture with its defaults: TCP 480 s, UDP and other protocols 60 s, ICMP 10 s, sessions saved every
     * 480 s, a session ends 5 s after RST or FIN from both sides; tunnels decapsulated. (Its test configuration adds
     * {@code icmpTimeout=60} and {@code sessionIdTracking=vlan}: ICMP 60 s, VLAN in the key.)
     */
    ARKIME(FlowOptions.defaults()
            .withIdleTimeouts(Duration.ofSeconds(480), Duration.ofSeconds(60), Duration.ofSeconds(10),
                    Duration.ofSeconds(60))
            .withActiveTimeout(Duration.ofSeconds(480))
            .withTcpClose(true, Duration.ofSeconds(5))
            .withVlanInKey(false)
            .withTunnels(EnumSet.of(Tunnel.GRE, Tunnel.ERSPAN, Tunnel.VXLAN, Tunnel.GTP, Tunnel.IPIP))
            .withIpFragments(IpFragments.REASSEMBLE)),
    /**
     * nDPI's ndpiReader: every protocol idle 30 s, no active timeout, no end on FIN or RST, VLAN in the key,
     * GTP-U, TZSP, CAPWAP, VXLAN, GRE and IP-in-IP decapsulated, up to 200 million flows.
     */
    NDPI(FlowOptions.defaults()
            .withIdleTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(30),
                    Duration.ofSeconds(30))
            .withActiveTimeout(Duration.ZERO)
            .withTcpClose(false, Duration.ZERO)
            .withVlanInKey(true)
            .withVlanInnermost(true)
            .withSctpPorts(false)
            .withTunnels(EnumSet.of(Tunnel.GTP, Tunnel.TZSP, Tunnel.CAPWAP, Tunnel.VXLAN, Tunnel.GRE, Tunnel.IPIP))
            .withIpFragments(IpFragments.FIRST_ONLY)
            .withMaxFlows(200_000_000)),
    /**
     * NFStream's defaults: every protocol idle 120 s, active 1800 s, no end on FIN or RST, VLAN in the key, GTP-U,
     * TZSP, CAPWAP and IP-in-IP decapsulated.
     */
    NFSTREAM(FlowOptions.defaults()
            .withIdleTimeouts(Duration.ofSeconds(120), Duration.ofSeconds(120), Duration.ofSeconds(120),
                    Duration.ofSeconds(120))
            .withActiveTimeout(Duration.ofSeconds(1800))
            .withTcpClose(false, Duration.ZERO)
            .withVlanInKey(true)
            .withVlanInnermost(true)
            .withSctpPorts(false)
            .withTunnels(EnumSet.of(Tunnel.GTP, Tunnel.TZSP, Tunnel.CAPWAP, Tunnel.IPIP))
            .withIpFragments(IpFragments.FIRST_ONLY)),
    /**
     * The Go flow sensor: one record per direction, TCP idle 60 s and UDP 30 s, no active timeout, a record ends at
     * its direction's FIN or RST at once, TCP and UDP only, no tunnels.
     */
    SENSOR(FlowOptions.defaults()
            .withIdleTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(30),
                    Duration.ofSeconds(30))
            .withActiveTimeout(Duration.ZERO)
            .withTcpClose(true, Duration.ZERO)
            .withBidirectional(false)
            .withTcpFin(TcpFin.FIRST)
            .withTunnels(Set.of())
            .withProtocols(Set.of(6, 17)));

    private final FlowOptions options;

    Preset(FlowOptions options) {
        this.options = options;
    }

    private static FlowOptions zeek() {
        Duration dns = Duration.ofSeconds(10); // dns_session_timeout, for the DNS analyzer's UDP ports
        return FlowOptions.defaults()
                .withIdleTimeouts(Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofMinutes(1),
                        Duration.ofMinutes(1))
                .withPortIdleTimeouts(PortTimeouts.of(Map.of("udp/53", dns, "udp/137", dns, "udp/5353", dns,
                        "udp/5355", dns)))
                .withActiveTimeout(Duration.ZERO)
                .withTcpClose(true, Duration.ofSeconds(5))
                .withTcpFin(TcpFin.SEEN_SIDES)
                .withTcpAttemptTimeout(Duration.ofSeconds(5))
                .withVlanInKey(false)
                .withTunnels(EnumSet.of(Tunnel.GRE, Tunnel.ERSPAN, Tunnel.VXLAN, Tunnel.GTP, Tunnel.TEREDO,
                        Tunnel.IPIP))
                .withIpFragments(IpFragments.REASSEMBLE)
                .withIcmpTypeInKey(true)
                .withSctpPorts(false) // an unknown transport to Zeek: its ports are 0
                .withProtocols(allBut(59)); // IPv6 "no next header": no connection, only a weird or a Teredo bubble
    }

    /** Every IP protocol number but {@code excluded}. */
    private static Set<Integer> allBut(int excluded) {
        Set<Integer> s = new java.util.TreeSet<>();
        for (int p = 0; p < 256; p++) {
            if (p != excluded) {
                s.add(p);
            }
        }
        return s;
    }

    /** {@return the flow options of this tool's definition} */
    public FlowOptions options() {
        return options;
    }
}
