package io.flowtrace.capture.live;

import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PluginConfig;

import java.util.Map;

/**
 * Run in a child JVM by the error tests: opens {@code af-packet} on the interface given and prints {@code OPENED},
 * or the exception's class and message on one line, so that environments the test JVM cannot be in (no
 * capabilities) can be checked.
 */
public final class AfPacketProbe {
    private AfPacketProbe() {
    }

    public static void main(String[] args) {
        try (PacketSource source = new AfPacketSourceProvider().create(
                new PluginConfig("source 'af-packet'", Map.of("interface", args[0])))) {
            System.out.println("OPENED " + source.description());
        } catch (RuntimeException e) {
            System.out.println("ERROR " + e.getClass().getName() + ": " + e.getMessage());
        }
    }
}
