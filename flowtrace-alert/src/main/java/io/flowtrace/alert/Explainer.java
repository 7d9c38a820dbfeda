package io.flowtrace.alert;

import io.flowtrace.core.spi.Snapshot;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The built-in analyzer: explains an alert from the snapshots of its check alone, with no network and the same words
 * for the same evidence. It looks for the conversations of the alert's key in a task keyed on both addresses (the
 * engine's {@code per_five_tuple}): how many, to how many hosts and ports, how many got no packet back, their share
 * of the task's traffic and the top peers; and for the key in heavy-hitter and spreader tasks. From these it names the
 * likely pattern (port scan, host sweep, SYN flood, amplification, volumetric source) and next steps. One instance
 * per check (it indexes the evidence once); used by one thread.
 */
final class Explainer {
    /** UDP services that answer a small request with a large reply: reflectors in amplification attacks. */
    private static final Set<Integer> AMPLIFIERS = Set.of(17, 19, 53, 111, 123, 161, 389, 520, 1900, 3702, 11211);
    private static final int MANY = 10;

    private final List<Snapshot> evidence;
    /** By snapshot: its rows' keys, for the reverse-direction look-up. */
    private final Map<Snapshot, Set<Map<String, String>>> keysOf = new HashMap<>();

    Explainer(List<Snapshot> evidence) {
        this.evidence = evidence;
    }

    /** What the evidence says of the key of {@code a} (a fired alert of {@code rule}). */
    String explain(Alert a, AlertRule rule) {
        StringBuilder sb = new StringBuilder();
        String who = a.key().isEmpty() ? "task " + a.task() : keyText(a.key());
        sb.append(who).append(": ").append(rule.metric()).append(' ').append(number(a.value()))
                .append(rule.window() ? " in the window" : "").append(' ').append(rule.operator().symbol())
                .append(' ').append(number(a.threshold())).append(" (rule ").append(a.rule()).append(").");
        Conversations c = a.key().isEmpty() ? null : conversations(a.key());
        Long spread = a.key().isEmpty() ? null : spread(a.key());
        String pattern;
        String next;
        if (c != null && c.rows > 0) {
            sb.append(' ').append(c.describe());
            String[] p = pattern(c, a.key());
            pattern = p[0];
            next = p[1];
        } else if (a.key().isEmpty()) {
            pattern = null;
            next = "look at the task's top keys for the window (query --mode aggregate, heavyhitters) to see which "
                    + "sources make up the total";
        } else if (spread != null && spread >= MANY || rule.metric() == AlertRule.Metric.SUPER_SPREADER_SPREAD) {
            pattern = "host sweep or scan";
            next = "keep a task keyed on both addresses and ports (per_five_tuple) to tell a sweep from a port scan; "
                    + "check the source against the inventory and block it at the edge if it is not expected";
        } else {
            pattern = "volumetric source";
            next = "confirm whether the traffic is expected (backup, update, replication); rate-limit the source if "
                    + "not";
        }
        if (spread != null && rule.metric() != AlertRule.Metric.SUPER_SPREADER_SPREAD) {
            sb.append(" Spread (estimated): ").append(count(spread, "distinct element")).append('.');
        }
        if (pattern != null) {
            sb.append(" Likely pattern: ").append(pattern).append('.');
        } else {
            sb.append(" No single source pattern: a task total.");
        }
        sb.append(" Next steps: ").append(next).append('.');
        return sb.toString();
    }

