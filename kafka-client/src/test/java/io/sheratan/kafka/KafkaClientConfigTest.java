package io.sheratan.kafka;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaClientConfigTest {

    @Test
    void shouldMapPrefixedVariablesToClientProperties() {
        Map<String, Object> config = KafkaClientConfig.fromEnv(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092",
                "SHERATAN_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "SHERATAN_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                "SHERATAN_KAFKA_CLIENT_ID", "acl-bound-client",
                "SHERATAN_RESULT_INTEGRITY_MODE", "hmac",
                "PATH", "/usr/bin"));
        assertThat(config).containsOnly(
                Map.entry("bootstrap.servers", "kafka-1:9092,kafka-2:9092"),
                Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("sasl.mechanism", "SCRAM-SHA-512"),
                Map.entry("client.id", "acl-bound-client"));
    }

    @Test
    void shouldLetVariablesOverrideTheFileAndTheFileOverrideNothingElse() {
        Map<String, Object> config = KafkaClientConfig.fromEnv(
                Map.of("SHERATAN_KAFKA_REQUEST_TIMEOUT_MS", "5000"),
                Map.of("request.timeout.ms", "30000", "ssl.truststore.location", "/etc/ts.jks"));
        assertThat(config).containsEntry("request.timeout.ms", "5000").containsEntry("ssl.truststore.location", "/etc/ts.jks");
    }

    @Test
    void shouldHideSecretsWhenPrinted() {
        Map<String, Object> config = KafkaClientConfig.fromEnv(Map.of(
                "SHERATAN_KAFKA_SASL_JAAS_CONFIG", "PlainLoginModule required username=\"u\" password=\"p4ss\";",
                "SHERATAN_KAFKA_SSL_KEY_PASSWORD", "k3y",
                "SHERATAN_KAFKA_SECURITY_PROTOCOL", "SASL_SSL"));
        assertThat(KafkaClientConfig.redacted(config).toString())
                .doesNotContain("p4ss").doesNotContain("k3y").contains("SASL_SSL").contains("[hidden]");
    }

    @Test
    void shouldReadTheConfigFileVariableAndNeverPassItOrTheOldLogLevelThrough(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("client.properties");
        java.nio.file.Files.writeString(file, "security.protocol=SSL\nrequest.timeout.ms=1000\n");
        Map<String, Object> config = KafkaClientConfig.fromEnv(Map.of("SHERATAN_KAFKA_CONFIG_FILE", file.toString(),
                "SHERATAN_KAFKA_REQUEST_TIMEOUT_MS", "5000", "SHERATAN_KAFKA_LOG_LEVEL", "DEBUG"));
        assertThat(config).containsEntry("security.protocol", "SSL").containsEntry("request.timeout.ms", "5000")
                .doesNotContainKey("config.file").doesNotContainKey("log.level");
    }
}
