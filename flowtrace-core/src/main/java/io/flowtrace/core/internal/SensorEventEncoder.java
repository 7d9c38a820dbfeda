package io.flowtrace.core.internal;

import com.fasterxml.jackson.core.io.NumberOutput;
import io.flowtrace.core.Direction;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowKey;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a {@link FlowEvent} as the Go flow sensor's {@code FlowEvent} struct marshals to JSON, byte for byte: its
 * fourteen fields only ({@link #FIELDS}, no {@code event} field), ports as strings, {@code flow_id} as
 * {@code src_ip:src_port-dst_ip:dst_port-PROTO}, {@code interface} and {@code hostname} as strings ({@code ""} when
 * unset, never {@code null}), times as Go writes a {@code time.Time} (RFC 3339 with the fraction's trailing zeros
 * cut), and the two floats as Go's {@code encoding/json} writes a {@code float64} (shortest text that reads back,
 * {@code 90} rather than {@code 90.0}, an exponent below 1e-6). The sensor metered TCP and UDP only: other protocols
 * have no form here ({@link #emits}).
 *
 * <p>All methods are static and thread-safe. Nothing is allocated per event except for floats outside
 * [2^-7, 2^52] that are not whole (durations under 8 ms), which go through a decimal of Jackson's.
 */
public final class SensorEventEncoder {
    private SensorEventEncoder() {
    }

    /** The sensor's fields, in the order its struct declares (and Go writes) them. */
    public static final List<String> FIELDS = List.of(
        "flow_id", "timestamp", "interface", "hostname", "direction", "src_ip", "dst_ip", "src_port", "dst_port",
        "protocol", "flow_duration", "packet_count", "byte_count", "avg_packet_size");

    private static final byte[] F_FLOW_ID = ascii("{\"flow_id\":\"");
    private static final byte[] F_TIMESTAMP = ascii("\",\"timestamp\":\"");
    private static final byte[] F_INTERFACE = ascii("\",\"interface\":");
    private static final byte[] F_HOSTNAME = ascii(",\"hostname\":");
    private static final byte[] F_DIRECTION = ascii(",\"direction\":\"");
    private static final byte[] F_SRC_IP = ascii("\",\"src_ip\":\"");
    private static final byte[] F_DST_IP = ascii("\",\"dst_ip\":\"");
    private static final byte[] F_SRC_PORT = ascii("\",\"src_port\":\"");
    private static final byte[] F_DST_PORT = ascii("\",\"dst_port\":\"");
    private static final byte[] F_PROTOCOL = ascii("\",\"protocol\":\"");
    private static final byte[] F_FLOW_DURATION = ascii("\",\"flow_duration\":");
    private static final byte[] F_PACKET_COUNT = ascii(",\"packet_count\":");
    private static final byte[] F_BYTE_COUNT = ascii(",\"byte_count\":");
    private static final byte[] F_AVG_PACKET_SIZE = ascii(",\"avg_packet_size\":");
    private static final byte[] TCP = ascii("TCP");
    private static final byte[] UDP = ascii("UDP");
    private static final byte[] HEX = ascii("0123456789abcdef");
    /** {@code inbound} and so on, by ordinal. */
    private static final byte[][] DIRECTIONS = new byte[Direction.values().length][];

    static {
        for (Direction d : Direction.values()) {
            DIRECTIONS[d.ordinal()] = ascii(d.jsonName());
        }
    }
    /** Field names and quotes, 2 addresses twice, 4 ports, a time, 2 floats, 2 longs, the protocol and direction, slack. */
    private static final int FIXED_MAX = 256 + 4 * 45 + 4 * 5 + 35 + 2 * 32 + 2 * 20 + 3 + 16;

    /** Whether the sensor's format has a form for {@code r}: TCP and UDP only. */
    public static boolean emits(FlowEvent r) {
        int p = r.key().protocol();
        return p == 6 || p == 17;
    }

    /** An upper bound of the bytes {@link #write} writes for {@code r}. */
    public static int maxLength(FlowEvent r) {
        return FIXED_MAX + 6 * (length(r.interfaceName()) + length(r.hostname()));
    }

    /**
     * Writes {@code r} as one JSON object (no separator) at {@code out[off]}; returns the offset after it.
     * {@code out} must have {@link #maxLength} bytes free from {@code off}.
     *
     * @throws IllegalArgumentException when {@code r} is neither TCP nor UDP ({@link #emits})
     */
    public static int write(FlowEvent r, byte[] out, int off) {
        FlowKey k = r.key();
        byte[] proto = k.protocol() == 6 ? TCP : k.protocol() == 17 ? UDP : null;
        if (proto == null) {
            throw new IllegalArgumentException("protocol: " + k.protocol() + " (expected: TCP or UDP, the only ones "
                    + "the sensor's format has)");
        }
        int p = put(out, off, F_FLOW_ID);
        p = ip(out, p, k, true);
        out[p++] = ':';
        p = FlowEventEncoder.decimal(out, p, k.srcPort());
        out[p++] = '-';
        p = ip(out, p, k, false);
        out[p++] = ':';
        p = FlowEventEncoder.decimal(out, p, k.dstPort());
        out[p++] = '-';
        p = put(out, p, proto);
        p = put(out, p, F_TIMESTAMP);
        p = time(out, p, r.endNanos());
        p = put(out, p, F_INTERFACE);
        p = string(out, p, r.interfaceName());
        p = put(out, p, F_HOSTNAME);
        p = string(out, p, r.hostname());
        p = put(out, p, F_DIRECTION);
        p = put(out, p, DIRECTIONS[r.direction().ordinal()]);
        p = put(out, p, F_SRC_IP);
        p = ip(out, p, k, true);
        p = put(out, p, F_DST_IP);
        p = ip(out, p, k, false);
        p = put(out, p, F_SRC_PORT);
        p = FlowEventEncoder.decimal(out, p, k.srcPort());
        p = put(out, p, F_DST_PORT);
        p = FlowEventEncoder.decimal(out, p, k.dstPort());
        p = put(out, p, F_PROTOCOL);
        p = put(out, p, proto);
        p = put(out, p, F_FLOW_DURATION);
        p = goFloat(out, p, seconds(r.durationNanos()));
        p = put(out, p, F_PACKET_COUNT);
        p = FlowEventEncoder.decimal(out, p, r.packetCount());
        p = put(out, p, F_BYTE_COUNT);
        p = FlowEventEncoder.decimal(out, p, r.byteCount());
        p = put(out, p, F_AVG_PACKET_SIZE);
        p = goFloat(out, p, (double) r.byteCount() / (double) r.packetCount());
        out[p++] = '}';
        return p;
    }

    /** One event as JSON, without line end (convenience; allocates). */
    public static byte[] toBytes(FlowEvent r) {
        byte[] b = new byte[maxLength(r)];
        return Arrays.copyOf(b, write(r, b, 0));
    }

    /** A Go {@code time.Duration}'s {@code Seconds()}: whole seconds plus the rest over 1e9, as Go adds them. */
    static double seconds(long nanos) {
        long sec = nanos / 1_000_000_000L;
        long nsec = nanos % 1_000_000_000L;
        return (double) sec + (double) nsec / 1e9;
    }

    /** RFC 3339 as Go's {@code time.RFC3339Nano}: the fraction without trailing zeros, none when it is zero. */
    static int time(byte[] out, int p, long epochNanos) {
        int end = FlowEventEncoder.time(out, p, epochNanos) - 1; // at the 'Z'
        int q = end;
        while (out[q - 1] == '0') {
            q--;
        }
        if (out[q - 1] == '.') {
            q--;
        }
        out[q++] = 'Z';
        return q;
    }

    /**
     * {@code v} (finite, at least 0) as Go's {@code encoding/json} writes a {@code float64}: the shortest decimal
     * that reads back as {@code v}, plain from 1e-6 to below 1e21, else with an exponent ({@code 1e-7},
     * {@code 1e+21}).
     */
    static int goFloat(byte[] out, int p, double v) {
        if (v == 0) {
            out[p++] = '0';
            return p;
        }
        if (v == Math.rint(v) && v < 0x1p53) {
            return FlowEventEncoder.decimal(out, p, (long) v);
        }
        int end = FlowEventEncoder.shortest(out, p, v, true);
        if (end >= 0) {
            return end;
        }
        // shortest digits (Schubfach), then laid out as Go does
        BigDecimal d = new BigDecimal(NumberOutput.toString(v, true)).stripTrailingZeros();
        String text;
        if (v >= 1e-6 && v < 1e21) {
            text = d.toPlainString();
        } else {
            String digits = d.unscaledValue().toString();
            int exp = digits.length() - 1 - d.scale();
            StringBuilder sb = new StringBuilder(digits.length() + 6).append(digits.charAt(0));
            if (digits.length() > 1) {
                sb.append('.').append(digits, 1, digits.length());
            }
            sb.append('e').append(exp < 0 ? '-' : '+');
            int abs = Math.abs(exp);
            if (exp > 0 && abs < 10) {
                sb.append('0'); // e+07; Go cuts the zero of negative exponents only (e-7)
            }
            text = sb.append(abs).toString();
        }
        for (int i = 0, n = text.length(); i < n; i++) {
            out[p++] = (byte) text.charAt(i);
        }
        return p;
    }

    /** An address as Go's {@code net.IP.String()}: an IPv4-mapped IPv6 address in dotted form. */
    private static int ip(byte[] out, int p, FlowKey k, boolean src) {
        long hi = src ? k.srcHi() : k.dstHi();
        long lo = src ? k.srcLo() : k.dstLo();
        if (k.ipVersion() != 4 && hi == 0 && (lo >>> 32) == 0xffffL) {
            return FlowEventEncoder.ipv4(out, p, lo);
        }
        return FlowEventEncoder.ip(out, p, k.ipVersion(), hi, lo);
    }

    private static int put(byte[] out, int p, byte[] c) {
        System.arraycopy(c, 0, out, p, c.length);
        return p + c.length;
    }

    /**
     * {@code s} ({@code ""} for {@code null}) as Go's {@code encoding/json} quotes a string: {@code <}, {@code >},
     * {@code &}, U+2028 and U+2029 escaped as {@code \\u00XX}, control characters as {@code \n}, {@code \r},
     * {@code \t}, {@code \b}, {@code \f} or {@code \\u00XX}, a lone surrogate as U+FFFD.
     */
    private static int string(byte[] out, int p, String s) {
        out[p++] = '"';
        if (s != null) {
            for (int i = 0, n = s.length(); i < n; i++) {
                char c = s.charAt(i);
                if (c < 0x80) {
                    if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
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
                } else if (c == '\u2028' || c == '\u2029') {
                    out[p++] = '\\';
                    p = unicodeEscape(out, p, c);
                } else if (c < 0x800) {
                    out[p++] = (byte) (0xc0 | (c >> 6));
                    out[p++] = (byte) (0x80 | (c & 0x3f));
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    out[p++] = (byte) (0xf0 | (cp >> 18));
                    out[p++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                    out[p++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                    out[p++] = (byte) (0x80 | (cp & 0x3f));
                } else {
                    char e = Character.isSurrogate(c) ? '\ufffd' : c;
                    out[p++] = (byte) (0xe0 | (e >> 12));
                    out[p++] = (byte) (0x80 | ((e >> 6) & 0x3f));
                    out[p++] = (byte) (0x80 | (e & 0x3f));
                }
            }
        }
        out[p++] = '"';
        return p;
    }

    private static int unicodeEscape(byte[] out, int p, char c) {
        out[p++] = 'u';
        out[p++] = HEX[c >>> 12];
        out[p++] = HEX[(c >>> 8) & 0xf];
        out[p++] = HEX[(c >>> 4) & 0xf];
        out[p++] = HEX[c & 0xf];
        return p;
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