    /** {@code {pattern, next steps}} from the conversations of a key. */
    private static String[] pattern(Conversations c, Map<String, Object> key) {
        boolean asSource = key.containsKey("src_ip") || !key.containsKey("dst_ip");
        int hosts = asSource ? c.dstIps.size() : c.srcIps.size();
        int ports = c.dstPorts.size();
        double avg = c.packets == 0 ? 0 : (double) c.bytes / c.packets;
        double unanswered = c.rows == 0 ? 0 : (double) c.unanswered / c.rows;
        if (c.udpFromAmplifier > 0 && c.udpFromAmplifier * 2 >= c.rows && avg >= 300) {
            return new String[] {"amplification (large UDP replies from service port "
                    + String.join("/", c.amplifierPorts()) + ")",
                    "check whether the reflector service must be reachable from outside; close it or rate-limit its "
                            + "replies; the target is the address the replies go to, and the requests were probably "
                            + "spoofed"};
        }
        if (asSource && ports >= MANY && hosts <= 3 && ports >= 5 * hosts) {
            return new String[] {"port scan (" + ports + " ports on " + hosts + " host" + (hosts == 1 ? "" : "s") + ")",
                    "see which of the ports answered (those services are now known to the scanner); block or rate-limit"
                            + " the source at the edge; watch for connections from it to the ports that answered"};
        }
        if (asSource && hosts >= MANY && ports <= 3) {
            return new String[] {"host sweep (" + hosts + " hosts on " + ports + " port" + (ports == 1 ? "" : "s")
                    + ")",
                    "list the hosts that answered; check the source against the inventory (a scanner of yours, or a "
                            + "compromised host looking for its next one); block it at the edge if it is not expected"};
        }
        if (c.tcp * 2 >= c.rows && c.rows >= MANY && ports <= 2 && hosts <= 2 && unanswered >= 0.8 && avg < 120) {
            return new String[] {"SYN flood (" + count(c.rows, "connection attempt") + " to " + count(hosts, "host")
                    + ", "
                    + percent(unanswered) + " unanswered)",
                    "turn SYN cookies on at the target; rate-limit new connections per source; check whether the "
                            + "sources are spoofed (many addresses, one packet each) and ask upstream to filter"};
        }
        if (c.packetShare >= 0.2 || c.byteShare >= 0.2) {
            return new String[] {"volumetric source (" + percent(Math.max(c.packetShare, c.byteShare))
                    + " of the task's traffic)",
                    "confirm whether the transfer is expected (backup, update, replication); rate-limit or shape the "
                            + "source if not"};
        }
        return new String[] {"no known attack pattern (" + count(hosts, "peer host") + ", " + count(ports, "port")
                + ")",
                "compare with the source's usual traffic; raise the threshold if this is normal"};
    }

    /** The conversations of {@code key} in the first task keyed on both addresses that has any. */
    private Conversations conversations(Map<String, Object> key) {
        for (Snapshot s : evidence) {
            if (s.rows().isEmpty() || !s.rows().get(0).key().containsKey("src_ip")
                    || !s.rows().get(0).key().containsKey("dst_ip")) {
                continue;
            }
            Conversations c = new Conversations(s);
            for (Snapshot.Row r : s.rows()) {
                if (matches(r.key(), key)) {
                    c.add(r, replied(s, r.key()));
                }
            }
            if (c.rows > 0) {
                long tp = s.totals().getOrDefault("total_packets", 0L);
                long tb = s.totals().getOrDefault("total_bytes", 0L);
                c.packetShare = tp == 0 ? 0 : (double) c.packets / tp;
                c.byteShare = tb == 0 ? 0 : (double) c.bytes / tb;
                return c;
            }
        }
        return null;
    }

    /** The largest spread of {@code key} in a spreader task, or {@code null}. */
    private Long spread(Map<String, Object> key) {
        Long best = null;
        for (Snapshot s : evidence) {
            if (!s.type().equals("super-spread") && !s.metric().startsWith("spread")) {
                continue;
            }
            for (Snapshot.Row r : s.rows()) {
                if (r.key().keySet().equals(key.keySet()) && matches(r.key(), key)) {
                    best = best == null ? r.value() : Math.max(best, r.value());
                }
            }
        }
        return best;
    }

