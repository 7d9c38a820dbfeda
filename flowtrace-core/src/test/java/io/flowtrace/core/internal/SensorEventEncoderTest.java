package io.flowtrace.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrace.core.Direction;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.EventJson;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowKey;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SensorEventEncoderTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static FlowEvent event(String src, String dst, int sport, int dport, int proto, long start, long end,
                                   long packets, long bytes, String iface, String host) throws Exception {
        FlowKey k = FlowKey.of(InetAddress.getByName(src), InetAddress.getByName(dst), sport, dport, proto);
        return new FlowEvent(FlowEvent.flowIdOf(k, start), k, start, end, packets, 0, bytes, 0, bytes, 0, 0, 0,
                EndReason.TCP_FIN, iface, host, Direction.OUTBOUND);
    }

    @Test
    void writesTheSensorsFourteenFieldsAsGoMarshalsItsStruct() throws Exception {
        FlowEvent r = event("10.77.0.2", "10.77.0.1", 35372, 8080, 6, 1_700_000_000_123_456_000L,
                1_700_000_002_623_000_000L, 12, 1086, "eth0", "sensor-1");
        assertEquals("{\"flow_id\":\"10.77.0.2:35372-10.77.0.1:8080-TCP\",\"timestamp\":\"2023-11-14T22:13:22.623Z\","
                + "\"interface\":\"eth0\",\"hostname\":\"sensor-1\",\"direction\":\"outbound\",\"src_ip\":\"10.77.0.2\","
                + "\"dst_ip\":\"10.77.0.1\",\"src_port\":\"35372\",\"dst_port\":\"8080\",\"protocol\":\"TCP\","
                + "\"flow_duration\":2.499544,\"packet_count\":12,\"byte_count\":1086,\"avg_packet_size\":90.5}",
                EventJson.toSensorJson(r));
        assertEquals(SensorEventEncoder.FIELDS, names(EventJson.toSensorJson(r)));
    }

    @Test
    void unsetInterfaceAndHostAreEmptyStringsAndWholeFloatsHaveNoFraction() throws Exception {
        FlowEvent r = event("192.0.2.1", "192.0.2.2", 5353, 53, 17, 1_000_000_000_000_000_000L,
                1_000_000_003_000_000_000L, 2, 200, null, null);
        String json = EventJson.toSensorJson(r);
        assertTrue(json.contains("\"timestamp\":\"2001-09-09T01:46:43Z\""), json);
        assertTrue(json.contains("\"interface\":\"\",\"hostname\":\"\""), json);
        assertTrue(json.contains("\"flow_duration\":3,"), json);
        assertTrue(json.contains("\"avg_packet_size\":100}"), json);
        assertTrue(json.contains("\"protocol\":\"UDP\""), json);
    }

    @Test
    void anIpv4MappedAddressIsDottedAsGoPrintsItAndIpv6IsCompressed() throws Exception {
        FlowKey k = FlowKey.of(InetAddress.getByName("2001:db8::1"), InetAddress.getByName("2001:db8:0:1::2"), 443,
                51000, 6);
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = 10;
        mapped[15] = 7;
        FlowKey m = FlowKey.of(java.net.Inet6Address.getByAddress(null, mapped, -1),
                InetAddress.getByName("2001:db8::1"), 1, 2, 17);
        FlowEvent a = new FlowEvent("x", k, 0, 0, 1, 0, 60, 0, 40, 0, 0, 0, EndReason.IDLE_TIMEOUT, null, null,
                Direction.UNKNOWN);
        FlowEvent b = new FlowEvent("y", m, 0, 0, 1, 0, 60, 0, 40, 0, 0, 0, EndReason.IDLE_TIMEOUT, null, null,
                Direction.UNKNOWN);
        assertTrue(EventJson.toSensorJson(a).startsWith("{\"flow_id\":\"2001:db8::1:443-2001:db8:0:1::2:51000-TCP\""));
        JsonNode n = MAPPER.readTree(EventJson.toSensorJson(b));
        assertEquals("10.0.0.7", n.get("src_ip").asText());
        assertEquals("10.0.0.7:1-2001:db8::1:2-UDP", n.get("flow_id").asText());
        assertEquals("1970-01-01T00:00:00Z", n.get("timestamp").asText());
    }

    @Test
    void otherProtocolsHaveNoSensorForm() throws Exception {
        FlowEvent icmp = event("192.0.2.1", "192.0.2.2", 0, 0, 1, 0, 1, 1, 98, null, null);
        assertFalse(SensorEventEncoder.emits(icmp));
        assertTrue(SensorEventEncoder.emits(event("192.0.2.1", "192.0.2.2", 1, 2, 6, 0, 1, 1, 98, null, null)));
        assertThrows(IllegalArgumentException.class, () -> EventJson.toSensorJson(icmp));
    }

    @Test
    void stringsAreEscapedAsGoEscapesThem() throws Exception {
        FlowEvent r = event("192.0.2.1", "192.0.2.2", 1, 2, 6, 0, 1, 1, 98, "a<b>&\"\\\u2028\u0001\n", "h\u00e9\ud83d");
        JsonNode n = MAPPER.readTree(EventJson.toSensorJson(r));
        assertEquals("a<b>&\"\\\u2028\u0001\n", n.get("interface").asText());
        assertEquals("h\u00e9\ufffd", n.get("hostname").asText());
        assertTrue(EventJson.toSensorJson(r).contains(
                "\"interface\":\"a\\u003cb\\u003e\\u0026\\\"\\\\\\u2028\\u0001\\n\""), EventJson.toSensorJson(r));
    }

    @Test
    void floatsAreWrittenAsGoWritesAFloat64() {
        String[][] cases = {
            {"0", "0"}, {"90", "90"}, {"90.5", "90.5"}, {"0.007203", "0.007203"}, {"1e-7", "1e-7"},
            {"5e-9", "5e-9"}, {"0.000001", "0.000001"}, {"1e21", "1e+21"}, {"1e20", "100000000000000000000"},
            {"160.8709677419355", "160.8709677419355"}, {"333.3333333333333", "333.3333333333333"},
            {"1.2345e-7", "1.2345e-7"}, {"123456789.123", "123456789.123"},
        };
        for (String[] c : cases) {
            assertEquals(c[1], goFloat(Double.parseDouble(c[0])), c[0]);
        }
        SplittableRandom rnd = new SplittableRandom(23);
        for (int i = 0; i < 40_000; i++) {
            double v;
            switch (i % 4) {
                case 0: v = (double) rnd.nextLong(1, 1L << 40) / rnd.nextLong(1, 1L << 20); break;
                case 1: v = SensorEventEncoder.seconds(rnd.nextLong(0, 1L << 50)); break;
                case 2: v = SensorEventEncoder.seconds(rnd.nextLong(0, 10_000_000)); break;
                default: v = Double.longBitsToDouble(rnd.nextLong(0x3e00000000000000L, 0x4500000000000000L)); break;
            }
            assertEquals(reference(v), goFloat(v), "" + v);
        }
    }

    @Test
    void durationsAreSecondsPlusTheRestAsGoAddsThem() {
        long nanos = 1_234_567_891_011L;
        assertEquals((double) 1234 + 567_891_011 / 1e9, SensorEventEncoder.seconds(nanos));
    }

    private static String goFloat(double v) {
        byte[] b = new byte[64];
        return new String(b, 0, SensorEventEncoder.goFloat(b, 0, v), StandardCharsets.US_ASCII);
    }

    /** Go's float64 text: the nearest decimal of the fewest digits that reads back, laid out as encoding/json does. */
    private static String reference(double v) {
        if (v == 0) {
            return "0";
        }
        BigDecimal exact = new BigDecimal(v);
        BigDecimal d = null;
        for (int prec = 1; prec <= 17; prec++) {
            d = exact.round(new MathContext(prec, RoundingMode.HALF_EVEN));
            if (d.doubleValue() == v) {
                break;
            }
        }
        d = d.stripTrailingZeros();
        if (v >= 1e-6 && v < 1e21) {
            return d.toPlainString();
        }
        String digits = d.unscaledValue().toString();
        int exp = digits.length() - 1 - d.scale();
        String mant = digits.length() > 1 ? digits.charAt(0) + "." + digits.substring(1) : digits;
        return mant + "e" + (exp < 0 ? "-" + (-exp) : "+" + (exp < 10 ? "0" : "") + exp);
    }

    private static List<String> names(String json) throws Exception {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = MAPPER.readTree(json).fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }
}
