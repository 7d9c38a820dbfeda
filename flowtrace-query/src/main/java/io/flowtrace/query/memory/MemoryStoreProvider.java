package io.flowtrace.query.memory;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.query.spi.SnapshotStore;
import io.flowtrace.query.spi.SnapshotStoreProvider;

import java.time.Duration;

/**
 * The {@code memory} store: keys {@code retention} (default 24h of snapshot time: snapshots older than the newest
 * one by more are let go) and {@code max-bytes} (default 256MiB: past it the oldest snapshots are let go).
 *
 * @since 0.1
 */
public final class MemoryStoreProvider implements SnapshotStoreProvider {
    /** Called by {@link java.util.ServiceLoader}; does no work. */
    public MemoryStoreProvider() {
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public SnapshotStore create(PluginConfig config) {
        Duration retention = config.getDuration("retention", MemoryStore.DEFAULT_RETENTION);
        long maxBytes = config.getSize("max-bytes", MemoryStore.DEFAULT_MAX_BYTES, 1 << 16, Long.MAX_VALUE);
        config.validate();
        if (retention.isNegative() || retention.isZero()) {
            throw new io.flowtrace.core.ConfigurationException("store 'memory': retention: " + retention
                    + " (expected: > 0)");
        }
        return new MemoryStore(retention, maxBytes);
    }
}
