package io.flowtrace.bench;

import io.flowtrace.testkit.synth.SyntheticCapture;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes a synthetic capture and its ground truth:
 * {@code java -cp benchmarks.jar io.flowtrace.bench.Generate --packets 5000000 --flows 570000 --zipf 1.0 --ipv6 0.2
 * --out x.pcap}, or {@code --flood 2000000 --out flood.pcap} for one-packet conversations from distinct sources.
 */
public final class Generate {
    private static final String USAGE = String.join("\n",
            "usage: Generate --out FILE [--packets N] [--flows N] [--zipf S] [--ipv6 SHARE] [--udp SHARE]",
            "                [--sizes 66:45,576:15,1514:40] [--seed N] [--flood SOURCES] [--no-truth]",
            "writes FILE (classic pcap, Ethernet, headers only) and FILE" + SyntheticCapture.TRUTH_SUFFIX);

    private Generate() {
    }

    public static void main(String[] args) throws Exception {
        SyntheticCapture.Builder b = SyntheticCapture.builder().packets(5_000_000).conversations(570_000);
        Path out = null;
        SyntheticCapture gen;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--no-truth")) {
                    b.truth(false);
                    continue;
                }
                if (a.equals("-h") || a.equals("--help")) {
                    System.out.println(USAGE);
                    return;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + ": missing value");
                }
                String v = args[++i].replace("_", "");
                switch (a) {
                    case "--out": out = Path.of(v); break;
                    case "--packets": b.packets(Long.parseLong(v)); break;
                    case "--flows": b.conversations(Integer.parseInt(v)); break;
                    case "--zipf": b.zipf(Double.parseDouble(v)); break;
                    case "--ipv6": b.ipv6Share(Double.parseDouble(v)); break;
                    case "--udp": b.udpShare(Double.parseDouble(v)); break;
                    case "--sizes": b.sizes(v); break;
                    case "--seed": b.seed(Long.parseLong(v)); break;
                    case "--flood": b.flood(Integer.parseInt(v)); break;
                    default: throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (out == null) {
                throw new IllegalArgumentException("--out FILE is required");
            }
            gen = b.build();
        } catch (IllegalArgumentException e) {
            System.err.println("Generate: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        long t0 = System.nanoTime();
        SyntheticCapture.Summary s = gen.write(out);
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "%s%nwrote %s: %,d packets, %,d conversations, %,d wire bytes, %,d file bytes "
                        + "in %.2f s (%.1f Mpps)%n", gen, out, s.packets(), s.conversations(), s.wireBytes(),
                s.fileBytes(), secs, s.packets() / secs / 1e6);
    }
}
