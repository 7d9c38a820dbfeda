package io.flowtrace.examples;

import io.flowtrace.core.FlowOptions;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sharding never changes a record: every capture of the shared corpus's {@code zeek/} and {@code arkime/} folders,
 * metered with each tool's flow definition (tunnels opened, VLAN in the key for Arkime), gives the same records,
 * field for field, with one, two and four workers.
 */
class WorkerCountTest {

    @TestFactory
    Stream<DynamicTest> corpusCapturesGiveTheSameRecordsForOneTwoAndFourWorkers() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String dir : List.of("zeek", "arkime")) {
            FlowOptions options = dir.equals("zeek") ? ConformanceTest.ZEEK : ConformanceTest.ARKIME;
            for (Path capture : captures(dir)) {
                tests.add(DynamicTest.dynamicTest(dir + "/" + capture.getFileName(), () -> {
                    List<FlowEvent> one = meter(capture, options, 1);
                    assertTrue(!one.isEmpty(), "no records from " + capture);
                    assertEquals(one, meter(capture, options, 2), "2 workers");
                    assertEquals(one, meter(capture, options, 4), "4 workers");
                }));
            }
        }
        return tests.stream();
    }

    private static List<Path> captures(String dir) throws IOException {
        Path root = Path.of(System.getProperty("flowtrace.root", ".")).resolve("../shared/corpus").resolve(dir)
                .normalize();
        assertTrue(Files.isDirectory(root), "corpus folder missing: " + root);
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng")).sorted()
                    .toList();
        }
    }

    /** The records, in an order that does not depend on which worker finished first. */
    private static List<FlowEvent> meter(Path capture, FlowOptions options, int workers) {
        List<FlowEvent> records = Collections.synchronizedList(new ArrayList<>());
        FlowStats stats = FlowTrace.builder().source("pcap-file", Map.of("path", capture.toString()))
                .options(options).workers(workers).onEvent(records::add).build().run();
        assertEquals(stats.events(), records.size());
        List<FlowEvent> sorted = new ArrayList<>(records);
        sorted.sort(Comparator.comparing(FlowEvent::flowId).thenComparingLong(FlowEvent::endNanos)
                .thenComparingLong(FlowEvent::packetCount));
        return sorted;
    }
}
