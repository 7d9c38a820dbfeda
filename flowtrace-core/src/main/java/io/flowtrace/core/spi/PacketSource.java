package io.flowtrace.core.spi;

import java.io.IOException;

/**
 * Where packets come from: a capture file, a live interface, a generator. A source is run once, on a thread that
 * the pipeline owns (the thread that called {@code FlowTrace.run()}, or the one {@code start()} made);
 * {@link #stop()}, {@link #counters()} and {@link #interfaceName} may be called from any other thread;
 * {@link #close()} is called once, on the running thread, after {@link #run} returned. Not thread-safe otherwise.
 *
 * @since 0.1
 */
public interface PacketSource extends AutoCloseable {

    /** {@return what is being read, for messages: a file name or an interface name} */
    String description();

    /**
     * Reads packets and hands each to {@code handler} until the source is exhausted or {@link #stop()} is called.
     * A damaged capture file throws {@link io.flowtrace.core.CaptureFileException} after every good packet before
     * the damage has been handed on.
     *
     * @param handler receives each packet, on the thread that calls this method
     * @throws IOException when the underlying file or device cannot be read
     */
    void run(PacketHandler handler) throws IOException;

    /** Asks {@link #run} to return promptly, even when no packet is arriving. Idempotent. */
    void stop();

    /**
     * {@return name of a capture interface by index (pcapng interface id), or {@code null} when unknown}
     *
     * @param interfaceIndex the index packets carry ({@link PacketView#interfaceIndex()})
     */
    default String interfaceName(int interfaceIndex) {
        return null;
    }

    /**
     * True for sources fed by a live interface. The pipeline then adds a wall-clock heartbeat: a thread of its own
     * calls {@link PacketHandler#onIdle} every second with the wall clock less one second, so idle flows expire and
     * snapshots are taken when traffic stops even if {@link #run} blocks with no packet; the source's own calls to
     * the handler and the heartbeat's are then serialised by a lock. Such a source must stamp packets with the wall
     * clock (epoch nanoseconds), as capture does. A source may still call {@code onIdle} itself, more often or more
     * precisely (live capture does, with its read timeout as the lag).
     *
     * @return whether packets come from a live interface, stamped with the wall clock
     */
    default boolean isLive() {
        return false;
    }

    /**
     * Splits this source into up to {@code parts} sources that together read the same packets, each run on a
     * thread of its own, so that capture scales with the workers (one socket per worker, as AF_PACKET fanout
     * does). Every packet of a flow, both directions, must come from the same part. Called once, when the
     * meter is built (so that a source may still open what needs privileges); the parts are then run, stopped and
     * closed instead of this source, which is closed last. The default does not split.
     *
     * <p>A {@linkplain #isLive() live} source that returns exactly {@code parts} parts, none of them itself, has each
     * part's thread meter what it reads on a worker of its own: no packet is handed between threads. The pipeline
     * asks for one part when tunnels are decoded: the flow is then the inner conversation, which a source splitting
     * by outer headers cannot keep together.
     *
     * @param parts the most parts wanted (the number of workers, or 1)
     * @return the parts, or a list of this source alone
     */
    default java.util.List<PacketSource> split(int parts) {
        return java.util.List.of(this);
    }

    /**
     * Counters the source keeps itself, by name (for example {@code kernel_dropped}, {@code interface_dropped},
     * {@code bytes_read}). Read from any thread; values may lag.
     *
     * @return the counters by name; empty when the source keeps none
     */
    default java.util.Map<String, Long> counters() {
        return java.util.Map.of();
    }

    /**
     * {@return the snap length of an interface: the most bytes of a frame captured, 0 when unknown} Asked by a
     * {@link RawFrameTap} (to write a capture file with the source's own snap length) on the source's thread, once a
     * frame of that interface has been handed over.
     *
     * @param interfaceIndex the index packets carry
     */
    default int snapLength(int interfaceIndex) {
        return 0;
    }

    /**
     * {@return the precision of an interface's timestamps as decimal digits of a second: 6 for microseconds, 9 for
     * nanoseconds, 0 when unknown} Asked as {@link #snapLength} is.
     *
     * @param interfaceIndex the index packets carry
     */
    default int timestampDigits(int interfaceIndex) {
        return 0;
    }

    /** Releases files or handles. Idempotent. */
    @Override
    void close();
}
