package io.flowtrace.testkit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClickHouseServerTest {

    @Test
    @DisplayName("a server starts, lets its user in with the password only, restarts on its ports, and leaves nothing")
    void startsAndCleansUp() throws Exception {
        Path dir;
        long pid;
        try (ClickHouseServer server = ClickHouseServer.withUser("tester", "pw1", "UTC")) {
            server.start();
            dir = server.directory();
            pid = server.pid();
            assertTrue(Files.isDirectory(dir.resolve("data")));
            assertEquals("1", server.query("SELECT 1").trim());
            server.query("CREATE TABLE t (x UInt8) ENGINE = MergeTree() ORDER BY x");
            server.query("INSERT INTO t VALUES (7)");
            int port = server.httpPort();
            server.stop();
            assertFalse(server.isRunning());
            server.start();
            assertEquals(port, server.httpPort());
            assertEquals("7", server.query("SELECT x FROM t").trim());
            pid = server.pid();
        }
        assertFalse(Files.exists(dir));
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        assertTrue(p.isEmpty() || !p.get().isAlive(), "clickhouse-server " + pid + " still running");
    }

    @Test
    @DisplayName("a wrong password is refused by the server (HTTP Basic is checked)")
    void passwordChecked() throws Exception {
        ClickHouseServer server = ClickHouseServer.withUser("tester", "pw2", "UTC");
        try {
            server.start();
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.httpUrl() + "/"))
                            .header("Authorization", "Basic " + java.util.Base64.getEncoder()
                                    .encodeToString("tester:wrong".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("SELECT 1")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(401, r.statusCode(), r.body());
        } finally {
            server.close();
        }
        assertNull(server.directory());
        assertThrows(IllegalArgumentException.class, () -> ClickHouseServer.withUser("a b", "x"));
    }
}
