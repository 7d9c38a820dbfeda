package io.flowtrace.sinks.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.flowtrace.core.Direction;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowEventJson;
import io.flowtrace.sinks.testing.TestRecords;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EncodingTest {

    @Test
    void timestampsMatchJavaTimeForDatesAcrossCenturiesAndLeapDays() {
        DateTimeFormatter f = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'")
                .withZone(ZoneOffset.UTC);
        SplittableRandom rnd = new SplittableRandom(7);
        long[] fixed = {0, 1, -1, 951_782_400_000_000_000L /* 2000-02-29 */, 4_107_542_399_999_999_999L,
            -2_208_988_800_000_000_000L /* 1900-01-01 */, TestRecords.BASE_NANOS};
        List<Long> values = new ArrayList<>();
        for (long v : fixed) {
            values.add(v);
        }
        for (int i = 0; i < 10_000; i++) {
            values.add(rnd.nextLong(-2_000_000_000_000_000_000L, 7_000_000_000_000_000_000L));
        }
        for (long v : values) {
            Instant t = Instant.ofEpochSecond(Math.floorDiv(v, 1_000_000_000L), Math.floorMod(v, 1_000_000_000L));
            char[] out = new char[40];
            assertEquals(f.format(t), new String(out, 0, FlowEventJson.formatTime(v, out)), "epoch nanos " + v);
        }
    }

    @Test
    void recordJsonHasTheSensorFieldsFirstInOrderThenTheAdditions() {
        FlowEvent r = TestRecords.record(5);
        JsonLines enc = new JsonLines();
        enc.append(r);
        JsonNode n = TestRecords.parse(enc.buffer().toString());
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        assertEquals(List.of(RecordJson.FIELDS), names);
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
        assertTrue(lines[1].startsWith("{\"flow_id\""), lines[1]);
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
    void snapshotJsonCarriesWindowRowsWithKeyFieldsBoundsAndTotals() {
        JsonLines enc = new JsonLines();
        enc.append(TestRecords.snapshot("per_src"));
        JsonNode n = TestRecords.parse(enc.buffer().toString());
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
        assertTrue(header.startsWith("flow_id,timestamp,interface,hostname,direction,src_ip"), header);
        String line = out.toString();
        assertTrue(line.endsWith(",idle-timeout,4,0\n"), line);
        assertTrue(line.contains(",eth0,\"host,\"\"a\"\"\",inbound,10.0.0.3,192.0.2.1,1027,53,UDP,1.5,3,300,100.0,"),
                line);
        assertEquals(header.split(",").length, line.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)").length);
    }
}
