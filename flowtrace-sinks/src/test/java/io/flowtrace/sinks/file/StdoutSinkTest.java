package io.flowtrace.sinks.file;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.SinkProvider;
import io.flowtrace.sinks.testing.TestRecords;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StdoutSinkTest {

    @Test
    void linesReachTheStreamOnlyWhenFlushed() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StdoutSink sink = new StdoutSink("stdout", "ndjson", out, 64 * 1024);
        sink.accept(TestRecords.record(1));
        sink.accept(TestRecords.snapshot("top"));
        assertEquals(0, out.size());
        sink.flush();
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length);
        assertEquals(TestRecords.record(1).flowId(), TestRecords.parse(lines[0]).get("flow_id").asText());
        sink.accept(TestRecords.record(2));
        sink.close();
        assertEquals(3, out.toString(StandardCharsets.UTF_8).split("\n").length);
    }

    @Test
    void csvOnStdoutStartsWithOneHeader() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (StdoutSink sink = new StdoutSink("stdout", "csv", out, 1024)) {
            sink.accept(TestRecords.record(1));
            sink.accept(TestRecords.record(2));
        }
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(3, lines.length);
        assertTrue(lines[0].startsWith("flow_id,"));
    }

    @Test
    void providersAreFoundByTheirNames() {
        TreeSet<String> names = new TreeSet<>();
        for (SinkProvider p : ServiceLoader.load(SinkProvider.class)) {
            names.add(p.name());
        }
        assertTrue(names.containsAll(List.of("file", "stdout")), names.toString());
        new StdoutSinkProvider().create(new PluginConfig("sink 'stdout'", Map.of("format", "csv")));
    }
}
