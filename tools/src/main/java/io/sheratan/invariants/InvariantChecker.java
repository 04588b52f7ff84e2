package io.sheratan.invariants;

import io.sheratan.kafka.Offsets;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sheratan.audit.ChainLog;
import io.sheratan.audit.LogVerifier;
import io.sheratan.tlog.NoteKeys;
import io.sheratan.audit.ChainVerifier;
import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.canonical.JsonCanonicalizer;
import io.sheratan.envelope.Core;
import io.sheratan.envelope.EnvelopeReader;
import io.sheratan.envelope.MalformedEnvelopeException;
import io.sheratan.envelope.Submission;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.integrity.IntegrityVerifier;
import io.sheratan.integrity.Keyring;
import io.sheratan.integrity.Marks;
import io.sheratan.integrity.Verdict;
import io.sheratan.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import io.sheratan.avro.codec.FlatJson;
import io.sheratan.avro.codec.OutputCodec;
import java.util.Comparator;

/**
 * The product's promises, checked from the outside once the pipeline is quiet: reads the
 * submitted, verified and audit topics ({@code read_committed}) and, optionally, the audit log.
 * <ul>
 *   <li>every input record has exactly the outcome the contract gives it (recomputed here, in
 *       partition order, with the same integrity rule): verified, duplicate (no output), or one
 *       audit event with the right reason;</li>
 *   <li>each job id appears at most once on the verified topic, and every verified record's mark recomputes;</li>
 *   <li>nothing was emitted that has no input;</li>
 *   <li>the audit log's chain is intact and holds every audit event exactly once.</li>
 * </ul>
 * Dedup retention is assumed longer than the run (a replay after expiry would be flagged).
 */
public final class InvariantChecker {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WARNING = "RESULT_INTEGRITY_MISSING_ACCEPTED";

    /** What was found: counts per outcome and every violation, in words. */
    public record Report(Map<String, Long> counts, List<String> violations) {
        public boolean ok() {
            return violations.isEmpty();
        }
    }

    private InvariantChecker() {
    }

    public static Report check(Map<String, Object> client, Topics topics, IntegrityPolicy policy, Path auditDir)
            throws IOException {
        return check(client, topics, policy, policy.legacyKeyring(), auditDir);
    }

    /**
     * @param keyring the keys the verifier used (its keyring file as it is now); windows are judged at
     *                each input's own timestamp, as the verifier judges them
     */
    public static Report check(Map<String, Object> client, Topics topics, IntegrityPolicy policy, Keyring keyring, Path auditDir)
            throws IOException {
        Map<String, Long> counts = new TreeMap<>();
        List<String> violations = new ArrayList<>();

        // 1. what each input should have become
        Map<String, String> expected = new HashMap<>();
        Map<String, String> verifiedSha = new HashMap<>();
        EnvelopeReader reader = new EnvelopeReader(policy.limits());
        for (ConsumerRecord<byte[], byte[]> r : readAll(client, topics.submitted())) {
            String coordinates = r.partition() + "@" + r.offset();
            expected.put(coordinates, expectedOutcome(r, reader, policy, keyring, verifiedSha));
            counts.merge("input", 1L, Long::sum);
            counts.merge("expected " + expected.get(coordinates), 1L, Long::sum);
        }

        // 2. what actually came out
        Map<String, List<String>> actual = new HashMap<>();
        Map<String, Integer> verifiedJobIds = new HashMap<>();
        List<String> verifiedEntryIds = new ArrayList<>();
        AvroCodec<VerifiedResult> verifiedCodec = AvroCodec.verifiedResults();
        for (ConsumerRecord<byte[], byte[]> r : readAll(client, topics.verified())) {
            VerifiedResult v = decode(r.value(), verifiedCodec, VerifiedResult::new);
            if (v == null) {
                violations.add("verified topic " + r.partition() + "@" + r.offset() + " holds an unreadable record");
                continue;
            }
            counts.merge("verified", 1L, Long::sum);
            verifiedEntryIds.add(topics.submitted() + "/" + v.getSourcePartition() + "/" + v.getSourceOffset());
            actual.computeIfAbsent(v.getSourcePartition() + "@" + v.getSourceOffset(), k -> new ArrayList<>()).add("verified");
            if (verifiedJobIds.merge(v.getJobId(), 1, Integer::sum) == 2) {
                violations.add("job id " + v.getJobId() + " appears more than once on the verified topic");
            }
            if (!recomputes(v)) {
                violations.add("verified record for " + v.getJobId() + " does not recompute to its sha256");
            }
        }
        List<String> auditEventIds = new ArrayList<>();
        AvroCodec<AuditEvent> auditCodec = AvroCodec.auditEvents();
        for (ConsumerRecord<byte[], byte[]> r : readAll(client, topics.audit())) {
            AuditEvent event = decode(r.value(), auditCodec, AuditEvent::new);
            if (event == null) {
                violations.add("audit topic " + r.partition() + "@" + r.offset() + " holds an unreadable record");
                continue;
            }
            auditEventIds.add(event.getEventId());
            String type = event.getEventType();
            counts.merge("audit " + event.getReason() + (WARNING.equals(type) ? " (warning)" : ""), 1L, Long::sum);
            if (WARNING.equals(type) || event.getSourcePartition() == null) {
                continue; // warnings accompany a verified record; gateway events have no input record
            }
            actual.computeIfAbsent(event.getSourcePartition() + "@" + event.getSourceOffset(),
                    k -> new ArrayList<>()).add("audit " + event.getReason());
        }

        // 3. exactly one outcome per input, and nothing without an input
        for (var e : expected.entrySet()) {
            List<String> got = actual.getOrDefault(e.getKey(), List.of());
            String want = e.getValue();
            boolean ok = want.equals("duplicate") ? got.isEmpty() : got.size() == 1 && got.get(0).equals(want);
            if (!ok) {
                violations.add("input " + e.getKey() + ": expected " + want + ", got " + (got.isEmpty() ? "nothing" : got));
            }
        }
        for (String coordinates : actual.keySet()) {
            if (!expected.containsKey(coordinates)) {
                violations.add("output for " + coordinates + " has no input record");
            }
        }

        // 4. the audit log: intact, every audit event and every verified result (its RESULT_VERIFIED
        //    entry) exactly once, and, where its log key lies beside it, matching its signed checkpoint
        if (auditDir != null) {
            ChainVerifier.Report chain = ChainVerifier.verify(auditDir);
            if (!chain.intact()) {
                violations.add("audit log chain broken: " + chain.problem());
            }
            Map<String, Integer> inLog = new HashMap<>();
            for (Path file : ChainLog.files(auditDir)) {
                try (BufferedReader lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    String line;
                    while ((line = lines.readLine()) != null) {
                        JsonNode event = JSON.readTree(line).path("event");
                        String kind = "RESULT_VERIFIED".equals(event.path("event_type").asText()) ? "verified " : "audit ";
                        inLog.merge(kind + event.path("event_id").asText(), 1, Integer::sum);
                    }
                }
            }
            counts.put("audit log lines", (long) chain.lines());
            for (String id : auditEventIds) {
                int n = inLog.getOrDefault("audit " + id, 0);
                if (n != 1) {
                    violations.add("audit event " + id + " is in the audit log " + n + " times");
                }
            }
            for (String id : verifiedEntryIds) {
                int n = inLog.getOrDefault("verified " + id, 0);
                if (n != 1) {
                    violations.add("the RESULT_VERIFIED entry of " + id + " is in the audit log " + n + " times");
                }
            }
            if (chain.lines() != auditEventIds.size() + verifiedEntryIds.size()) {
                violations.add("audit log has " + chain.lines() + " lines for " + auditEventIds.size() + " audit events and "
                        + verifiedEntryIds.size() + " verified results");
            }
            Path keyFile = auditDir.resolve("log-key.pem");
            if (Files.exists(auditDir.resolve("tlog/checkpoint")) && Files.exists(keyFile)) {
                try {
                    // the deployment's own key, named by the origin its checkpoint claims (a wrong origin fails below)
                    String origin = io.sheratan.tlog.Checkpoint.parse(io.sheratan.tlog.Note.parse(
                            Files.readString(auditDir.resolve("tlog/checkpoint"), StandardCharsets.UTF_8)).text()).origin();
                    NoteKeys.Verifier key = NoteKeys.fromPem(origin, Files.readString(keyFile, StandardCharsets.US_ASCII)).verifier();
                    LogVerifier.Report log = LogVerifier.verify(auditDir, key, List.of(), n -> { });
                    counts.put("audit log entries under its checkpoint", log.holds() ? 1L : 0L);
                    log.problems().forEach(problem -> violations.add("transparency log: " + problem));
                } catch (java.security.GeneralSecurityException | io.sheratan.tlog.NoteException e) {
                    violations.add("transparency log: cannot check it: " + e.getMessage());
                }
            }
        }
        counts.put("violations", (long) violations.size());
        return new Report(counts, violations);
    }

