package io.flowtrace.sinks.nats;

import io.flowtrace.core.FlowKey;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.IpText;
import io.flowtrace.core.spi.Snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A NATS subject with {@code {field}} placeholders filled from each record ({@code flows.{interface}}) or
 * snapshot ({@code snapshots.{task}}). A value that is absent becomes {@code unknown}; characters a subject token
 * may not hold ({@code .}, {@code *}, {@code >}, white space) become {@code _}, so an IPv4 address stays one token
 * ({@code 10_0_0_1}). Not thread-safe (reuses a buffer).
 */
final class SubjectTemplate {
    /** Placeholders a record subject may use. */
    static final List<String> RECORD_FIELDS = List.of("interface", "hostname", "direction", "protocol", "src_ip",
            "dst_ip", "src_port", "dst_port", "ip_version", "vlan", "end_reason");
    /** Placeholders a snapshot subject may use. */
    static final List<String> SNAPSHOT_FIELDS = List.of("task", "type", "metric");

    private final String text;
    private final String[] literals;
    private final String[] fields;
    private final StringBuilder sb = new StringBuilder(64);

    private SubjectTemplate(String text, String[] literals, String[] fields) {
        this.text = text;
        this.literals = literals;
        this.fields = fields;
    }

    /**
     * Parses {@code text}; {@code allowed} lists the placeholders that may appear.
     *
     * @throws IllegalArgumentException naming the problem
     */
    static SubjectTemplate parse(String text, List<String> allowed) {
        List<String> lits = new ArrayList<>();
        List<String> flds = new ArrayList<>();
        int i = 0;
        StringBuilder lit = new StringBuilder();
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '{') {
                int end = text.indexOf('}', i);
                if (end < 0) {
                    throw new IllegalArgumentException("'" + text + "': '{' without '}'");
                }
                String f = text.substring(i + 1, end).trim().toLowerCase(Locale.ROOT);
                if (!allowed.contains(f)) {
                    throw new IllegalArgumentException("'" + text + "': unknown field {" + f + "} (expected one of "
                            + allowed + ")");
                }
                lits.add(lit.toString());
                lit.setLength(0);
                flds.add(f);
                i = end + 1;
            } else {
                if (c == ' ' || c == '\t' || c == '}') {
                    throw new IllegalArgumentException("'" + text + "': '" + c + "' is not allowed in a subject");
                }
                lit.append(c);
                i++;
            }
        }
        lits.add(lit.toString());
        if (text.isEmpty() || text.startsWith(".") || text.endsWith(".") || text.contains("..")) {
            throw new IllegalArgumentException("'" + text + "': empty subject token");
        }
        if (text.contains("*") || text.contains(">")) {
            throw new IllegalArgumentException("'" + text + "': wildcards are for subscribing, not publishing");
        }
        return new SubjectTemplate(text, lits.toArray(new String[0]), flds.toArray(new String[0]));
    }

    String render(FlowEvent r) {
        if (fields.length == 0) {
            return text;
        }
        sb.setLength(0);
        FlowKey k = r.key();
        for (int i = 0; i < fields.length; i++) {
            sb.append(literals[i]);
            int start = sb.length();
            switch (fields[i]) {
                case "interface": sb.append(r.interfaceName() == null ? "unknown" : r.interfaceName()); break;
                case "hostname": sb.append(r.hostname() == null ? "unknown" : r.hostname()); break;
                case "direction": sb.append(r.direction().jsonName()); break;
                case "protocol": sb.append(k.protocolName()); break;
                case "src_ip": IpText.append(sb, k.ipVersion(), k.srcHi(), k.srcLo()); break;
                case "dst_ip": IpText.append(sb, k.ipVersion(), k.dstHi(), k.dstLo()); break;
                case "src_port": sb.append(k.srcPort()); break;
                case "dst_port": sb.append(k.dstPort()); break;
                case "ip_version": sb.append(k.ipVersion()); break;
                case "vlan": sb.append(k.vlan()); break;
                case "end_reason": sb.append(r.endReason().jsonName()); break;
                default: throw new AssertionError(fields[i]);
            }
            clean(start);
        }
        sb.append(literals[fields.length]);
        return sb.toString();
    }

    String render(Snapshot s) {
        if (fields.length == 0) {
            return text;
        }
        sb.setLength(0);
        for (int i = 0; i < fields.length; i++) {
            sb.append(literals[i]);
            int start = sb.length();
            switch (fields[i]) {
                case "task": sb.append(s.task()); break;
                case "type": sb.append(s.type()); break;
                case "metric": sb.append(s.metric()); break;
                default: throw new AssertionError(fields[i]);
            }
            clean(start);
        }
        sb.append(literals[fields.length]);
        return sb.toString();
    }

    /** Makes the characters from {@code start} one valid subject token. */
    private void clean(int start) {
        if (sb.length() == start) {
            sb.append("unknown");
            return;
        }
        for (int j = start; j < sb.length(); j++) {
            char c = sb.charAt(j);
            if (c == '.' || c == '*' || c == '>' || c <= ' ' || c == 0x7f) {
                sb.setCharAt(j, '_');
            }
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
