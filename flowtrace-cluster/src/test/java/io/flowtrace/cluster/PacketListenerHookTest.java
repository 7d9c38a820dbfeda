package io.flowtrace.cluster;

import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.spi.PacketListener;
import io.flowtrace.core.spi.PacketView;
import io.flowtrace.testkit.synth.SyntheticCapture;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The builder's packetListener: every metered packet once, on its worker, and the end of each worker once. */
class PacketListenerHookTest {
    @Test
    void everyMeteredPacketOnceAndEachWorkersEnd() {
        SyntheticCapture traffic = SyntheticCapture.builder().packets(50_000).conversations(500).seed(5).build();
        AtomicLong packets = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        AtomicLongArray ends = new AtomicLongArray(3);
        FlowStats s = FlowTrace.builder().source(traffic.source()).workers(3).packetListener((w, n) ->
                new PacketListener() {
                    @Override
                    public void onPacket(PacketView p) {
                        packets.incrementAndGet();
                        bytes.addAndGet(p.wireLength());
                    }

                    @Override
                    public void onEnd() {
                        ends.incrementAndGet(w);
                    }
                }).build().run();
        assertEquals(s.packetsDecoded(), packets.get());
        assertEquals(s.packetsRead(), s.packetsDecoded(), "every synthetic packet is IP");
        assertEquals(s.bytesRead(), bytes.get());
        for (int i = 0; i < 3; i++) {
            assertEquals(1, ends.get(i), "worker " + i);
        }
    }
}
