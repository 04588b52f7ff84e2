package io.sheratan.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Topics;
import io.sheratan.kafka.embedded.EmbeddedKafka;
import io.sheratan.serdes.SheratanSerdes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Python and Node clients reach a cluster that requires SASL (the embedded broker with a SASL/PLAIN
 * listener) with the variables the Java services take: SHERATAN_KAFKA_SECURITY_PROTOCOL,
 * SHERATAN_KAFKA_SASL_MECHANISM, SHERATAN_KAFKA_SASL_JAAS_CONFIG (the Java JAAS line, translated by
 * each client), or the same settings in SHERATAN_KAFKA_CONFIG_FILE. Each publishes a signed result and
 * reads a verified one back; a wrong password fails fast with "not delivered" (exit 3).
 */
class SecuredClusterClientsIT {

    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"worker\" password=\"%s\";";

    @TempDir
    static Path dir;
    private static EmbeddedKafka kafka;
    private static Topics topics;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.builder().saslUser("worker", "worker-secret").start();
        topics = Topics.defaults().withSuffix(".secured");
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(topics);
        }
        publishVerified(kafka, topics.verified(), "secured-1");
    }

    /** A verified result on {@code topic}, as the verifier writes it (Avro), for the clients to read back. */
    static void publishVerified(EmbeddedKafka kafka, String topic, String jobId) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.clientConfig(), new StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            byte[] value = SheratanSerdes.verifiedResult().serializer().serialize(topic, io.sheratan.avro.VerifiedResult.newBuilder()
                    .setJobId(jobId).setOk(true).setResult("{\"v\":1}").setSha256("ab".repeat(32)).setVerifiedAt(Instant.now())
                    .setSourcePartition(0).setSourceOffset(0L).build());
            producer.send(new ProducerRecord<>(topic, jobId, value)).get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static Map<String, String> env(String password, boolean configFile) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("SHERATAN_TOPIC_SUBMITTED", topics.submitted());
        env.put("SHERATAN_TOPIC_VERIFIED", topics.verified());
        if (configFile) {
            Path file = dir.resolve("client-" + password + ".properties");
            Files.writeString(file, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=" + JAAS.formatted(password) + "\n");
            env.put("SHERATAN_KAFKA_CONFIG_FILE", file.toString());
        } else {
            env.put("SHERATAN_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
            env.put("SHERATAN_KAFKA_SASL_MECHANISM", "PLAIN");
            env.put("SHERATAN_KAFKA_SASL_JAAS_CONFIG", JAAS.formatted(password));
        }
        return env;
    }

    @ParameterizedTest
    @EnumSource(OtherLanguages.class)
    void shouldPublishAndConsumeOverSaslWithTheJavaVariables(OtherLanguages client) throws Exception {
        for (boolean configFile : new boolean[]{false, true}) {
            String jobId = client.name().toLowerCase() + "-sasl-" + (configFile ? "file" : "env");
            byte[] envelope = ("{\"job_id\":\"" + jobId + "\",\"ok\":true,\"result\":{\"v\":1}}").getBytes(StandardCharsets.UTF_8);
            OtherLanguages.Result published = client.run(env("worker-secret", configFile), envelope, Duration.ofSeconds(90),
                    "publish", "--sign", "--timeout", "30");
            assertThat(published.exit()).as((configFile ? "config file: " : "variables: ") + published).isZero();
            assertThat(submittedKeys()).as("on the submitted topic").contains(jobId);

            OtherLanguages.Result consumed = client.run(env("worker-secret", configFile), null, Duration.ofSeconds(90),
                    "consume", topics.verified(), "--idle", "3");
            assertThat(consumed.exit()).as("consume: " + consumed).isZero();
            JsonNode record = new ObjectMapper().readTree(consumed.out().lines().filter(l -> l.contains("secured-1")).findFirst().orElseThrow());
            assertThat(record.path("key").asText()).isEqualTo("secured-1");
        }
        OtherLanguages.Result refused = client.run(env("wrong-secret", false),
                "{\"job_id\":\"refused\",\"ok\":true}".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(90), "publish", "--sign", "--timeout", "15");
        assertThat(refused.exit()).as("a wrong password: " + refused).isEqualTo(3);
        assertThat(submittedKeys()).doesNotContain("refused");
    }

    private static List<String> submittedKeys() {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        List<String> keys = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.submitted()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    keys.add(new String(r.key(), StandardCharsets.UTF_8));
                }
            }
        }
        return keys;
    }
}
