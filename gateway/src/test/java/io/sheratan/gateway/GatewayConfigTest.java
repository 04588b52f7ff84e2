package io.sheratan.gateway;

import io.sheratan.avro.codec.OutputFormat;
import io.sheratan.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewayConfigTest {

    @Test
    void shouldRequireATokenUnlessOpenIsAskedFor() {
        assertThatThrownBy(() -> GatewayConfig.fromEnv(Map.of(), false))
                .isInstanceOf(ConfigException.class).hasMessageContaining(GatewayConfig.TOKEN);
        GatewayConfig open = GatewayConfig.fromEnv(Map.of(), true);
        assertThat(open.open()).isTrue();
        assertThat(open.token()).isNull();
    }

    @Test
    void shouldEnforceATokenGivenToAnOpenConfig() {
        GatewayConfig enforced = GatewayConfig.fromEnv(Map.of(), true).withToken("t0k3n").enforcingToken();
        assertThat(enforced.open()).isFalse();
        assertThat(enforced.token()).isEqualTo("t0k3n");
        assertThat(GatewayConfig.fromEnv(Map.of(), true).enforcingToken().open()).as("tokens may come from a keyring").isFalse();
    }

    @Test
    void shouldParseItsOwnSettingsWithoutTheVerifiersRetention() {
        GatewayConfig config = GatewayConfig.fromEnv(Map.of(GatewayConfig.TOKEN, "x", GatewayConfig.MAX_IN_FLIGHT, "5",
                OutputFormat.ENV, "json", "SHERATAN_VERIFIER_RETENTION", "not-a-duration"), false);
        assertThat(config.maxInFlight()).isEqualTo(5);
        assertThat(config.auditFormat()).isEqualTo(OutputFormat.JSON);
        assertThat(config.toString()).doesNotContain("x,").contains("token=set");
        assertThatThrownBy(() -> GatewayConfig.fromEnv(Map.of(GatewayConfig.TOKEN, "x", GatewayConfig.MAX_IN_FLIGHT, "0"), false))
                .hasMessageContaining(GatewayConfig.MAX_IN_FLIGHT);
    }
}
