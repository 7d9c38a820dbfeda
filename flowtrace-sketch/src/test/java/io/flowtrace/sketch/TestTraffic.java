package io.flowtrace.sketch;

import io.flowtrace.core.internal.DecodedPacket;

/**
 * A source of packets for accuracy tests. The tests compute their exact answers from the packets themselves, so
 * any source works: the Zipf generator here, or packets read back from a generated capture.
 */
public interface TestTraffic {

    /** Fills {@code into} with the next packet; false at the end. */
    boolean next(DecodedPacket into);
}
