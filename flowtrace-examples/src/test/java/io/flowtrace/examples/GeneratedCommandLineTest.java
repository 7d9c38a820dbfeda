package io.flowtrace.examples;

import io.flowtrace.examples.config.ConfigFileTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line generated from the setting descriptors: parsing, help, version, completion and --config. */
class GeneratedCommandLineTest {
    private static final String SAMPLE = Path.of(System.getProperty("flowtrace.root", "."),
            "flowtrace-examples", "captures", "sample.pcap").toString();

    @Test
    void aMistypedOptionOrCommandGetsTheNearestName() {
        Cli r = Cli.run("flows", SAMPLE, "--idle-timout", "5s");
        assertEquals(2, r.status());
        assertEquals("flowtrace flows: unknown option --idle-timout (did you mean --idle-timeout?)\n", r.err());
        r = Cli.run("flowz", SAMPLE);
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("flowtrace: unknown command 'flowz' (did you mean flows?)"), r.err());
    }

    @Test
    void bothOptionFormsGiveTheSameRunAndAnIdleTimeoutOfZeroMeansNever() {
        Cli spaced = Cli.run("flows", SAMPLE, "--idle-timeout", "0", "--quiet");
        Cli joined = Cli.run("flows", SAMPLE, "--idle-timeout=0", "--quiet");
        assertEquals(0, spaced.status(), spaced.err());
        assertEquals(spaced.out(), joined.out());
        assertTrue(!spaced.out().contains("\"end_reason\":\"idle-timeout\""), "0 = never: no flow ends idle");
        Cli twice = Cli.run("flows", SAMPLE, "--workers", "1", "--workers=2");
        assertEquals("flowtrace flows: --workers given twice\n", twice.err());
        Cli flagValue = Cli.run("flows", SAMPLE, "--quiet=yes");
        assertEquals("flowtrace flows: --quiet takes no value\n", flagValue.err());
    }

    @Test
    void helpIsGeneratedWithAlignedColumnsDefaultsAndVariables() {
        Cli r = Cli.run("agent", "--help");
        assertEquals(0, r.status());
        List<String> lines = r.out().lines().filter(l -> l.startsWith("  --")).toList();
        int column = lines.get(0).indexOf("the interface to capture");
        assertTrue(column > 0, r.out());
        for (String l : lines) {
            if (l.trim().contains(" ") && l.trim().indexOf(' ', l.trim().indexOf(' ') + 1) > 0) {
                // an option short enough has its help on the same line, from the column
                assertTrue(l.charAt(column - 1) == ' ' && l.charAt(column) != ' ', "help from column " + column + ": " + l);
            }
        }
        assertTrue(r.out().contains("  --snap-len N                bytes of each packet captured (AGENT_SNAP_LEN,"
                + " default 1600)\n"), r.out());
        assertTrue(r.out().contains("  --tcp-close on|off          TCP flows end on RST, or on FIN in both directions"
                + " (default on)\n"), r.out());
    }

    @Test
    void versionIsDevWhenRunFromClasses() {
        assertEquals(new Cli(0, "flowtrace dev\n", ""), Cli.run("--version"));
        assertEquals(new Cli(0, "flowtrace dev\n", ""), Cli.run("version"));
    }

    @Test
    void flowsReadsTheEnginesConfigFileAndSaysWhatItDoesNotUse(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.copy(ConfigFileTest.ENGINE_CONFIG, config);
        Cli r = Cli.run(Map.of("SMTP_PORT", "25", "CLICKHOUSE_PORT", "9000"), "flows", SAMPLE, "--config",
                config.toString(), "--quiet", "--workers", "2");
        assertEquals(0, r.status(), r.err());
        for (String task : List.of("per_five_tuple", "ss_src_dst", "cm_src_left", "cm_src_left_bytes")) {
            assertTrue(r.out().contains("{\"event\":\"snapshot\",\"task\":\"" + task + "\","), task + ": " + r.out());
        }
        assertTrue(r.err().contains("flowtrace flows: config " + config + ": 'api' is not used by flows (ignored)\n"),
                r.err());
        // the alerter block is read: its rules are checked against the tasks (this one is below cm_src_left's
        // reporting threshold) and the model is not asked without an api_key
        assertTrue(r.err().contains("flowtrace flows: config " + config + ": alerter: rules[1]: threshold (line"),
                r.err());
        assertTrue(r.err().contains("api_key is empty: no model is asked"), r.err());
    }

    @Test
    void aFlagWinsOverTheFileAndABadFileValueNamesItsKeyPath(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("flows.yaml");
        Files.writeString(config, "flow:\n  workers: 0\n  idle_timeout: ${IDLE:-0}\n");
        Cli file = Cli.run("flows", SAMPLE, "--config", config.toString(), "--quiet");
        assertEquals(2, file.status());
        assertEquals("flowtrace flows: config " + config + ": flow: workers (line 2, column 3): 0 (expected: 1..256)\n", file.err());
        Cli flag = Cli.run("flows", SAMPLE, "--config", config.toString(), "--quiet", "--workers", "2");
        assertEquals(0, flag.status(), flag.err());
        assertEquals(Cli.run("flows", SAMPLE, "--quiet", "--idle-timeout", "0").out().lines().sorted().toList(),
                flag.out().lines().sorted().toList());
    }

    @Test
    void theBashCompletionScriptCompletesCommandsOptionsAndValues(@TempDir Path dir) throws Exception {
        Cli script = Cli.run("completion", "bash");
        assertEquals(0, script.status(), script.err());
        Path file = dir.resolve("flowtrace.bash");
        Files.writeString(file, script.out());
        assertEquals(List.of("flows"), complete(file, dir, "flowtrace", "fl"));
        assertEquals(List.of("--tcp-close", "--tcp-fin", "--tcp-linger", "--tcp-attempt-timeout"),
                complete(file, dir, "flowtrace", "flows", "--tcp-"));
        assertEquals(List.of("zeek", "arkime", "ndpi", "nfstream", "sensor"),
                complete(file, dir, "flowtrace", "flows", "--like", ""));
        assertEquals(List.of("on", "off"), complete(file, dir, "flowtrace", "agent", "--promiscuous", ""));
        assertEquals(List.of("block", "drop"), complete(file, dir, "flowtrace", "flows", "--sink-full-policy", ""));
        assertEquals(List.of("count-min", "super-spread"), complete(file, dir, "flowtrace", "top", "--sketch", ""));
        assertEquals(List.of(), complete(file, dir, "flowtrace", "flows", "--workers", ""));
        Files.writeString(dir.resolve("capture.pcap"), "");
        assertEquals(List.of("capture.pcap"), complete(file, dir, "flowtrace", "flows", "cap"));
        assertEquals(List.of("bash"), complete(file, dir, "flowtrace", "completion", ""));
    }

    /** COMPREPLY after the completion function ran on {@code words}, the last being completed, in {@code cwd}. */
    private static List<String> complete(Path script, Path cwd, String... words) throws Exception {
        StringBuilder w = new StringBuilder();
        for (String s : words) {
            w.append(" '").append(s).append('\'');
        }
        String cmd = "source '" + script + "'; COMP_WORDS=(" + w + "); COMP_CWORD=" + (words.length - 1)
                + "; _flowtrace; printf '%s\\n' \"${COMPREPLY[@]}\"";
        Process p = new ProcessBuilder("bash", "--norc", "--noprofile", "-c", cmd).directory(cwd.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "bash finished");
        assertEquals(0, p.exitValue(), out);
        List<String> reply = new ArrayList<>(out.lines().filter(l -> !l.isEmpty()).toList());
        return reply;
    }
}
