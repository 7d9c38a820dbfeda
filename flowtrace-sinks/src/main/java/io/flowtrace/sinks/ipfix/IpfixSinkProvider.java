package io.flowtrace.sinks.ipfix;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.core.spi.SinkProvider;
import io.flowtrace.sinks.internal.Backoff;

import java.time.Clock;
import java.time.Duration;

/**
 * The {@code ipfix} sink: exports flow events to a flow collector as IPFIX (RFC 7011) or NetFlow v9 (RFC 3954),
 * over UDP or TCP. Records carry IANA information elements: source and destination address (IPv4 and IPv6 in two
 * templates), ports, protocol, packets, octets, first and last packet time in milliseconds ({@code
 * flowStartMilliseconds}/{@code flowEndMilliseconds}; NetFlow v9's {@code FIRST_SWITCHED}/{@code LAST_SWITCHED}
 * relative to the header's uptime), TCP flags, VLAN, {@code ingressInterface} and {@code flowEndReason}. A two-way
 * event is exported as two one-way records, forward (initiator to responder, with the initiator's counters) and
 * reverse (with the responder's), a direction with no packets being left out: common collectors such as nfcapd do
 * not read the RFC 5103 reverse elements. With {@code biflow=on} (IPFIX only) each event is one biflow record
 * instead (RFC 5103): the forward record's elements, initiator as source, and the responder's packets, octets and
 * TCP flags as the reverse elements {@code reversePacketDeltaCount}, {@code reverseOctetDeltaCount} and
 * {@code reverseTcpControlBits} (enterprise number 29305).
 *
 * <p>{@code ingressInterface} (element 10) is an interface index as the host numbers them (RFC 2863's
 * {@code ifIndex}): by default the index this host gives the event's capture interface, which is right for a live
 * capture; 0 (unknown) when the event names no interface or the host has none of that name. A capture file's
 * interface numbers (pcapng's interface ids) are positions in the file, not indexes of any host, and are not
 * exported; a file recorded on another host that names its interfaces should be exported with
 * {@code ingress-interface} set to a fixed number (or 0).
 *
 * <table>
 * <caption>Options</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@code host}</td><td>(required)</td><td>the collector's host name or address</td></tr>
 * <tr><td>{@code port}</td><td>{@code 4739} (IPFIX), {@code 2055} (v9)</td><td>the collector's port</td></tr>
 * <tr><td>{@code transport}</td><td>{@code udp}</td><td>{@code udp} or {@code tcp} (IPFIX only: NetFlow v9 has
 *     no framing for streams)</td></tr>
 * <tr><td>{@code version}</td><td>{@code 10}</td><td>{@code 10} (IPFIX) or {@code 9} (NetFlow v9)</td></tr>
 * <tr><td>{@code domain-id}</td><td>{@code 0}</td><td>observation domain id (IPFIX) or source id (v9) in every
 *     message header</td></tr>
 * <tr><td>{@code mtu}</td><td>{@code 1400}</td><td>largest message in bytes (256..65535); keep it under the path
 *     MTU so that UDP messages are not fragmented</td></tr>
 * <tr><td>{@code template-interval}</td><td>{@code 60s}</td><td>UDP: templates are sent again at least this
 *     often (over TCP they are sent once per connection)</td></tr>
 * <tr><td>{@code template-packets}</td><td>{@code 20}</td><td>UDP: templates are sent again at least every this
 *     many messages</td></tr>
 * <tr><td>{@code biflow}</td><td>{@code off}</td><td>{@code on}: one RFC 5103 biflow record per event (IPFIX only)
 *     rather than a record per direction</td></tr>
 * <tr><td>{@code ingress-interface}</td><td>{@code host}</td><td>{@code host}: the host's index of the event's
 *     capture interface (0 when unknown); or a number (0..4294967295) every record carries</td></tr>
 * <tr><td>{@code bytes}</td><td>{@code ip}</td><td>octet counts as {@code ip} (IP header onward, the meaning
 *     RFC 7012 gives {@code octetDeltaCount}) or {@code wire} (frame length, the events' {@code src_bytes})</td></tr>
 * <tr><td>{@code connect-timeout}</td><td>{@code 5s}</td><td>TCP: time to establish a connection</td></tr>
 * <tr><td>{@code backoff}</td><td>{@code 1s}</td><td>TCP: first wait before connecting again after a failure;
 *     doubles each failure; records produced while disconnected are counted as failed</td></tr>
 * <tr><td>{@code backoff-max}</td><td>{@code 60s}</td><td>TCP: longest wait between connection attempts</td></tr>
 * </table>
 *
 * <p>Messages are sent when full and whenever the sink's queue runs empty. Counters: {@code sent} (data records
 * handed to the network), {@code messages}, {@code failed} (records not sent: a send error, or no TCP
 * connection), {@code templates} (template records sent), {@code connects} and {@code connect-failures} (TCP).
 *
 * @since 0.1
 */
