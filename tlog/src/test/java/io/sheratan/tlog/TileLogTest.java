package io.sheratan.tlog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The tiled store: C2SP paths and widths, roots and proofs equal to an in-memory tree, and resuming at a synced size. */
class TileLogTest {

    @TempDir
    Path dir;

    private static List<byte[]> entries(int from, int to) {
        List<byte[]> entries = new ArrayList<>();
        for (int i = from; i < to; i++) {
            entries.add(("{\"event_id\":\"e" + i + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        return entries;
    }

    @Test
    void shouldEncodeTileIndexesAsTheSpecDoes() {
        assertThat(Tiles.index(1234067)).isEqualTo("x001/x234/067");
        assertThat(Tiles.index(0)).isEqualTo("000");
        assertThat(Tiles.index(1000)).isEqualTo("x001/000");
        assertThat(Tiles.tilePath(1, 17, 5)).isEqualTo("tile/1/017.p/5");
        assertThat(Tiles.bundlePath(3, 256)).isEqualTo("tile/entries/003");
    }

    @Test
    void shouldLayOutTheTilesOfTheSpecsExampleSize() throws Exception {
        // tlog-tiles: "a tree of size 70,000 ... 273 full level 0 tiles, one partial level 0 tile of width
        // 112, one full level 1 tile, one partial level 1 tile of width 17, and one partial level 2 tile of width 1"
        TileLog log = TileLog.create(dir);
        log.append(entries(0, 70_000));
        log.sync();
        assertThat(dir.resolve("tile/0/272")).hasSize(8192);
        assertThat(dir.resolve("tile/0/273.p/112")).hasSize(112 * 32);
        assertThat(dir.resolve("tile/1/000")).hasSize(8192);
        assertThat(dir.resolve("tile/1/001.p/17")).hasSize(17 * 32);
        assertThat(dir.resolve("tile/2/000.p/1")).hasSize(32);
        assertThat(dir.resolve("tile/entries/273.p/112")).exists();
        assertThat(dir.resolve("tile/0/273")).doesNotExist();
        assertThat(dir.resolve("tile/0/272.p")).doesNotExist(); // partials go once the full tile is durable
    }

    @Test
    void shouldMatchAnInMemoryTreeForRootsProofsAndEntries() throws Exception {
        List<byte[]> all = entries(0, 1300);
        List<byte[]> leaves = all.stream().map(Merkle::leafHash).toList();
        Merkle.HashReader memory = Merkle.inMemory(leaves);
        TileLog log = TileLog.create(dir);
        for (int from = 0; from < all.size(); from += 97) {
            log.append(all.subList(from, Math.min(all.size(), from + 97)));
        }
        assertThat(log.size()).isEqualTo(1300);
        for (long size : new long[] {1, 255, 256, 257, 511, 512, 1024, 1299, 1300}) {
            assertThat(log.root(size)).as("root %d", size).isEqualTo(Merkle.root(memory, size));
            for (long index : new long[] {0, size / 2, size - 1}) {
                assertThat(log.inclusionProof(index, size)).containsExactlyElementsOf(Merkle.inclusionProof(memory, index, size));
            }
            assertThat(log.consistencyProof(size / 3, size)).containsExactlyElementsOf(Merkle.consistencyProof(memory, size / 3, size));
        }
        assertThat(log.entry(0)).isEqualTo(all.get(0));
        assertThat(log.entry(700)).isEqualTo(all.get(700));
        assertThat(log.entry(1299)).isEqualTo(all.get(1299));
        assertThatThrownBy(() -> log.entry(1300)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldResumeAtASyncedSizeAndGrowTheSameTree() throws Exception {
        List<byte[]> all = entries(0, 900);
        TileLog first = TileLog.create(dir);
        first.append(all.subList(0, 613));
        long synced = first.sync();
        first.append(all.subList(613, 700)); // written, never synced: a crash here
        TileLog resumed = TileLog.open(dir, synced);
        assertThat(resumed.size()).isEqualTo(613);
        assertThat(resumed.root()).isEqualTo(first.root(613));
        resumed.append(all.subList(613, 900));
        TileLog fresh = TileLog.create(dir.resolve("fresh"));
        fresh.append(all);
        assertThat(resumed.root()).isEqualTo(fresh.root());
        assertThat(resumed.inclusionProof(5, 900)).containsExactlyElementsOf(fresh.inclusionProof(5, 900));
    }

    @Test
    void shouldRefuseToResumeWhenATileOfTheSignedSizeIsMissing() throws Exception {
        TileLog log = TileLog.create(dir);
        log.append(entries(0, 300));
        log.sync();
        Files.delete(dir.resolve("tile/0/001.p/44"));
        assertThatThrownBy(() -> TileLog.open(dir, 300)).hasMessageContaining("tile/0/001.p/44");
    }

    @Test
    void shouldRefuseAnEntryLongerThanSixteenBitsCanSay() throws Exception {
        TileLog log = TileLog.create(dir);
        assertThatThrownBy(() -> log.append(List.of(new byte[65_536]))).hasMessageContaining("65535");
        log.append(List.of(new byte[65_535]));
        log.sync();
        assertThat(Tiles.reader(dir, 1).bundle(0).get(0)).hasSize(65_535);
    }

    @Test
    void shouldReplaceAPartialTileAReaderMayBeFetchingNotRewriteItInPlace() throws Exception {
        TileLog log = TileLog.create(dir);
        log.append(entries(0, 300));
        TileLog.SyncPoint point = log.prepareSync();
        log.writePartials(point); // what the published checkpoint names, before it is durable
        Path partial = dir.resolve("tile/0/001.p/44");
        byte[] bytes = Files.readAllBytes(partial);
        Object before = Files.readAttributes(partial, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        log.completeSync(point);
        assertThat(Files.readAttributes(partial, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
                .as("renamed over, so an open reader keeps whole bytes (a rewrite in place truncates first)").isNotEqualTo(before);
        assertThat(partial).hasBinaryContent(bytes);
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(f -> f.getFileName().toString().contains(".tmp-"))).as("no temporary file left").isEmpty();
        }
    }

    @Test
    void shouldReplaceAFullTileWrittenAgainAfterACrashNotRewriteItInPlace() throws Exception {
        TileLog log = TileLog.create(dir);
        log.append(entries(0, 100));
        long durable = log.sync();
        log.append(entries(100, 300)); // tile/0/000 and bundle 000 full, not yet durable: then the process dies
        Path full = dir.resolve("tile/entries/000");
        byte[] bytes = Files.readAllBytes(full);
        Object before = Files.readAttributes(full, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        TileLog reopened = TileLog.open(dir, durable);
        reopened.append(entries(100, 300)); // caught up from the chain: the same tiles again
        assertThat(Files.readAttributes(full, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
                .as("renamed over: a reader of the published checkpoint never gets it cut short").isNotEqualTo(before);
        assertThat(full).hasBinaryContent(bytes);
    }
}
