package io.flowtrace.capture.live;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The C library calls of the {@code af-packet} source, bound by JNA's direct mapping (no reflection nor boxing per
 * call: {@link #poll} runs once per ring block). Pointers are passed as addresses ({@code long}). A failing call
 * throws {@link LastErrorException} with {@code errno}. Linux (x86-64 and aarch64 layouts) only; registered when
 * this class is first used.
 */
final class Libc {
    static {
        Native.register(Libc.class, Platform.C_LIBRARY_NAME);
    }

    // <sys/socket.h>, <linux/if_ether.h>, <linux/if_packet.h>
    static final int AF_PACKET = 17;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_ERROR = 4;
    static final int SO_ATTACH_FILTER = 26;
    static final int SOL_PACKET = 263;
    static final int PACKET_ADD_MEMBERSHIP = 1;
    static final int PACKET_RX_RING = 5;
    static final int PACKET_STATISTICS = 6;
    static final int PACKET_VERSION = 10;
    static final int PACKET_FANOUT = 18;
    static final int PACKET_MR_PROMISC = 1;
    static final int TPACKET_V3 = 2;
    static final int PACKET_FANOUT_HASH = 0;
    static final int PACKET_FANOUT_FLAG_DEFRAG = 0x8000;
    static final int ETH_P_ALL = 0x0003;
    // <sys/mman.h>, <poll.h>, <sys/eventfd.h>
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final int MAP_LOCKED = 0x2000;
    static final short POLLIN = 0x1;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final short POLLNVAL = 0x20;
    static final int EFD_CLOEXEC = 0x80000;
    static final int EFD_NONBLOCK = 0x800;
    // errno values named in messages
    static final int EPERM = 1;
    static final int EINTR = 4;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int EINVAL = 22;
    static final int ENETDOWN = 100;
    static final int EAFNOSUPPORT = 97;

    private Libc() {
    }

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native int setsockopt(int fd, int level, int name, long value, int length) throws LastErrorException;

    static native int getsockopt(int fd, int level, int name, long value, long length) throws LastErrorException;

    static native int bind(int fd, long address, int length) throws LastErrorException;

    static native long mmap(long address, long length, int prot, int flags, int fd, long offset)
            throws LastErrorException;

    static native int munmap(long address, long length) throws LastErrorException;

    static native int poll(long fds, long count, int timeoutMillis) throws LastErrorException;

    static native int eventfd(int initial, int flags) throws LastErrorException;

    static native long write(int fd, long buffer, long count) throws LastErrorException;

    static native long read(int fd, long buffer, long count) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native int if_nametoindex(String name) throws LastErrorException;

    static native String strerror(int errno);
}
