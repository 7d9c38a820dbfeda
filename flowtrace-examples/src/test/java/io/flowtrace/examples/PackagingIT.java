package io.flowtrace.examples;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
/**
 * The container files, checked by parsing them: no container engine runs where the tests do. The compose file must
 * be shaped like the Go sensor's (host network, NET_RAW and NET_ADMIN, AGENT_* settings the agent reads); the
 * Dockerfile must use only known instructions and copy files that exist in the build context.
 */
class PackagingIT {
    private static final Path PACKAGING = Jar.root().resolve("packaging");
    private static final Set<String> INSTRUCTIONS = Set.of("FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD",
            "COPY", "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL");
    @Test
    void composeRunsTheAgentOnTheHostNetworkWithCaptureCapabilitiesAndSensorSettings() throws Exception {
        JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(PACKAGING.resolve("compose.yaml").toFile());
        JsonNode services = compose.path("services");
        assertEquals(1, services.size(), "one service: " + services);
        JsonNode agent = services.path("flowtrace-agent");
        assertTrue(agent.isObject(), "service flowtrace-agent: " + services);
        assertEquals("host", agent.path("network_mode").asText());
        Set<String> caps = new HashSet<>();
        agent.path("cap_add").forEach(c -> caps.add(c.asText()));
        assertEquals(Set.of("NET_RAW", "NET_ADMIN"), caps);
        assertFalse(agent.path("privileged").asBoolean(false), "capabilities, not a privileged container");
        JsonNode build = agent.path("build");
        Path context = PACKAGING.resolve(build.path("context").asText()).normalize();
        assertEquals(Jar.root(), context, "built from the project root");
        assertTrue(Files.isRegularFile(context.resolve(build.path("dockerfile").asText())), build.toString());
        JsonNode env = agent.path("environment");
        assertTrue(env.isObject(), "environment as a map: " + env);
        List<String> names = new ArrayList<>();
        env.fieldNames().forEachRemaining(names::add);
        assertTrue(names.containsAll(List.of("AGENT_INTERFACE", "AGENT_ENDPOINT_URL")), names.toString());
        for (String name : names) {
            assertTrue(name.startsWith("AGENT_"), name);
            assertTrue(env.path(name).isTextual(), name + " as text, as compose passes it: " + env.path(name));
        }
        // every variable is one the agent reads: its help lists each setting's variable
        Jar.Result help = Jar.run("agent", "--help");
        assertEquals(0, help.exit(), help.err());
        for (String name : names) {
            assertTrue(help.out().contains(name), name + " is not an agent setting:\n" + help.out());
        }
    }
    @Test
    void dockerfileUsesKnownInstructionsCopiesFilesThatExistAndRunsAsAnUnprivilegedUser() throws Exception {
        List<String[]> instructions = instructions(Files.readAllLines(PACKAGING.resolve("Dockerfile")));
        assertFalse(instructions.isEmpty());
        assertEquals("FROM", instructions.get(0)[0], "a Dockerfile starts FROM a base image");
        assertTrue(instructions.get(0)[1].matches("eclipse-temurin:17-jre\\S*|debian:\\S+"), instructions.get(0)[1]);
        String user = null;
        boolean copiesJar = false;
        String entrypoint = null;
        String run = "";
        for (String[] i : instructions) {
            assertTrue(INSTRUCTIONS.contains(i[0]), "unknown instruction " + i[0]);
            switch (i[0]) {
                case "COPY", "ADD" -> {
                    String[] parts = i[1].trim().split("\\s+");
                    assertTrue(parts.length >= 2, "COPY SRC... DEST: " + i[1]);
                    for (int k = 0; k < parts.length - 1; k++) {
                        assertFalse(parts[k].startsWith("--"), "no COPY options expected: " + i[1]);
                        Path source = Jar.root().resolve(parts[k]);
                        assertTrue(Files.exists(source), "COPY source missing from the build context: " + parts[k]);
                        copiesJar |= parts[k].equals("flowtrace-examples/target/flowtrace.jar");
                    }
                }
                case "USER" -> user = i[1].trim();
                case "ENTRYPOINT" -> entrypoint = i[1].trim();
                case "RUN" -> run += i[1] + "\n";
                default -> {
                }
            }
        }
        assertTrue(copiesJar, "the shaded jar is copied in");
        assertTrue(user != null && !user.equals("root") && !user.equals("0"), "USER: " + user);
        assertTrue(run.contains("libpcap"), "libpcap installed for live capture");
        assertTrue(run.contains("cap_net_raw") && run.contains("cap_net_admin"), "capture capabilities granted");
        assertTrue(run.contains("useradd") && run.contains(user), "the user is created: " + user);
        JsonNode entry = new ObjectMapper().readTree(entrypoint);
        assertTrue(entry.isArray() && entry.size() >= 1, "ENTRYPOINT in exec form: " + entrypoint);
        String launcher = entry.get(0).asText();
        assertTrue(instructions.stream().anyMatch(i -> i[0].equals("COPY") && i[1].endsWith(" " + launcher)),
                "the entry point is a copied file: " + launcher);
    }
    @Test
    void installPutsTheJarLauncherAndUnitUnderDestdir(@TempDir Path destdir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", Jar.root().resolve("scripts/install.sh").toString());
        pb.environment().put("DESTDIR", destdir.toString());
        pb.environment().put("PREFIX", "/opt/ft");
        pb.environment().put("BINDIR", "/usr/bin");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        Path jar = destdir.resolve("opt/ft/flowtrace.jar");
        assertEquals(-1L, Files.mismatch(Jar.jar(), jar), "the built jar, as built");
        Path launcher = destdir.resolve("opt/ft/bin/flowtrace");
        assertTrue(Files.isExecutable(launcher), launcher.toString());
        assertEquals(-1L, Files.mismatch(Jar.root().resolve("bin/flowtrace"), launcher));
        Path link = destdir.resolve("usr/bin/flowtrace");
        assertEquals(Path.of("/opt/ft/bin/flowtrace"), Files.readSymbolicLink(link), "a link to where it will be");
        String unit = Files.readString(destdir.resolve("etc/systemd/system/flowtrace-agent.service"));
        assertTrue(unit.contains("ExecStart=/usr/bin/java -jar /opt/ft/flowtrace.jar agent"), unit);
        assertFalse(unit.contains("/opt/flowtrace/"), "every path follows PREFIX");
        assertTrue(unit.contains("AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN"), "the security issue's unit");
        assertTrue(Files.isRegularFile(destdir.resolve("opt/ft/LICENSE")));
    }
    /** A Dockerfile's instructions, continuation lines joined and comments dropped: {instruction, arguments}. */
    static List<String[]> instructions(List<String> lines) {
        List<String[]> out = new ArrayList<>();
        StringBuilder current = null;
        for (String raw : lines) {
            String line = raw.strip();
            if (current == null && (line.isEmpty() || line.startsWith("#"))) {
                continue;
            }
            if (current != null && line.startsWith("#")) {
                continue;
            }
            boolean continued = line.endsWith("\\");
            String body = continued ? line.substring(0, line.length() - 1) : line;
            if (current == null) {
                current = new StringBuilder(body);
            } else {
                current.append(' ').append(body);
            }
            if (!continued) {
                String text = current.toString().strip();
                int sp = text.indexOf(' ');
                assertTrue(sp > 0, "instruction without arguments: " + text);
                out.add(new String[] {text.substring(0, sp).toUpperCase(java.util.Locale.ROOT), text.substring(sp + 1)});
                current = null;
            }
        }
        assertTrue(current == null, "the last instruction ends in a continuation");
        return out;
    }
}
