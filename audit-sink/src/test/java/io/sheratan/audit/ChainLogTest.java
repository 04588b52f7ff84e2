package io.sheratan.audit;

import io.sheratan.avro.codec.AuditEventType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sheratan.integrity.Marks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Arrays;
import org.assertj.core.api.Assertions;

class ChainLogTest {

    private static ChainLog.Entry entry(int i) {
        ObjectNode event = ChainLog.JSON.createObjectNode();
        event.put("event_id", "t/0/" + i);
        event.put("event_type", i % 2 == 0 ? "RESULT_INTEGRITY_FAIL" : "RESULT_CONFLICT");
        event.put("reason", i % 2 == 0 ? "sha_mismatch" : "conflict");
        event.put("job_id", "job-" + i);
        event.put("ts", 1_700_000_000_000L + i);
        return new ChainLog.Entry(event, "t", i % 3, i);
    }

    private static void write(Path dir, int count, long maxFileBytes) throws Exception {
        try (ChainLog log = new ChainLog(dir, maxFileBytes)) {
            List<ChainLog.Entry> batch = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                batch.add(entry(i));
                if (batch.size() == 7) {
                    log.append(batch);
                    batch.clear();
                }
            }
            log.append(batch);
        }
    }

    private static List<String> lines(Path file) throws Exception {
        return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    private static Path only(Path dir) throws Exception {
        return ChainLog.files(dir).get(0);
    }

    @Test
    void shouldRememberTheOffsetOfAPartitionQuietAcrossManyRotations(@TempDir Path dir) throws Exception {
        try (ChainLog log = new ChainLog(dir, 1)) { // every batch opens a new file
            log.append(List.of(new ChainLog.Entry(entry(0).event(), "t", 0, 5)));
            for (int i = 1; i <= 4; i++) {
                log.append(List.of(new ChainLog.Entry(entry(i).event(), "t", 1, 100 + i)));
            }
        }
        assertThat(ChainLog.files(dir)).hasSize(5);
        try (ChainLog reopened = new ChainLog(dir, 1)) {
            assertThat(reopened.lastOffset("t", 0)).as("partition 0 wrote last three files ago").isEqualTo(5);
            assertThat(reopened.lastOffset("t", 1)).isEqualTo(104);
            assertThat(reopened.lines()).isEqualTo(5);
        }
        // without the offsets files (a log of an older release) every file is read instead
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(p -> p.toString().endsWith(".offsets")).toList()) {
                Files.delete(p);
            }
        }
        try (ChainLog reopened = new ChainLog(dir, 1)) {
            assertThat(reopened.lastOffset("t", 0)).isEqualTo(5);
        }
    }

    @Test
    void shouldLeaveNoGapInTheFileNumbersWhenARotationFails(@TempDir Path dir) throws Exception {
        try (ChainLog log = new ChainLog(dir, 1)) { // every batch opens a new file
            log.append(List.of(entry(0)));
            Path blocker = Files.createDirectories(dir.resolve("audit-000002.offsets.tmp")); // what a full disk does to the write
            Assertions.assertThatThrownBy(() -> log.append(List.of(entry(1)))).isInstanceOf(java.io.IOException.class);
            Files.delete(blocker);
            log.append(List.of(entry(1)));
            log.append(List.of(entry(2)));
        }
        assertThat(ChainLog.files(dir)).extracting(p -> p.getFileName().toString())
                .containsExactly("audit-000001.jsonl", "audit-000002.jsonl", "audit-000003.jsonl");
        ChainVerifier.Report report = ChainVerifier.verify(dir);
        assertThat(report.intact()).as(String.valueOf(report.problem())).isTrue();
        assertThat(report.lines()).isEqualTo(3);
    }

    @Test
    void shouldChainTheFirstLineToTheDocumentedGenesis(@TempDir Path dir) throws Exception {
        assertThat(ChainLog.GENESIS).isEqualTo("0000000000000000000000000000000000000000000000000000000000000000");
        write(dir, 1, ChainLog.DEFAULT_MAX_FILE_BYTES);
        String line = lines(only(dir)).get(0);
        assertThat(line).contains("\"prev_hash\":\"" + ChainLog.GENESIS + "\"").contains("\"seq\":1");
        // hash = SHA-256(prev_hash || canonical(line without hash)), recomputed here by hand
        String hash = line.substring(line.indexOf(",\"hash\":\"") + 9, line.indexOf(",\"hash\":\"") + 73);
        String withoutHash = line.replace(",\"hash\":\"" + hash + "\"", "");
        assertThat(Marks.sha256Hex((ChainLog.GENESIS + withoutHash).getBytes(StandardCharsets.UTF_8))).isEqualTo(hash);
    }

    @Test
    void shouldVerifyAnIntactChainAndContinueItAcrossReopening(@TempDir Path dir) throws Exception {
        write(dir, 50, ChainLog.DEFAULT_MAX_FILE_BYTES);
        write(dir, 50, ChainLog.DEFAULT_MAX_FILE_BYTES);
        ChainVerifier.Report report = ChainVerifier.verify(dir);
        assertThat(report.intact()).as(report.problem()).isTrue();
        assertThat(report.lines()).isEqualTo(100);
        try (ChainLog reopened = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES)) {
            assertThat(reopened.head()).isEqualTo(report.head());
            assertThat(reopened.lastOffset("t", 0)).isEqualTo(48);
        }
    }

    @Test
    void shouldKeepTheChainAcrossRotation(@TempDir Path dir) throws Exception {
        write(dir, 200, 4096);
        assertThat(ChainLog.files(dir)).hasSizeGreaterThan(3);
        ChainVerifier.Report report = ChainVerifier.verify(dir);
        assertThat(report.intact()).as(report.problem()).isTrue();
        assertThat(report.lines()).isEqualTo(200);
        assertThat(report.files()).isEqualTo(ChainLog.files(dir).size());
    }

    @Test
    void shouldNameAnEditedLine(@TempDir Path dir) throws Exception {
        write(dir, 20, ChainLog.DEFAULT_MAX_FILE_BYTES);
        List<String> lines = lines(only(dir));
        lines.set(8, lines.get(8).replace("sha_mismatch", "conflict"));
        Files.write(only(dir), lines, StandardCharsets.UTF_8);
        assertThat(ChainVerifier.verify(dir).problem()).contains("line 9").contains("edited");
    }

    @Test
    void shouldNameADeletedLine(@TempDir Path dir) throws Exception {
        write(dir, 20, ChainLog.DEFAULT_MAX_FILE_BYTES);
        List<String> lines = lines(only(dir));
        lines.remove(4);
        Files.write(only(dir), lines, StandardCharsets.UTF_8);
        assertThat(ChainVerifier.verify(dir).problem()).contains("line 5").contains("seq 6 where 5");
    }

    @Test
    void shouldNameAnInsertedLine(@TempDir Path dir) throws Exception {
        write(dir, 20, ChainLog.DEFAULT_MAX_FILE_BYTES);
        List<String> lines = lines(only(dir));
        lines.add(3, lines.get(2));
        Files.write(only(dir), lines, StandardCharsets.UTF_8);
        assertThat(ChainVerifier.verify(dir).problem()).contains("line 4");
    }

    @Test
    void shouldNameReorderedLines(@TempDir Path dir) throws Exception {
        write(dir, 20, ChainLog.DEFAULT_MAX_FILE_BYTES);
        List<String> lines = lines(only(dir));
        String seventh = lines.get(6);
        lines.set(6, lines.get(7));
        lines.set(7, seventh);
        Files.write(only(dir), lines, StandardCharsets.UTF_8);
        assertThat(ChainVerifier.verify(dir).problem()).contains("line 7");
    }

    @Test
    void shouldNameAFileMissingFromTheMiddle(@TempDir Path dir) throws Exception {
        write(dir, 200, 4096);
        Files.delete(ChainLog.files(dir).get(1));
        assertThat(ChainVerifier.verify(dir).problem()).contains("audit-000002.jsonl is missing");
    }

    @Test
    void shouldNotSeeTruncationOfTheNewestLinesButPrintAnotherHead(@TempDir Path dir) throws Exception {
        write(dir, 20, ChainLog.DEFAULT_MAX_FILE_BYTES);
        String fullHead = ChainVerifier.verify(dir).head();
        List<String> lines = lines(only(dir));
        Files.write(only(dir), lines.subList(0, 15), StandardCharsets.UTF_8);
        ChainVerifier.Report truncated = ChainVerifier.verify(dir);
        assertThat(truncated.intact()).isTrue();
        assertThat(truncated.head()).as("compare with a copy kept elsewhere").isNotEqualTo(fullHead);
    }

    @Test
    void shouldQueryByJobIdReasonAndType(@TempDir Path dir) throws Exception {
        write(dir, 30, ChainLog.DEFAULT_MAX_FILE_BYTES);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long matched = AuditQuery.run(dir, new AuditQuery.Filter("job-7", null, null, null, null), new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(matched).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"job_id\":\"job-7\"").doesNotContain("prev_hash");
        assertThat(AuditQuery.run(dir, new AuditQuery.Filter(null, "conflict", "RESULT_CONFLICT", null, null), new PrintStream(new ByteArrayOutputStream())))
                .isEqualTo(15);
        assertThat(AuditQuery.run(dir, new AuditQuery.Filter(null, null, null,
                Instant.ofEpochMilli(1_700_000_000_010L), Instant.ofEpochMilli(1_700_000_000_020L)),
                new PrintStream(new ByteArrayOutputStream()))).isEqualTo(10);
    }

    // ------------------------------------------------------------------ events and files an attacker or a crash can produce

    @Test
    void shouldLogAPlaceholderForAnEventTheCanonicalizerRefusesAndKeepGoing(@TempDir Path dir) throws Exception {
        ObjectNode inexact = ChainLog.JSON.createObjectNode();
        inexact.put("event_type", "RESULT_MALFORMED");
        inexact.put("reason", "malformed");
        inexact.put("big", new BigInteger("123456789012345678901234567890"));
        ObjectNode huge = ChainLog.JSON.createObjectNode();
        huge.put("event_type", "RESULT_MALFORMED");
        huge.put("reason", "malformed");
        huge.put("detail", "\u0001".repeat(200_000)); // six bytes each once escaped
        try (ChainLog log = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES)) {
            log.append(List.of(new ChainLog.Entry(inexact, "t", 0, 1, "aa".repeat(32)),
                    new ChainLog.Entry(huge, "t", 0, 2, "bb".repeat(32)), entry(3)));
        }
        List<String> lines = lines(only(dir));
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).contains(AuditEventType.AUDIT_EVENT_NOT_LOGGABLE.name()).contains("inexact_integer").contains("aa".repeat(32))
                .contains("\"event_id\":\"t/0/1\"").doesNotContain("1234567890123");
        assertThat(lines.get(1)).contains(AuditEventType.AUDIT_EVENT_NOT_LOGGABLE.name()).contains("bb".repeat(32));
        assertThat(lines.get(1).length()).isLessThan(ChainLog.MAX_LINE_BYTES);
        assertThat(lines.get(2)).contains("job-3");
        ChainVerifier.Report report = ChainVerifier.verify(dir);
        assertThat(report.intact()).as(report.problem()).isTrue();
    }

    @Test
    void shouldCutATornLastLineBackAndContinueTheChain(@TempDir Path dir) throws Exception {
        write(dir, 10, ChainLog.DEFAULT_MAX_FILE_BYTES);
        Path file = only(dir);
        String last = lines(file).get(9);
        byte[] all = Files.readAllBytes(file);
        // the crash left the last line half written, without its newline
        Files.write(file, Arrays.copyOf(all, all.length - last.length() / 2 - 1));

        try (ChainLog reopened = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES)) {
            assertThat(reopened.lines()).isEqualTo(9);
            assertThat(reopened.lastOffset("t", 9 % 3)).as("the torn event will be read again").isEqualTo(6);
            reopened.append(List.of(entry(9)));
        }
        assertThat(lines(file)).hasSize(10);
        ChainVerifier.Report report = ChainVerifier.verify(dir);
        assertThat(report.intact()).as(report.problem()).isTrue();
    }

    @Test
    void shouldRefuseToAppendAfterAnEditedLineInTheMiddle(@TempDir Path dir) throws Exception {
        write(dir, 5, ChainLog.DEFAULT_MAX_FILE_BYTES);
        Path file = only(dir);
        List<String> text = lines(file);
        text.set(2, "{not json");
        Files.write(file, text, StandardCharsets.UTF_8);
        Assertions.assertThatThrownBy(() -> new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES))
                .hasMessageContaining("line 3");
    }

    @Test
    void shouldRefuseToStreamEntriesPastAMissingFileRatherThanShiftTheirIndexes(@TempDir Path dir) throws Exception {
        try (ChainLog log = new ChainLog(dir, 1)) { // every batch opens a new file
            for (int i = 0; i < 4; i++) {
                log.append(List.of(entry(i)));
            }
        }
        List<Path> files = ChainLog.files(dir);
        assertThat(files).hasSize(4);
        List<byte[]> all = new java.util.ArrayList<>();
        ChainLog.entries(dir, 0, logged -> all.add(logged.entry()));
        assertThat(all).hasSize(4);
        java.nio.file.Files.delete(files.get(1));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChainLog.entries(dir, 0, logged -> { }))
                .isInstanceOf(java.io.UncheckedIOException.class).hasMessageContaining("line 3").hasMessageContaining("line 2 was expected");
    }
}
