package io.sheratan.audit;

import io.sheratan.avro.codec.AuditEventType;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sheratan.kafka.Topics;
import io.sheratan.tlog.NoteKeys;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DESIGN section 9, every failure survivable: whatever foreign writers put on the audit and verified
 * topics (random JSON, integers of hundreds of digits, deep nesting, 64 KiB members, bytes that are
 * not UTF-8, tombstones, claims of the sink's own event types) and wherever the process dies (between
 * chain and tree, in the middle of a line, with tiles half written), the log opens again with the
 * signed root at the signed size, and {@code verify-log} passes on the result. The records go through
 * the sink's own classification ({@link AuditSink#entry}), as on a running stack.
 */
class HostileLogTest {

    @TempDir
    Path dir;
    private final Topics topics = Topics.defaults();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private AuditSink classifier;
    private NoteKeys.Signer key;
    private long offset;

    @BeforeEach
    void setUp() throws Exception {
        key = NoteKeys.fromSeed("test.local/audit", new byte[32]);
        // the consumer is never polled: the sink is used for its classification of records only
        classifier = new AuditSink(Map.of("bootstrap.servers", "127.0.0.1:1"), topics, "g",
                new ChainLog(dir.resolve("unused"), ChainLog.DEFAULT_MAX_FILE_BYTES), null, registry);
    }

    @AfterEach
    void tearDown() {
        classifier.shutdown();
    }

