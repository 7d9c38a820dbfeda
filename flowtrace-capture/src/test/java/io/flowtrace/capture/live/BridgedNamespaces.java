package io.flowtrace.capture.live;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Two network namespaces, {@code a} (10.X.N.1) and {@code b} (10.X.N.2), joined through a bridge in this one; the
 * capture end is {@code a}'s veth on that bridge, so a capture there sees both directions of their traffic. Made
 * for one test with random names under a prefix, and removed by {@link #close()}.
 */
final class BridgedNamespaces implements AutoCloseable {
    final String nsA;
    final String nsB;
    /** The interface to capture: in this namespace, on the bridge. */
    final String captureEnd;
    final String addressA;
    final String serverAddress;
    private final List<List<String>> cleanup = new ArrayList<>();

    private BridgedNamespaces(String prefix, int secondOctet) throws InterruptedException {
        String id = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0x1000000));
        int subnet = ThreadLocalRandom.current().nextInt(256);
        nsA = prefix + "-a-" + id;
        nsB = prefix + "-b-" + id;
        String bridge = prefix + "r" + id;
        captureEnd = prefix + "a" + id;
        String peerA = prefix + "a" + id + "p";
        String endB = prefix + "b" + id;
        String peerB = prefix + "b" + id + "p";
        addressA = "10." + secondOctet + "." + subnet + ".1";
        serverAddress = "10." + secondOctet + "." + subnet + ".2";
        // removed in reverse order: links before their namespaces
        cleanup.add(List.of("ip", "netns", "del", nsA));
        cleanup.add(List.of("ip", "netns", "del", nsB));
        cleanup.add(List.of("ip", "link", "del", bridge));
        cleanup.add(List.of("ip", "link", "del", captureEnd));
        cleanup.add(List.of("ip", "link", "del", endB));
        try {
            ip("netns", "add", nsA);
            ip("netns", "add", nsB);
            ip("link", "add", bridge, "type", "bridge");
            ip("link", "add", captureEnd, "type", "veth", "peer", "name", peerA, "netns", nsA);
            ip("link", "add", endB, "type", "veth", "peer", "name", peerB, "netns", nsB);
            ip("link", "set", captureEnd, "master", bridge, "up");
            ip("link", "set", endB, "master", bridge, "up");
            ip("link", "set", bridge, "up");
            ip("-n", nsA, "addr", "add", addressA + "/24", "dev", peerA);
            ip("-n", nsA, "link", "set", peerA, "up");
            ip("-n", nsB, "addr", "add", serverAddress + "/24", "dev", peerB);
            ip("-n", nsB, "link", "set", peerB, "up");
        } catch (AssertionError | IOException e) {
            close();
            fail("cannot create network namespaces and veth links (needs root and iproute2): " + e.getMessage(), e);
        }
    }

    /**
     * Makes the namespaces and links.
     *
     * @param prefix      at most 4 characters: interface names stay within 15
     * @param secondOctet the addresses' 10.X.0.0/16
     */
    static BridgedNamespaces create(String prefix, int secondOctet) throws InterruptedException {
        return new BridgedNamespaces(prefix, secondOctet);
    }

    /** Removes namespaces and links an earlier, killed run left under {@code prefix}. */
    static void removeLeftovers(String prefix) throws IOException, InterruptedException {
        for (String line : LiveTestSupport.runCommand(List.of("ip", "netns", "list")).split("\n")) {
            String name = line.split(" ")[0];
            if (name.startsWith(prefix + "-")) {
                quietly(List.of("ip", "netns", "del", name));
            }
        }
        for (String line : LiveTestSupport.runCommand(List.of("ip", "-o", "link", "show")).split("\n")) {
            String[] fields = line.split(": ");
            if (fields.length > 1) {
                String name = fields[1].split("@")[0];
                if (name.startsWith(prefix)) {
                    quietly(List.of("ip", "link", "del", name));
                }
            }
        }
    }

    /** {@return the command prefix that runs a command in {@code ns}} */
    static List<String> inNamespace(String ns) {
        return List.of("ip", "netns", "exec", ns);
    }

    @Override
    public void close() {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            quietly(cleanup.get(i));
        }
        cleanup.clear();
    }

    private static void quietly(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor(10, TimeUnit.SECONDS);
            p.destroyForcibly();
        } catch (IOException | InterruptedException e) {
            // best effort: the rest still runs
        }
    }

    /** Runs {@code ip ARGS}, failing the test with its output when it fails. */
    static void ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("ip");
        command.addAll(List.of(args));
        LiveTestSupport.runCommand(command);
    }
}
