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

/** The configuration table of docs/configuration.md is exactly what the declarations say ({@code sheratan config --markdown}). */
class ConfigurationDocsTest {

    @Test
    void shouldDocumentEverySettingExactlyAsDeclared() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("user.dir")).getParent().resolve("docs/configuration.md"), StandardCharsets.UTF_8);
        assertThat(readme).contains(ConfigCommand.markdownTable());
    }

    /** A README a newcomer reads on one screen or three (issue: at most 200 lines), whose links all lead somewhere. */
    @Test
    void shouldKeepTheReadmeShortAndEveryLocalLinkAlive() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        for (Path doc : java.util.List.of(root.resolve("README.md"), root.resolve("docs/operations.md"), root.resolve("docs/clients.md"),
                root.resolve("docs/auditing.md"), root.resolve("docs/keys.md"), root.resolve("docs/configuration.md"),
                root.resolve("docs/contract-notes.md"), root.resolve("docs/status.md"))) {
            String text = Files.readString(doc, StandardCharsets.UTF_8);
            java.util.regex.Matcher link = java.util.regex.Pattern.compile("\\]\\(([^)#:]+)(#[^)]*)?\\)").matcher(text);
            while (link.find()) {
                assertThat(doc.getParent().resolve(link.group(1))).as(doc.getFileName() + " links to " + link.group(1)).exists();
            }
        }
        assertThat(Files.readAllLines(root.resolve("README.md"))).hasSizeLessThanOrEqualTo(200);
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
