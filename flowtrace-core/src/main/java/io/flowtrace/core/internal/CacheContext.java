package io.flowtrace.core.internal;

import io.flowtrace.core.Direction;
import io.flowtrace.core.FlowCache;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.FlowOptions;

/**
 * The pipeline's {@link FlowCache.Context} for one worker: its settings, the worker as the place events go, and the
 * shared {@link RecordContext}. Immutable; {@link #emit} runs on the worker's thread.
 */
public record CacheContext(FlowOptions options, int worker, int maxFlows, int initialCapacity, FlowEmitter emitter,
                           RecordContext records) implements FlowCache.Context {

    @Override
    public void emit(FlowEvent event) {
        emitter.emit(event);
    }

    @Override
    public String interfaceName(int interfaceIndex) {
        return records.interfaceName(interfaceIndex);
    }

    @Override
    public String hostname() {
        return records.hostname();
    }

    @Override
    public Direction direction(FlowKey key) {
        return records.direction(key.ipVersion(), key.srcHi(), key.srcLo(), key.dstHi(), key.dstLo());
    }
}
