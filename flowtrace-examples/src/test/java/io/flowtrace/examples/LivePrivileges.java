package io.flowtrace.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/** The live tests' check: they fail, never skip, without capture privileges, since the build runs as root. */
final class LivePrivileges {
    private static final long NET_RAW_AND_ADMIN = 1L << 13 | 1L << 12;

    private LivePrivileges() {
    }

    /**
     * Fails unless this JVM's effective capabilities include CAP_NET_RAW and CAP_NET_ADMIN.
     *
     * @param what what the test does, for the message ("the tee test captures on lo")
     */
    static void require(String what) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("CapEff:")) {
                long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                if ((caps & NET_RAW_AND_ADMIN) != NET_RAW_AND_ADMIN) {
                    fail(what + ": it needs root, or CAP_NET_RAW and CAP_NET_ADMIN");
                }
            }
        }
    }
}
