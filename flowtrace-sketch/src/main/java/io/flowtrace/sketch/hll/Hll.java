package io.flowtrace.sketch.hll;

import io.flowtrace.core.spi.Aggregator;
import io.flowtrace.core.spi.Snapshot;
import io.flowtrace.sketch.KeyFields;
import io.flowtrace.sketch.internal.Bytes;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;

/** What the two {@link HllAggregator}s share: parameter checks, rows, and the head of their byte form. */
final class Hll {
    /** Format version of the byte form: 2 adds the key bound, per-key packets and bytes, and the untracked totals. */
    static final int FORMAT = 2;

    private Hll() {
    }

    static int checkPrecision(int p) {
        if (p < 4 || p > 18) {
            throw new IllegalArgumentException("precision: " + p + " (expected: 4..18)");
        }
        return p;
    }

    /** Three standard errors of an estimate from 2<sup>p</sup> registers, relative. */
    static double relativeBound(int p) {
        return 3 * 1.04 / Math.sqrt(1 << p);
    }

    /** A row of estimate {@code raw} over {@code packets} packets: value and bounds at most the packets. */
    static Snapshot.Row row(Map<String, Object> key, double raw, long packets, double rel) {
        double est = Math.min(raw, packets);
        long v = Math.round(est);
        long lo = Math.min(v, (long) Math.floor(est * (1 - rel)));
        long hi = Math.min(packets, Math.max(v, (long) Math.ceil(est * (1 + rel))));
        return new Snapshot.Row(key, v, Math.max(0, lo), hi);
    }

    /** Writes the element, precision and limit, after the common head. */
    static void writeParameters(DataOutputStream out, KeyFields element, int p, int limit) throws IOException {
        out.writeUTF(element.toString());
        out.writeByte(p);
        out.writeInt(limit);
    }

    /** Reads either aggregator's state: one total when the bytes have no key fields. */
    static Aggregator read(DataInputStream in, int version, long seed) throws IOException {
        Bytes.Common c = Bytes.Common.read(in);
        KeyFields key = c.keyOrNull();
        KeyFields element = KeyFields.parse(in.readUTF());
        int p = in.readUnsignedByte();
        int limit = in.readInt();
        if (p < 4 || p > 18) {
            throw new IllegalArgumentException("hll aggregator bytes: precision " + p + " (expected: 4..18)");
        }
        return key == null ? HllTotalAggregator.read(in, c, element, p, seed, limit)
                : HllKeyedAggregator.read(in, version, c, key, element, p, seed, limit);
    }
}
