package io.flowtrace.core.internal;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.spi.Sink;
import io.flowtrace.core.spi.Snapshot;

import java.util.function.Consumer;

/**
 * A snapshot listener run as a sink, so it is called on a delivery thread of its own behind a bounded queue and a
 * listener that is slow or throws delays and fails only itself, never a worker.
 */
public final class SnapshotListenerSink implements Sink {
    private final String name;
    private final Consumer<Snapshot> listener;

    public SnapshotListenerSink(String name, Consumer<Snapshot> listener) {
        this.name = name;
        this.listener = listener;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void accept(FlowEvent event) {
        // listeners take snapshots only; events never reach them (the pipeline offers them none)
    }

    @Override
    public void accept(Snapshot snapshot) {
        listener.accept(snapshot);
    }

    @Override
    public void close() {
    }
}
