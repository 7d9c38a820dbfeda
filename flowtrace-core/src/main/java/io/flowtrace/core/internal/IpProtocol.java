package io.flowtrace.core.internal;

/** The IP protocol numbers (IANA) the decoder reads: transports, tunnels and IPv6 extension headers. Constants only. */
final class IpProtocol {
    private IpProtocol() {
    }

    /** IPv6 hop-by-hop options. */
    static final int HOPOPT = 0;
    static final int ICMP = 1;
    /** IPv4 in IP. */
    static final int IPIP = 4;
    static final int TCP = 6;
    static final int UDP = 17;
    /** IPv6 in IP. */
    static final int IPV6 = 41;
    static final int IPV6_ROUTE = 43;
    static final int IPV6_FRAGMENT = 44;
    static final int GRE = 47;
    /** IPsec authentication header: its length counts 4-byte words, not 8-byte ones. */
    static final int AH = 51;
    static final int ICMPV6 = 58;
    static final int IPV6_DESTINATION_OPTIONS = 60;
    static final int SCTP = 132;
    static final int MOBILITY = 135;
    static final int HIP = 139;
    static final int SHIM6 = 140;
}
