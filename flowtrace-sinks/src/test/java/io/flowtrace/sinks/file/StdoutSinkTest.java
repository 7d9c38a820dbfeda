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
    void inTheSensorsFormatTcpAndUdpAreWrittenAsItsStructAndOthersCountedAsSkipped() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        io.flowtrace.core.FlowEvent tcp = TestRecords.record(1);
        io.flowtrace.core.FlowKey k = tcp.key();
        io.flowtrace.core.FlowEvent icmp = new io.flowtrace.core.FlowEvent("icmp", new io.flowtrace.core.FlowKey(
                k.ipVersion(), k.srcHi(), k.srcLo(), k.dstHi(), k.dstLo(), 0, 0, 1, 0), 0, 0, 1, 0, 98, 0, 84, 0, 0,
                0, io.flowtrace.core.EndReason.IDLE_TIMEOUT, null, null, io.flowtrace.core.Direction.UNKNOWN);
        io.flowtrace.core.spi.Sink sink = StdoutSinkProvider.to(out, "sensor");
        sink.accept(tcp);
        sink.accept(icmp);
        ((io.flowtrace.core.internal.JsonEncodedSink) sink).accept(tcp, io.flowtrace.core.EventJson.toBytes(tcp));
        sink.close();
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length);
        assertEquals(io.flowtrace.core.EventJson.toSensorJson(tcp), lines[0]);
        assertEquals(lines[0], lines[1], "the pipeline's encoding in flowtrace's form is not used");
        assertEquals(Map.of("skipped_by_format", 1L), sink.counters());
        assertTrue(!((io.flowtrace.core.internal.JsonEncodedSink) sink).acceptsJson());
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
