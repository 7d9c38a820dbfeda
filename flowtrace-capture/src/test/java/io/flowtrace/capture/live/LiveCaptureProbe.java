package io.flowtrace.capture.live;

import io.flowtrace.core.spi.PacketSource;
import io.flowtrace.core.spi.PluginConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Run in a child JVM by the error tests: opens {@code pcap-live} on the interface given (and filter, if any) and
 * prints {@code OPENED}, or the exception's class and message on one line, so that environments the test JVM
 * cannot be in (no capabilities, no libpcap) can be checked.
 */
public final class LiveCaptureProbe {
    private LiveCaptureProbe() {
    }

    public static void main(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("interface", args[0]);
        if (args.length > 1) {
            values.put("filter", args[1]);
        }
        try (PacketSource source = new PcapLiveSourceProvider().create(
                new PluginConfig("source 'pcap-live'", values))) {
            System.out.println("OPENED " + source.description());
        } catch (RuntimeException e) {
            System.out.println("ERROR " + e.getClass().getName() + ": " + e.getMessage());
        }
    }
}
