package io.flowtrace.sinks.file;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.sinks.testing.SinkContractTest;
import io.flowtrace.sinks.testing.TestRecords;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;

class FileSinkContractTest extends SinkContractTest {
    @TempDir
    Path dir;

    @Override
    protected Sink createSink() {
        return new FileSink("file", FileSinkProvider.settings(new PluginConfig("sink 'file'",
                Map.of("path", dir.resolve("flows.ndjson").toString()))), Clock.systemUTC());
    }

    @Override
    protected List<String> deliveredIds() throws Exception {
        Path p = dir.resolve("flows.ndjson");
        return Files.exists(p) ? TestRecords.flowIds(Files.readAllLines(p)) : List.of();
    }
}
