package io.flowtrace.sinks.nats;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.sinks.internal.Redact;
import io.flowtrace.sinks.internal.UserInfo;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How a NATS client connects: servers, authentication, TLS and reconnection, read from a plugin's settings with the
 * keys and meaning of the {@code nats} sink ({@code url}, {@code token}, {@code user}, {@code password},
 * {@code credentials}, {@code tls}, {@code truststore}, {@code truststore-password}, {@code connect-timeout},
 * {@code reconnect-wait}, {@code max-reconnects}, {@code reconnect-buffer}; see {@link NatsSinkProvider}), so that
 * every NATS plugin is configured alike. {@link #toString()} never shows secrets. Immutable.
 *
 * @since 0.1
 */
public final class NatsClientSettings {
    private final List<String> servers;
    private final String token;
    private final String user;
    private final String password;
    private final Path credentials;
    private final String tls;
    private final Path truststore;
    private final String truststorePassword;
    private final Duration connectTimeout;
    private final Duration reconnectWait;
    private final int maxReconnects;
    private final long reconnectBuffer;

    NatsClientSettings(List<String> servers, String token, String user, String password, Path credentials,
                       String tls, Path truststore, String truststorePassword, Duration connectTimeout,
                       Duration reconnectWait, int maxReconnects, long reconnectBuffer) {
        this.servers = List.copyOf(servers);
        this.token = token;
        this.user = user;
        this.password = password;
        this.credentials = credentials;
        this.tls = tls;
        this.truststore = truststore;
        this.truststorePassword = truststorePassword;
        this.connectTimeout = connectTimeout;
        this.reconnectWait = reconnectWait;
        this.maxReconnects = maxReconnects;
        this.reconnectBuffer = reconnectBuffer;
    }

    /**
     * Reads the connection keys from {@code config}, recording every problem in it; the caller reads its own keys
     * and then calls {@link PluginConfig#validate()}.
     *
     * @param config the plugin's settings
     * @return the settings (with defaults where a value was bad; {@code validate()} then fails)
     */
    public static NatsClientSettings read(PluginConfig config) {
        List<String> servers = new ArrayList<>();
        String urlUserInfo = null;
        for (String u : config.getString("url", "nats://127.0.0.1:4222").trim().split("[\\s,;]+")) {
            String lower = u.toLowerCase(Locale.ROOT);
            if (u.isEmpty()) {
                continue;
            }
            if (!lower.matches("(nats|tls|ws|wss|opentls)://[^/?#]+/?")) {
                config.error("url: '" + Redact.url(u) + "'" + (u.matches(".*[?#].*") ? " with a query" : "")
                        + " (expected: nats://host:port or tls://host:port)");
                continue;
            }
            // user information goes into the connect options, so the URL jnats keeps and reports has none
            int at = u.lastIndexOf('@');
            if (at >= 0) {
                int start = u.indexOf("://") + 3;
                String info = u.substring(start, at);
                if (urlUserInfo != null && !urlUserInfo.equals(info)) {
                    config.error("url: the servers give different user information (expected: the same on each,"
                            + " or user/password or token settings)");
                }
                urlUserInfo = info;
                u = u.substring(0, start) + u.substring(at + 1);
            }
            servers.add(u);
        }
        if (servers.isEmpty()) {
            config.error("url: no server given");
        }
        String token = config.getString("token", null);
        String user = config.getString("user", null);
        String password = config.getString("password", null);
        Path credentials = file(config, "credentials");
        String tls = config.getChoice("tls", "off", "off", "on", "insecure");
        Path truststore = file(config, "truststore");
        String truststorePassword = config.getString("truststore-password", null);
        Duration connectTimeout = config.getDuration("connect-timeout", Duration.ofSeconds(5));
        Duration reconnectWait = config.getDuration("reconnect-wait", Duration.ofSeconds(1));
        int maxReconnects = config.getInt("max-reconnects", -1, -1, Integer.MAX_VALUE);
        long reconnectBuffer = config.getSize("reconnect-buffer", 8L << 20, 0, 1L << 32);
        if (urlUserInfo != null) {
            if (token != null || user != null || credentials != null) {
                config.error("url: has user information, and token, user or credentials is set too (expected: one"
                        + " way to authenticate)");
            } else {
                try {
                    int colon = urlUserInfo.indexOf(':');
                    if (colon < 0) {
                        token = UserInfo.decode(urlUserInfo);
                    } else {
                        user = UserInfo.decode(urlUserInfo.substring(0, colon));
                        password = UserInfo.decode(urlUserInfo.substring(colon + 1));
                    }
                } catch (IllegalArgumentException e) {
                    config.error("url: user information has a bad %-escape");
                }
            }
        }
        if (password != null && user == null) {
            config.error("password: given without user");
        }
        if ((token != null ? 1 : 0) + (user != null ? 1 : 0) + (credentials != null ? 1 : 0) > 1) {
            config.error("token, user and credentials: give only one way to authenticate");
        }
        if (truststore != null && !"on".equals(tls)) {
            config.error("truststore: only with tls=on");
        }
        if (connectTimeout.isZero()) {
            config.error("connect-timeout: 0 (expected: > 0)");
        }
        return new NatsClientSettings(servers, token, user, password, credentials, tls, truststore,
                truststorePassword, connectTimeout, reconnectWait, maxReconnects, reconnectBuffer);
    }

    private static Path file(PluginConfig config, String key) {
        String text = config.getString(key, null);
        if (text == null) {
            return null;
        }
        Path p = Path.of(text);
        if (!Files.isReadable(p)) {
            config.error(key + ": '" + text + "' is not a readable file");
        }
        return p;
    }

    /**
     * jnats options for these servers, authentication, TLS and reconnection; the caller adds its listeners.
     *
     * @param connectionName the name the server shows for the connection
     * @return the options, to be completed and built
     * @throws IOException when TLS is asked for and the JVM has none, or the trust store cannot be read
     */
    public Options.Builder options(String connectionName) throws IOException {
        Options.Builder b = new Options.Builder()
                .servers(servers.toArray(new String[0]))
                .connectionName(connectionName)
                .connectionTimeout(connectTimeout)
                .reconnectWait(reconnectWait)
                .maxReconnects(maxReconnects)
                .reconnectBufferSize(reconnectBuffer);
        if (token != null) {
            b.token(token.toCharArray());
        }
        if (user != null) {
            b.userInfo(user.toCharArray(), password == null ? new char[0] : password.toCharArray());
        }
        if (credentials != null) {
            b.authHandler(Nats.credentials(credentials.toString()));
        }
        if (truststore != null) {
            b.truststorePath(truststore.toString());
            if (truststorePassword != null) {
                b.truststorePassword(truststorePassword.toCharArray());
            }
        }
        try {
            if ("on".equals(tls) && truststore == null) {
                b.secure();
            } else if ("insecure".equals(tls)) {
                b.opentls();
            }
        } catch (NoSuchAlgorithmException e) {
            throw new IOException("TLS is not available in this JVM", e);
        }
        return b;
    }

    /** {@return the server URLs, without user information} */
    public List<String> servers() {
        return servers;
    }

    String token() {
        return token;
    }

    String user() {
        return user;
    }

    String password() {
        return password;
    }

    Path credentials() {
        return credentials;
    }

    String tls() {
        return tls;
    }

    Path truststore() {
        return truststore;
    }

    String truststorePassword() {
        return truststorePassword;
    }

    Duration connectTimeout() {
        return connectTimeout;
    }

    Duration reconnectWait() {
        return reconnectWait;
    }

    int maxReconnects() {
        return maxReconnects;
    }

    long reconnectBuffer() {
        return reconnectBuffer;
    }

    /** {@return the servers and TLS mode; never secrets} */
    @Override
    public String toString() {
        return "nats " + servers + (tls.equals("off") ? "" : " tls=" + tls);
    }
}
