package io.flowtrace.core.settings;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowOptions;
import io.flowtrace.core.FlowTrace;
import io.flowtrace.core.Tunnel;
import io.flowtrace.core.testing.ListSource;
import io.flowtrace.testkit.frames.Frames;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code decode-tunnels}: on, off, a list, and what a list leaves as the outer flow. */
class DecodeTunnelsSettingTest {
    private static Set<Tunnel> parse(String text) {
        return FlowSettings.DECODE_TUNNELS.parse("--decode-tunnels", text);
    }

    @Test
    void onIsEveryTunnelOffIsNoneAndTheDefaultIsOff() {
        assertEquals(EnumSet.allOf(Tunnel.class), parse("on"));
        assertEquals(EnumSet.allOf(Tunnel.class), parse("TRUE"));
        assertEquals(Set.of(), parse("off"));
        assertEquals(Set.of(), parse("no"));
        assertEquals(Set.of(), FlowOptions.defaults().tunnels());
        assertEquals(Set.of(), FlowTrace.builder().flowOptions().tunnels());
        assertEquals("off", FlowSettings.DECODE_TUNNELS.defaultText());
    }

    @Test
    void aListNamesTheTunnelsInAnyOrderAndCase() {
        assertEquals(EnumSet.of(Tunnel.GRE, Tunnel.VXLAN, Tunnel.GTP), parse("gre,vxlan,gtp"));
        assertEquals(EnumSet.of(Tunnel.TZSP, Tunnel.CAPWAP), parse(" TZSP , capwap "));
        assertEquals(EnumSet.of(Tunnel.TEREDO), parse("teredo,teredo"));
        for (Tunnel t : Tunnel.values()) {
            assertEquals(EnumSet.of(t), parse(t.token()));
        }
        assertEquals(List.of("gre", "erspan", "vxlan", "gtp", "teredo", "ipip", "capwap", "tzsp"), Tunnel.tokens());
    }

    @Test
    void anUnknownNameIsRefusedWithTheAcceptedList() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("gre,l2tp"));
        assertEquals("--decode-tunnels: unknown tunnel 'l2tp' (expected: gre, erspan, vxlan, gtp, teredo, ipip, "
                + "capwap, tzsp)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> parse(""));
        assertThrows(IllegalArgumentException.class, () -> parse("gre,,vxlan"));
        assertThrows(IllegalArgumentException.class, () -> parse("gre,on"));
    }

    @Test
    void valuesReadBackAsTheyAreWritten() {
        for (String text : List.of("on", "off", "gre,vxlan,gtp", "gtp,capwap,tzsp", "teredo")) {
            assertEquals(text, FlowSettings.DECODE_TUNNELS.type().format(parse(text)));
        }
        assertEquals("gre,tzsp", FlowSettings.DECODE_TUNNELS.type().format(parse("tzsp,gre")));
    }

    @Test
    void theBuilderTakesTheSettingABooleanOrASetOnce() {
        assertEquals(EnumSet.of(Tunnel.GTP, Tunnel.TZSP),
                FlowTrace.builder().set("decode-tunnels", "gtp,tzsp").flowOptions().tunnels());
        assertEquals(EnumSet.allOf(Tunnel.class), FlowTrace.builder().decodeTunnels(true).flowOptions().tunnels());
        assertEquals(Set.of(), FlowTrace.builder().decodeTunnels(false).flowOptions().tunnels());
        Set<Tunnel> mine = EnumSet.of(Tunnel.GRE);
        FlowTrace.Builder b = FlowTrace.builder().decodeTunnels(mine);
        mine.add(Tunnel.VXLAN);
        assertEquals(EnumSet.of(Tunnel.GRE), b.flowOptions().tunnels(), "the builder keeps a copy");
        assertThrows(IllegalStateException.class, () -> b.decodeTunnels(true));
    }

    @Test
    void flowOptionsCopyTheSetAndKeepItUnmodifiable() {
        Set<Tunnel> mine = EnumSet.of(Tunnel.GRE, Tunnel.ERSPAN);
        FlowOptions o = FlowOptions.defaults().withTunnels(mine);
        mine.clear();
        assertEquals(EnumSet.of(Tunnel.GRE, Tunnel.ERSPAN), o.tunnels());
        assertThrows(UnsupportedOperationException.class, () -> o.tunnels().add(Tunnel.TZSP));
        assertTrue(o.decodesTunnel(Tunnel.ERSPAN));
        assertTrue(!o.decodesTunnel(Tunnel.TEREDO));
        assertEquals(EnumSet.allOf(Tunnel.class), o.withDecodeTunnels(true).tunnels());
        assertEquals(Set.of(), o.withDecodeTunnels(false).tunnels());
        assertEquals(o, FlowOptions.defaults().withTunnels(new TreeSet<>(List.of(Tunnel.ERSPAN, Tunnel.GRE))));
        assertThrows(NullPointerException.class, () -> FlowOptions.defaults().withTunnels(null));
    }

    @Test
    void aTunnelNotListedIsMeteredAsItsOuterFlow() {
        byte[] inner = Frames.ipv4(6, "192.168.1.1", "192.168.1.2", Frames.tcp(1111, 22, 0x02, new byte[10]));
        byte[] gre = Frames.eth(0x0800, Frames.ipv4(47, "10.0.0.1", "10.0.0.2", Frames.cat("0000 0800", inner)));
        byte[] teredo6 = Frames.ipv6(6, "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:db8::2",
                Frames.tcp(3333, 443, 0x02, new byte[0]));
        byte[] teredo = Frames.eth(0x0800, Frames.ipv4(17, "10.0.0.3", "10.0.0.4", Frames.udp(40000, 3544,
                teredo6)));
        List<String> greOnly = run("gre", gre, teredo);
        assertEquals(List.of("17 10.0.0.3:40000 > 10.0.0.4:3544", "6 192.168.1.1:1111 > 192.168.1.2:22"), greOnly);
        List<String> all = run("on", gre, teredo);
        assertEquals(List.of("6 192.168.1.1:1111 > 192.168.1.2:22",
                "6 2001:0:4136:e378:8000:63bf:3fff:fdd2:3333 > 2001:db8::2:443"), all);
        List<String> none = run("off", gre, teredo);
        assertEquals(List.of("17 10.0.0.3:40000 > 10.0.0.4:3544", "47 10.0.0.1:0 > 10.0.0.2:0"), none);
    }

    private static List<String> run(String tunnels, byte[]... frames) {
        ListSource src = new ListSource();
        for (int i = 0; i < frames.length; i++) {
            src.add(1_000_000L * (i + 1), frames[i]);
        }
        List<FlowEvent> events = Collections.synchronizedList(new ArrayList<>());
        FlowTrace.builder().source(src).set("decode-tunnels", tunnels).onEvent(events::add).build().run();
        List<String> keys = new ArrayList<>();
        for (FlowEvent e : events) {
            keys.add(e.key().protocol() + " " + e.key().srcIp() + ":" + e.key().srcPort() + " > "
                    + e.key().dstIp() + ":" + e.key().dstPort());
        }
        Collections.sort(keys);
        return keys;
    }
}
