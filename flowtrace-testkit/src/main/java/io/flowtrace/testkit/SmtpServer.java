package io.flowtrace.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real SMTP server for tests: Debian's {@code python3-aiosmtpd} under {@code /usr/bin/python3}, on a free loopback
 * port, in a directory of its own under the system's temporary directory. Plain, with STARTTLS, or TLS from the first
 * byte, with a self-signed (P-256) certificate for {@code 127.0.0.1} and {@code localhost} made by {@code openssl}
 * ({@link #caFile()}); optionally requiring AUTH (PLAIN and LOGIN) with one user. Each message it accepts is parsed by
 * Python's {@code email} package, an implementation independent of the one tested, and read back as a
 * {@link Message} with its subject decoded. {@link #close()} stops the server and deletes its directory. When
 * aiosmtpd is missing the test fails saying how to install it. Thread-safe.
 *
 * @since 0.1
 */
public final class SmtpServer implements AutoCloseable {
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    /** How the server protects the connection. */
    public enum Mode {
        /** No TLS at all. */
        PLAIN,
        /** Offers STARTTLS. */
        STARTTLS,
        /** TLS from the first byte (as on port 465). */
        TLS
    }

    /**
     * One accepted message, as Python's {@code email} package read it.
     *
     * @param from        the envelope sender
     * @param recipients  the envelope recipients
     * @param subject     the Subject header, RFC 2047 words decoded
     * @param contentType the message's content type ({@code multipart/alternative})
     * @param text        the text/plain part, or empty
     * @param html        the text/html part, or empty
     * @param raw         the message as received
     */
    public record Message(String from, List<String> recipients, String subject, String contentType, String text,
                          String html, String raw) {
    }

    private final Path dir;
    private final int port;
    private final Mode mode;
    private final Process process;

    private SmtpServer(Mode mode, String user, String password, boolean authInClear) throws IOException {
        if (!Files.isExecutable(PYTHON) || !aiosmtpd()) {
            throw new AssertionError("/usr/bin/python3 with aiosmtpd not found: the email notifier is tested against "
                    + "a real SMTP server; install it with 'apt-get install python3-aiosmtpd' (Debian) or "
                    + "scripts/install-deps.sh --test");
        }
        this.mode = mode;
        this.dir = Files.createTempDirectory("flowtrace-smtp-");
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = s.getLocalPort();
        }
        Path script = dir.resolve("smtp_server.py");
        try (InputStream in = Objects.requireNonNull(SmtpServer.class.getResourceAsStream("smtp_server.py"))) {
            Files.copy(in, script);
        }
        if (mode != Mode.PLAIN) {
            run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout",
                    dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString()));
        }
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), script.toString(), String.valueOf(port),
                dir.toString(), mode.name().toLowerCase(java.util.Locale.ROOT)));
        if (user != null) {
            cmd.add(user);
            cmd.add(password);
            if (authInClear) {
                cmd.add("clear");
            }
        }
        process = new ProcessBuilder(cmd).redirectError(dir.resolve("server.log").toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        String line = out.readLine(); // the script prints READY once it listens, or exits
        if (!"READY".equals(line)) {
            String log = Files.readString(dir.resolve("server.log"));
            close();
            throw new AssertionError("the SMTP server did not start: " + log);
        }
    }

    /**
     * {@return a started server without AUTH}
     *
     * @param mode plain, STARTTLS or TLS
     * @throws IOException when it cannot be started
     */
    public static SmtpServer start(Mode mode) throws IOException {
        return new SmtpServer(mode, null, null, false);
    }

    /**
     * {@return a started server that requires AUTH as {@code user}}
     *
     * @param mode        plain, STARTTLS or TLS
     * @param user        the user name
     * @param password    the password
     * @param authInClear whether AUTH is offered before TLS too (only then can a plain server take it)
     * @throws IOException when it cannot be started
     */
    public static SmtpServer startWithAuth(Mode mode, String user, String password, boolean authInClear)
            throws IOException {
        return new SmtpServer(mode, user, password, authInClear);
    }

    private static boolean aiosmtpd() {
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import aiosmtpd").redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd.subList(0, 2)) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** {@return the host to connect to: {@code 127.0.0.1}} */
    public String host() {
        return "127.0.0.1";
    }

    /** {@return the port it listens on} */
    public int port() {
        return port;
    }

    /** {@return how it protects the connection} */
    public Mode mode() {
        return mode;
    }

    /** {@return the PEM file of its self-signed certificate, to trust; absent in {@link Mode#PLAIN}} */
    public Path caFile() {
        return dir.resolve("cert.pem");
    }

    /** {@return each AUTH try as {@code MECHANISM LOGIN ok|refused}, in order} */
    public List<String> authAttempts() {
        try {
            Path log = dir.resolve("auth.log");
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@return the messages accepted so far, in order} */
    public List<Message> messages() {
        Path mail = dir.resolve("mail");
        List<Message> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(mail)) {
            for (Path m : s.sorted(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString())))
                    .toList()) {
                out.add(new Message(read(m, "from"), List.of(read(m, "rcpt").strip().split("\n")),
                        read(m, "subject"), read(m, "content_type"), read(m, "text"), read(m, "html"),
                        read(m, "raw.eml")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * {@return the messages, once there are at least {@code n}}
     *
     * @param n       how many to wait for
     * @param timeout how long at most
     * @throws AssertionError when fewer arrive in time
     */
    public List<Message> awaitMessages(int n, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Message> m = messages();
            if (m.size() >= n) {
                return m;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("the SMTP server got " + m.size() + " message(s), expected " + n);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }

    private static String read(Path m, String name) throws IOException {
        Path f = m.resolve(name);
        return Files.exists(f) ? Files.readString(f) : "";
    }

    /** Stops the server and deletes its directory. */
    @Override
    public void close() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a temporary directory left behind is not worth failing a test for
        }
    }
}
