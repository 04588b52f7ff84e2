package io.sheratan.integrity;

import io.sheratan.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IntegrityPolicyTest {

    @Test
    void shouldDefaultToRequiredSha256() {
        IntegrityPolicy policy = IntegrityPolicy.fromEnv(Map.of());
        assertThat(policy.mode()).isEqualTo(Mode.SHA256);
        assertThat(policy.required()).isTrue();
        assertThat(policy.hasKey()).isFalse();
        assertThat(policy.limits().maxDepth()).isEqualTo(64);
    }

    @Test
    void shouldReadHmacPolicyAndNeverPrintTheKey() {
        IntegrityPolicy policy = IntegrityPolicy.fromEnv(Map.of(
                "SHERATAN_RESULT_INTEGRITY_MODE", "hmac",
                "SHERATAN_RESULT_HMAC_KEY", "s3cret-key",
                "SHERATAN_RESULT_INTEGRITY_REQUIRED", "0"));
        assertThat(policy.mode()).isEqualTo(Mode.HMAC);
        assertThat(policy.required()).isFalse();
        assertThat(policy.toString()).doesNotContain("s3cret").contains("hmacKey=set");
    }

    @Test
    void shouldFailNamingTheVariableForAnUnknownMode() {
        assertThatThrownBy(() -> IntegrityPolicy.fromEnv(Map.of("SHERATAN_RESULT_INTEGRITY_MODE", "md5")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SHERATAN_RESULT_INTEGRITY_MODE").hasMessageContaining("md5");
    }

    @Test
    void shouldFailNamingTheKeyVariableWhenHmacHasNoKey() {
        assertThatThrownBy(() -> IntegrityPolicy.fromEnv(Map.of("SHERATAN_RESULT_INTEGRITY_MODE", "hmac")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SHERATAN_RESULT_HMAC_KEY");
    }

    @Test
    void shouldFailForAnyCanonicalVersionButOne() {
        assertThatThrownBy(() -> IntegrityPolicy.fromEnv(Map.of("SHERATAN_RESULT_CANONICAL_VERSION", "2")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SHERATAN_RESULT_CANONICAL_VERSION");
    }

    @Test
    void shouldFailForAnUnreadableRequiredFlagOrLimit() {
        assertThatThrownBy(() -> IntegrityPolicy.fromEnv(Map.of("SHERATAN_RESULT_INTEGRITY_REQUIRED", "maybe")))
                .hasMessageContaining("SHERATAN_RESULT_INTEGRITY_REQUIRED");
        assertThatThrownBy(() -> IntegrityPolicy.fromEnv(Map.of("SHERATAN_RESULT_MAX_DEPTH", "100000")))
                .hasMessageContaining("SHERATAN_RESULT_MAX_DEPTH");
    }
}
