package io.flowtrace.sinks.ipfix;

/**
 * What the test collectors share: the {@link ExportReader} every message goes to and the time the last one arrived,
 * so a test can wait until the exporter has gone quiet.
 */
abstract class Collector implements AutoCloseable {
    final ExportReader reader = new ExportReader();
    private volatile long lastNanos = System.nanoTime();

    /** Notes that something arrived now. */
    final void arrived() {
        lastNanos = System.nanoTime();
    }

    /**
     * Waits until nothing has arrived for 200 ms since the call (at most 10 s): what was sent on loopback has been
     * read.
     */
    final ExportReader quiet() throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + 10_000_000_000L;
        while (System.nanoTime() - Math.max(start, lastNanos) < 200_000_000L && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return reader;
    }
}
