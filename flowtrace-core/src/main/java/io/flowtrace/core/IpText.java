package io.flowtrace.core;

/**
 * Text forms of addresses and protocols, written without going through {@link java.net.InetAddress}.
 *
 * @since 0.1
 */
public final class IpText {
    private IpText() {
    }

    /**
     * Formats an address held as two longs (IPv4 in the low 32 bits of {@code lo}). RFC 5952 for IPv6.
     *
     * @param ipVersion 4 or 6
     * @param hi the address's high 64 bits
     * @param lo the address's low 64 bits
     * @return the text form
     */
    public static String format(int ipVersion, long hi, long lo) {
        StringBuilder sb = new StringBuilder(39);
        append(sb, ipVersion, hi, lo);
        return sb.toString();
    }

    /**
     * Appends the text form of an address to {@code sb}.
     *
     * @param sb where the text goes
     * @param ipVersion 4 or 6
     * @param hi the address's high 64 bits
     * @param lo the address's low 64 bits
     */
    public static void append(StringBuilder sb, int ipVersion, long hi, long lo) {
        if (ipVersion == 4) {
            sb.append((lo >>> 24) & 0xff).append('.').append((lo >>> 16) & 0xff).append('.')
                    .append((lo >>> 8) & 0xff).append('.').append(lo & 0xff);
            return;
        }
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) ((hi >>> (48 - 16 * i)) & 0xffff);
            g[4 + i] = (int) ((lo >>> (48 - 16 * i)) & 0xffff);
        }
        // longest run of two or more zero groups is shortened to "::" (RFC 5952 section 4.2)
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] == 0) {
                int j = i;
                while (j < 8 && g[j] == 0) {
                    j++;
                }
                if (j - i > bestLen) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        // IPv4-mapped addresses keep the dotted tail (::ffff:192.0.2.1)
        if (hi == 0 && (lo >>> 32) == 0xffffL) {
            sb.append("::ffff:");
            append(sb, 4, 0, lo & 0xffffffffL);
            return;
        }
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (i > 0 && i != bestStart + bestLen) {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
    }

    /**
     * {@return the IANA keyword of common IP protocols, else the number as text}
     *
     * @param protocol IP protocol number
     */
    public static String protocolName(int protocol) {
        switch (protocol) {
            case 1: return "ICMP";
            case 2: return "IGMP";
            case 6: return "TCP";
            case 17: return "UDP";
            case 41: return "IPv6";
            case 47: return "GRE";
            case 50: return "ESP";
            case 51: return "AH";
            case 58: return "ICMPv6";
            case 89: return "OSPF";
            case 103: return "PIM";
            case 112: return "VRRP";
            case 132: return "SCTP";
            default: return Integer.toString(protocol);
        }
    }
}
