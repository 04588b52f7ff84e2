package io.sheratan.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.kafka.Topics;
import io.sheratan.testing.EmbeddedKafkaExtension;
import io.sheratan.testing.TopicReader;
import io.sheratan.tlog.Checkpoint;
import io.sheratan.tlog.InclusionProof;
import io.sheratan.tlog.Merkle;
import io.sheratan.tlog.Note;
import io.sheratan.tlog.NoteKeys;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The audit log as a transparency log on a real broker: audit events and verified results become
 * entries; the checkpoint served, written and published verifies under the log's verifier key alone;
 * inclusion proofs by index, event id and job id verify offline; a later checkpoint, also after a
 * restart of the sink, is proved consistent with an earlier one.
 */
class TransparencyIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = new EmbeddedKafkaExtension();
    private final HttpClient http = HttpClient.newHttpClient();


    private static void produce(Topics topics, int from, int to) throws Exception {
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.put("enable.idempotence", true);
        config.put("max.in.flight.requests.per.connection", 1);
        AvroCodec<AuditEvent> audit = AvroCodec.auditEvents();
        AvroCodec<VerifiedResult> verified = AvroCodec.verifiedResults();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = from; i < to; i++) {
                String job = "job-" + i;
                if (i % 2 == 0) {
                    VerifiedResult result = VerifiedResult.newBuilder().setJobId(job).setOk(true).setResult("{\"n\":" + i + "}")
                            .setSha256("%064x".formatted(i)).setMode("ed25519").setKeyId("worker-key").setNodeId("node-1")
                            .setVerifiedAt(Instant.ofEpochMilli(1_700_000_000_000L + i)).setSourcePartition(0).setSourceOffset(i)
                            .setCanonicalVersion(2).setNodeAttested(true).build();
                    producer.send(new ProducerRecord<>(topics.verified(), job.getBytes(StandardCharsets.UTF_8), verified.encode(result)));
                } else {
                    AuditEvent event = AuditEvent.newBuilder().setEventId(topics.submitted() + "/1/" + i).setEventType("RESULT_INTEGRITY_FAIL")
                            .setReason("sha_mismatch").setJobId(job).setTs(Instant.ofEpochMilli(1_700_000_000_000L + i)).build();
                    producer.send(new ProducerRecord<>(topics.audit(), job.getBytes(StandardCharsets.UTF_8), audit.encode(event)));
                }
            }
            producer.flush();
        }
    }

    private String get(int port, String path, int status) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(status);
        return response.body();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** Runs {@code scripts/tlog-verify.py} (Python standard library only) and returns its exit code. */
    private static int independent(String what, String key, Path... files) throws Exception {
        Path script = Path.of(System.getProperty("user.dir")).getParent().resolve("scripts/tlog-verify.py");
        List<String> command = new java.util.ArrayList<>(List.of("python3", script.toString(), what));
        for (Path f : files) {
            command.add(f.toString());
        }
        command.add("--key");
        command.add(key);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        System.out.println("tlog-verify.py " + what + ": " + output.strip());
        return process.exitValue();
    }

    private static long signedSize(AuditSinkApp app) {
        TransparencyLog.Signed signed = app.tree().latest();
        return signed == null ? 0 : signed.checkpoint().size();
    }

    @Test
    void shouldProveEveryEntryAndEveryVerifiedJobToAnAuditorWithTheVerifierKeyAlone(@TempDir Path dir) throws Exception {
        Topics topics = Topics.defaults().withSuffix(".tlog");
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(topics);
        }
        produce(topics, 0, 300);
        String firstNote;
        String verifierKey;
        try (AuditSinkApp app = new AuditSinkApp(kafka.clientConfig(), topics, dir, 0).start()) {
            await(() -> signedSize(app) == 300, "a checkpoint of 300 entries");
            verifierKey = app.tree().verifier().encoded();
            NoteKeys.Verifier auditor = NoteKeys.parseVerifier(verifierKey);
            int port = app.httpPort();

            firstNote = get(port, "/audit/checkpoint", 200);
            Checkpoint first = Note.openCheckpoint(firstNote, auditor);
            assertThat(first.size()).isEqualTo(300);
            assertThat(get(port, "/audit/tlog/checkpoint", 200)).isEqualTo(firstNote);

            // a verified job: its RESULT_VERIFIED entry, never the result
            String jobProof = get(port, "/audit/proof?job_id=job-42", 200);
            InclusionProof byJob = InclusionProof.parse(jobProof);
            assertThat(byJob.verify(auditor, null).size()).isEqualTo(300);
            JsonNode entry = ChainLog.JSON.readTree(byJob.extra());
            assertThat(entry.path("event_type").asText()).isEqualTo("RESULT_VERIFIED");
            assertThat(entry.path("job_id").asText()).isEqualTo("job-42");
            assertThat(entry.path("sha256").asText()).isEqualTo("%064x".formatted(42));
            assertThat(entry.path("event_id").asText()).isEqualTo(topics.submitted() + "/0/42");
            assertThat(entry.has("result")).isFalse();
            assertThat(entry.path("canonical_version").asInt()).isEqualTo(2);
            assertThat(entry.path("node_attested").asBoolean()).as("a signed node identity, told apart in the log too").isTrue();

            // an audit event by its id, and any entry by index
            String eventId = URLEncoder.encode(topics.submitted() + "/1/43", StandardCharsets.UTF_8);
            InclusionProof byEvent = InclusionProof.parse(get(port, "/audit/proof?event_id=" + eventId, 200));
            byEvent.verify(auditor, null);
            assertThat(ChainLog.JSON.readTree(byEvent.extra()).path("reason").asText()).isEqualTo("sha_mismatch");
            InclusionProof byIndex = InclusionProof.parse(get(port, "/audit/proof?index=299", 200));
            byIndex.verify(auditor, null);
            byte[] forged = "{\"event_type\":\"RESULT_VERIFIED\",\"job_id\":\"job-42\"}".getBytes(StandardCharsets.UTF_8);
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> byIndex.verify(auditor, forged))).hasMessageContaining("does not bind");

            // an implementation written apart from this one, in Python, from the public specs
            Path proofFile = Files.writeString(dir.resolve("job-42.tlog-proof"), jobProof);
            assertThat(independent("proof", verifierKey, proofFile)).isZero();
            Path forgedProof = Files.writeString(dir.resolve("forged.tlog-proof"), jobProof.replace("index ", "index 1"));
            assertThat(independent("proof", verifierKey, forgedProof)).isEqualTo(1);

            get(port, "/audit/proof?job_id=job-43", 404); // rejected, never verified
            get(port, "/audit/proof?index=300", 404);
            get(port, "/audit/proof", 400);
            get(port, "/audit/tlog/tile/0/000.p/255", 404);
            get(port, "/audit/tlog/../log-key.pem", 404);
            assertThat(get(port, "/metrics", 200)).contains("sheratan_audit_tree_size 300.0").contains("sheratan_audit_checkpoint_age_seconds");

            produce(topics, 300, 450);
            await(() -> signedSize(app) == 450, "a checkpoint of 450 entries");
        }

        // restarted: the next checkpoint extends the last one
        produce(topics, 450, 520);
        try (AuditSinkApp app = new AuditSinkApp(kafka.clientConfig(), topics, dir, 0).start()) {
            await(() -> signedSize(app) == 520, "a checkpoint of 520 entries after a restart");
            NoteKeys.Verifier auditor = NoteKeys.parseVerifier(verifierKey);
            assertThat(app.tree().verifier().encoded()).as("the same log key").isEqualTo(verifierKey);
            String latestNote = get(app.httpPort(), "/audit/checkpoint", 200);
            Checkpoint latest = Note.openCheckpoint(latestNote, auditor);
            Checkpoint first = Note.openCheckpoint(firstNote, auditor);
            List<byte[]> proof = InclusionProof.parseConsistency(get(app.httpPort(), "/audit/consistency?old=300", 200));
            assertThat(Merkle.verifyConsistency(first.size(), latest.size(), first.root(), latest.root(), proof)).isTrue();
            assertThat(Merkle.verifyConsistency(first.size(), latest.size(), latest.root(), latest.root(), proof)).isFalse();
            Path oldFile = Files.writeString(dir.resolve("old.checkpoint"), firstNote);
            Path newFile = Files.writeString(dir.resolve("new.checkpoint"), latestNote);
            Path proofFile = Files.writeString(dir.resolve("consistency"), InclusionProof.consistencyText(proof));
            assertThat(independent("consistency", verifierKey, oldFile, newFile, proofFile)).isZero();
            assertThat(independent("consistency", verifierKey, newFile, oldFile, proofFile)).isEqualTo(1);
            get(app.httpPort(), "/audit/consistency?old=300&new=521", 400);
        }

        // every checkpoint was published, in order, each extending the one before
        List<ConsumerRecord<byte[], byte[]>> published = TopicReader.readAll(kafka.clientConfig(), topics.checkpoints(), 3, r -> true, Duration.ofSeconds(30));
        long previous = 0;
        for (ConsumerRecord<byte[], byte[]> record : published) {
            Checkpoint c = Note.openCheckpoint(new String(record.value(), StandardCharsets.UTF_8), NoteKeys.parseVerifier(verifierKey));
            assertThat(c.size()).isGreaterThan(previous);
            previous = c.size();
        }
        assertThat(previous).isEqualTo(520);
        ChainVerifier.Report chain = ChainVerifier.verify(dir);
        assertThat(chain.intact()).as(chain.problem()).isTrue();
        assertThat(chain.lines()).isEqualTo(520);
    }
}
