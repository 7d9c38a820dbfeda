package io.flowtrace.core;

import io.flowtrace.core.spi.AggregatorProvider;
import io.flowtrace.core.spi.PacketSourceProvider;
import io.flowtrace.core.spi.SinkProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The plugins found on the class path (or module path) through {@link ServiceLoader}: packet sources, aggregators
 * and sinks, by name. A provider that fails to load (a typo in {@code META-INF/services}, a missing dependency) is
 * logged and skipped, and its reason is repeated in the error for an unknown name; two providers with one name are
 * an error naming both classes; an unknown name lists what is available and which artifact adds the built-in ones.
 * Immutable and thread-safe once loaded.
 *
 * @since 0.1
 */
public final class Plugins {
    /** Made at the first message: a run that logs nothing never starts SLF4J (some 30 ms of start-up). */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Plugins.class);
    }

    private final Map<String, PacketSourceProvider> sources;
    private final Map<String, AggregatorProvider> aggregators;
    private final Map<String, SinkProvider> sinks;
    /** Why providers of each kind failed to load, in the order met. */
    private final Map<Class<?>, List<String>> loadFailures = new java.util.HashMap<>();

    private Plugins(ClassLoader loader) {
        sources = load(PacketSourceProvider.class, PacketSourceProvider::name, loader);
        aggregators = load(AggregatorProvider.class, AggregatorProvider::name, loader);
        sinks = load(SinkProvider.class, SinkProvider::name, loader);
    }

    /**
     * {@return the plugins the thread's context class loader (or this class's loader when there is none) finds}
     */
    public static Plugins discover() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return new Plugins(cl != null ? cl : Plugins.class.getClassLoader());
    }

    /**
     * {@return the plugins visible to {@code loader}}
     *
     * @param loader where to look
     */
    public static Plugins discover(ClassLoader loader) {
        return new Plugins(loader);
    }

    private <P> Map<String, P> load(Class<P> type, Function<P, String> nameOf, ClassLoader loader) {
        Map<String, P> found = new TreeMap<>();
        List<ServiceLoader<P>> loaders = new ArrayList<>();
        loaders.add(ServiceLoader.load(type, loader));
        // in a named module, providers declared with 'provides' are found through the module layer too
        if (Plugins.class.getModule().isNamed()) {
            loaders.add(ServiceLoader.load(Plugins.class.getModule().getLayer(), type));
        }
        for (ServiceLoader<P> sl : loaders) {
            Iterator<P> it = sl.iterator();
            while (true) {
                P p;
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    p = it.next();
                } catch (ServiceConfigurationError | LinkageError e) {
                    String reason = e.getMessage() + (e.getCause() != null ? " (" + e.getCause() + ")" : "");
                    Log.LOG.warn("skipping a {} that failed to load: {}", type.getSimpleName(), reason);
                    loadFailures.computeIfAbsent(type, k -> new ArrayList<>()).add(reason);
                    continue;
                }
                String name;
                try {
                    name = nameOf.apply(p);
                } catch (RuntimeException | LinkageError e) {
                    String reason = p.getClass().getName() + ": name() threw " + e;
                    Log.LOG.warn("skipping {}", reason);
                    loadFailures.computeIfAbsent(type, k -> new ArrayList<>()).add(reason);
                    continue;
                }
                P prev = found.get(name);
                if (prev != null && prev.getClass() != p.getClass()) {
                    throw new ConfigurationException("two " + kind(type) + "s named '" + name + "': "
                            + prev.getClass().getName() + " and " + p.getClass().getName());
                }
                found.put(name, p);
            }
        }
        return Collections.unmodifiableMap(found);
    }

    private static String kind(Class<?> type) {
        if (type == PacketSourceProvider.class) {
            return "packet source";
        }
        if (type == AggregatorProvider.class) {
            return "aggregator";
        }
        return "sink";
    }

    /** {@return the packet source providers by name} */
    public Map<String, PacketSourceProvider> sources() {
        return sources;
    }

    /** {@return the aggregator providers by name} */
    public Map<String, AggregatorProvider> aggregators() {
        return aggregators;
    }

    /** {@return the sink providers by name} */
    public Map<String, SinkProvider> sinks() {
        return sinks;
    }

    /**
     * {@return the packet source provider named {@code name}; the error lists the available ones}
     *
     * @param name the provider's name
     */
    public PacketSourceProvider source(String name) {
        return get(sources, name, "packet source", "flowtrace-capture (pcap-file, pcap-live)",
                PacketSourceProvider.class);
    }

    /**
     * {@return the aggregator provider named {@code name}}
     *
     * @param name the provider's name
     */
    public AggregatorProvider aggregator(String name) {
        return get(aggregators, name, "aggregator", "flowtrace-sketch (exact, count-min, super-spread, hll)",
                AggregatorProvider.class);
    }

    /**
     * {@return the sink provider named {@code name}}
     *
     * @param name the provider's name
     */
    public SinkProvider sink(String name) {
        return get(sinks, name, "sink", "flowtrace-sinks (file, stdout, http, nats)", SinkProvider.class);
    }

    /**
     * {@return why providers of a kind ({@code PacketSourceProvider.class}, ...) failed to load; empty when none did}
     *
     * @param providerType the provider interface
     */
    public List<String> loadFailures(Class<?> providerType) {
        return List.copyOf(loadFailures.getOrDefault(providerType, List.of()));
    }

    private <P> P get(Map<String, P> map, String name, String kind, String artifact, Class<P> type) {
        P p = map.get(name);
        if (p == null) {
            List<String> failed = loadFailures(type);
            throw new ConfigurationException("no " + kind + " named '" + name + "'; available: " + map.keySet()
                    + " (the built-in ones come with " + artifact + ")"
                    + (failed.isEmpty() ? "" : "; failed to load: " + String.join("; ", failed)));
        }
        return p;
    }
}
