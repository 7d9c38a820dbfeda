package io.flowtrace.cluster;

import io.flowtrace.testkit.TestPacket;
import io.flowtrace.testkit.TestTraffic;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The partition of a flow: the same both ways, spread evenly, and keyed by the cluster's secret. */
class FlowPartitionerTest {
    private static final List<TestPacket> TRAFFIC = TestTraffic.zipf(3, 5_000, 5_000, 40_000);

    @Test
    void bothDirectionsOfAFlowGoToOnePartition() {
        FlowPartitioner p = ClusterSeed.of("partition-test-secret").partitioner(7);
        for (TestPacket t : TRAFFIC) {
            int there = p.partition(t.srcHi(), t.srcLo(), t.dstHi(), t.dstLo(), t.srcPort(), t.dstPort(),
                    t.protocol());
            int back = p.partition(t.dstHi(), t.dstLo(), t.srcHi(), t.srcLo(), t.dstPort(), t.srcPort(),
                    t.protocol());
            assertEquals(there, back);
            assertEquals(there, p.partition(t));
        }
        // the same address, ports swapped: still one flow
        assertEquals(p.partition(0, 5, 0, 5, 80, 443, 6), p.partition(0, 5, 0, 5, 443, 80, 6));
    }

    @Test
    void flowsSpreadEvenlyOverThePartitions() {
        FlowPartitioner p = ClusterSeed.of("partition-test-secret").partitioner(4);
        int[] count = new int[4];
        for (TestPacket t : TRAFFIC) {
            // one count per distinct source port: about 40,000 different flows
            count[p.partition(t.srcHi(), t.srcLo(), t.dstHi(), t.dstLo(), t.srcPort(), t.dstPort(), t.protocol())]++;
        }
        for (int c : count) {
            assertTrue(c > 9_000 && c < 11_000, java.util.Arrays.toString(count));
        }
    }

    @Test
    void anotherSecretPlacesFlowsElsewhere() {
        FlowPartitioner a = ClusterSeed.of("partition-test-secret").partitioner(2);
        FlowPartitioner b = ClusterSeed.of("partition-test-secret-2").partitioner(2);
        int differ = 0;
        for (TestPacket t : TRAFFIC.subList(0, 2_000)) {
            differ += a.partition(t) != b.partition(t) ? 1 : 0;
        }
        assertTrue(differ > 800 && differ < 1_200, "flows placed differently: " + differ + " of 2000");
    }

    @Test
    void addressBytesAndWordsAgreeAndSubjectsAreNumbered() {
        FlowPartitioner p = ClusterSeed.of("partition-test-secret").partitioner(3);
        assertEquals(p.partition(0, 0x0A000001L, 0, 0xC0A80001L, 1234, 53, 17),
                p.partition(new byte[] {10, 0, 0, 1}, new byte[] {(byte) 192, (byte) 168, 0, 1}, 1234, 53, 17));
        assertEquals("gons.packets.raw.2", p.subject("gons.packets.raw", 2));
        assertEquals("gons.packets.raw", ClusterSeed.of("partition-test-secret").partitioner(1)
                .subject("gons.packets.raw", 0));
        assertThrows(IllegalArgumentException.class, () -> new FlowPartitioner(0, 1));
        assertThrows(IllegalArgumentException.class, () -> p.partition(new byte[3], new byte[4], 1, 2, 6));
    }
}
