package io.flowtrace.examples;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the built agent jar in a child JVM, as a user would. */
final class Jar {
    record Result(int exit, String out, String err) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : List.of(err.split("\n"));
        }
    }

    static Path root() {
        return Path.of(System.getProperty("flowtrace.root", "..")).toAbsolutePath().normalize();
    }

    static Path jar() {
        Path p = Path.of(System.getProperty("flowtrace.jar", "target/flowtrace.jar"));
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("agent jar not built: " + p + " (run mvn verify, which packages it first)");
        }
        return p;
    }

    static Path corpus() {
        return root().resolveSibling("shared").resolve("corpus");
    }

    static Result run(long timeoutSeconds, Map<String, String> env, List<String> jvmArgs, String... args)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread to = pump(p.getInputStream(), out);
        Thread te = pump(p.getErrorStream(), err);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("flowtrace " + String.join(" ", args) + " did not finish in " + timeoutSeconds + " s");
        }
        to.join();
        te.join();
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Result run(String... args) throws Exception {
        return run(120, Map.of(), List.of(), args);
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream to) {
        Thread t = new Thread(() -> {
            try {
                in.transferTo(to);
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        t.start();
        return t;
    }

    private Jar() {
    }
}
