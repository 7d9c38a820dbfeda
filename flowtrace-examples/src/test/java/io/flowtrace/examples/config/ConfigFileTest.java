package io.flowtrace.examples.config;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.Tunnel;
import io.flowtrace.core.settings.FlowSettings;
import io.flowtrace.core.settings.Setting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

public class ConfigFileTest {
    private static final UnaryOperator<String> ENV = Map.of("IFACE", "eth1", "EMPTY", "", "ODD", "a$1\\b")::get;
    /** The analysis engine's own configuration file, as it ships. */
    public static final Path ENGINE_CONFIG = Path.of(System.getProperty("flowtrace.root", "."), "..", "shared", "seeds",
            "go2netspectra", "config.yaml");
    private static final Set<String> AGENT_KEYS = Set.of("interface", "snap_len", "user", "hostname");
    private static final Set<String> ALL_BLOCKS = Set.of(RunConfig.FLOW, RunConfig.SOURCE, RunConfig.SINKS,
            RunConfig.AGGREGATORS, RunConfig.ENGINE_AGGREGATOR);

    private static RunConfig agent(Path f, UnaryOperator<String> env, List<String> warnings) {
        return RunConfig.read(ConfigFile.read(f, env), "agent", AGENT_KEYS, ALL_BLOCKS, Set.of(), warnings::add);
    }

    @Test
    void placeholdersTakeTheVariableOrTheDefaultWhenUnsetOrEmpty() {
        assertEquals("eth1", ConfigFile.expand("${IFACE}", ENV));
        assertEquals("eth1", ConfigFile.expand("${IFACE:-lo}", ENV));
        assertEquals("lo", ConfigFile.expand("${NOPE:-lo}", ENV));
        assertEquals("lo", ConfigFile.expand("${EMPTY:-lo}", ENV));
        assertEquals("", ConfigFile.expand("${NOPE}", ENV));
        assertEquals("on eth1 and eth1!", ConfigFile.expand("on ${IFACE} and ${IFACE}!", ENV));
        assertEquals("$IFACE stays", ConfigFile.expand("$IFACE stays", ENV));
        assertEquals("a$1\\b", ConfigFile.expand("${ODD}", ENV), "values are not patterns");
    }

    @Test
    void readsSettingsFlowSettingsAndPluginsWithPlaceholdersReplacedAfterParsing(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a.yaml");
        Files.writeString(f, """
                interface: ${IFACE:-eth0}
                snap_len: 128
                user: ${AGENT_USER:-nobody}
                flow:
                  idle_timeout: 5s
                source:
                  type: pcap-live
                  buffer_size: 8MiB
                sinks:
                  - type: file
                    path: '${ODD}: not YAML structure'
                aggregators:
                  - type: exact
                    name: totals
                """);
        List<String> warnings = new ArrayList<>();

        RunConfig c = agent(f, ENV, warnings);

        assertEquals("eth1", c.settings().get("interface").text());
        assertEquals(new RunConfig.Value("128", "config " + f + ": snap_len"), c.settings().get("snap_len"));
        assertEquals("nobody", c.settings().get("user").text());
        assertEquals(Map.of("idle-timeout", new RunConfig.Value("5s", "config " + f + ": flow: idle_timeout")),
                c.flow());
        assertEquals(new RunConfig.PluginSpec("pcap-live", Map.of("buffer_size", "8MiB")), c.source());
        assertEquals(List.of(new RunConfig.PluginSpec("file", Map.of("path", "a$1\\b: not YAML structure"))),
                c.sinks());
        assertEquals(List.of(new RunConfig.PluginSpec("exact", Map.of("name", "totals"))), c.aggregators());
        assertEquals(List.of(), warnings);
    }

    @Test
    void kebabCaseFlowKeysStillWorkWithAWarningNamingTheSnakeCaseKey(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a.yaml");
        Files.writeString(f, "flow:\n  idle-timeout: 5s\n");
        List<String> warnings = new ArrayList<>();
        assertEquals("5s", agent(f, ENV, warnings).flow().get("idle-timeout").text());
        assertEquals(List.of("config " + f + ": flow: idle-timeout: YAML keys are snake_case: write idle_timeout"),
                warnings);
    }

