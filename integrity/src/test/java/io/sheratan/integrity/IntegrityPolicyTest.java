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
    void shouldAcceptCanonicalVersions1And2AndFailForAnyOther() {
        assertThat(IntegrityPolicy.fromEnv(Map.of()).minVersion()).isEqualTo(1);
        assertThat(IntegrityPolicy.fromEnv(Map.of("SHERATAN_RESULT_CANONICAL_VERSION", "2")).minVersion()).isEqualTo(2);
        for (String bad : new String[] {"3", "0", "v2"}) {
            assertThatThrownBy(() -> IntegrityPolicy.fromEnv(Map.of("SHERATAN_RESULT_CANONICAL_VERSION", bad)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("SHERATAN_RESULT_CANONICAL_VERSION");
        }
    }

    @Test
    void shouldReadTheFreshnessWindowAndThePipelineId() {
        IntegrityPolicy policy = IntegrityPolicy.fromEnv(Map.of("SHERATAN_RESULT_MAX_AGE", "PT10M", "SHERATAN_RESULT_MAX_SKEW", "PT30S",
                "SHERATAN_PIPELINE_ID", "staging"));
        assertThat(policy.maxAge()).hasMinutes(10);
        assertThat(policy.maxSkew()).hasSeconds(30);
        assertThat(policy.pipelineId()).isEqualTo("staging");
        assertThat(IntegrityPolicy.defaults().pipelineId()).isEqualTo("sheratan");
        assertThatThrownBy(() -> IntegrityPolicy.fromEnv(Map.of("SHERATAN_RESULT_MAX_AGE", "an hour")))
                .hasMessageContaining("SHERATAN_RESULT_MAX_AGE");
    }

    @Test
    void shouldFailForAnUnreadableRequiredFlagOrLimit() {
        assertThatThrownBy(() -> IntegrityPolicy.fromEnv(Map.of("SHERATAN_RESULT_INTEGRITY_REQUIRED", "maybe")))
                .hasMessageContaining("SHERATAN_RESULT_INTEGRITY_REQUIRED");
        assertThatThrownBy(() -> IntegrityPolicy.fromEnv(Map.of("SHERATAN_RESULT_MAX_DEPTH", "100000")))
                .hasMessageContaining("SHERATAN_RESULT_MAX_DEPTH");
    }
}
