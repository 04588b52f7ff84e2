package io.sheratan.verifier;

import io.sheratan.testing.TopicReader;
import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Topics;
import io.sheratan.producer.ResultPublisher;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The pipeline against the official {@code apache/kafka} image, where a Docker engine exists (skipped elsewhere). */
@Testcontainers(disabledWithoutDocker = true)
class VerifierContainerIT {

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.0");

    @Test
    void shouldVerifyAndAuditAgainstTheApacheKafkaImage(@TempDir Path state) throws Exception {
        Map<String, Object> client = Map.of("bootstrap.servers", KAFKA.getBootstrapServers());
        VerifierConfig config = VerifierConfig.fromEnv(Map.of()).withHttpPort(0);
        try (Admin admin = Admin.create(client)) {
            new TopicProvisioner(admin, Duration.ofSeconds(60)).ensure(config.topics());
        }
        try (ResultPublisher publisher = ResultPublisher.builder().clientConfig(client).build();
             KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(client, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 10; i++) {
                publisher.publish("tc-" + i, true, "{\"i\":" + i + "}", null).get(60, TimeUnit.SECONDS);
            }
            raw.send(new ProducerRecord<>(config.topics().submitted(), "tc-x".getBytes(StandardCharsets.UTF_8),
                    "garbage".getBytes(StandardCharsets.UTF_8))).get(60, TimeUnit.SECONDS);
        }
        try (VerifierApp app = new VerifierApp(config, client, state, "127.0.0.1").start(false)) {
            assertThat(count(client, config.topics().verified(), 10)).isEqualTo(10);
            assertThat(count(client, config.topics().audit(), 1)).isEqualTo(1);
        }
    }

    private static int count(Map<String, Object> client, String topic, int expected) {
        return TopicReader.readAll(client, topic, expected, r -> true, Duration.ofSeconds(90)).size();
    }
}
