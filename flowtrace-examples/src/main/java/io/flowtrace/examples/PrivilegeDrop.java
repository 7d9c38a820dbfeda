package io.flowtrace.examples;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import io.flowtrace.core.FlowTraceException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Gives up root for good once the capture interface is open, as tcpdump's {@code -Z} does: the supplementary
 * groups, then the group, then the user of a named account, set through libc with JNA (which pcap4j has already
 * loaded). glibc applies each of these calls to every thread of the process; a process leaving uid 0 loses every
 * capability unless {@code PR_SET_KEEPCAPS} is set, which is cleared first. The result is then checked for every
 * thread in {@code /proc/self/task}, so the agent never goes on with root or a capability left anywhere. Linux
 * only. Not thread-safe: called once, on the agent's main thread, before the pipeline runs.
 */
final class PrivilegeDrop {

    // <sys/prctl.h>
    private static final int PR_GET_KEEPCAPS = 7;
    private static final int PR_SET_KEEPCAPS = 8;

    private PrivilegeDrop() {
    }

    /** An account from the password database: its ids and every group it belongs to (its own included). */
    record Account(String name, int uid, int gid, List<Integer> groups) {
        Account {
            groups = List.copyOf(new TreeSet<>(groups));
        }

        @Override
        public String toString() {
            return name + " (uid " + Integer.toUnsignedString(uid) + ", gid " + Integer.toUnsignedString(gid)
                    + ", groups " + groups + ")";
        }
    }

    /** The parts of one thread's {@code /proc/.../status} that say who it runs as and what it may do. */
    record Credentials(long[] uids, long[] gids, List<Long> groups, long capInh, long capPrm, long capEff,
                       long capAmb) {

        /** Reads the {@code Uid}, {@code Gid}, {@code Groups} and {@code Cap*} lines of a status file's text. */
        static Credentials parse(String status) {
            long[] uids = null;
            long[] gids = null;
            List<Long> groups = List.of();
            long[] caps = {-1, -1, -1, -1};
            String[] capNames = {"CapInh:", "CapPrm:", "CapEff:", "CapAmb:"};
            for (String line : status.split("\n")) {
                if (line.startsWith("Uid:")) {
                    uids = numbers(line.substring(4));
                } else if (line.startsWith("Gid:")) {
                    gids = numbers(line.substring(4));
                } else if (line.startsWith("Groups:")) {
                    List<Long> g = new ArrayList<>();
                    for (long n : numbers(line.substring(7))) {
                        g.add(n);
                    }
                    groups = List.copyOf(new TreeSet<>(g));
                }
                for (int i = 0; i < capNames.length; i++) {
                    if (line.startsWith(capNames[i])) {
                        caps[i] = Long.parseUnsignedLong(line.substring(capNames[i].length()).trim(), 16);
                    }
                }
            }
            if (uids == null || uids.length != 4 || gids == null || gids.length != 4) {
                throw new IllegalArgumentException("no Uid/Gid lines of four ids in: " + status);
            }
            // CapAmb exists since Linux 4.3; before that there is no ambient set
            caps[3] = Math.max(caps[3], 0);
            if (caps[0] < 0 || caps[1] < 0 || caps[2] < 0) {
                throw new IllegalArgumentException("no CapInh/CapPrm/CapEff lines in: " + status);
            }
            return new Credentials(uids, gids, groups, caps[0], caps[1], caps[2], caps[3]);
        }

        private static long[] numbers(String text) {
            String t = text.trim();
            return t.isEmpty() ? new long[0]
                    : Arrays.stream(t.split("\\s+")).mapToLong(Long::parseLong).toArray();
        }

        /**
         * What differs from running as {@code a} with no capability at all: empty when nothing does.
         */
        List<String> differencesFrom(Account a) {
            List<String> out = new ArrayList<>();
            long uid = Integer.toUnsignedLong(a.uid());
            long gid = Integer.toUnsignedLong(a.gid());
            if (Arrays.stream(uids).anyMatch(u -> u != uid)) {
                out.add("Uid (real, effective, saved, fs) " + Arrays.toString(uids) + " (expected: all " + uid + ")");
            }
            if (Arrays.stream(gids).anyMatch(g -> g != gid)) {
                out.add("Gid (real, effective, saved, fs) " + Arrays.toString(gids) + " (expected: all " + gid + ")");
            }
            List<Long> expectedGroups = a.groups().stream().map(Integer::toUnsignedLong).sorted().toList();
            if (!groups.equals(expectedGroups)) {
                out.add("Groups " + groups + " (expected: " + expectedGroups + ")");
            }
            if ((capInh | capPrm | capEff | capAmb) != 0) {
                out.add(String.format("capabilities CapInh %016x CapPrm %016x CapEff %016x CapAmb %016x"
                        + " (expected: all zero)", capInh, capPrm, capEff, capAmb));
            }
            return out;
        }
    }

    /** The few libc calls needed; every id is a 32-bit {@code uid_t}/{@code gid_t}. */
    interface LibC extends Library {
        Pointer getpwnam(String name);

        int getgrouplist(String user, int group, int[] groups, IntByReference ngroups);

        int setgroups(NativeLong size, int[] list);

        int setgid(int gid);

        int setuid(int uid);

        int prctl(int option, NativeLong arg2, NativeLong arg3, NativeLong arg4, NativeLong arg5);

        String strerror(int errnum);
    }

    private static LibC libc;

