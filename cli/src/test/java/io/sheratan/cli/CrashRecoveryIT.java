package io.sheratan.cli;

import io.sheratan.envelope.EnvelopeWriter;
import io.sheratan.envelope.WireFormat;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.invariants.InvariantChecker;
import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Topics;
import io.sheratan.kafka.embedded.EmbeddedKafka;
import io.sheratan.producer.ResultPublisher;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The short CI version of the crash suite (issue 7): the verifier and the audit sink run as separate
 * JVMs through the launcher; while a producer sends a mixed load, the verifier is killed with
 * SIGKILL ten times and the audit sink three times, at random moments, and restarted. Once quiet,
 * the invariant checker must find no violation.
 */
class CrashRecoveryIT {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final int VERIFIER_KILLS = 10;
    private static final int SINK_KILLS = 3;

    @Test
    void shouldKeepEveryInvariantThroughKillNineOfVerifierAndSink(@TempDir Path data) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().start()) {
            Topics topics = Topics.defaults().withSuffix(".crash");
            try (Admin admin = Admin.create(kafka.clientConfig())) {
                new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(topics);
            }
            Map<String, String> env = new HashMap<>();
            env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
            env.put("SHERATAN_TOPIC_SUBMITTED", topics.submitted());
            env.put("SHERATAN_TOPIC_VERIFIED", topics.verified());
            env.put("SHERATAN_TOPIC_AUDIT", topics.audit());
            env.put("SHERATAN_VERIFIER_APPLICATION_ID", "crash-verifier");
            env.put("SHERATAN_VERIFIER_PORT", String.valueOf(freePort()));
            env.put("SHERATAN_AUDIT_PORT", String.valueOf(freePort()));
            env.put("SHERATAN_DATA_DIR", data.toString());
            env.put("SHERATAN_KAFKA_SESSION_TIMEOUT_MS", "6000");
            env.put("SHERATAN_KAFKA_HEARTBEAT_INTERVAL_MS", "1000");

            Random random = new Random(42);
            AtomicBoolean loading = new AtomicBoolean(true);
            AtomicLong sent = new AtomicLong();
            Thread load = new Thread(() -> mixedLoad(kafka, topics, loading, sent), "mixed-load");
            Process verifier = start(env, "verifier");
            Process sink = start(env, "audit-sink");
            load.start();
            int verifierKills = 0;
            int sinkKills = 0;
            try {
                while (verifierKills < VERIFIER_KILLS) {
                    Thread.sleep(2000 + random.nextInt(4000));
                    verifier.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                    verifierKills++;
                    if (sinkKills < SINK_KILLS && random.nextInt(3) == 0) {
                        sink.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                        sinkKills++;
                        sink = start(env, "audit-sink");
                    }
                    verifier = start(env, "verifier");
                }
                while (sinkKills < SINK_KILLS) {
                    Thread.sleep(1000 + random.nextInt(2000));
                    sink.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                    sinkKills++;
                    sink = start(env, "audit-sink");
                }
                loading.set(false);
                load.join(60_000);
                awaitQuiet(kafka, topics, Duration.ofMinutes(4));

                InvariantChecker.Report report = InvariantChecker.check(kafka.clientConfig(), topics,
                        IntegrityPolicy.defaults(), data.resolve("audit"));
                System.out.printf("crash suite: %d records sent, %d verifier kills, %d audit-sink kills, counts %s, violations %d%n",
                        sent.get(), verifierKills, sinkKills, report.counts(), report.violations().size());
                assertThat(report.violations()).as("violations").isEmpty();
                assertThat(report.counts().get("input")).isEqualTo(sent.get());
                assertThat(report.counts().get("verified")).isPositive();
            } finally {
                loading.set(false);
                verifier.destroy();
                sink.destroy();
                verifier.waitFor(30, TimeUnit.SECONDS);
                sink.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Until told to stop: valid (JSON and Avro), duplicates, conflicts, tampered, unmarked and unreadable records. */
    private static void mixedLoad(EmbeddedKafka kafka, Topics topics, AtomicBoolean loading, AtomicLong sent) {
        IntegrityPolicy policy = IntegrityPolicy.defaults();
        try (ResultPublisher json = ResultPublisher.builder().clientConfig(kafka.clientConfig()).topic(topics.submitted()).build();
             ResultPublisher avro = ResultPublisher.builder().clientConfig(kafka.clientConfig()).topic(topics.submitted())
                     .format(WireFormat.AVRO).build();
             KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(kafka.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            int i = 0;
            while (loading.get()) {
                for (int batch = 0; batch < 20; batch++, i++) {
                    String id = "c-" + i;
                    (i % 2 == 0 ? json : avro).publish(id, true, "{\"i\":" + i + "}", null).get(60, TimeUnit.SECONDS);
                    sent.incrementAndGet();
                    switch (i % 6) {
                        case 0 -> json.publish(id, true, "{\"i\": " + i + ".0}", null).get(60, TimeUnit.SECONDS); // duplicate
                        case 1 -> avro.publish(id, true, "{\"i\":-" + i + "}", null).get(60, TimeUnit.SECONDS);   // conflict
                        case 2 -> {
                            String t = new String(EnvelopeWriter.toJson(json.prepare(id + "-t", true, "{\"v\":1}", null).signed(policy)),
                                    StandardCharsets.UTF_8).replace("{\"v\":1}", "{\"v\":2}");
                            raw.send(new ProducerRecord<>(topics.submitted(), bytes(id + "-t"), bytes(t))).get(60, TimeUnit.SECONDS);
                        }
                        case 3 -> raw.send(new ProducerRecord<>(topics.submitted(), bytes(id + "-u"),
                                bytes("{\"job_id\":\"" + id + "-u\",\"ok\":true}"))).get(60, TimeUnit.SECONDS);
                        case 4 -> raw.send(new ProducerRecord<>(topics.submitted(), bytes(id + "-g"),
                                new byte[] {(byte) 0xC3, 0x01, 1, 2, 3})).get(60, TimeUnit.SECONDS);
                        default -> {
                            continue;
                        }
                    }
                    sent.incrementAndGet();
                }
                Thread.sleep(200);
            }
        } catch (Exception e) {
            throw new IllegalStateException("the load generator failed", e);
        }
    }

    /** Waits until the verifier has committed the whole input and the audit sink the whole audit topic. */
    private static void awaitQuiet(EmbeddedKafka kafka, Topics topics, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            while (System.nanoTime() < deadline) {
                if (caughtUp(admin, "crash-verifier", topics.submitted()) && caughtUp(admin, "sheratan-audit-sink", topics.audit())) {
                    Thread.sleep(2000);
                    return;
                }
                Thread.sleep(500);
            }
        }
        throw new AssertionError("the pipeline did not go quiet within " + timeout + " (see verifier.log and audit-sink.log in the data dir)");
    }

    private static boolean caughtUp(Admin admin, String group, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < 3; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
        var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        return ends.entrySet().stream().allMatch(e -> e.getValue().offset() == 0
                || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue().offset()));
    }

    private static Process start(Map<String, String> env, String command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(ROOT.resolve("sheratan").toString(), command)
                .directory(ROOT.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(Path.of(env.get("SHERATAN_DATA_DIR"), command + ".log").toFile()));
        builder.environment().putAll(env);
        return builder.start();
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
