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

    /** Every way a secret can reach the process: variable, *_FILE, the Kafka properties file, SHERATAN_KAFKA_*; none is printed. */
    @Test
    void shouldNeverPrintASecretFromAnySource(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path hmac = dir.resolve("hmac");
        Files.writeString(hmac, "file-hmac-secret-0123456789abcdef\n");
        Path token = dir.resolve("token");
        Files.writeString(token, "file-token-xyz\n");
        Path kafka = dir.resolve("client.properties");
        Files.writeString(kafka, "bootstrap.servers=kafka-1:9093\nsecurity.protocol=SASL_SSL\nssl.truststore.password=trust-pw-777\n"
                + "sasl.jaas.config=PlainLoginModule required username=\"u\" password=\"jaas-pw-888\";\n");
        Map<String, String> env = io.sheratan.config.SecretFiles.resolve(Map.of("SHERATAN_RESULT_HMAC_KEY_FILE", hmac.toString(),
                "SHERATAN_HUB_TOKEN_FILE", token.toString(), "SHERATAN_KAFKA_CONFIG_FILE", kafka.toString(),
                "SHERATAN_KAFKA_SSL_KEY_PASSWORD", "key-pw-999"));
        assertThat(env.get("SHERATAN_RESULT_HMAC_KEY")).isEqualTo("file-hmac-secret-0123456789abcdef");
        String shown = ConfigCommand.effective(env);
        assertThat(shown).contains("kafka-1:9093").contains("SASL_SSL").contains("[hidden]")
                .doesNotContain("file-hmac-secret").doesNotContain("file-token-xyz").doesNotContain("trust-pw-777")
                .doesNotContain("jaas-pw-888").doesNotContain("key-pw-999");
    }
}
