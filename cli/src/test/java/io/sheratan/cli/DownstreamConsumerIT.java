package io.sheratan.cli;

import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.integrity.Marks;
import io.sheratan.serdes.SheratanSerdes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A downstream Java consumer of the pipeline, written as the README shows: a plain {@code KafkaConsumer}
 * with the shipped {@link SheratanSerdes}, read_committed, reads the verified result and the audit event
 * that a running stack produced.
 */
class DownstreamConsumerIT {

    @Test
    void shouldReadTheVerifiedAndAuditTopicsWithTheShippedSerdes(@TempDir Path dir) throws Exception {
        String token = "downstream-token";
        try (LocalStack stack = new LocalStack(Map.of("SHERATAN_HUB_TOKEN", token), null, dir, false)) {
            String core = "{\"job_id\":\"downstream-1\",\"ok\":true,\"result\":{\"v\":1}}";
            String sha = Marks.sha256Hex(core.getBytes(StandardCharsets.UTF_8));
            assertThat(post(stack, token, core.substring(0, core.length() - 1) + ",\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"" + sha + "\"}}"))
                    .isEqualTo(200);
            assertThat(post(stack, token, "{\"job_id\":\"downstream-2\",\"ok\":true,\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"" + sha + "\"}}"))
                    .isEqualTo(422);

            ConsumerRecord<String, VerifiedResult> verified = first(stack, stack.topics.verified(), SheratanSerdes.verifiedResult().deserializer(),
                    "downstream-1");
            assertThat(verified.value().getJobId()).isEqualTo("downstream-1");
            assertThat(verified.value().getSha256()).isEqualTo(sha);
            assertThat(verified.value().getResult()).isEqualTo("{\"v\":1}");

            ConsumerRecord<String, AuditEvent> audit = first(stack, stack.topics.audit(), SheratanSerdes.auditEvent().deserializer(), "downstream-2");
            assertThat(audit.value().getReason()).isEqualTo("sha_mismatch");
            assertThat(audit.value().getEventType()).isEqualTo("RESULT_INTEGRITY_FAIL");
        }
    }

    private static <V> ConsumerRecord<String, V> first(LocalStack stack, String topic, Deserializer<V> values, String key) {
        Map<String, Object> config = new HashMap<>(stack.clientConfig);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "downstream-" + System.nanoTime());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config, Serdes.String().deserializer(), values)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(500))) {
                    if (key.equals(record.key())) {
                        return record;
                    }
                }
            }
        }
        throw new AssertionError(key + " never appeared on " + topic);
    }

    private static int post(LocalStack stack, String token, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.gateway.port() + "/mesh/results/submit"))
                .header("X-Sheratan-Token", token).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
