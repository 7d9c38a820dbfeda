package io.flowtrace.query.clickhouse;

import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.query.EngineSnapshots;
import io.flowtrace.query.TaskSnapshot;
import io.flowtrace.sketch.EngineTasks;
import io.flowtrace.testkit.synth.SyntheticCapture;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine's tasks (an exact five-tuple task, a Count-Min task ranked by packets and by bytes, a SuperSpread task)
 * run by the real aggregators over a generated capture, every 30 s of packet time, and the capture's ground truth.
 */
final class GeneratedSnapshots {
    /** 2023-11-14T22:13:20Z: a start on a whole second, 20,000 packets 10 ms apart: 200 s of traffic. */
    static final long START = 1_700_000_000_000_000_000L;
    static final String EXACT = "per_five_tuple";
    static final String COUNT_MIN = "cm_src";
    static final String SPREAD = "ss_src_dst";

    /** Every snapshot part in the order the pipeline gave them. */
    final List<TaskSnapshot> snapshots;
    final List<SyntheticCapture.Conversation> truth;
    final Map<String, Long> packetsBySource = new HashMap<>();
    final Map<String, Long> bytesBySource = new HashMap<>();
    long packets;
    long bytes;
    long keys;

    private GeneratedSnapshots(List<TaskSnapshot> snapshots, List<SyntheticCapture.Conversation> truth) {
        this.snapshots = snapshots;
        this.truth = truth;
        for (SyntheticCapture.Conversation c : truth) {
            // a packet's source is the client going forward and the server coming back
            packetsBySource.merge(c.key().srcIp(), c.packetsForward(), Long::sum);
            packetsBySource.merge(c.key().dstIp(), c.packetsReverse(), Long::sum);
            bytesBySource.merge(c.key().srcIp(), c.bytesForward(), Long::sum);
            bytesBySource.merge(c.key().dstIp(), c.bytesReverse(), Long::sum);
            packets += c.packetCount();
            bytes += c.bytesForward() + c.bytesReverse();
            keys += (c.packetsForward() > 0 ? 1 : 0) + (c.packetsReverse() > 0 ? 1 : 0);
        }
    }

    static GeneratedSnapshots run(Path dir) throws IOException {
        SyntheticCapture capture = SyntheticCapture.builder().packets(20_000).conversations(400).zipf(1.0).seed(11)
                .start(START).spacing(Duration.ofMillis(10)).build();
        Path pcap = dir.resolve("generated.pcap");
        capture.write(pcap);
        Map<String, Object> config = Map.of("aggregator", Map.of(
                "exact", Map.of("tasks", List.of(Map.of("name", EXACT,
                        "key_fields", List.of("SrcIP", "DstIP", "SrcPort", "DstPort", "Protocol")))),
                "sketch", Map.of("tasks", List.of(
                        Map.of("name", COUNT_MIN, "skt_type", 0, "flow_fields", List.of("SrcIP"), "width", 4096,
                                "depth", 2, "count_thereshold", 50, "size_thereshold", 40_000),
                        map("name", SPREAD, "skt_type", 1, "flow_fields", List.of("SrcIP"),
                                "element_fields", List.of("DstIP"), "width", 1024, "depth", 2,
                                "count_thereshold", 1, "m", 128, "size", 5, "b", 1.08, "base", 0.5)))));
        Map<String, EngineTasks.Task> byName = new LinkedHashMap<>();
        FlowTrace.Builder b = FlowTrace.builder().source(capture.source());
        for (EngineTasks.Task t : EngineTasks.fromConfig(config)) {
            byName.put(t.name(), t);
            b.aggregator(t.type(), t.settings());
        }
        List<TaskSnapshot> out = Collections.synchronizedList(new ArrayList<>());
        b.onSnapshot(Duration.ofSeconds(30), s -> out.add(engine(byName.get(s.task()), s)));
        try (FlowTrace meter = b.build()) {
            meter.run();
        }
        return new GeneratedSnapshots(List.copyOf(out), SyntheticCapture.readTruth(SyntheticCapture.truthPath(pcap)));
    }

    private static Map<String, Object> map(Object... pairs) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], pairs[i + 1]);
        }
        return m;
    }

    private static TaskSnapshot engine(EngineTasks.Task t, Snapshot s) {
        List<String> fields = List.of(t.settings().get("key").split(","));
        return t.code() == EngineTasks.EXACT ? EngineSnapshots.exact(t.engineTask(), fields, s)
                : EngineSnapshots.sketch(t.engineTask(), fields, t.code(), s);
    }

    /** {@return the distinct snapshot times of a task, oldest first} */
    List<Long> times(String task) {
        List<Long> out = new ArrayList<>();
        for (TaskSnapshot s : snapshots) {
            if (s.task().equals(task) && (out.isEmpty() || out.get(out.size() - 1) != s.timeNanos())) {
                out.add(s.timeNanos());
            }
        }
        return out;
    }
}
