package io.flowtrace.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.flowtrace.core.internal.FlowEventEncoder;
import io.flowtrace.core.internal.JsonTree;
import io.flowtrace.core.internal.SensorEventEncoder;
import io.flowtrace.core.internal.SnapshotEncoder;
import io.flowtrace.core.spi.Snapshot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON form of flow events and snapshots, as every built-in sink writes them: one object per event, whose first
 * field {@code event} says what it is.
 *
 * <ul>
 * <li>{@code "event":"flow"}: a {@link FlowEvent}, then the sensor's field names ({@code flow_id},
 *     {@code timestamp}, {@code interface}, {@code hostname}, {@code direction}, {@code src_ip}, {@code dst_ip},
 *     {@code src_port}, {@code dst_port}, {@code protocol}, {@code flow_duration}, {@code packet_count},
 *     {@code byte_count}, {@code avg_packet_size}) followed by flowtrace's ({@code start_time}, {@code src_packets},
 *     {@code dst_packets}, {@code src_bytes}, {@code dst_bytes}, {@code src_ip_bytes}, {@code dst_ip_bytes},
 *     {@code src_tcp_flags}, {@code dst_tcp_flags}, {@code end_reason}, {@code ip_version}, {@code vlan}). "src" is
 *     the initiator.</li>
 * <li>{@code "event":"snapshot"}: a {@link Snapshot}, then {@code task}, {@code type} (the aggregator type),
 *     {@code metric}, {@code window_start}, {@code window_end}, {@code rows} (each row's key fields, then
 *     {@code value}, {@code lower}, {@code upper}, and {@code counts} when the row has any) and {@code totals}.</li>
 * </ul>
 * Timestamps are RFC 3339 in UTC with nine fraction digits. A sink of your own can write the same lines with
 * {@link #writeLine}, and a consumer read them back with {@link #read}.
 *
 * <p>Thread-safe: every method is static and keeps no state. Writing a flow event goes straight to bytes, without a
 * JSON generator.
 *
 * @since 0.1
 */
public final class EventJson {
    /** The {@code event} value of a flow event. */
    public static final String FLOW = "flow";
    /** The {@code event} value of a snapshot. */
    public static final String SNAPSHOT = "snapshot";

    /** Holder: Jackson's parser classes load at the first read, not when events are only written. */
    private static final class Readers {
        static final JsonFactory FACTORY = JsonFactory.builder().build();
    }

    private static final byte[] NEWLINE = {'\n'};

    private EventJson() {
    }

    /**
     * {@return {@code event} as one JSON object in UTF-8, without line end}
     *
     * @param event the event to encode
     */
    public static byte[] toBytes(FlowEvent event) {
        byte[] b = new byte[FlowEventEncoder.maxLength(event)];
        int n = FlowEventEncoder.write(event, b, 0);
        return Arrays.copyOf(b, n);
    }

    /**
     * {@return {@code event} as one JSON object, without line end}
     *
     * @param event the event to encode
     */
    public static String toJson(FlowEvent event) {
        byte[] b = new byte[FlowEventEncoder.maxLength(event)];
        return new String(b, 0, FlowEventEncoder.write(event, b, 0), StandardCharsets.UTF_8);
    }

    /**
     * Writes {@code event} to {@code out} as one line: the JSON object and {@code '\n'}. Does not flush.
     *
     * @param event the event to encode
     * @param out where the line goes
     * @throws IOException when {@code out} throws
     */
    public static void writeLine(FlowEvent event, OutputStream out) throws IOException {
        byte[] b = new byte[FlowEventEncoder.maxLength(event)];
        out.write(b, 0, FlowEventEncoder.writeLine(event, b, 0));
    }

    /**
     * {@code event} in the Go sensor's own form ({@code event-format=sensor} of the built-in sinks), one JSON object
     * without line end: its fourteen fields only, no {@code event} field, ports as strings, {@code flow_id} as
     * {@code src_ip:src_port-dst_ip:dst_port-PROTO}, {@code interface} and {@code hostname} {@code ""} when unset,
     * numbers and times as Go writes them. A backend written for the sensor reads it as the sensor's own.
     *
     * @param event the event to encode
     * @return the JSON object
     * @throws IllegalArgumentException when {@code event} is neither TCP nor UDP: the sensor's form has no others
     *                                  (the sinks count such events as {@code skipped_by_format})
     */
    public static String toSensorJson(FlowEvent event) {
        return new String(SensorEventEncoder.toBytes(event), StandardCharsets.UTF_8);
    }

    /**
     * {@return {@code snapshot} as one JSON object in UTF-8, without line end}
     *
     * @param snapshot the snapshot to encode
     */
    public static byte[] toBytes(Snapshot snapshot) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try {
            write(snapshot, out);
        } catch (IOException e) {
            throw new AssertionError(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /**
     * {@return {@code snapshot} as one JSON object, without line end}
     *
     * @param snapshot the snapshot to encode
     */
    public static String toJson(Snapshot snapshot) {
        return new String(toBytes(snapshot), StandardCharsets.UTF_8);
    }

    /**
     * Writes {@code snapshot} to {@code out} as one line: the JSON object and {@code '\n'}. Does not flush.
     *
     * @param snapshot the snapshot to encode
     * @param out where the line goes
     * @throws IOException when {@code out} throws
     */
    public static void writeLine(Snapshot snapshot, OutputStream out) throws IOException {
        write(snapshot, out);
        out.write(NEWLINE);
    }

    private static void write(Snapshot snapshot, OutputStream out) throws IOException {
        try (JsonGenerator g = SnapshotEncoder.generator(out)) {
            SnapshotEncoder.write(snapshot, g);
        }
    }

    /**
     * Reads one JSON object as {@link #toJson} writes it: a {@link FlowEvent} when its {@code event} is
     * {@code "flow"} (or when it has no {@code event} field, as lines of earlier versions and the sensor's own
     * events), a {@link Snapshot} when it is {@code "snapshot"}. Fields it does not know are ignored, so lines from
     * newer versions still read. Numbers in snapshot row keys read back as {@code Long} or {@code Double}.
     *
     * @param json one JSON object
     * @return a {@link FlowEvent} or a {@link Snapshot}
     * @throws FlowTraceException when {@code json} is not such an object (malformed, a field missing or of the
     *                            wrong type, an unknown {@code event})
     */
    public static Object read(String json) {
        Map<String, Object> m = parse(json);
        Object event = m.get("event");
        if (event == null || FLOW.equals(event)) {
            return flow(m);
        }
        if (SNAPSHOT.equals(event)) {
            return snapshot(m);
        }
        throw new FlowTraceException("event: " + event + " (expected: " + FLOW + " or " + SNAPSHOT + ")");
    }

    /**
     * Reads one flow event, as {@link #read}.
     *
     * @param json one JSON object
     * @return the event
     * @throws FlowTraceException as {@link #read}, and when {@code json} is a snapshot
     */
    public static FlowEvent readFlow(String json) {
        return as(FlowEvent.class, FLOW, json);
    }

    /**
     * Reads one snapshot, as {@link #read}.
     *
     * @param json one JSON object
     * @return the snapshot
     * @throws FlowTraceException as {@link #read}, and when {@code json} is a flow event
     */
    public static Snapshot readSnapshot(String json) {
        return as(Snapshot.class, SNAPSHOT, json);
    }

    private static <T> T as(Class<T> type, String event, String json) {
        Object o = read(json);
        if (!type.isInstance(o)) {
            throw new FlowTraceException("event: " + (o instanceof FlowEvent ? FLOW : SNAPSHOT) + " (expected: "
                    + event + ")");
        }
        return type.cast(o);
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** The object as a map in field order; arrays as lists, integers as Long (BigInteger when larger). */
    private static Map<String, Object> parse(String json) {
        try (JsonParser p = Readers.FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new FlowTraceException("event JSON: " + p.currentToken() + " (expected: an object)");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) JsonTree.value(p);
            return m;
        } catch (JsonProcessingException e) {
            throw new FlowTraceException("event JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new FlowTraceException("event JSON: " + e.getMessage(), e);
        }
    }

    private static FlowEvent flow(Map<String, Object> m) {
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
                throw new FlowTraceException("field end_reason: " + m.get("end_reason") + " unknown");
            }
            return new FlowEvent(str(m, "flow_id"), key, time(m, "start_time"), time(m, "timestamp"),
                    num(m, "src_packets"), num(m, "dst_packets"), num(m, "src_bytes"), num(m, "dst_bytes"),
                    num(m, "src_ip_bytes"), num(m, "dst_ip_bytes"), (int) num(m, "src_tcp_flags"),
                    (int) num(m, "dst_tcp_flags"), reason, optionalStr(m, "interface"), optionalStr(m, "hostname"),
                    Direction.valueOf(str(m, "direction").toUpperCase(Locale.ROOT)));
        } catch (RuntimeException | IOException e) {
            throw new FlowTraceException("flow event: " + e.getMessage(), e);
        }
    }

    private static Snapshot snapshot(Map<String, Object> m) {
        try {
            List<Snapshot.Row> rows = new ArrayList<>();
            for (Object o : list(m, "rows")) {
                if (!(o instanceof Map)) {
                    throw new FlowTraceException("a row is not an object");
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> row = new LinkedHashMap<>((Map<String, Object>) o);
                long value = num(row, "value");
                long lower = num(row, "lower");
                long upper = num(row, "upper");
                row.remove("value");
                row.remove("lower");
                row.remove("upper");
                Map<String, Long> counts = new LinkedHashMap<>();
                if (row.get("counts") instanceof Map) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> c = (Map<String, Object>) row.remove("counts");
                    for (String k : c.keySet()) {
                        counts.put(k, num(c, k));
                    }
                }
                rows.add(new Snapshot.Row(Collections.unmodifiableMap(row), value, lower, upper, counts));
            }
            Object t = m.get("totals");
            if (!(t instanceof Map)) {
                throw new FlowTraceException("field totals missing or not an object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> totalsIn = (Map<String, Object>) t;
            Map<String, Long> totals = new LinkedHashMap<>();
            for (String k : totalsIn.keySet()) {
                totals.put(k, num(totalsIn, k));
            }
            return new Snapshot(str(m, "task"), str(m, "type"), str(m, "metric"), time(m, "window_start"),
                    time(m, "window_end"), rows, totals);
        } catch (RuntimeException e) {
            throw new FlowTraceException("snapshot: " + e.getMessage(), e);
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

    /** An RFC 3339 timestamp as epoch nanoseconds (any fraction length, {@code Z} or an offset). */
    private static long time(Map<String, Object> m, String k) {
        String text = str(m, k);
        try {
            java.time.OffsetDateTime t = java.time.OffsetDateTime.parse(text);
            return Math.addExact(Math.multiplyExact(t.toEpochSecond(), 1_000_000_000L), t.getNano());
        } catch (RuntimeException e) {
            throw new FlowTraceException("field " + k + ": " + text + " (expected: an RFC 3339 timestamp)", e);
        }
    }

    private static String str(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (!(v instanceof String)) {
            throw new FlowTraceException("field " + k + " missing or not a string");
        }
        return (String) v;
    }

    private static String optionalStr(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v == null ? null : str(m, k);
    }

    private static List<?> list(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (!(v instanceof List)) {
            throw new FlowTraceException("field " + k + " missing or not an array");
        }
        return (List<?>) v;
    }

    private static long num(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (v instanceof Long) {
            return (Long) v;
        }
        if (v instanceof BigInteger) {
            return ((BigInteger) v).longValueExact();
        }
        throw new FlowTraceException("field " + k + " missing or not a whole number");
    }

    private static int protocolNumber(String name) {
        for (int i = 0; i < 256; i++) {
            if (IpText.protocolName(i).equals(name)) {
                return i;
            }
        }
        throw new FlowTraceException("field protocol: " + name + " unknown");
    }
}
