package io.flowtrace.core.internal;

import java.util.Map;

/**
 * The source thread's counters at one moment: frames read and decoded ({@link Dispatcher#counters()}) and the
 * source's own counters. Immutable.
 *
 * @param packetsRead    frames handed over by the source
 * @param bytesRead      their wire bytes
 * @param packetsDecoded frames metered
 * @param nonIp          frames without IP
 * @param malformed      frames that could not be decoded, by reason (only reasons seen)
 * @param fragments      IP fragments not metered themselves, by fate, and reassembled datagrams by outcome (only
 *                       counts above 0)
 * @param own            the source's own counters ({@link io.flowtrace.core.spi.PacketSource#counters()})
 */
record SourceCounters(long packetsRead, long bytesRead, long packetsDecoded, long nonIp, Map<String, Long> malformed,
                      Map<String, Long> fragments, Map<String, Long> own) {
    SourceCounters {
        malformed = Map.copyOf(malformed);
        fragments = Map.copyOf(fragments);
        own = Map.copyOf(own);
    }

    /** These counters and {@code other}'s added (the source's own counters are this one's). */
    SourceCounters plus(SourceCounters other) {
        Map<String, Long> m = new java.util.LinkedHashMap<>(malformed);
        other.malformed.forEach((k, v) -> m.merge(k, v, Long::sum));
        Map<String, Long> f = new java.util.LinkedHashMap<>(fragments);
        other.fragments.forEach((k, v) -> f.merge(k, v, Long::sum));
        return new SourceCounters(packetsRead + other.packetsRead, bytesRead + other.bytesRead,
                packetsDecoded + other.packetsDecoded, nonIp + other.nonIp, m, f, own);
    }

    /** The same counters with the source's own ones. */
    SourceCounters withOwn(Map<String, Long> sourceOwn) {
        return new SourceCounters(packetsRead, bytesRead, packetsDecoded, nonIp, malformed, fragments, sourceOwn);
    }
}
