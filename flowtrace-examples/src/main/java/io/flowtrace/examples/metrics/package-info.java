/**
 * Watching a running meter: {@code /metrics} in the Prometheus text format and {@code /healthz} over HTTP, a stats
 * line per interval, and the same counters as a JMX MXBean, all read from {@link io.flowtrace.core.FlowTrace#stats()}
 * when asked (a scrape, a tick, a JMX read), so nothing is added on the packet path.
 *
 * <p><b>Threading.</b> {@link io.flowtrace.examples.metrics.Monitor} runs one daemon thread for its ticks and the
 * HTTP server's own threads; every class here is safe to read from any thread.
 */
package io.flowtrace.examples.metrics;
