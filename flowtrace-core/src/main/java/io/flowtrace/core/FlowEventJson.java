package io.flowtrace.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * The JSON form of a {@link FlowEvent}: the sensor's field names ({@code flow_id}, {@code timestamp},
 * {@code interface}, {@code hostname}, {@code direction}, {@code src_ip}, {@code dst_ip}, {@code src_port},
 * {@code dst_port}, {@code protocol}, {@code flow_duration}, {@code packet_count}, {@code byte_count},
 * {@code avg_packet_size}) followed by flowtrace's ({@code start_time}, {@code src_packets}, {@code dst_packets},
 * {@code src_bytes}, {@code dst_bytes}, {@code src_ip_bytes}, {@code dst_ip_bytes}, {@code src_tcp_flags},
 * {@code dst_tcp_flags}, {@code end_reason}, {@code ip_version}, {@code vlan}). "src" is the initiator.
 *
 * <p>Written with Jackson's streaming generator; addresses and timestamps are formatted into a reused buffer, so
 * an instance allocates little per record. An instance is not thread-safe: use one per thread.
 *
 * <p>Where only bytes are needed (files, sockets), {@link FlowEventNdjson} writes the same JSON about three times
 * faster, without a generator; this class remains the reader and the generator-based writer.
 */
public final class FlowEventJson {
    /** Shared, thread-safe factory. */
    public static final JsonFactory FACTORY = JsonFactory.builder().build();

    // field names pre-encoded once: Jackson copies their bytes instead of checking every character for escapes
    private static final SerializedString F_FLOW_ID = new SerializedString("flow_id");
    private static final SerializedString F_INTERFACE = new SerializedString("interface");
    private static final SerializedString F_HOSTNAME = new SerializedString("hostname");
    private static final SerializedString F_DIRECTION = new SerializedString("direction");
    private static final SerializedString F_PROTOCOL = new SerializedString("protocol");
    private static final SerializedString F_END_REASON = new SerializedString("end_reason");
    private static final SerializedString F_SRC_PORT = new SerializedString("src_port");
    private static final SerializedString F_DST_PORT = new SerializedString("dst_port");
    private static final SerializedString F_FLOW_DURATION = new SerializedString("flow_duration");
    private static final SerializedString F_PACKET_COUNT = new SerializedString("packet_count");
    private static final SerializedString F_BYTE_COUNT = new SerializedString("byte_count");
    private static final SerializedString F_AVG_PACKET_SIZE = new SerializedString("avg_packet_size");
    private static final SerializedString F_SRC_PACKETS = new SerializedString("src_packets");
    private static final SerializedString F_DST_PACKETS = new SerializedString("dst_packets");
    private static final SerializedString F_SRC_BYTES = new SerializedString("src_bytes");
    private static final SerializedString F_DST_BYTES = new SerializedString("dst_bytes");
    private static final SerializedString F_SRC_IP_BYTES = new SerializedString("src_ip_bytes");
    private static final SerializedString F_DST_IP_BYTES = new SerializedString("dst_ip_bytes");
    private static final SerializedString F_SRC_TCP_FLAGS = new SerializedString("src_tcp_flags");
    private static final SerializedString F_DST_TCP_FLAGS = new SerializedString("dst_tcp_flags");
    private static final SerializedString F_IP_VERSION = new SerializedString("ip_version");
    private static final SerializedString F_VLAN = new SerializedString("vlan");
    private static final SerializedString F_TIMESTAMP = new SerializedString("timestamp");
    private static final SerializedString F_SRC_IP = new SerializedString("src_ip");
    private static final SerializedString F_DST_IP = new SerializedString("dst_ip");
    private static final SerializedString F_START_TIME = new SerializedString("start_time");

    private final char[] chars = new char[64];
    private final StringBuilder sb = new StringBuilder(64);

    /** A writer and reader with buffers of its own. */
    public FlowEventJson() {
    }

