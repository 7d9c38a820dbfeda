package io.flowtrace.sinks.file;

import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.sinks.testing.SinkContractTest;
import io.flowtrace.sinks.testing.TestRecords;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/** The contract for the file sink rotating every 64 KiB into gzip files: read back in name order. */
class RotatingGzipFileSinkContractTest extends SinkContractTest {
    @TempDir
    Path dir;

    @Override
    protected Sink createSink() {
        return new FileSink("file", FileSinkProvider.settings(new PluginConfig("sink 'file'",
                Map.of("path", dir.resolve("flows.ndjson").toString(), "gzip", "on", "rotate-size", "64KiB"))),
                Clock.systemUTC());
    }

    @Override
    protected List<String> deliveredIds() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted().toList();
        }
        List<String> lines = new ArrayList<>();
        for (Path f : files) {
            if (!f.getFileName().toString().endsWith(".ndjson.gz")) {
                throw new AssertionError("unexpected file after close: " + f.getFileName());
            }
            try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (!text.isEmpty()) {
                    lines.addAll(List.of(text.split("\n")));
                }
            }
        }
        return TestRecords.flowIds(lines);
    }
}
