package io.flowtrace.sinks.file;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.EventJson;
import io.flowtrace.core.spi.PluginConfig;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.sinks.testing.ManualClock;
import io.flowtrace.sinks.testing.TestRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static io.flowtrace.sinks.testing.TestRecords.flowIds;
import static io.flowtrace.sinks.testing.TestRecords.idsOf;
import static io.flowtrace.testkit.frames.TextAssertions.assertContainsAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileSinkTest {
    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(1_714_564_800_000L);

    private FileSink sink(String... pairs) {
        Map<String, String> values = new java.util.LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            values.put(pairs[i], pairs[i + 1]);
        }
        return new FileSink("file", FileSinkProvider.settings(new PluginConfig("sink 'file'", values)), clock);
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static List<String> lines(Path p) throws IOException {
        byte[] bytes;
        try (InputStream in = p.toString().endsWith(".gz")
                ? new GZIPInputStream(Files.newInputStream(p)) : Files.newInputStream(p)) {
            bytes = in.readAllBytes();
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        return text.isEmpty() ? List.of() : List.of(text.split("\n", -1)).subList(0, text.split("\n", -1).length - 1);
    }

    @Test
    void ndjsonIsWrittenUnderATemporaryNameAndRenamedOnClose() throws Exception {
        Path target = dir.resolve("flows.ndjson");
        List<FlowEvent> records = TestRecords.records(0, 100);
        try (FileSink sink = sink("path", target.toString())) {
            for (FlowEvent r : records) {
                sink.accept(r);
            }
            sink.flush();
            assertEquals(List.of(dir.resolve("flows.ndjson.part")), files());
            assertEquals(idsOf(records), flowIds(lines(dir.resolve("flows.ndjson.part"))));
        }
        assertEquals(List.of(target), files());
        assertEquals(idsOf(records), flowIds(lines(target)));
    }

    @Test
    void snapshotsAreJsonLinesInTheSameNdjsonFile() throws Exception {
        Path target = dir.resolve("out.ndjson");
        try (FileSink sink = sink("path", target.toString())) {
            sink.accept(TestRecords.record(1));
            sink.accept(TestRecords.snapshot("top"));
        }
        List<String> lines = lines(target);
        assertEquals(2, lines.size());
        assertEquals("flow", TestRecords.parse(lines.get(0)).get("event").asText());
        assertEquals("snapshot", TestRecords.parse(lines.get(1)).get("event").asText());
        assertEquals("top", TestRecords.parse(lines.get(1)).get("task").asText());
    }

    @Test
    void ndjsonWithASnapshotPathKeepsSnapshotsInThatFileRotatedOnItsOwn() throws Exception {
        Path target = dir.resolve("flows.ndjson");
        Path snapshots = dir.resolve("snaps.ndjson");
        List<FlowEvent> records = TestRecords.records(0, 50);
        try (FileSink sink = sink("path", target.toString(), "snapshot-path", snapshots.toString(),
                "rotate-size", "4000")) {
            for (FlowEvent r : records) {
                sink.accept(r);
            }
            for (int i = 0; i < 40; i++) {
                sink.accept(TestRecords.snapshot("top" + i));
            }
        }
        List<String> flowLines = new ArrayList<>();
        List<String> snapshotLines = new ArrayList<>();
        for (Path f : files()) {
            String name = f.getFileName().toString();
            assertTrue(Files.size(f) <= 4000, name + " has " + Files.size(f) + " bytes");
            (name.startsWith("snaps-") ? snapshotLines : flowLines).addAll(lines(f));
        }
        assertEquals(idsOf(records), flowIds(flowLines));
        assertEquals(40, snapshotLines.size());
        for (int i = 0; i < 40; i++) {
            assertEquals(EventJson.toJson(TestRecords.snapshot("top" + i)), snapshotLines.get(i));
            assertEquals("top" + i, EventJson.readSnapshot(snapshotLines.get(i)).task());
        }
        assertTrue(files().stream().filter(f -> f.getFileName().toString().startsWith("snaps-")).count() > 1,
                "the snapshot file rotates too: " + files());
    }

    @Test
    void aSnapshotPathThatIsThePathOfTheRecordsIsRefused() {
        String path = dir.resolve("flows.ndjson").toString();
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> sink("path", path,
                "snapshot-path", path));
        assertTrue(e.getMessage().contains("snapshot-path: '" + path + "' is the path of the records"),
                e.getMessage());
    }

    @Test
    void closingWithoutRecordsLeavesAnEmptyFileWithItsCsvHeader() throws Exception {
        Path target = dir.resolve("flows.csv");
        sink("path", target.toString(), "format", "csv").close();
        assertEquals(List.of(target), files());
        List<String> lines = lines(target);
        assertEquals(1, lines.size());
        assertTrue(lines.get(0).startsWith("flow_id,timestamp,"), lines.get(0));
    }

    @Test
    void csvHasAHeaderAndOneLinePerRecordWithSnapshotsInASeparateFile() throws Exception {
        Path target = dir.resolve("flows.csv");
        try (FileSink sink = sink("path", target.toString(), "format", "csv")) {
            for (FlowEvent r : TestRecords.records(0, 10)) {
                sink.accept(r);
            }
            sink.accept(TestRecords.snapshot("top"));
        }
        List<String> lines = lines(target);
        assertEquals(11, lines.size());
        assertEquals(TestRecords.record(9).flowId(), lines.get(10).substring(0, 16));
        List<String> snaps = lines(dir.resolve("flows-snapshots.ndjson"));
        assertEquals(1, snaps.size());
        assertEquals(EventJson.toJson(TestRecords.snapshot("top")), snaps.get(0));
    }

    @Test
    void gzipFilesDecodeAfterAFlushAndAfterClose() throws Exception {
        Path target = dir.resolve("flows.ndjson");
        List<FlowEvent> records = TestRecords.records(0, 500);
        try (FileSink sink = sink("path", target.toString(), "gzip", "on")) {
            for (FlowEvent r : records.subList(0, 250)) {
                sink.accept(r);
            }
            sink.flush();
            Path part = dir.resolve("flows.ndjson.gz.part");
            assertTrue(Files.exists(part));
            // a flushed, unfinished gzip stream is readable up to the flush point
            byte[] raw = Files.readAllBytes(part);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) > 0) {
                    got.write(buf, 0, n);
                }
            } catch (java.io.EOFException expected) {
                // the trailer is written on close
            }
            assertEquals(250, got.toString(StandardCharsets.UTF_8).split("\n").length);
            for (FlowEvent r : records.subList(250, 500)) {
                sink.accept(r);
            }
        }
        assertEquals(List.of(dir.resolve("flows.ndjson.gz")), files());
        assertEquals(idsOf(records), flowIds(lines(dir.resolve("flows.ndjson.gz"))));
    }

    @Test
    void sizeRotationKeepsEveryFileUnderTheLimitAndEveryRecordInOrder() throws Exception {
        List<FlowEvent> records = TestRecords.records(0, 1000);
        long limit = 20_000;
        Map<String, Long> counters;
        try (FileSink sink = sink("path", dir.resolve("flows.ndjson").toString(), "rotate-size", "20000")) {
            for (FlowEvent r : records) {
                sink.accept(r);
            }
            counters = sink.counters();
        }
        List<Path> files = files();
        assertTrue(files.size() > 5, "files: " + files);
        List<String> all = new ArrayList<>();
        for (Path f : files) {
            String name = f.getFileName().toString();
            assertTrue(name.matches("flows-20240501T120000Z-\\d{6}\\.ndjson"), name);
            assertTrue(Files.size(f) <= limit, name + " has " + Files.size(f) + " bytes");
            all.addAll(lines(f));
        }
        assertEquals(idsOf(records), flowIds(all));
        assertEquals(files.size() - 1, counters.get("files"), "files completed before close");
    }

    private static byte[] json(FlowEvent r) {
        return EventJson.toBytes(r);
    }

    @Test
    void recordsWithThePipelinesEncodingGiveTheSameFileAsRecordsAlone() throws Exception {
        List<FlowEvent> records = TestRecords.records(0, 300);
        Path plain = dir.resolve("plain.ndjson");
        Path encoded = dir.resolve("encoded.ndjson");
        try (FileSink a = sink("path", plain.toString()); FileSink b = sink("path", encoded.toString())) {
            assertTrue(b.acceptsJson());
            for (FlowEvent r : records) {
                a.accept(r);
                b.accept(r, json(r));
            }
        }
        assertEquals(300, lines(encoded).size());
        assertEquals(Files.readString(plain), Files.readString(encoded));
    }

    @Test
    void encodedRecordsAreWrittenAsGivenAndRotateOnWholeLines() throws Exception {
        List<FlowEvent> records = TestRecords.records(0, 1000);
        try (FileSink sink = sink("path", dir.resolve("flows.ndjson").toString(), "rotate-size", "20000")) {
            for (FlowEvent r : records) {
                // the bytes given are what the file holds, even where they differ from the record
                sink.accept(r, "{\"flow_id\":\"given-%s\"}".formatted(r.flowId()).getBytes(StandardCharsets.US_ASCII));
            }
        }
        List<String> all = new ArrayList<>();
        for (Path f : files()) {
            assertTrue(Files.size(f) <= 20_000, f + " has " + Files.size(f) + " bytes");
            all.addAll(lines(f));
        }
        List<String> want = new ArrayList<>();
        for (FlowEvent r : records) {
            want.add("{\"flow_id\":\"given-" + r.flowId() + "\"}");
        }
        assertEquals(want, all);
    }

    @Test
    void csvDoesNotTakeJsonAndIgnoresAnEncodingGiven() throws Exception {
        Path target = dir.resolve("flows.csv");
        List<FlowEvent> records = TestRecords.records(0, 5);
        try (FileSink sink = sink("path", target.toString(), "format", "csv")) {
            assertFalse(sink.acceptsJson());
            for (FlowEvent r : records) {
                sink.accept(r, json(r));
            }
        }
        List<String> got = lines(target);
        assertEquals(6, got.size());
        for (int i = 0; i < records.size(); i++) {
            assertTrue(got.get(i + 1).startsWith(records.get(i).flowId() + ","), got.get(i + 1));
        }
    }

    @Test
    void timeRotationCompletesAFileAtTheFirstFlushAfterTheInterval() throws Exception {
        try (Sink sink = sink("path", dir.resolve("flows.ndjson").toString(), "rotate-interval", "1m")) {
            sink.accept(TestRecords.record(1));
            sink.flush();
            clock.advance(Duration.ofSeconds(59));
            sink.flush();
            assertEquals(List.of("flows-20240501T120000Z-000001.ndjson.part"), names());
            clock.advance(Duration.ofSeconds(1));
            sink.flush();
            assertEquals(List.of("flows-20240501T120000Z-000001.ndjson"), names());
            sink.accept(TestRecords.record(2));
            sink.flush();
            assertEquals(List.of("flows-20240501T120000Z-000001.ndjson", "flows-20240501T120100Z-000002.ndjson.part"),
                    names());
        }
        assertEquals(List.of("flows-20240501T120000Z-000001.ndjson", "flows-20240501T120100Z-000002.ndjson"), names());
        assertEquals(List.of(TestRecords.record(2).flowId()),
                flowIds(lines(dir.resolve("flows-20240501T120100Z-000002.ndjson"))));
    }

    @Test
    void rotatingSinkWithNothingToWriteLeavesNoFiles() throws Exception {
        sink("path", dir.resolve("flows.ndjson").toString(), "rotate-size", "1MiB").close();
        assertEquals(List.of(), files());
    }

    @Test
    void badSettingsAreAllReportedInOneMessage() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> sink(
                "path", dir.resolve("missing/flows.ndjson").toString(), "format", "xml", "rotate-size", "lots",
                "colour", "blue"));
        String m = e.getMessage();
        assertContainsAll(m, "path: directory of", "format: 'xml'", "rotate-size:", "unknown key 'colour'");
    }

    @Test
    void pathIsRequired() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> sink());
        assertTrue(e.getMessage().contains("path: missing"), e.getMessage());
        assertFalse(e.getMessage().contains("snapshot"), e.getMessage());
    }

    @Test
    void aFifoIsWrittenInPlaceWithoutTemporaryNameRenameOrRotation() throws Exception {
        Path out = Files.createDirectory(dir.resolve("out"));
        Path fifo = out.resolve("flows.ndjson");
        Process mkfifo;
        try {
            mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.abort("mkfifo not available: " + e.getMessage());
            return;
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(mkfifo.waitFor() == 0, "mkfifo failed");
        // a second name of the FIFO, to release the reader should the sink never open the FIFO itself
        Path handle = Files.createLink(dir.resolve("handle"), fifo);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        IOException[] failure = new IOException[1];
        java.util.concurrent.atomic.AtomicBoolean opened = new java.util.concurrent.atomic.AtomicBoolean();
        Thread reader = new Thread(() -> {
            try (InputStream in = Files.newInputStream(fifo)) {
                opened.set(true);
                in.transferTo(received);
            } catch (IOException e) {
                failure[0] = e;
            }
        }, "fifo-reader");
        reader.start();
        List<FlowEvent> records = TestRecords.records(0, 200);
        try {
            // rotation is configured but does not apply: a FIFO cannot be renamed or replaced
            try (FileSink sink = sink("path", fifo.toString(), "rotate-size", "2000")) {
                for (FlowEvent r : records) {
                    sink.accept(r);
                }
                sink.flush();
                assertEquals(List.of(fifo), list(out));
            }
        } finally {
            if (!opened.get()) {
                // the reader is still in open() (or just past it, holding the FIFO): this open cannot block
                Files.newOutputStream(handle, java.nio.file.StandardOpenOption.WRITE).close();
            }
            reader.join();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        assertEquals(List.of(fifo), list(out));
        assertFalse(Files.isRegularFile(fifo), "the FIFO was replaced by a regular file");
        String text = received.toString(StandardCharsets.UTF_8);
        assertEquals(idsOf(records), flowIds(List.of(text.split("\n"))));
    }

    @Test
    void csvToALinkTakesItsSnapshotsInlineAndMakesNoFileBesideIt() throws Exception {
        Path real = dir.resolve("real.csv");
        Files.writeString(real, "");
        Path link = Files.createSymbolicLink(dir.resolve("flows.csv"), real.getFileName());
        try (FileSink sink = sink("path", link.toString(), "format", "csv")) {
            for (FlowEvent r : TestRecords.records(0, 3)) {
                sink.accept(r);
            }
            sink.accept(TestRecords.snapshot("top"));
        }
        assertEquals(List.of(link, real), files(), "no flows-snapshots.ndjson beside the link");
        List<String> lines = lines(real);
        assertEquals(5, lines.size(), "header, three records, one snapshot");
        assertEquals(TestRecords.record(2).flowId(), lines.get(3).substring(0, 16));
        assertEquals("top", TestRecords.parse(lines.get(4)).get("task").asText());
    }

    @Test
    void aSymbolicLinkIsWrittenThroughAndStaysALink() throws Exception {
        Path real = Files.writeString(dir.resolve("real.ndjson"), "old content that is longer than nothing\n");
        Path link = Files.createSymbolicLink(dir.resolve("flows.ndjson"), real.getFileName());
        List<FlowEvent> records = TestRecords.records(0, 10);
        try (FileSink sink = sink("path", link.toString())) {
            for (FlowEvent r : records) {
                sink.accept(r);
            }
        }
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(List.of(link, real), files());
        assertEquals(idsOf(records), flowIds(lines(real)));
    }

    private static List<Path> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.sorted().toList();
        }
    }

    private List<String> names() throws IOException {
        List<String> names = new ArrayList<>();
        for (Path p : files()) {
            names.add(p.getFileName().toString());
        }
        return names;
    }
}