    /** Writes one record as a JSON object (no trailing newline). */
    public void write(FlowEvent r, JsonGenerator g) throws IOException {
        FlowKey k = r.key();
        g.writeStartObject();
        g.writeFieldName(F_FLOW_ID);
        g.writeString(r.flowId());
        g.writeFieldName(F_TIMESTAMP);
        writeTime(r.endNanos(), g);
        g.writeFieldName(F_INTERFACE);
        g.writeString(r.interfaceName());
        g.writeFieldName(F_HOSTNAME);
        g.writeString(r.hostname());
        g.writeFieldName(F_DIRECTION);
        g.writeString(r.direction().jsonName());
        g.writeFieldName(F_SRC_IP);
        writeIp(k.ipVersion(), k.srcHi(), k.srcLo(), g);
        g.writeFieldName(F_DST_IP);
        writeIp(k.ipVersion(), k.dstHi(), k.dstLo(), g);
        g.writeFieldName(F_SRC_PORT);
        g.writeNumber(k.srcPort());
        g.writeFieldName(F_DST_PORT);
        g.writeNumber(k.dstPort());
        g.writeFieldName(F_PROTOCOL);
        g.writeString(k.protocolName());
        g.writeFieldName(F_FLOW_DURATION);
        g.writeNumber(r.durationNanos() / 1e9);
        g.writeFieldName(F_PACKET_COUNT);
        g.writeNumber(r.packetCount());
        g.writeFieldName(F_BYTE_COUNT);
        g.writeNumber(r.byteCount());
        g.writeFieldName(F_AVG_PACKET_SIZE);
        g.writeNumber(r.averagePacketSize());
        g.writeFieldName(F_START_TIME);
        writeTime(r.startNanos(), g);
        g.writeFieldName(F_SRC_PACKETS);
        g.writeNumber(r.packetsForward());
        g.writeFieldName(F_DST_PACKETS);
        g.writeNumber(r.packetsReverse());
        g.writeFieldName(F_SRC_BYTES);
        g.writeNumber(r.bytesForward());
        g.writeFieldName(F_DST_BYTES);
        g.writeNumber(r.bytesReverse());
        g.writeFieldName(F_SRC_IP_BYTES);
        g.writeNumber(r.ipBytesForward());
        g.writeFieldName(F_DST_IP_BYTES);
        g.writeNumber(r.ipBytesReverse());
        g.writeFieldName(F_SRC_TCP_FLAGS);
        g.writeNumber(r.tcpFlagsForward());
        g.writeFieldName(F_DST_TCP_FLAGS);
        g.writeNumber(r.tcpFlagsReverse());
        g.writeFieldName(F_END_REASON);
        g.writeString(r.endReason().jsonName());
        g.writeFieldName(F_IP_VERSION);
        g.writeNumber(k.ipVersion());
        g.writeFieldName(F_VLAN);
        g.writeNumber(k.vlan());
        g.writeEndObject();
    }

