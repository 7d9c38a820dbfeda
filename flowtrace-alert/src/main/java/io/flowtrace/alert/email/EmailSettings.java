package io.flowtrace.alert.email;

import io.flowtrace.core.spi.PluginConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code email} notifier's settings, checked at once:
 * <ul>
 *   <li>{@code host} (required), {@code port} (default 587, or 465 with {@code tls: tls}, 25 with {@code tls: none}),
 *   {@code username} and {@code password} (AUTH PLAIN or LOGIN when a username is given), {@code from} (required),
 *   {@code to} (required; comma-separated text or a list): the engine's {@code smtp} block;</li>
 *   <li>{@code tls}: {@code starttls} (required), {@code tls} (implicit TLS, as on port 465), {@code none} (plain,
 *   even with a password); unset: STARTTLS when the server offers it, and plain only without a username, so a
 *   password never goes out in clear unless {@code tls: none} says so;</li>
 *   <li>{@code ca_file}: PEM certificates to trust instead of the JDK's (a private mail relay); the host name is
 *   checked against the certificate either way;</li>
 *   <li>{@code connect_timeout} (10s), {@code timeout} (30s, per reply), {@code retries} (2, after the first try),
 *   {@code retry_backoff} (1s, doubled each retry), {@code retry_budget} (2m: no retry starts later than this after
 *   the first try, so one check's mail cannot hold up the next for long), {@code subject} (the engine's
 *   {@code Go2NetSpectra Alert Summary ({n} Triggered)}; {@code {n}} is the number of fired alerts).</li>
 * </ul>
 */
record EmailSettings(String host, int port, String username, String password, Address from, List<Address> to,
                     Tls tls, Path caFile, Duration connectTimeout, Duration timeout, int retries,
                     Duration retryBackoff, Duration retryBudget, String subject) {

    /** The engine's subject line, kept so its users' mail filters go on working. */
    static final String DEFAULT_SUBJECT = "Go2NetSpectra Alert Summary ({n} Triggered)";

    /** How the connection is protected. */
    enum Tls {
        /** STARTTLS when offered; plain only without credentials. */
        AUTO,
        /** STARTTLS, required. */
        STARTTLS,
        /** TLS from the first byte. */
        TLS,
        /** Never TLS. */
        NONE
    }

    /**
     * A mail address: {@code user@host} or {@code Name <user@host>}.
     *
     * @param header the form for a header
     * @param mailbox the bare address for the envelope
     */
    record Address(String header, String mailbox) {
        private static final Pattern BARE = Pattern.compile("[^\\s<>@,;\"()\\[\\]\\\\]+@[^\\s<>@,;\"()\\[\\]\\\\]+");
        private static final Pattern NAMED = Pattern.compile("([^<>\"\\r\\n]*)<(" + BARE.pattern() + ")>");

        static Address parse(String text) {
            String t = text.trim();
            if (BARE.matcher(t).matches()) {
                return new Address(t, t);
            }
            Matcher m = NAMED.matcher(t);
            if (m.matches()) {
                String name = m.group(1).trim();
                String header = name.isEmpty() ? "<" + m.group(2) + ">"
                        : MimeText.encodeWord(name) + " <" + m.group(2) + ">";
                return new Address(header, m.group(2));
            }
            throw new IllegalArgumentException("'" + t + "' (expected: user@host or Name <user@host>)");
        }
    }

    /** Keeps the password out of every printed form. */
    @Override
    public String toString() {
        return "smtp " + host + ":" + port + " tls=" + tls.name().toLowerCase(java.util.Locale.ROOT)
                + (username == null ? "" : " user=" + username) + " to=" + to.size();
    }

    static EmailSettings read(PluginConfig c) {
        String host = c.requireString("host");
        if (host != null && (host.isBlank() || host.chars().anyMatch(ch -> ch <= ' ' || ch == '/'))) {
            c.error("host: '" + host + "' (expected: a host name or address, without scheme or port)");
        }
        Tls tls = Tls.valueOf(c.getChoice("tls", "auto", "auto", "starttls", "tls", "none")
                .toUpperCase(java.util.Locale.ROOT));
        int defaultPort = tls == Tls.TLS ? 465 : tls == Tls.NONE ? 25 : 587;
        int port = c.getInt("port", defaultPort, 1, 65535);
        String username = c.getString("username", "");
        String password = c.getString("password", "");
        if (username.isEmpty() && !password.isEmpty()) {
            c.error("password: given without username (expected: both, or neither)");
        }
        Address from = null;
        String fromText = c.requireString("from");
        if (fromText != null) {
            try {
                from = Address.parse(fromText);
            } catch (IllegalArgumentException e) {
                c.error("from: " + e.getMessage());
            }
        }
        List<Address> to = new ArrayList<>();
        for (String t : c.getList("to", List.of())) {
            if (t.isBlank()) {
                continue;
            }
            try {
                to.add(Address.parse(t));
            } catch (IllegalArgumentException e) {
                c.error("to: " + e.getMessage());
            }
        }
        if (to.isEmpty() && c.values().containsKey("to")) {
            c.error("to: no address (expected: comma-separated addresses)");
        } else if (!c.values().containsKey("to")) {
            c.error("to: missing (required: comma-separated addresses)");
        }
        String ca = c.getString("ca_file", "");
        Path caFile = ca.isBlank() ? null : Path.of(ca.trim());
        Duration connectTimeout = c.getDuration("connect_timeout", Duration.ofSeconds(10));
        Duration timeout = c.getDuration("timeout", Duration.ofSeconds(30));
        int retries = c.getInt("retries", 2, 0, 10);
        Duration backoff = c.getDuration("retry_backoff", Duration.ofSeconds(1));
        Duration budget = c.getDuration("retry_budget", Duration.ofMinutes(2));
        String subject = c.getString("subject", DEFAULT_SUBJECT);
        if (subject.indexOf('\r') >= 0 || subject.indexOf('\n') >= 0 || subject.isBlank()) {
            c.error("subject: a line of text expected (no line breaks)");
        }
        for (Duration d : new Duration[] {connectTimeout, timeout}) {
            if (d != null && (d.isNegative() || d.isZero())) {
                c.error("connect_timeout and timeout must be positive");
                break;
            }
        }
        c.validate();
        return new EmailSettings(host.trim(), port, username.isEmpty() ? null : username,
                password.isEmpty() ? null : password, from, List.copyOf(to), tls, caFile, connectTimeout, timeout,
                retries, backoff, budget, subject);
    }
}
