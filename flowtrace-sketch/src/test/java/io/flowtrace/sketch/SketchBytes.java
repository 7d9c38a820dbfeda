package io.flowtrace.sketch;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sketch bytes written field by field, for tests that give a reader bytes whose header claims gigabytes of counters
 * and which hold none: they must be refused as cut short before anything of that size is allocated (without the
 * check, each makes the test JVM run out of heap).
 */
public final class SketchBytes {
    private SketchBytes() {
    }

    public interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    /** Asserts that {@code reader} refuses the bytes {@code body} writes as cut short. */
    public static void assertCutShort(Body body, Consumer<byte[]> reader) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bos)) {
            body.write(out);
        }
        byte[] b = bos.toByteArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> reader.accept(b));
        assertTrue(e.getMessage().contains("cut short"), e.getMessage());
    }
}