    /** One record as a JSON string (convenience; allocates). */
    public String toJson(FlowEvent r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(r, g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private void writeIp(int version, long hi, long lo, JsonGenerator g) throws IOException {
        sb.setLength(0);
        IpText.append(sb, version, hi, lo);
        int n = sb.length();
        sb.getChars(0, n, chars, 0);
        g.writeString(chars, 0, n);
    }

    /** RFC 3339 in UTC with nanoseconds: {@code 2024-05-01T12:00:00.123456789Z}. */
    private void writeTime(long epochNanos, JsonGenerator g) throws IOException {
        int n = formatTime(epochNanos, chars);
        g.writeString(chars, 0, n);
    }

    private static final ThreadLocal<byte[]> TIME_SCRATCH = ThreadLocal.withInitial(() -> new byte[32]);

    /**
     * Formats epoch nanoseconds as RFC 3339 UTC with nine fraction digits into {@code out} (at least 30 chars);
     * returns the length. The same text as the records' {@code timestamp}; allocates nothing.
     */
    public static int formatTime(long epochNanos, char[] out) {
        byte[] b = TIME_SCRATCH.get();
        int n = FlowEventNdjson.time(b, 0, epochNanos);
        for (int i = 0; i < n; i++) {
            out[i] = (char) b[i];
        }
        return n;
    }

    /** Parses an RFC 3339 timestamp as written by this class (any fraction length, {@code Z} or offset). */
    public static long parseTime(String text) {
        java.time.OffsetDateTime t = java.time.OffsetDateTime.parse(text);
        return t.toEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /**
     * Reads one record written by {@link #write}. Fields it does not know are ignored, so records from newer
     * versions still read.
     *
     * @throws IOException on malformed JSON or a missing field
     */
    public static FlowEvent read(JsonParser p) throws IOException {
        if (p.currentToken() == null) {
            p.nextToken();
        }
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new IOException("flow event: expected a JSON object, got " + p.currentToken());
        }
        Map<String, Object> m = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (t) {
                case VALUE_STRING: m.put(name, p.getText()); break;
                case VALUE_NUMBER_INT: m.put(name, p.getLongValue()); break;
                case VALUE_NUMBER_FLOAT: m.put(name, p.getDoubleValue()); break;
                case VALUE_NULL: m.put(name, null); break;
                default: p.skipChildren(); break;
            }
        }
        try {
            InetAddress src = address(str(m, "src_ip"));
            InetAddress dst = address(str(m, "dst_ip"));
            FlowKey base = FlowKey.of(src, dst, (int) num(m, "src_port"), (int) num(m, "dst_port"),
                    protocolNumber(str(m, "protocol")));
            FlowKey key = new FlowKey(base.ipVersion(), base.srcHi(), base.srcLo(), base.dstHi(), base.dstLo(),
                    base.srcPort(), base.dstPort(), base.protocol(), (int) num(m, "vlan"));
            EndReason reason = null;
            for (EndReason e : EndReason.values()) {
                if (e.jsonName().equals(m.get("end_reason"))) {
                    reason = e;
                }
            }
            if (reason == null) {
                throw new IOException("flow event: unknown end_reason " + m.get("end_reason"));
            }
            return new FlowEvent(str(m, "flow_id"), key, parseTime(str(m, "start_time")),
                    parseTime(str(m, "timestamp")), num(m, "src_packets"), num(m, "dst_packets"),
                    num(m, "src_bytes"), num(m, "dst_bytes"), num(m, "src_ip_bytes"), num(m, "dst_ip_bytes"),
                    (int) num(m, "src_tcp_flags"), (int) num(m, "dst_tcp_flags"), reason,
                    (String) m.get("interface"), (String) m.get("hostname"),
                    Direction.valueOf(str(m, "direction").toUpperCase(java.util.Locale.ROOT)));
        } catch (RuntimeException e) {
            throw new IOException("flow event: " + e.getMessage(), e);
        }
    }

    /** Reads one record from a JSON text. */
    public static FlowEvent read(String json) {
        try (JsonParser p = FACTORY.createParser(json)) {
            return read(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An address from its text; {@code ::ffff:a.b.c.d} stays IPv6 (InetAddress would turn it into IPv4). */
    private static InetAddress address(String text) throws IOException {
        InetAddress a = InetAddress.getByName(text);
        if (a instanceof java.net.Inet4Address && text.indexOf(':') >= 0) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(a.getAddress(), 0, mapped, 12, 4);
            return java.net.Inet6Address.getByAddress(null, mapped, -1);
        }
        return a;
    }

    private static String str(Map<String, Object> m, String k) throws IOException {
        Object v = m.get(k);
        if (!(v instanceof String)) {
            throw new IOException("flow event: field " + k + " missing or not a string");
        }
        return (String) v;
    }

    private static long num(Map<String, Object> m, String k) throws IOException {
        Object v = m.get(k);
        if (v instanceof Long) {
            return (Long) v;
        }
        if (v instanceof BigInteger) {
            return ((BigInteger) v).longValueExact();
        }
        throw new IOException("flow event: field " + k + " missing or not a whole number");
    }

    private static int protocolNumber(String name) {
        for (int i = 0; i < 256; i++) {
            if (IpText.protocolName(i).equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("protocol: " + name);
    }
}
