package io.flowtrace.examples;

import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.EventJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The agent jar without root: started as root with {@code --user} (a user and a supplementary group made here with
 * useradd and removed afterwards), and started as that user with only CAP_NET_RAW and CAP_NET_ADMIN (setpriv, as a
 * systemd unit's AmbientCapabilities does). Both capture UDP exchanged on {@code lo} after the agent is running and
 * must meter it exactly. Needs root, shadow-utils (useradd) and util-linux (setpriv); skipped with the reason when
 * the machine lacks them.
 */
class AgentUserIT {
    private static final long CAP_NET_ADMIN = 1L << 12;
    private static final long CAP_NET_RAW = 1L << 13;

    private final List<Process> processes = new ArrayList<>();
    private final List<List<String>> cleanup = new ArrayList<>();
    private String user;
    private long uid;
    private long gid;
    private long extraGid;

    @BeforeAll
    static void needsRootAndTools() throws IOException {
        String uidLine = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Uid:")).findFirst().orElse("Uid: -1");
        assumeTrue(uidLine.split("\\s+")[2].equals("0"), "switching users needs the tests to run as root");
        for (String tool : List.of("useradd", "userdel", "groupadd", "groupdel", "setpriv", "id", "getent")) {
            assumeTrue(onPath(tool), tool + " is not installed (shadow-utils passwd, util-linux, libc-bin)");
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    @BeforeEach
    void createUserWithASupplementaryGroup() throws Exception {
        String id = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0x1000000));
        user = "ftagent" + id;
        String extra = "ftgroup" + id;
        // removed in reverse order: the user (and its own group) before the supplementary group
        cleanup.add(List.of("groupdel", extra));
        cleanup.add(List.of("groupdel", user));
        cleanup.add(List.of("userdel", user));
        run("groupadd", "--system", extra);
        run("useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                "--shell", "/usr/sbin/nologin", "--groups", extra, user);
        uid = Long.parseLong(run("id", "-u", user).trim());
        gid = Long.parseLong(run("id", "-g", user).trim());
        extraGid = Long.parseLong(run("getent", "group", extra).trim().split(":")[2]);
    }

    @AfterEach
    void removeProcessesAndUser() {
        for (Process p : processes) {
            try {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            try {
                Process p = new ProcessBuilder(cleanup.get(i)).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                p.waitFor(30, TimeUnit.SECONDS);
                p.destroyForcibly();
            } catch (IOException | InterruptedException e) {
                // best effort: the rest still runs
            }
        }
    }

    @Test
    void startedAsRootWithUserTheAgentRunsAsThatUserWithNoCapabilityAndKeepsCapturing() throws Exception {
        try (Exchange exchange = new Exchange()) {
            ChildProcess agent = start(List.of(), agentCommand(Jar.jar().toAbsolutePath(), List.of(), exchange.filter(),
                    "--user", user), Map.of());
            agent.awaitErr("; running as user " + user + " (uid " + uid + ", gid " + gid + ", groups ["
                    + Math.min(gid, extraGid) + ", " + Math.max(gid, extraGid) + "]) with no capabilities");

            int threads = 0;
            for (Map<String, String> status : taskStatuses(agent.process.pid())) {
                assertEquals(uid + "\t" + uid + "\t" + uid + "\t" + uid, status.get("Uid"),
                        "real, effective, saved, fs");
                assertEquals(gid + "\t" + gid + "\t" + gid + "\t" + gid, status.get("Gid"));
                assertEquals(new TreeSet<>(List.of(gid, extraGid)), groups(status.get("Groups")));
                for (String set : List.of("CapInh", "CapPrm", "CapEff", "CapAmb")) {
                    assertEquals(0L, Long.parseLong(status.get(set), 16), set + " of a thread: " + status);
                }
                threads++;
            }
            assertTrue(threads > 5, "every thread of the JVM checked: " + threads);

            exchange.send(3, 2);
            List<FlowEvent> records = stopAndReadRecords(agent);
            assertEquals(1, records.size(), "records: " + records);
            exchange.assertMetered(records.get(0), 3, 2);
        }
    }

    @Test
    void anUnprivilegedUserWithOnlyCapNetRawAndCapNetAdminCaptures(@TempDir Path dir) throws Exception {
        // the user cannot read the build directory's parents: a copy of the jar where it can
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = Files.copy(Jar.jar(), dir.resolve("flowtrace.jar"));
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        List<String> setpriv = List.of("setpriv", "--reuid=" + user, "--regid=" + user, "--init-groups",
                "--inh-caps=-all,+net_raw,+net_admin", "--ambient-caps=+net_raw,+net_admin",
                "--bounding-set=-all,+net_raw,+net_admin", "--no-new-privs"); // what the systemd unit grants

        try (Exchange exchange = new Exchange()) {
            ChildProcess agent = start(setpriv, agentCommand(jar, List.of("-Djava.io.tmpdir=" + tmp, "-Djna.tmpdir=" + tmp),
                    exchange.filter()), Map.of());
            agent.awaitErr("flowtrace agent: capturing on lo");

            Map<String, String> status = taskStatuses(agent.process.pid()).get(0);
            assertEquals(uid + "\t" + uid + "\t" + uid + "\t" + uid, status.get("Uid"));
            assertEquals(CAP_NET_RAW | CAP_NET_ADMIN, Long.parseLong(status.get("CapEff"), 16), "only the two");
            assertEquals(CAP_NET_RAW | CAP_NET_ADMIN, Long.parseLong(status.get("CapPrm"), 16), "only the two");
            assertEquals("1", status.get("NoNewPrivs"));

            exchange.send(4, 1);
            List<FlowEvent> records = stopAndReadRecords(agent);
            assertEquals(1, records.size(), "records: " + records);
            exchange.assertMetered(records.get(0), 4, 1);

            // --user promises no capability, which such a process cannot give up for all its threads
            ChildProcess asItself = start(setpriv, agentCommand(jar, List.of("-Djava.io.tmpdir=" + tmp,
                    "-Djna.tmpdir=" + tmp), exchange.filter(), "--user", user), Map.of());
            assertTrue(asItself.awaitExit(60), "the agent exits by itself");
            assertEquals(1, asItself.process.exitValue(), asItself.err());
            assertTrue(asItself.err().contains(" still has capabilities CapInh 0000000000003000 CapPrm 0000000000003000"
                    + " CapEff 0000000000003000 CapAmb 0000000000003000 (expected: all zero); to use --user, start the"
                    + " agent as root"), asItself.err());
        }
    }

    @Test
    void aSwitchThatFailsEndsTheAgentBeforeItCapturesAsRoot() throws Exception {
        // root without CAP_SETUID: the groups and the group can be set, the user cannot
        List<String> noSetuid = List.of("setpriv", "--bounding-set=-setuid", "--inh-caps=-setuid");
        try (Exchange exchange = new Exchange()) {
            ChildProcess agent = start(noSetuid, agentCommand(Jar.jar().toAbsolutePath(), List.of(), exchange.filter()),
                    Map.of("AGENT_USER", user));
            assertTrue(agent.awaitExit(60), "the agent exits by itself");
            assertEquals(1, agent.process.exitValue(), agent.err());
            assertEquals("flowtrace agent: cannot switch to user " + user + " (uid " + uid + ", gid " + gid
                    + ", groups [" + Math.min(gid, extraGid) + ", " + Math.max(gid, extraGid) + "]): setuid:"
                    + " Operation not permitted (expected: the agent started as root, with CAP_SETUID and"
                    + " CAP_SETGID)", agent.err().trim());
            assertEquals("", agent.out());
        }
        Jar.Result unknown = Jar.run(60, Map.of("AGENT_USER", user + "x"), List.of("-XX:-UsePerfData"), "agent",
                "--interface", "lo", "--sink", "stdout");
        assertEquals(2, unknown.exit(), unknown.err());
        assertEquals("flowtrace agent: AGENT_USER: no such user '" + user + "x' (expected: a user in the password"
                + " database, e.g. nobody)", unknown.err().trim());
    }

    /** The agent on lo metering one UDP conversation to stdout; no perf data file a user switch would leave. */
    private static List<String> agentCommand(Path jar, List<String> jvmOptions, String filter, String... more) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:-UsePerfData");
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString(), "agent", "--interface", "lo", "--bpf-filter", filter,
                "--sink", "stdout", "--idle-timeout", "10m"));
        command.addAll(List.of(more));
        return command;
    }

    /** Two UDP sockets on loopback: a client that sends, a server that answers. */
    private static final class Exchange implements AutoCloseable {
        final DatagramSocket client = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        final DatagramSocket server = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));

        Exchange() throws IOException {
        }

        String filter() {
            return "udp and port " + client.getLocalPort() + " and port " + server.getLocalPort();
        }

        void send(int requests, int answers) throws IOException {
            for (int i = 0; i < requests; i++) {
                client.send(new DatagramPacket(new byte[20], 20, server.getLocalSocketAddress()));
            }
            for (int i = 0; i < answers; i++) {
                server.send(new DatagramPacket(new byte[30], 30, client.getLocalSocketAddress()));
            }
        }

        void assertMetered(FlowEvent r, int requests, int answers) {
            assertEquals(client.getLocalPort(), r.key().srcPort(), r.toString());
            assertEquals(server.getLocalPort(), r.key().dstPort(), r.toString());
            assertEquals(requests + answers, r.packetCount(), r.toString());
            assertEquals(requests, r.packetsForward(), r.toString());
            assertEquals(answers, r.packetsReverse(), r.toString());
            assertEquals(EndReason.SHUTDOWN, r.endReason());
        }

        @Override
        public void close() {
            client.close();
            server.close();
        }
    }

    private List<FlowEvent> stopAndReadRecords(ChildProcess agent) throws Exception {
        Thread.sleep(500); // the last packets reach the capture before the signal
        // not Process.destroy(): it sends SIGTERM but also closes our end of the agent's stdout and stderr
        assertEquals(0, new ProcessBuilder("kill", "-TERM", String.valueOf(agent.process.pid())).start().waitFor());
        assertTrue(agent.awaitExit(60), "agent exits after SIGTERM");
        assertEquals(0, agent.process.exitValue(), agent.err());
        List<FlowEvent> records = new ArrayList<>();
        for (String line : agent.out().split("\n")) {
            if (!line.isBlank()) {
                records.add(EventJson.readFlow(line));
            }
        }
        return records;
    }

    /** The status of every thread of process {@code pid}, by field. */
    private static List<Map<String, String>> taskStatuses(long pid) throws IOException {
        List<Map<String, String>> out = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path task : tasks) {
                List<String> lines;
                try {
                    lines = Files.readAllLines(task.resolve("status"));
                } catch (NoSuchFileException e) {
                    continue; // the thread ended
                }
                Map<String, String> fields = new java.util.LinkedHashMap<>();
                for (String line : lines) {
                    int colon = line.indexOf(':');
                    if (colon > 0) {
                        fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
                    }
                }
                out.add(fields);
            }
        }
        assertFalse(out.isEmpty(), "threads of " + pid);
        return out;
    }

    private static TreeSet<Long> groups(String text) {
        TreeSet<Long> out = new TreeSet<>();
        for (String g : text.trim().split("\\s+")) {
            if (!g.isEmpty()) {
                out.add(Long.parseLong(g));
            }
        }
        return out;
    }

    private ChildProcess start(List<String> wrapper, List<String> command, Map<String, String> env) throws IOException {
        List<String> all = new ArrayList<>(wrapper);
        all.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(all);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        processes.add(p);
        return new ChildProcess(p);
    }

    /** Runs a command to completion and returns its standard output; fails on a non-zero exit. */
    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("did not finish: " + String.join(" ", command));
        }
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
        return out;
    }

}
