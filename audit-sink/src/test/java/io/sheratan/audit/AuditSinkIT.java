package io.sheratan.audit;

import java.util.ArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import io.sheratan.testing.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Topics;
import io.sheratan.testing.EmbeddedKafkaExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import java.util.concurrent.Future;

/** N events in, N lines out, in order per partition; a crash between write and commit duplicates nothing. */
class AuditSinkIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();


    private static Topics produce(String suffix, int n) throws Exception {
        Topics topics = Topics.defaults().withSuffix(suffix);
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(topics);
        }
        AvroCodec<AuditEvent> codec = AvroCodec.auditEvents();
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put("enable.idempotence", true);
        // a topic created a moment ago can answer the first batches with NOT_LEADER; one batch in
        // flight keeps the retries in order (seen once: OUT_OF_ORDER_SEQUENCE on a fresh partition)
        config.put("max.in.flight.requests.per.connection", 1);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<?>> acks = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                AuditEvent event = AuditEvent.newBuilder().setEventId("src/0/" + i).setEventType("RESULT_INTEGRITY_FAIL")
                        .setReason("sha_mismatch").setJobId("job-" + i).setTs(Instant.ofEpochMilli(1_700_000_000_000L + i)).build();
                acks.add(producer.send(new ProducerRecord<>(topics.audit(), ("job-" + i).getBytes(StandardCharsets.UTF_8), codec.encode(event))));
            }
            for (var ack : acks) {
                ack.get(60, TimeUnit.SECONDS); // the test knows exactly what is on the topic
            }
            producer.send(new ProducerRecord<>(topics.audit(), "junk".getBytes(StandardCharsets.UTF_8),
                    "not an audit event".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            producer.flush();
        }
        return topics;
    }

    private static void awaitLines(ChainLog log, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (log.lines() < expected && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    @Test
    void shouldWriteEveryEventOnceInOrderPerPartition(@TempDir Path dir) throws Exception {
        Topics topics = produce(".sink", 500);
        try (AuditSinkApp app = new AuditSinkApp(kafka.clientConfig(), topics, dir, 0).start()) {
            awaitLines(app.log(), 501);
            Thread.sleep(1000); // nothing more may arrive
            assertThat(app.log().lines()).isEqualTo(501);
            assertThat(app.tree().size()).as("one Merkle entry per line").isEqualTo(501);
        }
        ChainVerifier.Report report = ChainVerifier.verify(dir);
        assertThat(report.intact()).as(report.problem()).isTrue();
        assertThat(report.lines()).isEqualTo(501);

        List<String> lines = Files.readAllLines(ChainLog.files(dir).get(0));
        Map<Integer, Long> lastOffset = new HashMap<>();
        for (String line : lines) {
            var node = ChainLog.JSON.readTree(line).path("source");
            int partition = node.path("partition").asInt();
            long offset = node.path("offset").asLong();
            assertThat(offset).isGreaterThan(lastOffset.getOrDefault(partition, -1L));
            lastOffset.put(partition, offset);
        }
        assertThat(lines).filteredOn(l -> l.contains("AUDIT_RECORD_UNREADABLE")).hasSize(1)
                .allSatisfy(l -> assertThat(l).doesNotContain("not an audit event"));
    }

    @Test
    void shouldNotDuplicateLinesAfterACrashBetweenWriteAndCommit(@TempDir Path dir) throws Exception {
        Topics topics = produce(".crash", 300);
        String topic = topics.audit();
        ChainLog log = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES);
        // what a sink that crashed between the fsync and the offset commit leaves behind: the first
        // records' lines on disk, written by the sink's own conversion, and no committed offset
        AuditSink crashed = new AuditSink(kafka.clientConfig(), topics, "crash-group", log, null, new SimpleMeterRegistry());
        List<ChainLog.Entry> firstBatch = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka.clientConfig(), topic, 120, x -> true, Duration.ofSeconds(30))) {
            if (firstBatch.size() < 120) {
                firstBatch.add(crashed.entry(r));
            }
        }
        log.append(firstBatch);
        crashed.shutdown();
        long writtenBeforeCrash = log.lines();
        log.close();
        assertThat(writtenBeforeCrash).isEqualTo(120);

        ChainLog reopened = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES);
        AuditSink restarted = new AuditSink(kafka.clientConfig(), topics, "crash-group", reopened, null, new SimpleMeterRegistry());
        Thread thread = new Thread(restarted);
        thread.start();
        awaitLines(reopened, 301);
        Thread.sleep(1500);
        restarted.close();
        thread.join(15_000);
        restarted.shutdown();
        reopened.close();

        ChainVerifier.Report report = ChainVerifier.verify(dir);
        assertThat(report.intact()).as(report.problem()).isTrue();
        assertThat(report.lines()).isEqualTo(301);
    }
}
