package io.flowtrace.core.internal;

import io.flowtrace.core.Durations;
import io.flowtrace.core.EndReason;
import io.flowtrace.core.FlowKey;
import io.flowtrace.core.FlowOptions;
import io.flowtrace.core.FlowEvent;
import io.flowtrace.core.Direction;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The flow semantics of the design written the plain way (a HashMap of objects, every rule spelled out), as the
 * model the compact table is checked against. Flows end on the arrival of their next packet or at the end; no
 * eviction.
 */
final class ReferenceFlowTable {
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
    }

    private final FlowOptions o;
    private final Map<FlowKey, Flow> flows = new HashMap<>();
    final List<FlowEvent> records = new ArrayList<>();
    private long now = Long.MIN_VALUE;

    ReferenceFlowTable(FlowOptions o) {
        this.o = o;
    }

    private long idle(int proto) {
        return o.idleTimeoutNanos(proto);
    }

    private long active() {
        return Durations.nanosOrNever(o.activeTimeout());
    }

    private static long add(long a, long b) {
        return b == Long.MAX_VALUE ? Long.MAX_VALUE : a + b;
    }

    void update(DecodedPacket p) {
        long ts = p.timestampNanos;
        now = Math.max(now, ts);
        FlowKey k = new FlowKey(p.ipVersion, p.srcHi, p.srcLo, p.dstHi, p.dstLo, p.srcPort, p.dstPort, p.protocol,
                o.vlanInKey() ? p.vlan : 0);
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
            boolean newSyn = (p.tcpFlags & 0x12) == 0x02;
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
            if (ts - f.last >= idle(k.protocol())) {
                flows.remove(f.key);
                fresh(k, p);
            } else {
                restart(f, p, forward);
            }
            return;
        }
        long idleDl = add(f.last, idle(k.protocol()));
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

    private void restart(Flow f, DecodedPacket p, boolean forward) {
        f.empty = false;
        f.pkts = new long[2];
        f.bytes = new long[2];
        f.ipBytes = new long[2];
        f.flags = new int[2];
        f.closing = f.finA = f.finB = f.rst = false;
        f.closeTs = 0;
        f.first = f.last = p.timestampNanos;
        account(f, p, forward);
    }

    private void fresh(FlowKey k, DecodedPacket p) {
        Flow f = new Flow();
        boolean reversed = p.protocol == 6 && (p.tcpFlags & 0x12) == 0x12 && o.bidirectional();
        f.key = reversed ? k.reversed() : k;
        f.first = f.last = p.timestampNanos;
        flows.put(f.key, f);
        account(f, p, !reversed);
    }

    private void account(Flow f, DecodedPacket p, boolean forward) {
        int d = forward ? 0 : 1;
        f.pkts[d]++;
        f.bytes[d] += p.wireLength;
        f.ipBytes[d] += p.ipLength;
        f.last = Math.max(f.last, p.timestampNanos);
        f.first = Math.min(f.first, p.timestampNanos);
        f.flags[d] |= p.tcpFlags;
        if (o.tcpClose() && p.protocol == 6 && !f.closing && p.tcpFlags != 0) {
            if ((p.tcpFlags & 0x04) != 0) {
                f.closing = true;
                f.rst = true;
            } else if ((p.tcpFlags & 0x01) != 0) {
                if (forward) {
                    f.finA = true;
                } else {
                    f.finB = true;
                }
                if (!o.bidirectional() || (f.finA && f.finB)) {
                    f.closing = true;
                }
            }
            if (f.closing) {
                f.closeTs = p.timestampNanos;
            }
        }
    }

    void finish() {
        for (Flow f : new ArrayList<>(flows.values())) {
            long deadline;
            if (f.closing) {
                deadline = f.closeTs + o.tcpLinger().toNanos();
            } else if (f.empty) {
                deadline = add(f.last, idle(f.key.protocol()));
            } else {
                deadline = Math.min(add(f.last, idle(f.key.protocol())), add(f.first, active()));
            }
            if (f.closing) {
                emit(f, f.rst ? EndReason.TCP_RST : EndReason.TCP_FIN);
            } else if (deadline <= now) {
                if (f.closing) {
                    emit(f, f.rst ? EndReason.TCP_RST : EndReason.TCP_FIN);
                } else if (!f.empty) {
                    boolean idleFirst = add(f.last, idle(f.key.protocol())) <= add(f.first, active());
                    emit(f, idleFirst ? EndReason.IDLE_TIMEOUT : EndReason.ACTIVE_TIMEOUT);
                }
            } else if (!f.empty) {
                emit(f, EndReason.END_OF_CAPTURE);
            }
        }
        flows.clear();
    }

    private void emit(Flow f, EndReason reason) {
        records.add(new FlowEvent(FlowEvent.flowIdOf(f.key, f.first), f.key, f.first, f.last, f.pkts[0], f.pkts[1],
                f.bytes[0], f.bytes[1], f.ipBytes[0], f.ipBytes[1], f.flags[0], f.flags[1], reason, null, null,
                Direction.UNKNOWN));
        if (reason == EndReason.ACTIVE_TIMEOUT) {
            f.empty = true;
            f.pkts = new long[2];
        }
    }
}
