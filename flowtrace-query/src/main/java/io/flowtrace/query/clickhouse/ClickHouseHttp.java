package io.flowtrace.query.clickhouse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ClickHouse's HTTP interface: statements in the request body, rows in and out as {@code JSONEachRow}, the user by
 * HTTP Basic. It is the interface every ClickHouse version speaks (Debian 12's 18.16 included), unlike the
 * binary formats and query parameters of newer clients, so values go into SQL as escaped literals
 * ({@link #quote}). TLS ({@code https}) is verified against the JDK's trust store, host name included.
 * Thread-safe.
 */
final class ClickHouseHttp {
    /** What 18.16 (and later versions) answer to HTTP on the native protocol's port, in its {@code 400} body. */
    private static final Pattern NATIVE_PORT = Pattern.compile(
            "Port (\\d+) is for clickhouse-client program\\.?\\s*You must use port (\\d+) for HTTP",
            Pattern.CASE_INSENSITIVE);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client;
    private final URI base;
    private final String database;
    private final String user;
    private final String authorization;
    private final Duration timeout;

    /**
     * @param base     {@code http://host:port} or {@code https://host:port}
     * @param database the database statements run in (null: the user's default)
     * @param user     the user
     * @param password its password
     * @param timeout  the longest one request may take
     */
    ClickHouseHttp(URI base, String database, String user, String password, Duration timeout) {
        this.base = base;
        this.database = database;
        this.user = user;
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.timeout = timeout;
        // HTTP/1.1: an h2c upgrade offer is nothing an old server needs to see
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10))
                .build();
    }

    /** {@return where this client sends statements, e.g. {@code http://127.0.0.1:8123}} */
    URI base() {
        return base;
    }

    /** {@return the user's name} */
    String user() {
        return user;
    }

    /**
     * Runs a statement that answers nothing (DDL).
     *
     * @param sql        the statement
     * @param inDatabase whether it runs in the configured database (false: before it exists)
     * @throws Failure when it fails
     */
    void execute(String sql, boolean inDatabase) throws Failure {
        send(sql, null, inDatabase);
    }

    /**
     * Runs a {@code SELECT ... FORMAT JSONEachRow} and parses its rows.
     *
     * @param sql the query, ending in {@code FORMAT JSONEachRow}
     * @return one node per row
     * @throws Failure when it fails
     */
    List<JsonNode> select(String sql) throws Failure {
        String body = send(sql, null, true);
        List<JsonNode> rows = new ArrayList<>();
        try {
            for (String line : body.split("\n")) {
                if (!line.isBlank()) {
                    rows.add(JSON.readTree(line));
                }
            }
        } catch (IOException e) {
            throw new Failure(Kind.ANSWER, "ClickHouse at " + base + " answered rows that are not JSON: "
                    + e.getMessage(), e);
        }
        return rows;
    }

    /**
     * Inserts rows.
     *
     * @param table the table
     * @param rows  {@code JSONEachRow}: one JSON object a line
     * @throws Failure when they were not inserted
     */
    void insert(String table, byte[] rows) throws Failure {
        send("INSERT INTO " + table + " FORMAT JSONEachRow", rows, true);
    }

    /**
     * Checks that the server answers and the user is let in: {@code SELECT version()}.
     *
     * @return the server's version
     * @throws Failure when not
     */
    String version() throws Failure {
        return send("SELECT version()", null, false).trim();
    }

    private String send(String sql, byte[] rows, boolean inDatabase) throws Failure {
        StringBuilder uri = new StringBuilder(base.toString()).append("/?");
        if (inDatabase && database != null) {
            uri.append("database=").append(URLEncoder.encode(database, StandardCharsets.UTF_8)).append('&');
        }
        HttpRequest.BodyPublisher body;
        if (rows == null) {
            body = HttpRequest.BodyPublishers.ofString(sql);
        } else {
            uri.append("query=").append(URLEncoder.encode(sql, StandardCharsets.UTF_8));
            body = HttpRequest.BodyPublishers.ofByteArray(rows);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(uri.toString()))
                .timeout(timeout)
                .header("Authorization", authorization)
                .POST(body)
                .build();
        HttpResponse<String> r;
        try {
            r = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (SSLException e) {
            throw new Failure(Kind.TLS, "TLS with ClickHouse at " + base + " failed: " + e.getMessage()
                    + " (the server's certificate is checked against the JDK's trust store and its host name; a"
                    + " private CA goes into a trust store given with -Djavax.net.ssl.trustStore)", e);
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new Failure(Kind.UNREACHABLE, "ClickHouse at " + base + " is not reachable: " + describe(e), e);
        } catch (HttpTimeoutException e) {
            throw new Failure(Kind.UNREACHABLE, "ClickHouse at " + base + " did not answer within " + timeout, e);
        } catch (IOException e) {
            throw new Failure(Kind.UNREACHABLE, "ClickHouse at " + base + " broke off: " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(Kind.UNREACHABLE, "interrupted while talking to ClickHouse at " + base, e);
        }
        if (r.statusCode() == 200) {
            return r.body();
        }
        String text = r.body() == null ? "" : r.body().trim();
        Matcher m = NATIVE_PORT.matcher(text);
        if (m.find()) {
            throw new Failure(Kind.NATIVE_PORT, "port " + base.getPort() + " of " + base.getHost()
                    + " is ClickHouse's native protocol port (the server answers HTTP there with: '"
                    + text.replaceAll("\\s+", " ") + "'); flowtrace speaks ClickHouse's HTTP interface: set http_port"
                    + " (" + m.group(2) + " on this server)", null, Integer.parseInt(m.group(2)));
        }
        int code = errorCode(text);
        // 192 unknown user, 193 wrong password, 194 password required, 195 IP not allowed, 516 newer servers
        if (r.statusCode() == 401 || r.statusCode() == 403 || code == 192 || code == 193 || code == 194
                || code == 195 || code == 516) {
            throw new Failure(Kind.AUTH, "ClickHouse at " + base + " refused user '" + user + "': " + message(text)
                    + " (check username and password)", null);
        }
        // the server is up but cannot serve now (too many queries, shutting down, a proxy's 502/503/504)
        boolean transientStatus = r.statusCode() >= 500 && (code == 202 || code == 0 || code == 210
                || code == 209 || code == 159 || code == 394);
        Failure f = new Failure(transientStatus ? Kind.UNREACHABLE : Kind.REFUSED, "ClickHouse at " + base
                + " answered " + r.statusCode() + " to '" + abbreviate(sql) + "': " + message(text), null);
        f.code = code;
        throw f;
    }

    private static String describe(IOException e) {
        if (e instanceof ConnectException && e.getMessage() == null) {
            return "connection refused";
        }
        String m = e.getMessage();
        if (m == null && e.getCause() != null) {
            m = e.getCause().toString();
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** {@return ClickHouse's error code in {@code Code: N, e.displayText() = ...}, 0 when there is none} */
    static int errorCode(String text) {
        Matcher m = Pattern.compile("Code: (\\d+)").matcher(text);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /** {@return the error's own words, without the exception class noise of old servers} */
    static String message(String text) {
        Matcher m = Pattern.compile("e\\.displayText\\(\\) = (?:DB::Exception: )?(.*?)(?:, e\\.what\\(\\) = .*)?$",
                Pattern.DOTALL).matcher(text);
        String s = m.find() ? m.group(1) : text;
        s = s.replaceAll("\\s+", " ").trim();
        return s.length() > 500 ? s.substring(0, 500) + "..." : s;
    }

    private static String abbreviate(String sql) {
        String s = sql.replaceAll("\\s+", " ").trim();
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    /**
     * {@return {@code text} as a ClickHouse string literal: in single quotes, quote and backslash escaped, control
     * characters as {@code \xHH}}
     *
     * @param text any text
     */
    static String quote(String text) {
        StringBuilder b = new StringBuilder(text.length() + 2).append('\'');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\'' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02X", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('\'').toString();
    }

    /**
     * {@return a number column of a {@code JSONEachRow} row: old servers write 64-bit integers as quoted text}
     *
     * @param row   the row
     * @param field the column
     */
    static long longOf(JsonNode row, String field) {
        JsonNode n = row.get(field);
        if (n == null || n.isNull()) {
            return 0;
        }
        if (n.isTextual()) {
            String t = n.asText();
            return t.startsWith("-") ? Long.parseLong(t) : clamp(Long.parseUnsignedLong(t));
        }
        return n.isBigInteger() ? Long.MAX_VALUE : n.asLong();
    }

    private static long clamp(long unsigned) {
        return unsigned < 0 ? Long.MAX_VALUE : unsigned;
    }

    /**
     * Runs {@code op} until it succeeds, retrying while ClickHouse is unreachable, with growing pauses, until
     * {@code budgetNanos} have passed.
     *
     * @param op          the operation
     * @param budgetNanos how long to keep retrying
     * @param clock       nanoTime
     * @param sleeper     pauses
     * @param <T>         its answer
     * @return the answer
     * @throws Failure the last failure, when the budget is spent or the failure is not one that passes
     */
    static <T> T retrying(Op<T> op, long budgetNanos, LongSupplier clock, Sleeper sleeper) throws Failure {
        long deadline = clock.getAsLong() + budgetNanos;
        long pause = 100_000_000L;
        int attempts = 0;
        while (true) {
            try {
                return op.run();
            } catch (Failure f) {
                attempts++;
                long now = clock.getAsLong();
                if (f.kind() != Kind.UNREACHABLE || now - deadline >= 0) {
                    f.attempts = attempts;
                    throw f;
                }
                long left = deadline - now;
                try {
                    sleeper.sleep(Math.min(pause, left));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    f.attempts = attempts;
                    throw f;
                }
                pause = Math.min(pause * 2, 2_000_000_000L);
            }
        }
    }

    /** An operation against the server. */
    interface Op<T> {
        T run() throws Failure;
    }

    /** Waits. */
    interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    /** What went wrong: decides whether a retry can help and what the user must change. */
    enum Kind {
        /** Not reachable, broke off, timed out or busy: retried within the budget. */
        UNREACHABLE,
        /** The port is the native protocol's: a setting is wrong. */
        NATIVE_PORT,
        /** The user or password is refused. */
        AUTH,
        /** TLS failed (certificate not trusted, not TLS on the other side). */
        TLS,
        /** The server refused the statement (a SQL error, a missing table). */
        REFUSED,
        /** The answer could not be read. */
        ANSWER
    }

    /** A failed request, with what kind of failure it is. */
    static final class Failure extends IOException {
        private static final long serialVersionUID = 1L;
        private final Kind kind;
        private final int httpPort;
        private int attempts = 1;
        private int code;

        Failure(Kind kind, String message, Throwable cause) {
            this(kind, message, cause, 0);
        }

        Failure(Kind kind, String message, Throwable cause, int httpPort) {
            super(message, cause);
            this.kind = kind;
            this.httpPort = httpPort;
        }

        Kind kind() {
            return kind;
        }

        /** {@return the HTTP port a native port's answer named, 0 when none} */
        int httpPort() {
            return httpPort;
        }

        /** {@return ClickHouse's error code, 0 when it gave none} */
        int code() {
            return code;
        }

        /** {@return how many attempts were made} */
        int attempts() {
            return attempts;
        }

        UncheckedIOException unchecked() {
            return new UncheckedIOException(getMessage(), this);
        }
    }
}
