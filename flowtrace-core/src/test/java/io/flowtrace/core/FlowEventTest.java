package io.flowtrace.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FlowEventTest {

    /**
     * Sinks deduplicate on the flow id (NATS message ids, for one), so a conversation must keep its id from one
     * release to the next: these values were made by the first release's formatter ({@code Long.toHexString},
     * zero-padded).
     */
    @Test
    void flowIdsAreSixteenLowercaseHexDigitsAndStableAcrossReleases() {
        assertEquals("2d1364c9d24dac26",
                FlowEvent.flowIdOf(FlowKey.ipv4(0x0a000001, 0xc0a80102, 40000, 443, 6), 1_700_000_000_123_456_789L));
        assertEquals("0fb7917e0138efa7", FlowEvent.flowIdOf(
                new FlowKey(6, 0x20010db8L << 32, 1, 0x20010db8L << 32, 2, 5353, 5353, 17, 7), 0));
        assertEquals("faf938f54dc4ca37", FlowEvent.flowIdOf(FlowKey.ipv4(0, 0, 0, 0, 0), -1));
    }
}