    @Test
    void fileWithNothingOrOnlyCommentsIsAnEmptyConfiguration(@TempDir Path dir) throws Exception {
        for (String text : new String[] {"", "# nothing set yet\n", "---\n"}) {
            Path f = dir.resolve("empty.yaml");
            Files.writeString(f, text);
            RunConfig c = agent(f, ENV, new ArrayList<>());
            assertTrue(c.settings().isEmpty() && c.sinks().isEmpty() && c.flow().isEmpty(), text);
            assertNull(c.source());
        }
    }

    @Test
    void mistakesNameTheFileTheKeyPathAndWhatIsAccepted(@TempDir Path dir) throws Exception {
        Map<String, String> cases = Map.of(
                "interfaces: eth0\n", ": unknown key 'interfaces' (line 1, column 1) (did you mean interface?) (known: aggregator,"
                        + " aggregators, ai, alerter, api, flow, hostname, interface, probe, sinks, smtp, snap_len,"
                        + " source, user)",
                "sinks:\n  type: file\n", ": sinks (line 1, column 1) (expected: a list of {type: <plugin>, key: value})",
                "sinks:\n  - path: x\n", ": sinks[0]: type missing (expected: type: <plugin name>, then its keys)",
                "- a\n- b\n", ": expected a mapping of key: value",
                "flow:\n  idle_timout: 5s\n", ": flow: unknown key 'idle_timout' (line 2, column 3) (did you mean idle_timeout?)",
                "aggregator:\n  num_worker: 2\n", ": aggregator: unknown key 'num_worker' (line 2, column 3) (did you mean num_workers?)"
                        + " (known: exact, num_workers, period, size_of_packet_channel, sketch, types)",
                "aggregator:\n  exact:\n    taks: []\n", ": aggregator: exact: unknown key 'taks' (line 3, column 5) (did you mean tasks?)",
                "flow:\n  period: 1h\naggregator:\n  period: 2h\n", ": aggregator: period: given twice (also at config ",
                "interface: [unclosed\n", ": line 1, column 21: ",
                "interface:\n  - eth0\n  - eth1\n", ": interface (line 1, column 1): expected a single value");
        for (Map.Entry<String, String> e : cases.entrySet()) {
            Path f = dir.resolve("bad.yaml");
            Files.writeString(f, e.getKey());
            ConfigurationException x = assertThrows(ConfigurationException.class,
                    () -> agent(f, ENV, new ArrayList<>()), e.getKey());
            assertTrue(x.getMessage().startsWith("config " + f + e.getValue()), x.getMessage());
        }
    }

    /**
     * The engine's config.yaml as it ships, its placeholders filled from the environment and a .env file beside it:
     * the aggregator block's tasks and settings are read, every other block is named in one warning line.
     */
    @Test
    void theEnginesConfigFileGivesItsTasksAndNamesTheBlocksNotUsed(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("config.yaml");
        Files.copy(ENGINE_CONFIG, f);
        Files.writeString(dir.resolve(".env"), String.join("\n",
                "# as the engine's deployment writes it",
                "SMTP_PORT=2525",
                "export SMTP_HOST=\"mail.example\"",
                "CLICKHOUSE_PORT=9000",
                ""));
        UnaryOperator<String> env = Map.of("SMTP_PORT", "587")::get;

        ConfigFile file = ConfigFile.read(f, env);
        assertEquals("587", file.root().node("smtp").text("port"), "the environment wins over .env");
        assertEquals("mail.example", file.root().node("smtp").text("host"));
        List<String> warnings = new ArrayList<>();
        RunConfig c = RunConfig.read(file, "flows", Set.of(), ALL_BLOCKS, Set.of(), warnings::add);

        assertEquals("720h", c.flow().get("period").text());
        assertEquals(new RunConfig.Value("16", "config " + f + ": aggregator: num_workers"), c.flow().get("workers"));
        List<String> tasks = new ArrayList<>();
        c.aggregators().forEach(a -> tasks.add(a.type() + " " + a.config().get("name")));
        assertEquals(List.of("exact per_five_tuple", "super-spread ss_src_dst", "count-min cm_src_left",
                "count-min cm_src_left_bytes"), tasks);
        String where = "config " + f;
        assertEquals(List.of(
                where + ": 'api' is not used by flows (ignored)",
                where + ": 'ai' is not used by flows (ignored)",
                where + ": 'probe' is not used by flows (ignored)",
                where + ": 'alerter' is not used by flows (ignored)",
                where + ": 'smtp' is not used by flows (ignored)",
                where + ": aggregator: size_of_packet_channel: not used by flows (ignored: workers take packets in"
                        + " batches through bounded queues)",
                where + ": aggregator: exact: writers: not used by flows (ignored)",
                where + ": aggregator: sketch: writers: not used by flows (ignored)",
                where + ": aggregator: sketch: tasks[0]: count_thereshold: misspelled as the engine ships it: write"
                        + " count_threshold (accepted)",
                where + ": aggregator: sketch: tasks[1]: size_thereshold: misspelled as the engine ships it: write"
                        + " size_threshold (accepted)",
                where + ": aggregator: sketch: tasks[1]: count_thereshold: misspelled as the engine ships it: write"
                        + " count_threshold (accepted)",
                where + ": aggregator: sketch: tasks[1]: element_fields: not used by a count-min task (skt_type 0) in"
                        + " flows (ignored)"), warnings);
    }

