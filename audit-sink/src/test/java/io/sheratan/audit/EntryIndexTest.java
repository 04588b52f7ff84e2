package io.sheratan.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The id index: bounded in memory, complete on disk, cut back to what the tree resumes from. */
class EntryIndexTest {

    @TempDir
    Path dir;

    private static List<long[]> keys(int from, int to) {
        List<long[]> pairs = new ArrayList<>();
        for (int i = from; i < to; i++) {
            pairs.add(new long[] {EntryIndex.hash("event", "e" + i), i});
        }
        return pairs;
    }

    @Test
    void shouldFindEveryKeyWhileHoldingOnlyTheNewestInMemory() throws Exception {
        try (EntryIndex index = new EntryIndex(dir.resolve("index"), 0, 100)) {
            index.add(keys(0, 1_000));
            assertThat(index.get(EntryIndex.hash("event", "e999"))).isEqualTo(999); // in memory
            assertThat(index.get(EntryIndex.hash("event", "e3"))).isEqualTo(3);     // from the file
            assertThat(index.get(EntryIndex.hash("event", "nope"))).isEqualTo(-1);
            assertThat(index.get(EntryIndex.hash("job", "e3"))).as("kinds do not collide").isEqualTo(-1);
        }
    }

    @Test
    void shouldCutBackToTheSizeTheTreeResumesFromAndDropATornRecord() throws Exception {
        Path file = dir.resolve("index");
        try (EntryIndex index = new EntryIndex(file, 0, 100)) {
            index.add(keys(0, 500));
        }
        Files.write(file, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND); // a torn record
        try (EntryIndex index = new EntryIndex(file, 300, 100)) {
            assertThat(Files.size(file)).isEqualTo(300 * 16);
            assertThat(index.get(EntryIndex.hash("event", "e299"))).isEqualTo(299);
            assertThat(index.get(EntryIndex.hash("event", "e300"))).isEqualTo(-1);
            index.add(keys(300, 310));
            assertThat(index.get(EntryIndex.hash("event", "e305"))).isEqualTo(305);
        }
    }
}
