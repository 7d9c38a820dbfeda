package io.flowtrace.capture;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PacketSourceProvider;
import io.flowtrace.core.spi.PluginConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Provides {@code pcap-file}: a {@link PcapFileSource} over the capture file given by the required key
 * {@code path}: a file, a FIFO or other stream by its path ({@code /dev/fd/63} of a shell's {@code <(zcat x.gz)}), or
 * {@code -} for standard input. The optional key {@code filter} is a BPF filter expression run on every frame (compiled
 * by libpcap, which it then needs; refused clearly without it). Found through {@link java.util.ServiceLoader}; the constructor does no I/O. Thread-safe (stateless).
 *
 * @since 0.1
 */
public final class PcapFileSourceProvider implements PacketSourceProvider {

    /** Stable name of this source. */
    public static final String NAME = "pcap-file";

    /** For {@link java.util.ServiceLoader}; does no I/O. */
    public PcapFileSourceProvider() {
        // no I/O: providers are instantiated during discovery
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * @throws ConfigurationException when {@code path} is missing or names no readable file, or an unknown key is
     *                                given
     */
    @Override
    public PacketSource create(PluginConfig config) {
        String text = config.requireString("path");
        Path path = null;
        String filter = config.getString("filter", "");
        if ("-".equals(text)) {
            config.validate();
            try {
                return PcapFileSource.open(java.util.List.of("-"), filter);
            } catch (IOException e) {
                throw new ConfigurationException(config.plugin() + ": standard input cannot be read ("
                        + e.getMessage() + ")", e);
            }
        }
        if (text != null) {
            try {
                path = Path.of(text);
                if (Files.isDirectory(path) || !Files.isReadable(path)) {
                    config.error("path: '" + text + "' (expected: a readable capture file)");
                }
            } catch (InvalidPathException e) {
                config.error("path: '" + text + "' (expected: a file path; " + e.getReason() + ")");
            }
        }
        config.validate();
        try {
            return PcapFileSource.open(java.util.List.of(path.toString()), filter);
        } catch (IOException e) {
            throw new ConfigurationException(config.plugin() + ": path: '" + text + "' cannot be opened ("
                    + e.getMessage() + ")", e);
        }
    }
}
