package io.flowtrace.query;

import io.flowtrace.core.IpText;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Key fields that must match, in the engine's spelling ({@code SrcIP}, {@code DstIP}, {@code SrcPort},
 * {@code DstPort}, {@code Protocol}); flowtrace's spelling ({@code src_ip}, ...) is accepted too. Values are
 * normalised: IP addresses to their canonical text, ports to numbers, protocols to their number ({@code tcp} is
 * 6). Immutable.
 *
 * @since 0.1
 */
public final class FlowFilter {
    /** The engine's key fields, in its order. */
    public static final List<String> FIELDS = List.of("SrcIP", "DstIP", "SrcPort", "DstPort", "Protocol");
    private static final FlowFilter NONE = new FlowFilter(Map.of());
    private final Map<String, String> fields;

    private FlowFilter(Map<String, String> fields) {
        this.fields = Collections.unmodifiableMap(fields);
    }

    /** {@return the filter that matches every key} */
    public static FlowFilter none() {
        return NONE;
    }

    /**
     * {@return a filter of these fields}
     *
     * @param fields field name (either spelling) to value; a blank value is left out
     * @throws IllegalArgumentException naming an unknown field or a value that is not of its field
     */
    public static FlowFilter of(Map<String, String> fields) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : fields.entrySet()) {
            if (e.getValue() == null || e.getValue().isBlank()) {
                continue;
            }
            String f = field(e.getKey());
            out.put(f, normalise(f, e.getValue().trim()));
        }
        return out.isEmpty() ? NONE : new FlowFilter(out);
    }

    /**
     * {@return the engine's spelling of a key field}
     *
     * @param name {@code SrcIP} or {@code src_ip} (any case)
     * @throws IllegalArgumentException when it is no key field
     */
    public static String field(String name) {
        String n = name.replace("_", "").toLowerCase(java.util.Locale.ROOT);
        for (String f : FIELDS) {
            if (f.toLowerCase(java.util.Locale.ROOT).equals(n)) {
                return f;
            }
        }
        throw new IllegalArgumentException("key field '" + name + "' (expected: " + String.join(", ", FIELDS) + ")");
    }

    /**
     * {@return a key value in the text the stores keep: canonical IP, port and protocol numbers}
     *
     * @param field the engine's field name
     * @param value the value as given
     * @throws IllegalArgumentException when the value is not one of the field's
     */
    public static String normalise(String field, String value) {
        switch (field) {
            case "SrcIP":
            case "DstIP":
                return ip(field, value);
            case "SrcPort":
            case "DstPort":
                return String.valueOf(number(field, value, 65535));
            default:
                return String.valueOf(protocol(value));
        }
    }

    private static String ip(String field, String value) {
        if (!value.matches("[0-9A-Fa-f:.]+") || !(value.indexOf(':') >= 0 || value.matches("\\d+\\.\\d+\\.\\d+\\.\\d+"))) {
            throw new IllegalArgumentException(field + ": '" + value + "' (expected: an IPv4 or IPv6 address)");
        }
        try {
            // a literal: no name lookup happens for text of digits, dots and colons
            byte[] b = InetAddress.getByName(value).getAddress();
            long hi = 0;
            long lo = 0;
            if (b.length == 4) {
                lo = ((b[0] & 255L) << 24) | ((b[1] & 255L) << 16) | ((b[2] & 255L) << 8) | (b[3] & 255L);
                return IpText.format(4, 0, lo);
            }
            for (int i = 0; i < 8; i++) {
                hi = (hi << 8) | (b[i] & 255L);
                lo = (lo << 8) | (b[i + 8] & 255L);
            }
            return IpText.format(6, hi, lo);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(field + ": '" + value + "' (expected: an IPv4 or IPv6 address)");
        }
    }

    private static long number(String field, String value, long max) {
        try {
            long v = Long.parseLong(value);
            if (v >= 0 && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(field + ": '" + value + "' (expected: 0.." + max + ")");
    }

    /**
     * {@return the protocol number of a name ({@code tcp}, {@code UDP}, {@code ICMPv6}) or number text}
     *
     * @param value a protocol name or number
     * @throws IllegalArgumentException when it is neither
     */
    public static int protocol(String value) {
        for (int p = 0; p < 256; p++) {
            if (IpText.protocolName(p).equalsIgnoreCase(value)) {
                return p;
            }
        }
        return (int) number("Protocol", value, 255);
    }

    /** {@return whether no field is asked} */
    public boolean isEmpty() {
        return fields.isEmpty();
    }

    /** {@return the fields, engine spelling, to their normalised values} */
    public Map<String, String> fields() {
        return fields;
    }

    /**
     * {@return whether a row's key has every field of this filter with the same value}
     *
     * @param key a row's key, engine spelling, normalised values
     */
    public boolean matches(Map<String, String> key) {
        for (Map.Entry<String, String> e : fields.entrySet()) {
            if (!e.getValue().equals(key.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return fields.toString();
    }
}
