package io.flowtrace.core;

import com.fasterxml.jackson.core.JsonParser;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FlowEventJsonTest {
    private static FlowEvent sample() throws Exception {
        FlowKey k = FlowKey.of(InetAddress.getByName("2001:db8::1"), InetAddress.getByName("2001:db8:0:1::2"), 443,
                51000, 6);
        return new FlowEvent(FlowEvent.flowIdOf(k, 5), k, 1_700_000_000_123_456_789L, 1_700_000_002_623_456_789L,
                3, 2, 300, 200, 240, 160, 0x1b, 0x12, EndReason.TCP_FIN, "eth0", "sensor-1", Direction.OUTBOUND);
    }

    @Test
    void writesTheSensorFieldNamesFirstThenOursInOrder() throws Exception {
        String json = new FlowEventJson().toJson(sample());
        List<String> names = new ArrayList<>();
        Iterator<String> it = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).fieldNames();
        it.forEachRemaining(names::add);
        assertEquals(List.of("flow_id", "timestamp", "interface", "hostname", "direction", "src_ip", "dst_ip",
                "src_port", "dst_port", "protocol", "flow_duration", "packet_count", "byte_count", "avg_packet_size",
                "start_time", "src_packets", "dst_packets", "src_bytes", "dst_bytes", "src_ip_bytes", "dst_ip_bytes",
                "src_tcp_flags", "dst_tcp_flags", "end_reason", "ip_version", "vlan"), names);
        com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        assertEquals("2023-11-14T22:13:22.623456789Z", n.get("timestamp").asText());
        assertEquals("2001:db8::1", n.get("src_ip").asText());
        assertEquals("2001:db8:0:1::2", n.get("dst_ip").asText());
        assertEquals("TCP", n.get("protocol").asText());
        assertEquals(2.5, n.get("flow_duration").asDouble(), 1e-9);
        assertEquals(5, n.get("packet_count").asLong());
        assertEquals(100.0, n.get("avg_packet_size").asDouble(), 1e-9);
        assertEquals("outbound", n.get("direction").asText());
        assertEquals("tcp-fin", n.get("end_reason").asText());
    }

    @Test
    void readsBackWhatItWrites() throws Exception {
        FlowEvent r = sample();
        assertEquals(r, FlowEventJson.read(new FlowEventJson().toJson(r)));
        try (JsonParser p = FlowEventJson.FACTORY.createParser("{\"src_ip\":1}")) {
            org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> FlowEventJson.read(p));
        }
    }

    @Test
    void timestampsMatchJavaTimeForAnyInstant() {
        SplittableRandom r = new SplittableRandom(1);
        char[] buf = new char[64];
        long[] edges = {Long.MIN_VALUE, Long.MIN_VALUE + 1, -1, 0, 1, 999_999_999, 1_000_000_000, Long.MAX_VALUE - 1,
                Long.MAX_VALUE, -86_400_000_000_000L, -86_400_000_000_001L, 951_782_400_000_000_000L /* 2000-02-29 */};
        for (int i = 0; i < 20_000; i++) {
            // 1970..2100 mostly; the whole span of a long (1677..2262) too, negative times included
            long nanos = i < edges.length ? edges[i]
                    : i % 2 == 0 ? r.nextLong(0, 4_102_444_800_000_000_000L) : r.nextLong();
            int n = FlowEventJson.formatTime(nanos, buf);
            Instant t = Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
                    Math.floorMod(nanos, 1_000_000_000L));
            String expected = java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'")
                    .withZone(java.time.ZoneOffset.UTC).format(t);
            assertEquals(expected, new String(buf, 0, n));
        }
    }

    @Test
    void ipv6TextFollowsRfc5952() {
        assertEquals("::", IpText.format(6, 0, 0));
        assertEquals("::1", IpText.format(6, 0, 1));
        assertEquals("2001:db8::1:0:1", IpText.format(6, 0x20010db800000000L, 0x0000000100000001L));
        assertEquals("2001:db8::", IpText.format(6, 0x20010db800000000L, 0));
        assertEquals("1:0:0:1::", IpText.format(6, 0x0001000000000001L, 0));
        assertEquals("2001:0:0:1::1", IpText.format(6, 0x2001000000000001L, 1));
        assertEquals("::ffff:192.0.2.1", IpText.format(6, 0, 0x0000ffffc0000201L));
        assertEquals("192.0.2.1", IpText.format(4, 0, 0xc0000201L));
    }
}
