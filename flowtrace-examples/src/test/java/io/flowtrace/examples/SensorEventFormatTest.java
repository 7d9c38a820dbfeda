package io.flowtrace.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --event-format sensor}: what a backend typed on the sensor's struct receives, checked against a default run. */
class SensorEventFormatTest {
    /** TCP, UDP and five other protocols, IPv4 and IPv6. */
    static final String CAPTURE = Path.of(System.getProperty("flowtrace.root", "."), "..", "shared", "corpus",
            "arkime", "ospf.pcap").toString();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The default run's events by their sensor flow id and last-packet time. */
    private static Map<String, JsonNode> defaultEvents(List<JsonNode> others) throws Exception {
        Cli r = Cli.run("flows", CAPTURE, "--quiet");
        assertEquals(0, r.status(), r.err());
        Map<String, JsonNode> byId = new HashMap<>();
        for (String line : r.lines()) {
            JsonNode n = MAPPER.readTree(line);
            String proto = n.get("protocol").asText();
            if (!proto.equals("TCP") && !proto.equals("UDP")) {
                others.add(n);
                continue;
            }
            String id = n.get("src_ip").asText() + ":" + n.get("src_port").asInt() + "-" + n.get("dst_ip").asText()
                    + ":" + n.get("dst_port").asInt() + "-" + proto;
            byId.put(id + " " + n.get("start_time").asText(), n);
        }
        return byId;
    }

    @Test
    void aBackendTypedOnTheSensorsStructAcceptsEveryEventOfTheTcpAndUdpFlowsAndNothingElse() throws Exception {
        List<JsonNode> others = new ArrayList<>();
        Map<String, JsonNode> expected = defaultEvents(others);
        assertFalse(others.isEmpty(), "the capture has flows of other protocols");
        try (TypedSensorBackend backend = new TypedSensorBackend()) {
            Cli r = Cli.run("flows", CAPTURE, "--event-format", "sensor", "--sink",
                    "http:url=" + backend.url() + ",format=single");
            assertEquals(0, r.status(), r.err());
            assertEquals(List.of(), backend.errors());
            assertEquals(expected.size(), backend.accepted().size());
            assertTrue(r.err().contains("sink http: " + expected.size() + " delivered"), r.err());
            assertTrue(r.err().contains("skipped_by_format=" + others.size()), r.err());
            for (JsonNode s : backend.accepted()) {
                assertEquals(List.copyOf(TypedSensorBackend.STRUCT.keySet()), names(s));
                String id = s.get("flow_id").asText();
                assertEquals(s.get("src_ip").asText() + ":" + s.get("src_port").asText() + "-" + s.get("dst_ip").asText()
                        + ":" + s.get("dst_port").asText() + "-" + s.get("protocol").asText(), id);
                JsonNode d = null;
                for (Map.Entry<String, JsonNode> e : expected.entrySet()) {
                    if (e.getKey().startsWith(id + " ") && e.getValue().get("timestamp").asText().startsWith(
                            s.get("timestamp").asText().replace("Z", ""))) {
                        d = e.getValue();
                    }
                }
                assertNotNull(d, "a default event for " + s);
                assertEquals(d.get("src_port").asText(), s.get("src_port").asText());
                assertEquals(d.get("dst_port").asText(), s.get("dst_port").asText());
                assertEquals(d.get("packet_count").asLong(), s.get("packet_count").asLong());
                assertEquals(d.get("byte_count").asLong(), s.get("byte_count").asLong());
                assertEquals(d.get("flow_duration").asDouble(), s.get("flow_duration").asDouble(), 1e-9);
                assertEquals(d.get("avg_packet_size").asDouble(), s.get("avg_packet_size").asDouble());
                assertEquals(java.time.Instant.parse(d.get("timestamp").asText()),
                        java.time.Instant.parse(s.get("timestamp").asText()));
                assertEquals("", s.get("interface").asText());
            }
        }
    }

    @Test
    void theSameBackendRefusesFlowtracesOwnFormat() throws Exception {
        try (TypedSensorBackend backend = new TypedSensorBackend()) {
            Cli r = Cli.run("flows", CAPTURE, "--sink", "http:url=" + backend.url() + ",format=single,retry-budget=0");
            assertEquals(1, r.status(), r.err());
            assertTrue(backend.accepted().isEmpty());
            assertEquals("json: unknown field \"event\"", backend.errors().get(0));
        }
        assertTrue(TypedSensorBackend.decode("{\"flow_id\":\"a\"}").startsWith("missing fields"));
        assertTrue(TypedSensorBackend.decode(EVENT.replace("\"src_port\":\"1\"", "\"src_port\":1"))
                .contains("FlowEvent.src_port of type string"));
        assertTrue(TypedSensorBackend.decode(EVENT.replace("\"packet_count\":2", "\"packet_count\":2.0"))
                .contains("of type int"));
        assertTrue(TypedSensorBackend.decode(EVENT.replace("2024-05-01T12:00:00Z", "2024-05-01 12:00"))
                .contains("of type time.Time"));
        assertEquals(null, TypedSensorBackend.decode(EVENT));
    }

    private static final String EVENT = "{\"flow_id\":\"a:1-b:2-TCP\",\"timestamp\":\"2024-05-01T12:00:00Z\","
            + "\"interface\":\"\",\"hostname\":\"\",\"direction\":\"unknown\",\"src_ip\":\"a\",\"dst_ip\":\"b\","
            + "\"src_port\":\"1\",\"dst_port\":\"2\",\"protocol\":\"TCP\",\"flow_duration\":0,\"packet_count\":2,"
            + "\"byte_count\":120,\"avg_packet_size\":60}";

    @Test
    void theConfigurationFilesEventFormatAppliesToStdoutAndASinkMayKeepItsOwn(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("own.ndjson");
        Path config = dir.resolve("flows.yaml");
        Files.writeString(config, "event_format: sensor\n");
        Cli r = Cli.run("flows", CAPTURE, "--config", config.toString(), "--quiet");
        assertEquals(0, r.status(), r.err());
        assertFalse(r.lines().isEmpty());
        for (String line : r.lines()) {
            assertEquals(null, TypedSensorBackend.decode(line), line);
        }
        Cli own = Cli.run("flows", CAPTURE, "--event-format", "sensor", "--quiet", "--sink",
                "file:path=" + out + ",event-format=flowtrace");
        assertEquals(0, own.status(), own.err());
        assertTrue(Files.readAllLines(out).get(0).startsWith("{\"event\":\"flow\""));
    }

    @Test
    void csvInTheSensorsFormatIsRefusedNamingBoth(@TempDir Path dir) {
        Cli r = Cli.run("flows", CAPTURE, "--event-format", "sensor", "--sink",
                "file:path=" + dir.resolve("x.csv") + ",format=csv");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("event-format: sensor with format=csv"), r.err());
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
