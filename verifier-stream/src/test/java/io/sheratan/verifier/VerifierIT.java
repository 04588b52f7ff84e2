package io.sheratan.verifier;

import io.sheratan.integrity.Signer;

import io.sheratan.testing.TopicReader;
import io.sheratan.envelope.WireFormat;
import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Topics;
import io.sheratan.testing.EmbeddedKafkaExtension;
import io.sheratan.producer.ResultPublisher;
import io.sheratan.verifier.http.VerifierHttp;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import io.sheratan.envelope.EnvelopeWriter;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/** The verifier on a real broker: exact counts for a mixed stream, queries across two instances, no loss when one stops. */
class VerifierIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();
    private final HttpClient http = HttpClient.newHttpClient();


    private static VerifierConfig config(String suffix) {
        Topics topics = Topics.defaults().withSuffix(suffix);
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(topics);
        }
        return VerifierConfig.fromEnv(Map.of()).withTopics(topics).withApplicationId("verifier" + suffix).withHttpPort(0);
    }

    /** Sends a mixed load; returns how many of each kind. */
    private static Map<String, Integer> sendMixed(VerifierConfig config, String prefix, int valid) throws Exception {
        Map<String, Integer> sent = new HashMap<>();
        try (ResultPublisher publisher = ResultPublisher.builder().clientConfig(kafka.clientConfig())
                .topic(config.topics().submitted()).build();
             ResultPublisher avro = ResultPublisher.builder().clientConfig(kafka.clientConfig())
                .topic(config.topics().submitted()).format(WireFormat.AVRO).build();
             KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(kafka.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            List<CompletableFuture<?>> acks = new ArrayList<>();
            for (int i = 0; i < valid; i++) {
                String id = prefix + "valid-" + i;
                ResultPublisher p = i % 2 == 0 ? publisher : avro;
                acks.add(p.publish(id, true, "{\"i\":" + i + "}", null));
                if (i % 5 == 0) {
                    acks.add(p.publish(id, true, "{\"i\": " + i + ".0}", null)); // duplicate
                    sent.merge("duplicate", 1, Integer::sum);
                }
                if (i % 5 == 1) {
                    acks.add(p.publish(id, true, "{\"i\":-" + i + "}", null)); // conflict
                    sent.merge("conflict", 1, Integer::sum);
                }
                if (i % 5 == 2) {
                    byte[] key = (prefix + "tampered-" + i).getBytes(StandardCharsets.UTF_8);
                    String json = new String(EnvelopeWriter.toJson(
                            publisher.prepare(prefix + "tampered-" + i, true, "{\"i\":1}", null).signedBy(Signer.v1(config.policy()))),
                            StandardCharsets.UTF_8).replace("{\"i\":1}", "{\"i\":2}");
                    acks.add(send(raw, new ProducerRecord<>(config.topics().submitted(), key, json.getBytes(StandardCharsets.UTF_8))));
                    sent.merge("tampered", 1, Integer::sum);
                }
                if (i % 5 == 3) {
                    String id2 = prefix + "unmarked-" + i;
                    acks.add(send(raw, new ProducerRecord<>(config.topics().submitted(), id2.getBytes(StandardCharsets.UTF_8),
                            ("{\"job_id\":\"" + id2 + "\",\"ok\":true}").getBytes(StandardCharsets.UTF_8))));
                    sent.merge("unmarked", 1, Integer::sum);
                }
                if (i % 5 == 4) {
                    acks.add(send(raw, new ProducerRecord<>(config.topics().submitted(),
                            ("garbage-" + i).getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xC3, 0x01, 7, 7, 7})));
                    sent.merge("garbage", 1, Integer::sum);
                }
            }
            awaitAcks(acks);
        }
        sent.put("valid", valid);
        return sent;
    }

    /** Sends with a callback: no thread waits on the send (a pool thread blocked on it can starve others). */
    private static CompletableFuture<RecordMetadata> send(KafkaProducer<byte[], byte[]> producer, ProducerRecord<byte[], byte[]> record) {
        CompletableFuture<RecordMetadata> ack = new CompletableFuture<>();
        producer.send(record, (metadata, error) -> {
            if (error != null) {
                ack.completeExceptionally(error);
            } else {
                ack.complete(metadata);
            }
        });
        return ack;
    }

    /**
     * Waits for every send past the producers' own delivery timeout, so a send that cannot complete fails with
     * the client's reason; if the acks still do not come, says how many are outstanding.
     */
    private static void awaitAcks(List<CompletableFuture<?>> acks) throws Exception {
        try {
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(150, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            long pending = acks.stream().filter(a -> !a.isDone()).count();
            Thread.getAllStackTraces().forEach((thread, stack) -> { // what the clients were doing, for the report
                if (thread.getName().contains("producer") || thread.getName().contains("ForkJoinPool")) {
                    System.err.println(thread + "\n  at " + String.join("\n  at ", java.util.Arrays.stream(stack).map(String::valueOf).toList()));
                }
            });
            throw new AssertionError(pending + " of " + acks.size() + " sends neither acknowledged nor failed within 150 s", e);
        }
    }

    @Test
    void shouldGiveExactCountsForAMixedStream(@TempDir Path state) throws Exception {
        // an audit sink that is not there: the proof endpoint must say so, not hang or fail
        VerifierConfig config = config(".mixed").withAuditUrl("http://127.0.0.1:" + io.sheratan.testing.Processes.freePort());
        Map<String, Integer> sent = sendMixed(config, "m-", 2000);
        int expectedAudit = sent.get("conflict") + sent.get("tampered") + sent.get("unmarked") + sent.get("garbage");

        try (VerifierApp app = new VerifierApp(config, kafka.clientConfig(), state, "127.0.0.1").start(false)) {
            List<ConsumerRecord<byte[], byte[]>> verified = readAll(config.topics().verified(), 2000);
            List<ConsumerRecord<byte[], byte[]>> audit = readAll(config.topics().audit(), expectedAudit);

            assertThat(verified).hasSize(2000);
            assertThat(verified.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).distinct()).hasSize(2000);
            assertThat(audit).hasSize(expectedAudit);
            assertThat(app.registry().find("sheratan_results_duplicate_total").counter().count()).isEqualTo(sent.get("duplicate").doubleValue());
            assertThat(app.registry().find("sheratan_results_rejected_total").tag("reason", "conflict").counter().count())
                    .isEqualTo(sent.get("conflict").doubleValue());
            assertThat(app.registry().find("sheratan_results_rejected_total").tag("reason", "malformed").counter().count())
                    .isEqualTo(sent.get("garbage").doubleValue());

            assertThat(get(app.httpPort(), "/results/m-valid-7").statusCode()).isEqualTo(200);
            assertThat(get(app.httpPort(), "/results/m-tampered-7").statusCode()).isEqualTo(404);
            HttpResponse<String> proof = get(app.httpPort(), "/results/m-valid-7/proof");
            assertThat(proof.statusCode()).isEqualTo(503);
            assertThat(proof.body()).contains("audit sink unreachable");
            assertThat(get(app.httpPort(), "/results/m-tampered-7/proof").statusCode()).isEqualTo(404);
            String metrics = get(app.httpPort(), "/metrics").body();
            assertThat(metrics).contains("sheratan_results_verified_total", "sheratan_results_rejected_total{reason=\"sha_mismatch\"}",
                    "sheratan_results_duplicate_total", "integrity_verified_1m", "integrity_fail_1m", "integrity_missing_1m",
                    "kafka_consumer_fetch_manager_records_lag");
            assertThat(get(app.httpPort(), "/health/ready").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldAnswerFromEitherInstanceAndLoseNothingWhenOneStops(@TempDir Path stateA, @TempDir Path stateB) throws Exception {
        VerifierConfig config = config(".pair");
        try (VerifierApp a = new VerifierApp(config, kafka.clientConfig(), stateA, "127.0.0.1").start(false)) {
            VerifierApp b = new VerifierApp(config, kafka.clientConfig(), stateB, "127.0.0.1").start(false);
            try {
                assertThat(a.awaitRunning(Duration.ofSeconds(60))).isTrue();
                assertThat(b.awaitRunning(Duration.ofSeconds(60))).isTrue();
                sendMixed(config, "p1-", 300);
                assertThat(readAll(config.topics().verified(), 300)).hasSize(300);
                awaitQueryable(a, b, "p1-valid-", 300);
            } finally {
                b.close();
            }
            sendMixed(config, "p2-", 300);
            List<ConsumerRecord<byte[], byte[]>> verified = readAll(config.topics().verified(), 600);
            assertThat(verified).hasSize(600);
            assertThat(verified.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).distinct()).hasSize(600);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // the tasks moved: the table catches up within it
            for (int i = 0; i < 300; i += 37) {
                for (String id : List.of("p1-valid-" + i, "p2-valid-" + i)) {
                    int status = get(a.httpPort(), "/results/" + id).statusCode();
                    while (status != 200 && System.nanoTime() < deadline) {
                        Thread.sleep(200);
                        status = get(a.httpPort(), "/results/" + id).statusCode();
                    }
                    assertThat(status).as(id).isEqualTo(200);
                }
            }
        }
    }

    @Test
    void shouldTreatTheSameRecordReplayedAfterARestartAsADuplicate(@TempDir Path first, @TempDir Path fresh) throws Exception {
        VerifierConfig config = config(".replay");
        byte[] key = "replayed-1".getBytes(StandardCharsets.UTF_8);
        byte[] signed;
        try (ResultPublisher publisher = ResultPublisher.builder().clientConfig(kafka.clientConfig())
                .topic(config.topics().submitted()).build()) {
            signed = EnvelopeWriter.toJson(publisher.prepare("replayed-1", true, "{\"v\":1}", null).signedBy(Signer.v1(config.policy())));
        }
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(kafka.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(config.topics().submitted(), key, signed)).get(60, TimeUnit.SECONDS);
            try (VerifierApp app = new VerifierApp(config, kafka.clientConfig(), first, "127.0.0.1").start(false)) {
                assertThat(readAll(config.topics().verified(), 1)).hasSize(1);
            }
            // a restarted verifier on an empty state directory: the store comes back from its changelog
            try (VerifierApp app = new VerifierApp(config, kafka.clientConfig(), fresh, "127.0.0.1").start(false)) {
                raw.send(new ProducerRecord<>(config.topics().submitted(), key, signed)).get(60, TimeUnit.SECONDS);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (System.nanoTime() < deadline && app.registry().find("sheratan_results_duplicate_total").counter().count() < 1) {
                    Thread.sleep(100);
                }
                assertThat(app.registry().find("sheratan_results_duplicate_total").counter().count()).isEqualTo(1.0);
                assertThat(readAll(config.topics().verified(), 1)).as("still one verified record").hasSize(1);
                assertThat(endOffsets(config.topics().audit())).as("a duplicate is not an audit event: nothing was ever written there").isZero();
            }
        }
    }

    @Test
    void shouldKeepAVerifiedResultThroughForeignRecordsAndARestoreOnAnEmptyStateDirectory(@TempDir Path first, @TempDir Path fresh)
            throws Exception {
        VerifierConfig config = config(".foreign");
        byte[] key = "kept-1".getBytes(StandardCharsets.UTF_8);
        byte[] signed;
        byte[] forged;
        try (ResultPublisher publisher = ResultPublisher.builder().clientConfig(kafka.clientConfig())
                .topic(config.topics().submitted()).build()) {
            signed = EnvelopeWriter.toJson(publisher.prepare("kept-1", true, "{\"v\":1}", null).signedBy(Signer.v1(config.policy())));
            io.sheratan.envelope.Submission other = publisher.prepare("kept-1", true, "{\"v\":666}", null).signedBy(Signer.v1(config.policy()));
            forged = verifiedRecord("kept-1", "{\"v\":666}", other.coreSha256(), java.time.Instant.now());
        }
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(kafka.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(config.topics().submitted(), key, signed)).get(60, TimeUnit.SECONDS);
            String stored;
            try (VerifierApp app = new VerifierApp(config, kafka.clientConfig(), first, "127.0.0.1").start(false)) {
                List<ConsumerRecord<byte[], byte[]>> written = readAll(config.topics().verified(), 1);
                assertThat(written).hasSize(1);
                stored = awaitResult(http, app.httpPort(), "kept-1");
                assertThat(stored).as("the verified result is served").isNotNull().contains("\\\"v\\\":1");
                // the verifier's own record with its core hash kept and another result: public parts, forged content
                var codec = io.sheratan.avro.codec.AvroCodec.verifiedResults();
                byte[] sameHash = codec.encode(io.sheratan.avro.VerifiedResult.newBuilder(codec.decode(written.get(0).value()))
                        .setResult("{\"v\":666}").build());
                raw.send(new ProducerRecord<>(config.topics().verified(), key, null)).get(60, TimeUnit.SECONDS);
                raw.send(new ProducerRecord<>(config.topics().verified(), key, forged)).get(60, TimeUnit.SECONDS);
                raw.send(new ProducerRecord<>(config.topics().verified(), key, "junk".getBytes(StandardCharsets.UTF_8))).get(60, TimeUnit.SECONDS);
                raw.send(new ProducerRecord<>(config.topics().verified(), key, sameHash)).get(60, TimeUnit.SECONDS);
                readAll(config.topics().verified(), 5);
                Thread.sleep(2_000);
                assertThat(awaitResult(http, app.httpPort(), "kept-1")).as("running: nothing foreign taken").isEqualTo(stored);
            }
            // a restart on an empty state directory: the table is restored from the topic, foreign records and all
            try (VerifierApp app = new VerifierApp(config, kafka.clientConfig(), fresh, "127.0.0.1").start(false)) {
                assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
                java.net.http.HttpResponse<String> restored = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + app.httpPort() + "/results/kept-1")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                // the tombstone and the junk are dropped by the restore; the last foreign value, the copy with the core hash
                // kept, is restored (as compaction would keep it) but never served: the verifier's dedup entry keeps the
                // hash of the record it wrote, which is not this one
                assertThat(restored.body()).as("never the forged result").doesNotContain("666");
                assertThat(restored.statusCode()).isEqualTo(503);
                assertThat(restored.body()).contains("not the result the verifier recorded");
            }

        }
    }

    /** The body of GET /results/{jobId} once it answers 200 (null after 60 s without). */
    private static String awaitResult(java.net.http.HttpClient http, int port, String jobId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            java.net.http.HttpResponse<String> response = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + port + "/results/" + jobId)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                return response.body();
            }
            Thread.sleep(200);
        }
        return null;
    }

    @Test
    void shouldAdoptResultsVerifiedByAnEarlierReleaseFromTheVerifiedTopic(@TempDir Path state) throws Exception {
        // an earlier release kept whole results in a store of its own: all this one finds of them is
        // the verified topic, which its query table restores; dedup must adopt those job ids
        VerifierConfig config = config(".adopt");
        io.sheratan.envelope.Submission first;
        byte[] same;
        byte[] other;
        try (ResultPublisher publisher = ResultPublisher.builder().clientConfig(kafka.clientConfig())
                .topic(config.topics().submitted()).build()) {
            first = publisher.prepare("old-1", true, "{\"v\":1}", null).signedBy(Signer.v1(config.policy()));
            same = EnvelopeWriter.toJson(publisher.prepare("old-1", true, "{ \"v\": 1.0 }", null).signedBy(Signer.v1(config.policy())));
            other = EnvelopeWriter.toJson(publisher.prepare("old-1", true, "{\"v\":2}", null).signedBy(Signer.v1(config.policy())));
        }
        byte[] earlier = verifiedRecord("old-1", "{\"v\":1}", first.coreSha256(), java.time.Instant.now().minusSeconds(60));
        byte[] key = "old-1".getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(kafka.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(config.topics().verified(), key, earlier)).get(60, TimeUnit.SECONDS);
            // a foreign record under the marker's key (a key no job id can be) is not adopted over the marker
            String marker = io.sheratan.verifier.internals.VerifyProcessor.ADOPTION_DONE;
            int markerPartition = raw.send(new ProducerRecord<>(config.topics().verified(), marker.getBytes(StandardCharsets.UTF_8),
                    verifiedRecord(marker, "{\"v\":666}", first.coreSha256(), java.time.Instant.now().minusSeconds(60))))
                    .get(60, TimeUnit.SECONDS).partition();
            try (VerifierApp app = new VerifierApp(config, kafka.clientConfig(), state, "127.0.0.1").start(false)) {
                raw.send(new ProducerRecord<>(config.topics().submitted(), key, same)).get(60, TimeUnit.SECONDS);
                raw.send(new ProducerRecord<>(config.topics().submitted(), key, other)).get(60, TimeUnit.SECONDS);
                List<ConsumerRecord<byte[], byte[]>> audit = readAll(config.topics().audit(), 1);
                assertThat(audit).hasSize(1);
                assertThat(io.sheratan.avro.codec.AvroCodec.auditEvents().decode(audit.get(0).value()).getReason()).isEqualTo("conflict");
                assertThat(readAll(config.topics().verified(), 2)).as("only the earlier release's record and the foreign one").hasSize(2);
                assertThat(app.registry().find("sheratan_results_duplicate_total").counter().count()).isEqualTo(1.0);
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort()
                        + VerifierHttp.path("old-1"))).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(answer.statusCode()).isEqualTo(200);
                assertThat(answer.body()).contains(first.coreSha256());
                byte[] markerEntry = app.streams().store(org.apache.kafka.streams.StoreQueryParameters.fromNameAndType(VerifierTopology.DEDUP_STORE,
                        org.apache.kafka.streams.state.QueryableStoreTypes.<String, byte[]>keyValueStore()).withPartition(markerPartition)).get(marker);
                assertThat(markerEntry).as("the marker stays the marker").isNotNull().hasSize(1);
            }
        }
    }

    /**
     * Adoption happens once per task, at its first start: a later start whose dedup store restores empty of job
     * ids (none verified yet, or all purged) does not adopt what a foreign writer put on the verified topic.
     */
    @Test
    void shouldNotAdoptAForeignRecordOnALaterStartWithNoJobIdsInDedup(@TempDir Path first, @TempDir Path fresh) throws Exception {
        VerifierConfig config = config(".adopt-once");
        byte[] key = "later-1".getBytes(StandardCharsets.UTF_8);
        byte[] real;
        byte[] forged;
        io.sheratan.envelope.Submission realCore;
        try (ResultPublisher publisher = ResultPublisher.builder().clientConfig(kafka.clientConfig())
                .topic(config.topics().submitted()).build()) {
            realCore = publisher.prepare("later-1", true, "{\"v\":1}", null).signedBy(Signer.v1(config.policy()));
            real = EnvelopeWriter.toJson(realCore);
            io.sheratan.envelope.Submission other = publisher.prepare("later-1", true, "{\"v\":666}", null).signedBy(Signer.v1(config.policy()));
            forged = verifiedRecord("later-1", "{\"v\":666}", other.coreSha256(), java.time.Instant.now());
        }
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(kafka.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            try (VerifierApp app = new VerifierApp(config, kafka.clientConfig(), first, "127.0.0.1").start(false)) {
                assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue(); // the first start: nothing to adopt
                Thread.sleep(1_000); // past a commit of the tasks' first start
            }
            raw.send(new ProducerRecord<>(config.topics().verified(), key, forged)).get(60, TimeUnit.SECONDS);
            try (VerifierApp app = new VerifierApp(config, kafka.clientConfig(), fresh, "127.0.0.1").start(false)) {
                assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
                HttpResponse<String> before = get(app.httpPort(), VerifierHttp.path("later-1"));
                assertThat(before.body()).as("the restored foreign record is not served").doesNotContain("666");
                assertThat(before.statusCode()).as("no dedup entry vouches for it: not found").isEqualTo(404);
                raw.send(new ProducerRecord<>(config.topics().submitted(), key, real)).get(60, TimeUnit.SECONDS);
                String answer = awaitResult(http, app.httpPort(), "later-1");
                assertThat(answer).as("the job is verified: no adopted entry made it a conflict").isNotNull().contains(realCore.coreSha256());
                var conflicts = app.registry().find("sheratan_results_rejected_total").tag("reason", "conflict").counter();
                assertThat(conflicts == null ? 0.0 : conflicts.count()).as("no conflict").isZero();
            }
        }
    }

    /** A first start killed before its tasks ran leaves its offsets pending: the next start adopts in its place. */
    @Test
    void shouldAdoptOnTheStartAfterAFirstStartThatStoppedBeforeItsTasksRan(@TempDir Path state) throws Exception {
        VerifierConfig config = config(".adopt-resumed");
        io.sheratan.envelope.Submission first;
        byte[] same;
        try (ResultPublisher publisher = ResultPublisher.builder().clientConfig(kafka.clientConfig())
                .topic(config.topics().submitted()).build()) {
            first = publisher.prepare("resumed-1", true, "{\"v\":1}", null).signedBy(Signer.v1(config.policy()));
            same = EnvelopeWriter.toJson(publisher.prepare("resumed-1", true, "{ \"v\": 1.0 }", null).signedBy(Signer.v1(config.policy())));
        }
        byte[] earlier = verifiedRecord("resumed-1", "{\"v\":1}", first.coreSha256(), java.time.Instant.now().minusSeconds(60));
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(kafka.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(config.topics().verified(), bytes("resumed-1"), earlier)).get(60, TimeUnit.SECONDS);
            try (Admin admin = Admin.create(kafka.clientConfig())) {
                // what the first start committed before it was killed
                Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets = new HashMap<>();
                io.sheratan.kafka.Offsets.ends(admin, config.topics().verified()).forEach((partition, end) ->
                        offsets.put(partition, new org.apache.kafka.clients.consumer.OffsetAndMetadata(end, VerifierApp.ADOPTION_PENDING)));
                admin.alterConsumerGroupOffsets(config.applicationId(), offsets).all().get(60, TimeUnit.SECONDS);
            }
            try (VerifierApp app = new VerifierApp(config, kafka.clientConfig(), state, "127.0.0.1").start(false)) {
                raw.send(new ProducerRecord<>(config.topics().submitted(), bytes("resumed-1"), same)).get(60, TimeUnit.SECONDS);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (app.registry().find("sheratan_results_duplicate_total").counter().count() < 1 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(app.registry().find("sheratan_results_duplicate_total").counter().count())
                        .as("the earlier release's job was adopted: a resubmission is a duplicate").isEqualTo(1.0);
                HttpResponse<String> answer = get(app.httpPort(), VerifierHttp.path("resumed-1"));
                assertThat(answer.statusCode()).isEqualTo(200);
                assertThat(answer.body()).contains(first.coreSha256());
            }
        }
    }

    /**
     * Only the first start on the verified topic adopts: a later start whose dedup store restores empty and
     * without its marker (a changelog lost, or a release before the marker whose entries were all purged)
     * adopts nothing, so a foreign record the table restores is neither served nor makes the job a conflict.
     */
    @Test
    void shouldNotAdoptOnALaterStartEvenWhenTheDedupStoreLostItsMarker(@TempDir Path first, @TempDir Path fresh) throws Exception {
        VerifierConfig config = config(".adopt-gate");
        io.sheratan.envelope.Submission laterCore;
        byte[] forged;
        try (ResultPublisher publisher = ResultPublisher.builder().clientConfig(kafka.clientConfig())
                .topic(config.topics().submitted()).build()) {
            laterCore = publisher.prepare("gate-2", true, "{\"v\":2}", null).signedBy(Signer.v1(config.policy()));
            io.sheratan.envelope.Submission other = publisher.prepare("gate-2", true, "{\"v\":666}", null).signedBy(Signer.v1(config.policy()));
            forged = verifiedRecord("gate-2", "{\"v\":666}", other.coreSha256(), java.time.Instant.now());
        }
        String changelog = config.applicationId() + "-" + VerifierTopology.DEDUP_STORE + "-changelog";
        int partitions;
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            partitions = admin.describeTopics(List.of(config.topics().verified())).allTopicNames().get(60, TimeUnit.SECONDS)
                    .get(config.topics().verified()).partitions().size();
        }
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(kafka.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
            int partition;
            long forgedOffset;
            String real;
            try (VerifierApp app = new VerifierApp(config, kafka.clientConfig(), first, "127.0.0.1").start(false)) {
                assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
                // a foreign writer's record, then one of the verifier's in the same partition: the table's committed
                // position passes the foreign record, so a later start restores it into the table
                var sent = raw.send(new ProducerRecord<>(config.topics().verified(), bytes("gate-2"), forged)).get(60, TimeUnit.SECONDS);
                partition = sent.partition();
                forgedOffset = sent.offset();
                String inPartition = null;
                for (int i = 0; inPartition == null; i++) {
                    String id = "gate-1-" + i;
                    if (org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(bytes(id))) % partitions == partition) {
                        inPartition = id;
                    }
                }
                real = inPartition;
                try (ResultPublisher publisher = ResultPublisher.builder().clientConfig(kafka.clientConfig())
                        .topic(config.topics().submitted()).build()) {
                    raw.send(new ProducerRecord<>(config.topics().submitted(), bytes(real),
                            EnvelopeWriter.toJson(publisher.prepare(real, true, "{\"v\":1}", null).signedBy(Signer.v1(config.policy())))))
                            .get(60, TimeUnit.SECONDS);
                }
                assertThat(awaitResult(http, app.httpPort(), real)).isNotNull();
                Thread.sleep(1_000); // past a commit of the table's position on the verified topic
            }
            try (Admin admin = Admin.create(kafka.clientConfig())) {
                var committed = admin.listConsumerGroupOffsets(config.applicationId()).partitionsToOffsetAndMetadata().get(60, TimeUnit.SECONDS)
                        .get(new TopicPartition(config.topics().verified(), partition));
                assertThat(committed).as("the table's position on the verified topic is committed").isNotNull();
                assertThat(committed.offset()).as("past the foreign record").isGreaterThan(forgedOffset);
            }
            // the task's dedup store loses its one job and its marker
            raw.send(new ProducerRecord<>(changelog, partition, bytes(real), null)).get(60, TimeUnit.SECONDS);
            raw.send(new ProducerRecord<>(changelog, partition, bytes(io.sheratan.verifier.internals.VerifyProcessor.ADOPTION_DONE), null))
                    .get(60, TimeUnit.SECONDS);
            try (VerifierApp app = new VerifierApp(config, kafka.clientConfig(), fresh, "127.0.0.1").start(false)) {
                assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
                HttpResponse<String> before = get(app.httpPort(), VerifierHttp.path("gate-2"));
                assertThat(before.body()).as("the foreign record was not adopted").doesNotContain("666");
                assertThat(before.statusCode()).isEqualTo(404);
                raw.send(new ProducerRecord<>(config.topics().submitted(), bytes("gate-2"), EnvelopeWriter.toJson(laterCore))).get(60, TimeUnit.SECONDS);
                String answer = awaitResult(http, app.httpPort(), "gate-2");
                assertThat(answer).as("the job is verified: no adopted entry made it a conflict").isNotNull().contains(laterCore.coreSha256());
                var conflicts = app.registry().find("sheratan_results_rejected_total").tag("reason", "conflict").counter();
                assertThat(conflicts == null ? 0.0 : conflicts.count()).as("no conflict").isZero();
            }
        }
    }

    /** A verified record as the verifier's schema has it: what an earlier release, or a foreign writer, puts on the verified topic. */
    private static byte[] verifiedRecord(String jobId, String result, String sha256, java.time.Instant verifiedAt) {
        return io.sheratan.avro.codec.AvroCodec.verifiedResults().encode(io.sheratan.avro.VerifiedResult.newBuilder()
                .setJobId(jobId).setOk(true).setResult(result).setSha256(sha256).setMode("sha256")
                .setVerifiedAt(verifiedAt).setSourcePartition(0).setSourceOffset(0).build());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Both instances answer 200 for keys either owns (the other forwards). */
    private void awaitQueryable(VerifierApp a, VerifierApp b, String prefix, int count) throws Exception {
        for (int i = 0; i < count; i += 29) {
            String path = VerifierHttp.path(prefix + i);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int sa = 0;
            int sb = 0;
            while (System.nanoTime() < deadline && (sa != 200 || sb != 200)) {
                sa = get(a.httpPort(), path).statusCode();
                sb = get(b.httpPort(), path).statusCode();
                if (sa != 200 || sb != 200) {
                    Thread.sleep(100);
                }
            }
            assertThat(sa).as("instance A for " + prefix + i).isEqualTo(200);
            assertThat(sb).as("instance B for " + prefix + i).isEqualTo(200);
        }
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static long endOffsets(String topic) throws Exception {
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < 3; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            return admin.listOffsets(latest).all().get().values().stream().mapToLong(i -> i.offset()).sum();
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) {
        return TopicReader.readAll(kafka.clientConfig(), topic, expected, r -> true, Duration.ofSeconds(90));
    }
}
