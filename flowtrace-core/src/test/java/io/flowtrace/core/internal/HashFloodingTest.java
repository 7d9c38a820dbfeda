package io.flowtrace.core.internal;

import static io.flowtrace.testkit.frames.Frames.ipv4;
import static io.flowtrace.testkit.frames.Frames.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowtrace.core.FlowOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Keys crafted to collide under a known seed (as an attacker who knew the process's seed would craft them) collide
 * under that seed, and spread like random keys under the process's own random seed: in the flow table, over the
 * workers, in the fragment cache. Costs are measured as counts (probe steps, packets per worker, evictions).
 */
class HashFloodingTest {
    /** The seed the attacker is assumed to know. */
    private static final FlowHash KNOWN = new FlowHash(42);
    private static final int RAW = 101;

    /** An IPv4 UDP datagram from 10.x.y.z:port to 192.0.2.1:53, the candidate key {@code i}. */
    private static byte[] frame(long i) {
        int src = 0x0A000000 | (int) (i >>> 14 & 0xFFFFFF);
        int sport = 1024 + (int) (i & 0x3FFF);
        return ipv4(17, ip(src), "192.0.2.1", udp(sport, 53, new byte[8]));
    }

    private static String ip(int a) {
        return (a >>> 24) + "." + (a >>> 16 & 0xff) + "." + (a >>> 8 & 0xff) + "." + (a & 0xff);
    }

    private static int knownHash(long i) {
        int src = 0x0A000000 | (int) (i >>> 14 & 0xFFFFFF);
        int sport = 1024 + (int) (i & 0x3FFF);
        return KNOWN.symmetric(0, src & 0xFFFF_FFFFL, 0, 0xC0000201L, sport, 53, 17, 0);
    }

    /** {@code n} frames whose hash under the known seed satisfies {@code wanted}, found by brute force. */
    private static List<byte[]> crafted(int n, java.util.function.IntPredicate wanted) {
        List<byte[]> out = new ArrayList<>();
        for (long i = 0; out.size() < n; i++) {
            if (wanted.test(knownHash(i))) {
                out.add(frame(i));
            }
        }
        return out;
    }

    private static List<byte[]> random(int n) {
        SplittableRandom r = new SplittableRandom(7);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(frame(r.nextLong(1L << 38)));
        }
        return out;
    }

    /**
     * Index entries walked past to find a flow, on average over the open flows; flows evicted by the probe limit;
     * flows open after the last packet.
     */
    private record Run(double probesPerFlow, long probeEvicted, int open) {
    }

    /** Every frame decoded by {@code decoder} and sent to one table, three times over. */
    private static Run run(PacketDecoder decoder, List<byte[]> frames) {
        long[] metered = new long[1];
        SingleWriterFlowTable table = new SingleWriterFlowTable(FlowOptions.defaults(), TABLE_FLOWS, TABLE_FLOWS,
                r -> metered[0] += r.packetsForward() + r.packetsReverse(), RecordContext.none());
        DecodedPacket p = new DecodedPacket();
        long updates = 0;
        for (int round = 0; round < 3; round++) {
            for (byte[] f : frames) {
                assertEquals(DecodeStatus.OK, decoder.decode(f, 0, f.length, RAW, p));
                p.timestampNanos = 1_000_000_000L + updates;
                p.wireLength = f.length;
                table.update(p);
                updates++;
            }
        }
        Run result = new Run((double) table.displacement() / table.size(), table.probeEvicted(), table.size());
        table.flush(io.flowtrace.core.EndReason.END_OF_CAPTURE);
        assertEquals(updates, metered[0], "every packet in some event, evicted ones included");
        return result;
    }

    /** A table of this bound has an index of 8192 entries from the start: 13 bits of hash pick the position. */
    private static final int TABLE_FLOWS = 4096;
    private static final int INDEX_MASK = 8191;

    @Test
    void keysCraftedIntoOneIndexPositionWalkAtMostTheProbeLimitUnderTheirSeedAndLikeRandomKeysUnderTheProcessSeed() {
        int n = 3000;
        List<byte[]> attack = crafted(n, h -> (h & INDEX_MASK) == 0);
        Run known = run(new PacketDecoder(false, false, false, 256, KNOWN), attack);
        // under the seed they were made for they form one cluster: a lookup walks up to the probe limit ...
        assertTrue(known.probesPerFlow() > SingleWriterFlowTable.MAX_PROBE / 4.0, known.toString());
        // ... and no further (without the limit: about n / 2)
        assertTrue(known.probesPerFlow() <= SingleWriterFlowTable.MAX_PROBE, known.toString());
        assertTrue(known.probeEvicted() > 0, "the full window evicts");

        double randomKeys = run(new PacketDecoder(false, false), random(n)).probesPerFlow();
        Run process = run(new PacketDecoder(false, false), attack);
        assertEquals(0, process.probeEvicted());
        assertEquals(n, process.open(), "every crafted flow tracked");
        double processSeed = process.probesPerFlow();
        assertTrue(processSeed <= 2 * randomKeys + 1,
                "crafted keys under the process seed " + processSeed + " vs random keys " + randomKeys);
    }

    @Test
    void keysCraftedOntoOneWorkerSpreadOverAllUnderTheProcessSeed() {
        int workers = 4;
        int n = 4000;
        List<byte[]> attack = crafted(n, h -> Pipeline.workerOf(h, workers) == 0);
        int[] known = perWorker(new PacketDecoder(false, false, false, 256, KNOWN), attack, workers);
        assertEquals(n, known[0], "all on one worker under the seed they were made for");
        int[] process = perWorker(new PacketDecoder(false, false), attack, workers);
        for (int w = 0; w < workers; w++) {
            assertTrue(process[w] > n / workers * 0.8 && process[w] < n / workers * 1.2,
                    "worker " + w + ": " + java.util.Arrays.toString(process));
        }
    }

    private static int[] perWorker(PacketDecoder decoder, List<byte[]> frames, int workers) {
        int[] count = new int[workers];
        DecodedPacket p = new DecodedPacket();
        for (byte[] f : frames) {
            decoder.decode(f, 0, f.length, RAW, p);
            count[Pipeline.workerOf(p.flowHash, workers)]++;
        }
        return count;
    }

    @Test
    void firstFragmentsCraftedIntoAVictimsSetEvictItOnlyUnderTheirSeed() {
        byte[] victimFirst = ipv4(17, "10.0.0.1", "10.0.0.2", 7, 0x2000, new byte[0], udp(5000, 53, new byte[16]));
        byte[] victimLater = ipv4(17, "10.0.0.1", "10.0.0.2", 7, 3, new byte[0], new byte[8]);
        int victimSet = KNOWN.fragment(0, 0x0A000001L, 0, 0x0A000002L, 7, 4 << 8 | 17)
                & (PacketDecoder.FRAGMENT_CACHE_SETS - 1);
        // the attacker's own first fragments, ids chosen so that they land in the victim's set
        List<byte[]> attack = new ArrayList<>();
        for (int id = 0; attack.size() < FragmentCache.WAYS; id++) {
            int h = KNOWN.fragment(0, 0xC6336401L, 0, 0x0A000002L, id, 4 << 8 | 17);
            if ((h & (PacketDecoder.FRAGMENT_CACHE_SETS - 1)) == victimSet) {
                attack.add(ipv4(17, "198.51.100.1", "10.0.0.2", id, 0x2000, new byte[0], udp(9, 9, new byte[8])));
            }
        }
        assertTrue(victimEvicted(new PacketDecoder(false, false, false, PacketDecoder.FRAGMENT_CACHE_SETS, KNOWN),
                victimFirst, attack, victimLater), "evicted under the seed the fragments were made for");
        assertFalse(victimEvicted(new PacketDecoder(false, false), victimFirst, attack, victimLater),
                "kept under the process seed");
    }

    private static boolean victimEvicted(PacketDecoder d, byte[] first, List<byte[]> attack, byte[] later) {
        DecodedPacket p = new DecodedPacket();
        d.decode(first, 0, first.length, RAW, p);
        for (byte[] f : attack) {
            d.decode(f, 0, f.length, RAW, p);
        }
        d.decode(later, 0, later.length, RAW, p);
        return p.fragment;
    }

    @Test
    void theSeededHashIsSymmetricAndDependsOnTheSeed() {
        FlowHash other = new FlowHash(43);
        int forward = KNOWN.symmetric(1, 2, 3, 4, 1000, 53, 17, 5);
        assertEquals(forward, KNOWN.symmetric(3, 4, 1, 2, 53, 1000, 17, 5));
        assertEquals(other.symmetric(1, 2, 3, 4, 1000, 53, 17, 5), other.symmetric(3, 4, 1, 2, 53, 1000, 17, 5));
        assertNotEquals(forward, other.symmetric(1, 2, 3, 4, 1000, 53, 17, 5));
        assertNotEquals(forward, KNOWN.symmetric(1, 2, 3, 4, 1000, 53, 6, 5), "protocol");
        assertNotEquals(forward, KNOWN.symmetric(1, 2, 3, 4, 1000, 53, 17, 6), "vlan");
        assertNotEquals(forward, KNOWN.symmetric(1, 2, 3, 4, 53, 1000, 17, 5), "ports swapped between endpoints");
        // one address word moved into the other is another endpoint (an unkeyed hi * 31 + lo collided)
        assertNotEquals(KNOWN.symmetric(1, 2, 3, 4, 1, 1, 6, 0), KNOWN.symmetric(0, 2 + 31, 3, 4, 1, 1, 6, 0));
        // flow ids stay process-independent: FlowEventTest pins their values
    }
}
