package io.flowtrace.sketch;

/**
 * Keys crafted as an attacker who knows the seed would: {@link Hashing#hash(long[], int, int, long)} is a bijection
 * of each word given the others, so one free word can be solved for any hash wanted.
 */
public final class Crafted {
    private static final long C1 = 0x87C37B91114253D5L;
    private static final long C2 = 0x4CF5AD432745937FL;
    private static final long M1 = 0x9E3779B97F4A7C15L;
    private static final long M2 = 0xD6E8FEB86659FD93L;

    private Crafted() {
    }

    /**
     * Sets {@code w[free]} so that {@code Hashing.hash(w, 0, w.length, seed) == target}; the other words stay as
     * given.
     */
    public static void solve(long[] w, int free, long seed, long target) {
        int n = w.length;
        long s = seed ^ (n * 0x9E3779B97F4A7C15L);
        for (int i = 0; i < free; i++) {
            s = step(s, w[i]);
        }
        long x = unfmix(target);
        for (int i = n - 1; i > free; i--) {
            x = unstep(x) ^ f(w[i]);
        }
        long fw = unstep(x) ^ s;
        w[free] = Long.rotateRight(fw * inverse(C2), 31) * inverse(C1);
        if (Hashing.hash(w, 0, n, seed) != target) {
            throw new AssertionError("crafting failed");
        }
    }

    private static long f(long v) {
        return Long.rotateLeft(v * C1, 31) * C2;
    }

    private static long step(long h, long v) {
        h ^= f(v);
        return Long.rotateLeft(h * M1, 32) * M2;
    }

    /** The state before a word's round, xor the word's f, from the state after it. */
    private static long unstep(long h) {
        return Long.rotateRight(h * inverse(M2), 32) * inverse(M1);
    }

    private static long unfmix(long k) {
        k ^= k >>> 33;
        k *= inverse(0xC4CEB9FE1A85EC53L);
        k ^= k >>> 33;
        k *= inverse(0xFF51AFD7ED558CCDL);
        k ^= k >>> 33;
        return k;
    }

    /** The inverse of an odd number modulo 2^64 (Newton's iteration). */
    private static long inverse(long a) {
        long x = a;
        for (int i = 0; i < 6; i++) {
            x *= 2 - a * x;
        }
        return x;
    }

    /**
     * A key that differs from {@code w} in words 0 and 1 so that their rounds' inputs differ by {@code d0} and
     * {@code d1}: the differences an attacker tries where a round passes a difference through unchanged.
     */
    public static long[] twin(long[] w, long d0, long d1) {
        long[] t = w.clone();
        t[0] = unf(f(w[0]) ^ d0);
        t[1] = unf(f(w[1]) ^ d1);
        return t;
    }

    private static long unf(long y) {
        return Long.rotateRight(y * inverse(C2), 31) * inverse(C1);
    }

    /** An IPv6 address (words hi, lo, version) numbered {@code i} whose hash under {@code seed} is {@code target}. */
    public static long[] ipv6(int i, long seed, long target) {
        long[] w = {0x2001_0db8_0000_0000L | i, 0, 6L << 40};
        solve(w, 1, seed, target);
        return w;
    }
}
