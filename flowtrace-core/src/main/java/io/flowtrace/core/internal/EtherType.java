package io.flowtrace.core.internal;

/**
 * The ethertypes the decoder follows (IEEE 802 numbers): after Ethernet, a VLAN tag, Linux cooked capture, Cisco
 * HDLC, SNAP and GRE (whose protocol field is an ethertype). Constants only.
 */
final class EtherType {
    private EtherType() {
    }

    /** The largest value that is an 802.3 length, not a type: LLC follows. */
    static final int MAX_LENGTH = 1500;
    /** The smallest value that is a type. */
    static final int MIN_TYPE = 0x0600;

    static final int IPV4 = 0x0800;
    static final int IPV6 = 0x86dd;
    /** 802.1Q customer VLAN tag. */
    static final int VLAN = 0x8100;
    /** 802.1ad service VLAN tag (QinQ). */
    static final int QINQ = 0x88a8;
    /** Pre-standard QinQ tags some switches still send. */
    static final int QINQ_9100 = 0x9100;
    static final int QINQ_9200 = 0x9200;
    static final int MPLS_UNICAST = 0x8847;
    static final int MPLS_MULTICAST = 0x8848;
    static final int PPPOE_SESSION = 0x8864;
    /** PPP, as GRE carries it for PPTP (enhanced GRE). */
    static final int PPP = 0x880b;
    /** Cisco FabricPath: an outer Ethernet header before the original frame. */
    static final int FABRICPATH = 0x8903;
    /** Transparent Ethernet bridging: GRE carrying a whole Ethernet frame. */
    static final int TRANSPARENT_ETHERNET = 0x6558;
    /** ERSPAN type I and II (GRE). */
    static final int ERSPAN_II = 0x88be;
    /** ERSPAN type III (GRE). */
    static final int ERSPAN_III = 0x22eb;
}
