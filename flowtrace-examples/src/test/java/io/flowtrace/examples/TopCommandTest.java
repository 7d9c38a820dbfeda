package io.flowtrace.examples;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopCommandTest {
    static final String CAPTURE = Path.of(System.getProperty("flowtrace.root", "."), "..", "shared", "corpus",
            "zeek", "ssh_ssh.pcap").toString();

    record Result(int status, List<String> lines, String err) {
    }

    static Result top(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] argv = new String[args.length + 2];
        argv[0] = "top";
        argv[1] = CAPTURE;
        System.arraycopy(args, 0, argv, 2, args.length);
        int status = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        return new Result(status, text.isEmpty() ? List.of() : List.of(text.split("\n")),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void exactTopSourcesByBytesArePrintedLargestFirst() {
        Result r = top("--key", "src_ip", "--metric", "bytes", "--limit", "3", "--quiet");
        assertEquals(0, r.status(), r.err());
        assertEquals(List.of(
                "{\"key\":{\"src_ip\":\"131.103.20.168\"},\"value\":1103645}",
                "{\"key\":{\"src_ip\":\"192.168.1.32\"},\"value\":69468}",
                "{\"key\":{\"src_ip\":\"192.168.2.1\"},\"value\":36909}"), r.lines());
    }

    @Test
    void countMinSketchAgreesWithExactCountsOnASmallCapture() {
        Result exact = top("--key", "src_ip,dst_port", "--metric", "packets", "--limit", "5", "--quiet");
        Result sketch = top("--key", "src_ip,dst_port", "--metric", "packets", "--limit", "5", "--quiet",
                "--sketch", "count-min", "--memory", "64KiB");
        assertEquals(0, sketch.status(), sketch.err());
        assertEquals(exact.lines(), sketch.lines());
    }

    @Test
    void spreadsComeFromTheExactTaskOrSuperSpread() {
        Result exact = top("--key", "src_ip", "--metric", "spread:dst_ip", "--limit", "2", "--quiet");
        Result sketch = top("--key", "src_ip", "--metric", "spread:dst_ip", "--limit", "2", "--quiet",
                "--sketch", "super-spread", "--memory", "256KiB");
        assertEquals(0, exact.status(), exact.err());
        assertEquals(0, sketch.status(), sketch.err());
        // 192.168.1.32 talks to 4 hosts (Zeek's conn.log agrees); the sketch estimates small spreads coarsely
        assertEquals("{\"key\":{\"src_ip\":\"192.168.1.32\"},\"value\":4}", exact.lines().get(0));
        assertTrue(sketch.lines().get(0).matches("\\{\"key\":\\{\"src_ip\":\"192.168.1.32\"},\"value\":[3-5],\"lower\":\\d+,\"upper\":\\d+}"),
                sketch.lines().get(0));
    }

    @Test
    void mismatchedOptionsAreUsageErrors() {
        Result r = top("--key", "src_ip", "--metric", "spread:dst_ip", "--sketch", "count-min");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("needs --sketch super-spread or --exact"), r.err());
        r = top("--metric", "bytes");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("missing --key"), r.err());
        r = top("--key", "src_mac");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("src_mac"), r.err());
        r = top("--key", "src_ip", "--sketch", "count-min", "--max-keys", "10");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--max-keys applies to --exact only"), r.err());
        r = top("--key", "src_ip", "--max-keys", "0");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--max-keys"), r.err());
    }
}
