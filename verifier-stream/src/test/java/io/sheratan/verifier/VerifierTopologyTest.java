package io.sheratan.verifier;

import io.sheratan.avro.codec.OutputFormat;
import io.sheratan.metrics.ResultMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.EnvelopeWriter;
import io.sheratan.envelope.IntegrityMark;
import io.sheratan.envelope.Submission;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.envelope.Claims;
import io.sheratan.integrity.Keyring;
import io.sheratan.integrity.KeyringFixture;
import io.sheratan.integrity.Signer;
import io.sheratan.kafka.Topics;
import io.sheratan.verifier.internals.PoisonGuard;
import io.sheratan.verifier.internals.VerifyProcessor;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import io.sheratan.verifier.internals.OutputRefusedHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import io.sheratan.avro.ResultSubmission;
import io.sheratan.integrity.Marks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

/** One test per row of DESIGN.md section 4, and the cases around dedup and expiry. */
class VerifierTopologyTest {

    private static final IntegrityPolicy SHA256 = IntegrityPolicy.defaults();
    private static final IntegrityPolicy HMAC = IntegrityPolicy.fromEnv(Map.of(
            "SHERATAN_RESULT_INTEGRITY_MODE", "hmac", "SHERATAN_RESULT_HMAC_KEY", "k1", "SHERATAN_RESULT_HMAC_KEY_ID", "key-1"));
    private static final Instant START = Instant.parse("2026-11-25T12:00:00Z");

    private final EnvelopeReader reader = new EnvelopeReader(CanonicalLimits.DEFAULTS);
    private final AvroCodec<VerifiedResult> verifiedCodec = AvroCodec.verifiedResults();
    private final AvroCodec<AuditEvent> auditCodec = AvroCodec.auditEvents();
    private final AvroCodec<ResultSubmission> submissionCodec = AvroCodec.resultSubmissions();

    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> submitted;
    private TestOutputTopic<String, byte[]> verified;
    private TestOutputTopic<String, byte[]> audit;
    private SimpleMeterRegistry registry;

