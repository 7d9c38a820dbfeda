package io.flowtrace.query;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.query.spi.SnapshotStore;
import io.flowtrace.query.spi.SnapshotStoreProvider;

import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The snapshot stores found through {@link ServiceLoader} (class path and, in a named module, the module layer).
 *
 * @since 0.1
 */
public final class SnapshotStores {
    /** The default store's name. */
    public static final String DEFAULT = "memory";
    private final Map<String, SnapshotStoreProvider> providers;

    private SnapshotStores(Map<String, SnapshotStoreProvider> providers) {
        this.providers = Collections.unmodifiableMap(providers);
    }

    /** {@return the stores visible to this class's loader} */
    public static SnapshotStores discover() {
        return discover(SnapshotStores.class.getClassLoader());
    }

    /**
     * {@return the stores visible to {@code loader}}
     *
     * @param loader where to look
     */
    public static SnapshotStores discover(ClassLoader loader) {
        Map<String, SnapshotStoreProvider> found = new TreeMap<>();
        java.util.List<ServiceLoader<SnapshotStoreProvider>> loaders = new java.util.ArrayList<>();
        loaders.add(ServiceLoader.load(SnapshotStoreProvider.class, loader));
        if (SnapshotStores.class.getModule().isNamed()) {
            loaders.add(ServiceLoader.load(SnapshotStores.class.getModule().getLayer(), SnapshotStoreProvider.class));
        }
        for (ServiceLoader<SnapshotStoreProvider> sl : loaders) {
            Iterator<SnapshotStoreProvider> it = sl.iterator();
            while (true) {
                SnapshotStoreProvider p;
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    p = it.next();
                } catch (ServiceConfigurationError | LinkageError e) {
                    org.slf4j.LoggerFactory.getLogger(SnapshotStores.class)
                            .warn("skipping a snapshot store that failed to load: {}", e.getMessage());
                    continue;
                }
                SnapshotStoreProvider prev = found.get(p.name());
                if (prev != null && prev.getClass() != p.getClass()) {
                    throw new ConfigurationException("two snapshot stores named '" + p.name() + "': "
                            + prev.getClass().getName() + " and " + p.getClass().getName());
                }
                found.put(p.name(), p);
            }
        }
        return new SnapshotStores(found);
    }

    /** {@return the providers by name} */
    public Map<String, SnapshotStoreProvider> providers() {
        return providers;
    }

    /**
     * {@return a new store of the provider {@code name}}
     *
     * @param name   the provider's name
     * @param config its settings
     * @throws ConfigurationException when no store has that name (naming those that do) or the settings are wrong
     */
    public SnapshotStore create(String name, Map<String, ?> config) {
        SnapshotStoreProvider p = providers.get(name);
        if (p == null) {
            throw new ConfigurationException("snapshot store '" + name + "' (available: "
                    + String.join(", ", providers.keySet()) + ")");
        }
        return p.create(new PluginConfig("store '" + name + "'", config));
    }
}
