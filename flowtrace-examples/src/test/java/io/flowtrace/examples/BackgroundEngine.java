package io.flowtrace.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code engine} command run in this JVM on a thread of its own, as the tests that query it need it. */
final class BackgroundEngine implements AutoCloseable {
    private final EngineCommand engine;
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final CompletableFuture<Integer> run;

    private BackgroundEngine(Map<String, String> env, List<String> args) {
        engine = new EngineCommand(env::get);
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        CommandLine cli = CommandLine.parse(engine.settings(), args);
        // a thread of its own, not the common pool: an engine holds its thread until stopped, and on 2 cores the
        // common pool has one thread, which the HTTP clients of the tests in this JVM need too
        run = CompletableFuture.supplyAsync(() -> {
            try {
                return engine.run(cli, new PrintStream(new ByteArrayOutputStream()), errStream);
            } catch (Exception e) {
                e.printStackTrace(errStream);
                return -1;
            }
        }, task -> {
            Thread t = new Thread(task, "background-engine");
            t.setDaemon(true);
            t.start();
        });
    }

    /** Starts {@code engine ARGS} with the environment {@code env}. */
    static BackgroundEngine start(Map<String, String> env, String... args) {
        return new BackgroundEngine(env, List.of(args));
    }

    /** Waits (three minutes at most) until the capture is metered and the engine serves its answers. */
    BackgroundEngine awaitServing() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!err().contains("serving the answers until stopped")) {
            assertFalse(run.isDone(), () -> "engine ended: " + err());
            assertTrue(System.nanoTime() < deadline, () -> "not metered in time: " + err());
            Thread.sleep(50);
        }
        return this;
    }

    /** {@return what the engine wrote on its standard error so far} */
    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** Stops the engine as SIGTERM does and checks that it exits 0. */
    @Override
    public void close() throws Exception {
        engine.stop();
        assertEquals(0, run.get(1, TimeUnit.MINUTES), this::err);
    }
}
