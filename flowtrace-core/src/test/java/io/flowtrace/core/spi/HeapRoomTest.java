package io.flowtrace.core.spi;

import io.flowtrace.core.testing.ChildJvm;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The heap check in a JVM of its own with a 256 MiB heap: arrays too large for the young generation go straight to
 * the old one, where they stay as garbage once dropped until a full collection. The estimate alone counts them and
 * would refuse a growth for good; the check must collect and allow it. Held, the same arrays must still refuse it.
 */
class HeapRoomTest {
    @ParameterizedTest
    @ValueSource(strings = {"-XX:+UseSerialGC", "-XX:+UseG1GC"})
    void oldGarbageDoesNotRefuseGrowthButLiveDataDoes(String gc) throws Exception {
        String out = ChildJvm.run(HeapRoomTest.class, "-Xmx256m", gc);
        assertTrue(out.contains("garbage: estimate refuses true, allows true"), out);
        assertTrue(out.contains("held: allows false"), out);
    }

    /** The child: two 80 MiB arrays, dropped, then held; a 48 MiB growth asked for each time. */
    public static void main(String[] args) {
        long ask = 48L << 20;
        long max = Runtime.getRuntime().maxMemory();
        byte[][] arrays = fill();
        arrays = null;
        boolean estimateRefuses = !HeapRoom.allows(ask, ask, max, HeapRoom.liveBytes());
        boolean allows = HeapRoom.allows(ask);
        System.out.println("garbage: estimate refuses " + estimateRefuses + ", allows " + allows);
        arrays = fill();
        try {
            Thread.sleep(1100); // past the check's one collection a second
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.out.println("held: allows " + HeapRoom.allows(ask) + " (" + arrays.length + " arrays)");
        System.out.flush();
    }

    private static byte[][] fill() {
        byte[][] a = new byte[2][];
        for (int i = 0; i < a.length; i++) {
            a[i] = new byte[80 << 20];
            a[i][i] = 1;
        }
        return a;
    }
}
