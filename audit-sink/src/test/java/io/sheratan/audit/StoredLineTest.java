package io.sheratan.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Lines read back byte for byte: the event as stored, whatever it holds; a line that is not ours is named. */
class StoredLineTest {

    @TempDir
    Path dir;

    private static final String REST = ",\"hash\":\"" + "a".repeat(64) + "\",\"prev_hash\":\"" + "0".repeat(64)
            + "\",\"seq\":1,\"source\":{\"offset\":9,\"partition\":2,\"topic\":\"t\"},\"written_at\":\"2026-12-04T00:00:00Z\"}";

    @Test
    void shouldReturnTheStoredEventBytesEvenWhenNoCanonicalizerWouldAcceptThem() throws IOException {
        String event = "{\"n\":18446744073709551616,\"s\":\"}]\\\"{\",\"deep\":[[[{\"a\":\"\\\\\"}]]]}";
        Path file = dir.resolve("audit-000001.jsonl");
        Files.writeString(file, "{\"event\":" + event + REST + "\n", StandardCharsets.UTF_8);
        List<StoredLine> lines = new ArrayList<>();
        StoredLine.forEach(file, lines::add);
        assertThat(lines).hasSize(1);
        assertThat(new String(lines.get(0).event(), StandardCharsets.UTF_8)).isEqualTo(event);
        assertThat(lines.get(0).seq()).isEqualTo(1);
        assertThat(lines.get(0).topic()).isEqualTo("t");
        assertThat(lines.get(0).partition()).isEqualTo(2);
        assertThat(lines.get(0).offset()).isEqualTo(9);
        assertThat(StoredLine.parseLeniently(lines.get(0).event()).path("n").isNumber()).isTrue();
    }

    @Test
    void shouldNameTheFileAndLineOfALineThatIsNotOurs() throws IOException {
        Path file = dir.resolve("audit-000001.jsonl");
        Files.writeString(file, "{\"event\":{\"a\":1}" + REST + "\n{\"event\":{\"a\":\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> StoredLine.forEach(file, line -> { }))
                .isInstanceOf(IOException.class).hasMessageContaining("audit-000001.jsonl line 2 is not an audit log line");
        Files.write(file, new byte[StoredLine.MAX_STORED_LINE + 10]);
        assertThatThrownBy(() -> StoredLine.forEach(file, line -> { }))
                .isInstanceOf(IOException.class).hasMessageContaining("line 1 is longer than");
    }
}
