package io.flowtrace.core.internal;

import io.flowtrace.core.Direction;

import java.util.Arrays;
import java.util.Collection;
import java.net.InetAddress;
import java.util.function.IntFunction;

/**
 * What a flow table adds to each record beyond the packets: interface name, hostname and direction from the host's
 * own addresses. Immutable; shared by all workers.
 */
public final class RecordContext {
    private final IntFunction<String> interfaceNames;
    private final String hostname;
    private final long[] localHi;
    private final long[] localLo;
    private final int[] localVersion;

    public RecordContext(IntFunction<String> interfaceNames, String hostname, Collection<InetAddress> localAddresses) {
        this.interfaceNames = interfaceNames;
        this.hostname = hostname;
        int n = localAddresses.size();
        localHi = new long[n];
        localLo = new long[n];
        localVersion = new int[n];
        int i = 0;
        for (InetAddress a : localAddresses) {
            byte[] b = a.getAddress();
            localVersion[i] = b.length == 4 ? 4 : 6;
            long hi = 0;
            long lo = 0;
            if (b.length == 4) {
                for (byte x : b) {
                    lo = (lo << 8) | (x & 0xff);
                }
            } else {
                for (int k = 0; k < 8; k++) {
                    hi = (hi << 8) | (b[k] & 0xff);
                    lo = (lo << 8) | (b[8 + k] & 0xff);
                }
            }
            localHi[i] = hi;
            localLo[i] = lo;
            i++;
        }
    }

    /** No interface names, no hostname, no local addresses (direction always unknown). */
    public static RecordContext none() {
        return new RecordContext(idx -> null, null, java.util.List.of());
    }

    public String interfaceName(int index) {
        return interfaceNames.apply(index);
    }

    public String hostname() {
        return hostname;
    }

    public boolean isLocal(int version, long hi, long lo) {
        for (int i = 0; i < localLo.length; i++) {
            if (localLo[i] == lo && localHi[i] == hi && localVersion[i] == version) {
                return true;
            }
        }
        return false;
    }

    public Direction direction(int version, long srcHi, long srcLo, long dstHi, long dstLo) {
        boolean s = isLocal(version, srcHi, srcLo);
        boolean d = isLocal(version, dstHi, dstLo);
        if (s && d) {
            return Direction.LOCAL;
        }
        if (s) {
            return Direction.OUTBOUND;
        }
        if (d) {
            return Direction.INBOUND;
        }
        return Direction.UNKNOWN;
    }

    @Override
    public String toString() {
        return "RecordContext[hostname=" + hostname + ", local=" + Arrays.toString(localLo) + "]";
    }
}
