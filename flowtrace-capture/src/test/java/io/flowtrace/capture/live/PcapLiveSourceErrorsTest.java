package io.flowtrace.capture.live;

import io.flowtrace.core.ConfigurationException;
import io.flowtrace.core.FlowTraceException;
import io.flowtrace.core.spi.PluginConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each way opening a live interface can fail gives a clear message. The environments this JVM is not in (no
 * capabilities, no libpcap) are produced in a child JVM running {@link LiveCaptureProbe}.
 */
class PcapLiveSourceErrorsTest {
    private static final String PROBE_ERROR = "ERROR ";

    @BeforeAll
    static void needsCapturePrivileges() {
        LiveTestSupport.requireCaptureCapabilities();
    }

    private static FlowTraceException openFails(Map<String, String> values) {
        return assertThrows(FlowTraceException.class,
                () -> new PcapLiveSourceProvider().create(new PluginConfig("source 'pcap-live'", values)).close());
    }

    @Test
    void unknownInterfaceIsAConfigurationErrorListingTheInterfacesThereAre() {
        FlowTraceException e = openFails(Map.of("interface", "nosuch0"));

        assertEquals(ConfigurationException.class, e.getClass());
        String m = e.getMessage();
        assertTrue(m.startsWith("source 'pcap-live': interface: 'nosuch0' (expected: one of ["), m);
        List<String> names = PcapLiveSource.interfaceNames();
        assertTrue(names.contains("lo"), names.toString());
        assertTrue(m.contains(names.toString()), m);
    }

    @Test
    void badFilterIsAConfigurationErrorCarryingLibpcapsOwnMessage() {
        FlowTraceException e = openFails(Map.of("interface", "lo", "filter", "tcp port 99999"));

        assertEquals(ConfigurationException.class, e.getClass());
        assertEquals("source 'pcap-live': filter: 'tcp port 99999' (expected: a BPF filter expression; libpcap says:"
                + " Error occurred in pcap_compile: illegal port number 99999 > 65535)", e.getMessage());
        FlowTraceException syntax = openFails(Map.of("interface", "lo", "filter", "tcp port"));
        assertTrue(syntax.getMessage().contains("syntax error"), syntax.getMessage());
    }

    @Test
    void withoutCapNetRawAndCapNetAdminTheMessageSaysRunAsRootOrGrantThem() throws Exception {
        // root without the two capabilities: can still read the class path, may not open a packet socket
        String out = LiveTestSupport.runCommand(LiveTestSupport.javaCommandLine(
                List.of("setpriv", "--bounding-set=-net_raw,-net_admin", "--inh-caps=-net_raw,-net_admin"),
                List.of(), LiveCaptureProbe.class, "lo"));

        assertEquals(PROBE_ERROR + FlowTraceException.class.getName()
                + ": source 'pcap-live': no permission to capture on interface 'lo': socket: Operation not permitted"
                + " (expected: run as root, or grant CAP_NET_RAW and CAP_NET_ADMIN)", out.trim());
    }

    @Test
    void anUnprivilegedUserIsToldToRunAsRootOrGrantTheCapabilities(@TempDir Path dir) throws Exception {
        // user nobody cannot read the build's class path (the local repository is private): copy it where it can
        String classPath = LiveTestSupport.readableCopyOfClassPath(dir);
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        String out = LiveTestSupport.runCommand(List.of("setpriv", "--reuid=nobody", "--regid=nogroup",
                "--clear-groups", "--inh-caps=-all", LiveTestSupport.javaCommand(), "-Djava.io.tmpdir=" + tmp,
                "-cp", classPath, LiveCaptureProbe.class.getName(), "lo"));

        assertEquals(PROBE_ERROR + FlowTraceException.class.getName()
                + ": source 'pcap-live': no permission to capture on interface 'lo': socket: Operation not permitted"
                + " (expected: run as root, or grant CAP_NET_RAW and CAP_NET_ADMIN)", out.trim());
    }

    @Test
    void jnaUnableToUnpackItsNativePartIsNotBlamedOnLibpcap() throws Exception {
        String out = LiveTestSupport.runCommand(LiveTestSupport.javaCommandLine(List.of(),
                List.of("-Djna.tmpdir=/proc/flowtrace-unwritable", "-Djna.nosys=true"), LiveCaptureProbe.class, "lo"));

        assertTrue(out.startsWith(PROBE_ERROR + FlowTraceException.class.getName() + ": source 'pcap-live': JNA,"
                + " through which pcap4j calls libpcap, cannot load its own native library ("), out);
        assertTrue(out.trim().endsWith("; expected: a writable java.io.tmpdir or jna.tmpdir)"), out);
        assertFalse(out.contains("libpcap0.8"), out);
    }

    @Test
    void missingLibpcapSaysWhichDebianPackageInstallsIt() throws Exception {
        // pcap4j reads the library name from the system property <package>.pcapLibName
        String out = LiveTestSupport.runCommand(LiveTestSupport.javaCommandLine(List.of(),
                List.of("-Djna.library.path=/nonexistent", "-Dorg.pcap4j.core.pcapLibName=/nonexistent/libpcap.so"),
                LiveCaptureProbe.class, "lo"));

        String expected = PROBE_ERROR + FlowTraceException.class.getName() + ": source 'pcap-live': libpcap not found;"
                + " install the Debian package libpcap0.8 (java.lang.UnsatisfiedLinkError: Unable to load library"
                + " '/nonexistent/libpcap.so':)";
        assertEquals(expected, out.trim());
        assertFalse(out.contains("OPENED"));
    }
}
