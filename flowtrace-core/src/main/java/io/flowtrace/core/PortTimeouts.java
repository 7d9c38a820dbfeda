package io.flowtrace.core;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Idle timeouts of services: a protocol and port ({@code udp/53=10s}) whose flows time out sooner or later than the
 * protocol's own idle timeout, as Zeek gives DNS 10 s. A flow takes the entry of its responder's (server's) port, or
 * else of its initiator's port (so that the records of one direction, and a conversation whose first packet was the
 * answer, find it too); a flow with neither keeps its protocol's timeout. Protocols: {@code tcp}, {@code udp},
 * {@code sctp}.
 *
 * <p>Immutable and thread-safe; {@link #nanos} looks a port up without allocating, in a small open-addressed table
 * made once (its keys come from the configuration, not from traffic, so no seed is needed).
 *
 * @since 0.1
 */
public final class PortTimeouts {
    /** No entries. */
    public static final PortTimeouts NONE = new PortTimeouts(new TreeMap<>());

    /** protocol << 16 | port, + 1 (0 = empty), by position */
    private final int[] keys;
    private final long[] nanos;
    private final int mask;
    /** Entries in the form they are given, ordered by protocol, then port. */
    private final Map<String, Duration> entries;

    private PortTimeouts(TreeMap<Integer, Duration> byKey) {
        int size = Integer.highestOneBit(Math.max(1, byKey.size() * 2 - 1)) << 1;
        this.keys = new int[size];
        this.nanos = new long[size];
        this.mask = size - 1;
        Map<String, Duration> m = new LinkedHashMap<>();
        for (Map.Entry<Integer, Duration> e : byKey.entrySet()) {
            int k = e.getKey();
            int pos = spread(k) & mask;
            while (keys[pos] != 0) {
                pos = (pos + 1) & mask;
            }
            keys[pos] = k + 1;
            nanos[pos] = Durations.nanosOrNever(e.getValue());
            m.put(name(k >>> 16) + "/" + (k & 0xFFFF), e.getValue());
        }
        this.entries = Collections.unmodifiableMap(m);
    }

    private static int spread(int k) {
        int h = k * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    /**
     * {@return the timeouts of these entries}
     *
     * @param entries {@code "udp/53"} to its idle timeout ({@code 0}: never)
     * @throws IllegalArgumentException for a key that is not {@code tcp|udp|sctp/PORT}, a port outside 0 to 65535, a
     *                                  negative duration, or the same service twice
     */
    public static PortTimeouts of(Map<String, Duration> entries) {
        TreeMap<Integer, Duration> m = new TreeMap<>();
        for (Map.Entry<String, Duration> e : entries.entrySet()) {
            int k = key(e.getKey());
            Duration d = Objects.requireNonNull(e.getValue(), e.getKey());
            if (d.isNegative()) {
                throw new IllegalArgumentException(e.getKey() + ": " + d + " (expected: >= 0, 0 meaning never)");
            }
            if (m.put(k, d) != null) {
                throw new IllegalArgumentException(e.getKey() + " given twice");
            }
        }
        return m.isEmpty() ? NONE : new PortTimeouts(m);
    }

    /**
     * {@return these entries, with {@code service}'s timeout set (replaced if present)}
     *
     * @param service {@code tcp|udp|sctp/PORT}, for instance {@code udp/53}
     * @param timeout its idle timeout ({@code 0}: never)
     * @throws IllegalArgumentException as {@link #of}
     */
    public PortTimeouts with(String service, Duration timeout) {
        Map<String, Duration> m = new LinkedHashMap<>();
        int k = key(service);
        for (Map.Entry<String, Duration> e : entries.entrySet()) {
            if (key(e.getKey()) != k) {
                m.put(e.getKey(), e.getValue());
            }
        }
        m.put(service, timeout);
        return of(m);
    }

    /**
     * Whether {@code text} names a service ({@code udp/53}) rather than a protocol.
     *
     * @param text a key of the {@code idle-timeout} setting
     * @return whether it has a port
     */
    public static boolean isService(String text) {
        return text.indexOf('/') >= 0;
    }

    private static int key(String service) {
        String s = service.trim().toLowerCase(Locale.ROOT);
        int slash = s.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("'" + service + "' (expected: tcp/PORT, udp/PORT or sctp/PORT)");
        }
        int protocol = switch (s.substring(0, slash)) {
            case "tcp" -> 6;
            case "udp" -> 17;
            case "sctp" -> 132;
            default -> throw new IllegalArgumentException("unknown protocol in '" + service
                    + "' (expected: tcp/PORT, udp/PORT or sctp/PORT)");
        };
        int port;
        try {
            port = Integer.parseInt(s.substring(slash + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port in '" + service + "' (expected: 0 to 65535)");
        }
        return protocol << 16 | port;
    }

    private static String name(int protocol) {
        return switch (protocol) {
            case 6 -> "tcp";
            case 17 -> "udp";
            default -> "sctp";
        };
    }

    /** {@return whether there is no entry} */
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** {@return the entries: {@code "udp/53"} to its timeout, ordered by protocol, then port} */
    public Map<String, Duration> entries() {
        return entries;
    }

    /**
     * The timeout of a flow by its ports: the responder's port's entry, else the initiator's. No allocation.
     *
     * @param protocol the IP protocol number
     * @param responderPort the responder's (destination's) port
     * @param initiatorPort the initiator's (source's) port
     * @return the timeout in nanoseconds ({@code Long.MAX_VALUE}: never), or {@code -1} when neither port has one
     */
    public long nanos(int protocol, int responderPort, int initiatorPort) {
        long n = lookup(protocol << 16 | responderPort);
        return n >= 0 ? n : lookup(protocol << 16 | initiatorPort);
    }

    private long lookup(int k) {
        int[] ks = keys;
        int pos = spread(k) & mask;
        int want = k + 1;
        while (true) {
            int e = ks[pos];
            if (e == want) {
                return nanos[pos];
            }
            if (e == 0) {
                return -1;
            }
            pos = (pos + 1) & mask;
        }
    }

    /** {@return the shortest timeout of the entries in nanoseconds, or {@code Long.MAX_VALUE}} */
    public long shortestNanos() {
        long min = Long.MAX_VALUE;
        for (Duration d : entries.values()) {
            min = Math.min(min, Durations.nanosOrNever(d));
        }
        return min;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PortTimeouts p && p.entries.equals(entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    /** {@return {@code udp/53=10s,tcp/80=30s}, or empty} */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Duration> e : entries.entrySet()) {
            sb.append(sb.length() == 0 ? "" : ",").append(e.getKey()).append('=').append(Durations.format(e.getValue()));
        }
        return sb.toString();
    }
}
