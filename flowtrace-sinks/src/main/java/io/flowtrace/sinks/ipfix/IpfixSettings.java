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
 * @param backoff          TCP: waits between connection attempts
 */
record IpfixSettings(String host, int port, int version, boolean tcp, long domainId, int mtu,
                     Duration templateInterval, int templatePackets, boolean ipBytes, Duration connectTimeout,
                     Backoff backoff) {

    /** Where messages go, as logs show it. */
    String target() {
        return (tcp ? "tcp" : "udp") + "://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
