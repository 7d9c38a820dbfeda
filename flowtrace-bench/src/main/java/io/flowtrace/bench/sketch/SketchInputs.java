package io.flowtrace.bench.sketch;

import io.flowtrace.bench.ZipfRanks;
import io.flowtrace.sketch.Hashing;

import java.util.SplittableRandom;

/** Pre-generated, pre-hashed benchmark inputs: Zipf-distributed IPv4 source keys with packet sizes. */
final class SketchInputs {
    static final int KEY_WORDS = 3;

    /** Key words of each update, {@link #KEY_WORDS} per update (hi, lo, version/ports word). */
    final long[] words;
    /** Hash of each update's key. */
    final long[] hashes;
    /** Hash of each update's element (a destination address drawn uniformly). */
    final long[] elementHashes;
    /** Wire length of each update's packet. */
    final long[] sizes;
    /** 0..9 per update: which pass in ten renews its element (see the SuperSpread benchmark). */
    final int[] epochs;

    SketchInputs(int updates, int keys, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        ZipfRanks zipf = new ZipfRanks(keys);
        words = new long[updates * KEY_WORDS];
        hashes = new long[updates];
        elementHashes = new long[updates];
        sizes = new long[updates];
        epochs = new int[updates];
        for (int i = 0; i < updates; i++) {
            int rank = zipf.next(rnd);
            words[i * KEY_WORDS + 1] = 0x0A000000L + rank;
            words[i * KEY_WORDS + 2] = 4L << 40;
            hashes[i] = Hashing.hash(words, i * KEY_WORDS, KEY_WORDS, 0x13198A2E03707344L);
            elementHashes[i] = Hashing.hash(0xC0000000L + rnd.nextInt(1 << 24), 7);
            epochs[i] = i % 10;
            int s = rnd.nextInt(10);
            sizes[i] = s < 4 ? 64 : s < 6 ? 576 : s < 9 ? 1500 : 64 + rnd.nextInt(1437);
        }
    }
}
