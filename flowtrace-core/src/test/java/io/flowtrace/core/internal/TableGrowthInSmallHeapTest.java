package io.flowtrace.core.internal;

import io.flowtrace.core.FlowOptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx56m", "-XX:+UseG1GC", "-cp", System.getProperty("java.class.path"),
                TableGrowthInSmallHeapTest.class.getName())
                .redirectErrorStream(true).start();
        String out;
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish in 60 s");
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), out);
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
            p.clear();
            p.ipVersion = 4;
            p.srcLo = 0x0a000000L + i;
            p.dstLo = 0xc0a80001L;
            p.srcPort = 40_000;
            p.dstPort = 53;
            p.protocol = 17;
            p.timestampNanos = 1_700_000_000_000_000_000L + i;
            p.wireLength = 80;
            p.ipLength = 66;
            RandomTraffic.hash(p, false);
            t.update(p);
        }
        System.out.println("capacity " + t.capacity() + " size " + t.size() + " records " + records[0]);
        System.out.flush();
    }
}
