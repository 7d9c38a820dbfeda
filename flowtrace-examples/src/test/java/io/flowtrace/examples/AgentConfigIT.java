package io.flowtrace.examples;

import io.flowtrace.core.FlowEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's YAML configuration, run from the jar: placeholders from the environment, a named source, sinks and flow
 * options. A capture file stands in for the interface so that no privilege is needed.
 */
class AgentConfigIT {
    private static final Path SAMPLE = Jar.root().resolve("flowtrace-examples/captures/sample.pcap");

    @Test
    void yamlConfigurationNamesSourceSinksAndFlowOptionsWithPlaceholdersFromTheEnvironment(@TempDir Path dir)
            throws Exception {
        Path out = dir.resolve("records.ndjson");
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, String.join("\n",
                "hostname: ${SENSOR_NAME:-unnamed}",
                "flow:",
                "  idle-timeout: ${IDLE:-30s}",
                "  workers: 2",
                "source:",
                "  type: pcap-file",
                "  path: ${CAPTURE}",
                "sinks:",
                "  - type: file",
                "    path: " + out,
                "aggregators:",
                "  - type: count-min",
                "    name: per_src_ip",
                "    key: src_ip",
                "    limit: ${TOP:-5}",
                ""));

        Jar.Result r = Jar.run(120, Map.of("CAPTURE", SAMPLE.toString(), "SENSOR_NAME", "sensor-7"), List.of(),
                "agent", "--config", config.toString());

        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("events to the sinks named"), r.err());
        StringBuilder recordLines = new StringBuilder();
        List<String> snapshotLines = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            if (line.contains("\"flow_id\"")) {
                recordLines.append(line).append('\n');
            } else if (!line.isBlank()) {
                snapshotLines.add(line);
            }
        }
        assertTrue(snapshotLines.stream().anyMatch(l -> l.contains("per_src_ip")), "snapshot: " + snapshotLines);
        List<FlowEvent> records = CommandLineIT.records(recordLines.toString());
        assertFalse(records.isEmpty());
        for (FlowEvent f : records) {
            assertEquals("sensor-7", f.hostname());
        }
        assertEquals(metered(CommandLineIT.records(Jar.run("flows", SAMPLE.toString()).out())), metered(records));
    }

    /** What metering decided about each conversation, without who metered it. */
    private static Set<String> metered(List<FlowEvent> records) {
        Set<String> out = new HashSet<>();
        for (FlowEvent f : records) {
            out.add(f.key() + " " + f.packetsForward() + "/" + f.packetsReverse() + " " + f.bytesForward() + "/"
                    + f.bytesReverse() + " " + f.endReason());
        }
        return out;
    }

    @Test
    void badSettingsNameTheVariableFlagOrFileTheyCameFrom(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("agent.yaml");
        Files.writeString(config, "interfaces: eth0\n");
        Jar.Result unknownKey = Jar.run(60, Map.of(), List.of(), "agent", "--config", config.toString());
        assertEquals(2, unknownKey.exit(), unknownKey.err());
        assertTrue(unknownKey.err().contains("unknown key 'interfaces' (line 1, column 1) (did you mean interface?) (known: aggregator,"
                        + " aggregators, ai, alerter, api, batch_size, block_timeout, bpf_filter,"),
                unknownKey.err());

        Jar.Result snap = Jar.run(60, Map.of("AGENT_SNAP_LEN", "huge"), List.of(), "agent");
        assertEquals(2, snap.exit(), snap.err());
        assertEquals("flowtrace agent: AGENT_SNAP_LEN: 'huge' (expected: a whole number 64..262144)",
                snap.err().trim());

        Jar.Result flag = Jar.run(60, Map.of("AGENT_BATCH_SIZE", "huge"), List.of(), "agent", "--batch-size", "0");
        assertEquals(2, flag.exit(), flag.err());
        assertEquals("flowtrace agent: --batch-size: 0 (expected: 1..1000000)", flag.err().trim());

        Jar.Result iface = Jar.run(60, Map.of("AGENT_INTERFACE", "nosuch0"), List.of(), "agent");
        assertEquals(2, iface.exit(), iface.err());
        assertTrue(iface.err().startsWith("flowtrace agent: source 'pcap-live': interface: 'nosuch0' (expected: one"
                + " of ["), iface.err());

        Jar.Result af = Jar.run(60, Map.of("AGENT_INTERFACE", "nosuch0"), List.of(), "agent", "--capture-backend",
                "af-packet");
        assertEquals(2, af.exit(), af.err());
        assertTrue(af.err().startsWith("flowtrace agent: source 'af-packet': interface: 'nosuch0' (expected: one"
                + " of ["), af.err());

        Jar.Result backend = Jar.run(60, Map.of("AGENT_CAPTURE_BACKEND", "dpdk"), List.of(), "agent");
        assertEquals(2, backend.exit(), backend.err());
        assertEquals("flowtrace agent: AGENT_CAPTURE_BACKEND: 'dpdk' (expected: auto or af-packet or pcap-live)",
                backend.err().trim());
    }
}
