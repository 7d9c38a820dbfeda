package io.flowtrace.core.internal;

import io.flowtrace.core.Durations;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowCache;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.FlowOptions;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.TcpFin;
import io.flowtrace.core.spi.PacketView;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * The flow semantics of the design written the plain way (a HashMap of objects, every rule spelled out), as the
 * model the compact table is checked against. Flows end on the arrival of their next packet, at {@link #advance}
 * (every flow checked) or at the end; unbounded, so no eviction.
 */
final class ReferenceFlowTable implements FlowCache {
    private static final class Flow {
        FlowKey key; // initiator first
        long first;
        long last;
        long[] pkts = new long[2];
        long[] bytes = new long[2];
        long[] ipBytes = new long[2];
        int[] flags = new int[2];
        boolean closing;
        boolean finA;
        boolean finB;
        boolean rst;
        long closeTs;
        boolean empty;
        /** began with a SYN: while B has sent nothing, it ends at the attempt timeout after its first packet */
        boolean attempt;
        int interfaceIndex;
    }

    private final Context context;
    private final FlowOptions o;
    private final Map<FlowKey, Flow> flows = new HashMap<>();
    private long now = Long.MIN_VALUE;
    private long created;
    private final Map<EndReason, Long> ended = new EnumMap<>(EndReason.class);

    ReferenceFlowTable(Context context) {
        this.context = context;
        this.o = context.options();
    }

    /** The flow's idle timeout: its service's (B's port, else A's), else its protocol's. */
    private long idle(FlowKey k) {
        return o.idleTimeoutNanos(k.protocol(), k.dstPort(), k.srcPort());
    }

    /** When the flow's idle time ends: after its last packet, or an unanswered attempt's timeout. */
    private long idleEnd(Flow f) {
        long end = add(f.last, idle(f.key));
        if (f.attempt && f.pkts[1] == 0) {
            end = Math.min(end, add(f.first, Durations.nanosOrNever(o.tcpAttemptTimeout())));
        }
        return end;
    }

    private long active() {
        return Durations.nanosOrNever(o.activeTimeout());
    }

    private static long add(long a, long b) {
        return b == Long.MAX_VALUE ? Long.MAX_VALUE : a + b;
    }

    @Override
    public void update(PacketView p) {
        long ts = p.timestampNanos();
        now = Math.max(now, ts);
        FlowKey k = new FlowKey(p.ipVersion(), p.srcHi(), p.srcLo(), p.dstHi(), p.dstLo(), p.srcPort(), p.dstPort(),
                p.protocol(), o.vlanInKey() ? p.vlan() : 0);
        Flow f = flows.get(k);
        boolean forward = true;
        if (f == null && o.bidirectional()) {
            f = flows.get(k.reversed());
            forward = false;
        }
        if (f == null) {
            fresh(k, p);
            return;
        }
        if (f.closing) {
            boolean newSyn = (p.tcpFlags() & 0x12) == 0x02;
            if (ts - f.closeTs >= o.tcpLinger().toNanos() || newSyn) {
                emit(f, f.rst ? EndReason.TCP_RST : EndReason.TCP_FIN);
                flows.remove(f.key);
                fresh(k, p);
                return;
            }
            account(f, p, forward);
            return;
        }
        if (f.empty) {
            if (ts - f.last >= idle(f.key)) {
                flows.remove(f.key);
                fresh(k, p);
            } else {
                restart(f, p, forward);
            }
            return;
        }
        long idleDl = idleEnd(f);
        long activeDl = add(f.first, active());
        if (ts >= idleDl || ts >= activeDl) {
            if (idleDl <= activeDl) {
                emit(f, EndReason.IDLE_TIMEOUT);
                flows.remove(f.key);
                fresh(k, p);
            } else {
                emit(f, EndReason.ACTIVE_TIMEOUT);
                if (ts >= idleDl) {
                    flows.remove(f.key);
                    fresh(k, p);
                } else {
                    restart(f, p, forward);
                }
            }
            return;
        }
        account(f, p, forward);
    }

    private void restart(Flow f, PacketView p, boolean forward) {
        f.empty = false;
        f.attempt = false;
        f.pkts = new long[2];
        f.bytes = new long[2];
        f.ipBytes = new long[2];
        f.flags = new int[2];
        f.closing = f.finA = f.finB = f.rst = false;
        f.closeTs = 0;
        f.first = f.last = p.timestampNanos();
        account(f, p, forward);
    }

    private void fresh(FlowKey k, PacketView p) {
        Flow f = new Flow();
        boolean reversed = p.protocol() == 6 && (p.tcpFlags() & 0x12) == 0x12 && o.bidirectional();
        f.key = reversed ? k.reversed() : k;
        f.first = f.last = p.timestampNanos();
        f.interfaceIndex = p.interfaceIndex();
        f.attempt = !o.tcpAttemptTimeout().isZero() && p.protocol() == 6 && (p.tcpFlags() & 0x17) == 0x02;
        flows.put(f.key, f);
        created++;
        account(f, p, !reversed);
    }

    private void account(Flow f, PacketView p, boolean forward) {
        int d = forward ? 0 : 1;
        int flags = p.tcpFlags();
        f.pkts[d]++;
        f.bytes[d] += p.wireLength();
        f.ipBytes[d] += p.ipLength();
        f.last = Math.max(f.last, p.timestampNanos());
        f.first = Math.min(f.first, p.timestampNanos());
        f.flags[d] |= flags;
        if (o.tcpClose() && p.protocol() == 6 && !f.closing && flags != 0) {
            if ((flags & 0x04) != 0) {
                f.closing = true;
                f.rst = true;
            } else if ((flags & 0x01) != 0) {
                if (forward) {
                    f.finA = true;
                } else {
                    f.finB = true;
                }
                boolean peerSilent = f.pkts[forward ? 1 : 0] == 0;
                if (!o.bidirectional() || (f.finA && f.finB) || o.tcpFin() == TcpFin.FIRST
                        || o.tcpFin() == TcpFin.SEEN_SIDES && peerSilent) {
                    f.closing = true;
                }
            }
            if (f.closing) {
                f.closeTs = p.timestampNanos();
            }
        }
    }

    private long deadline(Flow f) {
        if (f.closing) {
            return f.closeTs + o.tcpLinger().toNanos();
        }
        if (f.empty) {
            return add(f.last, idle(f.key));
        }
        return Math.min(idleEnd(f), add(f.first, active()));
    }

    /** Ends a flow whose deadline is at or before now, as its next packet would have. */
    private void expire(Flow f) {
        if (f.closing) {
            emit(f, f.rst ? EndReason.TCP_RST : EndReason.TCP_FIN);
            flows.remove(f.key);
        } else if (f.empty) {
            flows.remove(f.key);
        } else if (idleEnd(f) <= add(f.first, active())) {
            emit(f, EndReason.IDLE_TIMEOUT);
            flows.remove(f.key);
        } else {
            emit(f, EndReason.ACTIVE_TIMEOUT); // stays, empty, until its idle timeout or its next packet
        }
    }

    @Override
    public void advance(long nowNanos) {
        now = Math.max(now, nowNanos);
        for (Flow f : new ArrayList<>(flows.values())) {
            if (deadline(f) <= now) {
                expire(f);
            }
        }
    }

    @Override
    public void flush(EndReason reason) {
        for (Flow f : new ArrayList<>(flows.values())) {
            if (f.closing) {
                emit(f, f.rst ? EndReason.TCP_RST : EndReason.TCP_FIN);
            } else if (deadline(f) <= now) {
                expire(f);
            } else if (!f.empty) {
                emit(f, reason);
            }
        }
        flows.clear();
    }

    @Override
    public int size() {
        return flows.size();
    }

    @Override
    public int capacity() {
        return flows.size(); // a HashMap has room for what it holds
    }

    @Override
    public Counters counters() {
        return new Counters(created, ended(EndReason.IDLE_TIMEOUT), ended(EndReason.ACTIVE_TIMEOUT),
                ended(EndReason.TCP_FIN), ended(EndReason.TCP_RST), ended(EndReason.EVICTED),
                ended(EndReason.END_OF_CAPTURE), ended(EndReason.SHUTDOWN));
    }

    private long ended(EndReason r) {
        return ended.getOrDefault(r, 0L);
    }

    private void emit(Flow f, EndReason reason) {
        context.emit(new FlowEvent(FlowEvent.flowIdOf(f.key, f.first), f.key, f.first, f.last, f.pkts[0],
                f.pkts[1], f.bytes[0], f.bytes[1], f.ipBytes[0], f.ipBytes[1], f.flags[0], f.flags[1], reason,
                context.interfaceName(f.interfaceIndex), context.hostname(), context.direction(f.key)));
        ended.merge(reason, 1L, Long::sum);
        if (reason == EndReason.ACTIVE_TIMEOUT) {
            f.empty = true;
            f.attempt = false;
            f.pkts = new long[2];
        }
    }
}
