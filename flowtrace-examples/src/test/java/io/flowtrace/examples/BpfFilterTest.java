package io.flowtrace.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --bpf-filter} on capture files: exactly the events of the traffic the filter passes. */
class BpfFilterTest {
    private static final String CAPTURE = CaptureInputsTest.CAPTURE.toString();

    private static List<String> only(List<String> events, String protocol) {
        List<String> out = new ArrayList<>();
        for (String e : events) {
            if (e.contains("\"protocol\":\"" + protocol + "\"")) {
                out.add(e);
            }
        }
        return out;
    }

    /**
     * Packet time is the clock, and a filter changes when the last packet is: with idle timeouts longer than the
     * capture, every flow ends at its end in both runs, so the events must be identical.
     */
    @Test
    void aUdpFilterGivesExactlyTheUdpEventsOfTheUnfilteredRun() {
        List<String> all = CaptureInputsTest.events(CAPTURE, "--idle-timeout", "1d", "--active-timeout", "1d");
        List<String> udp = only(all, "UDP");
        assertFalse(udp.isEmpty());
        assertTrue(udp.size() < all.size());
        assertEquals(udp, CaptureInputsTest.events(CAPTURE, "--idle-timeout", "1d", "--active-timeout", "1d", "--bpf-filter", "udp"));
        assertEquals(only(all, "TCP"), CaptureInputsTest.events(CAPTURE, "--idle-timeout", "1d", "--active-timeout", "1d", "--bpf-filter",
                "tcp"));
        // several captures: the filter applies to the merged packets
        List<String> twice = CaptureInputsTest.events(CAPTURE, CAPTURE, "--idle-timeout", "1d", "--active-timeout", "1d");
        assertEquals(only(twice, "UDP"), CaptureInputsTest.events(CAPTURE, CAPTURE, "--idle-timeout", "1d", "--active-timeout", "1d",
                "--bpf-filter", "udp"));
    }

    @Test
    void flowsTakesTheFilterFromItsConfigFileAndTheFlagWins(@TempDir Path dir) throws Exception {
        String[] timeouts = {"--idle-timeout", "1d", "--active-timeout", "1d"};
        List<String> all = CaptureInputsTest.events(CAPTURE, timeouts[0], timeouts[1], timeouts[2], timeouts[3]);
        Path config = dir.resolve("flows.yaml");
        Files.writeString(config, "bpf_filter: udp\n");
        assertEquals(only(all, "UDP"), CaptureInputsTest.events(CAPTURE, timeouts[0], timeouts[1], timeouts[2],
                timeouts[3], "--config", config.toString()));
        assertEquals(only(all, "TCP"), CaptureInputsTest.events(CAPTURE, timeouts[0], timeouts[1], timeouts[2],
                timeouts[3], "--config", config.toString(), "--bpf-filter", "tcp"));
    }

    @Test
    void topTakesTheFilterToo() {
        Cli r = Cli.run("top", CAPTURE, "--key", "protocol", "--metric", "flows", "--bpf-filter", "udp", "--quiet");
        assertEquals(0, r.status(), r.err());
        assertEquals(List.of("{\"key\":{\"protocol\":\"UDP\"},\"value\":4}"), r.lines());
    }

    @Test
    void aFilterThatDoesNotCompileIsRefusedWithLibpcapsWord() {
        Cli r = Cli.run("flows", CAPTURE, "--bpf-filter", "udp port eighty");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("bpf-filter: 'udp port eighty' (expected: a BPF filter expression"), r.err());
        assertTrue(r.lines().isEmpty());
    }
}
