/**
 * The {@code flowtrace} command line ({@link io.flowtrace.examples.Main}): {@code flows} meters a capture file;
 * other commands analyse traffic or run the live agent. Each command runs the pipeline of flowtrace-core on the
 * calling thread and writes records through sinks; only {@code Main} is public.
 */
package io.flowtrace.examples;
