/**
 * Command-line tools around the benchmarks: {@link io.flowtrace.bench.Generate} writes a synthetic capture and
 * its ground truth, {@link io.flowtrace.bench.Throughput} meters a capture in-process with the agent's default
 * settings and prints packets/s and records/s. The JMH benchmarks live in the sub-packages named after what they
 * measure ({@code core}, {@code capture}). Not published; nothing here is on the meter's packet path.
 */
package io.flowtrace.bench;
