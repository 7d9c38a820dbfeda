package io.flowtrace.core.spi;

import java.io.IOException;

/**
 * Where packets come from: a capture file, a live interface, a generator. A source is run once, on one thread that
 * the pipeline owns; {@link #stop()} may be called from any other thread. Not thread-safe otherwise.
 */
public interface PacketSource extends AutoCloseable {

    /** What is being read, for messages: a file name or an interface name. */
    String description();

    /**
     * Reads packets and hands each to {@code handler} until the source is exhausted or {@link #stop()} is called.
     * A damaged capture file throws {@link io.flowtrace.core.CaptureFileException} after every good packet before
     * the damage has been handed on.
     *
     * @throws IOException when the underlying file or device cannot be read
     */
    void run(PacketHandler handler) throws IOException;

    /** Asks {@link #run} to return promptly, even when no packet is arriving. Idempotent. */
    void stop();

    /** Name of a capture interface by index (pcapng interface id), or {@code null} when unknown. */
    default String interfaceName(int interfaceIndex) {
        return null;
    }

    /** True for sources fed by a live interface: the pipeline then adds a wall-clock heartbeat. */
    default boolean isLive() {
        return false;
    }

    /**
     * Counters the source keeps itself, by name (for example {@code kernel_dropped}, {@code interface_dropped},
     * {@code bytes_read}). Read from any thread; values may lag.
     */
    default java.util.Map<String, Long> counters() {
        return java.util.Map.of();
    }

    /** Releases files or handles. Idempotent. */
    @Override
    void close();
}
