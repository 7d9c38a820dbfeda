package io.flowtrace.sinks.ipfix;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Carries finished messages to the collector. Called on the sink's delivery thread; counters from any thread. */
interface Transport extends AutoCloseable {

    /**
     * Gets ready for the next message, connecting if needed and due. Returns true when this made a new connection,
     * whose collector has no templates yet.
     */
    boolean open();

    /** Sends one whole message; an exception means it was not sent (a connection is dropped, to be made again). */
    void send(ByteBuffer message) throws IOException;

    /** Connections made (TCP). */
    default long connects() {
        return 0;
    }

    /** Connection attempts that failed (TCP). */
    default long connectFailures() {
        return 0;
    }

    @Override
    void close();
}
