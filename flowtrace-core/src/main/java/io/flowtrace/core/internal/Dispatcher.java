package io.flowtrace.core.internal;

import io.flowtrace.core.EndReason;
import io.flowtrace.core.spi.PacketHandler;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The source thread's part of the pipeline: decodes each frame, appends it to the batch of the worker that owns its
 * flow ({@link Pipeline#workerOf}) and hands full batches over through each worker's {@link BatchLane}. Time is
 * packet time: every batch carries the source's clock, and when the clock crosses a tick every worker receives its
 * batch, so idle flows expire and snapshots are taken on all workers alike.
 *
 * <p>Source thread only (the pipeline serialises the calls of a split or live source), except {@link #counters()},
 * which any thread may call for approximate figures (exact once the source has ended).
 */
final class Dispatcher implements PacketHandler {
    private final PacketDecoder decoder;
    private final DecodedPacket scratch = new DecodedPacket();
    private final BatchLane[] lanes;
    private final Batch[] current;
    /** Each schedule's interval (Long.MAX_VALUE: only at the end): a tick falls on every one of their boundaries. */
    private final long[] snapshotNanos;
    private final long periodNanos;

    private long packetsRead;
    private long bytesRead;
    private long packetsDecoded;
    private final long[] statusCounts = new long[DecodeStatus.values().length];
    private long clock = Long.MIN_VALUE;
    private long nextTick = Long.MIN_VALUE;

    /**
     * {@code snapshotNanos}: each snapshot schedule's interval in nanoseconds, {@code periodNanos} the reset period
     * (Long.MAX_VALUE for never); workers get a batch on each of their boundaries and at least every second.
     */
    Dispatcher(PacketDecoder decoder, BatchLane[] lanes, long[] snapshotNanos, long periodNanos) {
        this.decoder = decoder;
        this.lanes = lanes.clone();
        this.snapshotNanos = snapshotNanos.clone();
        this.periodNanos = periodNanos;
        this.current = new Batch[lanes.length];
        for (int i = 0; i < lanes.length; i++) {
            current[i] = lanes[i].first();
        }
    }

    @Override
    public void onPacket(long timestampNanos, int linkType, byte[] data, int offset, int capturedLength,
                         int wireLength, int interfaceIndex) {
        packetsRead++;
        bytesRead += wireLength;
        // one worker: decode straight into the batch's next slot (it joins the batch only if it decodes)
        boolean single = lanes.length == 1;
        DecodedPacket p = single ? current[0].packets[current[0].count] : scratch;
        DecodeStatus st = decoder.decode(data, offset, capturedLength, wireLength, timestampNanos, linkType, p);
        statusCounts[st.ordinal()]++;
        if (timestampNanos > clock) {
            clock = timestampNanos;
            if (clock >= nextTick) {
                // before this packet joins a batch: a window ending at the tick must not include it
                tick();
            }
        }
        if (!st.metered()) {
            return;
        }
        packetsDecoded++;
        p.capturedLength = capturedLength;
        p.interfaceIndex = interfaceIndex;
        int w = single ? 0 : Pipeline.workerOf(p.flowHash, lanes.length);
        Batch b = current[w];
        DecodedPacket slot = b.packets[b.count];
        if (slot != p) {
            // decoded into the scratch packet (several workers), or a tick handed over the batch p was decoded
            // into (p lies past its count there, unseen by the worker)
            Batch.copy(p, slot);
        }
        b.count++;
        if (b.isFull()) {
            send(w);
        }
    }

    @Override
    public void onIdle(long nowNanos) {
        if (nowNanos > clock && clock != Long.MIN_VALUE) {
            clock = nowNanos;
        }
        if (clock != Long.MIN_VALUE) {
            tick();
        }
    }

    /**
     * Starts the clock at {@code nowNanos} before any packet, so that the workers' clocks (and snapshot windows)
     * start there; nothing once the clock runs.
     */
    void startClock(long nowNanos) {
        if (clock == Long.MIN_VALUE) {
            clock = nowNanos;
            tick();
        }
    }

    /** Every worker gets its batch now, with the clock, so time moves on everywhere. */
    private void tick() {
        for (int w = 0; w < lanes.length; w++) {
            send(w);
        }
        if (clock != Long.MIN_VALUE) {
            long next = Math.min(after(clock, 1_000_000_000L), after(clock, periodNanos));
            for (long every : snapshotNanos) {
                next = Math.min(next, after(clock, every));
            }
            nextTick = next;
        }
    }

    private static long after(long t, long every) {
        return every == Long.MAX_VALUE ? Long.MAX_VALUE : Math.floorDiv(t, every) * every + every;
    }

    private void send(int w) {
        Batch b = current[w];
        b.clock = clock;
        current[w] = lanes[w].send(b);
    }

    /**
     * Ends the run after the source has ended: every worker gets what is waiting for it, then the end batch
     * ({@code reason}: end of capture or shutdown), and this returns once every worker has processed it.
     */
    void finish(EndReason reason) {
        for (int w = 0; w < lanes.length; w++) {
            send(w);
            Batch end = current[w];
            end.clock = clock;
            lanes[w].end(end, reason);
        }
        for (BatchLane lane : lanes) {
            lane.join();
        }
    }

    /** The clock: the latest packet or idle time seen; {@code Long.MIN_VALUE} before any. */
    long clock() {
        return clock;
    }

    /** The counters so far (the source's own counters are the caller's to add). */
    SourceCounters counters() {
        Map<String, Long> malformed = new LinkedHashMap<>();
        Map<String, Long> fragments = new LinkedHashMap<>();
        long nonIp = 0;
        for (DecodeStatus s : DecodeStatus.values()) {
            long c = statusCounts[s.ordinal()];
            if (s == DecodeStatus.NON_IP) {
                nonIp = c;
            } else if (s.fragment()) {
                if (c > 0) {
                    fragments.put(s.counterName(), c);
                }
            } else if (s != DecodeStatus.OK && c > 0) {
                malformed.put(s.counterName(), c);
            }
        }
        decoder.reassemblyCounters(fragments);
        fragments.values().removeIf(v -> v == 0);
        return new SourceCounters(packetsRead, bytesRead, packetsDecoded, nonIp, malformed, fragments, Map.of());
    }
}
