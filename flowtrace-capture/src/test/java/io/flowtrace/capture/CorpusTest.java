package io.flowtrace.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.flowtrace.core.CaptureFileException;
import io.flowtrace.core.spi.PacketHandler;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Reads the shared capture corpus: every well-formed capture gives the packet count capinfos gave (the corpus
 * README table), and every damaged one ends quickly, in bounded memory, with either a normal end or a
 * {@link CaptureFileException} naming the file and an offset.
 */
class CorpusTest {
    /** Generous bound on a hang; files here are at most a few MB. */
    private static final Duration PER_FILE = Duration.ofSeconds(30);
    /** Read buffer (320 KiB), gzip buffers and a few objects: a corrupt length taken at its word is far above. */
    private static final long MAX_ALLOCATED_PER_FILE = 8L << 20;
    private static final Pattern LEADING_COUNT = Pattern.compile("^(\\d+)");

    private static Path corpus() {
        String root = System.getProperty("flowtrace.root");
        assertNotNull(root, "system property flowtrace.root (set by the build) is missing");
        Path corpus = Path.of(root).resolve("../shared/corpus").normalize();
        assertTrue(Files.isDirectory(corpus), "corpus not found at " + corpus);
        return corpus;
    }

    /** The README table: corpus-relative path to the packet count (the leading number of the packets column). */
    private static Map<String, Long> readmeCounts(Path corpus) throws IOException {
        Map<String, Long> counts = new HashMap<>();
        for (String line : Files.readAllLines(corpus.resolve("README.md"))) {
            if (!line.startsWith("| ") || line.startsWith("| file ")) {
                continue;
            }
            String[] cells = line.split("\\|");
            if (cells.length < 7) {
                continue;
            }
            Matcher m = LEADING_COUNT.matcher(cells[6].trim());
            if (m.find()) {
                counts.put(cells[1].trim(), Long.parseLong(m.group(1)));
            }
        }
        return counts;
    }

    private static boolean isCapture(Path p) {
        String name = p.getFileName().toString();
        return Files.isRegularFile(p) && !name.endsWith(".json") && !name.endsWith(".txt") && !name.endsWith(".log")
                && !name.endsWith(".md");
    }

    private static List<Path> captures(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(CorpusTest::isCapture).sorted().toList();
        }
    }

    private static final class Counter implements PacketHandler {
        long packets;

        @Override
        public void onPacket(long ts, int linkType, byte[] data, int offset, int caplen, int wire, int iface) {
            if (caplen < 0 || offset < 0 || offset + caplen > data.length || wire < caplen) {
                throw new AssertionError("bad slice: offset " + offset + ", caplen " + caplen + ", wire " + wire);
            }
            packets++;
        }
    }

    /**
     * Bytes allocated so far by the calling thread (HotSpot's ThreadMXBean extension), reached reflectively because
     * the tests compile inside this module, which does not read the management modules.
     */
    private static long allocatedByThisThread() throws ReflectiveOperationException {
        Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                .invoke(null);
        Method m = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
        return (Long) m.invoke(bean);
    }

    @TestFactory
    Stream<DynamicTest> wellFormedCapturesHaveTheReadmePacketCount() throws IOException {
        Path corpus = corpus();
        Map<String, Long> expected = readmeCounts(corpus);
        List<Path> files = new ArrayList<>(captures(corpus.resolve("zeek")));
        files.addAll(captures(corpus.resolve("arkime")));
        assertTrue(files.size() > 30, "captures found: " + files.size());
        return files.stream().map(file -> DynamicTest.dynamicTest(corpus.relativize(file).toString(), () -> {
            String key = corpus.relativize(file).toString().replace('\\', '/');
            Long count = expected.get(key);
            assertNotNull(count, "no packet count for " + key + " in the corpus README");
            Counter c = new Counter();
            try (PcapFileSource source = PcapFileSource.open(file)) {
                source.run(c);
                assertEquals(count, source.counters().get("packets_read"));
            }
            assertEquals(count.longValue(), c.packets, key);
        }));
    }

    @TestFactory
    Stream<DynamicTest> damagedCapturesEndCleanlyInBoundedMemory() throws IOException {
        Path corpus = corpus();
        Map<String, Long> expected = readmeCounts(corpus);
        List<Path> files = captures(corpus.resolve("malformed"));
        assertTrue(files.size() > 300, "captures found: " + files.size());
        return files.stream().map(file -> DynamicTest.dynamicTest(corpus.relativize(file).toString(), () -> {
            String key = corpus.relativize(file).toString().replace('\\', '/');
            Counter c = new Counter();
            CaptureFileException damage = assertTimeoutPreemptively(PER_FILE, () -> {
                long before = allocatedByThisThread();
                CaptureFileException caught = null;
                try (PcapFileSource source = PcapFileSource.open(file)) {
                    source.run(c);
                } catch (CaptureFileException e) {
                    caught = e;
                } catch (IOException | RuntimeException e) {
                    fail("expected a normal end or CaptureFileException, got " + e, e);
                }
                long allocated = allocatedByThisThread() - before;
                assertTrue(allocated < MAX_ALLOCATED_PER_FILE, "allocated " + allocated + " bytes reading " + key);
                return caught;
            });
            if (damage != null) {
                assertTrue(damage.getMessage().startsWith(file.toString() + ": "), damage.getMessage());
                assertTrue(damage.getMessage().endsWith(" at byte offset " + damage.offset()), damage.getMessage());
                assertTrue(damage.offset() >= 0 && damage.offset() <= Files.size(file)
                        || key.endsWith(".gz"), damage.getMessage());
            }
            Long count = expected.get(key);
            assertNotNull(count, "no packet count for " + key + " in the corpus README");
            assertEquals(count.longValue(), c.packets,
                    key + (damage == null ? " (normal end)" : " (" + damage.getMessage() + ")"));
        }));
    }

    @TestFactory
    Stream<DynamicTest> derivedDamageIsReportedAsTheReadmeSays() {
        Path derived = corpus().resolve("malformed/derived");
        // file, packets before the end, expected problem (null: a normal end)
        Object[][] cases = {
            {"bad_magic.pcap", 0, "not a capture file (magic 0xdeadbeef)"},
            {"caplen_gt_origlen.pcap", 112, null},
            {"header_only.pcap", 0, null},
            {"huge_caplen_record.pcap", 3, "caplen 4294967040 exceeds snaplen/maximum"},
            {"short_global_header.pcap", 0, "truncated global header (14 of 24 bytes)"},
            {"timestamp_backwards.pcap", 112, null},
            {"truncated_mid_record.pcap", 3, "packet data cut short (caplen 348, "},
            {"truncated_mid_record_header.pcap", 3, "record header cut short ("},
            {"zero_caplen_record.pcap", 113, null},
            {"zero_length.pcap", 0, "not a capture file (empty)"},
        };
        return Stream.of(cases).map(k -> DynamicTest.dynamicTest((String) k[0], () -> {
            Path file = derived.resolve((String) k[0]);
            Counter c = new Counter();
            String problem = null;
            try (PcapFileSource source = PcapFileSource.open(file)) {
                source.run(c);
            } catch (CaptureFileException e) {
                problem = e.getMessage();
            }
            assertEquals(((Integer) k[1]).longValue(), c.packets);
            if (k[2] == null) {
                assertEquals(null, problem);
            } else {
                assertNotNull(problem, "expected: " + k[2]);
                assertTrue(problem.contains((String) k[2]), problem);
            }
        }));
    }
}
