package io.flowtrace.core.internal;

import io.flowtrace.core.FlowRecord;

/** Receives finished flow records from a flow table, on the table's thread. */
@FunctionalInterface
public interface FlowEmitter {
    void emit(FlowRecord record);
}
