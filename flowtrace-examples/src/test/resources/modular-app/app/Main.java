package app;

import io.flowtrace.core.FlowStats;
import io.flowtrace.core.FlowTrace;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * {@code file CAPTURE OUT}: meters a capture file into OUT with a Count-Min aggregator. {@code live INTERFACE FILTER
 * OUT}: captures until stdin says {@code stop} (or ends); {@code packets} on stdin prints the packets read so far.
 * Plugins are named only: their modules are found through the module path's services.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("core module: " + FlowTrace.class.getModule().getName());
        for (String m : new String[] {"io.flowtrace.capture", "io.flowtrace.sketch", "io.flowtrace.sinks"}) {
            System.out.println("resolved: " + m + " " + ModuleLayer.boot().findModule(m).isPresent());
        }
        FlowTrace.Builder builder = FlowTrace.builder();
        String out;
        if (args[0].equals("file")) {
            builder.source("pcap-file", Map.of("path", args[1]))
                    .aggregator("count-min", Map.of("name", "top_src", "key", "src_ip", "metric", "bytes"));
            out = args[2];
        } else {
            builder.source("pcap-live", Map.of("interface", args[1], "filter", args[2]));
            out = args[3];
        }
        FlowTrace meter = builder.sink("file", Map.of("path", out)).build();
        FlowStats stats;
        if (args[0].equals("file")) {
            stats = meter.run();
        } else {
            meter.start();
            System.out.println("capturing");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null && !line.equals("stop"); ) {
                System.out.println("packets: " + meter.stats().packetsRead());
            }
            meter.stop();
            stats = meter.awaitTermination(Duration.ofSeconds(30));
        }
        System.out.println("events: " + stats.events());
    }
}
