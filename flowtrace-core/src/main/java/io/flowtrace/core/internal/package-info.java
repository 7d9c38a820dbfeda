/**
 * The machinery behind {@link io.flowtrace.core.FlowTrace}, exported only to flowtrace's own modules: the packet
 * decoder, the per-worker {@link io.flowtrace.core.internal.SingleWriterFlowTable} (the default
 * {@link io.flowtrace.core.FlowCache}), the sharded {@link io.flowtrace.core.internal.Pipeline} with its batch lanes
 * and workers, the per-sink {@link io.flowtrace.core.internal.SinkRunner}, and the JSON encoders with the arrangement
 * that lets a worker encode an event once for the built-in sinks ({@link io.flowtrace.core.internal.JsonEncodedSink}).
 *
 * <p>Threading: the source thread decodes and dispatches (IP fragments are matched or reassembled there, before the
 * flow hash picks a worker, because a later fragment carries no ports to hash); each worker thread owns one flow table
 * and one instance of every aggregator (no state shared, no locks on the packet path); batches move between them
 * through JCTools SPSC queues and records to sinks through MPSC queues. Allocation: nothing per packet in steady state
 * (batches and decoded-packet structs are reused; the flow table is primitive arrays); one {@code FlowEvent} per
 * finished flow.
 */
package io.flowtrace.core.internal;
