package io.sheratan.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sheratan.audit.ChainLog;
import io.sheratan.audit.TransparencyLog;
import io.sheratan.tlog.NoteKeys;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The auditor's offline commands over a log written by the sink's own classes (no broker): a copy
 * that holds passes; an edited, deleted, reordered or truncated entry fails naming the first bad
 * index; proofs and consistency proofs check with the verifier key alone, and fail for another key.
 */
class AuditCommandsTest {

    @TempDir
    Path dir;
    private String verifierKey;
    private final List<String> notes = new ArrayList<>();

    private record Run(int exit, String out, String err) {
    }

    private static synchronized Run audit(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = new CommandLine(new AuditCommand()).setExecutionExceptionHandler(new ErrorHandler()).execute(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @BeforeEach
    void writeLog() throws Exception {
        NoteKeys.Signer key = NoteKeys.fromSeed("test.local/audit", "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
        verifierKey = key.verifier().encoded();
        try (ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES)) {
            write(chain, 0, 400, key);
            write(chain, 400, 700, key);
        }
    }

    private void write(ChainLog chain, int from, int to, NoteKeys.Signer key) throws Exception {
        // a clock "from" seconds ahead: the second batch is signed at once, not after a wait of a second
        try (TransparencyLog tree = TransparencyLog.open(dir, chain, key, notes::add, Clock.offset(Clock.systemUTC(), java.time.Duration.ofSeconds(from)))) {
            List<ChainLog.Entry> entries = new ArrayList<>();
            for (int i = from; i < to; i++) {
                ObjectNode event = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
                event.put("event_id", "s/0/" + i).put("event_type", i % 3 == 0 ? "RESULT_VERIFIED" : "RESULT_INTEGRITY_FAIL")
                        .put("job_id", "job-" + i).put("sha256", "%064x".formatted(i));
                entries.add(new ChainLog.Entry(event, "t", 0, i));
            }
            tree.append(chain.append(entries));
            tree.maybeSign();
            tree.awaitSigned();
            Files.writeString(dir.resolve("proof-" + from + ".txt"), tree.inclusionProof(from + 1));
            Files.writeString(dir.resolve("consistency.txt"), tree.consistencyProof(400, tree.size()));
        }
    }

    @Test
    void shouldHoldForAnUntouchedLog() {
        Run run = audit("verify-log", dir.toString(), "--log-key", verifierKey);
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out()).contains("700 entries").contains("chain: intact").contains("holds");
    }

    @Test
    void shouldReportTheChainAsJsonForScripts() throws Exception {
        Run intact = audit("verify-chain", dir.toString(), "--json");
        assertThat(intact.exit()).as(intact.err()).isZero();
        com.fasterxml.jackson.databind.JsonNode report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(intact.out());
        assertThat(report.get("intact").asBoolean()).isTrue();
        assertThat(report.get("lines").asLong()).isEqualTo(700);
        assertThat(report.get("head").asText()).hasSize(64);
        Path first;
        try (var files = Files.list(dir)) {
            first = files.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().findFirst().orElseThrow();
        }
        List<String> lines = new ArrayList<>(Files.readAllLines(first));
        lines.set(5, lines.get(5).replace("job-5", "job-6"));
        Files.write(first, lines);
        Run broken = audit("verify-chain", dir.toString(), "--json");
        assertThat(broken.exit()).isEqualTo(1);
        {
            com.fasterxml.jackson.databind.JsonNode b = new com.fasterxml.jackson.databind.ObjectMapper().readTree(broken.out());
            assertThat(b.get("intact").asBoolean()).isFalse();
            assertThat(b.get("problem").asText()).isNotBlank();
        }
    }

    @Test
    void shouldNameTheFirstBadIndexOfAnEditedLine() throws Exception {
        assertThat(verifyLogAfter(lines -> lines.set(123, lines.get(123).replace("\"job_id\":\"job-123\"", "\"job_id\":\"job-999\""))))
                .contains("first bad index 123");
    }

    @Test
    void shouldNameTheFirstBadIndexOfADeletedLine() throws Exception {
        assertThat(verifyLogAfter(lines -> lines.remove(250))).contains("first bad index 250");
    }

    @Test
    void shouldNameTheFirstOfTwoReorderedLines() throws Exception {
        assertThat(verifyLogAfter(lines -> lines.add(251, lines.remove(250)))).contains("first bad index 250");
    }

    /** Edits the JSONL lines of the log, runs verify-log, expects it to fail and returns what it printed. */
    private String verifyLogAfter(java.util.function.Consumer<List<String>> edit) throws Exception {
        Path file = ChainLog.files(dir).get(0);
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        edit.accept(lines);
        Files.write(file, lines);
        Run run = audit("verify-log", dir.toString(), "--log-key", verifierKey);
        assertThat(run.exit()).as(run.out()).isEqualTo(1);
        return run.out();
    }

    @Test
    void shouldNameTheFirstMissingIndexOfATruncatedLog() throws Exception {
        assertThat(verifyLogAfter(lines -> lines.subList(650, lines.size()).clear())).contains("first bad index 650");
    }

    @Test
    void shouldNameAnEditedEntryBundle() throws Exception {
        Path bundle = dir.resolve("tlog/tile/entries/000");
        byte[] bytes = Files.readAllBytes(bundle);
        String text = new String(bytes, StandardCharsets.ISO_8859_1).replace("job-77\"", "job-78\"");
        Files.write(bundle, text.getBytes(StandardCharsets.ISO_8859_1));
        Run run = audit("verify-log", dir.toString(), "--log-key", verifierKey);
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("first bad index 77");
    }

    @Test
    void shouldCheckProofsAndConsistencyOfflineWithTheKeyAlone() throws Exception {
        Files.writeString(dir.resolve("old"), notes.get(0));
        Files.writeString(dir.resolve("new"), notes.get(1));
        Run proof = audit("verify-proof", dir.resolve("proof-400.txt").toString(), "--log-key", verifierKey);
        assertThat(proof.exit()).as(proof.err()).isZero();
        assertThat(proof.out()).contains("entry 401").contains("job-401");
        Run consistency = audit("verify-consistency", dir.resolve("old").toString(), dir.resolve("new").toString(),
                "--proof", dir.resolve("consistency.txt").toString(), "--log-key", verifierKey);
        assertThat(consistency.exit()).as(consistency.out() + consistency.err()).isZero();
        assertThat(audit("verify-consistency", dir.resolve("new").toString(), dir.resolve("old").toString(),
                "--proof", dir.resolve("consistency.txt").toString(), "--log-key", verifierKey).exit()).isEqualTo(1);

        String otherKey = NoteKeys.fromSeed("test.local/audit", new byte[32]).verifier().encoded();
        assertThat(audit("verify-proof", dir.resolve("proof-400.txt").toString(), "--log-key", otherKey).exit()).isEqualTo(1);
        String tampered = Files.readString(dir.resolve("proof-400.txt")).replace("index 401", "index 402");
        Files.writeString(dir.resolve("tampered"), tampered);
        assertThat(audit("verify-proof", dir.resolve("tampered").toString(), "--log-key", verifierKey).exit()).isEqualTo(1);
        assertThat(audit("verify-proof", dir.resolve("proof-400.txt").toString(), "--log-key", "not-a-key").exit()).isEqualTo(2);
    }
}
