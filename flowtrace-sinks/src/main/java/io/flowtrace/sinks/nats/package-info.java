/**
 * The {@code nats} sink. {@link io.flowtrace.sinks.nats.NatsSink} encodes each record and names its subject; the
 * mode's publisher ({@link io.flowtrace.sinks.nats.CorePublisher} or
 * {@link io.flowtrace.sinks.nats.JetStreamPublisher}) says when a message counts as delivered;
 * {@link io.flowtrace.sinks.nats.NatsConnection} holds the jnats connection and
 * {@link io.flowtrace.sinks.nats.PublishOutcomes} what became of the messages. The sink is driven by its own
 * delivery thread, one call at a time; jnats runs its own reader, writer and reconnect threads, which only update
 * counters here. Each message's body is its own byte array (the client keeps it until written), encoded through
 * the sink's reused JSON generator.
 */
package io.flowtrace.sinks.nats;
