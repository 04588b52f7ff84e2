package io.sheratan.audit;

import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.http.HttpService;
import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Topics;
import io.sheratan.testing.EmbeddedKafkaExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * DESIGN section 9 against a real broker: one writer per log (a second sink on the same storage or
 * in the same group is refused naming the holder; one whose group was joined by another reader stops
 * before writing; a new storage never continues another log's offsets), and a low disk pauses the
 * sink without losing anything, then it resumes by itself.
 */
class OneWriterIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();
    private final HttpClient http = HttpClient.newHttpClient();


    private static Topics topics(String suffix) throws Exception {
        Topics topics = Topics.defaults().withSuffix(suffix);
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(topics);
        }
        return topics;
    }

    private static void produce(Topics topics, int from, int to) throws Exception {
        AvroCodec<AuditEvent> codec = AvroCodec.auditEvents();
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put("enable.idempotence", true);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = from; i < to; i++) {
                AuditEvent event = AuditEvent.newBuilder().setEventId("src/0/" + i).setEventType("RESULT_INTEGRITY_FAIL")
                        .setReason("sha_mismatch").setJobId("job-" + i).setTs(Instant.ofEpochMilli(1_700_000_000_000L + i)).build();
                producer.send(new ProducerRecord<>(topics.audit(), ("job-" + i).getBytes(StandardCharsets.UTF_8), codec.encode(event)))
                        .get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static AuditSinkApp sink(Topics topics, Path dir, String group, AtomicReference<Throwable> failure, DiskGuard disk) {
        return new AuditSinkApp(kafka.clientConfig(), topics, dir, 0, HttpService.DEFAULT_BIND_ADDRESS, group,
                AuditSinkApp.logKey(Map.of(), dir), failure::set, disk).start();
    }

    private static DiskGuard roomy() {
        return new DiskGuard(0, () -> Long.MAX_VALUE, Clock.systemUTC());
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldRefuseASecondSinkAndStopOneWhoseGroupWasJoined(@TempDir Path dirA, @TempDir Path dirB) throws Exception {
        Topics topics = topics(".lease");
        produce(topics, 0, 50);
        String group = "lease-group";
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AuditSinkApp a = sink(topics, dirA, group, failure, roomy());
        try {
            await(() -> a.log().lines() == 50, "50 lines");
            assertThat(get(a.httpPort(), "/health/ready").statusCode()).isEqualTo(200);

            assertThatThrownBy(() -> sink(topics, dirA, "any-group", new AtomicReference<>(), roomy()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("is being written by another audit sink (pid ");
            assertThatThrownBy(() -> sink(topics, dirB, group, new AtomicReference<>(), roomy()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already has a member reading the audit topics");

            Map<String, Object> config = new HashMap<>(kafka.clientConfig());
            config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            try (KafkaConsumer<byte[], byte[]> intruder = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                intruder.subscribe(List.of(topics.audit()));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (intruder.assignment().isEmpty() && System.nanoTime() < deadline) {
                    intruder.poll(Duration.ofMillis(200));
                }
                assertThat(intruder.assignment()).as("the intruder took part of the topic").isNotEmpty();
                produce(topics, 50, 100);
                await(() -> failure.get() != null, "the first sink to stop");
                assertThat(failure.get()).isInstanceOf(AuditSink.LeaseLostException.class);
                assertThat(a.log().lines()).as("not one line written after the group was split").isEqualTo(50);
                assertThat(get(a.httpPort(), "/health/live").statusCode()).isEqualTo(503);
            }
        } finally {
            a.close();
        }

        assertThatThrownBy(() -> sink(topics, dirB, group, new AtomicReference<>(), roomy()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("offsets committed by another audit log");
        try (AuditSinkApp b = sink(topics, dirB, "a-new-log", new AtomicReference<>(), roomy())) {
            await(() -> b.log().lines() == 100, "a new, complete log of 100 lines");
        }
        try (AuditSinkApp again = sink(topics, dirA, group, new AtomicReference<>(), roomy())) {
            await(() -> again.log().lines() == 100, "the first log, restarted on its own storage, complete");
        }
    }

    @Test
    void shouldPauseWhileTheDiskIsLowAndResumeWithNothingLost(@TempDir Path dir) throws Exception {
        Topics topics = topics(".disk");
        produce(topics, 0, 40);
        AtomicLong free = new AtomicLong(10);
        try (AuditSinkApp app = sink(topics, dir, "disk-group", new AtomicReference<>(), new DiskGuard(1_000, free::get, Clock.systemUTC()))) {
            await(() -> {
                try {
                    return get(app.httpPort(), "/health/ready").body().contains("\"status\":\"disk_low\"");
                } catch (Exception e) {
                    return false;
                }
            }, "ready to say disk_low");
            HttpResponse<String> ready = get(app.httpPort(), "/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("10 bytes free, below 1000");
            assertThat(get(app.httpPort(), "/health/live").statusCode()).isEqualTo(200);
            assertThat(get(app.httpPort(), "/metrics").body()).contains("sheratan_audit_disk_low 1.0");
            Thread.sleep(1_500);
            assertThat(app.log().lines()).as("nothing read while the disk is low").isZero();

            free.set(1_000_000);
            await(() -> app.log().lines() == 40, "all 40 events once there is room");
            await(() -> {
                try {
                    return get(app.httpPort(), "/health/ready").statusCode() == 200;
                } catch (Exception e) {
                    return false;
                }
            }, "ready again");
            assertThat(get(app.httpPort(), "/metrics").body()).contains("sheratan_audit_disk_low 0.0");
        }
    }

    /**
     * A topic the sink reads, deleted and created again, starts its offsets over: its new records are
     * at or below the offsets the log has written. The sink stops naming the topic instead of skipping
     * them as written, and the log refuses to start on it again.
     */
    @Test
    void shouldStopRatherThanSkipWhenATopicItReadsIsCreatedAgain(@TempDir Path dir) throws Exception {
        Topics topics = topics(".recreated");
        produce(topics, 0, 5);
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(kafka.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 5; i++) {
                raw.send(new ProducerRecord<>(topics.verified(), 0, bytes("job-" + i), bytes("not a verified result " + i))).get(30, TimeUnit.SECONDS);
            }
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (AuditSinkApp app = sink(topics, dir, "recreated-group", failure, roomy())) {
            await(() -> app.log().lines() == 10, "10 lines");
            recreateVerifiedTopicWithOneRecord(topics);
            await(() -> failure.get() != null, "the sink to stop");
            assertThat(failure.get()).isInstanceOf(LogIdentity.MismatchException.class).hasMessageContaining(topics.verified());
            assertThat(app.log().lines()).as("nothing skipped as written, nothing written").isEqualTo(10);
        }
        assertThatThrownBy(() -> sink(topics, dir, "recreated-group", new AtomicReference<>(), roomy()))
                .isInstanceOf(LogIdentity.MismatchException.class).hasMessageContaining(topics.verified());
    }

    /**
     * A sink started before the verified topic existed records its id when it is first assigned its
     * partitions, so the topic created again later is told apart, not adopted as the one it read.
     */
    @Test
    void shouldRecordATopicsIdWhenFirstAssignedSoItsNextIncarnationIsRefused(@TempDir Path dir) throws Exception {
        Topics topics = Topics.defaults().withSuffix(".late");
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topics.audit(), topics.partitions(), (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        produce(topics, 0, 3);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (AuditSinkApp app = sink(topics, dir, "late-group", failure, roomy())) {
            await(() -> app.log().lines() == 3, "3 lines");
            try (Admin admin = Admin.create(kafka.clientConfig())) {
                new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(topics); // the verified topic, at last
            }
            try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(kafka.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 3; i++) {
                    raw.send(new ProducerRecord<>(topics.verified(), 0, bytes("job-" + i), bytes("not a verified result " + i))).get(30, TimeUnit.SECONDS);
                }
            }
            await(() -> app.log().lines() == 6, "6 lines");
            recreateVerifiedTopicWithOneRecord(topics);
            await(() -> failure.get() != null, "the sink to stop");
            assertThat(failure.get()).isInstanceOf(LogIdentity.MismatchException.class).hasMessageContaining(topics.verified());
            assertThat(app.log().lines()).isEqualTo(6);
        }
    }

    /**
     * Two sinks on other storage that start at once both find the group empty. The one the group gives
     * no partitions waits; when it is given them (at once, or when the writer stops), it finds the
     * writer's offsets and stops before reading, instead of writing a second log from the middle.
     */
    @Test
    void shouldNotLetASinkThatStartedBesideTheWriterContinueItsLog(@TempDir Path dirA, @TempDir Path dirB) throws Exception {
        Topics base = Topics.defaults().withSuffix(".standby");
        Topics topics = new Topics(base.submitted(), base.verified(), base.audit(), base.checkpoints(), 1, 1); // one member takes all
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(topics);
        }
        produce(topics, 0, 10);
        String group = "standby-group";
        AtomicReference<Throwable> failureA = new AtomicReference<>();
        AtomicReference<Throwable> failureB = new AtomicReference<>();
        // both check the group before either joins it
        AuditSinkApp a = new AuditSinkApp(kafka.clientConfig(), topics, dirA, 0, HttpService.DEFAULT_BIND_ADDRESS, group,
                AuditSinkApp.logKey(Map.of(), dirA), failureA::set, roomy());
        AuditSinkApp b = new AuditSinkApp(kafka.clientConfig(), topics, dirB, 0, HttpService.DEFAULT_BIND_ADDRESS, group,
                AuditSinkApp.logKey(Map.of(), dirB), failureB::set, roomy());
        boolean aClosed = false;
        try {
            a.start();
            await(() -> a.log().lines() == 10, "the writer's 10 lines");
            b.start();
            produce(topics, 10, 15);
            Thread.sleep(2_000); // the group settles: either sink may hold the partitions now
            aClosed = true;
            a.close();
            await(() -> failureB.get() != null, "the second sink to stop");
            assertThat(failureB.get()).isInstanceOf(AuditSink.LeaseLostException.class).hasMessageContaining("another audit log committed");
            assertThat(b.log().lines()).as("not one line of a second, partial log").isZero();
            assertThat(failureA.get()).isNull();
        } finally {
            if (!aClosed) {
                a.close();
            }
            b.close();
        }
    }

    /** Deletes the verified topic, creates it again (a new id, offsets from 0) and writes one record to it. */
    private static void recreateVerifiedTopicWithOneRecord(Topics topics) throws Exception {
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            admin.deleteTopics(List.of(topics.verified())).all().get(60, TimeUnit.SECONDS);
            await(() -> {
                try {
                    return !admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topics.verified());
                } catch (Exception e) {
                    return false;
                }
            }, "the verified topic to be gone");
            new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(topics);
        }
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(kafka.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(topics.verified(), 0, bytes("job-new"), bytes("a record of the new topic"))).get(30, TimeUnit.SECONDS);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
