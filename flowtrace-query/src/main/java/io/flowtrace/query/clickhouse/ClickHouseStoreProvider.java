package io.flowtrace.query.clickhouse;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.query.clickhouse.ClickHouseHttp.Failure;
import io.flowtrace.query.clickhouse.ClickHouseHttp.Kind;
import io.flowtrace.query.spi.SnapshotStore;
import io.flowtrace.query.spi.SnapshotStoreProvider;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The {@code clickhouse} store: snapshots in the analysis engine's own ClickHouse tables ({@code flow_metrics},
 * {@code heavy_hitters}), through ClickHouse's HTTP interface. Its keys are those of the engine's {@code clickhouse}
 * block, plus flowtrace's own:
 * <ul>
 *   <li>{@code host} (default {@code localhost}), {@code database} (default {@code default}, created when missing),
 *   {@code username} (default {@code default}), {@code password} (default empty);</li>
 *   <li>{@code http-port} (or {@code http_port}, the engine block's spelling): ClickHouse's HTTP port; when it is
 *   not given, {@code port} is tried over HTTP (the engine's users set it to the native port, 9000: the server says
 *   so, and so does the error, naming the port to set); neither: 8123, or 8443 with {@code cloud};</li>
 *   <li>{@code cloud} (or {@code secure}): {@code true} for HTTPS, verified against the JDK's trust store (the
 *   engine turns verification off; flowtrace does not);</li>
 *   <li>{@code retry-budget} (or {@code retry_budget}; default 30s): how long the check at start, and writes during
 *   one outage, keep retrying an unreachable server before what they hold is counted as failed; {@code timeout}
 *   (default 30s): the longest one request may take.</li>
 * </ul>
 * A user or password that is refused, a native port and TLS that fails stop the start with what to change; a
 * server that is down at start is retried within the budget and then at every write.
 *
 * @since 0.1
 */
public final class ClickHouseStoreProvider implements SnapshotStoreProvider {
    /** Called by {@link java.util.ServiceLoader}; does no work. */
    public ClickHouseStoreProvider() {
    }

    @Override
    public String name() {
        return "clickhouse";
    }

    @Override
    public SnapshotStore create(PluginConfig config) {
        String host = config.getString("host", "localhost");
        // 'secure' is clickhouse-go's name for the same switch
        boolean cloud = config.getBoolean("cloud", false) | config.getBoolean("secure", false);
        // kebab-case as flowtrace's settings are spelled; the engine's block spells it http_port
        String httpPortKey = config.has("http_port") ? "http_port" : "http-port";
        boolean hasHttpPort = config.has(httpPortKey);
        int httpPort = config.getInt(httpPortKey, 0, 1, 65535);
        boolean hasPort = config.has("port");
        int port = config.getInt("port", 0, 1, 65535);
        String database = config.getString("database", "default");
        String user = config.getString("username", "default");
        String password = config.getString("password", "");
        Duration budget = config.getDuration(config.has("retry_budget") ? "retry_budget" : "retry-budget",
                Duration.ofSeconds(30));
        Duration timeout = config.getDuration("timeout", Duration.ofSeconds(30));
        config.allow("http-port", "retry-budget");
        if (host.isBlank() || host.contains("/") || host.contains(" ")) {
            config.error("host: '" + host + "' (expected: a host name or address)");
        }
        if (database.isBlank()) {
            config.error("database: empty (expected: a database name)");
        }
        if (budget.isNegative()) {
            config.error("retry_budget: " + budget + " (expected: >= 0)");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            config.error("timeout: " + timeout + " (expected: > 0)");
        }
        config.validate();
        int chosen = hasHttpPort ? httpPort : hasPort ? port : cloud ? 8443 : 8123;
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        URI base = URI.create((cloud ? "https" : "http") + "://" + h + ":" + chosen);
        ClickHouseHttp http = new ClickHouseHttp(base, database, user, password, timeout);
        ClickHouseStore store = new ClickHouseStore(http, database, budget.toNanos(), System::nanoTime,
                TimeUnit.NANOSECONDS::sleep);
        try {
            store.open(config.plugin());
        } catch (ConfigurationException e) {
            if (e.getCause() instanceof Failure f && f.kind() == Kind.NATIVE_PORT) {
                throw new ConfigurationException(config.plugin() + ": " + (hasHttpPort ? "http_port" : "port") + " "
                        + chosen + " is ClickHouse's native protocol port (at " + host + " the server answers HTTP"
                        + " there with: '" + nativeAnswer(f) + "'); flowtrace speaks ClickHouse's HTTP interface:"
                        + " set http_port: " + f.httpPort() + (hasHttpPort ? "" : " (port stays for the engine)"), f);
            }
            throw e;
        }
        return store;
    }

    private static String nativeAnswer(Failure f) {
        String m = f.getMessage();
        int a = m.indexOf("with: '");
        int b = m.indexOf("'", a + 7);
        return a < 0 || b < 0 ? m : m.substring(a + 7, b);
    }
}
