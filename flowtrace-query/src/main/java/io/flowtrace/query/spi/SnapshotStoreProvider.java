package io.flowtrace.query.spi;

import io.flowtrace.core.spi.PluginConfig;

/**
 * Creates {@link SnapshotStore}s by name; found through {@link java.util.ServiceLoader} (declare it in
 * {@code META-INF/services/io.flowtrace.query.spi.SnapshotStoreProvider} and, in a module, with {@code provides}).
 * The constructor does no I/O.
 *
 * @since 0.1
 */
public interface SnapshotStoreProvider {

    /** {@return the stable lowercase id, e.g. {@code memory}, {@code clickhouse}} */
    String name();

    /**
     * Builds a store; reads its settings from {@code config} and calls {@link PluginConfig#validate()}. May connect
     * (a database store checks its server here and says what is wrong).
     *
     * @param config the store's settings
     * @return a new store
     */
    SnapshotStore create(PluginConfig config);
}
