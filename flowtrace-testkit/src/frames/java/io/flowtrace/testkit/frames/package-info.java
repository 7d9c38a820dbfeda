/**
 * Frame and capture-file builders for tests: {@link io.flowtrace.testkit.frames.Frames} composes Ethernet, VLAN,
 * IPv4, IPv6, TCP, UDP, SCTP and ICMP headers into frames; {@link io.flowtrace.testkit.frames.CaptureFiles} writes
 * them into pcap and pcapng files, field by field, damage included. Beside them,
 * {@link io.flowtrace.testkit.frames.TextAssertions} checks that a message names every problem.
 *
 * <p>This package uses no flowtrace type, only the JDK: flowtrace-core's own tests compile it from source. Nothing
 * here is on a packet path; every call allocates its result.
 */
package io.flowtrace.testkit.frames;
