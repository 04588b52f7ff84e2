package io.sheratan.audit;

import io.sheratan.avro.codec.AuditEventType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sheratan.tlog.Checkpoint;
import io.sheratan.tlog.Merkle;
import io.sheratan.tlog.Note;
import io.sheratan.tlog.NoteKeys;
import io.sheratan.tlog.TileLog;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Merkle log beside the chain, through crashes and tampering, without a broker: it resumes at
 * the signed size and catches up from the chain; it rebuilds lost tiles; it never signs a tree that
 * does not extend the last checkpoint (lines removed, lines edited, another key) and says why.
 */
class TransparencyLogTest {

    @TempDir
    Path dir;
    private NoteKeys.Signer key;
    private final List<String> published = new ArrayList<>();
    private Instant now = Instant.parse("2026-11-29T10:00:00Z");

    @BeforeEach
    void key() throws Exception {
        key = NoteKeys.fromSeed("test.local/audit", new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
                9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 1});
    }

    /** A clock the test moves. */
    private Clock clock() {
        return new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now;
            }
        };
    }

    private static List<ChainLog.Entry> events(int from, int to) {
        List<ChainLog.Entry> entries = new ArrayList<>();
        for (int i = from; i < to; i++) {
            ObjectNode event = ChainLog.JSON.createObjectNode();
            event.put("event_id", "t/0/" + i).put("event_type", "RESULT_INTEGRITY_FAIL").put("reason", "sha_mismatch").put("job_id", "j" + i);
            entries.add(new ChainLog.Entry(event, "t", 0, i));
        }
        return entries;
    }

    /** What the sink does per batch: chain first (fsynced), then the tree, then maybe a checkpoint. */
    private void write(ChainLog chain, TransparencyLog tree, int from, int to) throws Exception {
        tree.append(chain.append(events(from, to)));
        now = now.plusSeconds(2);
    }

    /** A log of {@code n} entries with a checkpoint of all of them, closed. */
    private void signedLog(int n) throws Exception {
        try (ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES); TransparencyLog tree = open(chain)) {
            write(chain, tree, 0, n);
            tree.maybeSign();
            tree.awaitSigned();
        }
    }

    private TransparencyLog open(ChainLog chain) throws Exception {
        return TransparencyLog.open(dir, chain, key, published::add, clock());
    }

    @Test
    void shouldSignAtMostOnceASecondAndOnlyTreesThatGrew() throws Exception {
        try (ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES); TransparencyLog tree = open(chain)) {
            assertThat(tree.latest()).isNull();
            tree.append(chain.append(events(0, 10)));
            assertThat(tree.maybeSign()).isTrue();
            tree.awaitSigned();
            tree.append(chain.append(events(10, 20)));
            assertThat(tree.maybeSign()).as("within the second").isFalse();
            now = now.plusMillis(1000);
            assertThat(tree.maybeSign()).isTrue();
            tree.awaitSigned();
            assertThat(tree.maybeSign()).as("nothing new").isFalse();
        }
        assertThat(published).hasSize(2);
        Checkpoint last = Note.openCheckpoint(published.get(1), key.verifier());
        assertThat(last.size()).isEqualTo(20);
        assertThat(Files.readString(dir.resolve("tlog/checkpoint"))).isEqualTo(published.get(1));
    }

    @Test
    void shouldGoOnSigningAndSyncingWhenTheClockStepsBack() throws Exception {
        try (ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES); TransparencyLog tree = open(chain)) {
            tree.append(chain.append(events(0, 10)));
            assertThat(tree.maybeSign()).isTrue();
            tree.awaitSigned();
            now = now.minus(java.time.Duration.ofHours(1)); // NTP corrects a clock that ran ahead
            tree.append(chain.append(events(10, 20)));
            assertThat(tree.maybeSign()).as("a request dated ahead of now counts as long ago").isTrue();
            tree.awaitSigned();
            assertThat(tree.latest().checkpoint().size()).isEqualTo(20);
            assertThat(Files.readString(dir.resolve("tlog/durable")).trim()).as("the sync point dated ahead is made durable").isEqualTo("10");
        }
    }

    @Test
    void shouldCatchUpAfterACrashBetweenTheChainAndTheTree() throws Exception {
        byte[] rootBefore;
        try (ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES); TransparencyLog tree = open(chain)) {
            write(chain, tree, 0, 300);
            assertThat(tree.maybeSign()).isTrue();
            tree.awaitSigned();
            chain.append(events(300, 700)); // fsynced in the chain; the process dies before the tree
            rootBefore = tree.latest().checkpoint().root();
        }
        try (ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES); TransparencyLog tree = open(chain)) {
            assertThat(tree.size()).isEqualTo(700);
            assertThat(tree.latest().checkpoint().size()).as("signed at start").isEqualTo(700);
            assertThat(tree.indexOfEvent("t/0/650")).isEqualTo(650);
            assertThat(tree.indexOfEvent("t/0/5")).isEqualTo(5);
            assertThat(tree.indexOfEvent("t/0/701")).isEqualTo(-1);
            // and the tree is the one a clean run builds
            TileLog clean = TileLog.create(dir.resolve("clean"));
            List<byte[]> all = new ArrayList<>();
            ChainLog.entries(dir, 0, logged -> all.add(logged.entry()));
            clean.append(all);
            assertThat(tree.latest().checkpoint().root()).isEqualTo(clean.root());
            assertThat(clean.root(300)).isEqualTo(rootBefore);
        }
        assertThat(published).extracting(n -> Checkpoint.parse(Note.open(n, key.verifier()).text()).size()).containsExactly(300L, 700L);
    }

    @Test
    void shouldRewriteTilesThatWereNotYetDurableWhenTheProcessDied() throws Exception {
        ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES);
        TransparencyLog tree = open(chain);
        write(chain, tree, 0, 1000);
        tree.maybeSign();
        tree.awaitSigned(); // signed; its tiles are written but not yet fsynced (DURABLE_LAG)
        byte[] signedRoot = tree.latest().checkpoint().root();
        assertThat(dir.resolve("tlog/durable")).doesNotExist();
        Files.write(dir.resolve("tlog/tile/0/001"), new byte[8192]); // what a power cut can leave
        Files.delete(dir.resolve("tlog/tile/entries/002"));
        tree.abandonAsIfCrashed(); // the process died here: no close
        try (ChainLog reopened = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES); TransparencyLog again = open(reopened)) {
            assertThat(again.latest().checkpoint().root()).isEqualTo(signedRoot);
            assertThat(again.size()).isEqualTo(1000);
            String proof = again.inclusionProof(300);
            assertThat(io.sheratan.tlog.InclusionProof.parse(proof).verify(key.verifier(), null).size()).isEqualTo(1000);
            assertThat(Files.readAllBytes(dir.resolve("tlog/tile/0/001"))).isNotEqualTo(new byte[8192]);
        }
        assertThat(dir.resolve("tlog/durable")).as("a clean stop makes every signed size durable").hasContent("1000");
        chain.close();
    }

    @Test
    void shouldServeTheSignedSizesTilesAgainWhenTheyWereRebuiltAfterACrash() throws Exception {
        ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES);
        TransparencyLog tree = open(chain);
        write(chain, tree, 0, 403);
        tree.maybeSign();
        tree.awaitSigned(); // everything signed, nothing durable yet: a kill now loses the tiles' durability
        tree.abandonAsIfCrashed();
        chain.close();
        try (ChainLog reopened = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES); TransparencyLog again = open(reopened)) {
            assertThat(again.latest().checkpoint().size()).isEqualTo(403);
            // an auditor reads the running log: the checkpoint's partial tiles must be there again
            assertThat(LogVerifier.verify(dir, key.verifier(), List.of(), n -> { }).problems()).isEmpty();
        }
    }

    @Test
    void shouldRebuildLostTilesFromTheChain() throws Exception {
        signedLog(1000);
        try (Stream<Path> tiles = Files.walk(dir.resolve("tlog/tile"))) {
            for (Path p : tiles.filter(Files::isRegularFile).toList()) {
                Files.delete(p);
            }
        }
        try (ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES); TransparencyLog tree = open(chain)) {
            assertThat(tree.size()).isEqualTo(1000);
            assertThat(tree.inclusionProof(999)).contains("index 999");
            assertThat(tree.indexOfEvent("t/0/999")).isEqualTo(999);
        }
    }

    @Test
    void shouldRefuseToGoOnWhenLinesWereRemovedBelowTheSignedSize() throws Exception {
        signedLog(50);
        Path file = ChainLog.files(dir).get(0);
        List<String> lines = Files.readAllLines(file);
        Files.write(file, lines.subList(0, 40));
        try (ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES)) {
            assertThatThrownBy(() -> open(chain)).isInstanceOf(TransparencyLog.HistoryException.class)
                    .hasMessageContaining("40 lines").hasMessageContaining("covers 50");
        }
        assertThat(published).hasSize(1);
    }

    @Test
    void shouldRefuseToGoOnWhenASignedLineWasEditedAndTheTilesRebuilt() throws Exception {
        signedLog(50);
        Path file = ChainLog.files(dir).get(0);
        Files.writeString(file, Files.readString(file).replaceFirst("\"job_id\":\"j7\"", "\"job_id\":\"jX\""));
        TileLog.create(dir.resolve("tlog")); // the tiles are gone too: the tree must come from the chain
        try (ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES)) {
            assertThatThrownBy(() -> open(chain)).isInstanceOf(TransparencyLog.HistoryException.class)
                    .hasMessageContaining("no longer hash to the root");
        }
        assertThat(published).hasSize(1);
    }

    @Test
    void shouldRefuseACheckpointOfAnotherKey() throws Exception {
        signedLog(5);
        NoteKeys.Signer other = NoteKeys.fromSeed("test.local/audit", new byte[32]);
        try (ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES)) {
            assertThatThrownBy(() -> TransparencyLog.open(dir, chain, other, published::add, clock()))
                    .isInstanceOf(TransparencyLog.HistoryException.class).hasMessageContaining("does not verify under the log key in use");
        }
    }

    @Test
    void shouldLogAnOversizedEventAsAPlaceholderEntry() throws Exception {
        try (ChainLog chain = new ChainLog(dir, ChainLog.DEFAULT_MAX_FILE_BYTES); TransparencyLog tree = open(chain)) {
            ObjectNode big = ChainLog.JSON.createObjectNode();
            big.put("event_id", "t/0/0").put("event_type", "RESULT_MALFORMED").put("reason", "malformed").put("detail", "x".repeat(65_600));
            tree.append(chain.append(List.of(new ChainLog.Entry(big, "t", 0, 0, "ab".repeat(32)))));
            tree.awaitSigned();
            assertThat(new String(tree.entry(0), StandardCharsets.UTF_8)).contains(AuditEventType.AUDIT_EVENT_NOT_LOGGABLE.name()).contains("Merkle log entry");
            assertThat(Merkle.leafHash(tree.entry(0))).hasSize(32);
        }
    }
}
