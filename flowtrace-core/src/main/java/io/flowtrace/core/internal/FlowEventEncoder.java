package io.flowtrace.core.internal;

import com.fasterxml.jackson.core.io.NumberOutput;
import io.flowtrace.core.Direction;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.IpText;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a {@link FlowEvent} as JSON straight into a byte array, in the form {@link io.flowtrace.core.EventJson}
 * documents: {@code "event":"flow"}, then {@link #FIELDS} in order. Field names are pre-encoded byte constants,
 * numbers and timestamps are written with two-digit tables, addresses are formatted as bytes, and the two
 * fractional fields ({@code flow_duration}, {@code avg_packet_size}) are written as their exact decimal when it is
 * short (always for durations under about 104 days) and otherwise as the shortest text that reads back to the same
 * double. Nothing is allocated per event except in that last, rarer case.
 *
 * <p>Typical use, with a reused array: {@code buf = ensure(buf, len + maxLength(r)); len = writeLine(r, buf, len);}.
 * All methods are static and thread-safe.
 */
public final class FlowEventEncoder {
    private FlowEventEncoder() {
    }

    /**
     * The fields of a flow event after {@code event}, in the order they are written; also the CSV columns (a CSV
     * file holds flow events only, so it has no {@code event} column).
     */
    public static final List<String> FIELDS = List.of(
        "flow_id", "timestamp", "interface", "hostname", "direction", "src_ip", "dst_ip", "src_port", "dst_port",
        "protocol", "flow_duration", "packet_count", "byte_count", "avg_packet_size", "start_time",
        "src_packets", "dst_packets", "src_bytes", "dst_bytes", "src_ip_bytes", "dst_ip_bytes",
        "src_tcp_flags", "dst_tcp_flags", "end_reason", "ip_version", "vlan");

    /** Size of a short constant made by {@link #text}. */
    private static final int TEXT = 32;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final byte[] F_FLOW_ID = text("{\"event\":\"flow\",\"flow_id\":");
    private static final byte[] F_TIMESTAMP = text(",\"timestamp\":\"");
    private static final byte[] F_INTERFACE = text("\",\"interface\":");
    private static final byte[] F_HOSTNAME = text(",\"hostname\":");
    private static final byte[] F_SRC_IP = text(",\"src_ip\":\"");
    private static final byte[] F_DST_IP = text("\",\"dst_ip\":\"");
    private static final byte[] F_SRC_PORT = text("\",\"src_port\":");
    private static final byte[] F_DST_PORT = text(",\"dst_port\":");
    private static final byte[] F_FLOW_DURATION = text(",\"flow_duration\":");
    private static final byte[] F_PACKET_COUNT = text(",\"packet_count\":");
    private static final byte[] F_BYTE_COUNT = text(",\"byte_count\":");
    private static final byte[] F_AVG_PACKET_SIZE = text(",\"avg_packet_size\":");
    private static final byte[] F_START_TIME = text(",\"start_time\":\"");
    private static final byte[] F_SRC_PACKETS = text("\",\"src_packets\":");
    private static final byte[] F_DST_PACKETS = text(",\"dst_packets\":");
    private static final byte[] F_SRC_BYTES = text(",\"src_bytes\":");
    private static final byte[] F_DST_BYTES = text(",\"dst_bytes\":");
    private static final byte[] F_SRC_IP_BYTES = text(",\"src_ip_bytes\":");
    private static final byte[] F_DST_IP_BYTES = text(",\"dst_ip_bytes\":");
    private static final byte[] F_SRC_TCP_FLAGS = text(",\"src_tcp_flags\":");
    private static final byte[] F_DST_TCP_FLAGS = text(",\"dst_tcp_flags\":");
    private static final byte[] F_IP_VERSION = text(",\"ip_version\":");
    private static final byte[] F_VLAN = text(",\"vlan\":");
    private static final byte[] NULL = text("null");

    /** {@code ,"direction":"inbound"} and so on, by ordinal. */
    private static final byte[][] DIRECTIONS = new byte[Direction.values().length][];
    /** {@code ,"protocol":"TCP"} and so on, by protocol number. */
    private static final byte[][] PROTOCOLS = new byte[256][];
    /** {@code ,"end_reason":"idle-timeout"} and so on, by ordinal. */
    private static final byte[][] END_REASONS = new byte[EndReason.values().length][];

    /** "00" to "99". */
    private static final byte[] PAIRS = new byte[200];
    /** "0" to "255", each as length then up to three digits. */
    private static final byte[] OCTETS = new byte[256 * 4];
    private static final byte[] HEX = ascii("0123456789abcdef");

    /** Longest output apart from the three free-text strings (flow id, interface, hostname). */
    private static final int FIXED_MAX;
    /** Largest double written by its exact decimal (2^53). */
    private static final long EXACT = 1L << 53;

    static {
        for (int i = 0; i < 100; i++) {
            PAIRS[2 * i] = (byte) ('0' + i / 10);
            PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
        for (int i = 0; i < 256; i++) {
            String s = Integer.toString(i);
            OCTETS[4 * i] = (byte) s.length();
            for (int j = 0; j < s.length(); j++) {
                OCTETS[4 * i + 1 + j] = (byte) s.charAt(j);
            }
        }
        for (Direction d : Direction.values()) {
            DIRECTIONS[d.ordinal()] = constant(",\"direction\":", d.jsonName());
        }
        for (EndReason e : EndReason.values()) {
            END_REASONS[e.ordinal()] = constant(",\"end_reason\":", e.jsonName());
        }
        int longest = 0;
        for (int i = 0; i < 256; i++) {
            PROTOCOLS[i] = constant(",\"protocol\":", IpText.protocolName(i));
            longest = Math.max(longest, textLength(PROTOCOLS[i]));
        }
        int names = 0;
        for (byte[] b : new byte[][] {F_FLOW_ID, F_TIMESTAMP, F_INTERFACE, F_HOSTNAME, F_SRC_IP, F_DST_IP,
                F_SRC_PORT, F_DST_PORT, F_FLOW_DURATION, F_PACKET_COUNT, F_BYTE_COUNT, F_AVG_PACKET_SIZE,
                F_START_TIME, F_SRC_PACKETS, F_DST_PACKETS, F_SRC_BYTES, F_DST_BYTES, F_SRC_IP_BYTES, F_DST_IP_BYTES,
                F_SRC_TCP_FLAGS, F_DST_TCP_FLAGS, F_IP_VERSION, F_VLAN}) {
            names += textLength(b);
        }
        int enums = 0;
        for (byte[] b : DIRECTIONS) {
            enums = Math.max(enums, textLength(b));
        }
        int reasons = 0;
        for (byte[] b : END_REASONS) {
            reasons = Math.max(reasons, textLength(b));
        }
        // quotes of the strings, 2 timestamps, 2 addresses, 2 doubles, 9 longs, 6 small ints, braces and newline
        FIXED_MAX = names + enums + reasons + longest + 6 + 2 * 30 + 2 * 45 + 2 * 48 + 9 * 20 + 6 * 11 + 4 + 8
                + TEXT; // the last constant's scratch bytes (put)
    }

    /** An upper bound of the bytes {@link #writeLine} writes for {@code r}. */
    public static int maxLength(FlowEvent r) {
        return FIXED_MAX + 6 * (r.flowId().length() + length(r.interfaceName()) + length(r.hostname()));
    }

    /**
     * Writes {@code r} as one JSON object followed by {@code '\n'} at {@code out[off]}; returns the offset after
     * it. {@code out} must have {@link #maxLength} bytes free from {@code off}.
     */
    public static int writeLine(FlowEvent r, byte[] out, int off) {
        int p = write(r, out, off);
        out[p++] = '\n';
        return p;
    }

    /** Writes {@code r} as one JSON object (no separator); otherwise as {@link #writeLine}. */
    public static int write(FlowEvent r, byte[] out, int off) {
        // one method although the JIT stops inlining its field writers partway (node budget): split into parts, it
        // runs faster once compiled but costs the compiler far longer, which short runs pay (see the bench RESULTS)
        FlowKey k = r.key();
        int p = put(out, off, F_FLOW_ID);
        p = string(out, p, r.flowId());
        p = put(out, p, F_TIMESTAMP);
        p = time(out, p, r.endNanos());
        p = put(out, p, F_INTERFACE);
        p = stringOrNull(out, p, r.interfaceName());
        p = put(out, p, F_HOSTNAME);
        p = stringOrNull(out, p, r.hostname());
        p = put(out, p, DIRECTIONS[r.direction().ordinal()]);
        p = put(out, p, F_SRC_IP);
        p = ip(out, p, k.ipVersion(), k.srcHi(), k.srcLo());
        p = put(out, p, F_DST_IP);
        p = ip(out, p, k.ipVersion(), k.dstHi(), k.dstLo());
        p = number(out, p, F_SRC_PORT, k.srcPort());
        p = number(out, p, F_DST_PORT, k.dstPort());
        p = put(out, p, PROTOCOLS[k.protocol()]);
        p = put(out, p, F_FLOW_DURATION);
        p = duration(out, p, r.durationNanos());
        p = number(out, p, F_PACKET_COUNT, r.packetCount());
        p = number(out, p, F_BYTE_COUNT, r.byteCount());
        p = put(out, p, F_AVG_PACKET_SIZE);
        p = quotient(out, p, r.byteCount(), r.packetCount());
        p = put(out, p, F_START_TIME);
        p = time(out, p, r.startNanos());
        p = number(out, p, F_SRC_PACKETS, r.packetsForward());
        p = number(out, p, F_DST_PACKETS, r.packetsReverse());
        p = number(out, p, F_SRC_BYTES, r.bytesForward());
        p = number(out, p, F_DST_BYTES, r.bytesReverse());
        p = number(out, p, F_SRC_IP_BYTES, r.ipBytesForward());
        p = number(out, p, F_DST_IP_BYTES, r.ipBytesReverse());
        p = number(out, p, F_SRC_TCP_FLAGS, r.tcpFlagsForward());
        p = number(out, p, F_DST_TCP_FLAGS, r.tcpFlagsReverse());
        p = put(out, p, END_REASONS[r.endReason().ordinal()]);
        p = number(out, p, F_IP_VERSION, k.ipVersion());
        p = number(out, p, F_VLAN, k.vlan());
        out[p++] = '}';
        return p;
    }

    /** One record as a JSON line, {@code '\n'} included (convenience; allocates). */
    public static byte[] toBytes(FlowEvent r) {
        byte[] b = new byte[maxLength(r)];
        int n = writeLine(r, b, 0);
        return Arrays.copyOf(b, n);
    }

    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Copies a constant made by {@link #text}. Those of up to 31 bytes take four unaligned 8-byte moves, which cost
     * less than a call to the copy stub; the bytes moved past the constant are overwritten by what follows, or lie
     * in the slack {@link #maxLength} leaves after the line.
     */
    private static int put(byte[] out, int p, byte[] c) {
        int n = c[c.length - 1];
        if (c.length == TEXT && out.length - p >= TEXT) {
            LONGS.set(out, p, (long) LONGS.get(c, 0));
            LONGS.set(out, p + 8, (long) LONGS.get(c, 8));
            LONGS.set(out, p + 16, (long) LONGS.get(c, 16));
            LONGS.set(out, p + 24, (long) LONGS.get(c, 24));
        } else {
            System.arraycopy(c, 0, out, p, n);
        }
        return p + n;
    }

    /** A field: its name constant, then {@code v} in decimal. */
    private static int number(byte[] out, int p, byte[] name, long v) {
        return decimal(out, put(out, p, name), v);
    }

    /** {@code b} as a constant for {@link #put}: its bytes, zero padding, and its length in the last byte. */
    private static byte[] text(byte[] b) {
        if (b.length > 120) {
            throw new IllegalArgumentException("constant of " + b.length + " bytes");
        }
        byte[] c = Arrays.copyOf(b, Math.max(TEXT, (b.length + 8) & ~7));
        c[c.length - 1] = (byte) b.length;
        return c;
    }

    private static byte[] text(String s) {
        return text(ascii(s));
    }

    /** The length of a constant made by {@link #text}. */
    private static int textLength(byte[] c) {
        return c[c.length - 1];
    }

    /** {@code flow_duration}: nanoseconds as seconds. The exact decimal reads back as {@code nanos / 1e9}. */
    private static int duration(byte[] out, int p, long nanos) {
        if (nanos < 0 || nanos >= EXACT) {
            return fallback(out, p, nanos / 1e9);
        }
        p = decimal(out, p, nanos / 1_000_000_000L);
        out[p++] = '.';
        int frac = (int) (nanos % 1_000_000_000L);
        if (frac == 0) {
            out[p++] = '0';
            return p;
        }
        int digits = 9;
        while (frac % 10 == 0) {
            frac /= 10;
            digits--;
        }
        return fixedInt(out, p, frac, digits);
    }

    /**
     * {@code avg_packet_size}: {@code (double) num / den}. Both are exact as doubles below 2^53, so that division
     * rounds the true quotient, as does reading its exact decimal: written when the decimal terminates.
     */
    private static int quotient(byte[] out, int p, long num, long den) {
        if (num < 0 || num >= EXACT || den <= 0 || den >= EXACT) {
            return fallback(out, p, (double) num / den);
        }
        long q = num / den;
        long rem = num - q * den;
        if (rem == 0) {
            p = decimal(out, p, q);
            out[p++] = '.';
            out[p++] = '0';
            return p;
        }
        // rem / den terminates iff den's factors other than 2 and 5 all divide rem
        int twos = Long.numberOfTrailingZeros(den);
        long odd = den >>> twos;
        int fives = 0;
        while (odd % 5 == 0) {
            odd /= 5;
            fives++;
        }
        int digits = Math.max(twos, fives);
        if (rem % odd != 0 || digits > 24) {
            return fallback(out, p, (double) num / den);
        }
        p = decimal(out, p, q);
        out[p++] = '.';
        // long division; rem < den < 2^53, so rem * 10 cannot overflow
        while (rem != 0) {
            rem *= 10;
            long d = rem / den;
            out[p++] = (byte) ('0' + d);
            rem -= d * den;
        }
        return p;
    }

    /** The shortest decimal that reads back as {@code v}: {@link #shortest} when it applies, else Jackson's. */
    private static int fallback(byte[] out, int p, double v) {
        int end = shortest(out, p, v);
        if (end >= 0) {
            return end;
        }
        String s = NumberOutput.toString(v, true);
        for (int i = 0, n = s.length(); i < n; i++) {
            out[p++] = (byte) s.charAt(i);
        }
        return p;
    }

    /**
     * Writes positive {@code v} between 2^-7 and 2^52, with a fraction, as the shortest plain decimal that reads
     * back as {@code v}, or returns -1 when {@code v} is outside that range.
     *
     * <p>{@code v = m * 2^-k}: its integer part is {@code m >>> k}, its fraction {@code r / 2^k}. Each further
     * decimal digit is the integer part of {@code r * 10}. After {@code s} digits the truncated decimal is
     * {@code r / (2^k 10^s)} below {@code v} and the next one up {@code (2^k - r) / (2^k 10^s)} above; a decimal
     * reads back as {@code v} when it is within half a unit in the last place, {@code 1 / 2^(k+1)}, so when
     * {@code 2r < 10^s} (or {@code 2(2^k - r) < 10^s}), ties going to the even significand. The first {@code s}
     * where one of the two qualifies gives the shortest text; of two, the nearer one is taken. All in longs:
     * {@code r < 2^k <= 2^59} so {@code r * 10} does not overflow, and {@code s <= 18}.
     */
    static int shortest(byte[] out, int p, double v) {
        return shortest(out, p, v, false);
    }

    /**
     * As {@link #shortest(byte[], int, double)}; of two decimals as near to {@code v}, {@code tieToEven} takes the
     * even one (Go's {@code strconv}), else the lower one (flowtrace's own format, whose bytes stay as they are).
     */
    static int shortest(byte[] out, int p, double v, boolean tieToEven) {
        long bits = Double.doubleToRawLongBits(v);
        int biased = (int) (bits >>> 52);
        long fraction = bits & ((1L << 52) - 1);
        if (biased == 0 || biased >= 0x7ff || fraction == 0) {
            return -1; // negative, zero, subnormal, not finite, or a power of two (uneven neighbours)
        }
        long m = fraction | (1L << 52);
        int k = 1075 - biased; // v = m * 2^-k
        if (k < 1 || k > 59) {
            return -1;
        }
        long mask = (1L << k) - 1;
        long whole = m >>> k;
        long r = m & mask;
        if (r == 0) {
            return -1; // integral: not for this method
        }
        long one = 1L << k;
        boolean even = (m & 1) == 0;
        long digits = 0;
        long pow = 1;
        for (int s = 1; s <= 18; s++) {
            r *= 10;
            digits = digits * 10 + (r >>> k);
            r &= mask;
            pow *= 10;
            long below = 2 * r;
            long above = 2 * (one - r);
            boolean down = below < pow || (below == pow && even);
            boolean up = above < pow || (above == pow && even);
            if (down || up) {
                long n = digits;
                if (up && (!down || above < below || (tieToEven && above == below && (digits & 1) == 1))) {
                    n++; // the nearer; of two as near, the lower, or the even one
                }
                long w = whole;
                if (n == pow) {
                    w++;
                    n = 0;
                }
                p = decimal(out, p, w);
                out[p++] = '.';
                int len = s;
                while (len > 1 && n % 10 == 0) {
                    n /= 10;
                    len--;
                }
                return fixed(out, p, n, len);
            }
        }
        return -1;
    }

    /** Decimal form of {@code v}. */
    static int decimal(byte[] out, int p, long v) {
        if ((v >>> 31) == 0) {
            // most fields: int arithmetic, whose division by 100 is cheaper in every compiler tier
            int i = (int) v;
            return fixedInt(out, p, i, digitCount(i));
        }
        if (v < 0) {
            if (v == Long.MIN_VALUE) {
                byte[] min = ascii(Long.toString(v));
                System.arraycopy(min, 0, out, p, min.length);
                return p + min.length;
            }
            out[p++] = '-';
            v = -v;
        }
        return fixed(out, p, v, digitCount(v));
    }

    /** {@code v} as exactly {@code digits} digits, zero-padded, written from the right two at a time. */
    static int fixed(byte[] out, int p, long v, int digits) {
        int end = p + digits;
        int q = end;
        while (q - p >= 2) {
            int r = (int) (v % 100);
            v /= 100;
            q -= 2;
            out[q] = PAIRS[2 * r];
            out[q + 1] = PAIRS[2 * r + 1];
        }
        if (q > p) {
            out[p] = (byte) ('0' + v % 10);
        }
        return end;
    }

    /**
     * {@code v} (at least 0, under 10^digits) as exactly {@code digits} digits, zero-padded: the last eight are made
     * at once in a long ({@link #eightDigits}) and stored with one move; the bytes it writes past the number are
     * overwritten by what follows, or lie in the slack {@link #maxLength} leaves.
     */
    static int fixedInt(byte[] out, int p, int v, int digits) {
        if (out.length - p < 16) {
            return fixed(out, p, v, digits);
        }
        if (digits > 8) {
            int head = v / 100_000_000;
            v -= head * 100_000_000;
            if (digits == 10) {
                p = pair(out, p, head);
            } else {
                out[p++] = (byte) ('0' + head);
            }
            digits = 8;
        }
        LONGS.set(out, p, eightDigits(v) >>> (64 - 8 * digits));
        return p + digits;
    }

    /**
     * {@code v} (under 10^8) as eight ASCII digits, zero-padded, the first in the lowest byte: split in two groups of
     * four (32-bit lanes), each lane divided by 100 and then by 10 with a multiply and shift valid in that range.
     */
    static long eightDigits(int v) {
        int hi = v / 10_000;
        long x = hi | ((long) (v - 10_000 * hi) << 32);
        long y = ((x * 10486) >>> 20) & 0x0000007F0000007FL;
        x = y | ((x - 100 * y) << 16);
        long z = ((x * 103) >>> 10) & 0x000F000F000F000FL;
        x = z | ((x - 10 * z) << 8);
        return x | 0x3030303030303030L;
    }

    /** Digits of {@code v} (at least 0): the bit length gives the power of ten below or at it, one compare the rest. */
    private static int digitCount(int v) {
        int t = ((32 - Integer.numberOfLeadingZeros(v | 1)) * 1233) >>> 12;
        return (v | 1) < POW10[t] ? t : t + 1;
    }

    private static final int[] POW10 = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
        1_000_000_000};

    private static int digitCount(long v) {
        int n = 1;
        long limit = 10;
        while (n < 19 && v >= limit) {
            n++;
            limit *= 10;
        }
        return n;
    }

    /**
     * Writes epoch nanoseconds as RFC 3339 UTC with nine fraction digits ({@code 2024-05-01T12:00:00.123456789Z},
     * 30 bytes) at {@code out[p]}; returns the offset after the text.
     */
    public static int time(byte[] out, int p, long epochNanos) {
        long secs = Math.floorDiv(epochNanos, 1_000_000_000L);
        int nanos = (int) (epochNanos - secs * 1_000_000_000L);
        // epoch nanoseconds in a long span the years 1677 to 2262 (always four digits), so from here on ints do,
        // and z is positive
        int days = (int) Math.floorDiv(secs, 86400);
        int sod = (int) (secs - days * 86400L);
        // civil-from-days (H. Hinnant)
        int z = days + 719468;
        int era = z / 146097;
        int doe = z - era * 146097;
        int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int year = yoe + era * 400;
        int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int mp = (5 * doy + 2) / 153;
        int d = doy - (153 * mp + 2) / 5 + 1;
        int m = mp < 10 ? mp + 3 : mp - 9;
        if (m <= 2) {
            year++;
        }
        p = pair(out, p, year / 100);
        p = pair(out, p, year % 100);
        out[p++] = '-';
        p = pair(out, p, m);
        out[p++] = '-';
        p = pair(out, p, d);
        out[p++] = 'T';
        p = pair(out, p, sod / 3600);
        out[p++] = ':';
        p = pair(out, p, (sod / 60) % 60);
        out[p++] = ':';
        p = pair(out, p, sod % 60);
        out[p++] = '.';
        p = fixedInt(out, p, nanos, 9);
        out[p++] = 'Z';
        return p;
    }

    private static int pair(byte[] out, int p, int v) {
        out[p] = PAIRS[2 * v];
        out[p + 1] = PAIRS[2 * v + 1];
        return p + 2;
    }

    /** Address text as {@link IpText#append}: dotted quad, or RFC 5952 with {@code ::ffff:a.b.c.d} for mapped. */
    static int ip(byte[] out, int p, int version, long hi, long lo) {
        if (version == 4) {
            return ipv4(out, p, lo);
        }
        if (hi == 0 && (lo >>> 32) == 0xffffL) {
            out[p++] = ':';
            out[p++] = ':';
            out[p++] = 'f';
            out[p++] = 'f';
            out[p++] = 'f';
            out[p++] = 'f';
            out[p++] = ':';
            return ipv4(out, p, lo);
        }
        // longest run of two or more zero groups becomes "::", the first one on a tie
        int bestStart = -1;
        int bestLen = 1;
        int runStart = -1;
        for (int i = 0; i < 8; i++) {
            if (group(hi, lo, i) == 0) {
                if (runStart < 0) {
                    runStart = i;
                }
                if (i - runStart + 1 > bestLen) {
                    bestStart = runStart;
                    bestLen = i - runStart + 1;
                }
            } else {
                runStart = -1;
            }
        }
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out[p++] = ':';
                out[p++] = ':';
                i += bestLen - 1;
                continue;
            }
            if (i > 0 && i != bestStart + bestLen) {
                out[p++] = ':';
            }
            p = hex(out, p, group(hi, lo, i));
        }
        return p;
    }

    private static int group(long hi, long lo, int i) {
        return (int) (((i < 4 ? hi : lo) >>> (48 - 16 * (i & 3))) & 0xffff);
    }

    private static int hex(byte[] out, int p, int g) {
        if (g >= 0x1000) {
            out[p++] = HEX[g >>> 12];
        }
        if (g >= 0x100) {
            out[p++] = HEX[(g >>> 8) & 0xf];
        }
        if (g >= 0x10) {
            out[p++] = HEX[(g >>> 4) & 0xf];
        }
        out[p++] = HEX[g & 0xf];
        return p;
    }

    static int ipv4(byte[] out, int p, long a) {
        p = octet(out, p, (int) (a >>> 24) & 0xff);
        out[p++] = '.';
        p = octet(out, p, (int) (a >>> 16) & 0xff);
        out[p++] = '.';
        p = octet(out, p, (int) (a >>> 8) & 0xff);
        out[p++] = '.';
        return octet(out, p, (int) a & 0xff);
    }

    private static int octet(byte[] out, int p, int v) {
        int i = 4 * v;
        int n = OCTETS[i];
        out[p] = OCTETS[i + 1];
        out[p + 1] = OCTETS[i + 2];
        out[p + 2] = OCTETS[i + 3];
        return p + n;
    }

    private static int stringOrNull(byte[] out, int p, String s) {
        return s == null ? put(out, p, NULL) : string(out, p, s);
    }

    /** {@code s} as a quoted JSON string in UTF-8: printable ASCII copied, the rest escaped or encoded. */
    private static int string(byte[] out, int p, String s) {
        out[p++] = '"';
        int n = s.length();
        int i = 0;
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
                break;
            }
            out[p++] = (byte) c;
        }
        if (i < n) {
            p = slowString(out, p, s, i);
        }
        out[p++] = '"';
        return p;
    }

    private static int slowString(byte[] out, int p, String s, int from) {
        for (int i = from, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c >= 0x20 && c != '"' && c != '\\') {
                    out[p++] = (byte) c;
                    continue;
                }
                out[p++] = '\\';
                switch (c) {
                    case '"': out[p++] = '"'; break;
                    case '\\': out[p++] = '\\'; break;
                    case '\n': out[p++] = 'n'; break;
                    case '\r': out[p++] = 'r'; break;
                    case '\t': out[p++] = 't'; break;
                    case '\b': out[p++] = 'b'; break;
                    case '\f': out[p++] = 'f'; break;
                    default: p = unicodeEscape(out, p, c); break;
                }
            } else if (c < 0x800) {
                out[p++] = (byte) (0xc0 | (c >> 6));
                out[p++] = (byte) (0x80 | (c & 0x3f));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out[p++] = (byte) (0xf0 | (cp >> 18));
                out[p++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                out[p++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                out[p++] = (byte) (0x80 | (cp & 0x3f));
            } else if (Character.isSurrogate(c)) {
                // a lone surrogate has no UTF-8 form: keep it as an escape
                out[p++] = '\\';
                p = unicodeEscape(out, p, c);
            } else {
                out[p++] = (byte) (0xe0 | (c >> 12));
                out[p++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                out[p++] = (byte) (0x80 | (c & 0x3f));
            }
        }
        return p;
    }

    /** {@code uXXXX} (the backslash is already written). */
    private static int unicodeEscape(byte[] out, int p, char c) {
        out[p++] = 'u';
        out[p++] = HEX[c >>> 12];
        out[p++] = HEX[(c >>> 8) & 0xf];
        out[p++] = HEX[(c >>> 4) & 0xf];
        out[p++] = HEX[c & 0xf];
        return p;
    }

    private static byte[] constant(String prefix, String value) {
        byte[] head = ascii(prefix);
        byte[] tmp = new byte[head.length + 6 * value.length() + 2];
        System.arraycopy(head, 0, tmp, 0, head.length);
        int n = string(tmp, head.length, value);
        return text(Arrays.copyOf(tmp, n));
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
