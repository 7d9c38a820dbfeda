package io.flowtrace.core.internal;

import io.flowtrace.core.FlowEvent;

/** Receives finished flow events from a flow table, on the table's thread. */
@FunctionalInterface
public interface FlowEmitter {
    void emit(FlowEvent record);
}
