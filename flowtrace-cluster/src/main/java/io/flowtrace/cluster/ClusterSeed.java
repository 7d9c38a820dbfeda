package io.flowtrace.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * The one secret a cluster shares ({@code cluster.seed}): the hash that picks a packet's partition and the seeds of
 * the sketches whose state merges across processes both come from it, each through a label of its own, so that no
 * seed is a constant that traffic could be crafted against and every process of the cluster agrees on them.
 * Immutable and thread-safe. {@link #toString()} never shows the secret.
 *
 * @since 0.1
 */
public final class ClusterSeed {
    /** The shortest seed accepted: shorter secrets can be guessed. */
    public static final int MIN_LENGTH = 8;

    private final long partitionSeed;
    private final long sketchSeed;

    private ClusterSeed(long partitionSeed, long sketchSeed) {
        this.partitionSeed = partitionSeed;
        this.sketchSeed = sketchSeed;
    }

    /**
     * Derives the cluster's seeds from the configured text.
     *
     * @param secret the configured {@code cluster.seed}: at least {@link #MIN_LENGTH} characters
     * @return the seeds
     * @throws IllegalArgumentException when the text is blank or shorter than {@link #MIN_LENGTH}
     */
    public static ClusterSeed of(String secret) {
        Objects.requireNonNull(secret, "secret");
        String s = secret.trim();
        if (s.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("seed: " + s.length() + " characters (expected: a secret of at least "
                    + MIN_LENGTH + " characters, the same on every sensor and engine of the cluster)");
        }
        return new ClusterSeed(derive(s, "partition"), derive(s, "sketch"));
    }

    private static long derive(String secret, String label) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(("flowtrace-cluster/" + label + "/").getBytes(StandardCharsets.UTF_8));
            byte[] h = d.digest(secret.getBytes(StandardCharsets.UTF_8));
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = v << 8 | (h[i] & 0xFF);
            }
            return v;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** {@return the key of the symmetric flow hash that picks partitions} */
    public long partitionSeed() {
        return partitionSeed;
    }

    /** {@return the seed given to every aggregator task ({@code seed} setting), so their states merge} */
    public long sketchSeed() {
        return sketchSeed;
    }

    /**
     * {@return the partitioner over {@code partitions} subjects keyed by this seed}
     *
     * @param partitions how many partitions, at least 1
     */
    public FlowPartitioner partitioner(int partitions) {
        return new FlowPartitioner(partitions, partitionSeed);
    }

    @Override
    public String toString() {
        return "ClusterSeed[secret]";
    }
}
