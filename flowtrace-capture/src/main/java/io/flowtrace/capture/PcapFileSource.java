package io.flowtrace.capture;

import io.flowtrace.core.CaptureFileException;
import io.flowtrace.core.spi.PacketHandler;
import io.flowtrace.core.spi.PacketSource;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads a capture file in pure Java: pcap in either byte order with micro- or nanosecond timestamps, and pcapng
 * with any number of sections (each in its own byte order) and interfaces (each with its own link type, timestamp
 * resolution and offset), plain or gzip-compressed (told by the content, not the name; concatenated gzip members are
 * read as one stream). Files of any size are streamed; nothing is allocated per packet.
 *
 * <p>Every packet is handed on with its timestamp in epoch nanoseconds, its link type and an interface index:
 * 0 for pcap; for pcapng the interface's number counted across the whole file, so with a single section it equals
 * the pcapng interface id, and a second section's interfaces are numbered on after the first section's.
 * Simple packet blocks carry no time and are handed on with the previous packet's time. A record whose caplen
 * exceeds its original length is handed on with the caplen as its wire length and counted
 * ({@code caplen_exceeds_wirelen}). Timestamps going backwards and zero-length records are handed on unchanged.
 *
 * <p>A damaged file ends {@link #run} with a {@link CaptureFileException} naming the file, the byte offset (in the
 * decompressed stream) and the problem, after every good packet before the damage has been handed on. Records
 * longer than 262,144 bytes are reported as damage, so a corrupt length never turns into a large allocation.
 *
 * <p><b>Thread safety:</b> run by one thread, once; {@link #stop()}, {@link #close()}, {@link #counters()} and
 * {@link #interfaceName(int)} are safe from any thread.
 *
 * @since 0.1
 */
public final class PcapFileSource implements PacketSource {
    private final CaptureFileReader reader;
    private final AtomicBoolean started = new AtomicBoolean();

    private PcapFileSource(CaptureFileReader reader) {
        this.reader = reader;
    }

    /**
     * Opens a capture file, or a FIFO or other stream by its path (read as {@link #open(String, java.io.InputStream)}
     * reads). The content is read and checked by {@link #run}.
     *
     * @param path the capture file
     * @return a source reading it
     * @throws IOException when the file cannot be opened
     */
    public static PcapFileSource open(Path path) throws IOException {
        return open(path, CaptureFileReader.DEFAULT_BUFFER_SIZE);
    }

    /**
     * Reads a capture from a stream that cannot seek: standard input, a pipe, a FIFO. Compression is told by the
     * first two bytes, as for a file. The stream is closed when {@link #run} returns.
     *
     * @param name the stream as named to the user (for messages): {@code "-"} or {@code "standard input"}
     * @param in   the stream
     * @return the source
     * @throws IOException when the first bytes cannot be read
     */
    public static PcapFileSource open(String name, java.io.InputStream in) throws IOException {
        Objects.requireNonNull(in, "in");
        return new PcapFileSource(CaptureFileReader.open(name, in, CaptureFileReader.DEFAULT_BUFFER_SIZE));
    }

    /**
     * Several captures read as one source, their packets merged in time order across them (files that do not overlap
     * in time come one after the other): each a path as {@link #open(Path)} takes, or {@code -} for standard input.
     * One capture gives that capture's source itself.
     *
     * @param captures the paths, or {@code -}
     * @return one source of every packet
     * @throws IOException when one cannot be opened (those already opened are closed)
     */
    public static PacketSource open(java.util.List<String> captures) throws IOException {
        java.util.List<PacketSource> sources = new java.util.ArrayList<>();
        try {
            for (String c : captures) {
                sources.add(c.equals("-") ? open("standard input", System.in) : open(Path.of(c)));
            }
        } catch (IOException | RuntimeException e) {
            for (PacketSource s : sources) {
                try {
                    s.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        return sources.size() == 1 ? sources.get(0) : new MergedCaptureFiles(sources);
    }

    /**
     * As {@link #open(java.util.List)}, the packets passed through a BPF filter compiled by libpcap (as tcpdump's
     * {@code -r FILE EXPR}); an empty filter passes everything and needs no libpcap.
     *
     * @param captures  the paths, or {@code -}
     * @param bpfFilter the filter expression, or blank for none
     * @return one source of the packets the filter accepts
     * @throws IOException when a capture cannot be opened
     * @throws io.flowtrace.core.ConfigurationException when the filter does not compile, or libpcap cannot be loaded
     */
    public static PacketSource open(java.util.List<String> captures, String bpfFilter) throws IOException {
        PacketSource s = open(captures);
        if (bpfFilter == null || bpfFilter.isBlank()) {
            return s;
        }
        try {
            return io.flowtrace.capture.live.BpfFilteredSource.of(s, bpfFilter);
        } catch (RuntimeException | Error e) {
            s.close();
            throw e;
        }
    }

    /** As {@link #open(Path)}, with the size of the read buffer (at least 256 KiB plus a record header). */
    static PcapFileSource open(Path path, int bufferSize) throws IOException {
        Objects.requireNonNull(path, "path");
        if (java.nio.file.Files.exists(path) && !java.nio.file.Files.isRegularFile(path)) {
            // a FIFO, /dev/stdin or a process substitution (/dev/fd/63): read as a stream, never seeked (a
            // FileInputStream: the channel's stream asks a pipe for its position, which gzip's available() calls)
            return new PcapFileSource(CaptureFileReader.open(path.toString(),
                    new java.io.FileInputStream(path.toFile()), bufferSize));
        }
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new PcapFileSource(CaptureFileReader.open(path.toString(), channel, bufferSize));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public String description() {
        return reader.file();
    }

    /**
     * Reads the file to its end, handing every packet to {@code handler} on the calling thread, or until
     * {@link #stop()} or {@link #close()} is called. Closes the file when it returns.
     *
     * @throws CaptureFileException when the file is damaged or not a capture file
     * @throws IOException          when the file cannot be read
     * @throws IllegalStateException when called a second time
     */
    @Override
    public void run(PacketHandler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("pcap-file source for " + reader.file() + " already ran (a source runs once)");
        }
        reader.run(handler);
    }

    /** Asks {@link #run} to return after the packet being handed on. Idempotent; safe from any thread. */
    @Override
    public void stop() {
        reader.stop();
    }

    /** {@return the pcapng {@code if_name} of an interface (numbered as handed to the handler), or {@code null}} */
    @Override
    public String interfaceName(int interfaceIndex) {
        return reader.interfaceName(interfaceIndex);
    }

    /** {@return the snap length of the file's header (pcap) or of the interface's description block (pcapng)} */
    @Override
    public int snapLength(int interfaceIndex) {
        return reader.snapLength(interfaceIndex);
    }

    /**
     * {@return 6 or 9 for a pcap file (micro- or nanosecond magic); for pcapng the interface's if_tsresol in decimal
     * digits (binary resolutions rounded up)}
     */
    @Override
    public int timestampDigits(int interfaceIndex) {
        return reader.timestampDigits(interfaceIndex);
    }

    /**
     * {@code packets_read}, {@code bytes_read} (of the decompressed file), {@code captured_bytes},
     * {@code caplen_exceeds_wirelen}, {@code blocks_skipped} (pcapng blocks that carry no packets),
     * {@code sections}, {@code interfaces}, {@code bad_options}. Updated at each buffer refill and at the end.
     */
    @Override
    public Map<String, Long> counters() {
        return reader.counters();
    }

    /** Stops reading and closes the file. Idempotent; safe from any thread. */
    @Override
    public void close() {
        reader.close();
    }

    @Override
    public String toString() {
        return "PcapFileSource[" + reader.file() + "]";
    }
}
