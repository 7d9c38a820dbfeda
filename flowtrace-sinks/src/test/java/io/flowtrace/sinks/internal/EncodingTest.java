package io.flowtrace.sinks.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.flowtrace.core.Direction;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.EventJson;
import io.flowtrace.core.internal.FlowEventEncoder;
import io.flowtrace.sinks.testing.TestRecords;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EncodingTest {

    @Test
    void recordJsonIsTheEventFieldThenTheSensorFieldsInOrderThenTheAdditions() {
        FlowEvent r = TestRecords.record(5);
        JsonLines enc = new JsonLines();
        enc.append(r);
        JsonNode n = TestRecords.parse(enc.buffer().toString());
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        List<String> expected = new ArrayList<>(List.of("event"));
        expected.addAll(FlowEventEncoder.FIELDS);
        assertEquals(expected, names);
        assertEquals("flow", n.get("event").asText());
        assertEquals(EventJson.toJson(r), enc.buffer().toString());
        assertEquals(r.flowId(), n.get("flow_id").asText());
        assertEquals("2024-05-01T12:00:01.505000000Z", n.get("timestamp").asText());
        assertEquals("2024-05-01T12:00:00.005000000Z", n.get("start_time").asText());
        assertEquals("eth0", n.get("interface").asText());
        assertEquals("sensor-1", n.get("hostname").asText());
        assertEquals("outbound", n.get("direction").asText());
        assertEquals("10.0.0.5", n.get("src_ip").asText());
        assertEquals("192.0.2.1", n.get("dst_ip").asText());
        assertEquals(1029, n.get("src_port").asInt());
        assertEquals(53, n.get("dst_port").asInt());
        assertEquals("UDP", n.get("protocol").asText());
        assertEquals(1.5, n.get("flow_duration").asDouble());
        assertEquals(3, n.get("packet_count").asLong());
        assertEquals(300, n.get("byte_count").asLong());
        assertEquals(100.0, n.get("avg_packet_size").asDouble());
        assertEquals(2, n.get("src_packets").asLong());
        assertEquals(86, n.get("dst_ip_bytes").asLong());
        assertEquals("idle-timeout", n.get("end_reason").asText());
        assertEquals(4, n.get("ip_version").asInt());
    }

    @Test
    void consecutiveValuesInOneBufferHaveNoSeparatorOfTheirOwn() {
        JsonLines enc = new JsonLines();
        enc.append(TestRecords.record(1));
        enc.buffer().write('\n');
        enc.append(TestRecords.record(2));
        String[] lines = enc.buffer().toString().split("\n");
        assertEquals(2, lines.length);
        assertTrue(lines[1].startsWith("{\"event\":\"flow\",\"flow_id\""), lines[1]);
    }

    @Test
    void ipv6AndMissingNamesAreWrittenAsTextAndNull() throws Exception {
        FlowKey key = FlowKey.of(InetAddress.getByName("2001:db8::1"), InetAddress.getByName("2001:db8::2"),
                5000, 443, 6);
        FlowEvent r = new FlowEvent("00000000000000aa", key, 0, 0, 1, 0, 60, 0, 40, 0, 0x02, 0,
                EndReason.SHUTDOWN, null, null, Direction.UNKNOWN);
        JsonLines enc = new JsonLines();
        enc.append(r);
        JsonNode n = TestRecords.parse(enc.buffer().toString());
        assertEquals("2001:db8::1", n.get("src_ip").asText());
        assertTrue(n.get("interface").isNull());
        assertEquals("TCP", n.get("protocol").asText());
        assertEquals(2, n.get("src_tcp_flags").asInt());
        assertEquals("1970-01-01T00:00:00.000000000Z", n.get("timestamp").asText());
    }

    @Test
    void snapshotJsonIsTheEventFieldThenWindowRowsWithKeyFieldsBoundsAndTotals() {
        JsonLines enc = new JsonLines();
        enc.append(TestRecords.snapshot("per_src"));
        String json = enc.buffer().toString();
        assertTrue(json.startsWith("{\"event\":\"snapshot\",\"task\":\"per_src\","), json);
        assertEquals(EventJson.toJson(TestRecords.snapshot("per_src")), json);
        JsonNode n = TestRecords.parse(json);
        assertEquals("per_src", n.get("task").asText());
        assertEquals("count-min", n.get("type").asText());
        assertEquals("packets", n.get("metric").asText());
        assertEquals("2024-05-01T12:00:00.000000000Z", n.get("window_start").asText());
        assertEquals("2024-05-01T12:01:00.000000000Z", n.get("window_end").asText());
        JsonNode row = n.get("rows").get(0);
        assertEquals("10.0.0.1", row.get("src_ip").asText());
        assertEquals(443, row.get("dst_port").asInt());
        assertEquals(120, row.get("value").asLong());
        assertEquals(100, row.get("lower").asLong());
        assertEquals(130, row.get("upper").asLong());
        assertEquals(1000, n.get("totals").get("total_packets").asLong());
    }

    @Test
    void csvLineHasTheJsonColumnsAndQuotesTextWithCommas() {
        FlowEvent base = TestRecords.record(3);
        FlowEvent r = new FlowEvent(base.flowId(), base.key(), base.startNanos(), base.endNanos(), 2, 1, 200,
                100, 172, 86, 0, 0, EndReason.IDLE_TIMEOUT, "eth0", "host,\"a\"", Direction.INBOUND);
        ByteBuf out = new ByteBuf(16);
        new CsvRecords().append(r, out);
        String header = CsvRecords.header();
        // a CSV file holds flow events only: no event column
        assertTrue(header.startsWith("flow_id,timestamp,interface,hostname,direction,src_ip"), header);
        assertTrue(line(r).contains(",2024-05-01T12:00:00.003000000Z,"), line(r));
        String line = out.toString();
        assertTrue(line.endsWith(",idle-timeout,4,0\n"), line);
        assertTrue(line.contains(",eth0,\"host,\"\"a\"\"\",inbound,10.0.0.3,192.0.2.1,1027,53,UDP,1.5,3,300,100.0,"),
                line);
        assertEquals(header.split(",").length, line.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)").length);
    }

    @Test
    void csvTextThatASpreadsheetWouldTakeForAFormulaStartsWithAQuote() {
        FlowEvent base = TestRecords.record(3);
        String[][] cases = {
                {"=HYPERLINK(\"http://x\")", ",\"'=HYPERLINK(\"\"http://x\"\")\","},
                {"+1+1", ",'+1+1,"}, {"-2", ",'-2,"}, {"@SUM(A1)", ",'@SUM(A1),"}, {"\tx", ",'\tx,"},
                {"\rx", ",\"'\rx\","}, {"eth0=1", ",eth0=1,"}, {"", ",,"},
        };
        for (String[] c : cases) {
            FlowEvent r = new FlowEvent(base.flowId(), base.key(), base.startNanos(), base.endNanos(), 2, 1, 200,
                    100, 172, 86, 0, 0, EndReason.IDLE_TIMEOUT, c[0], "h", Direction.INBOUND);
            String line = line(r);
            assertTrue(line.contains(c[1] + "h,inbound,"), c[0] + " -> " + line);
        }
    }

    private static String line(FlowEvent r) {
        ByteBuf out = new ByteBuf(16);
        new CsvRecords().append(r, out);
        return out.toString();
    }
}
