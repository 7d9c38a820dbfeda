package io.flowtrace.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrace.core.FlowTrace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A modular application ({@code src/test/resources/modular-app}: {@code requires io.flowtrace.core}, plugins by name)
 * compiled and run on the module path with the README's flags: every runtime jar on {@code --module-path} except
 * pcap4j-core and jna, which go on {@code --class-path}.
 */
class ModulePathIT {
    private static final Path SAMPLE = Jar.root().resolve("flowtrace-examples/captures/sample.pcap");
    /** The runtime jars of core, capture, sketch and sinks, as a user's build copies them. */
    private static final Pattern MODULE_PATH = Pattern.compile(
            "(flowtrace-(core|capture|sketch|sinks)|jctools-core|jackson-core|slf4j-api|slf4j-simple|jnats)");
    private static final Pattern CLASS_PATH = Pattern.compile("(pcap4j-core|jna)");
    private static final int DATAGRAMS = 5;

    @TempDir
    static Path dir;
    private static List<String> modulePath;
    private static List<String> classPath;
    private static Path app;

    private Process running;

    @BeforeAll
    static void compileTheApplication() throws Exception {
        modulePath = new ArrayList<>();
        classPath = new ArrayList<>();
        for (String entry : System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .split(File.pathSeparator)) {
            String artifact = artifactOf(Path.of(entry));
            if (MODULE_PATH.matcher(artifact).matches()) {
                modulePath.add(entry);
            } else if (CLASS_PATH.matcher(artifact).matches()) {
                classPath.add(entry);
            }
        }
        // jnats 2.26 needs no eddsa jar
        assertEquals(9, modulePath.size(), "module path: " + modulePath);
        assertEquals(2, classPath.size(), "class path: " + classPath);

        Path src = dir.resolve("src");
        for (String file : List.of("module-info.java", "app/Main.java")) {
            Path to = src.resolve(file);
            Files.createDirectories(to.getParent());
            try (var in = ModulePathIT.class.getResourceAsStream("/modular-app/" + file)) {
                Files.copy(in, to);
            }
        }
        app = dir.resolve("app");
        Process javac = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "javac").toString(),
                "-Xlint:all", "-Werror", "--module-path", String.join(File.pathSeparator, modulePath),
                "-d", app.toString(), src.resolve("module-info.java").toString(),
                src.resolve("app/Main.java").toString())
                .redirectErrorStream(true).start();
        String messages = new String(javac.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(javac.waitFor(60, TimeUnit.SECONDS), "javac did not finish");
        assertEquals(0, javac.exitValue(), messages);
    }

    /** The artifact id of a jar ({@code jackson-core-2.17.2.jar}) or a reactor module's classes directory. */
    private static String artifactOf(Path entry) {
        if (Files.isDirectory(entry)) {
            // .../flowtrace-core/target/classes
            return entry.getParent() == null || entry.getParent().getParent() == null ? ""
                    : entry.getParent().getParent().getFileName().toString();
        }
        return entry.getFileName().toString().replaceFirst("-[0-9][^-]*(-SNAPSHOT)?\\.jar$", "");
    }

    @AfterEach
    void stopTheApplication() throws InterruptedException {
        if (running != null && running.isAlive()) {
            running.destroyForcibly().waitFor();
        }
    }

    private Process launch(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path", String.join(File.pathSeparator, modulePath) + File.pathSeparator + app,
                "--class-path", String.join(File.pathSeparator, classPath),
                "-m", "app/app.Main"));
        cmd.addAll(List.of(args));
        running = new ProcessBuilder(cmd).redirectError(dir.resolve("stderr.txt").toFile()).start();
        return running;
    }

    private static String stderr() throws IOException {
        return Files.readString(dir.resolve("stderr.txt"));
    }

    private static void assertOnTheModulePath(List<String> out) throws IOException {
        assertTrue(out.contains("core module: io.flowtrace.core"), out + stderr());
        for (String m : List.of("io.flowtrace.capture", "io.flowtrace.sketch", "io.flowtrace.sinks")) {
            assertTrue(out.contains("resolved: " + m + " true"), m + " through its services: " + out);
        }
    }

    @Test
    void metersTheSampleCaptureAsOnTheClassPath(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("modular.ndjson");
        Process p = launch("file", SAMPLE.toString(), out.toString());
        p.getOutputStream().close();
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the application did not finish");
        assertEquals(0, p.exitValue(), lines + stderr());
        assertOnTheModulePath(lines);

        Path expected = tmp.resolve("classpath.ndjson");
        FlowTrace.builder().source("pcap-file", Map.of("path", SAMPLE.toString()))
                .aggregator("count-min", Map.of("name", "top_src", "key", "src_ip", "metric", "bytes"))
                .sink("file", Map.of("path", expected.toString())).build().run();
        // as JSON trees: the order of an object's fields may differ between two JVMs
        Set<JsonNode> want = jsonLines(expected);
        Set<JsonNode> got = jsonLines(out);
        assertTrue(want.size() > 15, "class-path run: " + want.size() + " lines");
        assertEquals(want, got);
        assertTrue(got.stream().anyMatch(n -> "top_src".equals(n.path("task").asText())), "the snapshot: " + got);
        assertTrue(lines.contains("events: " + (want.size() - 1)), lines.toString()); // one line is the snapshot
    }

    @Test
    void capturesLiveOnLoopback(@TempDir Path tmp) throws Exception {
        requireCaptureCapabilities();
        try (DatagramSocket server = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket client = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Path out = tmp.resolve("live.ndjson");
            Process p = launch("live", "lo", "udp and port " + server.getLocalPort(), out.toString());
            BufferedReader stdout = new BufferedReader(
                    new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Writer stdin = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
            List<String> lines = new ArrayList<>();
            for (String line = ""; !"capturing".equals(line); lines.add(line)) {
                line = stdout.readLine();
                if (line == null) {
                    fail("the application ended before capturing: " + lines + stderr());
                }
            }
            assertOnTheModulePath(lines);

            server.setSoTimeout(5000);
            byte[] buf = new byte[64];
            for (int i = 0; i < DATAGRAMS; i++) {
                client.send(new DatagramPacket(buf, 16, server.getLocalSocketAddress()));
                DatagramPacket got = new DatagramPacket(buf, buf.length);
                server.receive(got);
                server.send(new DatagramPacket(buf, 16, got.getSocketAddress()));
                client.receive(new DatagramPacket(buf, buf.length));
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            String packets;
            do {
                stdin.write("packets\n");
                stdin.flush();
                packets = stdout.readLine();
            } while (!("packets: " + 2 * DATAGRAMS).equals(packets) && System.nanoTime() < end && sleep());
            assertEquals("packets: " + 2 * DATAGRAMS, packets, stderr());
            stdin.write("stop\n");
            stdin.close();
            assertEquals("events: 1", stdout.readLine(), stderr());
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the application did not stop");
            assertEquals(0, p.exitValue(), stderr());

            List<String> records = Files.readAllLines(out);
            assertEquals(1, records.size(), records.toString());
            JsonNode r = new ObjectMapper().readTree(records.get(0));
            assertEquals("UDP", r.get("protocol").asText());
            assertEquals(client.getLocalPort(), r.get("src_port").asInt());
            assertEquals(server.getLocalPort(), r.get("dst_port").asInt());
            assertEquals(2 * DATAGRAMS, r.get("packet_count").asInt());
            assertEquals("shutdown", r.get("end_reason").asText());
        }
    }

    private static Set<JsonNode> jsonLines(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Set<JsonNode> out = new HashSet<>();
        for (String line : Files.readAllLines(file)) {
            assertTrue(out.add(json.readTree(line)), "twice: " + line);
        }
        return out;
    }

    /** Fails (never skips), as the other live tests: the build runs as root. */
    private static void requireCaptureCapabilities() throws IOException {
        LivePrivileges.require("live capture on lo");
    }

    private static boolean sleep() throws InterruptedException {
        Thread.sleep(50);
        return true;
    }
}
