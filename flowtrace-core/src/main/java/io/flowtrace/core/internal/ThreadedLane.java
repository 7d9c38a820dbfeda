package io.flowtrace.core.internal;

import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowTraceException;
import org.jctools.queues.atomic.SpscAtomicArrayQueue;

import java.util.concurrent.locks.LockSupport;

/**
 * A worker on a thread of its own, fed through two SPSC queues: filled batches go to the worker, emptied ones come
 * back. The source side ({@link #first}, {@link #send}, {@link #end}) runs on the source thread only; {@link #run}
 * is the worker's thread, the only one that calls the worker. No more batches circulate than a queue holds, so an
 * offer never fails. A worker that throws raises the {@link AbortSignal}; a source waiting for a batch then stops
 * waiting and throws.
 */
final class ThreadedLane implements BatchLane, Runnable {
    /**
     * Batches in circulation (about 8 MB of decoded packets): the source refills the one returned longest ago, whose
     * cache lines the worker's core has most likely let go of (with fewer, taking them back slowed decoding).
     */
    static final int DEPTH = 256;

    private final Worker worker;
    private final AbortSignal abort;
    private final SpscAtomicArrayQueue<Batch> inbound;
    private final SpscAtomicArrayQueue<Batch> free;
    private final Thread thread;
    /** How the worker's thread waits for batches; the source wakes it with each one. */
    private final IdleWait arrivals;
    /**
     * Batches the source may still make (source thread only). It makes them as it needs them, before taking any back
     * from {@link #free}, so a short run makes few and a long one reuses the one returned longest ago.
     */
    private int unbuilt;

    ThreadedLane(Worker worker, AbortSignal abort) {
        this.worker = worker;
        this.abort = abort;
        this.inbound = new SpscAtomicArrayQueue<>(DEPTH);
        this.free = new SpscAtomicArrayQueue<>(DEPTH);
        this.unbuilt = DEPTH;
        this.thread = new Thread(this, "flowtrace-worker-" + worker.id);
        thread.setDaemon(true);
        this.arrivals = new IdleWait(thread);
    }

    @Override
    public void start() {
        thread.start();
    }

    @Override
    public Batch first() {
        return acquire();
    }

    @Override
    public Batch send(Batch full) {
        inbound.offer(full);
        arrivals.signal();
        return acquire();
    }

    @Override
    public void end(Batch last, EndReason reason) {
        last.markEnd(reason);
        inbound.offer(last);
        arrivals.signal();
    }

    @Override
    public void join() {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FlowTraceException("interrupted while waiting for workers to finish");
        }
    }

    private Batch acquire() {
        if (unbuilt > 0) {
            unbuilt--;
            return new Batch(Pipeline.BATCH_SIZE);
        }
        Batch next;
        int idle = 0;
        while ((next = free.relaxedPoll()) == null) {
            if (abort.aborted()) {
                throw abort.failure();
            }
            if (++idle < 64) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(20_000);
            }
        }
        return next;
    }

    /** The worker's thread: takes batches until the end batch, or until the pipeline aborts. */
    @Override
    public void run() {
        try {
            while (!worker.finished()) {
                Batch b = inbound.relaxedPoll();
                if (b == null) {
                    if (abort.aborted()) {
                        return;
                    }
                    arrivals.idle(IdleWait.MAX_PARK_NANOS);
                    continue;
                }
                arrivals.busy();
                worker.process(b);
                b.reset();
                free.offer(b);
            }
        } catch (Throwable t) {
            abort.abort(t);
        }
    }
}
