package io.flowtrace.capture.live;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;

/**
 * Makes UDP traffic with exact counts, as a child process inside a network namespace.
 * <ul>
 *   <li>{@code server ADDRESS}: binds an ephemeral port, prints {@code READY port}, answers every datagram of
 *       {@code n} bytes with one of {@code n + 100} bytes until a datagram of 1 byte arrives (not answered).</li>
 *   <li>{@code client ADDRESS PORT FLOWS PACKETS}: flow {@code f} (0-based) is a socket of its own (its own source
 *       port) sending {@code PACKETS} datagrams of {@link #requestSize(int) 20 + f} bytes, each after the answer to
 *       the one before; then the 1-byte datagram that ends the server, from a last socket. Prints
 *       {@code PORTS p0 p1 ...}, the flows' source ports.</li>
 *   <li>{@code burst ADDRESS PORT COUNT SIZE}: sends {@code COUNT} datagrams of {@code SIZE} bytes from one socket
 *       at once, no answers, and prints {@code SENT port}.</li>
 * </ul>
 */
public final class UdpFlowMaker {
    private static final int TIMEOUT_MILLIS = 10_000;

    private UdpFlowMaker() {
    }

    static int requestSize(int flow) {
        return 20 + flow;
    }

    public static void main(String[] args) throws IOException {
        InetAddress address = InetAddress.getByName(args[1]);
        switch (args[0]) {
            case "server":
                serve(address);
                break;
            case "client":
                client(address, Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
                break;
            case "burst":
                burst(address, Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
                break;
            default:
                throw new IllegalArgumentException(args[0]);
        }
    }

    private static void serve(InetAddress address) throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(address, 0))) {
            s.setSoTimeout(60_000);
            System.out.println("READY " + s.getLocalPort());
            System.out.flush();
            byte[] buffer = new byte[2048];
            while (true) {
                DatagramPacket in = new DatagramPacket(buffer, buffer.length);
                s.receive(in);
                if (in.getLength() == 1) {
                    return;
                }
                s.send(new DatagramPacket(new byte[in.getLength() + 100], in.getLength() + 100,
                        in.getSocketAddress()));
            }
        }
    }

    private static void client(InetAddress server, int port, int flows, int packets) throws IOException {
        StringBuilder ports = new StringBuilder("PORTS");
        byte[] answer = new byte[2048];
        // every flow's socket stays open until the last flow is done: a closed one's port could be given to a later
        // flow, which would then continue the earlier conversation
        java.util.List<DatagramSocket> open = new java.util.ArrayList<>();
        try {
            for (int f = 0; f < flows; f++) {
                DatagramSocket s = new DatagramSocket();
                open.add(s);
                s.setSoTimeout(TIMEOUT_MILLIS);
                ports.append(' ').append(s.getLocalPort());
                for (int i = 0; i < packets; i++) {
                    s.send(new DatagramPacket(new byte[requestSize(f)], requestSize(f), server, port));
                    DatagramPacket in = new DatagramPacket(answer, answer.length);
                    try {
                        s.receive(in);
                    } catch (SocketTimeoutException e) {
                        throw new IOException("no answer to datagram " + i + " of flow " + f, e);
                    }
                }
            }
        } finally {
            for (DatagramSocket s : open) {
                s.close();
            }
        }
        try (DatagramSocket s = new DatagramSocket()) {
            s.send(new DatagramPacket(new byte[1], 1, server, port));
        }
        System.out.println(ports);
    }

    private static void burst(InetAddress server, int port, int count, int size) throws IOException {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSendBufferSize(4 << 20);
            byte[] payload = new byte[size];
            for (int i = 0; i < count; i++) {
                s.send(new DatagramPacket(payload, size, server, port));
            }
            System.out.println("SENT " + s.getLocalPort());
        }
    }
}
