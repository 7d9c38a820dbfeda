/**
 * Traffic aggregators, one package per family: {@link io.flowtrace.sketch.exact exact} group-by counts,
 * {@link io.flowtrace.sketch.countmin Count-Min} with a heavy-hitter candidate heap,
 * {@link io.flowtrace.sketch.superspread SuperSpread} super-spreader detection and
 * {@link io.flowtrace.sketch.hll HyperLogLog} distinct counts, each with its sketch, aggregator and provider. This
 * package holds what users of every family share: the {@link io.flowtrace.sketch.KeyFields key fields}, the
 * {@link io.flowtrace.sketch.Hashing hashes} sketches are fed with, the {@link io.flowtrace.sketch.AggregatorBytes
 * byte form} and the engine's task configuration ({@link io.flowtrace.sketch.EngineTasks}).
 *
 * <p><b>Threading.</b> Every sketch and aggregator of this module is single-writer and not thread-safe: the
 * pipeline gives each worker its own instance and merges {@code copy()}s when it takes a snapshot.
 *
 * <p><b>Allocation.</b> The per-packet methods ({@code onPacket}, {@code update}) allocate nothing and box
 * nothing: key fields are read from the packet view's primitive getters into a reused scratch array and hashed
 * there. The exact aggregator grows its table by doubling (amortised, rare once warm; pre-size it with
 * {@code capacity}). Snapshots, merges and byte forms allocate.
 *
 * <p><b>Merging and byte forms.</b> Every aggregator merges with another of the same parameters and refuses a
 * mismatched one with <em>expected X, got Y</em>; each class says whether its merge is exact. Every aggregator
 * round-trips through a versioned byte form ({@link io.flowtrace.sketch.AggregatorBytes}): family, version,
 * parameters, seed, then the state.
 */
package io.flowtrace.sketch;
