package io.flowtrace.core.settings;

import io.flowtrace.core.FlowOptions;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.QueueFullPolicy;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowSettingsTest {
    /**
     * Builder setters of a simple type that have no descriptor, each with the reason. Everything else must be in
     * {@link FlowSettings}.
     */
    private static final Set<String> NOT_SETTINGS = Set.of(
            // set through idle-timeout's per-protocol form (tcp=60s,udp=30s,...)
            "tcpIdleTimeout", "udpIdleTimeout", "icmpIdleTimeout", "otherIdleTimeout",
            // per command: the agent puts its host's name in events, a capture file has none
            "hostname");
    private static final Set<Class<?>> SIMPLE = Set.of(Duration.class, boolean.class, int.class, String.class);

    @Test
    void everyDescriptorNamesABuilderSetterOfItsType() throws Exception {
        for (Setting<?> s : FlowSettings.all()) {
            Method m = FlowTrace.Builder.class.getMethod(s.builderMethod(), s.type().javaType());
            assertEquals(FlowTrace.Builder.class, m.getReturnType(), s.name());
            assertTrue(s.appliesToBuilder() && s.inCommandLine() && s.inYaml(), s.name());
            assertEquals(s.name().replace('-', '_'), s.yamlKey());
        }
    }

    @Test
    void everyDescriptorAppliesItsValueThroughItsSetter() {
        for (Setting<?> s : FlowSettings.all()) {
            FlowTrace.Builder b = FlowTrace.builder();
            applySample(s, b);
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> applySample(s, b));
            assertTrue(twice.getMessage().endsWith("was already set"), s.name() + ": " + twice.getMessage());
        }
        assertEquals(Duration.ofMinutes(3), FlowTrace.builder().set("active-timeout", "3m").flowOptions()
                .activeTimeout());
    }

    /** Its default, or a small valid value where the default is worked out at run time. */
    private static <T> void applySample(Setting<T> s, FlowTrace.Builder b) {
        s.applyTo(b, s.defaultValue() != null ? s.defaultValue() : s.parse(s.name(), "4"));
    }

    @Test
    void everySimpleBuilderSetterHasADescriptorOrAReasonNot() {
        Set<String> declared = new TreeSet<>();
        FlowSettings.all().forEach(s -> declared.add(s.builderMethod()));
        List<String> missing = new ArrayList<>();
        for (Method m : FlowTrace.Builder.class.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers())
                    && m.getParameterCount() == 1 && m.getReturnType() == FlowTrace.Builder.class) {
                Class<?> p = m.getParameterTypes()[0];
                if ((SIMPLE.contains(p) || p.isEnum()) && !declared.contains(m.getName())
                        && !NOT_SETTINGS.contains(m.getName())) {
                    missing.add(m.getName() + "(" + p.getSimpleName() + ")");
                }
            }
        }
        assertEquals(List.of(), missing, "builder setters without a descriptor in FlowSettings");
    }

    @Test
    void settingByNameGivesTheBuilderTheParsedValue() {
        FlowTrace.Builder b = FlowTrace.builder().set("active-timeout", "10m").set("tcp_close", "off")
                .set("idle-timeout", "tcp=2m,udp=5s").set("max-flows", "1_000").set("icmp-type-in-key", "yes");
        FlowOptions o = b.flowOptions();
        assertEquals(Duration.ofMinutes(10), o.activeTimeout());
        assertEquals(false, o.tcpClose());
        assertEquals(Duration.ofMinutes(2), o.tcpIdleTimeout());
        assertEquals(Duration.ofSeconds(5), o.udpIdleTimeout());
        assertEquals(FlowOptions.defaults().icmpIdleTimeout(), o.icmpIdleTimeout());
        assertEquals(1000, o.maxFlows());
        assertTrue(o.icmpTypeInKey());

        FlowOptions all = FlowTrace.builder().set("idle-timeout", "7s").flowOptions();
        assertEquals(List.of(Duration.ofSeconds(7), Duration.ofSeconds(7), Duration.ofSeconds(7), Duration.ofSeconds(7)),
                List.of(all.tcpIdleTimeout(), all.udpIdleTimeout(), all.icmpIdleTimeout(), all.otherIdleTimeout()));
    }

    @Test
    void anIdleTimeoutOfZeroMeansNeverAndIsAccepted() {
        FlowOptions o = FlowTrace.builder().set("idle-timeout", "0").flowOptions();
        assertEquals(Duration.ZERO, o.tcpIdleTimeout());
        assertEquals(Long.MAX_VALUE, o.idleTimeoutNanos(17));
    }

    @Test
    void badValuesNameTheSettingTheValueAndWhatIsAccepted() {
        Map<String[], String> cases = Map.of(
                new String[] {"workers", "0"}, "workers: 0 (expected: 1..256)",
                new String[] {"workers", "many"}, "workers: 'many' (expected: a whole number 1..256)",
                new String[] {"tcp-close", "maybe"}, "tcp-close: 'maybe' (expected: on or off)",
                new String[] {"sink-full-policy", "wait"}, "sink-full-policy: 'wait' (expected: block or drop)",
                new String[] {"idle-timeout", "tcp=1m,sctp=5s"},
                "idle-timeout: unknown protocol 'sctp' (expected: tcp, udp, icmp, other)",
                new String[] {"idle-timeout", "tcp=5x"}, "idle-timeout: tcp: duration: '5x' (expected: ",
                new String[] {"idle-timout", "5s"}, "unknown setting 'idle-timout' (did you mean idle-timeout?) "
                        + "(known: idle-timeout, active-timeout,");
        for (Map.Entry<String[], String> c : cases.entrySet()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> FlowTrace.builder().set(c.getKey()[0], c.getKey()[1]));
            assertTrue(e.getMessage().startsWith(c.getValue()), e.getMessage());
        }
    }

    @Test
    void valuesReadBackAsTheyAreWrittenAndDefaultsAreTheBuildersOwn() {
        assertEquals(QueueFullPolicy.DROP, FlowSettings.get("sink_full_policy").parse("x", "drop"));
        assertEquals("tcp=1m,udp=30s,icmp=30s,other=30s", FlowSettings.IDLE_TIMEOUT.defaultText());
        FlowOptions d = FlowOptions.defaults();
        assertEquals(d.activeTimeout(), FlowSettings.get("active-timeout").defaultValue());
        assertEquals(d.maxFlows(), FlowSettings.get("max-flows").defaultValue());
    }

    @Test
    void namesAreDerivedAndMistypesFindTheirNearestName() {
        assertEquals("sinkQueueCapacity", Names.camel("sink-queue-capacity"));
        assertEquals("idle-timeout", Names.closest("idle-timout", List.of("idle-timeout", "tcp-linger")));
        assertEquals("idle-timeout", Names.closest("idel-timeout", List.of("idle-timeout", "tcp-linger")));
        assertEquals(null, Names.closest("bogus", List.of("idle-timeout", "tcp-linger")));
    }

    @Test
    void theMarkdownTableHasARowPerSetting() {
        String table = FlowSettings.markdownTable();
        assertEquals(FlowSettings.all().size() + 2, table.lines().count());
        assertTrue(table.contains("| `--tcp-close on\\|off` / `tcp_close` | `tcpClose` | on | "), table);
    }

    @Test
    void theReadmesSettingsTableIsTheGeneratedOne() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("flowtrace.root", "."), "README.md"));
        String begin = "<!-- settings:begin -->\n";
        int from = readme.indexOf(begin);
        int to = readme.indexOf("<!-- settings:end -->");
        assertTrue(from >= 0 && to > from, "README.md: the markers <!-- settings:begin --> and <!-- settings:end -->");
        assertEquals(FlowSettings.markdownTable(), readme.substring(from + begin.length(), to),
                "README.md's settings table differs from the descriptors; put this between the markers "
                        + "(java -jar flowtrace.jar settings --markdown prints it):\n" + FlowSettings.markdownTable());
    }
}
