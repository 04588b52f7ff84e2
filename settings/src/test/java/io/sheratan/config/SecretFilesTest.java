package io.sheratan.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretFilesTest {

    @Test
    void shouldReadTheFileIntoTheVariableWithoutOneTrailingLineBreak(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "tok en\r\n");
        Map<String, String> env = SecretFiles.resolve(Map.of("SHERATAN_HUB_TOKEN_FILE", file.toString(), "OTHER", "x"));
        assertThat(env).containsEntry("SHERATAN_HUB_TOKEN", "tok en").containsEntry("OTHER", "x");
        Map<String, String> untouched = Map.of("SHERATAN_HUB_TOKEN", "direct");
        assertThat(SecretFiles.resolve(untouched)).isSameAs(untouched);
    }

    @Test
    void shouldRefuseBothFormsAMissingFileAndAnEmptyOneNamingTheVariable(@TempDir Path dir) throws Exception {
        Path empty = dir.resolve("empty");
        Files.writeString(empty, "\n");
        assertThatThrownBy(() -> SecretFiles.resolve(Map.of("SHERATAN_RESULT_HMAC_KEY", "a", "SHERATAN_RESULT_HMAC_KEY_FILE", empty.toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not both");
        assertThatThrownBy(() -> SecretFiles.resolve(Map.of("SHERATAN_RESULT_HMAC_KEY_FILE", dir.resolve("missing").toString())))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("SHERATAN_RESULT_HMAC_KEY_FILE: cannot read");
        assertThatThrownBy(() -> SecretFiles.resolve(Map.of("SHERATAN_RESULT_HMAC_KEY_FILE", empty.toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("is empty");
        // a file with no end: refused after the limit, never read whole
        assertThatThrownBy(() -> SecretFiles.resolve(Map.of("SHERATAN_HUB_TOKEN_FILE", "/dev/zero")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("larger than");
    }
}
