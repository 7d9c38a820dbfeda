package io.flowtrace.sinks.file;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.sinks.internal.CsvRecords;
import io.flowtrace.sinks.testing.SmallTmpfs;
import io.flowtrace.sinks.testing.TestRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rotating file sink fills a 2 MiB tmpfs mounted for the test (root only): every record offered is either in a
 * file, whole, once, or counted failed (thrown on, or under the sink's own {@code failed}), as the pipeline counts;
 * no {@code .part} file is left and no file without records; every file ends with a whole line (a gzip file is a
 * whole gzip file); {@code bytes} is what the files hold.
 */
class FullDiskTest {
    private static final int OFFERED = 200_000;

    @TempDir
    Path dir;

    @Test
    void ndjsonFillingADiskLosesNothingSilently() throws Exception {
        fill("flows.ndjson", "format", "ndjson");
    }

    @Test
    void gzipFillingADiskLosesNothingSilently() throws Exception {
        fill("flows.ndjson", "format", "ndjson", "gzip", "on");
    }

    @Test
    void csvFillingADiskLosesNothingSilently() throws Exception {
        fill("flows.csv", "format", "csv");
    }

    private void fill(String name, String... pairs) throws Exception {
        try (SmallTmpfs disk = SmallTmpfs.mount(dir, "2m")) {
            Path mnt = disk.path();
            Map<String, String> values = new LinkedHashMap<>();
            values.put("path", mnt.resolve(name).toString());
            values.put("rotate-size", "64KiB");
            values.put("buffer", "16KiB");
            for (int i = 0; i < pairs.length; i += 2) {
                values.put(pairs[i], pairs[i + 1]);
            }
            boolean csv = name.endsWith(".csv");
            FileSink sink = new FileSink("file", FileSinkProvider.settings(new PluginConfig("sink 'file'", values)),
                    Clock.systemUTC());
            List<FlowEvent> records = TestRecords.records(0, OFFERED);
            Map<String, Integer> order = new HashMap<>();
            long thrown = 0;
            for (int i = 0; i < OFFERED; i++) {
                FlowEvent r = records.get(i);
                order.put(r.flowId(), i);
                try {
                    sink.accept(r);
                } catch (IOException e) {
                    thrown++; // the pipeline counts it failed
                }
                if (i % 1000 == 999) {
                    try {
                        sink.flush();
                    } catch (IOException e) {
                        // the sink keeps what it holds and tries again later
                    }
                }
            }
            try {
                sink.close();
            } catch (IOException e) {
                // what it lost is in its counters
            }
            Map<String, Long> counters = sink.counters();
            long ownFailed = counters.getOrDefault("failed", 0L);
            long delivered = OFFERED - thrown - ownFailed;
            assertTrue(thrown + ownFailed > 0, "the disk filled up: " + counters);

            List<Path> files;
            try (Stream<Path> s = Files.list(mnt)) {
                files = s.sorted().toList();
            }
            long lines = 0;
            long bytes = 0;
            int last = -1;
            for (Path f : files) {
                assertFalse(f.toString().endsWith(".part"), "left behind: " + f + " (of " + files.size()
                        + " files)");
                String text = read(f);
                bytes += text.length();
                assertTrue(text.endsWith("\n"), f + " ends with a whole line");
                List<String> fileLines = new ArrayList<>(List.of(text.split("\n")));
                if (csv) {
                    assertEquals(CsvRecords.header(), fileLines.remove(0) + "\n", f + " starts with the header");
                }
                assertFalse(fileLines.isEmpty(), f + " holds records");
                for (String line : fileLines) {
                    String id = csv ? line.substring(0, line.indexOf(',')) : TestRecords.parse(line)
                            .get("flow_id").asText();
                    Integer at = order.get(id);
                    assertTrue(at != null && at > last, "each record once, in order: " + line);
                    last = at;
                    if (csv) {
                        assertEquals(CsvRecords.header().split(",").length, line.split(",").length, line);
                    }
                }
                lines += fileLines.size();
            }
            assertEquals(delivered, lines, "records in the files; counters " + counters + ", thrown " + thrown);
            assertEquals(bytes, counters.get("bytes"), "bytes in the files");
            assertEquals(files.size(), counters.get("files"), "files completed");
        }
    }

    private static String read(Path p) throws IOException {
        try (InputStream in = p.toString().endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(p))
                : Files.newInputStream(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
