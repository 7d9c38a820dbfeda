package io.flowtrace.sketch;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.sketch.countmin.CountMinAggregator;
import io.flowtrace.sketch.superspread.SuperSpreadAggregator;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EngineTasksTest {

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void readsTheEngineConfigurationShape() {
        Map<String, Object> config = Map.of("aggregator", Map.of(
                "period", "10m",
                "exact", Map.of("tasks", List.of(
                        Map.of("name", "per_five_tuple", "num_shards", 64,
                                "key_fields", List.of("SrcIP", "DstIP", "SrcPort", "DstPort", "Protocol")),
                        Map.of("name", "per_src_ip", "key_fields", List.of("SrcIP")))),
                "sketch", Map.of("tasks", List.of(
                        Map.of("name", "hh", "skt_type", 0, "flow_fields", List.of("SrcIP"), "width", 4096,
                                "depth", 3, "count_thereshold", 1000),
                        map("name", "ss", "skt_type", 1, "flow_fields", List.of("SrcIP"),
                                "element_fields", List.of("DstIP"), "width", 1024, "depth", 2,
                                "count_threshold", 500, "m", 64, "size", 5, "base", 0.5, "b", 1.08)))));
        List<EngineTasks.Task> tasks = EngineTasks.fromConfig(config);
        assertEquals(4, tasks.size());
        // the engine's exact task keeps each key's packets, bytes, first and last seen: lifecycle on
        assertEquals(new EngineTasks.Task("exact", Map.of("name", "per_five_tuple",
                "key", "src_ip,dst_ip,src_port,dst_port,protocol", "lifecycle", "true")), tasks.get(0));
        assertEquals("src_ip", tasks.get(1).settings().get("key"));
        assertEquals(Map.of("name", "hh", "key", "src_ip", "width", "4096", "depth", "3", "metric", "packets",
                "threshold", "1000"), tasks.get(2).settings());
        assertEquals("super-spread", tasks.get(3).type());
        assertEquals("dst_ip", tasks.get(3).settings().get("element"));
        assertEquals("5", tasks.get(3).settings().get("bits"));
        assertEquals("500", tasks.get(3).settings().get("threshold"));

        for (EngineTasks.Task t : tasks) {
            Aggregator a = t.create();
            assertEquals(t.type(), a.type());
            assertEquals(t.name(), a.task());
        }
        CountMinAggregator hh = (CountMinAggregator) tasks.get(2).create();
        assertEquals(4096, hh.sketch().width());
        assertEquals(3, hh.sketch().depth());
        SuperSpreadAggregator ss = (SuperSpreadAggregator) tasks.get(3).create();
        assertEquals(1024, ss.sketch().width());
        assertEquals(64, ss.sketch().m());
    }

    @Test
    void bothThresholdsMakeOneTaskPerMetricUnderEitherSpelling() {
        List<EngineTasks.Task> misspelled = EngineTasks.sketchTask(Map.of("name", "hh", "skt_type", 0,
                "flow_fields", List.of("DstIP"), "count_thereshold", 10, "size_thereshold", 5000));
        List<EngineTasks.Task> correct = EngineTasks.sketchTask(Map.of("name", "hh", "skt_type", 0,
                "flow_fields", List.of("DstIP"), "count_threshold", 10, "size_threshold", 5000));
        assertEquals(misspelled, correct);
        assertEquals(List.of("hh", "hh_bytes"), List.of(correct.get(0).name(), correct.get(1).name()));
        assertEquals("packets", correct.get(0).settings().get("metric"));
        assertEquals("10", correct.get(0).settings().get("threshold"));
        assertEquals("bytes", correct.get(1).settings().get("metric"));
        assertEquals("5000", correct.get(1).settings().get("threshold"));

        List<EngineTasks.Task> bytesOnly = EngineTasks.sketchTask(Map.of("name", "b", "skt_type", 0,
                "flow_fields", "src_ip", "size_thereshold", 5000));
        assertEquals(1, bytesOnly.size());
        assertEquals("b", bytesOnly.get(0).name());
        assertEquals("bytes", bytesOnly.get(0).settings().get("metric"));
    }

    @Test
    void mistakesNameTheTaskAndTheKey() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> EngineTasks.sketchTask(
                Map.of("name", "x", "skt_type", 2, "flow_fields", List.of("SrcIP"))));
        assertTrue(e.getMessage().contains("sketch task 'x': skt_type: 2 (expected: 0"), e.getMessage());
        e = assertThrows(ConfigurationException.class, () -> EngineTasks.exactTask(
                Map.of("name", "y", "key_fields", List.of("SrcMac"))));
        assertTrue(e.getMessage().contains("exact task 'y': key_fields: key field: 'SrcMac'"), e.getMessage());
        e = assertThrows(ConfigurationException.class, () -> EngineTasks.sketchTask(
                Map.of("name", "z", "skt_type", 0, "flow_fields", List.of("SrcIP"), "wdith", 5)));
        assertTrue(e.getMessage().contains("unknown key [wdith]") && e.getMessage().contains("width"),
                e.getMessage());
    }
}
