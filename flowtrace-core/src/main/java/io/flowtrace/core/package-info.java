/**
 * flowtrace's public API: {@link io.flowtrace.core.FlowTrace} and its builder, the values it produces
 * ({@link io.flowtrace.core.FlowKey}, {@link io.flowtrace.core.FlowEvent}, {@link io.flowtrace.core.FlowStats}),
 * the flow settings ({@link io.flowtrace.core.FlowOptions}), the per-worker flow state
 * ({@link io.flowtrace.core.FlowCache}, single-writer), plugin discovery ({@link io.flowtrace.core.Plugins}),
 * the JSON form of flow events and snapshots ({@link io.flowtrace.core.EventJson}) and the exceptions, all
 * unchecked under {@link io.flowtrace.core.FlowTraceException}.
 *
 * <p>Threading: values are immutable; a built {@code FlowTrace} is thread-safe; builders are used by one thread.
 * Events are allocated once per finished flow, never per packet. Timestamps are {@code long} epoch nanoseconds of packet time; durations are {@link java.time.Duration}.
 */
package io.flowtrace.core;
