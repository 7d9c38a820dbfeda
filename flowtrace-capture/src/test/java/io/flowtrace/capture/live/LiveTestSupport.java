package io.flowtrace.capture.live;

import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PluginConfig;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Shared by the live-capture tests: privilege check, opening sources, running them, child processes. */
final class LiveTestSupport {
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_NET_RAW = 13;

    private LiveTestSupport() {
    }

    /** Fails (never skips) when this JVM may not capture: these tests are meant to run as root. */
    static void requireCaptureCapabilities() {
        long effective = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    effective = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                }
            }
        } catch (IOException e) {
            fail("live capture tests need Linux with /proc: " + e);
        }
        long needed = 1L << CAP_NET_RAW | 1L << CAP_NET_ADMIN;
        if ((effective & needed) != needed) {
            fail("live capture tests need root, or CAP_NET_RAW and CAP_NET_ADMIN (effective capabilities: 0x"
                    + Long.toHexString(effective) + "); run the build as root");
        }
    }

    static PcapLiveSource open(Map<String, String> values, Duration heartbeat, LongSupplier clock) {
        PluginConfig config = new PluginConfig("source 'pcap-live'", values);
        return PcapLiveSource.open(config.plugin(), LiveCaptureSettings.from(config), clock, heartbeat);
    }

    /** Runs a source on its own thread, as the pipeline does. */
    static final class Running {
        final PacketSource source;
        final Thread thread;
        volatile Throwable failure;

        Running(PacketSource source, RecordingHandler handler) {
            this.source = source;
            this.thread = new Thread(() -> {
                try {
                    source.run(handler);
                } catch (Throwable t) {
                    failure = t;
                }
            }, "live-capture-test");
            thread.start();
        }

        /** Stops the source and returns how long {@code run} took to return, in nanoseconds. */
        long stopAndJoin() throws InterruptedException {
            long t0 = System.nanoTime();
            source.stop();
            thread.join(TimeUnit.SECONDS.toMillis(5));
            long took = System.nanoTime() - t0;
            if (thread.isAlive()) {
                fail("run() did not return within 5 s of stop()");
            }
            return took;
        }
    }

    /** Waits (at most 10 s) until {@code source} has handed over at least {@code packets} packets. */
    static void awaitPacketsRead(PacketSource source, long packets) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (source.counters().getOrDefault("packets_read", 0L) < packets && System.nanoTime() < end) {
            Thread.sleep(10);
        }
    }

    /** A flow meter over a live source, collecting its records, running on a thread of its own. */
    static final class Meter implements AutoCloseable {
        final java.util.List<io.flowtrace.core.FlowEvent> records =
                java.util.Collections.synchronizedList(new ArrayList<>());
        private final io.flowtrace.core.FlowTrace meter;

        Meter(PacketSource source) {
            meter = io.flowtrace.core.FlowTrace.builder().source(source).onEvent(records::add).build().start();
        }

        /** With {@code workers} workers (a source that splits runs a part per worker). */
        Meter(PacketSource source, int workers, boolean decodeTunnels) {
            this(source, workers, decodeTunnels, false);
        }

        /** With {@code workers} workers, and the VLAN in the flow key or not. */
        Meter(PacketSource source, int workers, boolean decodeTunnels, boolean vlanInKey) {
            meter = io.flowtrace.core.FlowTrace.builder().source(source).workers(workers)
                    .decodeTunnels(decodeTunnels).vlanInKey(vlanInKey).onEvent(records::add).build().start();
        }

        /** The meter's counters so far. */
        io.flowtrace.core.FlowStats stats() {
            return meter.stats();
        }

        /** Stops the capture, which flushes every open flow, and returns the records once delivered. */
        List<io.flowtrace.core.FlowEvent> stop() throws InterruptedException {
            meter.stop();
            if (meter.awaitTermination(Duration.ofSeconds(30)) == null) {
                fail("the flow meter did not finish within 30 s of stop()");
            }
            synchronized (records) {
                return new ArrayList<>(records);
            }
        }

        /** Stops the meter and waits for it (for clean-up after a failure). Idempotent. */
        @Override
        public void close() {
            meter.close();
        }
    }

    /** The class path of this test run, for child JVMs. */
    static String testClassPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /**
     * Copies every class-path entry into {@code dir}, readable and traversable by every user, and returns the class
     * path of the copies.
     */
    static String readableCopyOfClassPath(Path dir) throws IOException {
        Set<PosixFilePermission> dirPerms = PosixFilePermissions.fromString("rwxr-xr-x");
        Set<PosixFilePermission> filePerms = PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(dir, dirPerms);
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String entry : testClassPath().split(java.io.File.pathSeparator)) {
            Path from = Path.of(entry);
            if (!Files.exists(from)) {
                continue;
            }
            Path to = dir.resolve("cp" + i++ + (Files.isDirectory(from) ? "" : ".jar"));
            try (var walk = Files.walk(from)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    Path target = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                        Files.setPosixFilePermissions(target, dirPerms);
                    } else {
                        Files.copy(p, target);
                        Files.setPosixFilePermissions(target, filePerms);
                    }
                }
            }
            entries.add(to.toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A child JVM command line running {@code mainClass}, preceded by {@code wrapper} (e.g. setpriv ...). */
    static List<String> javaCommandLine(List<String> wrapper, List<String> jvmOptions, Class<?> mainClass,
                                        String... args) {
        List<String> command = new ArrayList<>(wrapper);
        command.add(javaCommand());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(testClassPath());
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        return command;
    }

    /** Runs a command to completion (at most 60 s) and returns its standard output; fails on a non-zero exit. */
    static String runCommand(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        try {
            p.getOutputStream().close();
            InputStream err = p.getErrorStream();
            ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
            Thread drain = new Thread(() -> {
                try {
                    err.transferTo(errBytes);
                } catch (IOException ignored) {
                    // process ended
                }
            });
            drain.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                fail("command did not finish: " + command);
            }
            drain.join();
            if (p.exitValue() != 0) {
                fail("command failed (" + p.exitValue() + "): " + command + "\n" + out + "\n"
                        + errBytes.toString(StandardCharsets.UTF_8));
            }
            return out;
        } finally {
            p.destroyForcibly();
        }
    }
}
