package io.sheratan.integrity;

import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.config.ConfigException;
import io.sheratan.config.EnvParsers;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * What the verifier (and every signer) demands of a result: the minimum mode, whether a mark is
 * required, the HMAC key, and the strict-profile limits. Built from the environment of DESIGN.md
 * section 5 by {@link #fromEnv(Map)}, which refuses any value it does not understand, naming the
 * variable, so that a typo can never silently weaken the policy.
 *
 * <p>The key is held as bytes and never printed: {@link #toString()} shows only whether one is set.
 */
public record IntegrityPolicy(Mode mode, boolean required, byte[] hmacKey, String keyId, CanonicalLimits limits,
                              int minVersion, String pipelineId, Duration maxAge, Duration maxSkew) {

    public static final String MODE = "SHERATAN_RESULT_INTEGRITY_MODE";
    public static final String REQUIRED = "SHERATAN_RESULT_INTEGRITY_REQUIRED";
    public static final String HMAC_KEY = "SHERATAN_RESULT_HMAC_KEY";
    /** Optional: when set, an hmac mark that names another key_id is {@code unknown_key}. */
    public static final String HMAC_KEY_ID = "SHERATAN_RESULT_HMAC_KEY_ID";
    public static final String CANONICAL_VERSION = "SHERATAN_RESULT_CANONICAL_VERSION";
    public static final String MAX_BYTES = "SHERATAN_RESULT_MAX_BYTES";
    public static final String MAX_DEPTH = "SHERATAN_RESULT_MAX_DEPTH";
    public static final String PIPELINE_ID = "SHERATAN_PIPELINE_ID";
    public static final String MAX_AGE = "SHERATAN_RESULT_MAX_AGE";
    public static final String MAX_SKEW = "SHERATAN_RESULT_MAX_SKEW";

    public IntegrityPolicy {
        hmacKey = hmacKey == null ? null : hmacKey.clone();
    }

    /** The contract's defaults: sha256, required, default limits, no key. */
    public static IntegrityPolicy defaults() {
        return fromEnv(Map.of());
    }

    public static IntegrityPolicy fromEnv(Map<String, String> env) {
        String modeValue = EnvParsers.get(env, MODE, "sha256");
        Mode mode = Mode.parse(modeValue).orElseThrow(
                () -> new ConfigException(MODE, "expected sha256, hmac or ed25519, was '" + modeValue + "'"));
        boolean required = EnvParsers.getFlag(env, REQUIRED, true);
        String version = EnvParsers.get(env, CANONICAL_VERSION, "1");
        if (!version.equals("1") && !version.equals("2")) {
            throw new ConfigException(CANONICAL_VERSION, "expected 1 (v1 and v2 marks) or 2 (v2 only), was '" + version + "'");
        }
        String key = env.get(HMAC_KEY);
        byte[] keyBytes = key == null || key.isEmpty() ? null : key.getBytes(StandardCharsets.UTF_8);
        if (mode == Mode.HMAC && keyBytes == null && env.get(KEYRING_FILE) == null) {
            throw new ConfigException(HMAC_KEY, "required when " + MODE + " is hmac (or give a keyring: " + KEYRING_FILE + ")");
        }
        String pipeline = EnvParsers.get(env, PIPELINE_ID, DEFAULT_PIPELINE_ID);
        return new IntegrityPolicy(mode, required, keyBytes, EnvParsers.get(env, HMAC_KEY_ID), limitsFromEnv(env),
                Integer.parseInt(version), pipeline, duration(env, MAX_AGE, "PT1H"), duration(env, MAX_SKEW, "PT5M"));
    }

    /** Where the keyring lives (DESIGN.md section 3c); without it, the single-key variables make one. */
    public static final String KEYRING_FILE = "SHERATAN_KEYRING_FILE";
    public static final String DEFAULT_PIPELINE_ID = "sheratan";

    private static Duration duration(Map<String, String> env, String name, String fallback) {
        String text = EnvParsers.get(env, name, fallback);
        Duration value;
        try {
            value = Duration.parse(text.toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new ConfigException(name, "expected an ISO-8601 duration such as PT1H or PT5M, was '" + text + "'");
        }
        if (value.isNegative()) {
            throw new ConfigException(name, "must not be negative, was " + text);
        }
        return value;
    }

    /** The keyring of the single-key variables: one hmac key (when set), no token. */
    public Keyring legacyKeyring() {
        return Keyring.legacy(hmacKey, keyId, null);
    }

    /** Only the strict-profile limits ({@value #MAX_BYTES}, {@value #MAX_DEPTH}), for commands that need no mark policy. */
    public static CanonicalLimits limitsFromEnv(Map<String, String> env) {
        int maxBytes = EnvParsers.getInt(env, MAX_BYTES, CanonicalLimits.DEFAULT_MAX_BYTES, 2, 64 * 1024 * 1024);
        int maxDepth = EnvParsers.getInt(env, MAX_DEPTH, CanonicalLimits.DEFAULT_MAX_DEPTH, 1, CanonicalLimits.DEPTH_CEILING);
        return new CanonicalLimits(maxBytes, maxDepth);
    }

    public IntegrityPolicy withMode(Mode newMode) {
        return new IntegrityPolicy(newMode, required, hmacKey, keyId, limits, minVersion, pipelineId, maxAge, maxSkew);
    }

    public IntegrityPolicy withRequired(boolean newRequired) {
        return new IntegrityPolicy(mode, newRequired, hmacKey, keyId, limits, minVersion, pipelineId, maxAge, maxSkew);
    }

    public IntegrityPolicy withMinVersion(int version) {
        return new IntegrityPolicy(mode, required, hmacKey, keyId, limits, version, pipelineId, maxAge, maxSkew);
    }

    public IntegrityPolicy withFreshness(Duration newMaxAge, Duration newMaxSkew) {
        return new IntegrityPolicy(mode, required, hmacKey, keyId, limits, minVersion, pipelineId, newMaxAge, newMaxSkew);
    }

    public IntegrityPolicy withPipelineId(String id) {
        return new IntegrityPolicy(mode, required, hmacKey, keyId, limits, minVersion, id, maxAge, maxSkew);
    }

    public boolean hasKey() {
        return hmacKey != null;
    }

    @Override
    public byte[] hmacKey() {
        return hmacKey == null ? null : hmacKey.clone();
    }

    @Override
    public String toString() {
        return "IntegrityPolicy[mode=" + mode.code() + ", required=" + required + ", hmacKey="
                + (hmacKey == null ? "unset" : "set") + ", keyId=" + keyId + ", limits=" + limits + ", minVersion=" + minVersion
                + ", pipelineId=" + pipelineId + ", maxAge=" + maxAge + ", maxSkew=" + maxSkew + "]";
    }
}
