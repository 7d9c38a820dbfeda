package io.flowtrace.sketch.hll;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sketch.AggregatorBytes;
import io.flowtrace.sketch.KeyFields;
import io.flowtrace.sketch.internal.Bytes;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;

import static io.flowtrace.sketch.TestPackets.packet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The key bound of per-key distinct counts: memory stays bounded, what is left out is counted. */
class HllAggregatorTest {
    private static final long SEED = 0x243F6A8885A308D3L;

    private static HllKeyedAggregator bounded(int maxKeys) {
        return new HllKeyedAggregator("d", KeyFields.parse("src_ip"), KeyFields.parse("dst_ip"), 8, SEED, 1000, maxKeys);
    }

    /** Source {@code s} sends one packet of 100 bytes to each of {@code dsts} destinations. */
    private static long send(HllKeyedAggregator a, int s, int dsts) {
        for (int d = 0; d < dsts; d++) {
            a.onPacket(packet(0x0A010000 + s, 0x0B000000 + d, 5, 80, 6, 100));
        }
        return dsts;
    }

    @Test
    void keysPastTheBoundAreLeftOutAndTheirPacketsCounted() {
        HllKeyedAggregator a = bounded(10);
        long untracked = 0;
        for (int s = 0; s < 50; s++) {
            long n = send(a, s, 1 + s % 5);
            if (s >= 10) {
                untracked += n;
            }
        }
        Snapshot snap = a.snapshot(0, 1);
        assertEquals(10, snap.rows().size());
        assertEquals(untracked, snap.totals().get("untracked_packets"));
        assertEquals(untracked * 100, snap.totals().get("untracked_bytes"));
        assertEquals(150L, snap.totals().get("total_packets"));
        a.reset();
        send(a, 99, 3);
        assertEquals(Map.of("total_packets", 3L, "total_bytes", 300L, "total_flows", 0L), a.snapshot(1, 2).totals(),
                "a reset window starts with room again");
    }

    @Test
    void aMergeThatDoesNotFitKeepsTheLargestSpreadsInEitherOrder() {
        HllKeyedAggregator small = bounded(10);
        HllKeyedAggregator wide = bounded(10);
        for (int s = 0; s < 10; s++) {
            send(small, s, 2);
            send(wide, 10 + s, 50);
        }
        for (boolean smallFirst : new boolean[] {true, false}) {
            HllKeyedAggregator m = bounded(10);
            m.merge(smallFirst ? small : wide);
            m.merge(smallFirst ? wide : small);
            Snapshot snap = m.snapshot(0, 1);
            assertEquals(10, snap.rows().size());
            for (Snapshot.Row r : snap.rows()) {
                String ip = (String) r.key().get("src_ip");
                int s = Integer.parseInt(ip.substring(ip.lastIndexOf('.') + 1));
                assertTrue(s >= 10 && s < 20, "kept " + ip);
                assertTrue(r.lower() <= 50 && 50 <= r.upper(), r.toString());
            }
            assertEquals(20L, snap.totals().get("untracked_packets"), "the small spreads' packets");
            assertEquals(520L, snap.totals().get("total_packets"));
        }
    }

    @Test
    void theByteFormCarriesTheBoundAndWhatItLeftOut() {
        HllKeyedAggregator a = bounded(3);
        for (int s = 0; s < 6; s++) {
            send(a, s, 4);
        }
        HllKeyedAggregator back = (HllKeyedAggregator) AggregatorBytes.fromBytes(AggregatorBytes.toBytes(a));
        assertEquals(a.snapshot(0, 1), back.snapshot(0, 1));
        assertEquals(3, back.maxKeys());
        send(back, 40, 1);
        assertEquals(a.untrackedPackets() + 1, back.untrackedPackets(), "the bound holds after reading");
    }

    /** Keyed bytes of the first format (no bound, no per-key packets), written field by field, still read. */
    @Test
    void keyedBytesOfTheFirstFormatStillRead() throws IOException {
        HllKeyedAggregator a = bounded(100);
        send(a, 1, 20);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bos)) {
            out.writeInt(Bytes.MAGIC);
            out.writeByte(Bytes.HLL);
            out.writeByte(1);
            out.writeLong(SEED);
            out.writeUTF("d");
            out.writeUTF("src_ip");
            out.writeLong(20);
            out.writeLong(2000);
            out.writeLong(0);
            out.writeUTF("dst_ip");
            out.writeByte(8);
            out.writeInt(1000);
            out.writeInt(1);
            for (long w : new long[] {0, 0x0A010001L, 4L << 40}) {
                out.writeLong(w);
            }
            byte[] state = AggregatorBytes.toBytes(a);
            // the registers are the last 256 bytes of the current form
            out.write(state, state.length - 256, 256);
        }
        HllKeyedAggregator old = (HllKeyedAggregator) AggregatorBytes.fromBytes(bos.toByteArray());
        assertEquals(HllKeyedAggregator.registerBoundKeys(8), old.maxKeys());
        assertEquals(a.snapshot(0, 1).rows(), old.snapshot(0, 1).rows());
    }

    @Test
    void theBoundIsASettingWithARange() {
        HllAggregatorProvider p = new HllAggregatorProvider();
        RuntimeException e = assertThrows(RuntimeException.class, () -> p.create(new PluginConfig("aggregator 'hll'",
                Map.of("name", "x", "element", "dst_ip", "key", "src_ip", "max-keys", "0"))));
        assertTrue(e.getMessage().contains("max-keys"), e.getMessage());
        HllKeyedAggregator d = (HllKeyedAggregator) p.create(new PluginConfig("aggregator 'hll'",
                Map.of("name", "x", "element", "dst_ip", "key", "src_ip")));
        assertEquals(262_144, d.maxKeys(), "64 MiB of 256-byte sketches");
    }
}
