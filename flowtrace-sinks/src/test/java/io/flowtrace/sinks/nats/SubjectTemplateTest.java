package io.flowtrace.sinks.nats;

import io.flowtrace.core.Direction;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.sinks.testing.TestRecords;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SubjectTemplateTest {

    @Test
    void fieldsAreFilledAndMadeIntoSingleTokens() {
        SubjectTemplate t = SubjectTemplate.parse("flows.{interface}.{direction}.{src_ip}.{dst_port}",
                SubjectTemplate.RECORD_FIELDS);
        assertEquals("flows.eth0.outbound.10_0_0_2.53", t.render(TestRecords.record(2)));
    }

    @Test
    void absentAndOddValuesStayValid() {
        FlowEvent base = TestRecords.record(1);
        FlowEvent r = new FlowEvent(base.flowId(), base.key(), base.startNanos(), base.endNanos(), 1, 0, 60, 0, 40,
                0, 0, 0, EndReason.SHUTDOWN, null, "my host.example", Direction.UNKNOWN);
        SubjectTemplate t = SubjectTemplate.parse("f.{interface}.{hostname}", SubjectTemplate.RECORD_FIELDS);
        assertEquals("f.unknown.my_host_example", t.render(r));
    }

    @Test
    void aTemplateWithoutFieldsIsUsedAsIs() {
        assertEquals("flows", SubjectTemplate.parse("flows", SubjectTemplate.RECORD_FIELDS)
                .render(TestRecords.record(1)));
        assertEquals("snapshots.top", SubjectTemplate.parse("snapshots.{task}", SubjectTemplate.SNAPSHOT_FIELDS)
                .render(TestRecords.snapshot("top")));
    }

    @Test
    void badTemplatesAreRefusedWithTheReason() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SubjectTemplate.parse("flows.>", SubjectTemplate.RECORD_FIELDS)).getMessage()
                .contains("wildcards"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SubjectTemplate.parse("flows..x", SubjectTemplate.RECORD_FIELDS)).getMessage()
                .contains("empty subject token"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SubjectTemplate.parse("flows.{task}", SubjectTemplate.RECORD_FIELDS)).getMessage()
                .contains("unknown field {task}"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SubjectTemplate.parse("flows.{interface", SubjectTemplate.RECORD_FIELDS)).getMessage()
                .contains("without '}'"));
    }
}
