package io.flowtrace.sketch.internal;

import java.security.SecureRandom;

/**
 * The hash seed of every aggregator not given one: drawn once per process from {@link SecureRandom}, so that nobody
 * who reads this code can craft keys that collide in an aggregator's table or rows, and the same for every
 * aggregator of the process, so that state built separately in it (each worker's instance of a task, a snapshot
 * read back from bytes) still merges. State merged across processes needs one seed set explicitly (the
 * {@code seed} setting). Thread-safe.
 */
public final class Seeds {
    private Seeds() {
    }

    private static final class Holder {
        static final long PROCESS = new SecureRandom().nextLong();
    }

    /** This process's seed (the first call draws it). */
    public static long process() {
        return Holder.PROCESS;
    }
}
