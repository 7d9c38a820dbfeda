package io.flowtrace.examples;

import io.flowtrace.core.Durations;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.Plugins;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.examples.config.RunConfig;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A live interface's source for {@code agent} and {@code engine}, and how it was chosen: the backend named by
 * {@code --capture-backend}, else by the file's {@code source: type:}, else (auto) af-packet when its socket opens
 * here, pcap-live otherwise.
 */
final class LiveCapture {
    static final String PCAP_LIVE = "pcap-live";
    static final String AF_PACKET = "af-packet";

    /**
     * af-packet's ring per socket for the commands: at the top speed of a 2-core machine the reader keeps up with a
     * few milliseconds of it; each MiB is a MiB of resident memory.
     */
    static final String AF_PACKET_RING = "8MiB";

    final String backend;
    final Map<String, String> config;
    /** The source already opened (auto tried it and it worked); null when the builder opens it. */
    final PacketSource source;

    private LiveCapture(String backend, Map<String, String> config, PacketSource source) {
        this.backend = backend;
        this.config = config;
        this.source = source;
    }

    /**
     * Loads the native-access library and libc and libpcap through it on a thread of its own: the first load extracts
     * a library and runs {@code ldconfig}, which then overlaps with reading the settings instead of delaying the
     * interface's opening. A failure here is left to the source's own opening to report.
     */
    static void loadNativeEarly() {
        if (!NATIVE_LOADING.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                com.sun.jna.NativeLibrary.getInstance(com.sun.jna.Platform.C_LIBRARY_NAME);
                com.sun.jna.NativeLibrary.getInstance(System.getProperty("org.pcap4j.core.pcapLibName", "pcap"));
            } catch (RuntimeException | LinkageError e) {
                return; // reported by the source that needs it, with what to install
            }
            String cache = System.getProperty(NATIVE_CACHE);
            if (cache != null) {
                saveNativeCache(java.nio.file.Path.of(cache));
            }
        }, "flowtrace-native-load");
        t.setDaemon(true);
        t.start();
    }

    private static final java.util.concurrent.atomic.AtomicBoolean NATIVE_LOADING =
            new java.util.concurrent.atomic.AtomicBoolean();

    /** Set by the launcher: where the next runs find JNA's library and the library path without looking again. */
    static final String NATIVE_CACHE = "flowtrace.native.cache";

    /**
     * Keeps the library JNA unpacked and the library path it asked {@code ldconfig} for, for the launcher to hand
     * the next runs ({@code jna.boot.library.path}, {@code jna.platform.library.path}); each file is written under
     * a name of its own and renamed into place, and any failure leaves the next run to look again.
     */
    private static void saveNativeCache(java.nio.file.Path dir) {
        String unpacked = System.getProperty("jnidispatch.path");
        String paths = System.getProperty("jna.platform.library.path");
        if (unpacked == null || paths == null) {
            return;
        }
        try {
            java.nio.file.Files.createDirectories(dir);
            String tmp = ".tmp" + ProcessHandle.current().pid();
            java.nio.file.Path lib = dir.resolve(System.mapLibraryName("jnidispatch"));
            java.nio.file.Files.copy(java.nio.file.Path.of(unpacked), lib.resolveSibling(lib.getFileName() + tmp),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            java.nio.file.Files.move(lib.resolveSibling(lib.getFileName() + tmp), lib,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            if (Boolean.getBoolean("jnidispatch.preserve")) { // the launcher asked JNA to keep its copy for this
                java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(unpacked));
            }
            java.nio.file.Path path = dir.resolve("library-path");
            java.nio.file.Files.writeString(path.resolveSibling("library-path" + tmp), paths);
            java.nio.file.Files.move(path.resolveSibling("library-path" + tmp), path,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException | RuntimeException e) {
            // a cache only: this run is not affected, the next looks again
        }
    }

    /** {@return whether {@code type} names a live-interface backend} */
    static boolean isLive(String type) {
        return type.equals(PCAP_LIVE) || type.equals(AF_PACKET);
    }

    static LiveCapture choose(Resolved values, RunConfig.PluginSpec file, String iface, String filter, boolean quiet,
                              String command, PrintStream err) {
        String backend = values.get(CommandSettings.CAPTURE_BACKEND);
        if (values.isDefault(CommandSettings.CAPTURE_BACKEND) && file != null) {
            backend = file.type();
        }
        if (!backend.equals("auto")) {
            return new LiveCapture(backend, config(backend, values, file, iface, filter), null);
        }
        Map<String, String> af = config(AF_PACKET, values, file, iface, filter);
        try {
            return new LiveCapture(AF_PACKET, af, open(AF_PACKET, af));
        } catch (RuntimeException unavailable) {
            // pcap-live's error, if it fails too: the portable backend's message is the one to act on
            Map<String, String> pcap = config(PCAP_LIVE, values, file, iface, filter);
            LiveCapture c = new LiveCapture(PCAP_LIVE, pcap, open(PCAP_LIVE, pcap));
            if (!quiet) {
                err.println("flowtrace " + command + ": af-packet unavailable (" + unavailable.getMessage()
                        + "); using pcap-live");
            }
            return c;
        }
    }

    /** Gives the builder this source. */
    void applyTo(FlowTrace.Builder b) {
        if (source != null) {
            b.source(source);
        } else {
            b.source(backend, config);
        }
    }

    /** Closes the source opened here when the meter could not be built. */
    void closeUnused() {
        if (source != null) {
            source.close();
        }
    }

    private static PacketSource open(String backend, Map<String, String> config) {
        return Plugins.discover().source(backend).create(new PluginConfig("source '" + backend + "'", config));
    }

    /** The command's settings as {@code backend}'s keys, over the file's keys for it. */
    private static Map<String, String> config(String backend, Resolved values, RunConfig.PluginSpec file,
                                              String iface, String filter) {
        Map<String, String> live = new LinkedHashMap<>();
        if (file != null && file.type().equals(backend)) {
            live.putAll(file.config());
        }
        live.put("interface", iface);
        if (!filter.isEmpty()) {
            live.put("filter", filter);
        }
        live.put("snaplen", String.valueOf(values.get(CommandSettings.SNAP_LEN)));
        live.put("promiscuous", String.valueOf(values.get(CommandSettings.PROMISCUOUS)));
        boolean af = backend.equals(AF_PACKET);
        String ring = values.get(CommandSettings.RING_SIZE);
        if (!ring.isEmpty()) {
            live.put(af ? "ring_size" : "buffer_size", ring);
        } else if (af) {
            live.putIfAbsent("ring_size", AF_PACKET_RING); // the library's 32MiB default is for heavy embedders
        }
        Duration timeout = values.get(CommandSettings.BLOCK_TIMEOUT);
        if (!timeout.isZero()) {
            live.put(af ? "block_timeout" : "timeout", Durations.format(timeout));
        }
        return live;
    }

    /** For the start line: the backend, and the sockets of af-packet. */
    String describe(FlowTrace meter) {
        Long sockets = meter.stats().sourceCounters().get("sockets");
        return backend + (sockets == null ? "" : " (" + sockets + (sockets == 1 ? " socket)" : " sockets, fanout)"));
    }
}
