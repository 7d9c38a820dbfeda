package io.flowtrace.query.clickhouse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrace.core.ConfigurationException;
import io.flowtrace.query.Answers.Point;
import io.flowtrace.query.Answers.TaskSummary;
import io.flowtrace.query.FlowFilter;
import io.flowtrace.query.SnapshotStores;
import io.flowtrace.query.TaskSnapshot;
import io.flowtrace.query.memory.MemoryStore;
import io.flowtrace.query.spi.SnapshotStore;
import io.flowtrace.testkit.ClickHouseServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code clickhouse} store when ClickHouse is down, at start or between snapshots, and when it is configured
 * wrong: the native port, a wrong password, TLS against a plain port, a misspelled key.
 */
class ClickHouseFailuresTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long T0 = 1_700_000_000L * SECOND;
    private static final List<String> FIELDS = List.of("SrcIP", "DstPort");
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final ClickHouseServer CLICKHOUSE = ClickHouseServer.withUser("flowtrace", "right-pw");

    private static Map<String, Object> config(ClickHouseServer server) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("host", "127.0.0.1");
        c.put("http-port", server.httpPort());
        c.put("database", "engine");
        c.put("username", server.user());
        c.put("password", server.password());
        c.put("retry-budget", "1s");
        c.put("timeout", "30s");
        return c;
    }

    private static TaskSnapshot.FlowRow row(String ip, int port, long packets, long last) {
        Map<String, String> key = new LinkedHashMap<>();
        key.put("SrcIP", ip);
        key.put("DstPort", String.valueOf(port));
        return new TaskSnapshot.FlowRow(key, T0, T0 + last * SECOND, packets, packets * 100);
    }

    /** A cumulative exact task: {@code at} seconds after T0, with these rows. */
    private static TaskSnapshot snapshot(long at, TaskSnapshot.FlowRow... rows) {
        long p = 0;
        for (TaskSnapshot.FlowRow r : rows) {
            p += r.packets();
        }
        return new TaskSnapshot("per_src", TaskSnapshot.EXACT, FIELDS, T0, T0 + at * SECOND, List.of(rows),
                List.of(), Map.of("total_packets", p, "total_bytes", p * 100));
    }

    private static final TaskSnapshot S1 = snapshot(60, row("10.0.0.1", 80, 10, 50), row("10.0.0.2", 443, 5, 40));
    /** Key .1 changes here, and not after: the snapshot after a failed one must still carry it. */
    private static final TaskSnapshot S2 = snapshot(120, row("10.0.0.1", 80, 12, 110), row("10.0.0.2", 443, 5, 40),
            row("10.0.0.3", 53, 1, 115));
    private static final TaskSnapshot S3 = snapshot(180, row("10.0.0.1", 80, 12, 110), row("10.0.0.2", 443, 7, 170),
            row("10.0.0.3", 53, 3, 175));

    @Test
    @DisplayName("ClickHouse killed between snapshots: the write is retried, then counted; the next one catches up")
    void downMidRun() throws Exception {
        try (ClickHouseServer server = ClickHouseServer.withUser("flowtrace", "pw")) {
            server.start();
            SnapshotStore store = SnapshotStores.discover().create("clickhouse", config(server));
            MemoryStore memory = new MemoryStore();
            store.write(S1);
            server.kill();
            store.write(S2);
            assertEquals(new SnapshotStore.Stats(1, 0, 1, 1, 0), store.stats());
            // a Count-Min snapshot's first part fails; its second, once ClickHouse is back, is not written alone
            store.write(new TaskSnapshot("cm", TaskSnapshot.SKETCH, List.of("SrcIP"), T0, T0 + 120 * SECOND,
                    List.of(), List.of(new TaskSnapshot.Hitter("10.0.0.1", 5, 0)), Map.of()));
            server.start();
            store.write(new TaskSnapshot("cm", TaskSnapshot.SKETCH, List.of("SrcIP"), T0, T0 + 120 * SECOND,
                    List.of(), List.of(new TaskSnapshot.Hitter("10.0.0.1", 500, 1)), Map.of()));
            assertEquals(3, store.stats().failed());
            assertTrue(store.latest("cm", Long.MAX_VALUE).isEmpty());
            store.write(S3);
            memory.write(S1);
            memory.write(S3);
            assertEquals(2, store.stats().written());
            assertEquals(3, store.stats().failed());
            assertEquals(ClickHouseStoreTest.normal(memory.latest("per_src", Long.MAX_VALUE)),
                    ClickHouseStoreTest.normal(store.latest("per_src", Long.MAX_VALUE)));
            assertEquals(new TaskSummary("per_src", 2200, 22, 3),
                    store.aggregate("per_src", FlowFilter.none(), Long.MAX_VALUE).orElseThrow());
            assertEquals(List.of(new Point(S1.timeNanos(), 15), new Point(S3.timeNanos(), 22)),
                    store.series("per_src", "total_packets", 0, Long.MAX_VALUE));
            // the engine's own query over its table sees the same keys
            JsonNode r = JSON.readTree(server.query("SELECT SUM(p) AS p, COUNT(*) AS n FROM (SELECT"
                    + " argMax(PacketCount, Timestamp) AS p FROM engine.flow_metrics GROUP BY TaskName, SrcIP, DstIP,"
                    + " SrcPort, DstPort, Protocol) FORMAT JSONEachRow"));
            assertEquals(22, r.get("p").asLong());
            assertEquals(3, r.get("n").asLong());
            store.close();
        }
    }

    @Test
    @DisplayName("one retry budget per outage: once it is spent, a snapshot gets one attempt and no wait")
    void oneBudgetPerOutage() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        long[] now = {0};
        long[] slept = {0};
        ClickHouseHttp http = new ClickHouseHttp(java.net.URI.create("http://127.0.0.1:" + port), "engine", "u", "p",
                java.time.Duration.ofSeconds(5));
        ClickHouseStore store = new ClickHouseStore(http, "engine", 10 * SECOND, () -> now[0], n -> {
            now[0] += n;
            slept[0] += n;
        });
        store.open("store 'clickhouse'");
        assertEquals(10 * SECOND, slept[0]);
        store.write(S1);
        store.write(S2);
        assertEquals(10 * SECOND, slept[0]);
        assertEquals(new SnapshotStore.Stats(0, 0, 2, 0, 0), store.stats());
    }

    @Test
    @DisplayName("ClickHouse down at start: the store starts, counts what it cannot write, and makes its tables later")
    void downAtStart() throws Exception {
        try (ClickHouseServer server = ClickHouseServer.withUser("flowtrace", "pw")) {
            server.start();
            server.kill();
            SnapshotStore store = SnapshotStores.discover().create("clickhouse", config(server));
            store.write(S1);
            assertEquals(1, store.stats().failed());
            server.start();
            store.write(S2);
            assertEquals(1, store.stats().written());
            MemoryStore memory = new MemoryStore();
            memory.write(S2);
            assertEquals(ClickHouseStoreTest.normal(memory.latest("per_src", Long.MAX_VALUE)),
                    ClickHouseStoreTest.normal(store.latest("per_src", Long.MAX_VALUE)));
            store.close();
        }
    }

    @Test
    @DisplayName("port set to the native port: the error says so, quotes the server and names http_port's value")
    void nativePort() {
        Map<String, Object> c = config(CLICKHOUSE);
        c.remove("http-port");
        c.put("port", CLICKHOUSE.tcpPort());
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> SnapshotStores.discover().create("clickhouse", c));
        assertTrue(e.getMessage().contains("port " + CLICKHOUSE.tcpPort() + " is ClickHouse's native protocol port"),
                e.getMessage());
        assertTrue(e.getMessage().contains("Port " + CLICKHOUSE.tcpPort() + " is for clickhouse-client program"),
                e.getMessage());
        assertTrue(e.getMessage().contains("set http_port: " + CLICKHOUSE.httpPort()), e.getMessage());
    }

    @Test
    @DisplayName("port set to the HTTP port works as the engine's block is written (no http_port)")
    void portIsHttp() {
        Map<String, Object> c = config(CLICKHOUSE);
        c.remove("http-port");
        c.put("port", CLICKHOUSE.httpPort());
        try (SnapshotStore s = SnapshotStores.discover().create("clickhouse", c)) {
            s.write(S1);
            assertEquals(1, s.stats().written());
        }
    }

    @Test
    @DisplayName("a wrong password is refused at start with the server's reason, never the password")
    void wrongPassword() {
        Map<String, Object> c = config(CLICKHOUSE);
        c.put("password", "not-the-pw");
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> SnapshotStores.discover().create("clickhouse", c));
        assertTrue(e.getMessage().contains("refused user 'flowtrace'"), e.getMessage());
        assertTrue(e.getMessage().contains("Wrong password for user flowtrace"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-pw"), e.getMessage());
    }

    @Test
    @DisplayName("cloud: true speaks TLS and verifies it: a server whose certificate is not trusted gets no request")
    void tlsStaysOn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        // an HTTPS server with a self-signed certificate for 127.0.0.1, which the JDK's trust store does not hold
        java.nio.file.Path ks = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "keytool")
                .toString(), "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, keytool.waitFor(), out);
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        com.sun.net.httpserver.HttpsServer server = com.sun.net.httpserver.HttpsServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
        java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            byte[] body = "18.16.1\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            Map<String, Object> c = config(CLICKHOUSE);
            c.put("cloud", true);
            c.put("http-port", server.getAddress().getPort());
            ConfigurationException e = assertThrows(ConfigurationException.class,
                    () -> SnapshotStores.discover().create("clickhouse", c));
            assertTrue(e.getMessage().contains("TLS with ClickHouse at https://127.0.0.1:"
                    + server.getAddress().getPort() + " failed"), e.getMessage());
            assertTrue(e.getMessage().contains("PKIX") || e.getMessage().contains("certification path"),
                    e.getMessage());
            assertEquals(0, requests.get());
        } finally {
            server.stop(0);
        }
    }

    @Test
    @DisplayName("task names and keys with quotes, backslashes and SQL are stored and found as they are written")
    void hostileNames() {
        String task = "x' OR 1=1 -- \\'\n\u00e9";
        try (SnapshotStore s = SnapshotStores.discover().create("clickhouse", config(CLICKHOUSE))) {
            TaskSnapshot hh = new TaskSnapshot(task, TaskSnapshot.SKETCH, List.of("SrcIP"), T0, T0 + 60 * SECOND,
                    List.of(), List.of(new TaskSnapshot.Hitter("a'b\\c", 9, 0)), Map.of("total_packets", 9L));
            s.write(hh);
            s.write(snapshot(60, row("10.0.0.1", 80, 10, 50)));
            assertEquals(List.of(new io.flowtrace.query.Answers.HeavyHitter("a'b\\c", 9)),
                    s.heavyHitters(task, 0, Long.MAX_VALUE, 10));
            assertTrue(s.heavyHitters("x", 0, Long.MAX_VALUE, 10).isEmpty());
            assertEquals(List.of(new Point(T0 + 60 * SECOND, 9)), s.series(task, "total_packets", 0, Long.MAX_VALUE));
        }
    }

    @Test
    @DisplayName("a new period (counts back to less, a key gone) starts a new chain: no key of the old period is read")
    void newPeriod() {
        Map<String, Object> c = config(CLICKHOUSE);
        c.put("database", "periods");
        try (SnapshotStore s = SnapshotStores.discover().create("clickhouse", c)) {
            MemoryStore memory = new MemoryStore();
            TaskSnapshot reset = snapshot(240, row("10.0.0.2", 443, 2, 230));
            TaskSnapshot after = snapshot(300, row("10.0.0.2", 443, 4, 290), row("10.0.0.9", 22, 1, 295));
            for (TaskSnapshot x : List.of(S1, S2, S3, reset, after)) {
                s.write(x);
                memory.write(x);
            }
            for (TaskSnapshot x : List.of(S1, S2, S3, reset, after)) {
                assertEquals(ClickHouseStoreTest.normal(memory.latest("per_src", x.timeNanos())),
                        ClickHouseStoreTest.normal(s.latest("per_src", x.timeNanos())));
                assertEquals(memory.aggregate("per_src", FlowFilter.none(), x.timeNanos()),
                        s.aggregate("per_src", FlowFilter.none(), x.timeNanos()));
            }
            assertEquals(new TaskSummary("per_src", 500, 5, 2),
                    s.aggregate("per_src", FlowFilter.none(), Long.MAX_VALUE).orElseThrow());
        }
    }

    @Test
    @DisplayName("a misspelled key is refused with the keys that are known")
    void unknownKey() {
        Map<String, Object> c = config(CLICKHOUSE);
        c.put("htp_port", 8123);
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> SnapshotStores.discover().create("clickhouse", c));
        assertTrue(e.getMessage().contains("htp_port"), e.getMessage());
        assertTrue(e.getMessage().contains("http-port"), e.getMessage());
    }
}