    @BeforeEach
    void start() {
        startWith(config(SHA256));
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private static VerifierConfig config(IntegrityPolicy policy) {
        return VerifierConfig.fromEnv(Map.of()).withPolicy(policy).withRetention(Duration.ofHours(1));
    }

    private void startWith(VerifierConfig config) {
        startWith(config, new PoisonGuard());
    }

    private void startWith(VerifierConfig config, PoisonGuard guard) {
        Keyring legacy = config.policy().legacyKeyring();
        startWith(config, guard, () -> legacy);
    }

    private Topics topicsInUse;

    private void startWith(VerifierConfig config, PoisonGuard guard, Supplier<Keyring> keyrings) {
        if (driver != null) {
            driver.close();
        }
        registry = new SimpleMeterRegistry();
        Topology topology = VerifierTopology.build(config, new ResultMetrics(registry), guard, keyrings);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "verifier-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(topology, props, START);
        Topics topics = config.topics();
        topicsInUse = topics;
        submitted = driver.createInputTopic(topics.submitted(), new ByteArraySerializer(), new ByteArraySerializer(), START, Duration.ofMillis(1));
        verified = driver.createOutputTopic(topics.verified(), new StringDeserializer(), new ByteArrayDeserializer());
        audit = driver.createOutputTopic(topics.audit(), new StringDeserializer(), new ByteArrayDeserializer());
    }

    // ------------------------------------------------------------------ helpers

    private Submission unsigned(String jobId, String result) {
        try {
            return reader.read(("{\"job_id\":\"" + jobId + "\",\"ok\":true,\"result\":" + result + "}").getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private byte[] signedJson(String jobId, String result, IntegrityPolicy policy) {
        return EnvelopeWriter.toJson(unsigned(jobId, result).signedBy(Signer.v1(policy)));
    }

    private byte[] signedAvro(String jobId, String result, IntegrityPolicy policy) {
        return submissionCodec.encode(EnvelopeWriter.toAvro(unsigned(jobId, result).signedBy(Signer.v1(policy))));
    }

    private void send(String jobId, byte[] value) {
        submitted.pipeInput(jobId == null ? null : jobId.getBytes(StandardCharsets.UTF_8), value);
    }

    private VerifiedResult onlyVerified() throws Exception {
        List<TestRecord<String, byte[]>> records = verified.readRecordsToList();
        assertThat(records).hasSize(1);
        return verifiedCodec.decode(records.get(0).value());
    }

    private AuditEvent onlyAudit() throws Exception {
        List<TestRecord<String, byte[]>> records = audit.readRecordsToList();
        assertThat(records).hasSize(1);
        return auditCodec.decode(records.get(0).value());
    }

    private void assertNothingElse() {
        assertThat(verified.isEmpty()).as("verified topic has nothing more").isTrue();
        assertThat(audit.isEmpty()).as("audit topic has nothing more").isTrue();
    }

    private double counter(String name, String... tags) {
        var search = registry.find(name);
        if (tags.length > 0) {
            search = search.tags(tags);
        }
        return search.counter().count();
    }

    /** The queryable table over the verified topic (the driver pipes the verifier's output back into it). */
    private KeyValueStore<String, byte[]> store() {
        return driver.getKeyValueStore(VerifierTopology.STORE);
    }

    /** The small dedup store. */
    private KeyValueStore<String, byte[]> ids() {
        return driver.getKeyValueStore(VerifierTopology.DEDUP_STORE);
    }

    // ------------------------------------------------------------------ DESIGN section 4, row by row

    @Test
    void shouldForwardAndRememberTheFirstVerifiedResult() throws Exception {
        send("job-1", signedJson("job-1", "{\"value\":42}", SHA256));

        byte[] written = verified.readRecordsToList().get(0).value();
        VerifiedResult result = verifiedCodec.decode(written);
        assertThat(result.getJobId()).isEqualTo("job-1");
        assertThat(result.getResult()).isEqualTo("{\"value\":42}");
        assertThat(result.getMode()).isEqualTo("sha256");
        assertThat(result.getSha256()).isEqualTo(unsigned("job-1", "{\"value\":42}").coreSha256());
        assertThat(store().get("job-1")).as("the table over the verified topic").isEqualTo(written);
        byte[] entry = ids().get("job-1");
        assertThat(entry).as("the dedup entry: version 2, core hash, time, hash of the record written").hasSize(73);
        assertThat(ids().get(VerifyProcessor.ADOPTION_DONE)).as("the task's one adoption is marked done").isNotNull();
        assertThat(entry[0]).isEqualTo((byte) 2);
        assertThat(java.util.HexFormat.of().formatHex(entry, 1, 33)).isEqualTo(result.getSha256());
        assertThat(java.nio.ByteBuffer.wrap(entry, 33, 8).getLong()).isEqualTo(result.getVerifiedAt().toEpochMilli());
        assertThat(java.util.Arrays.copyOfRange(entry, 41, 73)).isEqualTo(java.security.MessageDigest.getInstance("SHA-256").digest(written));
        assertThat(counter("sheratan_results_verified_total")).isEqualTo(1);
        assertNothingElse();
    }

    @Test
    void shouldKeepOutOfTheTableWhatIsNotAVerifiedResultForItsKey() throws Exception {
        var foreign = driver.createInputTopic(topicsInUse.verified(), new StringSerializer(), new ByteArraySerializer(), START, Duration.ofMillis(1));
        foreign.pipeInput("job-x", "not a verified result".getBytes(StandardCharsets.UTF_8));
        Submission other = unsigned("job-y", "1");
        foreign.pipeInput("job-x", verifiedCodec.encode(VerifiedResult.newBuilder().setJobId("job-y").setOk(true).setResult("1")
                .setSha256(other.coreSha256()).setVerifiedAt(START).setSourcePartition(0).setSourceOffset(0).build()));
        verified.readValuesToList();
        assertThat(store().get("job-x")).isNull();

        send("job-x", signedJson("job-x", "1", SHA256));
        assertThat(onlyVerified().getJobId()).as("nothing foreign was taken for a first result").isEqualTo("job-x");
        assertNothingElse();
    }

    @Test
    void shouldNeitherDeleteNorReplaceAStoredResultOnAForeignTombstoneOrValue() throws Exception {
        send("job-1", signedJson("job-1", "{\"value\":42}", SHA256));
        byte[] stored = verified.readRecordsToList().get(0).value();
        assertThat(store().get("job-1")).isEqualTo(stored);
        var foreign = driver.createInputTopic(topicsInUse.verified(), new StringSerializer(), new ByteArraySerializer(), START, Duration.ofMillis(1));
        foreign.pipeInput("job-1", (byte[]) null);
        assertThat(store().get("job-1")).as("a tombstone deletes no verified result").isEqualTo(stored);
        Submission forged = unsigned("job-1", "666");
        foreign.pipeInput("job-1", verifiedCodec.encode(VerifiedResult.newBuilder().setJobId("job-1").setOk(true).setResult("666")
                .setSha256(forged.coreSha256()).setVerifiedAt(START).setSourcePartition(0).setSourceOffset(9).build()));
        assertThat(store().get("job-1")).as("a second value replaces no verified result").isEqualTo(stored);
        assertNothingElse();
    }

    /**
     * A foreign writer of the verified topic copies the verifier's record for a job and keeps its job id
     * and core hash (both public: on the topic and in audit events) while changing what it vouches for.
     */
    @Test
    void shouldNotTakeACopyOfAStoredResultWithItsCoreHashKeptAndItsContentChanged() throws Exception {
        send("job-1", signedJson("job-1", "{\"value\":42}", SHA256));
        byte[] stored = verified.readRecordsToList().get(0).value();
        VerifiedResult original = verifiedCodec.decode(stored);
        var foreign = driver.createInputTopic(topicsInUse.verified(), new StringSerializer(), new ByteArraySerializer(), START, Duration.ofMillis(1));
        List<VerifiedResult> copies = List.of(
                VerifiedResult.newBuilder(original).setResult("{\"value\":666}").build(),
                VerifiedResult.newBuilder(original).setOk(false).setResult(null).setError("forged").build(),
                VerifiedResult.newBuilder(original).setMode("ed25519").setKeyId("forged-key").build(),
                VerifiedResult.newBuilder(original).setNodeId("forged-node").build(),
                VerifiedResult.newBuilder(original).setVerifiedAt(original.getVerifiedAt().plusSeconds(1)).build());
        for (VerifiedResult copy : copies) {
            byte[] forged = verifiedCodec.encode(copy);
            assertThat(forged).as("the copy differs").isNotEqualTo(stored);
            assertThat(copy.getSha256()).isEqualTo(original.getSha256());
            foreign.pipeInput("job-1", forged);
            assertThat(store().get("job-1")).as("a copy with the core hash kept replaces nothing: " + copy).isEqualTo(stored);
        }
        foreign.pipeInput("job-1", stored); // the same bytes again (a retried send of the verifier's own record) are the same result
        assertThat(store().get("job-1")).isEqualTo(stored);
        send("job-2", signedJson("job-2", "{\"value\":7}", SHA256));
        assertThat(store().get("job-2")).as("the next valid result is stored").isEqualTo(verified.readRecordsToList().get(0).value());
        assertNothingElse();
    }

    /** An entry an earlier release wrote (version 1: core hash and time, no record hash) still dedups and still admits its result. */
    @Test
    void shouldKeepReadingDedupEntriesOfTheEarlierFormat() throws Exception {
        Submission first = unsigned("job-1", "{\"value\":42}");
        long at = START.toEpochMilli();
        ids().put("job-1", java.nio.ByteBuffer.allocate(41).put((byte) 1).put(java.util.HexFormat.of().parseHex(first.coreSha256()))
                .putLong(at).array());
        byte[] entry = ids().get("job-1").clone();
        send("job-1", signedJson("job-1", "{\"value\":42}", SHA256));
        assertThat(counter("sheratan_results_duplicate_total")).as("the same core again").isEqualTo(1);
        send("job-1", signedJson("job-1", "{\"value\":43}", SHA256));
        assertThat(onlyAudit().getReason()).isEqualTo("conflict");
        assertThat(ids().get("job-1")).as("the entry stays as that release wrote it").isEqualTo(entry);
        var topic = driver.createInputTopic(topicsInUse.verified(), new StringSerializer(), new ByteArraySerializer(), START, Duration.ofMillis(1));
        // a record with another core hash is not that release's record either
        topic.pipeInput("job-1", verifiedCodec.encode(VerifiedResult.newBuilder().setJobId("job-1").setOk(true).setResult("{\"value\":43}")
                .setSha256(unsigned("job-1", "{\"value\":43}").coreSha256()).setMode("sha256").setVerifiedAt(START)
                .setSourcePartition(0).setSourceOffset(0).build()));
        assertThat(store().get("job-1")).isNull();
        // that release's record on the verified topic is taken by its core hash, as then
        byte[] earlier = verifiedCodec.encode(VerifiedResult.newBuilder().setJobId("job-1").setOk(true).setResult("{\"value\":42}")
                .setSha256(first.coreSha256()).setMode("sha256").setVerifiedAt(START).setSourcePartition(0).setSourceOffset(0).build());
        topic.pipeInput("job-1", earlier);
        assertThat(store().get("job-1")).isEqualTo(earlier);
        assertNothingElse();
    }

    @Test
    void shouldDropAndCountAnIdenticalResubmission() throws Exception {
        send("job-1", signedJson("job-1", "{\"value\":42}", SHA256));
        send("job-1", signedJson("job-1", "{ \"value\" : 42.0 }", SHA256)); // same core, other bytes

        onlyVerified();
        assertThat(counter("sheratan_results_duplicate_total")).isEqualTo(1);
        assertNothingElse();
    }

    @Test
    void shouldRejectADifferentResultForAVerifiedJobIdAsConflictWithBothHashes() throws Exception {
        send("job-1", signedJson("job-1", "{\"value\":42}", SHA256));
        send("job-1", signedJson("job-1", "{\"value\":43}", SHA256));

        VerifiedResult first = onlyVerified();
        AuditEvent event = onlyAudit();
        assertThat(event.getEventType()).isEqualTo("RESULT_CONFLICT");
        assertThat(event.getReason()).isEqualTo("conflict");
        assertThat(event.getFirstSha256()).isEqualTo(first.getSha256());
        assertThat(event.getNewSha256()).isEqualTo(unsigned("job-1", "{\"value\":43}").coreSha256());
        assertThat(verifiedCodec.decode(store().get("job-1")).getSha256()).as("the first result keeps the slot").isEqualTo(first.getSha256());
        assertNothingElse();
    }

    @Test
    void shouldRejectAnUnmarkedResultWhenAMarkIsRequired() throws Exception {
        send("job-1", "{\"job_id\":\"job-1\",\"ok\":true,\"result\":1}".getBytes(StandardCharsets.UTF_8));

        AuditEvent event = onlyAudit();
        assertThat(event.getEventType()).isEqualTo("RESULT_INTEGRITY_FAIL");
        assertThat(event.getReason()).isEqualTo("missing_integrity");
        assertThat(store().get("job-1")).isNull();
        assertNothingElse();
    }

    @Test
    void shouldAcceptAnUnmarkedResultWithAWarningWhenNotRequired() throws Exception {
        startWith(config(SHA256.withRequired(false)));
        send("job-1", "{\"job_id\":\"job-1\",\"ok\":true,\"result\":1}".getBytes(StandardCharsets.UTF_8));

        VerifiedResult result = onlyVerified();
        assertThat(result.getMode()).isNull();
        AuditEvent warning = onlyAudit();
        assertThat(warning.getEventType()).isEqualTo("RESULT_INTEGRITY_MISSING_ACCEPTED");
        assertThat(warning.getReason()).isEqualTo("missing_integrity");
        assertThat(registry.find("integrity_missing_1m").gauge().value()).isEqualTo(1);
        assertNothingElse();
    }

    @Test
    void shouldRouteATamperedResultToAuditAsShaMismatch() throws Exception {
        String tampered = new String(signedJson("job-1", "{\"value\":42}", SHA256), StandardCharsets.UTF_8).replace("42", "43");
        send("job-1", tampered.getBytes(StandardCharsets.UTF_8));

        AuditEvent event = onlyAudit();
        assertThat(event.getEventType()).isEqualTo("RESULT_INTEGRITY_FAIL");
        assertThat(event.getReason()).isEqualTo("sha_mismatch");
        assertThat(counter("sheratan_results_rejected_total", "reason", "sha_mismatch")).isEqualTo(1);
        assertThat(registry.find("integrity_fail_1m").gauge().value()).isEqualTo(1);
        assertNothingElse();
    }

    @Test
    void shouldRejectAWrongSignatureUnderHmacPolicy() throws Exception {
        startWith(config(HMAC));
        IntegrityPolicy otherKey = IntegrityPolicy.fromEnv(Map.of("SHERATAN_RESULT_INTEGRITY_MODE", "hmac", "SHERATAN_RESULT_HMAC_KEY", "k2"));
        send("job-1", signedJson("job-1", "1", otherKey));
        assertThat(onlyAudit().getReason()).isEqualTo("sig_mismatch");
        assertNothingElse();
    }

    @Test
    void shouldRejectASha256MarkUnderHmacPolicyAsUnsupportedMode() throws Exception {
        startWith(config(HMAC));
        send("job-1", signedJson("job-1", "1", SHA256));
        AuditEvent event = onlyAudit();
        assertThat(event.getReason()).isEqualTo("unsupported_mode");
        assertThat(event.getMode()).isEqualTo("sha256");
        assertNothingElse();
    }

    @Test
    void shouldRejectAKeyIdTheVerifierDoesNotKnow() throws Exception {
        startWith(config(HMAC));
        Submission s = unsigned("job-1", "1").signedBy(Signer.v1(HMAC));
        Submission otherKeyId = s.withMark(new IntegrityMark("hmac", s.mark().sha256(), s.mark().sig(), "key-2"));
        send("job-1", EnvelopeWriter.toJson(otherKeyId));
        AuditEvent event = onlyAudit();
        assertThat(event.getReason()).isEqualTo("unknown_key");
        assertThat(event.getKeyId()).isEqualTo("key-2");
        assertNothingElse();
    }

    @Test
    void shouldTurnUnreadableBytesIntoMalformedEventsWithoutThePayload() throws Exception {
        byte[] garbage = "this is not json, secret-payload-marker".getBytes(StandardCharsets.UTF_8);
        send("job-x", garbage);

        List<TestRecord<String, byte[]>> records = audit.readRecordsToList();
        assertThat(records).hasSize(1);
        AuditEvent event = auditCodec.decode(records.get(0).value());
        assertThat(event.getEventType()).isEqualTo("RESULT_MALFORMED");
        assertThat(event.getReason()).isEqualTo("malformed");
        assertThat(event.getEventId()).isEqualTo("sheratan.results.submitted/0/0");
        assertThat(event.getReceivedSha256()).hasSize(64);
        assertThat(new String(records.get(0).value(), StandardCharsets.ISO_8859_1)).doesNotContain("secret-payload-marker");
        assertNothingElse();
    }

    // ------------------------------------------------------------------ around the table

    @Test
    void shouldNeverCopyThePayloadIntoAnyAuditEvent() throws Exception {
        String marker = "PAYLOAD-MARKER-7f3a";
        send("job-1", signedJson("job-1", "{\"v\":\"" + marker + "\"}", SHA256));
        send("job-1", signedJson("job-1", "{\"v\":\"" + marker + "-other\"}", SHA256)); // conflict
        send("job-2", new String(signedJson("job-2", "{\"v\":\"" + marker + "\"}", SHA256), StandardCharsets.UTF_8)
                .replace(marker, marker + "x").getBytes(StandardCharsets.UTF_8)); // tampered
        send("job-3", ("{\"job_id\":\"job-3\",\"ok\":true,\"result\":{\"v\":\"" + marker + "\",\"v\":1}}").getBytes(StandardCharsets.UTF_8)); // duplicate member
        send("job-4", ("{\"job_id\":\"job-4\",\"ok\":true,\"result\":\"" + marker + "\"}").getBytes(StandardCharsets.UTF_8)); // unmarked

        List<TestRecord<String, byte[]>> events = audit.readRecordsToList();
        assertThat(events).hasSize(4);
        for (TestRecord<String, byte[]> event : events) {
            assertThat(new String(event.value(), StandardCharsets.ISO_8859_1)).doesNotContain(marker);
        }
    }

    @Test
    void shouldReadAvroAndJsonSideBySide() throws Exception {
        send("json-1", signedJson("json-1", "[1,2]", SHA256));
        send("avro-1", signedAvro("avro-1", "[1,2]", SHA256));
        send("avro-1", signedJson("avro-1", "[1, 2]", SHA256)); // the same core in the other form: a duplicate

        assertThat(verified.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("json-1", "avro-1");
        assertThat(counter("sheratan_results_duplicate_total")).isEqualTo(1);
        assertNothingElse();
    }

    @Test
    void shouldCountADuplicateAfterAConflict() throws Exception {
        send("job-1", signedJson("job-1", "1", SHA256));
        send("job-1", signedJson("job-1", "2", SHA256));
        send("job-1", signedJson("job-1", "1", SHA256));

        onlyVerified();
        assertThat(onlyAudit().getReason()).isEqualTo("conflict");
        assertThat(counter("sheratan_results_duplicate_total")).isEqualTo(1);
        assertNothingElse();
    }

    @Test
    void shouldAcceptAConflictingResultAsNewOnceTheFirstHasExpired() throws Exception {
        send("job-1", signedJson("job-1", "1", SHA256));
        onlyVerified();

        driver.advanceWallClockTime(Duration.ofHours(2)); // retention is 1 hour: the punctuator purges
        assertThat(ids().get("job-1")).isNull();
        assertThat(store().get("job-1")).as("the table keeps what the topic keeps; it has expired").isNotNull();
        send("job-1", signedJson("job-1", "2", SHA256));

        assertThat(onlyVerified().getResult()).isEqualTo("2");
        assertNothingElse();
    }

    @Test
    void shouldPurgeOnlyExpiredEntriesAcrossMoreThanOneChunk() {
        for (int i = 0; i < 25_000; i++) {
            send("old-" + i, signedJson("old-" + i, "1", SHA256));
        }
        driver.advanceWallClockTime(Duration.ofMinutes(40));
        for (int i = 0; i < 5_000; i++) {
            send("new-" + i, signedJson("new-" + i, "1", SHA256));
        }
        driver.advanceWallClockTime(Duration.ofMinutes(30)); // the old ones are 70 minutes old, the new 30

        long left;
        try (var all = ids().all()) {
            left = 0;
            while (all.hasNext()) {
                String key = all.next().key;
                if (key.equals(VerifyProcessor.ADOPTION_DONE)) {
                    continue; // the task's adoption marker is kept for good
                }
                assertThat(key).startsWith("new-");
                left++;
            }
        }
        assertThat(left).isEqualTo(5_000);
        assertThat(ids().get(VerifyProcessor.ADOPTION_DONE)).as("the purge keeps the adoption marker").isNotNull();
        assertThat(verified.getQueueSize()).isEqualTo(30_000);
    }

    @Test
    void shouldNotLetATamperedRecordTakeTheSlot() throws Exception {
        String tampered = new String(signedJson("job-1", "1", SHA256), StandardCharsets.UTF_8).replace(":1", ":9");
        send("job-1", tampered.getBytes(StandardCharsets.UTF_8));
        send("job-1", signedJson("job-1", "1", SHA256));

        assertThat(onlyAudit().getReason()).isEqualTo("sha_mismatch");
        assertThat(onlyVerified().getResult()).isEqualTo("1");
        assertNothingElse();
    }

    @Test
    void shouldRejectARecordKeyedOtherwiseThanItsJobId() throws Exception {
        send("other-key", signedJson("job-1", "1", SHA256));
        AuditEvent event = onlyAudit();
        assertThat(event.getReason()).isEqualTo("malformed");
        assertThat(event.getDetail()).contains("record key");
        assertNothingElse();
    }

    @Test
    void shouldWriteJsonOutputWhenAsked() throws Exception {
        startWith(config(SHA256).withOutputFormat(OutputFormat.JSON));
        send("job-1", signedJson("job-1", "{\"a\":1}", SHA256));
        byte[] written = verified.readValue();
        String json = new String(written, StandardCharsets.UTF_8);
        assertThat(json).startsWith("{\"job_id\":\"job-1\",\"ok\":true,\"result\":\"{\\\"a\\\":1}\"");
        // the dedup entry keeps the hash of what was sent (the JSON, not the Avro it was made from): the table takes it
        assertThat(java.util.Arrays.copyOfRange(ids().get("job-1"), 41, 73))
                .isEqualTo(java.security.MessageDigest.getInstance("SHA-256").digest(written));
        assertThat(store().get("job-1")).as("the verifier's own JSON record is stored").isEqualTo(written);
        assertNothingElse();
    }

    @Test
    void shouldTurnHostileInputIntoMalformedEventsAndKeepGoing() throws Exception {
        byte[] avro = signedAvro("avro-x", "1", SHA256);
        byte[] wrongFingerprint = avro.clone();
        wrongFingerprint[5] ^= 0x55;
        Random random = new Random(3);
        byte[] randomBytes = new byte[512];
        random.nextBytes(randomBytes);
        List<byte[]> hostile = List.of(
                "{\"job_id\":\"h\",\"ok\":true".getBytes(StandardCharsets.UTF_8),                 // unclosed
                "{\"job_id\":\"h\",\"ok\":true,}".getBytes(StandardCharsets.UTF_8),                // trailing comma
                "{\"job_id\":\"h\\x\",\"ok\":true}".getBytes(StandardCharsets.UTF_8),            // bad escape
                new byte[] {'{', '"', 'j', (byte) 0xFF, '"', ':', '1', '}'},                              // invalid UTF-8
                ("{\"job_id\":\"h\",\"ok\":true,\"result\":1" + "0".repeat(400) + "}").getBytes(StandardCharsets.UTF_8), // huge number
                ("{\"job_id\":\"h\",\"ok\":true,\"result\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}").getBytes(StandardCharsets.UTF_8),
                ("{\"job_id\":\"h\",\"ok\":true,\"result\":\"" + "x".repeat(3 * 1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8), // multi-MB
                randomBytes,
                wrongFingerprint,
                Arrays.copyOf(avro, avro.length - 3),                                             // truncated Avro
                new byte[0]);
        for (byte[] value : hostile) {
            send("h", value);
        }
        send("after", signedJson("after", "1", SHA256));

        List<AuditEvent> events = new ArrayList<>();
        for (TestRecord<String, byte[]> r : audit.readRecordsToList()) {
            events.add(auditCodec.decode(r.value()));
        }
        assertThat(events).hasSize(hostile.size()).allSatisfy(e -> {
            assertThat(e.getEventType()).isEqualTo("RESULT_MALFORMED");
            assertThat(e.getReason()).isEqualTo("malformed");
        });
        assertThat(onlyVerified().getJobId()).as("the stream goes on after hostile input").isEqualTo("after");
        assertNothingElse();
    }

    // ------------------------------------------------------------------ edges an attacker can reach

    @Test
    void shouldRejectAResultWhoseVerifiedRecordWouldExceedTheOutputLimit() throws Exception {
        startWith(config(SHA256).withMaxOutputBytes(8_192));
        // 1e20 is 4 bytes of text and 21 in canonical form: the canonical core is ~4 times the input
        String expanding = "[" + String.join(",", Collections.nCopies(1_000, "1e20")) + "]";
        String sha = unsigned("job-big", expanding).coreSha256();
        byte[] envelope = ("{\"job_id\":\"job-big\",\"ok\":true,\"result\":" + expanding
                + ",\"integrity\":{\"mode\":\"sha256\",\"sha256\":\"" + sha + "\"}}").getBytes(StandardCharsets.UTF_8);
        assertThat(envelope.length).as("the envelope itself is under the limit").isLessThan(8_192);
        send("job-big", envelope);
        send("after", signedJson("after", "1", SHA256));

        AuditEvent event = onlyAudit();
        assertThat(event.getEventType()).isEqualTo("RESULT_MALFORMED");
        assertThat(event.getJobId()).isEqualTo("job-big");
        assertThat(event.getDetail()).contains("above the limit of 8192").contains(VerifierConfig.MAX_OUTPUT_BYTES);
        assertThat(ids().get("job-big")).as("nothing remembered for a rejected result").isNull();
        assertThat(store().get("job-big")).isNull();
        assertThat(onlyVerified().getJobId()).isEqualTo("after");
        assertNothingElse();
    }

    @Test
    void shouldAcceptAResultJustUnderTheOutputLimit() throws Exception {
        byte[] envelope = signedJson("job-edge", "\"" + "x".repeat(7_500) + "\"", SHA256);
        startWith(config(SHA256).withMaxOutputBytes(8_192));
        send("job-edge", envelope);
        assertThat(onlyVerified().getJobId()).isEqualTo("job-edge");
        assertNothingElse();
    }

    @Test
    void shouldIgnoreANodeIdHeaderThatIsNotANodeId() throws Exception {
        RecordHeaders headers = new RecordHeaders();
        headers.add(VerifyProcessor.NODE_ID_HEADER, "x".repeat(10_000).getBytes(StandardCharsets.UTF_8));
        submitted.pipeInput(new TestRecord<>("job-h".getBytes(StandardCharsets.UTF_8), signedJson("job-h", "1", SHA256), headers));
        RecordHeaders good = new RecordHeaders();
        good.add(VerifyProcessor.NODE_ID_HEADER, "worker-7".getBytes(StandardCharsets.UTF_8));
        submitted.pipeInput(new TestRecord<>("job-g".getBytes(StandardCharsets.UTF_8), signedJson("job-g", "1", SHA256), good));

        List<TestRecord<String, byte[]>> records = verified.readRecordsToList();
        assertThat(verifiedCodec.decode(records.get(0).value()).getNodeId()).isNull();
        VerifiedResult claimed = verifiedCodec.decode(records.get(1).value());
        assertThat(claimed.getNodeId()).isEqualTo("worker-7");
        assertThat(claimed.getCanonicalVersion()).isEqualTo(1);
        assertThat(claimed.getNodeAttested()).as("a header is a claim, not an attestation (DESIGN 4)").isFalse();
        assertNothingElse();
    }

    @Test
    void shouldQuarantineARecordThatKeptStoppingTheThread() throws Exception {
        PoisonGuard guard = new PoisonGuard();
        String topic = config(SHA256).topics().submitted();
        for (int death = 0; death <= PoisonGuard.MAX_ATTEMPTS; death++) {
            guard.begin(topic, 0, 0); // offset 0 started and never ended, as when an Error kills the thread
        }
        startWith(config(SHA256), guard);
        byte[] poison = signedJson("job-p", "1", SHA256);

        send("job-p", poison);
        send("after", signedJson("after", "2", SHA256));

        AuditEvent event = onlyAudit();
        assertThat(event.getEventType()).isEqualTo("RESULT_MALFORMED");
        assertThat(event.getDetail()).startsWith("quarantined");
        assertThat(event.getReceivedSha256()).isEqualTo(Marks.sha256Hex(poison));
        assertThat(event.getEventId()).isEqualTo(topic + "/0/0");
        assertThat(counter("sheratan_results_quarantined_total")).isEqualTo(1);
        assertThat(onlyVerified().getJobId()).isEqualTo("after");
        assertThat(guard.looping()).isFalse();
        assertNothingElse();
    }

    /** A send refused as too large marks its input (OutputRefusedHandler); processed again, it ends as malformed, unread. */
    @Test
    void shouldEndARecordWhoseOutputTheBrokerRefusedAsMalformed() throws Exception {
        PoisonGuard guard = new PoisonGuard();
        String topic = config(SHA256).topics().submitted();
        OutputRefusedHandler handler = new OutputRefusedHandler();
        handler.configure(Map.of(OutputRefusedHandler.GUARD_CONFIG, guard));
        ErrorHandlerContext source = new ErrorHandlerContext() {
            public String topic() { return topic; }
            public int partition() { return 0; }
            public long offset() { return 0; }
            public org.apache.kafka.common.header.Headers headers() { return new RecordHeaders(); }
            public String processorNodeId() { return VerifierTopology.PROCESSOR; }
            public org.apache.kafka.streams.processor.TaskId taskId() { return new org.apache.kafka.streams.processor.TaskId(0, 0); }
            public long timestamp() { return 0; }
            public byte[] sourceRawKey() { return null; }
            public byte[] sourceRawValue() { return null; }
        };
        var response = handler.handleError(source, new org.apache.kafka.clients.producer.ProducerRecord<>("verified", new byte[0]),
                new org.apache.kafka.common.errors.RecordTooLargeException("too large"));
        assertThat(response.result()).as("the task fails, as by default: nothing is half-written")
                .isEqualTo(org.apache.kafka.streams.errors.ProductionExceptionHandler.Result.FAIL);
        assertThat(guard.unsendable(topic, 0, 0)).isTrue();

        startWith(config(SHA256), guard);
        send("job-big", signedJson("job-big", "1", SHA256));
        send("after", signedJson("after", "2", SHA256));

        AuditEvent event = onlyAudit();
        assertThat(event.getEventType()).isEqualTo("RESULT_MALFORMED");
        assertThat(event.getDetail()).contains("refused by the broker as too large");
        assertThat(event.getEventId()).isEqualTo(topic + "/0/0");
        assertThat(onlyVerified().getJobId()).isEqualTo("after");
        assertThat(guard.unsendable(topic, 0, 0)).as("cleared once it has its outcome").isFalse();
        assertNothingElse();
    }

    // ------------------------------------------------------------------ canonical version 2 and the keyring (DESIGN 3b, 3c)

    private final KeyringFixture keys = new KeyringFixture();

    private byte[] v2(String jobId, String node, long issuedAt, String aud, Signer signer) {
        return EnvelopeWriter.toJson(unsigned(jobId, "{\"value\":42}").withClaims(new Claims(node, issuedAt, aud)).signedBy(signer));
    }

    private Signer worker7() {
        return Signer.ed25519("worker-7/2026-11", keys.worker7.getPrivate());
    }

    private void sendAt(String jobId, byte[] value, long timestamp) {
        submitted.pipeInput(new TestRecord<>(jobId.getBytes(StandardCharsets.UTF_8), value, null, timestamp));
    }

    @Test
    void shouldVerifyAnEd25519Version2ResultAndStoreTheSignedNodeId() throws Exception {
        Keyring keyring = keys.keyring();
        startWith(config(SHA256), new PoisonGuard(), () -> keyring);
        sendAt("job-v2", v2("job-v2", "worker-7", KeyringFixture.T, "sheratan", worker7()), KeyringFixture.T);

        VerifiedResult result = onlyVerified();
        assertThat(result.getMode()).isEqualTo("ed25519");
        assertThat(result.getKeyId()).isEqualTo("worker-7/2026-11");
        assertThat(result.getNodeId()).as("from the signed core, not a header").isEqualTo("worker-7");
        assertThat(result.getCanonicalVersion()).isEqualTo(2);
        assertThat(result.getNodeAttested()).as("signed in a version 2 core").isTrue();
        assertNothingElse();
    }

    /** A version 2 core under a bare sha256 mark: the node_id is in the hashed core, but anyone can hash it. */
    @Test
    void shouldNotCallANodeIdAttestedUnderABareSha256Mark() throws Exception {
        Keyring keyring = keys.keyring();
        startWith(config(SHA256), new PoisonGuard(), () -> keyring);
        sendAt("job-v2-sha", v2("job-v2-sha", "worker-7", KeyringFixture.T, "sheratan", Signer.sha256(2)), KeyringFixture.T);

        VerifiedResult result = onlyVerified();
        assertThat(result.getCanonicalVersion()).isEqualTo(2);
        assertThat(result.getNodeId()).isEqualTo("worker-7");
        assertThat(result.getNodeAttested()).as("hashed, not signed: a claim").isFalse();
        assertNothingElse();
    }

    /** Signed, but by a key the keyring binds to no node: any holder of that key could have named any node. */
    @Test
    void shouldNotCallANodeIdAttestedWhenTheKeyIsBoundToNoNode() throws Exception {
        Keyring keyring = keys.keyring();
        startWith(config(SHA256), new PoisonGuard(), () -> keyring);
        sendAt("job-v2-open", v2("job-v2-open", "worker-9", KeyringFixture.T, "sheratan",
                Signer.ed25519("open/2026-11", keys.open.getPrivate())), KeyringFixture.T);

        VerifiedResult result = onlyVerified();
        assertThat(result.getMode()).isEqualTo("ed25519");
        assertThat(result.getNodeId()).isEqualTo("worker-9");
        assertThat(result.getNodeAttested()).as("a key without nodes vouches for no node").isFalse();
        assertNothingElse();
    }

    @Test
    void shouldRejectEachVersion2ViolationWithItsReason() throws Exception {
        Keyring keyring = keys.keyring();
        startWith(config(SHA256), new PoisonGuard(), () -> keyring);
        long t = KeyringFixture.T;
        Signer unknown = Signer.ed25519("worker-7/1999", keys.worker7.getPrivate());
        Object[][] cases = {
                {"node_mismatch", v2("j1", "worker-8", t, "sheratan", worker7()), t},
                {"stale", v2("j2", "worker-7", t - Duration.ofHours(2).toMillis(), "sheratan", worker7()), t},
                {"future_dated", v2("j3", "worker-7", t + Duration.ofMinutes(6).toMillis(), "sheratan", worker7()), t},
                {"wrong_audience", v2("j4", "worker-7", t, "staging", worker7()), t},
                {"unknown_key", v2("j5", "worker-7", t, "sheratan", unknown), t},
                {"key_not_valid", v2("j6", "worker-7", KeyringFixture.NOT_AFTER, "sheratan", worker7()), KeyringFixture.NOT_AFTER},
        };
        for (Object[] c : cases) {
            String jobId = "j" + (Arrays.asList(cases).indexOf(c) + 1);
            sendAt(jobId, (byte[]) c[1], (long) c[2]);
            AuditEvent event = onlyAudit();
            assertThat(event.getReason()).as((String) c[0]).isEqualTo(c[0]);
            assertThat(event.getEventType()).isEqualTo("RESULT_INTEGRITY_FAIL");
            assertThat(counter("sheratan_results_rejected_total", "reason", (String) c[0])).isEqualTo(1);
        }
        assertNothingElse();
    }

    @Test
    void shouldRejectVersion1MarksWhenTheMinimumVersionIs2() throws Exception {
        startWith(config(SHA256.withMinVersion(2)));
        send("job-1", signedJson("job-1", "1", SHA256));
        assertThat(onlyAudit().getReason()).isEqualTo("unsupported_version");
        assertNothingElse();
    }

    @Test
    void shouldJudgeEachRecordWithTheKeyringInForceWhenItIsRead() throws Exception {
        AtomicReference<Keyring> current = new AtomicReference<>(
                Keyring.legacy(null, null, null));
        startWith(config(SHA256), new PoisonGuard(), current::get);
        sendAt("job-a", v2("job-a", "worker-7", KeyringFixture.T, "sheratan", worker7()), KeyringFixture.T);
        assertThat(onlyAudit().getReason()).isEqualTo("unknown_key");
        current.set(keys.keyring()); // rotated in while running
        sendAt("job-b", v2("job-b", "worker-7", KeyringFixture.T, "sheratan", worker7()), KeyringFixture.T);
        assertThat(onlyVerified().getJobId()).isEqualTo("job-b");
        assertNothingElse();
    }

    @Test
    void shouldKeepStoreAndProcessorNamesStable() {
        String description = VerifierTopology.build(config(SHA256)).describe().toString();
        assertThat(description)
                .contains("Source: submitted-source (topics: [sheratan.results.submitted])")
                .containsPattern("Processor: verify-and-dedup \\(stores: \\[(verified-ids, verified-results|verified-results, verified-ids)]\\)")
                .contains("Sub-topology: 0").doesNotContain("Sub-topology: 1") // dedup and the table share a task
                .contains("Source: verified-table-source (topics: [sheratan.results.verified])")
                .containsPattern("Processor: verified-table \\(stores: \\[(verified-ids, verified-results|verified-results, verified-ids)]\\)")
                .contains("Sink: verified-sink (topic: sheratan.results.verified)")
                .contains("Sink: audit-sink (topic: sheratan.results.audit)");
    }
}
