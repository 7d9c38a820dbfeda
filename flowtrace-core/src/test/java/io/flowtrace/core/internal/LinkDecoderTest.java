package io.flowtrace.core.internal;

import static io.flowtrace.testkit.frames.Frames.cat;
import static io.flowtrace.testkit.frames.Frames.eth;
import static io.flowtrace.testkit.frames.Frames.ipv4;
import static io.flowtrace.testkit.frames.Frames.tcp;
import static io.flowtrace.testkit.frames.Frames.udp;
import static io.flowtrace.testkit.frames.Frames.vlanTag;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flowtrace.core.spi.LinkType;
import org.junit.jupiter.api.Test;

/** {@link LinkDecoder} through the decoder: what the link layer keeps of a frame that a tunnel carries. */
class LinkDecoderTest {
    @Test
    void aVlanTagInsideATunnelIsNotTheFlowsVlanWhenTheOuterFrameHasNone() {
        byte[] inner = ipv4(6, "192.168.1.1", "192.168.1.2", tcp(1111, 22, 0x02, new byte[10]));
        byte[] taggedInner = eth(0x8100, cat(vlanTag(9, 0x0800), inner));
        byte[] vxlan = eth(0x0800, ipv4(17, "10.0.0.1", "10.0.0.2", udp(5, TunnelDecoder.VXLAN_PORT,
                cat("08000000 00007b00", taggedInner))));
        PacketDecoder decoder = new PacketDecoder(true, true);
        DecodedPacket out = new DecodedPacket();

        assertEquals(DecodeStatus.OK, decoder.decode(vxlan, 0, vxlan.length, LinkType.ETHERNET, out));

        assertEquals(22, out.dstPort, "the inner conversation is the flow");
        assertEquals(0, out.vlan, "the VLAN is the outer frame's");
    }
}
