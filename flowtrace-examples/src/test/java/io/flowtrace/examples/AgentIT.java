package io.flowtrace.examples;

import io.flowtrace.core.Direction;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.EventJson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent jar on {@code lo}, configured only by the sensor's environment variables: HTTP connections to a local
 * web server, records POSTed to a real HTTP endpoint, SIGTERM, and every connection must have arrived as one record
 * with the packet count tcpdump saw with the same filter. Needs root (live capture) and tcpdump.
 */
class AgentIT {
    private static final int COMPLETED = 5;

    private final List<Process> processes = new ArrayList<>();
    private final List<TinyHttpServer> servers = new ArrayList<>();

    @BeforeAll
    static void needsRoot() throws IOException {
        LivePrivileges.require("the agent test captures on lo");
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (TinyHttpServer s : servers) {
            s.close();
        }
    }

    private ChildProcess start(List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        processes.add(p);
        return new ChildProcess(p);
    }

    private TinyHttpServer server(String body) throws IOException {
        TinyHttpServer s = new TinyHttpServer(body);
        servers.add(s);
        return s;
    }

    private static int oneHttpConnection(int port, boolean complete) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        OutputStream out = s.getOutputStream();
        if (!complete) {
            out.write("GET / HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            HELD.add(s);
            return s.getLocalPort();
        }
        try (s) {
            out.write("GET / HTTP/1.0\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] response = s.getInputStream().readAllBytes();
            assertTrue(new String(response, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200"));
            return s.getLocalPort();
        }
    }

    private static final List<Socket> HELD = Collections.synchronizedList(new ArrayList<>());

    private static int tcpdumpCount(Path capture, String filter) throws Exception {
        Process p = new ProcessBuilder("tcpdump", "-r", capture.toString(), "-nn", filter)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "tcpdump -r with filter " + filter);
        return (int) out.lines().count();
    }

    @Test
    void everyConnectionArrivesAtTheEndpointAsOneRecordWithTcpdumpsPacketCount(@TempDir Path dir)
            throws Exception {
        TinyHttpServer web = server("hello");
        TinyHttpServer ingest = server("");
        int webPort = web.port();
        String filter = "tcp port " + webPort;

        Path capture = dir.resolve("tcpdump.pcap");
        ChildProcess tcpdump = start(List.of("tcpdump", "-i", "lo", "-nn", "-U", "-w", capture.toString(), filter), Map.of());
        tcpdump.awaitErr("listening on lo");
        ChildProcess agent = start(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Jar.jar().toString(), "agent"), Map.of(
                "AGENT_INTERFACE", "lo",
                "AGENT_BPF_FILTER", filter,
                "AGENT_ENDPOINT_URL", "http://127.0.0.1:" + ingest.port() + "/ingest"));
        agent.awaitErr("flowtrace agent: capturing on lo");

        List<Integer> completed = new ArrayList<>();
        for (int i = 0; i < COMPLETED; i++) {
            completed.add(oneHttpConnection(webPort, true));
        }
        int held = oneHttpConnection(webPort, false);
        Thread.sleep(500); // the last packets reach the capture before the signal

        // not Process.destroy(): it sends SIGTERM but also closes our end of the agent's stdout and stderr
        assertEquals(0, new ProcessBuilder("kill", "-TERM", String.valueOf(agent.process.pid())).start().waitFor());
        assertTrue(agent.awaitExit(60), "agent exits after SIGTERM");
        assertEquals(0, agent.process.exitValue(), agent.err());
        tcpdump.process.destroy();
        tcpdump.process.waitFor(10, TimeUnit.SECONDS);
        for (Socket s : HELD) {
            s.close();
        }
        HELD.clear();

        Map<Integer, FlowEvent> byClientPort = new HashMap<>();
        List<String> posts = ingest.bodies();
        for (String body : posts) {
            FlowEvent r = EventJson.readFlow(body); // format single: one JSON object per POST, as the sensor
            assertEquals(webPort, r.key().dstPort(), body);
            assertEquals(null, byClientPort.put(r.key().srcPort(), r), "one record per connection: " + body);
            assertEquals("lo", r.interfaceName());
            assertEquals(AgentCommand.hostname(), r.hostname());
            assertEquals(Direction.LOCAL, r.direction());
        }
        assertEquals(COMPLETED + 1, byClientPort.size(), "records: " + posts);
        for (int port : completed) {
            FlowEvent r = byClientPort.get(port);
            assertNotNull(r, "record of the connection from port " + port);
            assertEquals(EndReason.TCP_FIN, r.endReason());
            assertEquals(tcpdumpCount(capture, filter + " and tcp port " + port), r.packetCount(),
                    "packets of the connection from port " + port);
        }
        FlowEvent open = byClientPort.get(held);
        assertNotNull(open, "the connection still open at SIGTERM is flushed");
        assertEquals(EndReason.SHUTDOWN, open.endReason());
        assertEquals(tcpdumpCount(capture, filter + " and tcp port " + held), open.packetCount());
        String out = agent.out();
        assertTrue(agent.err().contains("SIGTERM: flushing open flows"), agent.err() + "\nstdout:\n" + out);
    }

    @Test
    void anIdleFlowIsSentWhenItsIdleTimeoutPassesWithNoFurtherPackets() throws Exception {
        TinyHttpServer ingest = server("");
        try (java.net.DatagramSocket receiver = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress());
             java.net.DatagramSocket sender = new java.net.DatagramSocket()) {
            int port = receiver.getLocalPort();
            ChildProcess agent = oneIdleDatagram(ingest, "http://127.0.0.1:" + ingest.port() + "/ingest", receiver,
                    sender);
            List<String> posts = ingest.bodies();
            assertEquals(1, posts.size(), "records before SIGTERM: " + posts + "\n" + agent.err());
            FlowEvent r = EventJson.readFlow(posts.get(0));
            assertEquals(EndReason.IDLE_TIMEOUT, r.endReason());
            assertEquals(port, r.key().dstPort());
            assertEquals(1, r.packetCount());
            assertTrue(agent.process.isAlive(), "the agent is still running");
            assertEquals(0, new ProcessBuilder("kill", "-TERM", String.valueOf(agent.process.pid())).start().waitFor());
            assertTrue(agent.awaitExit(60));
            assertEquals(0, agent.process.exitValue(), agent.err());
        }
    }

