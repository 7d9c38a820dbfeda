package io.flowtrace.capture.live;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.FlowTraceException;

/**
 * A classic BPF program in the kernel's form ({@code struct sock_fprog} and its instructions), for
 * {@code SO_ATTACH_FILTER}. The kernel keeps as many bytes of an accepted frame as the program returns, so the snap
 * length is part of the program. Made once, when a source is created. Immutable (the native memory is never
 * written after construction).
 */
final class SocketFilter {
    /** {@code BPF_RET | BPF_K}: the whole program is "return k". */
    private static final short RET_K = 0x06;
    /** libpcap's PCAP_NETMASK_UNKNOWN: "broadcast" then fails to compile rather than guess. */
    private static final int NETMASK_UNKNOWN = 0xffffffff;

    /** The {@code sock_fprog}: instruction count, then a pointer to the instructions. */
    final Memory program;
    /** The instructions, kept reachable as long as the program is. */
    private final Memory instructions;
    final int length;

    private SocketFilter(Memory instructions, int length) {
        this.instructions = instructions;
        this.length = length;
        this.program = new Memory(16);
        program.clear();
        program.setShort(0, (short) length);
        program.setPointer(8, instructions);
    }

    /** {@return a program that keeps {@code snaplen} bytes of every frame; 0 drops every frame} */
    static SocketFilter acceptAll(int snaplen) {
        Memory insns = new Memory(8);
        insns.setShort(0, RET_K);
        insns.setByte(2, (byte) 0);
        insns.setByte(3, (byte) 0);
        insns.setInt(4, snaplen);
        return new SocketFilter(insns, 1);
    }

    /**
     * Compiles {@code expression} with libpcap ({@code pcap_open_dead}, {@code pcap_compile}, optimised) for frames
     * of link type {@code dlt} kept to {@code snaplen} bytes.
     *
     * @throws ConfigurationException when the expression does not compile (with libpcap's reason)
     * @throws FlowTraceException     when libpcap cannot be loaded
     */
    static SocketFilter compile(String plugin, String expression, int dlt, int snaplen) {
        NativeLibrary pcap;
        try {
            pcap = NativeLibrary.getInstance(System.getProperty("org.pcap4j.core.pcapLibName", "pcap"));
        } catch (UnsatisfiedLinkError e) {
            String cause = String.valueOf(e.getMessage());
            int eol = cause.indexOf('\n');
            throw new FlowTraceException(plugin + ": " + InterfaceKeys.FILTER + " '" + expression
                    + "' is compiled by libpcap: " + PcapLiveSource.LIBPCAP_MISSING + " ("
                    + (eol < 0 ? cause : cause.substring(0, eol)).strip() + ")", e);
        }
        Pointer dead = (Pointer) pcap.getFunction("pcap_open_dead").invoke(Pointer.class, new Object[] {dlt, snaplen});
        if (dead == null) {
            throw new FlowTraceException(plugin + ": libpcap's pcap_open_dead failed (out of memory)");
        }
        Memory bpf = new Memory(16); // struct bpf_program: u_int bf_len; struct bpf_insn *bf_insns
        bpf.clear();
        try {
            int rc = pcap.getFunction("pcap_compile").invokeInt(new Object[] {dead, bpf, expression, 1,
                    NETMASK_UNKNOWN});
            if (rc != 0) {
                String why = pcap.getFunction("pcap_geterr").invokeString(new Object[] {dead}, false);
                throw new ConfigurationException(plugin + ": " + InterfaceKeys.FILTER + ": '" + expression
                        + "' (expected: a BPF filter expression; libpcap says: " + why + ")");
            }
            int count = bpf.getInt(0);
            // bpf_insn and the kernel's sock_filter are one layout: u16 code, u8 jt, u8 jf, u32 k
            Memory insns = new Memory(8L * Math.max(1, count));
            insns.write(0, bpf.getPointer(8).getByteArray(0, 8 * count), 0, 8 * count);
            pcap.getFunction("pcap_freecode").invokeVoid(new Object[] {bpf});
            return new SocketFilter(insns, count);
        } finally {
            pcap.getFunction("pcap_close").invokeVoid(new Object[] {dead});
        }
    }
}
