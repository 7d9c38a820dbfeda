package io.flowtrace.sinks.file;

import io.flowtrace.core.spi.Sink;
import io.flowtrace.sinks.testing.SinkContractTest;
import io.flowtrace.sinks.testing.TestRecords;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

class StdoutSinkContractTest extends SinkContractTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @Override
    protected Sink createSink() {
        return new StdoutSink("stdout", "ndjson", out, 64 * 1024);
    }

    @Override
    protected List<String> deliveredIds() {
        String text;
        synchronized (out) {
            text = out.toString(StandardCharsets.UTF_8);
        }
        return text.isEmpty() ? List.of() : TestRecords.flowIds(List.of(text.split("\n")));
    }
}
