package io.flowtrace.alert;

import io.flowtrace.alert.spi.AlertAnalyzer;
import io.flowtrace.alert.spi.Notifier;
import io.flowtrace.core.spi.Snapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The alerter's delivery: one thread asks the analyzer (a model, which may be slow) about fired alerts and hands
 * each check's alerts to every notifier, each of which has a thread and a bounded queue of its own. Nothing here runs
 * on a metering thread; a full queue or a failing notifier is counted and logged at most once per ten seconds per
 * notifier, and delivery goes on.
 */
final class Delivery {
    private static final Logger LOG = LoggerFactory.getLogger(Alerter.class);
    private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** One check's alerts and its evidence; {@code alerts == null} ends a queue. */
    private record Batch(List<Alert> alerts, List<Snapshot> evidence) {
    }

    private static final Batch END = new Batch(null, null);

    private final AlertAnalyzer analyzer;
    private final List<Runner> runners = new ArrayList<>();
    private final BlockingQueue<Batch> analysis;
    private final Thread analysisThread;
    private final Duration closeTimeout;
    private final AtomicLong notified = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong analysisFailed = new AtomicLong();
    private volatile long lastAnalysisLog = Long.MIN_VALUE;

    Delivery(List<Notifier> notifiers, AlertAnalyzer analyzer, int capacity, Duration closeTimeout) {
        this.analyzer = analyzer;
        this.closeTimeout = closeTimeout;
        this.analysis = new ArrayBlockingQueue<>(capacity);
        int i = 0;
        for (Notifier n : notifiers) {
            runners.add(new Runner(n, capacity, ++i));
        }
        this.analysisThread = new Thread(this::analyse, "flowtrace-alerts");
        analysisThread.setDaemon(true);
        analysisThread.start();
    }

    List<String> describe() {
        List<String> out = new ArrayList<>();
        for (Runner r : runners) {
            out.add(r.notifier.describe());
        }
        return out;
    }

    long notified() {
        return notified.get();
    }

    long failed() {
        return failed.get();
    }

    long analysisFailed() {
        return analysisFailed.get();
    }

    /** Queues one check's alerts; never blocks (a full queue counts them as failed for every notifier). */
    void submit(List<Alert> alerts, List<Snapshot> evidence) {
        if (!analysis.offer(new Batch(List.copyOf(alerts), evidence))) {
            failed.addAndGet((long) alerts.size() * runners.size());
            LOG.warn("alerts: {} alert(s) of a check not delivered: the delivery queue is full (the analyzer or "
                    + "the notifiers are slower than the checks)", alerts.size());
        }
    }

    private void analyse() {
        while (true) {
            Batch b;
            try {
                b = analysis.take();
            } catch (InterruptedException e) {
                return;
            }
            if (b == END) {
                return;
            }
            List<Alert> alerts = b.alerts();
            if (analyzer != null) {
                List<Alert> analysed = new ArrayList<>(alerts.size());
                for (Alert a : alerts) {
                    analysed.add(a.state() == Alert.State.FIRED ? analyse(a, b.evidence()) : a);
                }
                alerts = List.copyOf(analysed);
            }
            for (Runner r : runners) {
                r.offer(alerts);
            }
        }
    }

    private Alert analyse(Alert a, List<Snapshot> evidence) {
        String why;
        try {
            String text = analyzer.analyze(a, evidence);
            if (text != null && !text.isBlank()) {
                return a.withAnalysis(text.strip());
            }
            why = "it answered nothing";
        } catch (Exception e) {
            why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        analysisFailed.incrementAndGet();
        long now = System.nanoTime();
        if (lastAnalysisLog == Long.MIN_VALUE || now - lastAnalysisLog >= LOG_EVERY_NANOS) {
            lastAnalysisLog = now;
            LOG.warn("alerts: analyzer {} failed: {} (the alert goes out with the built-in explanation)",
                    analyzer.describe(), why);
        }
        return a.withExplanation(a.explanation() + " (Model analysis by " + analyzer.describe() + " failed: " + why
                + ".)");
    }

    /** Delivers what is queued, waiting at most the close timeout, then closes the notifiers and the analyzer. */
    void close() {
        long deadline = System.nanoTime() + closeTimeout.toNanos();
        try {
            analysis.put(END);
            analysisThread.join(Math.max(1, remainingMillis(deadline)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (analysisThread.isAlive()) {
            analysisThread.interrupt();
            LOG.warn("alerts: the analyzer did not finish within {}; alerts still queued are not delivered",
                    closeTimeout);
        }
        for (Runner r : runners) {
            r.end();
        }
        for (Runner r : runners) {
            r.join(deadline);
        }
        if (analyzer != null) {
            try {
                analyzer.close();
            } catch (Exception e) {
                LOG.warn("alerts: closing analyzer {}: {}", analyzer.describe(), e.toString());
            }
        }
    }

    private static long remainingMillis(long deadline) {
        return TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    }

    /** One notifier, its queue and its thread. */
    private final class Runner {
        final Notifier notifier;
        final BlockingQueue<Batch> queue;
        final Thread thread;
        long lastLog = Long.MIN_VALUE;
        long unlogged;

        Runner(Notifier notifier, int capacity, int number) {
            this.notifier = notifier;
            this.queue = new ArrayBlockingQueue<>(capacity);
            this.thread = new Thread(this::run, "flowtrace-notifier-" + number);
            thread.setDaemon(true);
            thread.start();
        }

        void offer(List<Alert> alerts) {
            if (!queue.offer(new Batch(alerts, null))) {
                failed.addAndGet(alerts.size());
                problem(alerts.size() + " alert(s) not delivered: its queue is full (it is slower than the checks)");
            }
        }

        void end() {
            try {
                queue.put(END);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void join(long deadline) {
            try {
                thread.join(Math.max(1, remainingMillis(deadline)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                thread.interrupt();
                int left = queue.size();
                LOG.warn("alerts: notifier {} did not finish in time; {} check(s) of alerts not delivered",
                        notifier.describe(), left);
                try {
                    thread.join(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                notifier.close();
            } catch (RuntimeException e) {
                LOG.warn("alerts: closing notifier {}: {}", notifier.describe(), e.toString());
            }
        }

        private void run() {
            while (true) {
                Batch b;
                try {
                    b = queue.take();
                } catch (InterruptedException e) {
                    for (Batch left : queue) {
                        if (left != END) {
                            failed.addAndGet(left.alerts().size());
                        }
                    }
                    return;
                }
                if (b == END) {
                    return;
                }
                try {
                    notifier.deliver(b.alerts());
                    notified.addAndGet(b.alerts().size());
                } catch (Exception e) {
                    failed.addAndGet(b.alerts().size());
                    problem(b.alerts().size() + " alert(s) not delivered: " + e.getMessage());
                }
            }
        }

        private void problem(String what) {
            synchronized (this) {
                long now = System.nanoTime();
                if (lastLog != Long.MIN_VALUE && now - lastLog < LOG_EVERY_NANOS) {
                    unlogged++;
                    return;
                }
                lastLog = now;
                String more = unlogged > 0 ? " (" + unlogged + " similar message(s) not logged)" : "";
                unlogged = 0;
                LOG.warn("alerts: notifier {}: {}{}", notifier.describe(), what, more);
            }
        }
    }
}
