/**
 * The three plugin interfaces: {@link io.flowtrace.core.spi.PacketSource} (where packets come from),
 * {@link io.flowtrace.core.spi.Aggregator} (analytics over packets and flows) and {@link io.flowtrace.core.spi.Sink}
 * (where flow events and snapshots go), each created by a provider that {@link java.util.ServiceLoader} finds by a
 * stable lowercase name and configures through a validated {@link io.flowtrace.core.spi.PluginConfig}.
 *
 * <p>Threading and allocation: a source runs on the pipeline's source thread and hands frames to a
 * {@link io.flowtrace.core.spi.PacketHandler} whose buffer is valid only during the call. Aggregators run one
 * instance per worker thread; {@code onPacket} gets a reused {@link io.flowtrace.core.spi.PacketView} and must not
 * allocate, lock or block. Sinks run on a delivery thread of their own behind a bounded queue and may block.
 */
package io.flowtrace.core.spi;
