package io.flowtrace.examples.plugin;

import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.spi.Snapshot;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ProtocolMixAggregatorTest {
    private static final Path SAMPLE = Path.of(System.getProperty("flowtrace.root", ".."))
            .resolve("flowtrace-examples/captures/sample.pcap");

    @Test
    void discoveredByNameAndMergedAcrossWorkersItCountsEveryPacketAndFlow() {
        for (int workers : new int[] {1, 3}) {
            List<Snapshot> snaps = Collections.synchronizedList(new ArrayList<>());
            FlowStats s = FlowTrace.builder().source("pcap-file", Map.of("path", SAMPLE.toString())).workers(workers)
                    .aggregator("protocol-mix", Map.of("metric", "packets")).onSnapshot(snaps::add).build().run();
            assertEquals(1, snaps.size());
            Snapshot snap = snaps.get(0);
            assertEquals(s.packetsDecoded(), snap.totals().get("total_packets"));
            assertEquals(s.events(), snap.totals().get("total_flows"));
            assertEquals(s.packetsDecoded(), snap.rows().stream().mapToLong(Snapshot.Row::value).sum());
            assertEquals("TCP", snap.rows().get(0).key().get("protocol"), "TCP carries most packets in the sample");
        }
    }

    @Test
    void refusesToMergeADifferentMetric() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ProtocolMixAggregator("a", "bytes").merge(new ProtocolMixAggregator("a", "flows")));
        assertEquals("merge: expected metric bytes, got flows", e.getMessage());
    }
}
