package io.sheratan.integrity;

import io.sheratan.config.Setting;
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

    public static final Setting MODE_SETTING = Setting.of("SHERATAN_RESULT_INTEGRITY_MODE", "sha256",
            "the minimum mode: sha256, hmac or ed25519 (weaker marks are unsupported_mode)");
    public static final Setting REQUIRED_SETTING = Setting.of("SHERATAN_RESULT_INTEGRITY_REQUIRED", "1",
            "0 accepts unmarked results with a RESULT_INTEGRITY_MISSING_ACCEPTED event");
    public static final Setting HMAC_KEY_SETTING = Setting.secret("SHERATAN_RESULT_HMAC_KEY",
            "the single HMAC key when there is no keyring file; required when the mode is hmac");
    public static final Setting HMAC_KEY_ID_SETTING = Setting.optional("SHERATAN_RESULT_HMAC_KEY_ID", null,
            "extension: that key's id; when set, an hmac mark naming another key_id is unknown_key");
    public static final Setting CANONICAL_VERSION_SETTING = Setting.of("SHERATAN_RESULT_CANONICAL_VERSION", "1",
            "the minimum canonical version accepted: 1 (v1 and v2 marks) or 2 (v2 only)");
    public static final Setting MAX_BYTES_SETTING = Setting.of("SHERATAN_RESULT_MAX_BYTES", String.valueOf(CanonicalLimits.DEFAULT_MAX_BYTES),
            "extension: the largest document the strict profile reads");
    public static final Setting MAX_DEPTH_SETTING = Setting.of("SHERATAN_RESULT_MAX_DEPTH", String.valueOf(CanonicalLimits.DEFAULT_MAX_DEPTH),
            "extension: the deepest nesting the strict profile reads (at most 1000)");
    public static final Setting PIPELINE_ID_SETTING = Setting.of("SHERATAN_PIPELINE_ID", "sheratan",
            "the aud that version 2 marks must carry");
    public static final Setting MAX_AGE_SETTING = Setting.of("SHERATAN_RESULT_MAX_AGE", "PT1H",
            "version 2: issued_at older than the record's time minus this is stale");
    public static final Setting MAX_SKEW_SETTING = Setting.of("SHERATAN_RESULT_MAX_SKEW", "PT5M",
            "version 2: issued_at later than the record's time plus this is future_dated");
    public static final Setting KEYRING_FILE_SETTING = Setting.optional("SHERATAN_KEYRING_FILE", null,
            "keys and gateway tokens (DESIGN 3c), re-read while running");

    public static final String MODE = MODE_SETTING.name();
    public static final String REQUIRED = REQUIRED_SETTING.name();
    public static final String HMAC_KEY = HMAC_KEY_SETTING.name();
    public static final String HMAC_KEY_ID = HMAC_KEY_ID_SETTING.name();
    public static final String CANONICAL_VERSION = CANONICAL_VERSION_SETTING.name();
    public static final String MAX_BYTES = MAX_BYTES_SETTING.name();
    public static final String MAX_DEPTH = MAX_DEPTH_SETTING.name();
    public static final String PIPELINE_ID = PIPELINE_ID_SETTING.name();
    public static final String MAX_AGE = MAX_AGE_SETTING.name();
    public static final String MAX_SKEW = MAX_SKEW_SETTING.name();

    public IntegrityPolicy {
        hmacKey = hmacKey == null ? null : hmacKey.clone();
    }

    /** The contract's defaults: sha256, required, default limits, no key. */
    public static IntegrityPolicy defaults() {
        return fromEnv(Map.of());
    }

    public static IntegrityPolicy fromEnv(Map<String, String> env) {
        String modeValue = MODE_SETTING.text(env);
        Mode mode = Mode.parse(modeValue).orElseThrow(
                () -> new ConfigException(MODE, "expected sha256, hmac or ed25519, was '" + modeValue + "'"));
        boolean required = REQUIRED_SETTING.flag(env);
        String version = CANONICAL_VERSION_SETTING.text(env);
        if (!version.equals("1") && !version.equals("2")) {
            throw new ConfigException(CANONICAL_VERSION, "expected 1 (v1 and v2 marks) or 2 (v2 only), was '" + version + "'");
        }
        String key = env.get(HMAC_KEY);
        byte[] keyBytes = key == null || key.isEmpty() ? null : key.getBytes(StandardCharsets.UTF_8);
        if (mode == Mode.HMAC && keyBytes == null && env.get(KEYRING_FILE) == null) {
            throw new ConfigException(HMAC_KEY, "required when " + MODE + " is hmac (or give a keyring: " + KEYRING_FILE + ")");
        }
        String pipeline = PIPELINE_ID_SETTING.text(env);
        return new IntegrityPolicy(mode, required, keyBytes, EnvParsers.get(env, HMAC_KEY_ID), limitsFromEnv(env),
                Integer.parseInt(version), pipeline, duration(env, MAX_AGE_SETTING), duration(env, MAX_SKEW_SETTING));
    }

    /** Where the keyring lives (DESIGN.md section 3c); without it, the single-key variables make one. */
    public static final String KEYRING_FILE = KEYRING_FILE_SETTING.name();

    private static Duration duration(Map<String, String> env, Setting setting) {
        String name = setting.name();
        String text = setting.text(env);
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
        int maxBytes = MAX_BYTES_SETTING.integer(env, 2, 64 * 1024 * 1024);
        int maxDepth = MAX_DEPTH_SETTING.integer(env, 1, CanonicalLimits.DEPTH_CEILING);
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
