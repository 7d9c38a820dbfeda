package io.flowtrace.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrace.core.spi.Snapshot;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventJsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static FlowEvent sample() throws Exception {
        FlowKey k = FlowKey.of(InetAddress.getByName("2001:db8::1"), InetAddress.getByName("2001:db8:0:1::2"), 443,
                51000, 6);
        return new FlowEvent(FlowEvent.flowIdOf(k, 5), k, 1_700_000_000_123_456_789L, 1_700_000_002_623_456_789L,
                3, 2, 300, 200, 240, 160, 0x1b, 0x12, EndReason.TCP_FIN, "eth0", "sensor-1", Direction.OUTBOUND);
    }

    private static Snapshot snapshot() {
        Map<String, Object> key1 = new LinkedHashMap<>();
        key1.put("src_ip", "10.0.0.1");
        key1.put("dst_port", 443L);
        Map<String, Object> key2 = new LinkedHashMap<>();
        key2.put("src_ip", "10.0.0.2");
        key2.put("dst_port", null);
        return new Snapshot("per_src", "count-min", "bytes", 1_700_000_000_000_000_000L, 1_700_000_010_000_000_000L,
                List.of(new Snapshot.Row(key1, 900, 880, 900), Snapshot.Row.exact(key2, 12)),
                Map.of("total_bytes", 912L, "total_packets", 9L));
    }

    private static List<String> names(String json) throws Exception {
        List<String> names = new ArrayList<>();
        MAPPER.readTree(json).fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void aFlowEventIsTheEventFieldThenTheSensorFieldNamesThenOursInOrder() throws Exception {
        String json = EventJson.toJson(sample());
        assertEquals(List.of("event", "flow_id", "timestamp", "interface", "hostname", "direction", "src_ip", "dst_ip",
                "src_port", "dst_port", "protocol", "flow_duration", "packet_count", "byte_count", "avg_packet_size",
                "start_time", "src_packets", "dst_packets", "src_bytes", "dst_bytes", "src_ip_bytes", "dst_ip_bytes",
                "src_tcp_flags", "dst_tcp_flags", "end_reason", "ip_version", "vlan"), names(json));
        JsonNode n = MAPPER.readTree(json);
        assertEquals("flow", n.get("event").asText());
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
    void bytesStringAndLineAreTheSameJson() throws Exception {
        FlowEvent r = sample();
        Snapshot s = snapshot();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EventJson.writeLine(r, out);
        EventJson.writeLine(s, out);
        String expected = EventJson.toJson(r) + "\n" + EventJson.toJson(s) + "\n";
        assertEquals(expected, out.toString(StandardCharsets.UTF_8));
        assertEquals(EventJson.toJson(r), new String(EventJson.toBytes(r), StandardCharsets.UTF_8));
        assertEquals(EventJson.toJson(s), new String(EventJson.toBytes(s), StandardCharsets.UTF_8));
    }

    @Test
    void aSnapshotIsTheEventFieldThenTaskTypeMetricWindowRowsAndTotals() throws Exception {
        String json = EventJson.toJson(snapshot());
        assertTrue(json.startsWith("{\"event\":\"snapshot\",\"task\":\"per_src\",\"type\":\"count-min\","), json);
        assertEquals(List.of("event", "task", "type", "metric", "window_start", "window_end", "rows", "totals"),
                names(json));
        JsonNode n = MAPPER.readTree(json);
        assertEquals("2023-11-14T22:13:20.000000000Z", n.get("window_start").asText());
        assertEquals("2023-11-14T22:13:30.000000000Z", n.get("window_end").asText());
        List<String> row = new ArrayList<>();
        n.get("rows").get(0).fieldNames().forEachRemaining(row::add);
        assertEquals(List.of("src_ip", "dst_port", "value", "lower", "upper"), row);
        assertEquals(880, n.get("rows").get(0).get("lower").asLong());
        assertEquals(912, n.get("totals").get("total_bytes").asLong());
    }

    @Test
    void readsBackWhatItWritesAndTellsTheKindByTheEventField() throws Exception {
        FlowEvent r = sample();
        Snapshot s = snapshot();
        assertEquals(r, EventJson.read(EventJson.toJson(r)));
        assertEquals(r, EventJson.readFlow(EventJson.toJson(r)));
        assertEquals(s, EventJson.read(EventJson.toJson(s)));
        assertEquals(s, EventJson.readSnapshot(EventJson.toJson(s)));
        FlowTraceException e = assertThrows(FlowTraceException.class, () -> EventJson.readFlow(EventJson.toJson(s)));
        assertEquals("event: snapshot (expected: flow)", e.getMessage());
        assertThrows(FlowTraceException.class, () -> EventJson.readSnapshot(EventJson.toJson(r)));
    }

    @Test
    void aLineWithoutEventFieldIsAFlowEventAsEarlierVersionsWroteThem() throws Exception {
        FlowEvent r = sample();
        String withoutEvent = EventJson.toJson(r).replace("\"event\":\"flow\",", "");
        assertEquals(r, EventJson.read(withoutEvent));
        // fields a later version may add are ignored
        assertEquals(r, EventJson.read(withoutEvent.replace("{", "{\"extra\":[1,{\"a\":true}],")));
    }

    @Test
    void unknownEventsAndMalformedLinesAreClearErrors() throws Exception {
        String alert = EventJson.toJson(sample()).replace("\"event\":\"flow\"", "\"event\":\"alert\"");
        assertEquals("event: alert (expected: flow or snapshot)",
                assertThrows(FlowTraceException.class, () -> EventJson.read(alert)).getMessage());
        assertEquals("flow event: field src_ip missing or not a string",
                assertThrows(FlowTraceException.class, () -> EventJson.read("{\"src_ip\":1}")).getMessage());
        assertInstanceOf(FlowTraceException.class, assertThrows(RuntimeException.class,
                () -> EventJson.read("{\"event\":\"flow\",")));
        assertThrows(FlowTraceException.class, () -> EventJson.read("[1]"));
        String noTotals = EventJson.toJson(snapshot()).replaceFirst(",\"totals\":\\{.*}}$", "}");
        assertEquals("snapshot: field totals missing or not an object",
                assertThrows(FlowTraceException.class, () -> EventJson.read(noTotals)).getMessage());
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
