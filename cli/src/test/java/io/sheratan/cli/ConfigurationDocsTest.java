package io.sheratan.cli;

import io.sheratan.config.Setting;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's configuration table is exactly what the declarations say ({@code sheratan config --markdown}). */
class ConfigurationDocsTest {

    @Test
    void shouldDocumentEverySettingExactlyAsDeclared() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("user.dir")).getParent().resolve("README.md"), StandardCharsets.UTF_8);
        assertThat(readme).contains(ConfigCommand.markdownTable());
    }

    @Test
    void shouldDeclareEachSettingOnceAndNeverShowASecret() {
        Set<String> names = new HashSet<>();
        for (Setting s : ConfigCommand.ALL) {
            assertThat(names.add(s.name())).as("declared once: " + s.name()).isTrue();
        }
        String shown = ConfigCommand.effective(Map.of("SHERATAN_RESULT_HMAC_KEY", "super-secret", "SHERATAN_HUB_TOKEN", "tok-123",
                "SHERATAN_PIPELINE_ID", "prod"));
        assertThat(shown).doesNotContain("super-secret").doesNotContain("tok-123").contains("(set, redacted)").contains("prod");
    }
}
