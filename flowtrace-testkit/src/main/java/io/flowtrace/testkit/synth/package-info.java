/**
 * Synthetic classic-pcap captures with their ground truth, for tests and benchmarks: a chosen number of
 * conversations with Zipf-skewed sizes, an IPv4/IPv6 and TCP/UDP mix, TCP handshakes and closes, a packet-size mix,
 * headers-only capture lengths with the real wire lengths, and a flood mode of one-packet conversations from
 * distinct sources. {@link io.flowtrace.testkit.synth.SyntheticCapture} writes the capture and, beside it, one CSV
 * line per conversation with its packets, bytes and first and last timestamps; its {@code source()} hands the same
 * packets to a pipeline from memory.
 *
 * <p>Not on the packet path of the meter: generation runs once, single-threaded, writes through one large reused
 * buffer (the source through one reused frame) and keeps a few primitive arrays per conversation. Deterministic for
 * a given seed.
 */
package io.flowtrace.testkit.synth;
