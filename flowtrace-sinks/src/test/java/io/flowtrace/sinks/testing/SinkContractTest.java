package io.flowtrace.sinks.testing;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.EventJson;
import io.flowtrace.core.QueueFullPolicy;
import io.flowtrace.core.internal.JsonEncodedSink;
import io.flowtrace.core.internal.SinkRunner;
import io.flowtrace.testkit.SinkContractKit;
import io.flowtrace.testkit.TestEvents;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The testkit's sink contract, plus what only the built-in sinks take: records the pipeline has already encoded as
 * JSON (an internal arrangement, not part of the Sink SPI).
 */
public abstract class SinkContractTest extends SinkContractKit {

    @Test
    void deliversRecordsWithThePipelinesEncodingOnceAndInOrder() throws Exception {
        SinkRunner r = new SinkRunner(createSink(), 1024, QueueFullPolicy.BLOCK);
        r.start();
        List<FlowEvent> records = TestEvents.events(0, bulkEvents());
        try {
            for (FlowEvent rec : records) {
                assertTrue(r.offer(rec, EventJson.toBytes(rec)));
            }
        } finally {
            assertEquals(0, r.close(Duration.ofSeconds(60)), "undelivered");
        }
        List<String> got = deliveredIds();
        if (atLeastOnce() && r.retried() > 0) {
            got = List.copyOf(new LinkedHashSet<>(got)); // repeats of retried requests, first kept
        }
        TestEvents.assertSameIds(records, got, "records at the destination");
        assertEquals(records.size(), r.delivered());
        assertEquals(0, r.failed());
    }
}
