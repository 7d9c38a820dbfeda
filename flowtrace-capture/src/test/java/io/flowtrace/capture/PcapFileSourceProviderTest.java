package io.flowtrace.capture;

import io.flowtrace.testkit.frames.CaptureFiles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PacketSourceProvider;
import io.flowtrace.core.spi.PluginConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapFileSourceProviderTest {
    @TempDir
    Path dir;

    private static PacketSourceProvider discovered() {
        for (PacketSourceProvider p : ServiceLoader.load(PacketSourceProvider.class)) {
            if (p.name().equals("pcap-file")) {
                return p;
            }
        }
        throw new AssertionError("no pcap-file provider found by ServiceLoader");
    }

    @Test
    void serviceLoaderFindsPcapFileAndItReadsThePathGiven() throws Exception {
        Path file = dir.resolve("one.pcap");
        Files.write(file, CaptureFiles.Pcap.ethernet().packet(1, 2, CaptureFiles.frame(60, 0)).toByteArray());
        PacketSourceProvider provider = discovered();
        assertInstanceOf(PcapFileSourceProvider.class, provider);
        Recorder r = new Recorder();
        try (PacketSource source = provider.create(new PluginConfig("source 'pcap-file'",
                Map.of("path", file.toString())))) {
            assertEquals(file.toString(), source.description());
            source.run(r);
        }
        assertEquals(1, r.size());
    }

    @Test
    void missingPathIsAConfigurationError() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> discovered().create(new PluginConfig("source 'pcap-file'", Map.of())));
        assertTrue(e.getMessage().contains("path: missing (required)"), e.getMessage());
    }

    @Test
    void unreadablePathAndUnknownKeysAreReportedTogether() {
        String nowhere = dir.resolve("nowhere.pcap").toString();
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> discovered().create(new PluginConfig("source 'pcap-file'",
                        Map.of("path", nowhere, "snaplen", "10"))));
        assertTrue(e.getMessage().contains("path: '" + nowhere + "' (expected: a readable capture file)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("unknown key 'snaplen' (known: filter, path)"), e.getMessage());
    }
}
