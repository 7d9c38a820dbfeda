package io.flowtrace.examples;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopCommandTest {
    static final String CAPTURE = Path.of(System.getProperty("flowtrace.root", "."), "..", "shared", "corpus",
            "zeek", "ssh_ssh.pcap").toString();

    static Cli top(String... args) {
        String[] argv = new String[args.length + 2];
        argv[0] = "top";
        argv[1] = CAPTURE;
        System.arraycopy(args, 0, argv, 2, args.length);
        return Cli.run(argv);
    }

    /** The rows of a run that succeeded. */
    static List<String> rows(String... args) {
        Cli r = top(args);
        assertEquals(0, r.status(), r.err());
        return r.lines();
    }

    @Test
    void exactTopSourcesByBytesArePrintedLargestFirst() {
        assertEquals(List.of(
                "{\"key\":{\"src_ip\":\"131.103.20.168\"},\"value\":1103645}",
                "{\"key\":{\"src_ip\":\"192.168.1.32\"},\"value\":69468}",
                "{\"key\":{\"src_ip\":\"192.168.2.1\"},\"value\":36909}"),
                rows("--key", "src_ip", "--metric", "bytes", "--limit", "3", "--quiet"));
    }

    @Test
    void countMinSketchAgreesWithExactCountsOnASmallCapture() {
        assertEquals(rows("--key", "src_ip,dst_port", "--metric", "packets", "--limit", "5", "--quiet"),
                rows("--key", "src_ip,dst_port", "--metric", "packets", "--limit", "5", "--quiet", "--sketch",
                        "count-min", "--memory", "64KiB"));
    }

    @Test
    void spreadsComeFromTheExactTaskOrSuperSpread() {
        List<String> exact = rows("--key", "src_ip", "--metric", "spread:dst_ip", "--limit", "2", "--quiet");
        List<String> sketch = rows("--key", "src_ip", "--metric", "spread:dst_ip", "--limit", "2", "--quiet",
                "--sketch", "super-spread", "--memory", "256KiB");
        // 192.168.1.32 talks to 4 hosts (Zeek's conn.log agrees); the sketch estimates small spreads coarsely
        assertEquals("{\"key\":{\"src_ip\":\"192.168.1.32\"},\"value\":4}", exact.get(0));
        assertTrue(sketch.get(0).matches("\\{\"key\":\\{\"src_ip\":\"192.168.1.32\"},\"value\":[3-5],\"lower\":\\d+,\"upper\":\\d+}"),
                sketch.get(0));
    }

    @Test
    void mismatchedOptionsAreUsageErrors() {
        Cli r = top("--key", "src_ip", "--metric", "spread:dst_ip", "--sketch", "count-min");
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

    @Test
    void tableFormatPrintsTheSameRowsAsAlignedColumnsUnderAHeader() {
        assertEquals(List.of(
                "src_ip          dst_port   value",
                "131.103.20.168     58649  550445",
                "131.103.20.168     58646  550025",
                "192.168.1.32          22   60880"),
                rows("--key", "src_ip,dst_port", "--metric", "bytes", "--limit", "3", "--format", "table", "--quiet"));
        assertEquals(List.of(
                "{\"key\":{\"src_ip\":\"131.103.20.168\",\"dst_port\":58649},\"value\":550445}",
                "{\"key\":{\"src_ip\":\"131.103.20.168\",\"dst_port\":58646},\"value\":550025}",
                "{\"key\":{\"src_ip\":\"192.168.1.32\",\"dst_port\":22},\"value\":60880}"),
                rows("--key", "src_ip,dst_port", "--metric", "bytes", "--limit", "3", "--format", "json", "--quiet"));
    }

    @Test
    void tableFormatShowsBoundsOfEstimatesInTheirOwnColumns() {
        List<String> table = rows("--key", "src_ip", "--sketch", "super-spread", "--metric", "spread:dst_port",
                "--limit", "2", "--format", "table", "--quiet");
        assertEquals(3, table.size());
        assertTrue(table.get(0).matches("src_ip +value +lower +upper"), table.get(0));
        assertTrue(table.get(1).matches("\\S+ +\\d+ +\\d+ +\\d+"), table.get(1));
    }
}
