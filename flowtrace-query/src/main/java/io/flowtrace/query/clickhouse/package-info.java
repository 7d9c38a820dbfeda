/**
 * The {@code clickhouse} snapshot store: snapshots in the analysis engine's own ClickHouse tables, written and read
 * through ClickHouse's HTTP interface ({@code JSONEachRow}, HTTP Basic, TLS verified). Writes run on the writer's
 * thread and may block within the retry budget; questions run on the callers' threads.
 */
package io.flowtrace.query.clickhouse;
