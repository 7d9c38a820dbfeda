package io.flowtrace.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real {@code nats-server} process on 127.0.0.1 and a free port, optionally with JetStream storing under a
 * directory of the test's, that can be killed and started again on the same port and store. A test must
 * {@link #close()} it (in {@code @AfterEach} or {@code finally}). When the binary is missing the test fails,
 * saying how to install it: these tests are never skipped. Used by one test at a time; not thread-safe beyond
 * {@link #start()} and {@link #kill()}.
 *
 * @since 0.1
 */
public final class NatsServerProcess implements AutoCloseable {
    private final Path binary;
    private final Path dir;
    private final boolean jetStream;
    private final List<String> extraArgs;
    private int port;
    private int monitorPort;
    private Process process;

    /**
     * @param dir       a directory of the test's, for the log and the JetStream store
     * @param jetStream whether to run with {@code -js}
     * @param extraArgs further arguments, e.g. {@code --auth TOKEN}
     * @throws IOException when no free port could be had or the server could not be started
     */
    public NatsServerProcess(Path dir, boolean jetStream, String... extraArgs) throws IOException {
        this.binary = findBinary();
        this.dir = dir;
        this.jetStream = jetStream;
        this.extraArgs = List.of(extraArgs);
        FreePorts.start(() -> {
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                 ServerSocket m = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                this.port = s.getLocalPort();
                this.monitorPort = m.getLocalPort();
            }
        }, this::start, this::log);
    }

    static Path findBinary() {
        List<Path> candidates = new ArrayList<>();
        String configured = System.getenv("NATS_SERVER");
        if (configured != null && !configured.isBlank()) {
            candidates.add(Path.of(configured));
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(java.io.File.pathSeparator)) {
                if (!d.isEmpty()) {
                    candidates.add(Path.of(d, "nats-server"));
                }
            }
        }
        candidates.add(Path.of("/usr/bin/nats-server"));
        candidates.add(Path.of("/usr/sbin/nats-server"));
        candidates.add(Path.of("/usr/local/bin/nats-server"));
        for (Path p : candidates) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return fail("nats-server not found (looked in $NATS_SERVER, $PATH, /usr/bin, /usr/sbin, /usr/local/bin):"
                + " the NATS sink is tested against a real server; install it with"
                + " 'apt-get install nats-server' (Debian) or set NATS_SERVER to the binary");
    }

    /** {@return the server's URL, {@code nats://127.0.0.1:PORT}} */
    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    /** {@return the client port} */
    public int port() {
        return port;
    }

    /**
     * Starts the server (again) and waits until it accepts connections.
     *
     * @throws IOException when it could not be started
     */
    public synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            return;
        }
        int logStart = log().length();
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "-a", "127.0.0.1", "-p", Integer.toString(port),
                "-m", Integer.toString(monitorPort)));
        if (jetStream) {
            cmd.addAll(List.of("-js", "-sd", dir.resolve("jetstream").toString()));
        }
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("nats-server.log").toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            if (!process.isAlive()) {
                fail("nats-server exited with " + process.exitValue() + " at start; its log: " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                break;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    close();
                    fail("nats-server did not listen on port " + port + " within 20 s; its log: " + log());
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while starting nats-server", e);
                }
            }
        }
        if (jetStream) {
            waitForLog("Server is ready", logStart);
        }
    }

    private void waitForLog(String text, int from) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (log().indexOf(text, from) < 0) {
            if (System.nanoTime() > deadline) {
                fail("nats-server did not log '" + text + "' within 20 s; its log: " + log());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }

    /**
     * A counter from the server's monitoring endpoint {@code /varz}, e.g. {@code in_msgs} (messages received from
     * clients since this process started).
     *
     * @param field the counter's name
     * @return its value
     * @throws IOException when the endpoint cannot be read or has no such number
     * @throws InterruptedException when interrupted while waiting for the answer
     */
    public long varz(String field) throws IOException, InterruptedException {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + monitorPort + "/varz"))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + java.util.regex.Pattern.quote(field)
                + "\"\\s*:\\s*(-?\\d+)").matcher(r.body());
        if (!m.find()) {
            throw new IOException("/varz has no number '" + field + "'");
        }
        return Long.parseLong(m.group(1));
    }

    /** Kills the server at once (SIGKILL), as a crash would, and waits until it is gone. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /** {@return what the server has logged so far} */
    public String log() {
        try {
            Path p = dir.resolve("nats-server.log");
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** Kills the server. */
    @Override
    public void close() {
        kill();
    }
}
