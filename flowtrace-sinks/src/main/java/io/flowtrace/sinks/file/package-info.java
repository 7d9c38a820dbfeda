/**
 * The {@code file} and {@code stdout} sinks. Each sink is driven by its own delivery thread (one call at a time),
 * so nothing here is thread-safe or needs to be; lines are encoded into one reused buffer per sink and written
 * through a {@code LineBuffer}, which keeps lines whole and counts those it could not write, so a record costs no
 * allocation beyond its floating-point fields' text.
 */
package io.flowtrace.sinks.file;
