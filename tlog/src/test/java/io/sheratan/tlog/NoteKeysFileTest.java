package io.sheratan.tlog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The log key file: created 0600 from the start, never through a link, never replacing a key. */
class NoteKeysFileTest {

    @TempDir
    Path dir;

    @Test
    void shouldCreateTheKeyOwnerOnlyAndLoadTheSameKeyAgain() throws Exception {
        Path file = dir.resolve("log-key.pem");
        NoteKeys.Signer first = NoteKeys.loadOrGenerate(file, "test.local/audit");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(NoteKeys.loadOrGenerate(file, "test.local/audit").verifier().encoded()).isEqualTo(first.verifier().encoded());
        assertThat(dir.resolve("log-key.pem.tmp")).doesNotExist();
    }

    @Test
    void shouldNeverWriteThroughAPlantedLink() throws Exception {
        Path victim = Files.writeString(dir.resolve("victim"), "precious", StandardCharsets.UTF_8);
        Files.createSymbolicLink(dir.resolve("log-key.pem.tmp"), victim);
        NoteKeys.loadOrGenerate(dir.resolve("log-key.pem"), "test.local/audit");
        assertThat(victim).hasContent("precious");
        assertThat(Files.isSymbolicLink(dir.resolve("log-key.pem"))).isFalse();
    }

    @Test
    void shouldRefuseADanglingLinkAtTheKeysPath() throws Exception {
        Path file = dir.resolve("log-key.pem");
        Files.createSymbolicLink(file, dir.resolve("nowhere"));
        assertThatThrownBy(() -> NoteKeys.loadOrGenerate(file, "test.local/audit"))
                .isInstanceOf(IOException.class).hasMessageContaining("symbolic link to a missing file");
        assertThat(dir.resolve("nowhere")).doesNotExist();
    }
}
