package io.flowtrace.sinks.ipfix;

import io.flowtrace.sinks.internal.Backoff;

import java.time.Duration;

/**
 * The validated settings of one {@code ipfix} sink (see {@link IpfixSinkProvider} for their meaning).
 *
 * @param version          10 (IPFIX) or 9 (NetFlow v9)
 * @param tcp              TCP rather than UDP
 * @param domainId         IPFIX observation domain id, or NetFlow v9 source id
 * @param mtu              largest message in bytes
 * @param templateInterval UDP: templates are sent again at least this often
 * @param templatePackets  UDP: templates are sent again at least every this many messages
 * @param ipBytes          octet counts are IP-level bytes (RFC 7012's meaning) rather than wire (frame) bytes
 * @param biflow           one RFC 5103 biflow record per event (IPFIX only) rather than one record per direction
 * @param ingressInterface the ingressInterface every record carries, or {@link #INGRESS_FROM_HOST}
 * @param backoff          TCP: waits between connection attempts
 */
record IpfixSettings(String host, int port, int version, boolean tcp, long domainId, int mtu,
                     Duration templateInterval, int templatePackets, boolean ipBytes, boolean biflow,
                     long ingressInterface, Duration connectTimeout, Backoff backoff) {
    /** {@code ingressInterface}: this host's index of the event's capture interface, 0 when it has none. */
    static final long INGRESS_FROM_HOST = -1;

    /** Where messages go, as logs show it. */
    String target() {
        return (tcp ? "tcp" : "udp") + "://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
