package io.flowtrace.examples;

import io.flowtrace.core.ConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentConfigFileTest {
    private static final UnaryOperator<String> ENV = Map.of("IFACE", "eth1", "EMPTY", "", "ODD", "a$1\\b")::get;

    @Test
    void placeholdersTakeTheVariableOrTheDefaultWhenUnsetOrEmpty() {
        assertEquals("eth1", AgentConfigFile.expand("${IFACE}", ENV));
        assertEquals("eth1", AgentConfigFile.expand("${IFACE:-lo}", ENV));
        assertEquals("lo", AgentConfigFile.expand("${NOPE:-lo}", ENV));
        assertEquals("lo", AgentConfigFile.expand("${EMPTY:-lo}", ENV));
        assertEquals("", AgentConfigFile.expand("${NOPE}", ENV));
        assertEquals("on eth1 and eth1!", AgentConfigFile.expand("on ${IFACE} and ${IFACE}!", ENV));
        assertEquals("$IFACE stays", AgentConfigFile.expand("$IFACE stays", ENV));
        assertEquals("a$1\\b", AgentConfigFile.expand("${ODD}", ENV), "values are not patterns");
    }

    @Test
    void readsSettingsSectionsAndPluginsWithPlaceholdersReplacedAfterParsing(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a.yaml");
        Files.writeString(f, String.join("\n",
                "interface: ${IFACE:-eth0}",
                "snap_len: 128",
                "user: ${AGENT_USER:-nobody}",
                "flow:",
                "  idle-timeout: 5s",
                "source:",
                "  type: pcap-live",
                "  buffer_size: 8MiB",
                "sinks:",
                "  - type: file",
                "    path: '${ODD}: not YAML structure'",
                "aggregators:",
                "  - type: exact",
                "    name: totals",
                ""));

        AgentConfigFile c = AgentConfigFile.read(f, ENV);

        assertEquals(Map.of("interface", "eth1", "snap_len", "128", "user", "nobody"), c.agent);
        assertEquals(Map.of("idle-timeout", "5s"), c.flow);
        assertEquals(new AgentConfigFile.PluginSpec("pcap-live", Map.of("buffer_size", "8MiB")), c.source);
        assertEquals(new AgentConfigFile.PluginSpec("file", Map.of("path", "a$1\\b: not YAML structure")),
                c.sinks.get(0));
        assertEquals(new AgentConfigFile.PluginSpec("exact", Map.of("name", "totals")), c.aggregators.get(0));
    }

    @Test
    void fileWithNothingOrOnlyCommentsIsAnEmptyConfiguration(@TempDir Path dir) throws Exception {
        for (String text : new String[] {"", "# nothing set yet\n", "---\n"}) {
            Path f = dir.resolve("empty.yaml");
            Files.writeString(f, text);
            AgentConfigFile c = AgentConfigFile.read(f, ENV);
            assertTrue(c.agent.isEmpty() && c.sinks.isEmpty() && c.flow.isEmpty(), text);
            assertNull(c.source);
        }
    }

    @Test
    void mistakesNameTheFileAndWhatIsExpected(@TempDir Path dir) throws Exception {
        Map<String, String> cases = Map.of(
                "interfaces: eth0\n", "unknown key 'interfaces' (known: aggregators, batch_size, bpf_filter,"
                        + " endpoint_url, flow, hostname, interface, promiscuous, send_interval, sinks, snap_len,"
                        + " source, user)",
                "sinks:\n  type: file\n", "sinks (expected: a list of {type: <plugin>, key: value})",
                "sinks:\n  - path: x\n", "sinks[0]: type missing (expected: type: <plugin name>, then its keys)",
                "interface:\n  - eth0\n", "interface: expected a single value",
                "- a\n- b\n", "expected a mapping of key: value",
                "interface: [unclosed\n", "config ");
        for (Map.Entry<String, String> e : cases.entrySet()) {
            Path f = dir.resolve("bad.yaml");
            Files.writeString(f, e.getKey());
            ConfigurationException x = assertThrows(ConfigurationException.class, () -> AgentConfigFile.read(f, ENV),
                    e.getKey());
            assertTrue(x.getMessage().startsWith("config " + f), x.getMessage());
            assertTrue(x.getMessage().contains(e.getValue()), x.getMessage());
        }
    }
}