    private static synchronized LibC libc() {
        if (libc == null) {
            Module self = PrivilegeDrop.class.getModule();
            if (self.isNamed()) {
                // JNA comes on the class path with pcap4j (see flowtrace-capture's module-info)
                self.addReads(PrivilegeDrop.class.getClassLoader().getUnnamedModule());
            }
            try {
                libc = Native.load("c", LibC.class);
            } catch (LinkageError e) {
                throw new FlowTraceException("cannot call libc to change user: " + e.getMessage()
                        + " (expected: Linux with glibc)", e);
            }
        }
        return libc;
    }

    /**
     * Looks an account up by name, with every group it is a member of.
     *
     * @param what where the name came from, for messages ({@code --user}, {@code AGENT_USER}, ...)
     * @throws UsageException when there is no such user, or it is root
     */
    static Account lookUp(String what, String name) {
        LibC c = libc();
        Pointer pw = c.getpwnam(name);
        if (pw == null) {
            throw new UsageException(what + ": no such user '" + name + "' (expected: a user in the password"
                    + " database, e.g. nobody)");
        }
        // struct passwd: pw_name, pw_passwd (pointers), then pw_uid and pw_gid (32 bits each), on Linux and BSDs
        long at = 2L * Native.POINTER_SIZE;
        int uid = pw.getInt(at);
        int gid = pw.getInt(at + 4);
        if (uid == 0) {
            throw new UsageException(what + ": '" + name + "' is uid 0 (expected: a user without root's powers)");
        }
        int[] groups = new int[64];
        IntByReference n = new IntByReference(groups.length);
        if (c.getgrouplist(name, gid, groups, n) < 0) {
            groups = new int[n.getValue()];
            if (c.getgrouplist(name, gid, groups, n) < 0) {
                throw new FlowTraceException(what + ": the groups of user '" + name + "' cannot be listed");
            }
        }
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < n.getValue(); i++) {
            all.add(groups[i]);
        }
        all.add(gid);
        return new Account(name, uid, gid, all);
    }

    /**
     * Switches the whole process to {@code a}: its groups, its group, its user, no capabilities; then checks every
     * thread.
     *
     * @throws FlowTraceException when a call fails or any thread still differs from {@code a} with no capabilities;
     *                            the process must then not go on capturing
     */
    static void switchTo(Account a) {
        if (alreadyRunsAs(a)) {
            // nothing to switch; a non-root process cannot give up capabilities for all its threads at once
            verify(a, Path.of("/proc/self/task"), "; to use --user, start the agent as root; a user given the"
                    + " capabilities runs without --user");
            return;
        }
        LibC c = libc();
        NativeLong zero = new NativeLong(0);
        if (c.prctl(PR_SET_KEEPCAPS, zero, zero, zero, zero) != 0) {
            fail(a, "prctl(PR_SET_KEEPCAPS, 0)", c);
        }
        int[] groups = a.groups().stream().mapToInt(Integer::intValue).toArray();
        if (c.setgroups(new NativeLong(groups.length), groups) != 0) {
            fail(a, "setgroups", c);
        }
        if (c.setgid(a.gid()) != 0) {
            fail(a, "setgid", c);
        }
        if (c.setuid(a.uid()) != 0) {
            fail(a, "setuid", c);
        }
        if (c.prctl(PR_GET_KEEPCAPS, zero, zero, zero, zero) != 0) {
            throw new FlowTraceException("switching to user " + a + ": PR_GET_KEEPCAPS is set (expected: clear)");
        }
        verify(a, Path.of("/proc/self/task"), "");
    }

    private static boolean alreadyRunsAs(Account a) {
        Credentials now;
        try {
            now = Credentials.parse(Files.readString(Path.of("/proc/self/status")));
        } catch (IOException e) {
            throw new FlowTraceException("cannot switch to user " + a + ": /proc/self/status: " + e, e);
        }
        long uid = Integer.toUnsignedLong(a.uid());
        long gid = Integer.toUnsignedLong(a.gid());
        return Arrays.stream(now.uids()).allMatch(u -> u == uid) && Arrays.stream(now.gids()).allMatch(g -> g == gid);
    }

    /**
     * Checks that every thread listed under {@code tasks} runs as {@code a} with no capability.
     *
     * @param hint what to do about a difference, appended to the message
     * @throws FlowTraceException naming the first thread that does not, and how it differs
     */
    static void verify(Account a, Path tasks, String hint) {
        int checked = 0;
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
            for (Path task : dir) {
                String status;
                try {
                    status = Files.readString(task.resolve("status"));
                } catch (NoSuchFileException e) {
                    continue; // the thread ended meanwhile
                }
                List<String> wrong = Credentials.parse(status).differencesFrom(a);
                if (!wrong.isEmpty()) {
                    throw new FlowTraceException("running as user " + a + ": thread " + task.getFileName()
                            + " still has " + String.join("; ", wrong) + hint);
                }
                checked++;
            }
        } catch (IOException e) {
            throw new FlowTraceException("running as user " + a + ": " + tasks + " cannot be read: " + e, e);
        }
        if (checked == 0) {
            throw new FlowTraceException("running as user " + a + ": no thread found in " + tasks);
        }
    }

    private static void fail(Account a, String call, LibC c) {
        int errno = Native.getLastError();
        String hint = errno == 1 ? " (expected: the agent started as root, with CAP_SETUID and CAP_SETGID)" : "";
        throw new FlowTraceException("cannot switch to user " + a + ": " + call + ": " + c.strerror(errno) + hint);
    }
}
