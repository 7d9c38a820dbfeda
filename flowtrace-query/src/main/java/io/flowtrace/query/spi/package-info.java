/**
 * The snapshot store SPI: {@link io.flowtrace.query.spi.SnapshotStoreProvider}s are found through
 * {@link java.util.ServiceLoader} by name ({@code memory}, built in), as sinks and aggregators are.
 */
package io.flowtrace.query.spi;
