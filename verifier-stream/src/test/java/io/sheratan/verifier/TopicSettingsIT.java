package io.sheratan.verifier;

import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.config.ConfigException;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.EnvelopeWriter;
import io.sheratan.envelope.IntegrityMark;
import io.sheratan.envelope.Submission;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.integrity.IntegrityVerifier;
import io.sheratan.integrity.Marks;
import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Topics;
import io.sheratan.testing.EmbeddedKafkaExtension;
import io.sheratan.keys.KeyringWatcher;
import io.sheratan.testing.TopicReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The verifier on a cluster whose topics were made by someone else (DESIGN.md 3b.6 and 5): with
 * CreateTime topics a producer's clock would decide key windows, so it refuses to start, naming
 * {@code message.timestamp.type}; after {@code sheratan topics --fix} (the provisioner's fix) it
 * starts, and a result signed with a retired key and stamped by its producer inside the old window is
 * {@code key_not_valid}. A verified topic lowered below an output while the verifier runs turns that
 * output into {@code malformed} (no send refused for ever), and the next valid record still goes through.
 */
class TopicSettingsIT {

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();


    private static byte[] envelope(String jobId, String result, boolean hmac) throws Exception {
        Submission s = new EnvelopeReader(IntegrityPolicy.defaults().limits())
                .read(("{\"job_id\":\"" + jobId + "\",\"ok\":true,\"result\":" + result + "}").getBytes(StandardCharsets.UTF_8));
        IntegrityMark mark = hmac ? new IntegrityMark("hmac", s.coreSha256(), Marks.hmacHex(SECRET, s.core()), "k1")
                : IntegrityVerifier.sign(s.core(), IntegrityPolicy.defaults());
        return EnvelopeWriter.toJson(s.withMark(mark));
    }

    @Test
    void shouldRefuseCreateTimeTopicsUntilFixedAndThenDecideByTheBrokersClock(@TempDir Path dir) throws Exception {
        Topics topics = Topics.defaults().withSuffix(".createtime");
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            // what a first producer's auto-creation, or a hand-made topic, leaves: CreateTime, the broker's defaults
            admin.createTopics(List.of(
                    new NewTopic(topics.submitted(), 3, (short) 1).configs(Map.of("message.timestamp.type", "CreateTime")),
                    new NewTopic(topics.verified(), 3, (short) 1).configs(Map.of("cleanup.policy", "compact", "max.message.bytes", "200000")),
                    new NewTopic(topics.audit(), 3, (short) 1),
                    new NewTopic(topics.checkpoints(), 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        long now = System.currentTimeMillis();
        Path keyring = dir.resolve("keyring.json");
        Files.writeString(keyring, "{\"keys\":[{\"key_id\":\"k1\",\"alg\":\"hmac-sha256\",\"secret\":\""
                + Base64.getEncoder().encodeToString(SECRET) + "\",\"not_after\":" + (now - 3_600_000) + "}]}");
        Map<String, String> env = Map.of(IntegrityPolicy.KEYRING_FILE, keyring.toString());
        VerifierConfig config = VerifierConfig.fromEnv(env).withTopics(topics).withApplicationId("verifier-createtime").withHttpPort(0);

        assertThatThrownBy(() -> new VerifierApp(config, kafka.clientConfig(), dir.resolve("state"), "127.0.0.1", "127.0.0.1",
                KeyringWatcher.fromEnv(env, config.policy(), null)).start(false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("message.timestamp.type").hasMessageContaining(topics.submitted()).hasMessageContaining(topics.audit())
                .hasMessageContaining("max.message.bytes=200000").hasMessageContaining("sheratan topics --fix");

        List<String> changes;
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            TopicProvisioner provisioner = new TopicProvisioner(admin, Duration.ofSeconds(30));
            changes = provisioner.fix(provisioner.check(topics, config.maxOutputBytes()));
            assertThat(provisioner.check(topics, config.maxOutputBytes())).isEmpty();
        }
        assertThat(changes).contains(topics.submitted() + ": message.timestamp.type CreateTime -> LogAppendTime",
                topics.audit() + ": message.timestamp.type CreateTime -> LogAppendTime",
                topics.verified() + ": max.message.bytes 200000 -> " + (config.maxOutputBytes() + TopicProvisioner.framing(config.maxOutputBytes())))
                .hasSize(3);

        try (VerifierApp app = new VerifierApp(config, kafka.clientConfig(), dir.resolve("state"), "127.0.0.1", "127.0.0.1",
                KeyringWatcher.fromEnv(env, config.policy(), null)).start(false);
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.clientConfig(), new StringSerializer(), new ByteArraySerializer())) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
            // signed with k1, retired an hour ago; the producer claims two hours ago, inside the old window
            producer.send(new ProducerRecord<>(topics.submitted(), null, now - 7_200_000, "retired", envelope("retired", "1", true)))
                    .get(30, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>(topics.submitted(), "fresh", envelope("fresh", "2", false))).get(30, TimeUnit.SECONDS);

            // the verified topic is lowered while the verifier runs; a 120 kB result no longer fits
            try (Admin admin = Admin.create(kafka.clientConfig())) {
                admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topics.verified()),
                        List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", "60000"), AlterConfigOp.OpType.SET))))
                        .all().get(30, TimeUnit.SECONDS);
            }
            RecordMetadata big = producer.send(new ProducerRecord<>(topics.submitted(), "big", envelope("big", "\"" + "x".repeat(120_000) + "\"", false)))
                    .get(30, TimeUnit.SECONDS);
            String bigEventId = topics.submitted() + "/" + big.partition() + "/" + big.offset();
            producer.send(new ProducerRecord<>(topics.submitted(), "after-big", envelope("after-big", "3", false))).get(30, TimeUnit.SECONDS);

            AvroCodec<VerifiedResult> verifiedCodec = AvroCodec.verifiedResults();
            List<String> verified = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka.clientConfig(), topics.verified(), 2, r -> true, Duration.ofSeconds(120))) {
                VerifiedResult v = verifiedCodec.decode(r.value());
                verified.add(v.getJobId());
                assertThat(v.getCanonicalVersion()).isEqualTo(1);
                assertThat(v.getNodeAttested()).isFalse();
            }
            assertThat(verified).containsExactlyInAnyOrder("fresh", "after-big");

            AvroCodec<AuditEvent> auditCodec = AvroCodec.auditEvents();
            Map<String, String> outcomes = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka.clientConfig(), topics.audit(), 2,
                    r -> true, Duration.ofSeconds(120))) {
                AuditEvent e = auditCodec.decode(r.value());
                // the refused output's record ends unread (no job id), named by its coordinates
                String job = e.getEventId().equals(bigEventId) ? "big" : e.getJobId();
                if (job != null) {
                    assertThat(outcomes.put(job, e.getReason())).as("one outcome for " + job).isNull();
                }
            }
            assertThat(outcomes).containsEntry("retired", "key_not_valid").containsEntry("big", "malformed").hasSize(2);
            // and the limit follows the topic, so the next large output is malformed before any send
            // the periodic check runs every 30 s; one that timed out on a loaded machine leaves it to the next
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (app.outputLimit() >= 60_000 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(app.outputLimit()).isLessThan(60_000);
        }
    }
}
