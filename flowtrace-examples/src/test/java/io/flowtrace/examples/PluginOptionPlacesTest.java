package io.flowtrace.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A plugin option of a config file that its plugin refuses is reported at its line and column, as other keys are. */
class PluginOptionPlacesTest {
    private static final String CAPTURE = CaptureInputsTest.CAPTURE.toString();

    @Test
    void aSinksBadOptionAndUnknownKeyNameTheirLines(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("flows.yaml");
        Files.writeString(config, String.join("\n",
                "sinks:",
                "  - type: file",
                "    path: " + dir.resolve("out.ndjson"),
                "  - type: http",
                "    url: http://127.0.0.1:1/ingest",
                "    retry-budget: soon",
                "    colour: blue",
                "aggregators:",
                "  - type: exact",
                "    name: by-src",
                "    key: src_ip",
                "    limit: -3",
                ""));
        Cli r = Cli.run("flows", CAPTURE, "--config", config.toString(), "--quiet");
        assertEquals(2, r.status(), r.err());
        String at = "config " + config + ": ";
        assertTrue(r.err().contains("sink 'http': " + at + "sinks[1]: retry-budget (line 6, column 5): "),
                r.err());
        assertTrue(r.err().contains(at + "sinks[1]: unknown key 'colour' (line 7, column 5) (known: "), r.err());
        assertTrue(r.err().contains("aggregator 'exact': " + at + "aggregators[0]: limit (line 12, column 5): "),
                r.err());
        assertTrue(r.out().isEmpty());
    }

    @Test
    void aTypeAlsoGivenOnTheCommandLineIsNotPlacedInTheFile(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("flows.yaml");
        Files.writeString(config, "sinks:\n  - type: http\n    url: http://127.0.0.1:1/a\n    retry-budget: soon\n");
        Cli r = Cli.run("flows", CAPTURE, "--config", config.toString(), "--quiet", "--sink",
                "http:url=http://127.0.0.1:1/b");
        assertEquals(2, r.status(), r.err());
        // two sinks named 'http': which one the builder means cannot be told, so the message is left as it was
        assertTrue(r.err().contains("sink 'http': retry-budget: duration: 'soon'"), r.err());
        assertFalse(r.err().contains("line 4"), r.err());
    }
}
