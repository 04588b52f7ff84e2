package io.sheratan.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sheratan.tlog.NoteKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The services' logs as a log pipeline reads them: with SHERATAN_LOG_FORMAT=json every line on stderr is
 * one ECS JSON object; the text format carries the date, the level and the thread; another value is
 * refused by name. Each runs a service (the witness: it needs no Kafka) in a JVM of its own with the
 * distribution's log4j2.xml.
 */
class LogFormatIT {

    private static final Pattern TEXT = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) INFO  \\[main\\] WitnessApp - .*");

    @TempDir
    Path dir;

    @Test
    void shouldWriteOneEcsJsonObjectALineWhenAskedAndDatedTextOtherwise() throws Exception {
        JsonNode line = new ObjectMapper().readTree(firstLogLine("json"));
        assertThat(line.path("@timestamp").asText()).isNotEmpty();
        assertThat(line.path("log.level").asText()).isEqualTo("INFO");
        assertThat(line.path("process.thread.name").asText()).isEqualTo("main");
        assertThat(line.path("log.logger").asText()).isEqualTo("io.sheratan.witness.WitnessApp");
        assertThat(line.path("message").asText()).contains("follows");
        assertThat(firstLogLine("text")).matches(TEXT);
    }

    /** The issue's own check: {@code SHERATAN_LOG_FORMAT=json sheratan up} writes nothing but JSON lines on stderr. */
    @Test
    void shouldLogOnlyJsonLinesFromUpWhenAsked() throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dlog4j2.configurationFile=" + Path.of(System.getProperty("user.dir"), "src/main/resources/log4j2.xml"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "up"));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("SHERATAN_") || k.equals("KAFKA_BOOTSTRAP_SERVERS"));
        env.put("SHERATAN_LOG_FORMAT", "json");
        env.put("SHERATAN_LOG_LEVEL", "INFO");
        env.put("SHERATAN_DATA_DIR", dir.resolve("up").toString());
        env.put("SHERATAN_EMBEDDED_KAFKA_PORT", String.valueOf(io.sheratan.testing.Processes.freePortPair()));
        env.put("SHERATAN_VERIFIER_PORT", String.valueOf(io.sheratan.testing.Processes.freePort()));
        env.put("SHERATAN_AUDIT_PORT", String.valueOf(io.sheratan.testing.Processes.freePort()));
        env.put("SHERATAN_GATEWAY_PORT", String.valueOf(io.sheratan.testing.Processes.freePort()));
        builder.redirectOutput(dir.resolve("up.out").toFile());
        Process up = builder.start();
        List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        ObjectMapper json = new ObjectMapper();
        Thread reader = new Thread(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(up.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line = err.readLine(); line != null; line = err.readLine()) {
                    lines.add(line);
                }
            } catch (java.io.IOException ignored) {
                // the process is gone
            }
        });
        reader.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline && !java.nio.file.Files.readString(dir.resolve("up.out")).contains("sheratan is up.")) {
                Thread.sleep(250);
            }
        } finally {
            up.destroy();
            up.waitFor(60, TimeUnit.SECONDS);
            reader.join(10_000);
        }
        assertThat(java.nio.file.Files.readString(dir.resolve("up.out"))).contains("sheratan is up.");
        int logLines = 0;
        for (String line : lines) {
            if (line.startsWith("sheratan up: ")) {
                continue; // the command's own progress line, not a log line
            }
            JsonNode parsed = json.readTree(line);
            assertThat(parsed.path("log.level").asText()).as(line).isNotEmpty();
            logLines++;
        }
        assertThat(logLines).as("JSON log lines on stderr: " + lines).isGreaterThanOrEqualTo(2);
    }

    @Test
    void shouldRefuseAnUnknownFormatByName() throws Exception {
        Process process = start("xml");
        String output = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(output).contains("SHERATAN_LOG_FORMAT=xml: must be text or json");
    }

    private String firstLogLine(String format) throws Exception {
        Process process = start(format);
        try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String line;
            while ((line = err.readLine()) != null && System.nanoTime() < deadline) {
                if (line.contains("WitnessApp") && line.contains("follows")) {
                    return line;
                }
            }
            throw new AssertionError("no log line of the witness's start in " + format + " format");
        } finally {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Process start(String format) throws Exception {
        NoteKeys.Signer log = NoteKeys.fromSeed("example.com/log", new byte[32]);
        Path main = Path.of(System.getProperty("user.dir"), "src/main/resources/log4j2.xml");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dlog4j2.configurationFile=" + main, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "witness", "--dir", dir.resolve(format).toString()));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.put("SHERATAN_LOG_FORMAT", format);
        env.put("SHERATAN_LOG_LEVEL", "INFO");
        env.put("SHERATAN_WITNESS_LOGS", log.verifier().encoded());
        env.put("SHERATAN_WITNESS_PORT", "0");
        return builder.start();
    }
}
