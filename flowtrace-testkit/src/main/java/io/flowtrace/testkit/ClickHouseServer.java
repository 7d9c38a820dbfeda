package io.flowtrace.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code clickhouse-server} for tests: started on free loopback ports (HTTP, native and interserver) with a
 * data directory of its own under the system's temporary directory and a generated {@code config.xml} and
 * {@code users.xml} (one user with a password, so clients authenticate with HTTP Basic), ready once {@code GET /ping}
 * answers. {@link #close()} stops it and deletes the directory; a JVM shutdown hook does the same when a test run is
 * cut short, so no server outlives the tests. It runs as any user, root included (the server does not refuse root;
 * its files are made by the user that starts it).
 *
 * <p>Use it as a JUnit 5 extension, started before a class's tests and stopped after them:
 * <pre>{@code
 * @RegisterExtension
 * static final ClickHouseServer CLICKHOUSE = ClickHouseServer.withUser("flowtrace", "secret");
 * }</pre>
 * or directly with {@link #start()} and {@link #close()} in a {@code try}. {@link #stop()} and {@link #start()} take
 * it down and up again on the same ports and data, as an outage would.
 *
 * <p>The binary is {@code $CLICKHOUSE_SERVER}, else {@code clickhouse-server} on the {@code PATH} or in
 * {@code /usr/sbin} and {@code /usr/bin} (Debian's package {@code clickhouse-server}); when none is found the test
 * fails saying how to install it. Thread-safe.
 *
 * @since 0.1
 */
public final class ClickHouseServer implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
    private static final Duration READY = Duration.ofSeconds(90);
    private static final Duration STOP = Duration.ofSeconds(30);

    private final String user;
    private final String password;
    private final String timezone;
    private Path binary;
    private Path dir;
    private int httpPort;
    private int tcpPort;
    private int interserverPort;
    private Process process;
    private Thread hook;

    private ClickHouseServer(String user, String password, String timezone) {
        this.user = user;
        this.password = password;
        this.timezone = timezone;
    }

    /**
     * {@return a server (not started yet) with one user, whose time zone is {@code Asia/Shanghai}: a server whose
     * local time is not UTC shows where a client writes local time}
     *
     * @param user     the user's name
     * @param password its password (plain text in the generated {@code users.xml})
     */
    public static ClickHouseServer withUser(String user, String password) {
        return withUser(user, password, "Asia/Shanghai");
    }

    /**
     * {@return a server (not started yet) with one user and a server time zone}
     *
     * @param user     the user's name
     * @param password its password
     * @param timezone the server's {@code timezone} setting, an IANA name
     */
    public static ClickHouseServer withUser(String user, String password, String timezone) {
        for (String s : List.of(user, password, timezone)) {
            if (!s.matches("[A-Za-z0-9_/+.-]+")) {
                throw new IllegalArgumentException("'" + s + "' (expected: letters, digits and _/+.- only)");
            }
        }
        return new ClickHouseServer(user, password, timezone);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /**
     * Starts the server (again, on the same ports and data after {@link #stop()}) and waits until {@code /ping}
     * answers.
     *
     * @throws IOException when it cannot be started or is not ready within 90 s (with its log)
     */
    public synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            return;
        }
        boolean fresh = dir == null;
        if (fresh) {
            binary = binary();
            dir = Files.createTempDirectory("flowtrace-clickhouse");
            hook = new Thread(this::close, "clickhouse-server-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
            FreePorts.start(() -> {
                choosePorts();
                writeConfig();
            }, this::launch, this::log);
        } else {
            launch();
        }
    }

    /** Starts the process and waits for {@code /ping}; stops it and throws with its log when it does not answer. */
    private void launch() throws IOException {
        process = new ProcessBuilder(binary.toString(), "--config-file=" + dir.resolve("config.xml"))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile()))
                .start();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + READY.toNanos();
        while (true) {
            if (!process.isAlive()) {
                int status = process.exitValue();
                process = null;
                throw new IOException("clickhouse-server exited with " + status + " at start; its log:\n" + log());
            }
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(httpUrl() + "/ping"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop();
                throw new IOException("interrupted while starting clickhouse-server", e);
            }
            if (System.nanoTime() > deadline) {
                String log = log();
                stop();
                throw new IOException("clickhouse-server did not answer /ping on port " + httpPort + " within "
                        + READY.toSeconds() + " s; its log:\n" + log);
            }
            sleep(100);
        }
    }

    /**
     * Stops the server (SIGTERM, SIGKILL if it has not gone after 30 s), keeping its ports and data for
     * {@link #start()}.
     */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        Process p = process;
        process = null;
        p.destroy();
        try {
            if (!p.waitFor(STOP.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(STOP.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the server at once (SIGKILL), as a crash would, keeping its ports and data for {@link #start()}. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        Process p = process;
        process = null;
        p.destroyForcibly();
        try {
            p.waitFor(STOP.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the server and deletes its directory. Safe to call more than once. */
    @Override
    public synchronized void close() {
        kill();
        if (dir != null) {
            try {
                deleteTree(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("deleting " + dir, e);
            } finally {
                dir = null;
                if (hook != null && Thread.currentThread() != hook) {
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException shuttingDown) {
                        // the hook runs or has run
                    }
                }
                hook = null;
            }
        }
    }

    /** {@return the server's directory (configuration, data, log), null once closed} */
    public synchronized Path directory() {
        return dir;
    }

    /** {@return the server process's id, -1 when it is not running} */
    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** {@return whether the server process is running} */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** {@return the HTTP interface's port} */
    public int httpPort() {
        return httpPort;
    }

    /** {@return the native protocol's port (what the engine's users give as {@code port})} */
    public int tcpPort() {
        return tcpPort;
    }

    /** {@return {@code http://127.0.0.1:PORT}, the HTTP interface} */
    public String httpUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    /** {@return the user's name} */
    public String user() {
        return user;
    }

    /** {@return the user's password} */
    public String password() {
        return password;
    }

    /** {@return the server's time zone} */
    public String timezone() {
        return timezone;
    }

    /**
     * Runs one SQL statement over HTTP as the user and returns the answer's text (for a test's own checks, e.g. with
     * {@code FORMAT JSONEachRow}).
     *
     * @param sql the statement
     * @return the body of the answer
     * @throws IOException when the server cannot be reached or answers with an error (its status and text)
     */
    public String query(String sql) throws IOException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        try {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(httpUrl() + "/"))
                    .timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Basic " + auth)
                    .POST(HttpRequest.BodyPublishers.ofString(sql)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("clickhouse-server answered " + r.statusCode() + " to '" + sql + "': "
                        + r.body().trim());
            }
            return r.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** {@return the server's console log so far} */
    public synchronized String log() {
        try {
            Path p = dir == null ? null : dir.resolve("server.log");
            return p != null && Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private void writeConfig() throws IOException {
        String d = dir.toAbsolutePath() + "/";
        String config = "<?xml version=\"1.0\"?>\n<yandex>\n"
                + "  <logger><level>warning</level><console>1</console></logger>\n"
                + "  <http_port>" + httpPort + "</http_port>\n"
                + "  <tcp_port>" + tcpPort + "</tcp_port>\n"
                + "  <interserver_http_port>" + interserverPort + "</interserver_http_port>\n"
                + "  <listen_host>127.0.0.1</listen_host>\n"
                + "  <path>" + d + "data/</path>\n"
                + "  <tmp_path>" + d + "tmp/</tmp_path>\n"
                + "  <user_files_path>" + d + "user_files/</user_files_path>\n"
                + "  <format_schema_path>" + d + "format_schemas/</format_schema_path>\n"
                + "  <users_config>" + d + "users.xml</users_config>\n"
                + "  <default_profile>default</default_profile>\n"
                + "  <default_database>default</default_database>\n"
                // small caches: a test server shares the machine
                + "  <mark_cache_size>16777216</mark_cache_size>\n"
                + "  <uncompressed_cache_size>16777216</uncompressed_cache_size>\n"
                + "  <timezone>" + timezone + "</timezone>\n"
                + "</yandex>\n";
        String users = "<?xml version=\"1.0\"?>\n<yandex>\n"
                + "  <profiles><default></default></profiles>\n"
                + "  <users>\n"
                + "    <" + user + "><password>" + password + "</password>"
                + "<networks><ip>127.0.0.1</ip><ip>::1</ip></networks>"
                + "<profile>default</profile><quota>default</quota></" + user + ">\n"
                + "  </users>\n"
                + "  <quotas><default></default></quotas>\n"
                + "</yandex>\n";
        Files.writeString(dir.resolve("config.xml"), config);
        Files.writeString(dir.resolve("users.xml"), users);
    }

    static Path binary() {
        List<Path> candidates = new ArrayList<>();
        String configured = System.getenv("CLICKHOUSE_SERVER");
        if (configured != null && !configured.isBlank()) {
            candidates.add(Path.of(configured));
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String p : path.split(java.io.File.pathSeparator)) {
                if (!p.isEmpty()) {
                    candidates.add(Path.of(p, "clickhouse-server"));
                }
            }
        }
        candidates.add(Path.of("/usr/sbin/clickhouse-server"));
        candidates.add(Path.of("/usr/bin/clickhouse-server"));
        for (Path p : candidates) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new IllegalStateException("clickhouse-server not found (looked in $CLICKHOUSE_SERVER, $PATH, /usr/sbin,"
                + " /usr/bin): the ClickHouse store is tested against a real server; install it with"
                + " 'apt-get install clickhouse-server' (Debian) or scripts/install-deps.sh --test");
    }

    /** Three distinct free ports: the sockets are held together while their ports are read. */
    private void choosePorts() throws IOException {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (ServerSocket a = new ServerSocket(0, 1, lo); ServerSocket b = new ServerSocket(0, 1, lo);
             ServerSocket c = new ServerSocket(0, 1, lo)) {
            httpPort = a.getLocalPort();
            tcpPort = b.getLocalPort();
            interserverPort = c.getLocalPort();
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
