package io.sheratan.producer;

import io.sheratan.testing.TopicReader;
import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.Submission;
import io.sheratan.envelope.WireFormat;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.integrity.IntegrityVerifier;
import io.sheratan.integrity.Verdict;
import io.sheratan.kafka.Topics;
import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.embedded.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The publisher against a real broker: acknowledged means readable, also across broker faults. */
class ResultPublisherIT {

    private static final String RESULT = "{\"value\":42,\"note\":\"" + "x".repeat(900) + "\"}";

    @Test
    void shouldPublishSignedJsonAndAvroResultsThatVerifyWhenReadBack() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().start()) {
            Topics topics = provision(kafka, ".readback");
            List<PublishReceipt> receipts = new ArrayList<>();
            for (WireFormat format : WireFormat.values()) {
                try (ResultPublisher publisher = publisher(kafka, topics, format)) {
                    List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>();
                    for (int i = 0; i < 50; i++) {
                        futures.add(publisher.publish(format + "-" + i, true, RESULT, null));
                    }
                    for (CompletableFuture<PublishReceipt> f : futures) {
                        receipts.add(f.get(30, TimeUnit.SECONDS));
                    }
                }
            }
            assertThat(receipts).hasSize(100).allSatisfy(r -> assertThat(r.offset()).isNotNegative());

            List<ConsumerRecord<byte[], byte[]>> records = readAll(kafka.clientConfig(), topics.submitted(), 100);
            assertThat(records).hasSize(100);
            EnvelopeReader reader = new EnvelopeReader(CanonicalLimits.DEFAULTS);
            for (ConsumerRecord<byte[], byte[]> record : records) {
                Submission s = reader.read(record.value());
                assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(s.jobId());
                assertThat(IntegrityVerifier.verify(s, IntegrityPolicy.defaults()).outcome()).isEqualTo(Verdict.Outcome.VERIFIED);
                assertThat(record.headers().lastHeader(ResultPublisher.NODE_ID_HEADER).value()).isEqualTo("worker-7".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void shouldKeepPublishingWhenOneOfThreeBrokersStops() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().nodes(3).start()) {
            Topics topics = provision(kafka, ".three");
            try (ResultPublisher publisher = publisher(kafka, topics, WireFormat.JSON)) {
                publishAndAwait(publisher, "before-", 100);
                kafka.stopNode(1);
                publishAndAwait(publisher, "after-", 100);
            }
            assertThat(readAll(kafka.clientConfig(), topics.submitted(), 200)).hasSize(200);
        }
    }

    @Test
    void shouldSayPipelineSaturatedWithinTheConfiguredWaitAndLoseNothingAcknowledged(@TempDir Path data) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(data).start()) {
            Topics topics = provision(kafka, ".saturate");
            Duration maxBlock = Duration.ofMillis(1500);
            try (ResultPublisher publisher = ResultPublisher.builder()
                    .clientConfig(kafka.clientConfig()).topic(topics.submitted())
                    .maxBlock(maxBlock).bufferBytes(64 * 1024).build()) {
                publishAndAwait(publisher, "acked-", 20);
                kafka.stopNode(0);

                long failedAfterMs = -1;
                for (int i = 0; i < 10_000 && failedAfterMs < 0; i++) {
                    long start = System.nanoTime();
                    try {
                        publisher.publish("unsent-" + i, true, RESULT, null);
                    } catch (PipelineSaturatedException e) {
                        failedAfterMs = (System.nanoTime() - start) / 1_000_000;
                        assertThat(e).hasMessageContaining("pipeline saturated");
                    }
                }
                assertThat(failedAfterMs).as("saturation reported").isNotNegative();
                assertThat(failedAfterMs).isBetween(maxBlock.toMillis() - 100, maxBlock.toMillis() + 3000);
                kafka.restartNode(0);
            }
            List<String> keys = readAll(kafka.clientConfig(), topics.submitted(), 20).stream()
                    .map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList();
            assertThat(keys).filteredOn(k -> k.startsWith("acked-")).hasSize(20);
        }
    }

    @Test
    void shouldPublishOverSaslAndRefuseBadCredentialsFast() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().saslUser("worker", "good-secret").start()) {
            Topics topics = provision(kafka, ".sasl");
            try (ResultPublisher publisher = publisher(kafka, topics, WireFormat.JSON)) {
                publishAndAwait(publisher, "sasl-", 10);
            }
            long start = System.nanoTime();
            try (ResultPublisher wrong = ResultPublisher.builder()
                    .clientConfig(kafka.clientConfig("worker", "wrong-secret")).topic(topics.submitted())
                    .maxBlock(Duration.ofSeconds(20)).build()) {
                assertThatThrownBy(() -> wrong.publish("nope", true, "1", null).get(20, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(SaslAuthenticationException.class)
                        .hasMessageContaining("Authentication failed");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            assertThat(readAll(kafka.clientConfig(), topics.submitted(), 10)).hasSize(10);
        }
    }

    private static Topics provision(EmbeddedKafka kafka, String suffix) {
        Topics topics = Topics.defaults().withSuffix(suffix);
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(topics);
        }
        return topics;
    }

    private static ResultPublisher publisher(EmbeddedKafka kafka, Topics topics, WireFormat format) {
        return ResultPublisher.builder().clientConfig(kafka.clientConfig()).topic(topics.submitted())
                .format(format).nodeId("worker-7").build();
    }

    private static void publishAndAwait(ResultPublisher publisher, String prefix, int count) throws Exception {
        List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(publisher.publish(prefix + i, true, RESULT, null));
        }
        for (CompletableFuture<PublishReceipt> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
    }

    static List<ConsumerRecord<byte[], byte[]>> readAll(Map<String, Object> clientConfig, String topic, int expected) {
        return TopicReader.readAll(clientConfig, topic, expected, r -> true, Duration.ofSeconds(60));
    }
}
