package io.flowtrace.sketch;

/**
 * The 64-bit hashes every sketch here is fed with: a seeded multiply-rotate-multiply round per word and the
 * MurmurHash3 64-bit finaliser, so that every output bit depends on every input bit. Under a secret seed no
 * difference between two keys collides for every seed: a difference in the top bit, the one that passes a
 * multiplication unchanged, is rotated to the middle before the second. Stateless and thread-safe.
 *
 * @since 0.1
 */
public final class Hashing {
    private static final long C1 = 0x87C37B91114253D5L;
    private static final long C2 = 0x4CF5AD432745937FL;
    private static final long M1 = 0x9E3779B97F4A7C15L;
    private static final long M2 = 0xD6E8FEB86659FD93L;

    private Hashing() {
    }

    /**
     * {@return hash of {@code w[off .. off + n)} under {@code seed}} No allocation.
     *
     * @param w    the words
     * @param off  the first word hashed
     * @param n    how many words are hashed
     * @param seed the seed
     */
    public static long hash(long[] w, int off, int n, long seed) {
        long h = seed ^ (n * 0x9E3779B97F4A7C15L);
        for (int i = 0; i < n; i++) {
            h ^= Long.rotateLeft(w[off + i] * C1, 31) * C2;
            h = Long.rotateLeft(h * M1, 32) * M2;
        }
        return fmix64(h);
    }

    /**
     * {@return hash of one long under {@code seed}}
     *
     * @param v    the value
     * @param seed the seed
     */
    public static long hash(long v, long seed) {
        return fmix64(seed ^ Long.rotateLeft(v * C1, 31) * C2);
    }

    /**
     * {@return the hash of the pair of a key hash and an element hash}
     *
     * @param keyHash     the key's hash
     * @param elementHash the element's hash
     */
    public static long pair(long keyHash, long elementHash) {
        return fmix64(keyHash ^ Long.rotateLeft(elementHash, 23) * C1);
    }

    /**
     * {@return murmurHash3's 64-bit finaliser}
     *
     * @param k the value mixed
     */
    public static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xFF51AFD7ED558CCDL;
        k ^= k >>> 33;
        k *= 0xC4CEB9FE1A85EC53L;
        k ^= k >>> 33;
        return k;
    }
}
