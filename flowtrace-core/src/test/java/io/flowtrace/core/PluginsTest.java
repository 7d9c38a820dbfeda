package io.flowtrace.core;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.core.spi.SinkProvider;
import io.flowtrace.core.testing.Messages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PluginsTest {

    @Test
    void aSinkFromASeparateJarOnTheClassPathIsFoundAndUsed(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("src/ext/CountingSinkProvider.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, String.join("\n",
                "package ext;",
                "import io.flowtrace.core.FlowEvent;",
                "import io.flowtrace.core.spi.*;",
                "public final class CountingSinkProvider implements SinkProvider {",
                "  public String name() { return \"counting\"; }",
                "  public Sink create(PluginConfig c) {",
                "    String path = c.requireString(\"path\");",
                "    c.validate();",
                "    return new Sink() {",
                "      long packets;",
                "      public String name() { return \"counting\"; }",
                "      public void accept(FlowEvent r) { packets += r.packetCount(); }",
                "      public void close() throws Exception {",
                "        java.nio.file.Files.writeString(java.nio.file.Path.of(path), Long.toString(packets));",
                "      }",
                "    };",
                "  }",
                "}"));
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        String coreClasses = Path.of(SinkProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "--release", "17", "-cp", coreClasses, "-d", classes.toString(),
                src.toString());
        assertEquals(0, rc, "the plugin compiles against the public SPI");
        Path jar = dir.resolve("counting-sink.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            put(out, "ext/CountingSinkProvider.class", Files.readAllBytes(classes.resolve("ext/CountingSinkProvider.class")));
            put(out, "ext/CountingSinkProvider$1.class", Files.readAllBytes(classes.resolve("ext/CountingSinkProvider$1.class")));
            put(out, "META-INF/services/io.flowtrace.core.spi.SinkProvider",
                    "ext.CountingSinkProvider\n".getBytes(StandardCharsets.UTF_8));
        }
        Path result = dir.resolve("count.txt");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, getClass().getClassLoader())) {
            Plugins plugins = Plugins.discover(loader);
            assertTrue(plugins.sinks().containsKey("counting"), plugins.sinks().keySet().toString());
            FlowStats s = FlowTrace.builder().plugins(plugins).source(FlowTraceTest.randomTraffic(11, 2_000))
                    .sink("counting", Map.of("path", result.toString())).build().run();
            assertEquals(s.events(), s.sinks().get("counting").delivered());
        }
        assertEquals("2000", Files.readString(result));
    }

    private static void put(JarOutputStream out, String name, byte[] bytes) throws Exception {
        out.putNextEntry(new JarEntry(name));
        out.write(bytes);
        out.closeEntry();
    }

    public static final class DupA implements SinkProvider {
        @Override public String name() { return "dup"; }
        @Override public Sink create(PluginConfig config) { throw new UnsupportedOperationException(); }
    }

    public static final class DupB implements SinkProvider {
        @Override public String name() { return "dup"; }
        @Override public Sink create(PluginConfig config) { throw new UnsupportedOperationException(); }
    }

    @Test
    void twoProvidersWithOneNameAreAnErrorNamingBothClasses(@TempDir Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services/io.flowtrace.core.spi.SinkProvider");
        Files.createDirectories(services.getParent());
        Files.writeString(services, DupA.class.getName() + "\n" + DupB.class.getName() + "\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            ConfigurationException e = assertThrows(ConfigurationException.class, () -> Plugins.discover(loader));
            assertTrue(e.getMessage().contains("two sinks named 'dup'"), e.getMessage());
            assertTrue(e.getMessage().contains(DupA.class.getName()) && e.getMessage().contains(DupB.class.getName()),
                    e.getMessage());
        }
    }

    @Test
    void aProviderThatFailsToLoadIsSkipped(@TempDir Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services/io.flowtrace.core.spi.PacketSourceProvider");
        Files.createDirectories(services.getParent());
        Files.writeString(services, "no.such.Provider\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            Plugins p = Plugins.discover(loader);
            ConfigurationException e = assertThrows(ConfigurationException.class, () -> p.source("pcap-file"));
            assertTrue(e.getMessage().contains("no packet source named 'pcap-file'"), e.getMessage());
        }
    }

    @Test
    void pluginConfigReportsEveryProblemAndTheKnownKeys() {
        PluginConfig c = new PluginConfig("sink 'http'", Map.of("url", "", "batch", "x", "timeout", "5 parsecs",
                "colour", "blue"));
        c.requireString("url");
        c.getInt("batch", 500, 1, 10_000);
        c.getDuration("timeout", java.time.Duration.ofSeconds(10));
        ConfigurationException e = assertThrows(ConfigurationException.class, c::validate);
        Messages.assertReports(e.getMessage(), "sink 'http': ", "url: missing (required)",
                "batch: 'x' (expected: a whole number 1..10000)", "timeout: duration: '5 parsecs'",
                "unknown key 'colour' (known: batch, timeout, url)");
    }

    @Test
    void aMalformedSettingIsNamedByTheKeyBeforeItNotEchoed() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> PluginConfig.parsePairs("url=http://u:se,cret@host/,batch=5"));
        assertTrue(e.getMessage().contains("a setting after 'url' without a key"), e.getMessage());
        assertTrue(!e.getMessage().contains("cret"), "a piece of the value is not shown: " + e.getMessage());
    }
}
