package io.flowtrace.sinks.internal;

import io.flowtrace.core.FlowKey;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.IpText;
import io.flowtrace.core.internal.FlowEventEncoder;

/**
 * Encodes records as CSV (RFC 4180: comma separated, {@code \n} line ends, fields quoted when they hold a comma,
 * quote or line break) with the same columns, names and value forms as the JSON record
 * ({@link FlowEventEncoder#FIELDS}), without its {@code event} field: a CSV file holds flow events only. An absent
 * value is an empty field. Text that a spreadsheet would take for a formula (starting with {@code =}, {@code +},
 * {@code -}, {@code @}, tab or carriage return) gets a leading {@code '} (OWASP's advice on CSV injection): the
 * interface name comes from a capture file, and a capture file can come from anyone. Not thread-safe.
 */
public final class CsvRecords {
    private final StringBuilder text = new StringBuilder(48);

    /** The header line, with its line end. */
    public static String header() {
        return String.join(",", FlowEventEncoder.FIELDS) + "\n";
    }

    /** Appends {@code r} as one line, with its line end. */
    public void append(FlowEvent r, ByteBuf out) {
        FlowKey k = r.key();
        out.ascii(r.flowId()).write(',');
        time(out, r.endNanos());
        out.write(',');
        text(out, r.interfaceName());
        out.write(',');
        text(out, r.hostname());
        out.write(',');
        out.ascii(r.direction().jsonName()).write(',');
        ip(out, k.ipVersion(), k.srcHi(), k.srcLo());
        out.write(',');
        ip(out, k.ipVersion(), k.dstHi(), k.dstLo());
        out.write(',');
        out.decimal(k.srcPort()).write(',');
        out.decimal(k.dstPort()).write(',');
        out.ascii(k.protocolName()).write(',');
        text.setLength(0);
        out.ascii(text.append(r.durationNanos() / 1e9)).write(',');
        out.decimal(r.packetCount()).write(',');
        out.decimal(r.byteCount()).write(',');
        text.setLength(0);
        out.ascii(text.append(r.averagePacketSize())).write(',');
        time(out, r.startNanos());
        out.write(',');
        out.decimal(r.packetsForward()).write(',');
        out.decimal(r.packetsReverse()).write(',');
        out.decimal(r.bytesForward()).write(',');
        out.decimal(r.bytesReverse()).write(',');
        out.decimal(r.ipBytesForward()).write(',');
        out.decimal(r.ipBytesReverse()).write(',');
        out.decimal(r.tcpFlagsForward()).write(',');
        out.decimal(r.tcpFlagsReverse()).write(',');
        out.ascii(r.endReason().jsonName()).write(',');
        out.decimal(k.ipVersion()).write(',');
        out.decimal(k.vlan()).write('\n');
    }

    private void time(ByteBuf out, long nanos) {
        byte[] b = out.reserve(32);
        out.advanceTo(FlowEventEncoder.time(b, out.size(), nanos));
    }

    private void ip(ByteBuf out, int version, long hi, long lo) {
        text.setLength(0);
        IpText.append(text, version, hi, lo);
        out.ascii(text);
    }

    private static void text(ByteBuf out, String s) {
        if (s == null) {
            return;
        }
        boolean quote = false;
        for (int i = 0, n = s.length(); i < n && !quote; i++) {
            char c = s.charAt(i);
            quote = c == ',' || c == '"' || c == '\n' || c == '\r';
        }
        boolean formula = !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0;
        if (quote) {
            out.write('"');
        }
        if (formula) {
            out.write('\'');
        }
        out.utf8(quote ? s.replace("\"", "\"\"") : s);
        if (quote) {
            out.write('"');
        }
    }
}
