package io.flowtrace.examples;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every capture under the shared corpus's malformed/ folder, through the agent's {@code flows} command in a JVM
 * with a 256 MiB heap: each ends with records (exit 0) or one clear line naming the file (exit 1); no hang, no
 * stack trace, no out-of-memory.
 */
class MalformedCorpusIT {

    @Test
    void everyDamagedCaptureEndsWithRecordsOrOneClearLine() throws Exception {
        Path dir = Jar.corpus().resolve("malformed");
        List<String> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(Files::isRegularFile).map(Path::toString)
                    .filter(f -> !f.endsWith(".json") && !f.endsWith(".txt") && !f.endsWith(".log"))
                    .sorted().forEach(files::add);
        }
        assertTrue(files.size() > 300, "the malformed corpus is there: " + files.size() + " files");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-cp",
                Jar.jar() + java.io.File.pathSeparator + System.getProperty("flowtrace.testClasses"),
                MalformedSweep.class.getName()));
        cmd.addAll(files);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "sweep JVM ended cleanly (3 = out of memory):\n" + tail(out));
        List<String> problems = new ArrayList<>();
        int ok = 0;
        int errors = 0;
        for (String line : out.split("\n")) {
            if (!line.startsWith("RESULT\t")) {
                continue;
            }
            String[] f = line.split("\t", 5);
            String file = f[1];
            String exit = f[2];
            String err = f.length > 4 ? f[4].replace("\\n", "\n").replace("\\\\", "\\") : "";
            if (err.contains("\tat ") || err.contains("Exception in thread")) {
                problems.add(file + ": stack trace shown:\n" + err);
            }
            switch (exit) {
                case "0":
                    ok++;
                    break;
                case "1":
                    errors++;
                    String last = err.strip().lines().reduce((a, b) -> b).orElse("");
                    if (!last.startsWith("flowtrace flows: ") || !last.contains(Path.of(file).getFileName().toString())) {
                        problems.add(file + ": error line does not name the file: " + last);
                    }
                    break;
                default:
                    problems.add(file + ": exit " + exit + "\n" + err);
            }
        }
        assertEquals(files.size(), ok + errors + problems.stream().filter(x -> x.contains(": exit ")).count(),
                "a result for every file:\n" + tail(out));
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertTrue(ok > 0 && errors > 0, "both outcomes occur: ok " + ok + ", errors " + errors);
    }

    private static String tail(String s) {
        return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    }
}
