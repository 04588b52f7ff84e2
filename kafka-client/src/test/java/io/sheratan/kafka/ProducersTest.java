package io.sheratan.kafka;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ProducersTest {

    @Test
    void shouldForceDurabilityAndKeepTheClientsSettingsOverTheDefaults() {
        Map<String, Object> config = Producers.config(
                Map.of("acks", "1", "enable.idempotence", false, "linger.ms", 20, "bootstrap.servers", "b:9092"),
                Map.of("linger.ms", 5, "max.block.ms", 5_000));
        assertThat(config).containsEntry("acks", "all").containsEntry("enable.idempotence", true)
                .containsEntry("linger.ms", 20).containsEntry("max.block.ms", 5_000).containsEntry("bootstrap.servers", "b:9092");
    }
}
