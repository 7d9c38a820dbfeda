package io.flowtrace.core.internal;

import io.flowtrace.core.Direction;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.EventJson;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.IpText;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowEventEncoderTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long MAX_NANOS = 4_102_444_800_000_000_000L; // 2100-01-01

    @Test
    void writesTheEventFieldFirstThenTheSameFieldsInTheSameOrderAsTheGenerator() throws Exception {
        FlowKey k = FlowKey.of(java.net.InetAddress.getByName("2001:db8::1"),
                java.net.InetAddress.getByName("2001:db8:0:1::2"), 443, 51000, 6);
        FlowEvent r = new FlowEvent(FlowEvent.flowIdOf(k, 5), k, 1_700_000_000_123_456_789L,
                1_700_000_002_623_456_789L, 3, 2, 300, 200, 240, 160, 0x1b, 0x12, EndReason.TCP_FIN, "eth0",
                "sensor-1", Direction.OUTBOUND);
        String line = new String(FlowEventEncoder.toBytes(r), StandardCharsets.UTF_8);
        assertTrue(line.endsWith("}\n"), line);
        assertEquals(1, line.chars().filter(c -> c == '\n').count());
        assertTrue(line.startsWith("{\"event\":\"flow\",\"flow_id\":\""), line);
        List<String> expected = new ArrayList<>(List.of("event"));
        expected.addAll(FlowEventEncoder.FIELDS);
        assertEquals(expected, names(line));
        assertEquals(names(ReferenceFlowJson.toJson(r)), names(line));
        assertEquals(MAPPER.readTree(ReferenceFlowJson.toJson(r)), MAPPER.readTree(line));
        assertTrue(line.contains("\"flow_duration\":2.5,"), line);
        assertTrue(line.contains("\"avg_packet_size\":100.0,"), line);
        assertTrue(line.contains("\"timestamp\":\"2023-11-14T22:13:22.623456789Z\""), line);
    }

    @Test
    void randomRecordsReadBackAsTheGeneratorsOutputAndAsTheRecord() throws Exception {
        SplittableRandom rnd = new SplittableRandom(20240501);
        byte[] buf = new byte[256];
        int offset = 0;
        for (int i = 0; i < 100_000; i++) {
            FlowEvent r = randomRecord(rnd);
            // lines are appended after each other, as a sink does, and the buffer must always be large enough
            if (offset + FlowEventEncoder.maxLength(r) > buf.length || offset > 4096) {
                buf = new byte[Math.max(256, FlowEventEncoder.maxLength(r))];
                offset = 0;
            }
            int end = FlowEventEncoder.writeLine(r, buf, offset);
            assertTrue(end - offset <= FlowEventEncoder.maxLength(r));
            assertEquals('\n', buf[end - 1]);
            String line = new String(buf, offset, end - offset - 1, StandardCharsets.UTF_8);
            offset = end;
            String expected = ReferenceFlowJson.toJson(r);
            JsonNode ours = MAPPER.readTree(line);
            JsonNode theirs = MAPPER.readTree(expected);
            assertEquals(names(expected), names(line), line);
            assertEquals(normalized(theirs), normalized(ours), () -> "expected " + expected + "\n but was " + line);
            // the fractional fields stay fractional tokens, so typed consumers see the same kinds of number
            assertTrue(ours.get("flow_duration").isFloatingPointNumber(), line);
            assertTrue(ours.get("avg_packet_size").isFloatingPointNumber(), line);
            assertEquals(r, EventJson.readFlow(line));
        }
    }

    @Test
    void decimalsOfEveryLengthMatchLongToStringAndLeaveTheBytesBeforeThem() {
        List<Long> values = new ArrayList<>(List.of(0L, Long.MAX_VALUE, Long.MIN_VALUE, -1L, (long) Integer.MAX_VALUE,
                Integer.MAX_VALUE + 1L, 1L << 53));
        for (long pow = 1; pow > 0 && pow <= Long.MAX_VALUE / 10; pow *= 10) {
            for (long v : new long[] {pow - 1, pow, pow + 1, 2 * pow, 9 * pow, 10 * pow - 1}) {
                values.add(v);
                values.add(-v);
            }
        }
        SplittableRandom rnd = new SplittableRandom(11);
        for (int i = 0; i < 20_000; i++) {
            values.add(rnd.nextLong() >> rnd.nextInt(64)); // every magnitude
        }
        for (long v : values) {
            String expected = Long.toString(v);
            // room to spare, and exactly as much room as the digits need (the writer's short-array path)
            for (int slack : new int[] {32, 0}) {
                int at = rnd.nextInt(8);
                byte[] out = new byte[at + expected.length() + slack];
                java.util.Arrays.fill(out, (byte) '#');
                int end = FlowEventEncoder.decimal(out, at, v);
                assertEquals(at + expected.length(), end, expected);
                assertEquals(expected, new String(out, at, end - at, StandardCharsets.US_ASCII));
                for (int j = 0; j < at; j++) {
                    assertEquals('#', out[j], "byte before the number written for " + expected);
                }
            }
        }
    }

    @Test
    void timestampsMatchJavaTimeForAnyInstant() {
        SplittableRandom r = new SplittableRandom(1);
        byte[] buf = new byte[40];
        long[] edges = {Long.MIN_VALUE, Long.MIN_VALUE + 1, -1, 0, 1, 999_999_999, 1_000_000_000, Long.MAX_VALUE - 1,
                Long.MAX_VALUE, -86_400_000_000_000L, -86_400_000_000_001L, 951_782_400_000_000_000L /* 2000-02-29 */};
        for (int i = 0; i < 20_000; i++) {
            // 1970..2100 mostly; the whole span of a long (1677..2262) too, negative times included
            long nanos = i < edges.length ? edges[i] : i % 2 == 0 ? r.nextLong(0, MAX_NANOS) : r.nextLong();
            int at = r.nextInt(10);
            int n = FlowEventEncoder.time(buf, at, nanos);
            assertEquals(ReferenceFlowJson.time(nanos), new String(buf, at, n - at, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void fractionsAreExactDecimalsWhenTheyTerminate() {
        assertEquals("0.000000001", field(record(0, 1, 1, 1), "flow_duration"));
        assertEquals("0.0", field(record(0, 0, 1, 1), "flow_duration"));
        assertEquals("104.5", field(record(0, 104_500_000_000L, 1, 1), "flow_duration"));
        assertEquals("64.25", field(record(0, 0, 4, 257), "avg_packet_size"));
        assertEquals("1500.0", field(record(0, 0, 2, 3000), "avg_packet_size"));
        // 200 / 3 does not terminate: the shortest text that reads back as the same double
        assertEquals(Double.toString(200.0 / 3), field(record(0, 0, 3, 200), "avg_packet_size"));
        assertEquals(0.5, Double.parseDouble(field(record(0, 0, 6, 3), "avg_packet_size")));
    }

    @Test
    void shortestDecimalsReadBackAsTheSameDoubleAndAreNoLongerThanSchubfach() {
        SplittableRandom rnd = new SplittableRandom(99);
        byte[] buf = new byte[64];
        int written = 0;
        for (int i = 0; i < 1_000_000; i++) {
            double v;
            switch (i % 4) {
                case 0: v = (double) rnd.nextLong(1, 1L << 40) / rnd.nextLong(1, 1L << 20); break;
                case 1: v = (double) rnd.nextLong(1, 100_000) / rnd.nextLong(1, 200); break;
                case 2: v = Double.longBitsToDouble(rnd.nextLong(0x3f70000000000000L, 0x4330000000000000L)); break;
                default: v = rnd.nextInt(1, 1 << 20) + rnd.nextInt(1, 1000) / 1000.0; break;
            }
            int n = FlowEventEncoder.shortest(buf, 0, v);
            if (n < 0) {
                continue;
            }
            written++;
            String text = new String(buf, 0, n, StandardCharsets.US_ASCII);
            assertEquals(Double.doubleToLongBits(v), Double.doubleToLongBits(Double.parseDouble(text)), text);
            String theirs = com.fasterxml.jackson.core.io.NumberOutput.toString(v, true);
            assertTrue(significantDigits(text) <= significantDigits(theirs), text + " vs " + theirs);
        }
        assertTrue(written > 900_000, "the shortcut applied to only " + written);
        // ties: exactly half a unit in the last place away reads back to the even significand
        assertEquals(-1, FlowEventEncoder.shortest(buf, 0, 2.0));
        assertEquals(-1, FlowEventEncoder.shortest(buf, 0, 3.0));
        assertEquals(-1, FlowEventEncoder.shortest(buf, 0, 1e-3));
        assertEquals("0.1", new String(buf, 0, FlowEventEncoder.shortest(buf, 0, 0.1), StandardCharsets.US_ASCII));
        assertEquals("66.66666666666667",
                new String(buf, 0, FlowEventEncoder.shortest(buf, 0, 200.0 / 3), StandardCharsets.US_ASCII));
    }

    private static int significantDigits(String text) {
        String mantissa = text.replaceFirst("[eE].*$", "").replace("-", "").replace(".", "");
        mantissa = mantissa.replaceFirst("^0+", "").replaceFirst("0+$", "");
        return Math.max(1, mantissa.length());
    }

    @Test
    void escapesWhatJsonRequiresAndKeepsTheRestAsUtf8() throws Exception {
        String hostname = "a\"b\\c\n\t\u0001\u001f/é€😀";
        FlowKey k = FlowKey.ipv4(0x0a000001, 0x0a000002, 1, 2, 17);
        FlowEvent r = new FlowEvent("id\u0000", k, 0, 0, 1, 0, 60, 0, 40, 0, 0, 0, EndReason.IDLE_TIMEOUT,
                null, hostname, Direction.UNKNOWN);
        String line = new String(FlowEventEncoder.toBytes(r), StandardCharsets.UTF_8);
        assertTrue(line.contains("\"interface\":null,"), line);
        assertTrue(line.contains("\"hostname\":\"a\\\"b\\\\c\\n\\t\\u0001\\u001f/é€😀\""), line);
        assertEquals(hostname, MAPPER.readTree(line).get("hostname").asText());
        assertEquals("id\u0000", MAPPER.readTree(line).get("flow_id").asText());
    }

    @Test
    void addressesFollowIpText() {
        long[][] cases = {
            {6, 0, 0}, {6, 0, 1}, {6, 0x20010db800000000L, 0x0000000100000001L}, {6, 0x20010db800000000L, 0},
            {6, 0x0001000000000001L, 0}, {6, 0x2001000000000001L, 1}, {6, 0, 0x0000ffffc0000201L},
            {6, 0, 0x0000fffe00000001L}, {6, -1L, -1L}, {6, 0x0000000100000000L, 0x0000000100000000L},
            {4, 0, 0}, {4, 0, 0xffffffffL}, {4, 0, 0xc0000201L}, {4, 0, 0x0a00640aL},
        };
        for (long[] c : cases) {
            FlowKey k = new FlowKey((int) c[0], c[1], c[2], c[1], c[2], 0, 0, 1, 0);
            FlowEvent r = new FlowEvent("x", k, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, EndReason.SHUTDOWN, null, null,
                    Direction.LOCAL);
            String json = new String(FlowEventEncoder.toBytes(r), StandardCharsets.UTF_8);
            assertTrue(json.contains("\"src_ip\":\"" + IpText.format((int) c[0], c[1], c[2]) + "\""), json);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static FlowEvent record(long start, long durationNanos, long packets, long bytes) {
        FlowKey k = FlowKey.ipv4(1, 2, 3, 4, 6);
        return new FlowEvent("x", k, start, start + durationNanos, packets, 0, bytes, 0, bytes, 0, 0, 0,
                EndReason.TCP_RST, "lo", "h", Direction.INBOUND);
    }

    private static String field(FlowEvent r, String name) {
        String json = new String(FlowEventEncoder.toBytes(r), StandardCharsets.UTF_8);
        int at = json.indexOf("\"" + name + "\":") + name.length() + 3;
        return json.substring(at, json.indexOf(',', at));
    }

    private static List<String> names(String json) throws Exception {
        List<String> names = new ArrayList<>();
        Iterator<String> it = MAPPER.readTree(json).fieldNames();
        it.forEachRemaining(names::add);
        return names;
    }

    /** Numbers compared as values: every number as its double and its long. */
    private static JsonNode normalized(JsonNode n) {
        ObjectNode o = MAPPER.createObjectNode();
        n.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            if (v.isNumber()) {
                o.put(e.getKey(), v.isIntegralNumber() ? "long " + v.bigIntegerValue()
                        : "double " + Double.doubleToLongBits(v.doubleValue()));
            } else {
                o.set(e.getKey(), v);
            }
        });
        return o;
    }

    private static FlowEvent randomRecord(SplittableRandom rnd) {
        FlowKey key;
        if (rnd.nextInt(3) == 0) {
            key = new FlowKey(6, address6(rnd, true), address6(rnd, false), address6(rnd, true),
                    address6(rnd, false), port(rnd), port(rnd), rnd.nextInt(256), rnd.nextInt(4096));
        } else {
            key = new FlowKey(4, 0, address4(rnd), 0, address4(rnd), port(rnd), port(rnd),
                    rnd.nextInt(256), rnd.nextInt(4) == 0 ? rnd.nextInt(4096) : 0);
        }
        long start;
        long end;
        switch (rnd.nextInt(4)) {
            case 0: // anywhere in 1970..2100, long flows included
                start = rnd.nextLong(0, MAX_NANOS);
                end = start + rnd.nextLong(0, MAX_NANOS - start + 1);
                break;
            case 1: // before 1970
                start = -rnd.nextLong(1, 2_000_000_000_000_000_000L);
                end = start + rnd.nextLong(0, 3_000_000_000_000_000L);
                break;
            case 2: // whole seconds and milliseconds
                start = rnd.nextLong(0, 4_000_000_000L) * 1_000_000_000L;
                end = start + rnd.nextLong(0, 100_000) * 1_000_000L;
                break;
            default: // typical: recent, a few seconds
                start = 1_700_000_000_000_000_000L + rnd.nextLong(0, 100_000_000_000_000_000L);
                end = start + rnd.nextLong(0, 120_000_000_000L);
                break;
        }
        long pf = count(rnd);
        long pr = rnd.nextInt(3) == 0 ? 0 : count(rnd);
        if (pf + pr == 0) {
            pf = 1;
        }
        long bf = bytes(rnd, pf);
        long br = bytes(rnd, pr);
        return new FlowEvent(flowId(rnd), key, start, end, pf, pr, bf, br, bytes(rnd, pf), bytes(rnd, pr),
                rnd.nextInt(256), rnd.nextInt(256), EndReason.values()[rnd.nextInt(EndReason.values().length)],
                text(rnd), text(rnd), Direction.values()[rnd.nextInt(Direction.values().length)]);
    }

    private static long count(SplittableRandom rnd) {
        switch (rnd.nextInt(4)) {
            case 0: return rnd.nextLong(0, Long.MAX_VALUE / 2);
            case 1: return rnd.nextLong(0, 1L << 54);
            default: return rnd.nextLong(0, 1000);
        }
    }

    private static long bytes(SplittableRandom rnd, long packets) {
        if (rnd.nextInt(4) == 0 || packets > (1L << 40)) {
            return rnd.nextLong(0, Long.MAX_VALUE / 2);
        }
        return packets * rnd.nextLong(40, 1515) + rnd.nextInt(50);
    }

    private static int port(SplittableRandom rnd) {
        int[] edge = {0, 1, 80, 443, 65535};
        return rnd.nextBoolean() ? edge[rnd.nextInt(edge.length)] : rnd.nextInt(65536);
    }

    private static long address4(SplittableRandom rnd) {
        long[] edge = {0, 0xffffffffL, 0x7f000001L, 0x0a000001L, 0xc0a80001L, 0x01020304L};
        return rnd.nextBoolean() ? edge[rnd.nextInt(edge.length)] : rnd.nextLong(0, 1L << 32);
    }

    /** One half of an IPv6 address, often with zero groups so that every "::" placement occurs. */
    private static long address6(SplittableRandom rnd, boolean high) {
        switch (rnd.nextInt(6)) {
            case 0: return 0;
            case 1: return high ? 0 : 0x0000ffff00000000L | rnd.nextLong(0, 1L << 32); // ::ffff:a.b.c.d
            case 2: return rnd.nextLong();
            default:
                long v = 0;
                for (int g = 0; g < 4; g++) {
                    int kind = rnd.nextInt(3);
                    long group = kind == 0 ? 0 : kind == 1 ? rnd.nextInt(16) << (4 * rnd.nextInt(4)) : rnd.nextInt(65536);
                    v = (v << 16) | group;
                }
                return high && rnd.nextInt(4) == 0 ? 0x20010db800000000L | (v & 0xffffffffL) : v;
        }
    }

    private static String flowId(SplittableRandom rnd) {
        if (rnd.nextInt(10) == 0) {
            String t = text(rnd);
            return t == null ? "" : t;
        }
        return Long.toHexString(rnd.nextLong());
    }

    private static String text(SplittableRandom rnd) {
        int kind = rnd.nextInt(5);
        if (kind == 0) {
            return null;
        }
        if (kind <= 2) {
            return "eth" + rnd.nextInt(10);
        }
        String[] pieces = {"\"", "\\", "\n", "\r", "\t", "\b", "\f", "\u0000", "\u001f", "\u007f", "/", "é", "ß",
            "€", "日本", "😀", "a", "host-1.example", " ", "'"};
        StringBuilder sb = new StringBuilder();
        for (int i = rnd.nextInt(8); i > 0; i--) {
            sb.append(pieces[rnd.nextInt(pieces.length)]);
        }
        return sb.toString();
    }
}
