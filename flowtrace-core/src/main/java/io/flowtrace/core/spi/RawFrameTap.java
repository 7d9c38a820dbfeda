package io.flowtrace.core.spi;

import java.util.List;
import java.util.Map;

/**
 * Sees every raw frame a {@link PacketSource} hands the pipeline, before it is decoded: a packet tee, a recorder.
 * Given to {@code FlowTrace.Builder.rawFrameTap}; the pipeline calls it, a tap never calls the pipeline.
 *
 * <p>{@link #onFrame} is called on the source's thread, inside the packet path: it must not lock, log or allocate,
 * and must be quick (copy the frame into a bounded buffer of its own). For a {@linkplain PacketSource#isLive() live}
 * source it must never wait: when its buffer is full it drops and counts. A capture file loses nothing by being read
 * more slowly, so there a tap may wait for room.
 * A source split into parts (one socket per worker, as AF_PACKET fanout) calls it from several threads at once:
 * each part has its index, and the frames of one part come from one thread at a time, in that part's order, so a
 * tap can keep one single-producer buffer per part. A tap that throws from {@code onFrame} is a bug: the exception
 * ends the run as a failing source would.
 *
 * <p>Order of calls: {@link #open} once, on the thread that runs the meter, before the first frame; then
 * {@link #onFrame} from the source threads; {@link #close} once after every source thread has ended (also when the
 * run fails). {@link #counters()} may be called from any thread at any time.
 *
 * @since 0.1
 */
public interface RawFrameTap {

    /**
     * The run begins. {@code parts} are the sources whose frames come, by part index: one for an unsplit source.
     * A tap may ask them {@link PacketSource#description()}, {@link PacketSource#interfaceName},
     * {@link PacketSource#snapLength} and {@link PacketSource#timestampDigits} (the last three from a part's thread,
     * during {@code onFrame}, once the part has handed over a frame of that interface), and nothing else.
     *
     * @param parts the sources read, by part index
     */
    void open(List<PacketSource> parts);

    /**
     * One frame, as {@link PacketHandler#onPacket} got it; the bytes are valid only during the call.
     *
     * @param part           the index of the source part that read it (0 for an unsplit source)
     * @param timestampNanos capture time, epoch nanoseconds
     * @param linkType       the frame's link-layer type, a pcap LINKTYPE_ value ({@link LinkType})
     * @param data           buffer holding the frame; valid only during the call
     * @param offset         offset of the frame in {@code data}
     * @param capturedLength bytes of the frame present in {@code data}
     * @param wireLength     the frame's original length on the wire
     * @param interfaceIndex index of the capture interface in its part (see {@link PacketHandler#onPacket})
     */
    void onFrame(int part, long timestampNanos, int linkType, byte[] data, int offset, int capturedLength,
                 int wireLength, int interfaceIndex);

    /**
     * Counters of the tap by name (for example frames written and dropped), for the run's statistics
     * ({@code FlowStats.tap()}); read from any thread, values may lag. {@code dropped} and {@code failed}, when
     * present, count frames the tap did not keep: {@code FlowStats.failures()} lists them.
     *
     * @return the counters; empty when it keeps none
     */
    default Map<String, Long> counters() {
        return Map.of();
    }

    /**
     * Every source has ended: write what is held and release files and threads. Called once; may block (the
     * pipeline waits for it before its sinks are closed).
     */
    void close();
}
