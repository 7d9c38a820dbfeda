/**
 * Exact group-by: the {@code exact} aggregator (packets, bytes, flows and distinct pairs per key, within key and
 * pair bounds) and its provider. Single-writer, not thread-safe; {@code onPacket} allocates nothing but the
 * amortised growth of its table.
 */
package io.flowtrace.sketch.exact;
