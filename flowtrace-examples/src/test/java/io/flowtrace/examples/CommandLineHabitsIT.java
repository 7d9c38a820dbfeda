package io.flowtrace.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged command line as a shell runs it: a real pipe into {@code flows -}, and {@code --log-level}. */
class CommandLineHabitsIT {
    private static final Path CAPTURE = Jar.corpus().resolve("arkime").resolve("ospf.pcap");

    private static List<String> sorted(String out) {
        List<String> lines = new ArrayList<>(List.of(out.split("\n")));
        Collections.sort(lines);
        return lines;
    }

    @Test
    void flowsDashReadsACapturePipedInByTheShellPlainAndGzipped() throws Exception {
        Jar.Result file = Jar.run("flows", CAPTURE.toString(), "--quiet");
        assertEquals(0, file.exit(), file.err());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (String feed : List.of("cat '" + CAPTURE + "'", "gzip -c '" + CAPTURE + "'")) {
            Process p = new ProcessBuilder("bash", "-c", feed + " | '" + java + "' -jar '" + Jar.jar().toAbsolutePath()
                    + "' flows - --quiet").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            p.getInputStream().transferTo(out);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), feed);
            assertEquals(sorted(file.out()), sorted(out.toString(StandardCharsets.UTF_8)), feed);
        }
    }

    @Test
    void logLevelErrorSilencesTheWarningsAndAnUnknownLevelIsRefused() throws Exception {
        // nothing listens on port 1: the sink's failures are logged as warnings
        String[] run = {"flows", CAPTURE.toString(), "--quiet", "--sink", "http:url=http://127.0.0.1:1/x,retry-budget=0"};
        Jar.Result warn = Jar.run(run);
        assertTrue(warn.err().contains("WARN"), warn.err());
        List<String> args = new ArrayList<>(List.of(run));
        args.addAll(List.of("--log-level", "error"));
        Jar.Result error = Jar.run(args.toArray(new String[0]));
        assertEquals(warn.exit(), error.exit());
        assertFalse(error.err().contains("WARN"), error.err());
        Jar.Result debug = Jar.run("flows", CAPTURE.toString(), "--quiet", "--log-level", "debug");
        assertEquals(0, debug.exit(), debug.err());
        Jar.Result bad = Jar.run("flows", CAPTURE.toString(), "--log-level", "loud");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--log-level"), bad.err());
    }

    @Test
    void logLevelFromTheConfigFileSilencesTheWarningsTooAndABadOneNamesItsLine(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("flows.yaml");
        Files.writeString(config, "# quiet runs\nlog_level: error\n");
        String[] run = {"flows", CAPTURE.toString(), "--quiet", "--config", config.toString(), "--sink",
            "http:url=http://127.0.0.1:1/x,retry-budget=0"};
        Jar.Result error = Jar.run(run);
        assertFalse(error.err().contains("WARN"), error.err());
        List<String> withFlag = new ArrayList<>(List.of(run));
        withFlag.addAll(List.of("--log-level", "warn"));
        assertTrue(Jar.run(withFlag.toArray(new String[0])).err().contains("WARN"), "the flag wins over the file");
        Files.writeString(config, "# quiet runs\nlog_level: loud\n");
        Jar.Result bad = Jar.run("flows", CAPTURE.toString(), "--config", config.toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("log_level") && bad.err().contains("line 2"), bad.err());
    }

    @Test
    void aBpfFilterWithoutLibpcapIsRefusedNamingIt() throws Exception {
        // pcap4j loads the library by this name: one that does not exist is a machine without libpcap
        List<String> noLibpcap = List.of("-Dorg.pcap4j.core.pcapLibName=/nonexistent/libpcap.so.0.8");
        Jar.Result r = Jar.run(120, java.util.Map.of(), noLibpcap, "flows", CAPTURE.toString(), "--bpf-filter", "udp");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("bpf-filter: 'udp' needs libpcap to filter a capture file: libpcap not found; "
                + "install the Debian package libpcap0.8"), r.err());
        assertTrue(r.out().isEmpty());
        Jar.Result plain = Jar.run(120, java.util.Map.of(), noLibpcap, "flows", CAPTURE.toString(), "--quiet");
        assertEquals(0, plain.exit(), "files without a filter need no libpcap: " + plain.err());
    }
}
