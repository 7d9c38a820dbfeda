package io.flowtrace.sinks.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A small tmpfs mounted for one test, so that the disk really fills up; unmounted on {@link #close()}. Mounting
 * needs root: elsewhere the test is skipped.
 */
public final class SmallTmpfs implements AutoCloseable {
    private final Path path;

    private SmallTmpfs(Path path) {
        this.path = path;
    }

    /** Mounts a tmpfs of {@code size} ({@code 64k}, {@code 2m}) on a new directory {@code small} in {@code dir}. */
    public static SmallTmpfs mount(Path dir, String size) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        Path mnt = Files.createDirectory(dir.resolve("small"));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=" + size, "flowtrace-test", mnt.toString()) == 0,
                "mount -t tmpfs");
        return new SmallTmpfs(mnt);
    }

    /** Where it is mounted. */
    public Path path() {
        return path;
    }

    @Override
    public void close() throws Exception {
        assertEquals(0, run("umount", path.toString()), "umount");
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
