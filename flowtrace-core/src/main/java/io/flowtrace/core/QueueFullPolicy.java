package io.flowtrace.core;

/**
 * What a sink's queue does when it is full.
 *
 * @since 0.1
 */
public enum QueueFullPolicy {
    /** Wait for room: nothing is lost; capture slows down to the sink's pace. */
    BLOCK,
    /** Drop the event, count it in the sink's {@code dropped} counter, and go on. */
    DROP
}