    private static String expectedOutcome(ConsumerRecord<byte[], byte[]> r, EnvelopeReader reader, IntegrityPolicy policy, Keyring keyring,
                                          Map<String, String> verifiedSha) {
        Submission s;
        try {
            s = reader.read(r.value());
        } catch (MalformedEnvelopeException e) {
            return "audit malformed";
        }
        if (r.key() == null || !s.jobId().equals(new String(r.key(), StandardCharsets.UTF_8))) {
            return "audit malformed";
        }
        Verdict verdict = IntegrityVerifier.verify(s, policy, keyring, r.timestamp());
        if (!verdict.accepted()) {
            return "audit " + verdict.reason().code();
        }
        String first = verifiedSha.putIfAbsent(s.jobId(), s.coreSha256());
        if (first == null) {
            return "verified";
        }
        return first.equals(s.coreSha256()) ? "duplicate" : "audit conflict";
    }

    private static boolean recomputes(VerifiedResult v) {
        byte[] result = v.getResult() == null ? null : v.getResult().getBytes(StandardCharsets.UTF_8);
        byte[] error = v.getError() == null ? null : v.getError().getBytes(StandardCharsets.UTF_8);
        byte[] core = Core.build(JsonCanonicalizer.canonicalString(v.getJobId()), v.getOk(), result, error);
        return Marks.sha256Hex(core).equals(v.getSha256());
    }

    /** A record of either output form (OutputCodec's one reader), or null when it is neither. */
    private static <T extends org.apache.avro.specific.SpecificRecordBase> T decode(byte[] value, AvroCodec<T> codec,
                                                                                   java.util.function.Supplier<T> empty) {
        try {
            return OutputCodec.read(value, codec, empty);
        } catch (IOException e) {
            return null;
        }
    }

    /** Every committed record of a topic, in partition and offset order. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(Map<String, Object> client, String topic) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try {
            Offsets.readToEnd(client, topic, Duration.ofMinutes(2), records::add);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + topic, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + topic + " to its end: " + e.getMessage(), e);
        }
        records.sort(Comparator.<ConsumerRecord<byte[], byte[]>>comparingInt(ConsumerRecord::partition)
                .thenComparingLong(ConsumerRecord::offset));
        return records;
    }
}
