package io.flowtrace.examples;

import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.FlowStats;
import io.flowtrace.core.spi.Snapshot;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What every command prints about a run on stderr: the summary, the plugin failures that make it exit 1, the
 * aggregator tasks that left keys out at their bound, and the top talkers.
 */
final class RunReport {
    private RunReport() {
    }

    /**
     * One line per aggregator task whose last snapshot left keys out at its bound ({@code untracked_*} totals): the
     * run succeeded, but those rows are not the whole traffic.
     */
    static List<String> untracked(List<Snapshot> snapshots) {
        List<String> out = new ArrayList<>();
        for (Snapshot s : snapshots) {
            Map<String, Long> t = s.totals();
            Long packets = t.get("untracked_packets");
            if (packets != null) {
                out.add(String.format(Locale.ROOT, "aggregator task '%s' (%s) left keys out at its max-keys bound: "
                        + "%,d packets, %,d bytes and %,d flows are in its totals, not in its rows", s.task(),
                        s.type(), packets, t.getOrDefault("untracked_bytes", 0L),
                        t.getOrDefault("untracked_flows", 0L)));
            }
            Long pairs = t.get("untracked_pairs");
            if (pairs != null) {
                out.add(String.format(Locale.ROOT, "aggregator task '%s' (%s) could not remember %,d distinct pairs "
                        + "(max-pairs): its spreads may be short by that many", s.task(), s.type(), pairs));
            }
        }
        return out;
    }

    /**
     * One line per plugin failure ({@link FlowStats#failures()}): a sink or callback that did not deliver
     * everything it was given, an aggregator that threw. A run that had any did not succeed.
     */
    static List<String> losses(FlowStats stats) {
        return stats.failures();
    }


    static void printSummary(FlowStats s, PrintStream err) {
        double secs = s.elapsed().toNanos() / 1e9;
        StringBuilder sb = new StringBuilder();
        sb.append("flowtrace: ").append(Text.grouped(s.packetsRead())).append(" packets (")
                .append(Text.grouped(s.packetsDecoded())).append(" decoded, ").append(Text.grouped(s.nonIp()))
                .append(" non-IP, ").append(Text.grouped(s.malformedTotal())).append(" malformed");
        if (!s.malformed().isEmpty()) {
            List<String> parts = new ArrayList<>();
            new java.util.TreeMap<>(s.malformed()).forEach((k, v) -> parts.add(k + "=" + v));
            sb.append(": ").append(String.join(", ", parts));
        }
        if (!s.fragments().isEmpty()) {
            List<String> parts = new ArrayList<>();
            new java.util.TreeMap<>(s.fragments()).forEach((k, v) -> parts.add(k + "=" + v));
            sb.append("; IP fragments: ").append(String.join(", ", parts));
        }
        if (!s.skipped().isEmpty()) {
            List<String> parts = new ArrayList<>();
            new java.util.TreeMap<>(s.skipped()).forEach((k, v) -> parts.add(k + "=" + v));
            sb.append(", skipped: ").append(String.join(", ", parts));
        }
        sb.append(") -> ").append(Text.grouped(s.flowsCreated())).append(" flows, ").append(Text.grouped(s.events()))
                .append(" events in ").append(Text.fixed(secs, 3)).append(" s (").append(rate(s.packetsRead(), secs))
                .append(" packets/s, ").append(rate(s.events(), secs)).append(" events/s)");
        err.println(sb);
        List<String> reasons = new ArrayList<>();
        s.endReasons().forEach((k, v) -> {
            if (v > 0) {
                reasons.add(k.jsonName() + "=" + v);
            }
        });
        if (!reasons.isEmpty()) {
            err.println("flowtrace: ended by " + String.join(", ", reasons) + " (open flows flushed and delivered in "
                    + Text.fixed(s.finalFlush().toNanos() / 1e9, 3) + " s)");
        }
        if (!s.tap().isEmpty()) {
            List<String> parts = new ArrayList<>();
            s.tap().forEach((k, v) -> parts.add(k + "=" + v));
            err.println("flowtrace: tee: " + String.join(", ", parts));
        }
        s.sinks().forEach((name, st) -> {
            if (!name.equals("callback") && !name.startsWith("on-snapshot-")) {
                err.println("flowtrace: sink " + name + ": " + Text.grouped(st.delivered()) + " delivered, "
                        + Text.grouped(st.retried()) + " retried, " + Text.grouped(st.failed()) + " failed, "
                        + Text.grouped(st.dropped()) + " dropped, " + Text.grouped(st.undelivered()) + " undelivered"
                        + (st.own().isEmpty() ? "" : " " + st.own()));
            }
        });
    }

