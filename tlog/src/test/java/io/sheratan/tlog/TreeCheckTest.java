package io.sheratan.tlog;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code verify-log}'s tree half: a copy that matches holds; an edited, deleted, reordered or truncated entry is named. */
class TreeCheckTest {

    @TempDir
    Path dir;
    private NoteKeys.Signer key;
    private List<byte[]> entries;

    @BeforeEach
    void writeLog() throws Exception {
        key = NoteKeys.fromSeed("test.example/audit", new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
        entries = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            entries.add(("{\"event_id\":\"e" + i + "\",\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
        }
        TileLog log = TileLog.create(dir);
        log.append(entries);
        log.sync();
        Files.writeString(dir.resolve("checkpoint"), Note.sign(new Checkpoint(key.name(), 1000, log.root()).text(), key));
    }

    private TreeCheck.Result check(List<String> kept) throws Exception {
        return TreeCheck.verify(dir, key.verifier(), kept, n -> { });
    }

    /** Rewrites the entry bundle that holds {@code list}'s entries from {@code bundle * 256}. */
    private void rewriteBundle(int bundle, List<byte[]> list) throws Exception {
        int from = bundle * 256;
        int to = Math.min(list.size(), from + 256);
        int width = Math.min(256, 1000 - from);
        ByteBuffer b = ByteBuffer.allocate(1 << 20);
        for (byte[] e : list.subList(from, to)) {
            b.putShort((short) e.length).put(e);
        }
        Path file = dir.resolve(Tiles.bundlePath(bundle, width));
        Files.write(file, java.util.Arrays.copyOf(b.array(), b.position()));
    }

    @Test
    void shouldHoldForAnUntouchedCopy() throws Exception {
        TreeCheck.Result result = check(List.of());
        assertThat(result.problems()).isEmpty();
        assertThat(result.entries()).isEqualTo(1000);
    }

    @Test
    void shouldNameAnEditedEntry() throws Exception {
        List<byte[]> edited = new ArrayList<>(entries);
        edited.set(517, "{\"event_id\":\"e517\",\"n\":0}".getBytes(StandardCharsets.UTF_8));
        rewriteBundle(2, edited);
        TreeCheck.Result result = check(List.of());
        assertThat(result.firstBad()).isEqualTo(517);
        assertThat(result.exact()).isTrue();
    }

    @Test
    void shouldNameADeletedEntry() throws Exception {
        List<byte[]> deleted = new ArrayList<>(entries);
        deleted.remove(300);
        deleted.add(entries.get(999)); // keep the bundle full: the gap shows as a shift
        rewriteBundle(1, deleted);
        assertThat(check(List.of()).firstBad()).isEqualTo(300);
    }

    @Test
    void shouldNameTheFirstOfTwoReorderedEntries() throws Exception {
        List<byte[]> reordered = new ArrayList<>(entries);
        reordered.set(10, entries.get(11));
        reordered.set(11, entries.get(10));
        rewriteBundle(0, reordered);
        assertThat(check(List.of()).firstBad()).isEqualTo(10);
    }

    @Test
    void shouldNameTheFirstMissingEntryOfATruncatedCopy() throws Exception {
        Files.delete(dir.resolve("tile/entries/003.p/232"));
        TreeCheck.Result result = check(List.of());
        assertThat(result.firstBad()).isEqualTo(768);
        assertThat(result.problems()).anyMatch(p -> p.contains("768"));
    }

    @Test
    void shouldCatchALogCutBackBelowAKeptCheckpoint() throws Exception {
        String kept = Files.readString(dir.resolve("checkpoint"));
        // an older, genuinely signed checkpoint put back in place of the newest one
        TileLog log = TileLog.open(dir, 1000);
        Files.writeString(dir.resolve("checkpoint"), Note.sign(new Checkpoint(key.name(), 600, log.root(600)).text(), key));
        TileLog.open(dir, 1000); // tiles are still there; the log's own checkpoint now says 600
        TreeCheck.Result result = check(List.of(kept));
        assertThat(result.holds()).isFalse();
        assertThat(result.problems()).anyMatch(p -> p.contains("cut back"));
    }

    @Test
    void shouldRefuseACheckpointSignedByAnotherKey() throws Exception {
        NoteKeys.Signer other = NoteKeys.fromSeed("test.example/audit", new byte[32]);
        Files.writeString(dir.resolve("checkpoint"), Note.sign(new Checkpoint(key.name(), 1000, new byte[32]).text(), other));
        assertThat(check(List.of()).problems()).singleElement().asString().contains("does not verify");
    }
}
