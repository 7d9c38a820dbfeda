package io.flowtrace.core.internal;

import io.flowtrace.core.FlowOptions;
import io.flowtrace.core.testing.ChildJvm;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Growth when the heap is short, in a JVM of its own with a 56 MiB heap that holds nothing but one table. The table
 * starts at 65,536 flows (8 MiB) and grows four times over when the heap keeps room after it: 262,144 flows
 * (34 MiB) next to the old arrays would leave less than their size free, twice (17 MiB) does not, so it must reach
 * 131,072 flows, then stay there, say so, and evict. Without the smaller step it would stay at 65,536.
 */
class TableGrowthInSmallHeapTest {
    /** Flows offered: more than the table can hold in that heap. */
    static final int FLOWS = 400_000;

    @Test
    void whenFourTimesTheTableDoesNotFitItGrowsTwiceInstead() throws Exception {
        String out = ChildJvm.run(TableGrowthInSmallHeapTest.class, "-Xmx56m", "-XX:+UseG1GC");
        assertTrue(out.contains("capacity 131072 size 131072"), out);
        assertTrue(out.contains("a flow table stays at 131072 flows"), out);
        // every flow offered is either still in the table or was evicted into a record
        assertTrue(out.contains("records " + (FLOWS - 131_072)), out);
    }

    /** The child: one table, {@link #FLOWS} one-packet flows, then what it holds. */
    public static void main(String[] args) {
        long[] records = new long[1];
        SingleWriterFlowTable t = new SingleWriterFlowTable(FlowOptions.defaults(), 1 << 20, 65_536,
                r -> records[0]++, RecordContext.none());
        DecodedPacket p = new DecodedPacket();
        for (int i = 0; i < FLOWS; i++) {
            t.update(RandomTraffic.oneFlow(p, i));
        }
        System.out.println("capacity " + t.capacity() + " size " + t.size() + " records " + records[0]);
        System.out.flush();
    }
}
