package io.flowtrace.sketch;

import io.flowtrace.core.FlowKey;
import io.flowtrace.core.IpText;
import io.flowtrace.core.spi.PacketView;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A choice of packet fields that make up a key (or an element): any non-empty subset of {@code src_ip},
 * {@code dst_ip}, {@code src_port}, {@code dst_port}, {@code protocol}, in the order the user gave them.
 *
 * <p>A key is held as {@link #words()} longs so that it can be stored in primitive arrays and compared without
 * allocation: two longs per selected address (IPv4 in the low word), then one long packing the IP version (when an
 * address is selected), protocol and ports. Unselected fields are zero. The word layout does not depend on the
 * order the fields were named in; only the text output does. Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class KeyFields {
    static final int SRC_IP = 1;
    static final int DST_IP = 2;
    static final int SRC_PORT = 4;
    static final int DST_PORT = 8;
    static final int PROTOCOL = 16;

    private static final String[] NAMES = {"src_ip", "dst_ip", "src_port", "dst_port", "protocol"};

    private final int mask;
    private final int[] order;
    private final int words;
    private final String text;

    private KeyFields(int mask, int[] order) {
        this.mask = mask;
        this.order = order;
        this.words = ((mask & SRC_IP) != 0 ? 2 : 0) + ((mask & DST_IP) != 0 ? 2 : 0) + 1;
        StringBuilder sb = new StringBuilder();
        for (int bit : order) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(NAMES[Integer.numberOfTrailingZeros(bit)]);
        }
        this.text = sb.toString();
    }

    /**
     * Parses a list such as {@code src_ip,dst_ip}, separated by commas or, where a comma would end the setting
     * (as in {@code --aggregator count-min:key=src_ip+dst_ip,metric=bytes}), by {@code +}. The engine's spellings
     * ({@code SrcIP}, {@code DstPort}, ...) and {@code five_tuple} are accepted too.
     *
     * @param text the list
     * @return the fields, in the order given
     * @throws IllegalArgumentException on an unknown, repeated or missing field
     */
    public static KeyFields parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("key fields: '" + text + "' (expected: one or more of "
                    + String.join(", ", NAMES) + ")");
        }
        List<String> names = new ArrayList<>();
        for (String part : text.split("[,+;]")) {
            names.add(part.trim());
        }
        return of(names);
    }

    /**
     * {@return the given fields, in this order}
     *
     * @param names field names, as {@link #parse} accepts them
     * @throws IllegalArgumentException on an unknown, repeated or missing field
     */
    public static KeyFields of(List<String> names) {
        int mask = 0;
        List<Integer> order = new ArrayList<>();
        for (String name : names) {
            String n = name.trim().toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
            if (n.equals("fivetuple")) {
                for (int bit : new int[] {SRC_IP, DST_IP, SRC_PORT, DST_PORT, PROTOCOL}) {
                    if ((mask & bit) != 0) {
                        throw new IllegalArgumentException("key fields: '" + name + "' repeats a field");
                    }
                    mask |= bit;
                    order.add(bit);
                }
                continue;
            }
            int bit;
            switch (n) {
                case "srcip": case "src": case "sourceip": bit = SRC_IP; break;
                case "dstip": case "dst": case "destinationip": bit = DST_IP; break;
                case "srcport": case "sport": bit = SRC_PORT; break;
                case "dstport": case "dport": bit = DST_PORT; break;
                case "protocol": case "proto": bit = PROTOCOL; break;
                default:
                    throw new IllegalArgumentException("key field: '" + name + "' (expected: one of "
                            + String.join(", ", NAMES) + ")");
            }
            if ((mask & bit) != 0) {
                throw new IllegalArgumentException("key fields: '" + name + "' given twice");
            }
            mask |= bit;
            order.add(bit);
        }
        if (mask == 0) {
            throw new IllegalArgumentException("key fields: none given (expected: one or more of "
                    + String.join(", ", NAMES) + ")");
        }
        int[] o = new int[order.size()];
        for (int i = 0; i < o.length; i++) {
            o[i] = order.get(i);
        }
        return new KeyFields(mask, o);
    }

    /** {@return longs per stored key} */
    public int words() {
        return words;
    }

    /** {@return the field names in the user's order} */
    public List<String> names() {
        List<String> out = new ArrayList<>(order.length);
        for (int bit : order) {
            out.add(NAMES[Integer.numberOfTrailingZeros(bit)]);
        }
        return Collections.unmodifiableList(out);
    }

    /** Whether {@code field} (canonical name) is part of this key. */
    boolean contains(int bit) {
        return (mask & bit) != 0;
    }

    int mask() {
        return mask;
    }

    /**
     * Writes this key of {@code p} into {@code out[off .. off + words())}. No allocation.
     *
     * @param p   the packet
     * @param out where the key's words go
     * @param off the first word written
     */
    public void extract(PacketView p, long[] out, int off) {
        int o = off;
        int m = mask;
        long last = 0;
        if ((m & SRC_IP) != 0) {
            out[o++] = p.srcHi();
            out[o++] = p.srcLo();
        }
        if ((m & DST_IP) != 0) {
            out[o++] = p.dstHi();
            out[o++] = p.dstLo();
        }
        if ((m & (SRC_IP | DST_IP)) != 0) {
            last = (long) p.ipVersion() << 40;
        }
        if ((m & PROTOCOL) != 0) {
            last |= (long) (p.protocol() & 0xff) << 32;
        }
        if ((m & SRC_PORT) != 0) {
            last |= (long) (p.srcPort() & 0xffff) << 16;
        }
        if ((m & DST_PORT) != 0) {
            last |= p.dstPort() & 0xffff;
        }
        out[o] = last;
    }

    /**
     * Writes this key of a flow (initiator as source) into {@code out[off .. off + words())}.
     *
     * @param k   the flow's key
     * @param out where the key's words go
     * @param off the first word written
     */
    public void extract(FlowKey k, long[] out, int off) {
        int o = off;
        long last = 0;
        if ((mask & SRC_IP) != 0) {
            out[o++] = k.srcHi();
            out[o++] = k.srcLo();
        }
        if ((mask & DST_IP) != 0) {
            out[o++] = k.dstHi();
            out[o++] = k.dstLo();
        }
        if ((mask & (SRC_IP | DST_IP)) != 0) {
            last = (long) k.ipVersion() << 40;
        }
        if ((mask & PROTOCOL) != 0) {
            last |= (long) k.protocol() << 32;
        }
        if ((mask & SRC_PORT) != 0) {
            last |= (long) k.srcPort() << 16;
        }
        if ((mask & DST_PORT) != 0) {
            last |= k.dstPort();
        }
        out[o] = last;
    }

    /**
     * {@return the key at {@code w[off ..]} as field name to value, in the user's order (allocates)}
     *
     * @param w   the words holding the key
     * @param off its first word
     */
    public Map<String, Object> toMap(long[] w, int off) {
        Map<String, Object> out = new LinkedHashMap<>();
        long last = w[off + words - 1];
        int version = (int) (last >>> 40) & 0xff;
        int srcAt = off;
        int dstAt = off + ((mask & SRC_IP) != 0 ? 2 : 0);
        for (int bit : order) {
            switch (bit) {
                case SRC_IP: out.put("src_ip", IpText.format(version == 6 ? 6 : 4, w[srcAt], w[srcAt + 1])); break;
                case DST_IP: out.put("dst_ip", IpText.format(version == 6 ? 6 : 4, w[dstAt], w[dstAt + 1])); break;
                case SRC_PORT: out.put("src_port", (int) (last >>> 16) & 0xffff); break;
                case DST_PORT: out.put("dst_port", (int) last & 0xffff); break;
                default: out.put("protocol", IpText.protocolName((int) (last >>> 32) & 0xff)); break;
            }
        }
        return out;
    }

    /** {@return the comma-separated field names in the user's order, e.g. {@code src_ip,dst_ip}} */
    @Override
    public String toString() {
        return text;
    }

    /** {@return equal when the same fields are selected (order only affects text output)} */
    @Override
    public boolean equals(Object o) {
        return o instanceof KeyFields && ((KeyFields) o).mask == mask;
    }

    @Override
    public int hashCode() {
        return mask;
    }
}
