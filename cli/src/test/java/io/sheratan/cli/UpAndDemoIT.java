package io.sheratan.cli;

import static io.sheratan.testing.Processes.awaitLine;
import static io.sheratan.testing.Processes.freePort;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./sheratan up} as a user runs it (the launcher, a separate JVM): it comes up, {@code demo}
 * against it exits 0, and SIGTERM stops it cleanly; a second {@code up} finds the data again.
 * A self-contained {@code demo} (no stack running) exits 0 too.
 */
class UpAndDemoIT {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    @Test
    void shouldComeUpServeTheDemoAndStopCleanly(@TempDir Path data) throws Exception {
        Map<String, String> env = Map.of(
                "SHERATAN_DATA_DIR", data.toString(),
                "SHERATAN_EMBEDDED_KAFKA_PORT", String.valueOf(io.sheratan.testing.Processes.freePortPair()),
                "SHERATAN_VERIFIER_PORT", String.valueOf(freePort()),
                "SHERATAN_AUDIT_PORT", String.valueOf(freePort()),
                "SHERATAN_GATEWAY_PORT", String.valueOf(freePort()));
        for (int round = 1; round <= 2; round++) {
            // stderr to a file: a pipe nobody reads would block up once Kafka's warnings filled it
            Process up = launcher(env, "up").redirectError(ProcessBuilder.Redirect.appendTo(
                    Files.createTempFile("sheratan-up-", ".stderr").toFile())).start();
            try {
                String banner = awaitLine(up, "sheratan is up.", 120);
                assertThat(banner).as("up printed its banner").isNotNull();
                Process demo = launcher(env, "demo").redirectErrorStream(true).start();
                String output = new String(demo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(demo.waitFor(180, TimeUnit.SECONDS)).isTrue();
                assertThat(demo.exitValue()).as(output).isZero();
                assertThat(output).contains("Using the running stack").contains("every outcome is as expected")
                        .contains("its RESULT_VERIFIED entry is in the log") // proved with the log key alone
                        .doesNotContain(" WARN "); // nothing a newcomer cannot act on
            } finally {
                up.destroy(); // SIGTERM, as Ctrl-C or a container stop would send
                assertThat(up.waitFor(60, TimeUnit.SECONDS)).as("up stops within a minute").isTrue();
            }
            assertThat(up.exitValue()).isIn(0, 143);
        }
        assertThat(Files.list(data.resolve("audit")).count()).isPositive();
        Process chain = launcher(env, "audit", "verify-chain", data.resolve("audit").toString()).redirectErrorStream(true).start();
        String report = new String(chain.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(chain.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(chain.exitValue()).as(report).isZero();
        assertThat(report).contains("intact: 12 lines"); // 4 audit events and 2 verified results per demo run, two runs

        // the log as a transparency log: one key across restarts, and the whole copy matches its checkpoint
        String key = run(env, "audit", "log-key").strip();
        assertThat(key).startsWith("sheratan.local/audit+");
        String log = run(env, "audit", "verify-log", data.resolve("audit").toString(), "--log-key", key);
        assertThat(log).contains("12 entries").contains("holds");
    }

    private static String run(Map<String, String> env, String... args) throws Exception {
        Process process = launcher(env, args).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", args) + ": " + out).isZero();
        return out;
    }

    @Test
    void shouldRunASelfContainedDemo() {
        assertThat(Main.commandLine().execute("demo")).isZero();
    }

    private static ProcessBuilder launcher(Map<String, String> env, String... args) {
        String[] command = new String[args.length + 1];
        command[0] = ROOT.resolve("sheratan").toString();
        System.arraycopy(args, 0, command, 1, args.length);
        ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile());
        builder.environment().putAll(env);
        builder.environment().remove("KAFKA_BOOTSTRAP_SERVERS");
        return builder;
    }
}