public final class IpfixSinkProvider implements SinkProvider {

    /** Called by {@link java.util.ServiceLoader}; does no work. */
    public IpfixSinkProvider() {
    }

    @Override
    public String name() {
        return "ipfix";
    }

    @Override
    public Sink create(PluginConfig config) {
        IpfixSettings s = settings(config);
        return new IpfixSink(name(), s, s.tcp() ? new TcpTransport(s, System::nanoTime) : new UdpTransport(s),
                System::nanoTime, Clock.systemUTC());
    }

    static IpfixSettings settings(PluginConfig config) {
        String host = config.requireString("host");
        int version = Integer.parseInt(config.getChoice("version", "10", "10", "9"));
        int port = config.getInt("port", version == 9 ? 2055 : 4739, 1, 65535);
        boolean tcp = "tcp".equals(config.getChoice("transport", "udp", "udp", "tcp"));
        long domainId = config.getLong("domain-id", 0, 0, 0xffffffffL);
        int mtu = config.getInt("mtu", 1400, MessageWriter.MIN_MTU, 65535);
        Duration templateInterval = config.getDuration("template-interval", Duration.ofSeconds(60));
        int templatePackets = config.getInt("template-packets", 20, 1, 1_000_000);
        boolean ipBytes = "ip".equals(config.getChoice("bytes", "ip", "ip", "wire"));
        boolean biflow = config.getBoolean("biflow", false);
        long ingress = IpfixSettings.INGRESS_FROM_HOST;
        String ingressText = config.getString("ingress-interface", "host").trim();
        if (!ingressText.equals("host")) {
            try {
                ingress = Long.parseLong(ingressText);
            } catch (NumberFormatException e) {
                ingress = -2;
            }
            if (ingress < 0 || ingress > 0xffffffffL) {
                config.error("ingress-interface: '" + ingressText + "' (expected: host, or an interface index"
                        + " 0..4294967295)");
                ingress = 0;
            }
        }
        Duration connectTimeout = config.getDuration("connect-timeout", Duration.ofSeconds(5));
        Duration backoff = config.getDuration("backoff", Duration.ofSeconds(1));
        Duration backoffMax = config.getDuration("backoff-max", Duration.ofSeconds(60));
        if (tcp && version == 9) {
            config.error("transport: tcp with version 9 (expected: udp; NetFlow v9 messages carry no length, so a"
                    + " stream of them cannot be split; use version 10 over TCP)");
        }
        if (biflow && version == 9) {
            config.error("biflow: on with version 9 (expected: version 10; NetFlow v9 has no RFC 5103 reverse"
                    + " elements)");
        }
        if (biflow && mtu < MessageWriter.MIN_BIFLOW_MTU) {
            config.error("mtu: " + mtu + " with biflow on (expected: at least " + MessageWriter.MIN_BIFLOW_MTU
                    + ", room for the templates and one IPv6 biflow record)");
        }
        if (templateInterval.isZero()) {
            config.error("template-interval: 0 (expected: > 0)");
        }
        if (connectTimeout.isZero()) {
            config.error("connect-timeout: 0 (expected: > 0)");
        }
        if (backoffMax.compareTo(backoff) < 0) {
            config.error("backoff (" + backoff + ") must not exceed backoff-max (" + backoffMax + ")");
            backoffMax = backoff;
        }
        config.validate();
        return new IpfixSettings(host, port, version, tcp, domainId, mtu, templateInterval, templatePackets, ipBytes,
                biflow, ingress, connectTimeout, new Backoff(backoff, backoffMax, Duration.ZERO));
    }
}
