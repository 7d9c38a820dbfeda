package io.flowtrace.core.testing;

import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;

import java.util.ArrayList;
import java.util.List;

/** A packet source that plays frames from memory (Ethernet link type). */
public final class ListSource implements PacketSource {
    private final List<long[]> times = new ArrayList<>();
    private final List<byte[]> frames = new ArrayList<>();
    private volatile boolean stopped;

    public ListSource add(long timestampNanos, byte[] frame) {
        times.add(new long[] {timestampNanos});
        frames.add(frame);
        return this;
    }

    public int size() {
        return frames.size();
    }

    @Override
    public String description() {
        return "memory";
    }

    @Override
    public void run(PacketHandler handler) {
        for (int i = 0; i < frames.size() && !stopped; i++) {
            byte[] f = frames.get(i);
            handler.onPacket(times.get(i)[0], 1, f, 0, f.length, f.length, 0);
        }
    }

    @Override
    public void stop() {
        stopped = true;
    }

    @Override
    public void close() {
    }
}