    static String rate(long n, double secs) {
        if (secs <= 0) {
            return "-";
        }
        double r = n / secs;
        if (r >= 1e6) {
            return Text.fixed(r / 1e6, 2) + " M";
        }
        if (r >= 1e3) {
            return Text.fixed(r / 1e3, 1) + " k";
        }
        return Text.fixed(r, 0);
    }

    /**
     * Addresses with the most bytes, sent and received, over the records, for at most {@code maxAddresses}
     * addresses (about 150 bytes each): the bytes of addresses first seen past that are counted, not ranked. Called
     * on one delivery thread.
     */
    static final class TopTalkers {
        /** One line of the table: rank, address and four counts in fixed columns. */
        private static String row(String rank, String address, String sent, String received, String packets,
                                  String flows) {
            return "  " + Text.right(rank, 4) + "  " + Text.left(address, 39) + " " + Text.right(sent, 14) + " "
                    + Text.right(received, 14) + " " + Text.right(packets, 10) + " " + Text.right(flows, 7);
        }


        /** The flow table's default bound: a flood of sources does not grow the report past it. */
        static final int DEFAULT_MAX_ADDRESSES = 1_000_000;
        private final Map<String, long[]> byAddress = new HashMap<>();
        private final int maxAddresses;
        private long untrackedBytes;
        private long untrackedAddresses;

        TopTalkers() {
            this(DEFAULT_MAX_ADDRESSES);
        }

        TopTalkers(int maxAddresses) {
            this.maxAddresses = maxAddresses;
        }

        void add(FlowEvent r) {
            count(r.key().srcIp(), r.bytesForward(), r.bytesReverse(), r.packetCount());
            count(r.key().dstIp(), r.bytesReverse(), r.bytesForward(), r.packetCount());
        }

        /**
         * Adds one record to an address's counters (sent, received, packets, records); when the bound leaves no room
         * for a new address, its bytes are counted as untracked instead.
         */
        private void count(String address, long sent, long received, long packets) {
            long[] v = byAddress.get(address);
            if (v == null) {
                if (byAddress.size() >= maxAddresses) {
                    untrackedBytes += sent + received;
                    untrackedAddresses++;
                    return;
                }
                v = new long[4];
                byAddress.put(address, v);
            }
            v[0] += sent;
            v[1] += received;
            v[2] += packets;
            v[3]++;
        }

        void print(int n, PrintStream err) {
            List<Map.Entry<String, long[]>> all = new ArrayList<>(byAddress.entrySet());
            all.sort((x, y) -> {
                int c = Long.compare(y.getValue()[0] + y.getValue()[1], x.getValue()[0] + x.getValue()[1]);
                return c != 0 ? c : x.getKey().compareTo(y.getKey());
            });
            err.println("top talkers by bytes (sent + received):");
            err.println(row("rank", "address", "bytes sent", "bytes recv", "packets", "flows"));
            for (int i = 0; i < Math.min(n, all.size()); i++) {
                long[] v = all.get(i).getValue();
                err.println(row(Integer.toString(i + 1), all.get(i).getKey(), Text.grouped(v[0]), Text.grouped(v[1]),
                        Text.grouped(v[2]), Text.grouped(v[3])));
            }
            if (untrackedAddresses > 0) {
                err.println("  (only the first " + Text.grouped(maxAddresses) + " addresses are ranked: "
                        + Text.grouped(untrackedBytes) + " bytes, sent + received, of "
                        + Text.grouped(untrackedAddresses) + " later address occurrences are not counted above)");
            }
        }
    }
}
