package io.flowtrace.query;

import io.flowtrace.query.spi.SnapshotStore;
import io.flowtrace.testkit.ClickHouseServer;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** The clickhouse store, on a real clickhouse-server and a fresh database per test, answers the contract. */
class ClickHouseStoreContractTest extends SnapshotStoreContract {
    @RegisterExtension
    static final ClickHouseServer CLICKHOUSE = ClickHouseServer.withUser("contract", "contract-pw");
    private static final AtomicInteger DATABASES = new AtomicInteger();

    @Override
    protected SnapshotStore createStore() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("host", "127.0.0.1");
        c.put("http-port", CLICKHOUSE.httpPort());
        c.put("database", "contract_" + DATABASES.incrementAndGet());
        c.put("username", CLICKHOUSE.user());
        c.put("password", CLICKHOUSE.password());
        return SnapshotStores.discover().create("clickhouse", c);
    }
}