    @Test
    void decodeTunnelsTakesOnOffACommaListOrAYamlList(@TempDir Path dir) throws Exception {
        Setting<Set<Tunnel>> s = FlowSettings.DECODE_TUNNELS;
        Map<String, Set<Tunnel>> cases = Map.of(
                "flow:\n  decode_tunnels: [gre, vxlan]\n", EnumSet.of(Tunnel.GRE, Tunnel.VXLAN),
                "flow:\n  decode_tunnels:\n    - gtp\n    - tzsp\n    - capwap\n",
                EnumSet.of(Tunnel.GTP, Tunnel.TZSP, Tunnel.CAPWAP),
                "flow:\n  decode_tunnels: gre,erspan\n", EnumSet.of(Tunnel.GRE, Tunnel.ERSPAN),
                "flow:\n  decode_tunnels: on\n", EnumSet.allOf(Tunnel.class),
                "flow:\n  decode_tunnels: off\n", Set.of());
        for (Map.Entry<String, Set<Tunnel>> c : cases.entrySet()) {
            Path f = dir.resolve("t.yaml");
            Files.writeString(f, c.getKey());
            RunConfig.Value v = agent(f, ENV, new ArrayList<>()).flow(s);
            assertEquals(c.getValue(), s.parse(v.where(), v.text()), c.getKey());
        }
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "flow:\n  decode_tunnels: [gre, l2tp]\n");
        RunConfig.Value v = agent(f, ENV, new ArrayList<>()).flow(s);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.parse(v.where(), v.text()));
        assertEquals("config " + f + ": flow: decode_tunnels: unknown tunnel 'l2tp' (expected: gre, erspan, vxlan, gtp,"
                + " teredo, ipip, capwap, tzsp)", e.getMessage());
        Files.writeString(f, "flow:\n  decode_tunnels: [[gre]]\n");
        assertThrows(ConfigurationException.class, () -> agent(f, ENV, new ArrayList<>()));
    }

    @Test
    void aBadValueNamesTheLineAndColumnOfItsKey(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("flows.yaml");
        Files.writeString(f, "# flows\nflow:\n  workers: 2\n  idle_timeout: soon\n");
        RunConfig c = agent(f, ENV, new ArrayList<>());
        RunConfig.Value v = c.flow(io.flowtrace.core.settings.FlowSettings.IDLE_TIMEOUT);
        assertEquals("config " + f + ": flow: idle_timeout", v.where());
        assertEquals("config " + f + ": flow: idle_timeout (line 4, column 3)", c.located(v.where()));
        assertEquals("config " + f + ": flow: workers (line 3, column 3)", c.located("config " + f + ": flow: workers"));
        assertEquals("config " + f + ": nothing", c.located("config " + f + ": nothing"));
    }
}
