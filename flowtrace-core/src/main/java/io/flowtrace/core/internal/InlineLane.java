package io.flowtrace.core.internal;

import io.flowtrace.core.EndReason;

/**
 * A single worker run on the source thread, with no hand-off (for one core): each batch is processed as it is sent
 * and then refilled. Source thread only.
 */
final class InlineLane implements BatchLane {
    private final Worker worker;
    private final Batch batch = new Batch(Pipeline.BATCH_SIZE);

    InlineLane(Worker worker) {
        this.worker = worker;
    }

    @Override
    public void start() {
    }

    @Override
    public Batch first() {
        return batch;
    }

    @Override
    public Batch send(Batch full) {
        worker.process(full);
        full.reset();
        return full;
    }

    @Override
    public void end(Batch last, EndReason reason) {
        last.markEnd(reason);
        send(last);
    }

    @Override
    public void join() {
    }
}
