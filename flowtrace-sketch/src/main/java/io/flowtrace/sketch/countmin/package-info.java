/**
 * Heavy hitters: the {@link io.flowtrace.sketch.countmin.CountMinSketch Count-Min sketch} (conservative update,
 * 64-bit counters), the {@code count-min} aggregator that keeps a top-k candidate set beside it, and its provider.
 * Single-writer, not thread-safe; {@code update} and {@code onPacket} allocate nothing.
 */
package io.flowtrace.sketch.countmin;
