/**
 * Aggregator snapshots kept over time, the query API over them and its HTTP/JSON server.
 *
 * <p>A {@link io.flowtrace.query.TaskSnapshot} is one task's cumulative state at one snapshot time, in the
 * analysis engine's terms: an exact task's rows are its {@code flow_metrics} rows (key fields, first and last seen,
 * packets, bytes), a sketch task's rows its {@code heavy_hitters} rows (flow, value, {@code Type} 0 packets,
 * 1 bytes, 2 spread). Stores ({@link io.flowtrace.query.spi.SnapshotStore}) keep them and answer the queries;
 * {@link io.flowtrace.query.QueryService} checks requests and applies defaults; {@link io.flowtrace.query.QueryServer}
 * serves them over HTTP.
 */
package io.flowtrace.query;
