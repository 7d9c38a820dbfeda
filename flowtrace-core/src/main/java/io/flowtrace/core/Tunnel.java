package io.flowtrace.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A tunnel the decoder can open, so that the conversation it carries becomes the flow (see
 * {@link FlowOptions#tunnels()}). A tunnel not opened is metered as the packet that carries it: Teredo as plain UDP,
 * GRE as IP protocol 47. Each has a lower-case {@linkplain #token() token}, as settings write it.
 *
 * @since 0.1
 */
public enum Tunnel {
    /** GRE (protocol 47): IP, transparent Ethernet bridging, MPLS and PPTP's enhanced GRE carrying PPP. */
    GRE,
    /** ERSPAN type I, II and III mirrored Ethernet frames inside GRE. */
    ERSPAN,
    /** VXLAN (UDP 4789) carrying Ethernet. */
    VXLAN,
    /** GTP-U (UDP 2152) G-PDUs carrying IPv4 or IPv6. */
    GTP,
    /** Teredo (UDP 3544, or any port with a Teredo address) carrying IPv6. */
    TEREDO,
    /** IPv4 or IPv6 directly inside IPv4 or IPv6 (protocols 4 and 41). */
    IPIP,
    /** CAPWAP data channel (UDP 5247) carrying 802.3 Ethernet or native 802.11 frames. */
    CAPWAP,
    /** TZSP (UDP 37008) carrying Ethernet, 802.11, PPP or raw IP as a remote sniffer captured it. */
    TZSP;

    /** {@return the lower-case name settings use: {@code gre}, {@code vxlan}, ...} */
    public String token() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@return the bit of this tunnel in a set written as an int: {@code 1 << ordinal()}} */
    public int bit() {
        return 1 << ordinal();
    }

    /**
     * The tunnel of a token, in any case.
     *
     * @param token {@code gre}, {@code erspan}, {@code vxlan}, {@code gtp}, {@code teredo}, {@code ipip},
     *              {@code capwap} or {@code tzsp}
     * @return the tunnel
     * @throws IllegalArgumentException for another word, with the accepted ones
     */
    public static Tunnel of(String token) {
        String t = token.trim().toLowerCase(Locale.ROOT);
        for (Tunnel k : values()) {
            if (k.token().equals(t)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown tunnel '" + token.trim() + "' (expected: "
                + String.join(", ", tokens()) + ")");
    }

    /** {@return every token, in declaration order} */
    public static List<String> tokens() {
        List<String> out = new ArrayList<>();
        for (Tunnel k : values()) {
            out.add(k.token());
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * {@return the set as an int of {@link #bit()}s, for a decoder that tests a tunnel per packet without a lookup}
     *
     * @param tunnels the tunnels
     */
    public static int bits(Set<Tunnel> tunnels) {
        int m = 0;
        for (Tunnel k : tunnels) {
            m |= k.bit();
        }
        return m;
    }

    /** {@return every tunnel, as a new modifiable set} */
    public static EnumSet<Tunnel> all() {
        return EnumSet.allOf(Tunnel.class);
    }
}