    @Test
    void shouldReopenWithTheSignedRootAndPassVerifyLogAfterHostileRecordsAndCrashesAnywhere() throws Exception {
        Random random = new Random(23);
        long signed = 0;
        byte[] signedRoot = null;
        for (int round = 0; round < 24; round++) {
            ChainLog chain = new ChainLog(dir, 256 * 1024); // small files: rotations and offsets files too
            TransparencyLog tree = TransparencyLog.open(dir, chain, key, topics.verified(), note -> { }, Clock.systemUTC());
            if (signedRoot != null) {
                assertThat(tree.latest().checkpoint().size()).isGreaterThanOrEqualTo(signed);
                assertThat(tree.tilesRoot(signed)).as("round %d: the signed root at the signed size", round).isEqualTo(signedRoot);
                // an auditor reading the log while the reopened sink runs (tiles rewritten, nothing closed)
                assertThat(LogVerifier.verify(dir, key.verifier(), List.of(), n -> { }).problems()).as("round %d: verify-log of the running log", round)
                        .isEmpty();
            }
            List<ChainLog.Entry> entries = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                entries.add(classifier.entry(hostileRecord(random)));
            }
            List<ChainLog.Logged> logged = chain.append(entries);
            int crash = random.nextInt(4);
            if (crash != 1) { // 1: dies between the chain's fsync and the tree
                tree.append(logged);
                if (random.nextBoolean()) {
                    tree.maybeSign();
                }
                tree.awaitSigned();
            }
            if (tree.latest() != null) {
                signed = tree.latest().checkpoint().size();
                signedRoot = tree.latest().checkpoint().root();
            }
            if (crash == 0) {
                tree.close();
            } else {
                tree.abandonAsIfCrashed();
            }
            chain.close();
            if (crash == 2) {
                tornLine(random);
            } else if (crash == 3) {
                damageATile(random);
            }
        }
        try (ChainLog chain = new ChainLog(dir, 256 * 1024);
             TransparencyLog tree = TransparencyLog.open(dir, chain, key, topics.verified(), note -> { }, Clock.systemUTC())) {
            assertThat(tree.tilesRoot(signed)).isEqualTo(signedRoot);
            assertThat(tree.latest().checkpoint().size()).isEqualTo(chain.lines());
        }
        LogVerifier.Report report = LogVerifier.verify(dir, key.verifier(), List.of(), n -> { });
        assertThat(report.problems()).isEmpty();
        assertThat(report.holds()).isTrue();
    }

    @Test
    void shouldIndexOnlyTheVerifiedTopicsEntriesAsAJobsProof() throws Exception {
        try (ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES);
             TransparencyLog tree = TransparencyLog.open(dir, chain, key, topics.verified(), note -> { }, Clock.systemUTC())) {
            String forged = "{\"event_type\":\"RESULT_VERIFIED\",\"reason\":\"none\",\"job_id\":\"J\",\"sha256\":\"" + "ab".repeat(32)
                    + "\",\"event_id\":\"x\",\"ts\":1}";
            String sinkOwn = "{\"event_type\":\"AUDIT_RECORD_UNREADABLE\",\"reason\":\"malformed\",\"event_id\":\"y\",\"ts\":1}";
            String invented = "{\"event_type\":\"MADE_UP\",\"reason\":\"made_up\",\"event_id\":\"z\",\"ts\":1}";
            List<ChainLog.Entry> entries = new ArrayList<>();
            for (String json : List.of(forged, sinkOwn, invented)) {
                entries.add(classifier.entry(record(topics.audit(), "J", json.getBytes(StandardCharsets.UTF_8))));
            }
            assertThat(entries).allSatisfy(e -> {
                assertThat(e.event().type()).isEqualTo(AuditEventType.AUDIT_FOREIGN_EVENT.name());
                assertThat(e.event().reason()).isEqualTo("other");
                assertThat(e.event().toString()).doesNotContain("\"J\"");
            });
            entries.add(classifier.entry(record(topics.verified(), "J", null))); // a tombstone
            entries.add(classifier.entry(record(topics.verified(), "K", verifiedJson("J", "cd".repeat(32))))); // key is not the job id
            entries.add(classifier.entry(record(topics.verified(), "J", verifiedJson("J", "ef".repeat(32)))));
            tree.append(chain.append(entries));
            tree.awaitSigned();
            assertThat(tree.indexOfJob("J")).isEqualTo(5);
            assertThat(tree.indexOfResult("J", "ef".repeat(32))).isEqualTo(5);
            assertThat(tree.indexOfResult("J", "ab".repeat(32))).isEqualTo(-1);
            assertThat(tree.indexOfResult("J", "cd".repeat(32))).isEqualTo(-1);
            assertThat(new String(tree.entry(5), StandardCharsets.UTF_8)).contains("\"logged_from\":\"" + topics.verified() + "/2/5\"");
        }
    }

    /**
     * A copy on the verified topic that keeps the job and core hash and changes what else the entry
     * vouches for is indexed apart: the stored result's members find its own entry, also after the index
     * is rebuilt from the chain; an earlier release's entry (without some members) is still found.
     */
    @Test
    void shouldFindAResultsEntryByEverythingItVouchesForNotByJobAndHashAlone() throws Exception {
        String sha = "ef".repeat(32);
        byte[] real = verifiedJson("J", sha);
        byte[] forged = ("{\"job_id\":\"J\",\"ok\":true,\"result\":\"{}\",\"sha256\":\"" + sha + "\",\"mode\":\"ed25519\",\"key_id\":\"forged\","
                + "\"node_id\":\"n\",\"node_attested\":true,\"canonical_version\":2,\"source_partition\":0,\"source_offset\":7,\"verified_at\":1}")
                .getBytes(StandardCharsets.UTF_8);
        java.util.function.Function<String, String> realMembers = member -> switch (member) {
            case "job_id" -> "J";
            case "sha256" -> sha;
            case "mode" -> "sha256";
            case "canonical_version", "source_partition" -> "0";
            case "node_attested" -> "false";
            case "source_offset" -> "7";
            case "verified_at" -> "1";
            default -> null;
        };
        com.fasterxml.jackson.databind.node.ObjectNode earlier = ChainLog.JSON.createObjectNode(); // no canonical_version, node_attested
        earlier.put("event_type", "RESULT_VERIFIED").put("event_id", "s/0/9").put("job_id", "L").put("sha256", sha).put("mode", "sha256")
                .putNull("key_id").putNull("node_id").put("source_partition", 0).put("source_offset", 9).put("verified_at", 2);
        try (ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES);
             TransparencyLog tree = TransparencyLog.open(dir, chain, key, topics.verified(), note -> { }, Clock.systemUTC())) {
            List<ChainLog.Entry> entries = new ArrayList<>();
            entries.add(classifier.entry(record(topics.verified(), "J", real)));
            entries.add(classifier.entry(record(topics.verified(), "J", forged)));
            entries.add(new ChainLog.Entry(earlier, topics.verified(), 0, 100));
            tree.append(chain.append(entries));
            tree.awaitSigned();
            assertThat(tree.indexOfResult("J", sha)).as("by job and hash: the newest, the copy").isEqualTo(1);
            assertThat(tree.indexOfExactResult(realMembers)).as("by everything: the stored result's own").isZero();
            assertThat(tree.indexOfExactResult(m -> m.equals("key_id") ? "other" : realMembers.apply(m))).isEqualTo(-1);
            assertThat(tree.indexOfExactResult(m -> switch (m) {
                case "job_id" -> "L";
                case "source_offset" -> "9";
                case "verified_at" -> "2";
                default -> realMembers.apply(m);
            })).as("an earlier release's entry, found by job and hash; the caller compares what it has").isEqualTo(2);
        }
        try (Stream<Path> index = Files.walk(dir.resolve(TransparencyLog.INDEX_DIR))) { // lost: rebuilt from the chain
            for (Path file : index.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
        try (ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES);
             TransparencyLog tree = TransparencyLog.open(dir, chain, key, topics.verified(), note -> { }, Clock.systemUTC())) {
            assertThat(tree.indexOfExactResult(realMembers)).as("rebuilt from the stored entries, the same key").isZero();
        }
    }

    private ConsumerRecord<byte[], byte[]> hostileRecord(Random random) {
        boolean verified = random.nextInt(4) == 0;
        String topic = verified ? topics.verified() : topics.audit();
        byte[] value = switch (random.nextInt(12)) {
            case 9 -> complete(random, "\"detail\":\"" + "y".repeat(65_000 + random.nextInt(2_000)) + "\""); // too large an entry
            case 10 -> complete(random, "\"source_partition\":0,\"source_offset\":" + ((1L << 53) + 1)); // not exactly a double
            case 11 -> complete(random, "\"detail\":\"a\\ud800b\",\"payload\":{\"secret\":1}"); // lone surrogate, foreign member
            case 0 -> ("{\"event_type\":\"RESULT_MALFORMED\",\"reason\":\"malformed\",\"n\":" + digits(random, 20 + random.nextInt(380)) + "}")
                    .getBytes(StandardCharsets.UTF_8);
            case 1 -> ("{\"event_type\":\"RESULT_MALFORMED\",\"reason\":\"malformed\",\"deep\":" + "[".repeat(60 + random.nextInt(2000))
                    + "]".repeat(0)).getBytes(StandardCharsets.UTF_8);
            case 2 -> ("{\"event_type\":\"RESULT_INTEGRITY_FAIL\",\"reason\":\"sha_mismatch\",\"big\":\"" + "x".repeat(60_000 + random.nextInt(10_000))
                    + "\"}").getBytes(StandardCharsets.UTF_8);
            case 3 -> {
                byte[] b = "{\"event_type\":\"RESULT_MALFORMED\",\"reason\":\"malformed\",\"s\":\"\u00ff\u00fe\"}".getBytes(StandardCharsets.ISO_8859_1);
                yield b; // not UTF-8
            }
            case 4 -> {
                byte[] b = new byte[random.nextInt(300)];
                random.nextBytes(b);
                yield b;
            }
            case 5 -> null;
            case 6 -> ("{\"event_type\":\"RESULT_VERIFIED\",\"reason\":\"none\",\"job_id\":\"j\",\"sha256\":\"00\",\"event_id\":\"e"
                    + random.nextInt(5) + "\"}").getBytes(StandardCharsets.UTF_8);
            case 7 -> verifiedJson("job-" + random.nextInt(50), Integer.toHexString(random.nextInt()).repeat(8));
            default -> ("{\"event_type\":\"RESULT_INTEGRITY_FAIL\",\"reason\":\"sha_mismatch\",\"event_id\":\"s/0/" + random.nextInt(100)
                    + "\",\"job_id\":\"job-" + random.nextInt(50) + "\",\"x\":[1e20,-0,0.1,\"\\ud83d\\ude00\"]}").getBytes(StandardCharsets.UTF_8);
        };
        String key = value != null && new String(value, StandardCharsets.UTF_8).contains("\"job_id\":\"job-")
                ? new String(value, StandardCharsets.UTF_8).replaceAll(".*\"job_id\":\"(job-[0-9]+)\".*", "$1") : null;
        return record(topic, key, value);
    }

    /** An audit event with every field its schema requires, plus {@code members}. */
    private static byte[] complete(Random random, String members) {
        return ("{\"event_type\":\"RESULT_MALFORMED\",\"reason\":\"malformed\",\"event_id\":\"s/0/" + random.nextInt(100)
                + "\",\"ts\":1," + members + "}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldLogAnEventAsItsSchemaDefinesItOrAPlaceholderThatSaysWhy() throws Exception {
        Random random = new Random(5);
        String extra = new String(classifier.entry(record(topics.audit(), null,
                complete(random, "\"detail\":\"d\",\"payload\":{\"secret\":\"s3cr3t\"}"))).event().canonical(), StandardCharsets.UTF_8);
        assertThat(extra).startsWith("{\"detail\":\"d\",").contains("\"event_type\":\"RESULT_MALFORMED\"").doesNotContain("s3cr3t")
                .doesNotContain("payload");
        for (String members : List.of("\"detail\":\"a\\ud800b\"", "\"source_partition\":0,\"source_offset\":" + ((1L << 53) + 1))) {
            LogEvent placeholder = classifier.entry(record(topics.audit(), null, complete(random, members))).event();
            assertThat(placeholder.type()).as(members).isEqualTo(AuditEventType.AUDIT_EVENT_NOT_LOGGABLE.name());
            assertThat(placeholder.toString()).as(members).contains("event not canonicalizable").contains("\"received_sha256\":\"");
        }
        LogEvent missingTs = classifier.entry(record(topics.audit(), null,
                "{\"event_type\":\"RESULT_MALFORMED\",\"reason\":\"malformed\",\"event_id\":\"x\"}".getBytes(StandardCharsets.UTF_8))).event();
        assertThat(missingTs.type()).isEqualTo(AuditEventType.AUDIT_RECORD_UNREADABLE.name());
        try (ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES)) {
            List<ChainLog.Logged> logged = chain.append(List.of(classifier.entry(record(topics.audit(), null,
                    complete(random, "\"detail\":\"" + "y".repeat(ChainLog.MAX_ENTRY_BYTES) + "\"")))));
            assertThat(logged.get(0).event().type()).isEqualTo(AuditEventType.AUDIT_EVENT_NOT_LOGGABLE.name());
            assertThat(logged.get(0).event().toString()).contains("larger than 65535 bytes");
        }
    }

    private ConsumerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ConsumerRecord<>(topic, (int) (offset % 3), offset++, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
    }

    private static byte[] verifiedJson(String jobId, String sha256) {
        return ("{\"job_id\":\"" + jobId + "\",\"ok\":true,\"result\":\"{}\",\"sha256\":\"" + sha256 + "\",\"mode\":\"sha256\","
                + "\"source_partition\":0,\"source_offset\":7,\"verified_at\":1}").getBytes(StandardCharsets.UTF_8);
    }

    private static String digits(Random random, int n) {
        StringBuilder sb = new StringBuilder().append((char) ('1' + random.nextInt(9)));
        for (int i = 1; i < n; i++) {
            sb.append((char) ('0' + random.nextInt(10)));
        }
        return sb.toString();
    }

    /** What a crash in the middle of a write leaves: part of a line at the end of the newest file. */
    private void tornLine(Random random) throws Exception {
        List<Path> files = ChainLog.files(dir);
        Path newest = files.get(files.size() - 1);
        byte[] part = ("{\"event\":{\"event_type\":\"RESULT_MALFORMED\",\"n\":" + digits(random, 50)).getBytes(StandardCharsets.UTF_8);
        Files.write(newest, java.util.Arrays.copyOf(part, 1 + random.nextInt(part.length)), StandardOpenOption.APPEND);
    }

    /** What a power cut can leave of tiles not yet fsynced: one tile file cut short or gone. */
    private void damageATile(Random random) throws Exception {
        List<Path> tiles;
        try (Stream<Path> walk = Files.walk(dir.resolve("tlog/tile"))) {
            tiles = walk.filter(Files::isRegularFile).sorted().toList();
        }
        if (tiles.isEmpty()) {
            return;
        }
        Path tile = tiles.get(random.nextInt(tiles.size()));
        if (random.nextBoolean()) {
            Files.delete(tile);
        } else {
            byte[] data = Files.readAllBytes(tile);
            Files.write(tile, java.util.Arrays.copyOf(data, data.length / 2));
        }
    }
}
