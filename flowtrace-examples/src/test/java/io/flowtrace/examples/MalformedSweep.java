package io.flowtrace.examples;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs {@code flows} on each file named on the command line, in this JVM (started by the test with a small heap),
 * and prints one line per file: {@code RESULT <tab> file <tab> exit <tab> millis <tab> stderr with \n escaped}.
 * A run that does not end within the limit prints exit {@code HANG}.
 */
public final class MalformedSweep {
    private MalformedSweep() {
    }

    public static void main(String[] files) throws Exception {
        ExecutorService ex = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        });
        PrintStream stdout = System.out;
        for (String f : files) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
            PrintStream nullOut = new PrintStream(OutputStream.nullOutputStream());
            long t0 = System.nanoTime();
            Future<Integer> run = ex.submit(() -> Main.run(new String[] {"flows", f, "--no-progress"}, nullOut, errStream));
            String exit;
            try {
                exit = Integer.toString(run.get(20, TimeUnit.SECONDS));
            } catch (TimeoutException e) {
                run.cancel(true);
                exit = "HANG";
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            stdout.println("RESULT\t" + f + "\t" + exit + "\t" + ms + "\t"
                    + err.toString(StandardCharsets.UTF_8).replace("\\", "\\\\").replace("\n", "\\n"));
        }
        stdout.flush();
        System.exit(0);
    }
}
