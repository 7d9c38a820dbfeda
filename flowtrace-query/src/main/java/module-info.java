/**
 * flowtrace query: aggregator snapshots kept over time in a store found by name through
 * {@link io.flowtrace.query.spi.SnapshotStoreProvider} ({@code memory} built in), the query API over them
 * ({@link io.flowtrace.query.QueryService}) and its HTTP/JSON server ({@link io.flowtrace.query.QueryServer}: the
 * analysis engine's routes and Grafana's JSON datasource).
 */
module io.flowtrace.query {
    requires transitive io.flowtrace.core; // the store SPI's signatures use core's types
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;
    requires jdk.httpserver;
    requires java.net.http; // the clickhouse store's client

    exports io.flowtrace.query;
    exports io.flowtrace.query.spi;
    exports io.flowtrace.query.memory;
    exports io.flowtrace.query.clickhouse;

    uses io.flowtrace.query.spi.SnapshotStoreProvider;

    provides io.flowtrace.query.spi.SnapshotStoreProvider with io.flowtrace.query.memory.MemoryStoreProvider,
            io.flowtrace.query.clickhouse.ClickHouseStoreProvider;
}
