/**
 * The {@code http} sink. The sink is driven by its own delivery thread, one call at a time, and blocks that
 * thread while it sends and retries: a slow endpoint fills the sink's queue (then the pipeline's full-queue
 * policy applies) but never stalls capture or other sinks. A batch is encoded once into a reused buffer and the
 * same bytes are re-sent on every retry.
 */
package io.flowtrace.sinks.http;
