package io.flowtrace.query;

import io.flowtrace.query.spi.SnapshotStore;

import java.util.Map;

/** The memory store, found by name as users configure it, answers the contract. */
class MemoryStoreContractTest extends SnapshotStoreContract {
    @Override
    protected SnapshotStore createStore() {
        return SnapshotStores.discover().create("memory", Map.of("retention", "1h", "max-bytes", "16MiB"));
    }
}