    /** Records the endpoint never took: counted failed, and after SIGTERM the agent says so and exits 1. */
    @Test
    void recordsAnUnreachableEndpointNeverTookMakeTheAgentExitOne() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort(); // nothing listens there once it is closed
        }
        try (java.net.DatagramSocket receiver = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress());
             java.net.DatagramSocket sender = new java.net.DatagramSocket()) {
            int port = receiver.getLocalPort();
            ChildProcess agent = start(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                    Jar.jar().toString(), "agent", "--idle-timeout", "1s", "--sink",
                    "http:url=http://127.0.0.1:" + closedPort + "/ingest,retry-budget=0"), Map.of(
                    "AGENT_INTERFACE", "lo",
                    "AGENT_BPF_FILTER", "udp port " + port));
            agent.awaitErr("flowtrace agent: capturing on lo");
            sender.send(new java.net.DatagramPacket(new byte[10], 10, receiver.getLocalSocketAddress()));
            agent.awaitErr("not delivered"); // the HTTP sink's warning once the idle flow's record failed
            assertEquals(0, new ProcessBuilder("kill", "-TERM", String.valueOf(agent.process.pid())).start().waitFor());
            assertTrue(agent.awaitExit(60));
            assertEquals(1, agent.process.exitValue(), agent.err());
            assertTrue(agent.err().contains("flowtrace agent: sink http did not deliver 1 item(s) (1 failed,"),
                    agent.err());
        }
    }

    @Test
    void batchSizeAndSendIntervalSendArraysOfRecords() throws Exception {
        TinyHttpServer web = server("hello");
        TinyHttpServer ingest = server("");
        int webPort = web.port();
        ChildProcess agent = start(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Jar.jar().toString(), "agent"), Map.of(
                "AGENT_INTERFACE", "lo",
                "AGENT_BPF_FILTER", "tcp port " + webPort,
                "AGENT_ENDPOINT_URL", "http://127.0.0.1:" + ingest.port() + "/ingest",
                "AGENT_BATCH_SIZE", "3",
                "AGENT_SEND_INTERVAL", "200ms"));
        agent.awaitErr("flowtrace agent: capturing on lo");
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ports.add(oneHttpConnection(webPort, true));
        }
        Thread.sleep(500);
        assertEquals(0, new ProcessBuilder("kill", "-TERM", String.valueOf(agent.process.pid())).start().waitFor());
        assertTrue(agent.awaitExit(60));
        assertEquals(0, agent.process.exitValue(), agent.err());

        List<Integer> seen = new ArrayList<>();
        for (String body : ingest.bodies()) {
            com.fasterxml.jackson.databind.JsonNode array = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(body);
            assertTrue(array.isArray(), body);
            int n = 0;
            for (com.fasterxml.jackson.databind.JsonNode event : array) {
                seen.add(EventJson.readFlow(event.toString()).key().srcPort());
                n++;
            }
            assertTrue(n >= 1 && n <= 3, "batch of " + n + ": " + body);
        }
        Collections.sort(seen);
        Collections.sort(ports);
        assertEquals(ports, seen, "every connection once, in batches of at most 3; agent said: " + agent.err());
    }

    @Test
    void credentialsInTheEndpointUrlAuthenticateAndAreNeverPrinted() throws Exception {
        TinyHttpServer ingest = server("");
        try (java.net.DatagramSocket receiver = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress());
             java.net.DatagramSocket sender = new java.net.DatagramSocket()) {
            ChildProcess agent = oneIdleDatagram(ingest, "http://sensor:s3cr%40t@127.0.0.1:" + ingest.port()
                    + "/ingest?api_key=k123", receiver, sender);
            assertEquals(1, ingest.bodies().size(), agent.err());
            assertEquals("Basic " + java.util.Base64.getEncoder().encodeToString(
                    "sensor:s3cr@t".getBytes(StandardCharsets.UTF_8)), ingest.authorizations().get(0));
            assertEquals("/ingest?api_key=k123", ingest.targets().get(0));
            assertEquals(0, new ProcessBuilder("kill", "-TERM", String.valueOf(agent.process.pid())).start().waitFor());
            assertTrue(agent.awaitExit(60));
            assertEquals(0, agent.process.exitValue(), agent.err());
            String err = agent.err();
            assertTrue(err.contains("events to http://127.0.0.1:" + ingest.port() + "/ingest"), err);
            for (String secret : List.of("s3cr", "k123", "api_key", "sensor:")) {
                assertTrue(!err.contains(secret), secret + " printed: " + err);
            }
        }
    }

    /**
     * Starts the agent on loopback with a 1 s idle timeout, capturing the receiver's port and posting to
     * {@code endpoint}, sends one datagram, and waits up to 20 s for the first post: with no more packets only the
     * wall-clock heartbeat can end the flow, well before any signal.
     */
    private ChildProcess oneIdleDatagram(TinyHttpServer ingest, String endpoint, java.net.DatagramSocket receiver,
                                        java.net.DatagramSocket sender) throws Exception {
        ChildProcess agent = start(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Jar.jar().toString(), "agent", "--idle-timeout", "1s"), Map.of(
                "AGENT_INTERFACE", "lo",
                "AGENT_BPF_FILTER", "udp port " + receiver.getLocalPort(),
                "AGENT_ENDPOINT_URL", endpoint));
        agent.awaitErr("flowtrace agent: capturing on lo");
        sender.send(new java.net.DatagramPacket(new byte[10], 10, receiver.getLocalSocketAddress()));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (ingest.bodies().isEmpty() && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        return agent;
    }
}
