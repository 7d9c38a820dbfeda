/**
 * JMH benchmarks of the core packet path: decoder, symmetric hash and dispatch, flow table update, and the whole
 * pipeline. Each operation is one packet, so ops/s is packets/s and {@code -prof gc}'s {@code gc.alloc.rate.norm}
 * is bytes allocated per packet.
 */
package io.flowtrace.bench.core;
