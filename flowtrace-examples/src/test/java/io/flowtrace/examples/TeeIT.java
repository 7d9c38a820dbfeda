package io.flowtrace.examples;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's live tee on {@code lo}, beside tcpdump with the same filter: UDP datagrams of 300 sizes, and the tee
 * holds exactly the packets tcpdump saw (their number, and their lengths one by one), as a pcap of the capture's
 * link type and snap length with nanosecond timestamps. On af-packet with two workers (two sockets in a fanout
 * group, each feeding its worker on its own thread) and on pcap-live. Needs root (live capture) and tcpdump.
 */
class TeeIT {
    private static final int DATAGRAMS = 600;
    private final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void needsRoot() throws IOException {
        LivePrivileges.require("the tee test captures on lo");
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private ChildProcess start(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).start();
        p.getOutputStream().close();
        processes.add(p);
        return new ChildProcess(p);
    }

    @ParameterizedTest
    @CsvSource({"af-packet, 2", "pcap-live, 1"})
    void aLiveTeeHoldsThePacketsTcpdumpSaw(String backend, int workers, @TempDir Path dir) throws Exception {
        try (DatagramSocket receiver = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             DatagramSocket sender = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            String filter = "udp port " + receiver.getLocalPort();
            Path tcpdumpFile = dir.resolve("tcpdump.pcap");
            Path tee = dir.resolve("tee.pcap");
            ChildProcess tcpdump = start(List.of("tcpdump", "-i", "lo", "-nn", "-U", "-w", tcpdumpFile.toString(),
                    filter));
            tcpdump.awaitErr("listening on lo");
            ChildProcess agent = start(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", Jar.jar().toString(), "agent", "--interface", "lo", "--bpf-filter", filter,
                    "--capture-backend", backend, "--workers", String.valueOf(workers), "--tee", tee.toString(),
                    "--out", dir.resolve("events.ndjson").toString()));
            agent.awaitErr("flowtrace agent: capturing on lo");
            assertTrue(agent.err().contains("packets to " + tee + " (pcap)"), agent.err());
            for (int i = 0; i < DATAGRAMS; i++) {
                byte[] payload = new byte[1 + (i * 7) % 300 * 4]; // 1 to 1,197 bytes: under the 1,600 snap length
                sender.send(new DatagramPacket(payload, payload.length, receiver.getLocalSocketAddress()));
                if (i % 50 == 49) {
                    Thread.sleep(5);
                }
            }
            Thread.sleep(1000); // the last packets reach both captures before the signals
            assertEquals(0, new ProcessBuilder("kill", "-TERM", String.valueOf(agent.process.pid())).start()
                    .waitFor());
            assertTrue(agent.awaitExit(60), "agent exits after SIGTERM");
            assertEquals(0, agent.process.exitValue(), agent.err());
            assertEquals(0, new ProcessBuilder("kill", "-TERM", String.valueOf(tcpdump.process.pid())).start()
                    .waitFor());
            assertTrue(tcpdump.awaitExit(30), "tcpdump exits");

            Pcap theirs = Pcap.read(tcpdumpFile);
            Pcap ours = Pcap.read(tee);
            assertEquals(DATAGRAMS, theirs.lengths.values().stream().mapToInt(Integer::intValue).sum(),
                    "tcpdump saw every datagram");
            assertEquals(theirs.lengths, ours.lengths, "the tee holds tcpdump's packets (wire length: count)");
            assertEquals(theirs.bytes, ours.bytes, "and their bytes");
            assertEquals(theirs.linkType, ours.linkType, "the link type");
            assertEquals(1600, ours.snapLength, "the agent's snap length");
            assertTrue(ours.nanoseconds, backend + " stamps in nanoseconds");
            assertTrue(agent.err().contains("tee: frames=" + DATAGRAMS + ", written=" + DATAGRAMS
                    + ", dropped=0, failed=0"), agent.err());
        }
    }

    /** A pcap file's header fields, packets by wire length and captured bytes (either byte order). */
    private record Pcap(int linkType, int snapLength, boolean nanoseconds, TreeMap<Integer, Integer> lengths,
                        long bytes) {
        static Pcap read(Path f) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
            int magic = b.getInt(0);
            if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
                b.order(ByteOrder.BIG_ENDIAN);
                magic = b.getInt(0);
            }
            TreeMap<Integer, Integer> lengths = new TreeMap<>();
            long bytes = 0;
            int p = 24;
            while (p + 16 <= b.limit()) {
                int caplen = b.getInt(p + 8);
                lengths.merge(b.getInt(p + 12), 1, Integer::sum);
                bytes += caplen;
                p += 16 + caplen;
            }
            assertEquals(b.limit(), p, f + ": whole records");
            return new Pcap(b.getInt(20), b.getInt(16), magic == 0xa1b23c4d, lengths, bytes);
        }
    }
}
