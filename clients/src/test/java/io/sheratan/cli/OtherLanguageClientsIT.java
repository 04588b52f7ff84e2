package io.sheratan.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Python and Node clients against a real broker, verifier, audit sink and gateway (the stack of
 * {@code sheratan up}, in process): each client signs results in the four marks and publishes them, the
 * verifier verifies every one, the client reads them back from the verified topic (Avro) and reads the
 * tampered one's audit event; a job id lands on the partition Java's murmur2 gives it. Then
 * {@code scripts/verify-b3.py}, the hub's operator check, passes against the gateway.
 */
class OtherLanguageClientsIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static Workers workers;
    private static LocalStack stack;
    private static int partitions;

    @BeforeAll
    static void start() throws Exception {
        workers = Workers.create(dir);
        Map<String, String> env = new HashMap<>();
        env.put("SHERATAN_KEYRING_FILE", workers.keyring().toString());
        stack = new LocalStack(env, null, dir.resolve("data"), false);
        partitions = Integer.parseInt(System.getenv().getOrDefault("SHERATAN_TOPIC_PARTITIONS", "3"));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static Map<String, String> kafkaEnv() {
        return Map.of("KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers(), "SHERATAN_RESULT_HMAC_KEY", workers.hmacSecret());
    }

    @ParameterizedTest
    @EnumSource(OtherLanguages.class)
    void shouldSignPublishAndReadBackEveryMark(OtherLanguages client) throws IOException {
        String run = client.name().toLowerCase() + "-" + System.nanoTime();
        StringBuilder lines = new StringBuilder();
        List<String> valid = new ArrayList<>();
        for (Workers.Mark mark : Workers.Mark.values()) {
            List<String> args = new ArrayList<>(List.of("sign"));
            args.addAll(mark.flags);
            if (mark == Workers.Mark.V2_ED25519) {
                args.addAll(List.of("--key", workers.ed25519Pem().toString(), "--key-id", Workers.ED25519_KEY_ID));
            }
            String jobId = run + "-" + mark.name().toLowerCase();
            byte[] result = ("{\"job_id\":\"" + jobId + "\",\"ok\":true,\"result\":{\"mark\":\"" + mark + "\",\"n\":1.5e3}}")
                    .getBytes(StandardCharsets.UTF_8);
            OtherLanguages.Result signed = client.run(kafkaEnv(), result, Duration.ofSeconds(60), args.toArray(String[]::new));
            assertThat(signed.exit()).as(mark + ": " + signed).isZero();
            lines.append(signed.out());
            valid.add(jobId);
        }
        String tamperedId = run + "-tampered";
        OtherLanguages.Result signed = client.run(kafkaEnv(), ("{\"job_id\":\"" + tamperedId + "\",\"ok\":true,\"result\":1}")
                .getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(60), "sign");
        lines.append(signed.out().replace("\"result\":1", "\"result\":2"));
        Path file = dir.resolve(run + ".jsonl");
        Files.writeString(file, lines);

        OtherLanguages.Result published = client.run(kafkaEnv(), null, Duration.ofSeconds(90), "publish", file.toString());
        assertThat(published.exit()).as("publish: " + published).isZero();
        assertThat(published.stderr()).contains("published 5, not delivered 0, malformed 0");
        // publish --sign: the client signs on the way (sha256 by default)
        String signedOnTheWay = run + "-signed-on-publish";
        OtherLanguages.Result direct = client.run(kafkaEnv(), ("{\"job_id\":\"" + signedOnTheWay + "\",\"ok\":false,\"error\":\"x\"}\n")
                .getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(90), "publish", "--sign");
        assertThat(direct.exit()).as("publish --sign: " + direct).isZero();
        valid.add(signedOnTheWay);

        Map<String, JsonNode> verified = readUntil(client, "verified", valid);
        for (Workers.Mark mark : Workers.Mark.values()) {
            JsonNode record = verified.get(run + "-" + mark.name().toLowerCase());
            JsonNode value = record.get("value");
            assertThat(record.get("format").asText()).isEqualTo("avro");
            assertThat(value.get("mode").asText()).as(mark.name()).isEqualTo(mark.mode);
            assertThat(value.get("node_id").isNull()).as(mark + " names its node only in version 2").isEqualTo(mark.version == 1);
            if (mark.version == 2) {
                assertThat(value.get("node_id").asText()).isEqualTo(Workers.NODE);
            }
            assertThat(value.get("result").asText()).isEqualTo("{\"mark\":\"" + mark + "\",\"n\":1500}");
            // the client put the job id on the partition the Java clients would (murmur2 of the key)
            int expected = Utils.toPositive(Utils.murmur2(record.get("key").asText().getBytes(StandardCharsets.UTF_8))) % partitions;
            assertThat(value.get("source_partition").asInt()).as(mark + " partition").isEqualTo(expected);
        }
        assertThat(verified.get(signedOnTheWay).get("value").get("error").asText()).isEqualTo("\"x\"");
        assertThat(verified).doesNotContainKey(tamperedId);

        JsonNode audit = readUntil(client, "audit", List.of(tamperedId)).get(tamperedId).get("value");
        assertThat(audit.get("event_type").asText()).isEqualTo("RESULT_INTEGRITY_FAIL");
        assertThat(audit.get("reason").asText()).isEqualTo("sha_mismatch");
    }

    @Test
    void shouldPassTheHubsB3CheckInPython() {
        List<String> command = List.of(System.getProperty("sheratan.python", "/usr/bin/python3"),
                OtherLanguages.ROOT.resolve("scripts/verify-b3.py").toString(), "--gateway", "http://127.0.0.1:" + stack.gateway.port());
        OtherLanguages.Result result = OtherLanguages.exec(command, Map.of("SHERATAN_HUB_TOKEN", workers.token()), null, Duration.ofSeconds(60));
        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.out()).contains("PASS  the gateway's core sha256 is the client's").contains("B3 check passed").doesNotContain("FAIL");
    }

    @ParameterizedTest
    @EnumSource(OtherLanguages.class)
    void shouldExitThreeWhenKafkaCannotBeReached(OtherLanguages client) {
        OtherLanguages.Result result = client.run(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + io.sheratan.testing.Processes.freePort()),
                "{\"job_id\":\"nowhere\",\"ok\":true}\n".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(90),
                "publish", "--sign", "--timeout", "5");
        assertThat(result.exit()).as(result.toString()).isEqualTo(3);
    }

    /** Consumes the topic with the client until every job id has a record (the verifier commits within a second or so). */
    private static Map<String, JsonNode> readUntil(OtherLanguages client, String topic, List<String> jobIds) throws IOException {
        Map<String, JsonNode> found = new HashMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            OtherLanguages.Result consumed = client.run(kafkaEnv(), null, Duration.ofSeconds(90), "consume", topic, "--idle", "3");
            assertThat(consumed.exit()).as("consume " + topic + ": " + consumed.stderr()).isZero();
            for (String line : consumed.out().split("\n")) {
                if (!line.isBlank()) {
                    JsonNode record = JSON.readTree(line);
                    assertThat(record.has("error")).as(line).isFalse();
                    found.put(record.get("key").asText(), record);
                }
            }
            if (found.keySet().containsAll(jobIds)) {
                return found;
            }
        }
        throw new AssertionError(client + " did not read " + jobIds + " from " + topic + "; it read " + found.keySet());
    }
}
