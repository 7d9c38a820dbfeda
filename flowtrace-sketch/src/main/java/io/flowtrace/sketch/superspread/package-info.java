/**
 * Super-spreaders: the {@link io.flowtrace.sketch.superspread.SuperSpread SuperSpread sketch} (distinct elements per
 * key), the {@code super-spread} aggregator over it, and its provider. Single-writer, not thread-safe;
 * {@code update} and {@code onPacket} allocate nothing.
 */
package io.flowtrace.sketch.superspread;
