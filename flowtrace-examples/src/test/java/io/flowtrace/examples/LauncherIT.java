package io.flowtrace.examples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
/**
 * {@code bin/flowtrace}, run with the JDK the tests run on (so on JDK 25 in CI's second run, where it uses the
 * ahead-of-time cache): the first run writes the class-data cache, the second loads flowtrace's classes from it,
 * and both print what {@code java -jar} prints.
 */
class LauncherIT {
    private static final Path LAUNCHER = Jar.root().resolve("bin/flowtrace");
    private static final Path SAMPLE = Jar.root().resolve("flowtrace-examples/captures/sample.pcap");
    private record Run(int exit, String out, String err) {
    }
    /** {@code command} (the launcher and its arguments) with this JDK, the built jar and {@code cache}. */
    private static ProcessBuilder launcher(Path cache, String javaOpts, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("FLOWTRACE_JAR", Jar.jar().toAbsolutePath().toString());
        env.put("FLOWTRACE_CACHE_DIR", cache.toString());
        env.put("FLOWTRACE_JAVA_OPTS", javaOpts);
        env.remove("JAVA_TOOL_OPTIONS");
        env.remove("JDK_JAVA_OPTIONS");
        return pb;
    }

    private static Run launch(Path cache, String javaOpts, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("sh", LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = launcher(cache, javaOpts, cmd);
        Path out = Files.createTempFile(cache.getParent(), "out", ".txt");
        Path err = Files.createTempFile(cache.getParent(), "err", ".txt");
        Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("bin/flowtrace " + String.join(" ", args) + " did not finish");
        }
        Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }
    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static List<String> cacheFiles(Path cache) throws Exception {
        try (Stream<Path> s = Files.list(cache)) {
            return s.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }
    @Test
    void secondRunLoadsFlowtraceFromTheCacheTheFirstWroteAndBothPrintWhatJavaJarPrints(@TempDir Path dir)
            throws Exception {
        Path cache = dir.resolve("cache");
        int feature = Runtime.version().feature();
        Jar.Result plain = Jar.run("flows", SAMPLE.toString());
        assertEquals(0, plain.exit(), plain.err());
        assertFalse(plain.out().isEmpty());
        Path load1 = dir.resolve("load1.log");
        Run first = launch(cache, "-Xlog:class+load=info:file=" + load1 + " -Xlog:gc=info:file=" + dir.resolve("gc.log"),
                "flows", SAMPLE.toString());
        assertEquals(0, first.exit(), first.err());
        assertEquals(plain.out(), first.out(), "the first run's events");
        assertFalse(first.err().contains("AOT") || first.err().contains("CDS") || first.err().contains("[warning]"),
                "no VM messages: " + first.err());
        String suffix = feature >= 25 ? ".aot" : ".jsa";
        List<String> files = cacheFiles(cache);
        assertEquals(1, files.size(), "one cache file, no leftover: " + files);
        assertTrue(files.get(0).endsWith("-serial" + suffix), files.toString());
        assertTrue(Files.readString(load1).contains("io.flowtrace.examples.Main source: file:"),
                "the first run loads from the jar");
        assertTrue(Files.readString(dir.resolve("gc.log")).contains("Using Serial"), "flows uses the serial collector");
        Path load2 = dir.resolve("load2.log");
        Run second = launch(cache, "-Xlog:class+load=info:file=" + load2, "flows", SAMPLE.toString());
        assertEquals(0, second.exit(), second.err());
        assertEquals(plain.out(), second.out(), "the second run's events");
        String loads = Files.readString(load2, StandardCharsets.UTF_8);
        assertTrue(loads.contains("io.flowtrace.examples.Main source: shared objects file"),
                "flowtrace's classes come from the cache on JDK " + feature);
        assertEquals(files, cacheFiles(cache), "the cache is reused, not written again");
    }

    @Test
    void aFirstRunStoppedBySigtermToItsGroupStillLeavesTheCache(@TempDir Path dir) throws Exception {
        // as systemd, timeout or Ctrl-C stop it: the signal reaches the launcher's shell and the JVM alike
        Path cache = dir.resolve("cache");
        ProcessBuilder pb = launcher(cache, "", List.of("setsid", "sh", LAUNCHER.toString(), "flows", "-", "--quiet"));
        Path log = dir.resolve("launcher.log");
        // its standard input stays open and empty: flows waits for packets until stopped
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Thread.sleep(3000); // started and reading
            assertTrue(p.isAlive(), () -> "ended early: " + read(log));
            assertEquals(0, new ProcessBuilder("kill", "-TERM", "--", "-" + p.pid()).start().waitFor());
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), () -> "the launcher did not end after SIGTERM: " + read(log));
        } finally {
            new ProcessBuilder("kill", "-KILL", "--", "-" + p.pid()).start().waitFor(); // the JVM too, if left
            p.waitFor();
        }
        String suffix = Runtime.version().feature() >= 25 ? ".aot" : ".jsa";
        List<String> files = cacheFiles(cache);
        assertEquals(1, files.size(), () -> "the cache, no partial file: " + files + "\n" + read(log));
        assertTrue(files.get(0).endsWith(suffix), files.toString());
    }

    @Test
    void agentRunsSmallOnTheSerialCollectorUnlessAnotherIsNamed(@TempDir Path dir) throws Exception {
        Path gc = dir.resolve("gc.log");
        Run help = launch(dir.resolve("cache"), "-Xlog:gc,gc+init=info:file=" + gc, "agent", "--help");
        assertEquals(0, help.exit(), help.err());
        assertTrue(help.out().contains("AGENT_INTERFACE"), help.out());
        String log = Files.readString(gc);
        assertTrue(log.contains("Using Serial"), log);
        assertTrue(log.contains("Initial Capacity: 8M"), "the agent's heap starts small: " + log);
        assertTrue(cacheFiles(dir.resolve("cache")).get(0).contains("-serial."), "a cache of its own per collector");

        Path g1 = dir.resolve("g1.log");
        Run named = launch(dir.resolve("cache2"), "-XX:+UseG1GC -Xlog:gc=info:file=" + g1, "agent", "--help");
        assertEquals(0, named.exit(), named.err());
        assertTrue(Files.readString(g1).contains("Using G1"), Files.readString(g1));
        assertTrue(cacheFiles(dir.resolve("cache2")).get(0).contains("-g1."), "a cache of its own per collector");
    }
    @Test
    void sayWhatIsMissingWhenNoJarIsFound(@TempDir Path dir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", LAUNCHER.toString(), "flows", SAMPLE.toString());
        pb.environment().put("FLOWTRACE_JAR", dir.resolve("missing.jar").toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.waitFor());
        assertTrue(out.startsWith("flowtrace: no such jar: "), out);
    }
}
