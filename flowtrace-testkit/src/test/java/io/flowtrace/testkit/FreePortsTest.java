package io.flowtrace.testkit;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FreePortsTest {
    private final StringBuilder log = new StringBuilder();
    private final List<String> steps = new ArrayList<>();

    @Test
    void aStartWhoseLogSaysThePortWasTakenIsMadeAgainOnPortsChosenAgain() throws IOException {
        FreePorts.start(() -> steps.add("choose"), () -> {
            steps.add("start");
            if (steps.size() == 2) {
                log.append("listen tcp 127.0.0.1:4222: bind: Address already in use\n");
                throw new IOException("exited at start");
            }
        }, log::toString);
        assertEquals(List.of("choose", "start", "choose", "start"), steps);
    }

    @Test
    void otherFailuresAndTheThirdTakenPortAreThrown() {
        IOException other = new IOException("bad config");
        assertSame(other, assertThrows(IOException.class, () -> FreePorts.start(() -> { }, () -> {
            log.append("config error\n");
            throw other;
        }, log::toString)));
        // taken at every start: the third failure is thrown
        assertThrows(AssertionError.class, () -> FreePorts.start(() -> steps.add("choose"), () -> {
            log.append("address already in use\n");
            throw new AssertionError("exited");
        }, log::toString));
        assertEquals(3, steps.size(), "three starts in all");
    }
}
