package io.flowtrace.bench;

import io.flowtrace.testkit.synth.SyntheticCapture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The measuring tools answer wrong arguments with what is wrong and their usage (status 2), never a stack trace. */
class ToolArgsTest {
    @TempDir
    Path dir;
    /** A small capture: 2,000 packets over 200 conversations. */
    private Path pcap;

    @BeforeEach
    void capture() throws IOException {
        pcap = dir.resolve("small.pcap");
        SyntheticCapture.builder().packets(2_000).conversations(200).truth(false).build().write(pcap);
    }

    private interface Tool {
        int run(String[] args, PrintStream out, PrintStream err) throws Exception;
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(Tool tool, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = tool.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void refused(Result r, String tool, String says) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith(tool + ": " + says), r.err());
        assertTrue(r.err().contains("usage: " + tool + " CAPTURE"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void throughputRefusesWrongArgumentsAndMeasuresRightOnes() throws Exception {
        Tool t = Throughput::run;
        refused(run(t), "Throughput", "the capture file comes first");
        refused(run(t, "--runs", "2"), "Throughput", "the capture file comes first");
        Path none = dir.resolve("none.pcap");
        refused(run(t, none.toString()), "Throughput", none + ": not a readable file");
        refused(run(t, dir.toString()), "Throughput", dir + ": not a readable file");
        refused(run(t, pcap.toString(), "--runs"), "Throughput", "--runs: missing value");
        refused(run(t, pcap.toString(), "--runs", "x"), "Throughput", "--runs: not a number: x");
        refused(run(t, pcap.toString(), "--workers", "0"), "Throughput", "--workers: 0 (expected: 1 or more)");
        refused(run(t, pcap.toString(), "--stages", "read,parse"), "Throughput", "--stages: unknown stage 'parse'");
        refused(run(t, pcap.toString(), "--fast"), "Throughput", "unknown argument --fast");
        String a = dir.resolve("a.ndjson").toString();
        String b = dir.resolve("b.ndjson").toString();
        refused(run(t, pcap.toString(), a, b), "Throughput", "unknown argument " + b);

        Result help = run(t, "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().startsWith("usage: Throughput CAPTURE"), help.out());

        Result ok = run(t, pcap.toString(), "--runs", "1", "--stages", "read,counter,read");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("read ") && ok.out().contains("2,000 packets"), ok.out());
        assertTrue(ok.out().contains("meter -> counter") && ok.out().contains("200 records"), ok.out());
    }

    @Test
    void handOffRefusesWrongArgumentsAndMeasuresRightOnes() throws Exception {
        Tool t = HandOff::run;
        refused(run(t), "HandOff", "the capture file comes first");
        Path none = dir.resolve("none.pcap");
        refused(run(t, none.toString()), "HandOff", none + ": not a readable file");
        refused(run(t, pcap.toString(), "--batches", "64,x"), "HandOff", "--batches: not a number: x");
        refused(run(t, pcap.toString(), "--batches", "64,-1"), "HandOff", "--batches: -1 (expected: 1 or more)");
        refused(run(t, pcap.toString(), "--runs"), "HandOff", "--runs: missing value");
        refused(run(t, pcap.toString(), "--depth", "4"), "HandOff", "unknown argument --depth");

        Result ok = run(t, pcap.toString(), "--batches", "4", "--runs", "1");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().startsWith("   4 batches"), ok.out());
    }
}
