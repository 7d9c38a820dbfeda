/**
 * The {@code nats} sink. The sink is driven by its own delivery thread, one call at a time; jnats runs its own
 * reader, writer and reconnect threads, which only update counters here. Each message's body is its own byte
 * array (the client keeps it until written), encoded through the sink's reused JSON generator.
 */
package io.flowtrace.sinks.nats;
