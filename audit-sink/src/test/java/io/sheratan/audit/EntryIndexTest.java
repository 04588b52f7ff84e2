package io.sheratan.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EntryIndexTest {

    @TempDir
    Path dir;

    private static List<EntryIndex.KeyAt> events(int from, int to) {
        List<EntryIndex.KeyAt> keys = new ArrayList<>();
        for (int i = from; i < to; i++) {
            keys.add(new EntryIndex.KeyAt(new EntryIndex.Key(EntryIndex.EVENT, "e" + i), i));
        }
        return keys;
    }

    @Test
    void shouldFindEveryKeyAndMissUnknownOnesAndOtherKinds() throws Exception {
        try (EntryIndex index = EntryIndex.open(dir.resolve("index"))) {
            index.add(events(0, 1000), 1000);
            assertThat(index.get(new EntryIndex.Key(EntryIndex.EVENT, "e999"))).isEqualTo(999);
            assertThat(index.get(new EntryIndex.Key(EntryIndex.EVENT, "e3"))).isEqualTo(3);
            assertThat(index.get(new EntryIndex.Key(EntryIndex.EVENT, "nope"))).isEqualTo(-1);
            assertThat(index.get(new EntryIndex.Key(EntryIndex.JOB, "e3"))).as("kinds do not collide").isEqualTo(-1);
            assertThat(index.size()).isEqualTo(1000);
        }
    }

    @Test
    void shouldNameTheNewestEntryOfAKeySeenAgain() throws Exception {
        try (EntryIndex index = EntryIndex.open(dir.resolve("index"))) {
            index.add(List.of(new EntryIndex.KeyAt(new EntryIndex.Key(EntryIndex.JOB, "j"), 5),
                    new EntryIndex.KeyAt(new EntryIndex.Key(EntryIndex.JOB, "j"), 6)), 7);
            index.add(List.of(new EntryIndex.KeyAt(new EntryIndex.Key(EntryIndex.JOB, "j"), 9)), 10);
            assertThat(index.get(new EntryIndex.Key(EntryIndex.JOB, "j"))).isEqualTo(9);
        }
    }

    @Test
    void shouldRememberItsKeysAndSizeAcrossAReopenAndDropAnOlderReleasesFile() throws Exception {
        Path old = dir.resolve("tlog-index.bin");
        java.nio.file.Files.write(old, new byte[32]);
        try (EntryIndex index = EntryIndex.open(dir.resolve("index"), old)) {
            index.add(events(0, 300), 300);
        }
        assertThat(old).doesNotExist();
        try (EntryIndex index = EntryIndex.open(dir.resolve("index"))) {
            assertThat(index.size()).isEqualTo(300);
            assertThat(index.get(new EntryIndex.Key(EntryIndex.EVENT, "e299"))).isEqualTo(299);
        }
        try (EntryIndex index = EntryIndex.recreate(dir.resolve("index"))) {
            assertThat(index.size()).isZero();
            assertThat(index.get(new EntryIndex.Key(EntryIndex.EVENT, "e299"))).isEqualTo(-1);
        }
    }

    @Test
    void shouldAnswerMissesAfterCloseInsteadOfTouchingAFreedHandle() throws Exception {
        EntryIndex index = EntryIndex.open(dir.resolve("index"));
        index.add(events(0, 10), 10);
        index.close();
        assertThat(index.get(new EntryIndex.Key(EntryIndex.EVENT, "e1"))).isEqualTo(-1);
        index.close();
    }

    @Test
    void shouldRefuseToOpenAnIndexOfAnEarlierReleaseSoItIsRebuiltWithExactResultKeys() throws Exception {
        try (org.rocksdb.Options options = new org.rocksdb.Options().setCreateIfMissing(true);
             org.rocksdb.RocksDB db = org.rocksdb.RocksDB.open(options, dir.resolve("index").toString())) {
            db.put(new byte[] {0, 's'}, java.nio.ByteBuffer.allocate(8).putLong(300).array()); // keys and size, no version
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EntryIndex.open(dir.resolve("index")))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("earlier release");
        try (EntryIndex index = EntryIndex.recreate(dir.resolve("index"))) {
            index.add(events(0, 3), 3);
        }
        try (EntryIndex index = EntryIndex.open(dir.resolve("index"))) {
            assertThat(index.size()).as("a rebuilt index opens again").isEqualTo(3);
        }
    }
}
