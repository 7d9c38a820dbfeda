package io.flowtrace.examples;

import io.flowtrace.core.FlowTraceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The check after the switch, on status files written here (the switch itself needs root: see AgentUserIT). */
class PrivilegeDropTest {
    private static final PrivilegeDrop.Account NOBODY = new PrivilegeDrop.Account("nobody", 65534, 65534,
            List.of(65534, 1234));

    private static String status(String uid, String gid, String groups, String capPrm, String capEff) {
        return String.join("\n",
                "Name:\tjava",
                "Uid:\t" + uid,
                "Gid:\t" + gid,
                "FDSize:\t256",
                "Groups:\t" + groups,
                "CapInh:\t0000000000000000",
                "CapPrm:\t" + capPrm,
                "CapEff:\t" + capEff,
                "CapBnd:\t000001ffffffffff",
                "CapAmb:\t0000000000000000",
                "");
    }

    private static final String DROPPED = status("65534\t65534\t65534\t65534", "65534\t65534\t65534\t65534",
            "1234 65534 ", "0000000000000000", "0000000000000000");

    @Test
    void parsesIdsGroupsAndCapabilitiesOfAStatusFile() {
        PrivilegeDrop.Credentials c = PrivilegeDrop.Credentials.parse(status("0\t0\t0\t0", "0\t0\t0\t0", "",
                "000001fffeffffff", "0000000000003000"));

        assertArrayEquals(new long[] {0, 0, 0, 0}, c.uids());
        assertEquals(List.of(), c.groups());
        assertEquals(0x1fffeffffffL, c.capPrm());
        assertEquals(0x3000L, c.capEff());
        assertEquals(List.of(), PrivilegeDrop.Credentials.parse(DROPPED).differencesFrom(NOBODY));
    }

    @Test
    void everyIdRootMayStillHoldAndEveryCapabilityLeftIsADifference() {
        List<String> savedRoot = PrivilegeDrop.Credentials.parse(status("65534\t65534\t0\t65534",
                "65534\t65534\t65534\t65534", "1234 65534", "0000000000000000", "0000000000000000"))
                .differencesFrom(NOBODY);
        assertEquals(List.of("Uid (real, effective, saved, fs) [65534, 65534, 0, 65534] (expected: all 65534)"),
                savedRoot);

        List<String> groupsAndCaps = PrivilegeDrop.Credentials.parse(status("65534\t65534\t65534\t65534",
                "65534\t65534\t65534\t0", "0 65534", "0000000000003000", "0000000000000000"))
                .differencesFrom(NOBODY);
        assertEquals(List.of("Gid (real, effective, saved, fs) [65534, 65534, 65534, 0] (expected: all 65534)",
                "Groups [0, 65534] (expected: [1234, 65534])",
                "capabilities CapInh 0000000000000000 CapPrm 0000000000003000 CapEff 0000000000000000"
                        + " CapAmb 0000000000000000 (expected: all zero)"), groupsAndCaps);
    }

    @Test
    void verifyNamesTheFirstThreadStillPrivileged(@TempDir Path tasks) throws Exception {
        Files.createDirectories(tasks.resolve("100"));
        Files.writeString(tasks.resolve("100/status"), DROPPED);
        PrivilegeDrop.verify(NOBODY, tasks, "");

        Files.createDirectories(tasks.resolve("101"));
        Files.writeString(tasks.resolve("101/status"), status("65534\t65534\t65534\t65534",
                "65534\t65534\t65534\t65534", "1234 65534", "000001fffeffffff", "000001fffeffffff"));
        FlowTraceException e = assertThrows(FlowTraceException.class,
                () -> PrivilegeDrop.verify(NOBODY, tasks, " (hint)"));
        assertEquals("running as user nobody (uid 65534, gid 65534, groups [1234, 65534]): thread 101 still has"
                + " capabilities CapInh 0000000000000000 CapPrm 000001fffeffffff CapEff 000001fffeffffff"
                + " CapAmb 0000000000000000 (expected: all zero) (hint)", e.getMessage());
    }

    @Test
    void noThreadToCheckIsAFailureNotASuccess(@TempDir Path tasks) {
        FlowTraceException e = assertThrows(FlowTraceException.class, () -> PrivilegeDrop.verify(NOBODY, tasks, ""));
        assertTrue(e.getMessage().contains("no thread found"), e.getMessage());
    }
}
