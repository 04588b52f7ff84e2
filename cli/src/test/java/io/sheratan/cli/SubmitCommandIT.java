package io.sheratan.cli;

import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Topics;
import io.sheratan.testing.EmbeddedKafkaExtension;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code sheratan submit} against a real broker: exit 0 only when everything was acknowledged. */
class SubmitCommandIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();

    @BeforeAll
    static void start() {
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(Topics.defaults());
        }
    }


    @Test
    void shouldPublishOneResultFromFlags() {
        int exit = Main.commandLine().execute("submit", "--bootstrap-servers", kafka.bootstrapServers(),
                "--job-id", "flag-1", "--result", "{\"value\":42}", "--node-id", "cli-test");
        assertThat(exit).isZero();
        assertThat(keys("flag-1")).contains("flag-1");
    }

    @Test
    void shouldPublishAJsonLinesFileAndFailWhenALineIsBad(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("good.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            lines.append("{\"job_id\":\"file-").append(i).append("\",\"ok\":true,\"result\":{\"i\":").append(i).append("}}\n");
        }
        Files.writeString(good, lines);
        assertThat(Main.commandLine().execute("submit", "--bootstrap-servers", kafka.bootstrapServers(),
                "--file", good.toString(), "--format", "avro")).isZero();

        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"job_id\":\"bad-ok\",\"ok\":true}\n{\"job_id\":\"bad-dup\",\"ok\":true,\"ok\":false}\n");
        assertThat(Main.commandLine().execute("submit", "--bootstrap-servers", kafka.bootstrapServers(),
                "--file", bad.toString())).as("bad input: the good line is sent, the bad one reported").isEqualTo(2);
        assertThat(keys("file-0", "file-199", "bad-ok")).contains("file-0", "file-199", "bad-ok").doesNotContain("bad-dup");
    }

    @Test
    void shouldHonourOkFalseAndHumanTimeouts() {
        assertThat(Main.commandLine().execute("submit", "--bootstrap-servers", kafka.bootstrapServers(),
                "--job-id", "not-ok-1", "--ok=false", "--timeout", "30s")).isZero();
        assertThat(keys("not-ok-1")).contains("not-ok-1");
        assertThat(Main.commandLine().execute("submit", "--bootstrap-servers", kafka.bootstrapServers(),
                "--job-id", "bad-timeout", "--timeout", "soon")).as("an unreadable duration is bad input").isEqualTo(2);
    }

    @Test
    void shouldExitThreeWhenKafkaCannotBeReached(@TempDir Path dir) throws Exception {
        String nowhere = "127.0.0.1:" + io.sheratan.testing.Processes.freePort();
        assertThat(Main.commandLine().execute("submit", "--bootstrap-servers", nowhere, "--job-id", "nowhere-1", "--timeout", "3s"))
                .isEqualTo(3);
        Path file = dir.resolve("few.jsonl");
        Files.writeString(file, "{\"job_id\":\"nowhere-2\",\"ok\":true}\n");
        assertThat(Main.commandLine().execute("submit", "--bootstrap-servers", nowhere, "--file", file.toString(), "--timeout", "3s"))
                .isEqualTo(3);
    }

    @Test
    void shouldExitTwoForAResultTheVerifierWouldRefuse() {
        assertThat(Main.commandLine().execute("submit", "--bootstrap-servers", kafka.bootstrapServers(),
                "--job-id", "big", "--result", "{\"n\":9007199254740993}")).isEqualTo(2);
    }

    /** The keys on the submitted topic, read until each expected one is there (or a minute passed), then two more seconds. */
    private static List<String> keys(String... expected) {
        Set<String> wanted = Set.of(expected);
        List<String> keys = new ArrayList<>();
        io.sheratan.testing.TopicReader.readAll(kafka.clientConfig(), Topics.defaults().submitted(), wanted.size(),
                        r -> wanted.contains(new String(r.key(), StandardCharsets.UTF_8)), Duration.ofSeconds(60))
                .forEach(r -> keys.add(new String(r.key(), StandardCharsets.UTF_8)));
        return keys;
    }
}
