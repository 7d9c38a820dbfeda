/**
 * JMH benchmarks of the capture module: the pcap file reader alone, over a generated headers-only capture.
 * Each operation is one packet ({@code @OperationsPerInvocation}), so ops/s is packets/s and {@code -prof gc}'s
 * {@code gc.alloc.rate.norm} is bytes allocated per packet.
 */
package io.flowtrace.bench.capture;
