package io.flowtrace.core.settings;

import io.flowtrace.core.FlowOptions;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.PortTimeouts;
import io.flowtrace.core.Preset;
import io.flowtrace.core.TcpFin;
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
        s.applyTo(b, s.defaultValue() != null ? s.defaultValue()
                : s.parse(s.name(), s.type().values().isEmpty() ? "4" : s.type().values().get(0)));
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
        Map<String[], String> cases = new java.util.LinkedHashMap<>();
        cases.put(new String[] {"workers", "0"}, "workers: 0 (expected: 1..256)");
        cases.put(new String[] {"workers", "many"}, "workers: 'many' (expected: a whole number 1..256)");
        cases.put(new String[] {"tcp-close", "maybe"}, "tcp-close: 'maybe' (expected: on or off)");
        cases.put(new String[] {"sink-full-policy", "wait"}, "sink-full-policy: 'wait' (expected: block or drop)");
        cases.put(new String[] {"idle-timeout", "tcp=1m,sctp=5s"},
                "idle-timeout: unknown protocol 'sctp' (expected: tcp, udp, icmp, other, or a service such as udp/53)");
        cases.put(new String[] {"idle-timeout", "udp/70000=1s"},
                "idle-timeout: port in 'udp/70000' (expected: 0 to 65535)");
        cases.put(new String[] {"idle-timeout", "icmp/3=1s"},
                "idle-timeout: unknown protocol in 'icmp/3' (expected: ");
        cases.put(new String[] {"protocols", "tcp,-udp"}, "protocols: 'tcp,-udp' (expected: all, P,P,... or all,-P,");
        cases.put(new String[] {"protocols", "tcp,300"}, "protocols: '300' (expected: all, or tcp, udp, ");
        cases.put(new String[] {"like", "zek"}, "like: 'zek' (expected: ");
        cases.put(new String[] {"tcp-fin", "last"}, "tcp-fin: 'last' (expected: ");
        cases.put(new String[] {"idle-timeout", "tcp=5x"}, "idle-timeout: tcp: duration: '5x' (expected: ");
        cases.put(new String[] {"idle-timout", "5s"}, "unknown setting 'idle-timout' (did you mean idle-timeout?) "
                + "(known: like, idle-timeout, active-timeout,");
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

    @Test
    void aPresetIsTheLayerUnderExplicitSettingsGivenInAnyOrder() {
        FlowOptions before = FlowTrace.builder().set("like", "zeek").set("idle-timeout", "udp=2m,tcp/80=30s")
                .set("tcp-fin", "both-sides").flowOptions();
        FlowOptions after = FlowTrace.builder().set("idle-timeout", "udp=2m,tcp/80=30s").set("tcp-fin", "both-sides")
                .set("like", "zeek").flowOptions();
        assertEquals(before, after);
        FlowOptions zeek = Preset.ZEEK.options();
        // the explicit values
        assertEquals(Duration.ofMinutes(2), after.udpIdleTimeout());
        assertEquals(TcpFin.BOTH_SIDES, after.tcpFin());
        // the preset's, for everything not given; its services stay beside the one given
        assertEquals(zeek.tcpIdleTimeout(), after.tcpIdleTimeout());
        assertEquals(zeek.tcpAttemptTimeout(), after.tcpAttemptTimeout());
        assertEquals(zeek.icmpTypeInKey(), after.icmpTypeInKey());
        assertEquals(Duration.ZERO, after.activeTimeout());
        assertEquals(Duration.ofSeconds(10), after.portIdleTimeouts().entries().get("udp/53"));
        assertEquals(Duration.ofSeconds(30), after.portIdleTimeouts().entries().get("tcp/80"));
        // one timeout for everything replaces the preset's services too
        FlowOptions all = FlowTrace.builder().like(Preset.ZEEK).idleTimeout(Duration.ofMinutes(2)).flowOptions();
        assertTrue(all.portIdleTimeouts().isEmpty(), all.portIdleTimeouts().toString());
        assertEquals(Duration.ofMinutes(2), all.tcpIdleTimeout());
        // each preset is its options, and options(...) with like(...) is a contradiction
        for (Preset p : Preset.values()) {
            assertEquals(p.options(), FlowTrace.builder().like(p).flowOptions(), p.name());
        }
        assertThrows(IllegalStateException.class, () -> FlowTrace.builder().like(Preset.ARKIME)
                .options(FlowOptions.defaults()).flowOptions());
    }

    @Test
    void servicesAndProtocolsReadAndWriteBack() {
        Setting<?> idle = FlowSettings.get("idle-timeout");
        Object v = idle.parse("t", "tcp=1m,UDP/0053=10s,tcp/80=0");
        assertEquals("tcp=1m,udp/53=10s,tcp/80=0", format(idle, v));
        FlowOptions o = FlowTrace.builder().set("idle-timeout", "tcp=1m,UDP/0053=10s,tcp/80=0").flowOptions();
        assertEquals(PortTimeouts.of(Map.of("udp/53", Duration.ofSeconds(10), "tcp/80", Duration.ZERO)),
                o.portIdleTimeouts());
        // the responder's port first, then the initiator's; other flows keep their protocol's timeout
        assertEquals(10_000_000_000L, o.idleTimeoutNanos(17, 53, 40000));
        assertEquals(10_000_000_000L, o.idleTimeoutNanos(17, 40000, 53));
        assertEquals(Long.MAX_VALUE, o.idleTimeoutNanos(6, 80, 53));
        assertEquals(60_000_000_000L, o.idleTimeoutNanos(6, 53, 81));
        assertEquals(30_000_000_000L, o.idleTimeoutNanos(17, 54, 55));

        Setting<?> protocols = FlowSettings.get("protocols");
        assertEquals(Set.of(6, 17), protocols.parse("t", "tcp, UDP"));
        assertEquals("tcp,udp", format(protocols, protocols.parse("t", "17,6")));
        Object allBut = protocols.parse("t", "all,-59,-gre");
        assertEquals(254, ((Set<?>) allBut).size());
        assertEquals("all,-gre,-59", format(protocols, allBut));
        assertEquals(Set.of(), protocols.parse("t", "all"));
        assertTrue(FlowTrace.builder().set("protocols", "tcp").flowOptions().meters(6));
        assertTrue(!FlowTrace.builder().set("protocols", "tcp").flowOptions().meters(17));
    }

    @SuppressWarnings("unchecked")
    private static <T> String format(Setting<T> s, Object value) {
        return s.type().format((T) value);
    }
}
