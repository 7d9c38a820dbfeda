package io.flowtrace.examples;

import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** A progress bar on stderr while a capture file is read, redrawn four times a second. */
final class Progress implements AutoCloseable {
    private final Thread thread;
    private final PrintStream err;
    private volatile boolean done;

    private Progress(FlowTrace meter, long fileSize, PrintStream err) {
        this.err = err;
        this.thread = new Thread(() -> {
            while (!done) {
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
                if (!done) {
                    draw(meter.stats(), fileSize);
                }
            }
        }, "flowtrace-progress");
        thread.setDaemon(true);
    }

    static Progress start(FlowTrace meter, long fileSize, PrintStream err) {
        Progress p = new Progress(meter, fileSize, err);
        p.thread.start();
        return p;
    }

    /** Whether standard error is a terminal (Linux: fd 2 is a tty device). */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (Exception e) {
            return false;
        }
    }

    private void draw(FlowStats s, long fileSize) {
        double secs = s.elapsed().toNanos() / 1e9;
        String counts = Text.grouped(s.packetsRead()) + " packets " + Text.grouped(s.flowsCreated()) + " flows "
                + RunReport.rate(s.packetsRead(), secs) + " packets/s ";
        Long pos = s.sourceCounters().get("bytes_read"); // of the decompressed file: no fraction for .gz
        if (pos == null || fileSize <= 0) {
            err.print("\r" + counts);
        } else {
            double frac = Math.min(1.0, pos / (double) fileSize);
            int width = 30;
            int filled = (int) Math.round(frac * width);
            err.print("\r[" + "=".repeat(filled) + " ".repeat(width - filled) + "] "
                    + Text.right(Text.fixed(frac * 100, 0), 3) + "% " + counts);
        }
        err.flush();
    }

    @Override
    public void close() {
        done = true;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        err.print("\r" + " ".repeat(100) + "\r");
        err.flush();
    }
}