    /** Whether the conversation of {@code k} had a packet in the other direction, in the same task. */
    private boolean replied(Snapshot s, Map<String, Object> k) {
        Set<Map<String, String>> keys = keysOf.computeIfAbsent(s, x -> {
            Set<Map<String, String>> out = new HashSet<>();
            for (Snapshot.Row r : x.rows()) {
                out.add(text(r.key()));
            }
            return out;
        });
        Map<String, String> reverse = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : k.entrySet()) {
            String f = e.getKey();
            String other = f.startsWith("src_") ? "dst_" + f.substring(4) : f.startsWith("dst_") ? "src_"
                    + f.substring(4) : f;
            reverse.put(f, String.valueOf(k.get(other)));
        }
        return keys.contains(reverse);
    }

    private static Map<String, String> text(Map<String, Object> k) {
        Map<String, String> out = new LinkedHashMap<>();
        k.forEach((f, v) -> out.put(f, String.valueOf(v)));
        return out;
    }

    private static boolean matches(Map<String, Object> row, Map<String, Object> key) {
        for (Map.Entry<String, Object> e : key.entrySet()) {
            Object v = row.get(e.getKey());
            if (v == null || !Objects.equals(String.valueOf(v), String.valueOf(e.getValue()))) {
                return false;
            }
        }
        return true;
    }

    static String keyText(Map<String, Object> key) {
        List<String> parts = new ArrayList<>();
        key.forEach((f, v) -> parts.add(f + "=" + v));
        return String.join(",", parts);
    }

    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 9.0e15) {
            return String.format(Locale.ROOT, "%,d", (long) v);
        }
        return String.format(Locale.ROOT, "%,.2f", v);
    }

    /** {@code 1 packet}, {@code 2 packets}. */
    static String count(long n, String what) {
        return number(n) + " " + what + (n == 1 ? "" : "s");
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, "%.1f%%", share * 100);
    }

    /** What the conversations of one key add up to. */
    private static final class Conversations {
        final Snapshot from;
        int rows;
        long packets;
        long bytes;
        int unanswered;
        int tcp;
        int udpFromAmplifier;
        final Set<Integer> amplifierPorts = new java.util.TreeSet<>();
        final Set<String> srcIps = new HashSet<>();
        final Set<String> dstIps = new HashSet<>();
        final Set<String> dstPorts = new HashSet<>();
        final Map<String, Long> peers = new HashMap<>();
        double packetShare;
        double byteShare;

        Conversations(Snapshot from) {
            this.from = from;
        }

        void add(Snapshot.Row r, boolean replied) {
            rows++;
            long p = r.counts().containsKey("packets") ? r.counts().get("packets")
                    : from.metric().equals("packets") ? r.value() : 0;
            long b = r.counts().containsKey("bytes") ? r.counts().get("bytes")
                    : from.metric().equals("bytes") ? r.value() : 0;
            packets += p;
            bytes += b;
            if (!replied) {
                unanswered++;
            }
            Map<String, Object> k = r.key();
            String proto = String.valueOf(k.get("protocol"));
            if (proto.equals("TCP") || proto.equals("6")) {
                tcp++;
            }
            Object sp = k.get("src_port");
            if ((proto.equals("UDP") || proto.equals("17")) && sp != null) {
                int port = (int) Double.parseDouble(String.valueOf(sp));
                if (AMPLIFIERS.contains(port)) {
                    udpFromAmplifier++;
                    amplifierPorts.add(port);
                }
            }
            srcIps.add(String.valueOf(k.get("src_ip")));
            String dst = String.valueOf(k.get("dst_ip"));
            dstIps.add(dst);
            if (k.containsKey("dst_port")) {
                dstPorts.add(String.valueOf(k.get("dst_port")));
            }
            peers.merge(dst, p, Long::sum);
        }

        List<String> amplifierPorts() {
            List<String> out = new ArrayList<>();
            amplifierPorts.forEach(p -> out.add(String.valueOf(p)));
            return out;
        }

        String describe() {
            List<Map.Entry<String, Long>> top = new ArrayList<>(peers.entrySet());
            top.sort((x, y) -> y.getValue().equals(x.getValue()) ? x.getKey().compareTo(y.getKey())
                    : Long.compare(y.getValue(), x.getValue()));
            List<String> names = new ArrayList<>();
            for (int i = 0; i < Math.min(3, top.size()); i++) {
                names.add(top.get(i).getKey() + " (" + count(top.get(i).getValue(), "packet") + ")");
            }
            return "In task " + from.task() + ": " + count(rows, "conversation") + " to " + count(dstIps.size(),
                    "destination host") + " on " + count(dstPorts.size(), "destination port") + ", "
                    + number(unanswered) + " with no packet back; " + count(packets, "packet") + " ("
                    + percent(packetShare) + " of the task's), " + count(bytes, "byte") + " (" + percent(byteShare)
                    + "); top peers: " + String.join(", ", names) + ".";
        }
    }
}
